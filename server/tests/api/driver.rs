//! A driver's offline queue replayed: each action applied once, conflicts answered the same
//! way on every retry, and the orders' own rules behind every action.

use crate::helpers::*;
use ocpizza_proto::api::driver::{DriverActionList, DriverActionResult, RecordedOutcome};
use ocpizza_proto::api::orders::Order;
use ocpizza_proto::{OrderStatus, PaymentStatus};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A delivery the kitchen has finished, waiting for a driver.
pub async fn ready_delivery(app: &TestApp) -> Order {
    let order = app
        .anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
    let cook = app.as_demo("cook").await;
    let order = cook.transition(&order, "preparing").await;
    cook.transition(&order, "ready").await
}

/// A driver action tapped `minutes_ago` minutes ago.
pub fn action(key: &str, order: &Order, kind: &str, minutes_ago: i64) -> Value {
    let at = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(minutes_ago);
    json!({"key": format!("{key}-0123456789abcdef"), "order_id": order.id, "kind": kind,
           "device_at": at.to_string()})
}

/// Sends an action and expects 200.
pub async fn send(api: &Api, body: &Value) -> DriverActionResult {
    let r = api.post("/api/v1/driver/actions", body).await;
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    assert_eq!(status, StatusCode::OK, "driver action: {text}");
    serde_json::from_str(&text).expect("driver action result")
}

async fn actions_of(app: &TestApp, order: &Order) -> DriverActionList {
    app.as_demo("manager")
        .await
        .get_json(&format!("/api/v1/orders/{}/driver-actions", order.id))
        .await
}

#[tokio::test]
async fn a_queued_delivery_is_applied_once_with_the_device_and_received_times() {
    let app = TestApp::spawn().await;
    let order = ready_delivery(&app).await;
    let driver = app.as_demo("driver").await;
    let take = action("take", &order, "take", 30);
    let taken = send(&driver, &take).await;
    assert_eq!(taken.outcome.as_str(), "applied");
    assert_eq!(
        taken.order.driver.as_ref().map(|d| d.name.as_str()),
        Some("Dounia Livreuse")
    );
    send(&driver, &action("pick", &order, "picked_up", 20)).await;
    let mut done = action("done", &order, "delivered", 10);
    done["cash_collected"] = json!(order.total.0 + 150);
    let delivered = send(&driver, &done).await;
    assert_eq!(delivered.order.status, OrderStatus::Delivered);
    assert_eq!(delivered.order.payment_status, PaymentStatus::Paid);
    assert_eq!(
        delivered.order.cash_collected.map(|m| m.0),
        Some(order.total.0 + 150)
    );
    assert!(
        delivered.device_at < delivered.received_at,
        "device time kept as sent"
    );
    let sent: jiff::Timestamp = done["device_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(delivered.device_at.as_millisecond(), sent.as_millisecond());

    let again = send(&driver, &done).await;
    assert_eq!(again.outcome.as_str(), "already_applied");
    assert_eq!(again.order, delivered.order, "the stored answer");
    assert_eq!(again.received_at, delivered.received_at);
    let now: Order = driver
        .get_json(&format!("/api/v1/orders/{}", order.id))
        .await;
    assert_eq!(
        now.version, delivered.order.version,
        "nothing applied twice"
    );

    let list = actions_of(&app, &order).await;
    let kinds: Vec<&str> = list.actions.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(kinds, ["take", "picked_up", "delivered"]);
    assert!(
        list.actions
            .iter()
            .all(|a| a.outcome == RecordedOutcome::Applied)
    );
    assert!(
        list.actions
            .windows(2)
            .all(|w| w[0].device_at < w[1].device_at)
    );
    assert_eq!(list.actions[2].device_at, delivered.device_at);
    assert_eq!(list.actions[2].received_at, delivered.received_at);
    assert_eq!(
        list.actions[2].cash_collected,
        delivered.order.cash_collected
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_action_sent_concurrently_is_applied_once() {
    let app = TestApp::spawn().await;
    let order = ready_delivery(&app).await;
    let driver = app.as_demo("driver").await;
    let body = action("twins", &order, "picked_up", 5);
    let tries: Vec<_> = (0..8)
        .map(|_| {
            let (driver, body) = (driver.clone(), body.clone());
            tokio::spawn(async move { send(&driver, &body).await })
        })
        .collect();
    let mut results = Vec::new();
    for t in tries {
        results.push(t.await.expect("task"));
    }
    let applied = results
        .iter()
        .filter(|r| r.outcome.as_str() == "applied")
        .count();
    assert_eq!(applied, 1, "exactly one application");
    assert!(results.iter().all(|r| r.order == results[0].order));
    let (a, b) = tokio::join!(send(&driver, &body), send(&driver, &body));
    assert_eq!(
        (a.outcome.as_str(), b.outcome.as_str()),
        ("already_applied", "already_applied")
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM driver_actions")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(rows, 1);
    let moves: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM events WHERE stream = 'shop:1:orders' AND kind = 'order_status_changed'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(moves, 3, "preparing, ready, out for delivery: once");
    let now: Order = driver
        .get_json(&format!("/api/v1/orders/{}", order.id))
        .await;
    assert_eq!(now.status, OrderStatus::OutForDelivery);
    assert_eq!(now.version, order.version + 1);
}

#[tokio::test]
async fn an_action_on_an_order_cancelled_meanwhile_is_refused_the_same_way_on_every_retry() {
    let app = TestApp::spawn().await;
    let order = ready_delivery(&app).await;
    let driver = app.as_demo("driver").await;
    send(&driver, &action("take", &order, "take", 15)).await;
    let r = app
        .as_demo("manager")
        .await
        .post(
            &format!("/api/v1/orders/{}/cancel", order.id),
            &json!({"reason": "le client a rappelé pour annuler"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let pick = action("pick", &order, "picked_up", 5);
    let r = driver.post("/api/v1/driver/actions", &pick).await;
    let (code, first) = error_code(r, StatusCode::CONFLICT).await;
    assert_eq!(code, "order_cancelled");
    let r = driver.post("/api/v1/driver/actions", &pick).await;
    let (_, replay) = error_code(r, StatusCode::CONFLICT).await;
    assert_eq!(replay, first, "the retry gets the same answer");
    let list = actions_of(&app, &order).await;
    assert_eq!(list.actions.len(), 2);
    assert_eq!(list.actions[1].outcome, RecordedOutcome::OrderCancelled);
}

#[tokio::test]
async fn another_drivers_order_is_refused_and_delivering_before_pickup_is_invalid() {
    let app = TestApp::spawn().await;
    let order = ready_delivery(&app).await;
    let driver = app.as_demo("driver").await;
    let colleague = app.staff(SHOP, "driver").await;
    send(&driver, &action("take", &order, "take", 9)).await;
    for kind in ["take", "picked_up"] {
        let r = colleague
            .post(
                "/api/v1/driver/actions",
                &action(&format!("b-{kind}"), &order, kind, 8),
            )
            .await;
        let (code, body) = error_code(r, StatusCode::CONFLICT).await;
        assert_eq!(code, "assigned_to_other_driver", "{kind}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Dounia")
        );
    }
    let early = action("early", &order, "delivered", 7);
    let mut early = early;
    early["cash_collected"] = json!(order.total.0);
    let r = driver.post("/api/v1/driver/actions", &early).await;
    let (code, body) = error_code(r, StatusCode::CONFLICT).await;
    assert_eq!(code, "invalid_transition");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("never picked up")
    );
    let r = driver.post("/api/v1/driver/actions", &early).await;
    assert_eq!(error_code(r, StatusCode::CONFLICT).await.1, body);
    let now: Order = driver
        .get_json(&format!("/api/v1/orders/{}", order.id))
        .await;
    assert_eq!(now.status, OrderStatus::Ready);
    let r = colleague.post("/api/v1/driver/actions", &early).await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await.0,
        "idempotency_key_reused",
        "a key belongs to the driver who sent it"
    );
}

#[tokio::test]
async fn cash_is_required_for_an_order_paid_on_delivery_and_bad_actions_name_their_field() {
    let app = TestApp::spawn().await;
    let order = ready_delivery(&app).await;
    let driver = app.as_demo("driver").await;
    send(&driver, &action("pick", &order, "picked_up", 9)).await;
    let mut done = action("done", &order, "delivered", 5);
    let field = |body: &Value, name: &str| body["error"]["fields"][name].is_string();
    let r = driver.post("/api/v1/driver/actions", &done).await;
    let (_, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(field(&body, "cash_collected"), "{body}");
    done["cash_collected"] = json!(-5);
    let r = driver.post("/api/v1/driver/actions", &done).await;
    let (_, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(field(&body, "cash_collected"), "{body}");

    let mut bad_key = action("x", &order, "failed", 1);
    bad_key["key"] = json!("short");
    let mut bad_time = action("time", &order, "failed", 1);
    bad_time["device_at"] = json!("yesterday");
    let cases = [
        (bad_key, "key"),
        (action("kind", &order, "teleported", 1), "kind"),
        (bad_time, "device_at"),
        (action("why", &order, "failed", 1), "reason"),
    ];
    for (body, name) in cases {
        let r = driver.post("/api/v1/driver/actions", &body).await;
        let (code, err) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(code, "invalid_input");
        assert!(field(&err, name), "{name}: {err}");
    }
    let mut extra = action("extra", &order, "failed", 1);
    extra["tip"] = json!(100);
    let r = driver.post("/api/v1/driver/actions", &extra).await;
    error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;

    assert_eq!(
        actions_of(&app, &order).await.actions.len(),
        1,
        "refused input is not stored"
    );
    done["cash_collected"] = json!(order.total.0);
    let delivered = send(&driver, &done).await;
    assert_eq!(
        delivered.outcome.as_str(),
        "applied",
        "the corrected action goes through"
    );
    assert_eq!(delivered.order.cash_collected, Some(order.total));
}

#[tokio::test]
async fn driver_actions_are_for_the_shops_drivers_and_their_record_for_its_staff() {
    let app = TestApp::spawn().await;
    let order = ready_delivery(&app).await;
    let customer = app.as_demo("customer").await;
    let denied = [
        (app.anonymous(), StatusCode::UNAUTHORIZED),
        (customer.clone(), StatusCode::NOT_FOUND),
        (app.staff(OTHER_SHOP, "driver").await, StatusCode::NOT_FOUND),
        (app.as_demo("cook").await, StatusCode::FORBIDDEN),
        (app.as_demo("counter").await, StatusCode::FORBIDDEN),
    ];
    for (i, (api, status)) in denied.iter().enumerate() {
        let r = api
            .post(
                "/api/v1/driver/actions",
                &action(&format!("deny{i}"), &order, "take", 1),
            )
            .await;
        error_code(r, *status).await;
    }
    let admin = app.as_demo("admin").await;
    let out = send(&admin, &action("admin", &order, "picked_up", 1)).await;
    assert_eq!(out.order.status, OrderStatus::OutForDelivery);

    let path = format!("/api/v1/orders/{}/driver-actions", order.id);
    let mine = customer.place(&delivery(REGINA, "medium", 1)).await;
    let own_path = format!("/api/v1/orders/{}/driver-actions", mine.id);
    error_code(app.anonymous().get(&path).await, StatusCode::UNAUTHORIZED).await;
    error_code(customer.get(&path).await, StatusCode::NOT_FOUND).await;
    error_code(customer.get(&own_path).await, StatusCode::FORBIDDEN).await;
    let other = app.staff(OTHER_SHOP, "manager").await;
    error_code(other.get(&path).await, StatusCode::NOT_FOUND).await;
    for who in ["cook", "counter", "driver", "manager", "admin"] {
        let list: DriverActionList = app.as_demo(who).await.get_json(&path).await;
        assert_eq!(list.actions.len(), 1, "{who}");
    }
}
