//! `Idempotency-Key`: a replay returns the first result and changes nothing.

use crate::helpers::*;
use futures::future::join_all;
use ocpizza_proto::api::orders::Order;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn replaying_an_order_returns_the_same_order_and_reserves_once() {
    let app = TestApp::spawn().await;
    let guest = app.anonymous();
    let (dough, per) = app.recipe(MARGHERITA, "medium").await[0];
    let body = delivery(MARGHERITA, "medium", 1);
    let first = guest
        .post_idem("/api/v1/orders", "order-key-0001", &body)
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Order = first.json().await.unwrap();
    let again = guest
        .post_idem("/api/v1/orders", "order-key-0001", &body)
        .await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Order = again.json().await.unwrap();
    assert_eq!(again, first);
    assert_eq!(app.level(SHOP, dough).await.1, per, "reserved once");

    let other = delivery(REGINA, "medium", 1);
    let r = guest
        .post_idem("/api/v1/orders", "order-key-0001", &other)
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await.0,
        "idempotency_key_reused"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_key_sent_concurrently_places_one_order() {
    let app = TestApp::spawn().await;
    let guest = app.anonymous();
    let body = pickup(REGINA, "medium", 1);
    let tries = (0..8).map(|_| {
        let (guest, body) = (guest.clone(), body.clone());
        async move {
            let r = guest
                .post_idem("/api/v1/orders", "double-click-42", &body)
                .await;
            assert_eq!(r.status(), StatusCode::CREATED);
            r.json::<Order>().await.unwrap().id
        }
    });
    let ids = join_all(tries).await;
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn a_replayed_status_change_does_not_move_the_order_twice() {
    let app = TestApp::spawn().await;
    let order = app
        .anonymous()
        .place(&pickup(MARGHERITA, "medium", 1))
        .await;
    let cook = app.as_demo("cook").await;
    let path = format!("/api/v1/orders/{}/transition", order.id);
    let started = cook
        .post_idem(&path, "bump-000001", &json!({"to": "preparing"}))
        .await;
    assert_eq!(started.status(), StatusCode::OK);
    let started: Order = started.json().await.unwrap();
    let replay = cook
        .post_idem(&path, "bump-000001", &json!({"to": "preparing"}))
        .await;
    assert_eq!(replay.status(), StatusCode::OK);
    assert_eq!(replay.json::<Order>().await.unwrap(), started);
    let now: Order = cook.get_json(&format!("/api/v1/orders/{}", order.id)).await;
    assert_eq!(now.version, started.version, "nothing changed on replay");
    let r = cook.post_idem(&path, "x", &json!({"to": "ready"})).await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await.0,
        "invalid_input"
    );
}

#[tokio::test]
async fn keys_expire_with_housekeeping_and_then_run_again() {
    let app = TestApp::spawn().await;
    let guest = app.anonymous();
    let body = pickup(REGINA, "medium", 1);
    let first: Order = guest
        .post_idem("/api/v1/orders", "weekly-key-01", &body)
        .await
        .json()
        .await
        .unwrap();
    sqlx::query("UPDATE idempotency_keys SET created_at = created_at - $1")
        .bind(8 * 86_400_000_i64)
        .execute(app.db.pool())
        .await
        .unwrap();
    let (keys, _) = ocpizza::housekeeping::sweep(&app.db, 72, 730)
        .await
        .unwrap();
    assert_eq!(keys, 1);
    let second: Order = guest
        .post_idem("/api/v1/orders", "weekly-key-01", &body)
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(second.id, first.id, "an expired key no longer replays");
}

#[tokio::test]
async fn another_guest_reusing_a_key_never_gets_the_first_guests_order_back() {
    let app = TestApp::spawn_with(|c| c.trust_proxy = true).await;
    let body = delivery(MARGHERITA, "medium", 1);
    let from = |ip: &'static str| {
        let (http, url, body) = (
            app.anonymous().http,
            app.url("/api/v1/orders"),
            body.clone(),
        );
        async move {
            http.post(url)
                .header("x-forwarded-for", ip)
                .header("idempotency-key", "shared-key-0001")
                .json(&body)
                .send()
                .await
                .expect("POST")
        }
    };
    let first = from("203.0.113.7").await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Order = first.json().await.expect("order");
    // The same guest retrying gets the same order back.
    let retry = from("203.0.113.7").await;
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(retry.json::<Order>().await.expect("order").id, first.id);
    // Another client with the same key and body places its own order.
    let other = from("198.51.100.9").await;
    assert_eq!(other.status(), StatusCode::CREATED);
    assert!(!other.headers().contains_key("idempotent-replayed"));
    let other: Order = other.json().await.expect("order");
    assert_ne!(other.id, first.id);
    assert_ne!(other.tracking_token, first.tracking_token);
}
