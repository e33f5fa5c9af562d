//! One client cannot hold a shop's stock: online orders are throttled per address and per
//! phone, a phone has few orders waiting at once, orders are capped in size, orders no shop
//! started are released in time, and a manager cancels one number's orders at once.

use crate::helpers::*;
use crate::ws::Ws;
use ocpizza::config::Config;
use ocpizza_proto::api::orders::{CancelledOrders, Order, TrackedOrder};
use ocpizza_proto::events::Event;
use ocpizza_proto::{IngredientId, OrderStatus};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Instant;

/// An app behind a trusted proxy (so tests can speak from several addresses), with the order
/// limits `tweak` sets on top of the shipped defaults.
async fn spawn(tweak: impl FnOnce(&mut Config)) -> TestApp {
    TestApp::spawn_with(|c| {
        let defaults = Config::defaults();
        c.trust_proxy = true;
        c.orders_per_ip_per_min = defaults.orders_per_ip_per_min;
        c.orders_per_phone_per_min = defaults.orders_per_phone_per_min;
        c.open_orders_per_phone = defaults.open_orders_per_phone;
        c.unstarted_order_minutes = defaults.unstarted_order_minutes;
        tweak(c);
    })
    .await
}

/// `POST /api/v1/orders` from client address `ip`.
async fn order_from(api: &Api, app: &TestApp, ip: &str, body: &Value) -> Response {
    api.http
        .post(app.url("/api/v1/orders"))
        .header("x-forwarded-for", ip)
        .json(body)
        .send()
        .await
        .expect("POST")
}

/// A pickup order of shop 1 for `phone`.
fn pickup_for(phone: &str, lines: &Value) -> Value {
    json!({
        "shop_id": SHOP, "fulfilment": "pickup",
        "contact": {"name": "Client Pressé", "phone": phone},
        "lines": lines, "payment_method": "at_counter"
    })
}

/// One medium of every pizza on the shop's menu.
async fn whole_menu(app: &TestApp) -> Value {
    let menu = app.menu(SHOP).await;
    menu.pizzas
        .iter()
        .map(|p| json!({"pizza_id": p.id, "size": "medium", "quantity": 1}))
        .collect()
}

/// The `Retry-After` seconds of a 429 with the `rate_limited` error body.
async fn retry_after(r: Response) -> u64 {
    let secs = r
        .headers()
        .get("retry-after")
        .expect("Retry-After header")
        .to_str()
        .unwrap()
        .parse::<u64>()
        .expect("Retry-After in seconds");
    let (code, _) = error_code(r, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(code, "rate_limited");
    secs
}

#[tokio::test]
async fn a_hundred_rapid_guest_orders_from_one_client_leave_the_menu_available_to_others() {
    let app = spawn(|_| {}).await;
    // Stock for thirty orders of the whole menu: without limits the flood empties it.
    let lines = whole_menu(&app).await;
    let mut per_order: BTreeMap<IngredientId, i64> = BTreeMap::new();
    for line in lines.as_array().unwrap() {
        for (ingredient, qty) in app
            .recipe(line["pizza_id"].as_i64().unwrap(), "medium")
            .await
        {
            *per_order.entry(ingredient).or_default() += qty;
        }
    }
    for (ingredient, qty) in &per_order {
        app.set_stock(SHOP, *ingredient, 30 * qty).await;
    }

    let flooder = app.anonymous();
    let started = Instant::now();
    let attempts = (0..100).map(|i| {
        let body = pickup_for(&format!("06 00 00 00 {i:02}"), &lines);
        let flooder = flooder.clone();
        let app = &app;
        async move { order_from(&flooder, app, "203.0.113.7", &body).await }
    });
    let responses = futures::future::join_all(attempts).await;
    let elapsed = started.elapsed();
    let created = responses
        .iter()
        .filter(|r| r.status() == StatusCode::CREATED)
        .count();
    for r in &responses {
        assert!(
            [StatusCode::CREATED, StatusCode::TOO_MANY_REQUESTS].contains(&r.status()),
            "{}",
            r.status()
        );
    }
    // Ten at once, then one every six seconds.
    let allowed = 10 + usize::try_from(elapsed.as_secs() / 6).unwrap();
    assert!(
        (1..=allowed).contains(&created),
        "{created} orders accepted in {elapsed:?}"
    );

    let menu = app.menu(SHOP).await;
    for pizza in &menu.pizzas {
        for size in &pizza.sizes {
            assert!(
                size.available > 0,
                "{} {} unavailable after the flood",
                pizza.name,
                size.code
            );
        }
    }
    let other = app.anonymous();
    let r = order_from(
        &other,
        &app,
        "198.51.100.20",
        &pickup_for("07 11 22 33 44", &lines),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn orders_past_the_per_address_limit_get_429_but_staff_at_the_counter_are_not_limited() {
    let app = spawn(|c| c.orders_per_ip_per_min = 2).await;
    let guest = app.anonymous();
    let one = json!([{"pizza_id": MARGHERITA, "size": "medium", "quantity": 1}]);
    for phone in ["06 10 00 00 01", "06 10 00 00 02"] {
        let r = order_from(&guest, &app, "203.0.113.7", &pickup_for(phone, &one)).await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let r = order_from(
        &guest,
        &app,
        "203.0.113.7",
        &pickup_for("06 10 00 00 03", &one),
    )
    .await;
    let secs = retry_after(r).await;
    assert!((1..=30).contains(&secs), "Retry-After {secs}");

    // A customer's account does not lift the limit; another address is still served.
    let customer = app.customer().await;
    let r = order_from(
        &customer,
        &app,
        "203.0.113.7",
        &pickup_for("06 10 00 00 04", &one),
    )
    .await;
    retry_after(r).await;
    let r = order_from(
        &guest,
        &app,
        "198.51.100.20",
        &pickup_for("06 10 00 00 03", &one),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);

    // The shop's counter sits behind the flooded address: its phone orders go through.
    let counter = app.as_demo("counter").await;
    for i in 0..5 {
        let mut body = pickup_for(&format!("06 20 00 00 0{i}"), &one);
        body["channel"] = json!("phone");
        let r = order_from(&counter, &app, "203.0.113.7", &body).await;
        assert_eq!(r.status(), StatusCode::CREATED, "counter order {i}");
    }
}

#[tokio::test]
async fn orders_past_the_per_phone_limit_get_429_from_any_address_however_the_number_is_written() {
    let app = spawn(|c| {
        c.orders_per_phone_per_min = 2;
        c.open_orders_per_phone = 100;
    })
    .await;
    let guest = app.anonymous();
    let one = json!([{"pizza_id": REGINA, "size": "medium", "quantity": 1}]);
    for (ip, phone) in [
        ("203.0.113.1", "06 12 34 56 78"),
        ("203.0.113.2", "+33 6 12 34 56 78"),
    ] {
        let r = order_from(&guest, &app, ip, &pickup_for(phone, &one)).await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let r = order_from(
        &guest,
        &app,
        "203.0.113.3",
        &pickup_for("06.12.34.56.78", &one),
    )
    .await;
    let secs = retry_after(r).await;
    assert!((1..=60).contains(&secs), "Retry-After {secs}");

    let r = order_from(
        &guest,
        &app,
        "203.0.113.3",
        &pickup_for("06 98 76 54 32", &one),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED, "another number is served");
}

#[tokio::test]
async fn a_phone_may_have_only_three_orders_waiting_for_a_shop_to_start_them() {
    let app = spawn(|c| c.orders_per_phone_per_min = 100).await;
    let guest = app.anonymous();
    let one = json!([{"pizza_id": REGINA, "size": "medium", "quantity": 1}]);
    let mut placed = Vec::new();
    for (i, phone) in ["06 12 34 56 78", "0033 6 12 34 56 78", "06-12-34-56-78"]
        .iter()
        .enumerate()
    {
        let r = order_from(
            &guest,
            &app,
            &format!("203.0.113.{i}"),
            &pickup_for(phone, &one),
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        placed.push(r.json::<Order>().await.unwrap());
    }
    let fourth = pickup_for("+33 6 12 34 56 78", &one);
    let r = order_from(&guest, &app, "198.51.100.9", &fourth).await;
    let (code, body) = error_code(r, StatusCode::CONFLICT).await;
    assert_eq!(code, "too_many_open_orders");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not started")
    );

    // Once the kitchen starts one, the number may order again.
    app.as_demo("cook")
        .await
        .transition(&placed[0], "preparing")
        .await;
    let r = order_from(&guest, &app, "198.51.100.9", &fourth).await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn orders_sent_at_once_from_one_phone_get_its_allowance_and_no_more() {
    let app = spawn(|c| c.orders_per_phone_per_min = 100).await;
    let guest = app.anonymous();
    let one = json!([{"pizza_id": REGINA, "size": "medium", "quantity": 1}]);
    // Twelve at once, from as many addresses, the number written in three ways.
    let formats = ["06 12 34 56 78", "+33 6 12 34 56 78", "06.12.34.56.78"];
    let burst = (0..12).map(|i| {
        let (guest, app) = (guest.clone(), &app);
        let body = pickup_for(formats[i % 3], &one);
        async move { order_from(&guest, app, &format!("203.0.113.{i}"), &body).await }
    });
    let mut created = 0;
    for r in futures::future::join_all(burst).await {
        match r.status() {
            StatusCode::CREATED => created += 1,
            status => assert_eq!(
                error_code(r, status).await.0,
                "too_many_open_orders",
                "every other one is refused"
            ),
        }
    }
    assert_eq!(created, 3, "the allowance, however the orders were batched");
    // Another number is not affected.
    let r = order_from(
        &guest,
        &app,
        "198.51.100.9",
        &pickup_for("07 00 00 00 01", &one),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn orders_sent_at_once_from_several_phones_get_each_phone_its_own_allowance() {
    let app = spawn(|c| c.orders_per_phone_per_min = 100).await;
    let guest = app.anonymous();
    let one = json!([{"pizza_id": REGINA, "size": "medium", "quantity": 1}]);
    let phones = [
        "06 11 11 11 11",
        "06 22 22 22 22",
        "07 33 33 33 33",
        "06 44 44 44 44",
    ];
    // The first phone has two waiting already: one more, and no other, is its allowance.
    for i in 0..2 {
        let r = order_from(
            &guest,
            &app,
            &format!("198.51.100.{i}"),
            &pickup_for(phones[0], &one),
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    // Then six from each phone, interleaved, all at once: batches mix the phones.
    let burst = (0..24).map(|i| {
        let (guest, app) = (guest.clone(), &app);
        let phone = phones[i % phones.len()];
        let body = pickup_for(phone, &one);
        async move {
            let r = order_from(&guest, app, &format!("203.0.113.{i}"), &body).await;
            (phone, r)
        }
    });
    let mut created: BTreeMap<&str, usize> = BTreeMap::new();
    for (phone, r) in futures::future::join_all(burst).await {
        match r.status() {
            StatusCode::CREATED => *created.entry(phone).or_default() += 1,
            status => assert_eq!(error_code(r, status).await.0, "too_many_open_orders"),
        }
    }
    let expected: BTreeMap<&str, usize> = phones
        .iter()
        .map(|p| (*p, if *p == phones[0] { 1 } else { 3 }))
        .collect();
    assert_eq!(
        created, expected,
        "each phone its own allowance, whatever the batches"
    );
}

#[tokio::test]
async fn oversized_orders_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let guest = app.anonymous();
    let cases = [
        (
            json!([{"pizza_id": MARGHERITA, "size": "medium", "quantity": 21}]),
            "lines[0].quantity",
        ),
        (
            json!(vec![
                json!({"pizza_id": MARGHERITA, "size": "medium", "quantity": 1});
                31
            ]),
            "lines",
        ),
        (
            json!([{"pizza_id": MARGHERITA, "size": "medium", "quantity": 20},
                   {"pizza_id": REGINA, "size": "medium", "quantity": 11}]),
            "lines",
        ),
    ];
    for (lines, field) in cases {
        let r = guest
            .post("/api/v1/orders", &pickup_for("06 12 34 56 78", &lines))
            .await;
        let (code, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(code, "invalid_input");
        assert!(body["error"]["fields"][field].is_string(), "{body}");
    }
    let r = guest
        .post(
            "/api/v1/orders",
            &pickup_for(
                "06 12 34 56 78",
                &json!([{"pizza_id": MARGHERITA, "size": "medium", "quantity": 20},
                       {"pizza_id": REGINA, "size": "medium", "quantity": 11}]),
            ),
        )
        .await;
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["fields"]["lines"]
            .as_str()
            .unwrap()
            .contains("30 pizzas"),
        "{body}"
    );
    let (_, reserved) = app.level(SHOP, IngredientId(1)).await;
    assert_eq!(reserved, 0, "nothing was reserved");
}

/// The next event of a subscription, which must be the order's cancellation.
async fn cancellation(ws: &mut Ws) -> (i64, Option<String>) {
    match ws.events(1).await.remove(0).2 {
        Event::OrderCancelled {
            order_id, reason, ..
        } => (order_id.0, reason),
        other => panic!("expected order_cancelled, got {other:?}"),
    }
}

#[tokio::test]
async fn an_order_the_shop_did_not_start_in_time_is_cancelled_and_its_stock_released() {
    let app = spawn(|_| {}).await;
    let recipe = app.recipe(REGINA, "medium").await;
    let (ham, per_pizza) = recipe[3];
    let guest = app.anonymous();
    let forgotten = guest.place(&pickup(REGINA, "medium", 2)).await;
    let placed = guest.place(&pickup(REGINA, "medium", 1)).await;
    app.as_demo("cook")
        .await
        .transition(&placed, "preparing")
        .await;
    let (on_hand, reserved) = app.level(SHOP, ham).await;
    assert_eq!(reserved, 2 * per_pizza);

    let mut kitchen = Ws::connect(&app, Some(&app.cookie("cook").await)).await;
    kitchen.subscribe("shop:1:orders", None).await;
    let mut tracker = Ws::connect(&app, None).await;
    tracker
        .subscribe(
            &format!(
                "order:{}",
                forgotten.tracking_token.as_deref().expect("token")
            ),
            None,
        )
        .await;

    let now = ocpizza::db::now_ms();
    let released = ocpizza::housekeeping::release_unstarted(&app.state, now)
        .await
        .unwrap();
    assert_eq!(released, 0, "a fresh order is left alone");
    let later = now + 91 * 60_000;
    let released = ocpizza::housekeeping::release_unstarted(&app.state, later)
        .await
        .unwrap();
    assert_eq!(released, 1, "only the order nobody started");

    let reason = Some("not started by the shop in time".to_owned());
    assert_eq!(
        cancellation(&mut kitchen).await,
        (forgotten.id.0, reason.clone())
    );
    assert_eq!(
        cancellation(&mut tracker).await,
        (forgotten.id.0, reason.clone())
    );
    assert_eq!(app.level(SHOP, ham).await, (on_hand, 0));
    let tracked: TrackedOrder = guest
        .get_json(&format!(
            "/api/v1/track/{}",
            forgotten.tracking_token.as_deref().expect("token")
        ))
        .await;
    assert_eq!(tracked.order.status, OrderStatus::Cancelled);
    assert_eq!(tracked.order.cancel_reason, reason);
    let ledger: Vec<ocpizza_proto::api::stock::LedgerEntry> = app
        .as_demo("manager")
        .await
        .get_json(&format!(
            "/api/v1/shops/{SHOP}/stock/ledger?ingredient_id={ham}"
        ))
        .await;
    assert_eq!(ledger[0].order_id, Some(forgotten.id));
    assert_eq!(ledger[0].delta_reserved, -2 * per_pizza);
    assert_eq!(ledger[0].reason, reason);

    let kept: TrackedOrder = guest
        .get_json(&format!(
            "/api/v1/track/{}",
            placed.tracking_token.as_deref().expect("token")
        ))
        .await;
    assert_eq!(kept.order.status, OrderStatus::Preparing);
}

#[tokio::test]
async fn a_manager_cancels_every_waiting_order_of_one_phone_at_once() {
    let app = TestApp::spawn().await;
    let guest = app.anonymous();
    let recipe = app.recipe(REGINA, "medium").await;
    let (ham, _) = recipe[3];
    let (_, reserved_before) = app.level(SHOP, ham).await;
    let mut flood = Vec::new();
    for phone in ["06 12 34 56 78", "+33 6 12 34 56 78", "06.12.34.56.78"] {
        flood.push(
            guest
                .place(&pickup_for(
                    phone,
                    &json!([{"pizza_id": REGINA, "size": "medium", "quantity": 3}]),
                ))
                .await,
        );
    }
    let started = guest
        .place(&pickup_for(
            "06 12 34 56 78",
            &json!([{"pizza_id": MARGHERITA, "size": "medium", "quantity": 1}]),
        ))
        .await;
    app.as_demo("cook")
        .await
        .transition(&started, "preparing")
        .await;
    let someone_else = guest.place(&pickup(REGINA, "medium", 1)).await;
    let (_, reserved_flooded) = app.level(SHOP, ham).await;
    assert!(reserved_flooded > reserved_before);

    let path = format!("/api/v1/shops/{SHOP}/orders/cancel-by-phone");
    let body = json!({"phone": "0612345678", "reason": "commandes en rafale"});
    let r = app.as_demo("cook").await.post(&path, &body).await;
    error_code(r, StatusCode::FORBIDDEN).await;
    let elsewhere = app.staff(OTHER_SHOP, "manager").await;
    let r = elsewhere.post(&path, &body).await;
    error_code(r, StatusCode::FORBIDDEN).await;
    let manager = app.as_demo("manager").await;
    let r = manager
        .post(&path, &json!({"phone": "abc", "reason": "x"}))
        .await;
    let (_, bad) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(bad["error"]["fields"]["phone"].is_string());

    let r = manager.post(&path, &body).await;
    assert_eq!(r.status(), StatusCode::OK);
    let done: CancelledOrders = r.json().await.unwrap();
    let mut ids: Vec<_> = done.cancelled.iter().map(|o| o.id).collect();
    ids.sort_unstable();
    assert_eq!(ids, flood.iter().map(|o| o.id).collect::<Vec<_>>());
    assert!(done.cancelled.iter().all(|o| {
        o.status == OrderStatus::Cancelled
            && o.cancel_reason.as_deref() == Some("commandes en rafale")
    }));
    let (_, reserved_after) = app.level(SHOP, ham).await;
    let one_regina = app.recipe(REGINA, "medium").await[3].1;
    assert_eq!(
        reserved_after,
        reserved_before + one_regina,
        "only the other caller's order holds stock"
    );

    let list: ocpizza_proto::api::orders::OrderList = manager
        .get_json(&format!("/api/v1/shops/{SHOP}/orders"))
        .await;
    let open: Vec<_> = list.orders.iter().map(|o| (o.id, o.status)).collect();
    assert!(open.contains(&(started.id, OrderStatus::Preparing)));
    assert!(open.contains(&(someone_else.id, OrderStatus::Placed)));
}
