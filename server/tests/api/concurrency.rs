//! Races: stock for exactly 50 pizzas and 200 buyers; concurrent edits of one order; the event
//! log's sequences under concurrent writers. Run on SQLite and PostgreSQL alike.

use crate::helpers::*;
use futures::future::join_all;
use ocpizza_proto::api::menu::MANY;
use ocpizza_proto::api::orders::Order;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::Row;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_buyers_race_for_fifty_pizzas_and_exactly_fifty_win() {
    let app = TestApp::spawn().await;
    let recipe = app.recipe(MARGHERITA, "medium").await;
    for (ingredient, qty) in &recipe {
        app.set_stock(SHOP, *ingredient, qty * 50).await;
    }
    assert_eq!(app.makeable(SHOP, MARGHERITA, "medium").await, 50);
    assert_eq!(app.available(SHOP, MARGHERITA, "medium").await, MANY);

    let guest = app.anonymous();
    let attempts = (0..200).map(|_| {
        let guest = guest.clone();
        async move {
            guest
                .post("/api/v1/orders", &delivery(MARGHERITA, "medium", 1))
                .await
        }
    });
    let responses = join_all(attempts).await;
    let mut won = 0;
    for r in responses {
        match r.status() {
            StatusCode::CREATED => won += 1,
            status => assert_eq!(
                error_code(r, status).await.0,
                "out_of_stock",
                "every loser gets 409"
            ),
        }
    }
    assert_eq!(won, 50);
    for (ingredient, qty) in &recipe {
        assert_eq!(
            app.level(SHOP, *ingredient).await,
            (qty * 50, qty * 50),
            "all reserved, none twice"
        );
    }
    assert_eq!(app.available(SHOP, MARGHERITA, "medium").await, 0);
    let placed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(placed, 50, "losers left no order behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_edits_of_one_version_let_exactly_one_through() {
    let app = TestApp::spawn().await;
    let customer = app.customer().await;
    let order = customer.place(&delivery(MARGHERITA, "medium", 1)).await;
    let edits = (1..=10).map(|n| {
        let customer = customer.clone();
        let path = format!("/api/v1/orders/{}", order.id);
        async move {
            customer
                .patch(
                    &path,
                    &json!({"version": order.version,
                    "lines": [{"pizza_id": MARGHERITA, "size": "medium", "quantity": n}]}),
                )
                .await
                .status()
        }
    });
    let statuses = join_all(edits).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT)
    );
    let now: Order = customer
        .get_json(&format!("/api/v1/orders/{}", order.id))
        .await;
    assert_eq!(now.version, order.version + 1);
    let (dough, per) = app.recipe(MARGHERITA, "medium").await[0];
    assert_eq!(
        app.level(SHOP, dough).await.1,
        per * now.lines[0].quantity,
        "reservation matches the winner"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_event_log_stays_contiguous_per_stream_under_concurrent_writers() {
    let app = TestApp::spawn().await;
    let guest = app.anonymous();
    let cook = app.as_demo("cook").await;
    let first = guest.place(&pickup(REGINA, "medium", 1)).await;
    let writers = (0..40).map(|i| {
        let (guest, cook, first) = (guest.clone(), cook.clone(), first.clone());
        async move {
            if i == 0 {
                cook.post(
                    &format!("/api/v1/orders/{}/transition", first.id),
                    &json!({"to": "preparing"}),
                )
                .await;
            } else {
                let size = if i % 2 == 0 { "medium" } else { "large" };
                let r = guest
                    .post("/api/v1/orders", &delivery(REGINA, size, 1))
                    .await;
                assert_eq!(r.status(), StatusCode::CREATED);
            }
        }
    });
    join_all(writers).await;
    let rows = sqlx::query("SELECT stream, seq FROM events ORDER BY stream, seq")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    let mut streams = std::collections::BTreeMap::<String, Vec<i64>>::new();
    for r in &rows {
        streams
            .entry(r.get("stream"))
            .or_default()
            .push(r.get("seq"));
    }
    for (stream, seqs) in &streams {
        let expected: Vec<i64> = (1..=seqs.len() as i64).collect();
        assert_eq!(seqs, &expected, "{stream} has a gap or a duplicate");
        let head: i64 = sqlx::query_scalar("SELECT seq FROM stream_heads WHERE stream = $1")
            .bind(stream)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        assert_eq!(head, seqs.len() as i64, "{stream} head");
    }
    assert_eq!(
        streams["shop:1:orders"].len(),
        41,
        "40 placements and one start"
    );
    assert!(streams.contains_key("shop:1:stock") && streams.contains_key("shop:1:menu"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn orders_that_queue_behind_a_commit_share_the_next_and_a_refused_one_spoils_none() {
    let app = TestApp::spawn().await;
    let recipe = app.recipe(MARGHERITA, "medium").await;
    for (ingredient, qty) in &recipe {
        app.set_stock(SHOP, *ingredient, qty * 5).await;
    }
    // Hold the shop's stock rows (and, on SQLite, the writer) so that the orders queue.
    let mut held = app.db.begin().await.unwrap();
    sqlx::query("UPDATE stock SET on_hand = on_hand WHERE shop_id = $1")
        .bind(SHOP.0)
        .execute(&mut *held)
        .await
        .unwrap();
    let guest = app.anonymous();
    let place = |guest: Api| {
        tokio::spawn(async move {
            guest
                .post("/api/v1/orders", &pickup(MARGHERITA, "medium", 1))
                .await
        })
    };
    let wait_until = |submitted: u64, waiting: usize| {
        let batches = app.state.batches.clone();
        async move {
            while batches.submitted(SHOP) < submitted || batches.waiting(SHOP) != waiting {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        }
    };
    // The first order's batch is taken, and waits for the rows.
    let mut attempts = vec![place(guest.clone())];
    wait_until(1, 0).await;
    // The eleven next wait for it.
    attempts.extend((0..11).map(|_| place(guest.clone())));
    wait_until(12, 11).await;
    held.commit().await.unwrap();

    let (mut won, mut refused) = (0, 0);
    for attempt in attempts {
        let r = attempt.await.unwrap();
        match r.status() {
            StatusCode::CREATED => won += 1,
            status => {
                let (code, body) = error_code(r, status).await;
                assert_eq!(code, "out_of_stock", "{body}");
                refused += 1;
            }
        }
    }
    assert_eq!((won, refused), (5, 7));
    for (ingredient, qty) in &recipe {
        assert_eq!(app.level(SHOP, *ingredient).await, (qty * 5, qty * 5));
    }
    let placed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(placed, 5, "the refused ones left nothing behind");
    // One order alone, then the eleven together.
    let metrics = ocpizza::metrics::render(&app.state).await;
    let value = |name: &str| -> f64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in the metrics"))
    };
    let (sum, count) = (
        value("ocpizza_order_batch_size_sum "),
        value("ocpizza_order_batch_size_count "),
    );
    assert!(
        (sum - 12.0).abs() < 0.5 && (count - 2.0).abs() < 0.5,
        "{sum} in {count}"
    );
    // Every accepted order is on the shop's stream once, in a contiguous sequence.
    let seqs: Vec<i64> = sqlx::query_scalar(
        "SELECT seq FROM events WHERE stream = $1 AND kind = 'order_placed' ORDER BY seq",
    )
    .bind(format!("shop:{SHOP}:orders"))
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(seqs.len(), 5);
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
}
