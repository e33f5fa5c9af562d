//! Promised and estimated times: what the shop announces before ordering, what an order is
//! promised and keeps, and the estimate that moves as the order does (REST and live events).

use crate::helpers::*;
use jiff::Timestamp;
use ocpizza::eta::model::Durations;
use ocpizza::events::follow::read;
use ocpizza_proto::api::eta::ShopEta;
use ocpizza_proto::api::orders::{Order, TrackedOrder};
use ocpizza_proto::events::Event;
use reqwest::StatusCode;

/// A fresh shop has no history: its estimates use the default durations.
const D: Durations = Durations::DEFAULT;

async fn shop_eta(app: &TestApp) -> ShopEta {
    app.anonymous()
        .get_json(&format!("/api/v1/shops/{SHOP}/eta"))
        .await
}

fn minutes(a: Timestamp, b: Timestamp) -> f64 {
    b.duration_since(a).as_secs_f64() / 60.0
}

#[tokio::test]
async fn an_idle_shop_announces_its_usual_times_with_a_margin_rounded_up_to_five_minutes() {
    let app = TestApp::spawn().await;
    let before = Timestamp::now();
    let eta = shop_eta(&app).await;
    assert_eq!(eta.orders_waiting, 0);
    assert_eq!(eta.timezone, "Europe/Paris");
    // The estimate, its margin (a sixth of the wait, at least 3 minutes), up to 5 minutes more.
    let pickup = minutes(before, eta.pickup_at);
    let usual = (D.react + D.prepare).as_secs_f64() / 60.0;
    let kept = usual + 3.0;
    assert!(
        (kept..kept + 5.1).contains(&pickup),
        "pickup in {pickup} min"
    );
    let road = (D.dispatch + D.drive).as_secs_f64() / 60.0;
    let kept = (usual + road) * 7.0 / 6.0;
    let delivery = minutes(before, eta.delivery_at);
    assert!(
        (kept..kept + 5.1).contains(&delivery),
        "delivery in {delivery} min"
    );
    assert_eq!(
        eta.pickup_at.as_second() % 300,
        0,
        "rounded to five minutes"
    );
}

#[tokio::test]
async fn an_order_is_promised_a_time_and_keeps_it_when_read_again() {
    let app = TestApp::spawn().await;
    let customer = app.as_demo("customer").await;
    let mut body = delivery(MARGHERITA, "medium", 1);
    body.as_object_mut().unwrap().remove("contact");
    let order = customer.place(&body).await;
    let promised = order.promised_at.expect("a promised time");
    let eta = order.eta.expect("an estimate");
    let placed = order.times.placed_at.unwrap();
    let margin = minutes(eta, promised);
    assert!(
        (5.0..12.0).contains(&margin),
        "promised {margin} min after the estimate"
    );
    assert_eq!(promised.as_second() % 300, 0);
    assert!(
        minutes(placed, eta) >= 30.0,
        "a delivery takes its usual road"
    );

    let again: Order = customer
        .get_json(&format!("/api/v1/orders/{}", order.id))
        .await;
    assert_eq!(again.promised_at, Some(promised), "stored with the order");
    let token = app.tracking_token(&order).await;
    let tracked: TrackedOrder = app
        .anonymous()
        .get_json(&format!("/api/v1/track/{token}"))
        .await;
    assert_eq!(tracked.order.promised_at, Some(promised));
    assert!(tracked.order.eta.is_some());
    assert_eq!(tracked.timezone.as_deref(), Some("Europe/Paris"));
}

#[tokio::test]
async fn orders_waiting_in_the_kitchen_push_the_next_promise_back() {
    let app = TestApp::spawn().await;
    let idle = shop_eta(&app).await;
    let counter = app.as_demo("counter").await;
    let mut orders = Vec::new();
    for _ in 0..=D.parallel {
        orders.push(counter.place(&pickup(MARGHERITA, "medium", 1)).await);
    }
    let busy = shop_eta(&app).await;
    assert_eq!(busy.orders_waiting as usize, D.parallel + 1);
    assert!(
        minutes(idle.pickup_at, busy.pickup_at) >= 5.0,
        "one more order than the kitchen works at once costs a preparation: {idle:?} → {busy:?}"
    );
    let first = orders[0].promised_at.unwrap();
    let last = orders[D.parallel].promised_at.unwrap();
    assert!(
        last > first,
        "the last order in the queue is promised later"
    );
}

#[tokio::test]
async fn the_estimate_moves_with_the_order_and_is_sent_live_and_the_promise_stays() {
    let app = TestApp::spawn().await;
    let order = app
        .anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
    let promised = order.promised_at;
    let cook = app.as_demo("cook").await;
    let order = cook.transition(&order, "preparing").await;
    let started = order.times.preparing_at.unwrap();
    assert_eq!(order.eta, Some(started + D.prepare + D.dispatch + D.drive));
    let order = cook.transition(&order, "ready").await;
    let ready = order.times.ready_at.unwrap();
    assert_eq!(order.eta, Some(ready + D.dispatch + D.drive));
    let driver = app.as_demo("driver").await;
    let order = driver.transition(&order, "out_for_delivery").await;
    let out = order.times.out_for_delivery_at.unwrap();
    assert_eq!(order.eta, Some(out + D.drive));
    let order = driver.transition(&order, "delivered").await;
    assert_eq!(order.eta, None, "a finished order has no estimate");
    assert_eq!(
        order.promised_at, promised,
        "the promise is kept as it was made"
    );

    let stream = format!("order:{}", app.tracking_token(&order).await);
    let live: Vec<Option<Timestamp>> = read(app.db.pool(), &stream, 0, 100)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| match serde_json::from_str(&e.payload).unwrap() {
            Event::OrderStatusChanged { eta, .. } => Some(eta),
            _ => None,
        })
        .collect();
    assert_eq!(
        live,
        [
            Some(started + D.prepare + D.dispatch + D.drive),
            Some(ready + D.dispatch + D.drive),
            Some(out + D.drive),
            None
        ],
        "the tracker gets each new estimate with the move"
    );
}

#[tokio::test]
async fn a_pickup_order_is_expected_when_the_kitchen_usually_finishes_it() {
    let app = TestApp::spawn().await;
    let order = app.anonymous().place(&pickup(REGINA, "large", 1)).await;
    let cook = app.as_demo("cook").await;
    let order = cook.transition(&order, "preparing").await;
    assert_eq!(
        order.eta,
        Some(order.times.preparing_at.unwrap() + D.prepare)
    );
    let order = cook.transition(&order, "ready").await;
    assert_eq!(
        order.eta, order.times.ready_at,
        "ready: it can be collected now"
    );
}

#[tokio::test]
async fn the_estimate_of_an_unknown_shop_is_a_404_with_the_error_body() {
    let app = TestApp::spawn().await;
    let r = app.anonymous().get("/api/v1/shops/999/eta").await;
    let (code, _) = error_code(r, StatusCode::NOT_FOUND).await;
    assert_eq!(code, "not_found");
    let r = app.anonymous().get("/api/v1/shops/pizza/eta").await;
    assert!(r.status().is_client_error(), "{}", r.status());
}

#[tokio::test]
async fn the_shop_s_open_orders_carry_their_estimate_as_of_now() {
    let app = TestApp::spawn().await;
    let counter = app.as_demo("counter").await;
    let mut orders = Vec::new();
    for _ in 0..=D.parallel {
        orders.push(counter.place(&pickup(MARGHERITA, "medium", 1)).await);
    }
    let last = orders.last().unwrap().clone();
    let behind = last.eta.unwrap();
    // The first order is cancelled: the last one no longer waits for a free slot.
    let r = counter
        .post(
            &format!("/api/v1/orders/{}/cancel", orders[0].id),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let stored: Order = counter
        .get_json(&format!("/api/v1/orders/{}", last.id))
        .await;
    assert_eq!(stored.eta, Some(behind), "nothing moved this order itself");
    let cook = app.as_demo("cook").await;
    let wall: ocpizza_proto::api::orders::OrderList =
        cook.get_json(&format!("/api/v1/shops/{SHOP}/orders")).await;
    let now_listed = wall
        .orders
        .iter()
        .find(|o| o.id == last.id)
        .and_then(|o| o.eta)
        .unwrap();
    assert!(
        minutes(now_listed, behind) >= 5.0,
        "the wall sees it sooner than when it was placed: {behind} → {now_listed}"
    );
}
