//! Full order lifecycles, as customers, cooks, drivers and the counter live them.

use crate::helpers::*;
use ocpizza_proto::api::orders::{Order, TrackedOrder};
use ocpizza_proto::{OrderStatus, PaymentStatus};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_delivery_order_goes_from_placed_to_delivered_and_cash_is_collected() {
    let app = TestApp::spawn().await;
    let customer = app.as_demo("customer").await;
    let mut body = delivery(MARGHERITA, "medium", 2);
    body.as_object_mut().unwrap().remove("contact");
    let order = customer.place(&body).await;
    assert_eq!(order.status, OrderStatus::Placed);
    assert_eq!(
        order.contact.name, "Claire Cliente",
        "an account's contact is used"
    );
    assert_eq!(order.total.0, order.lines[0].unit_price.0 * 2);
    assert!(order.times.placed_at.is_some());

    let cook = app.as_demo("cook").await;
    let order = cook.transition(&order, "preparing").await;
    let order = cook.transition(&order, "ready").await;
    let driver = app.as_demo("driver").await;
    let deliveries: serde_json::Value = driver.get_json("/api/v1/driver/deliveries").await;
    assert_eq!(
        deliveries["available"][0]["id"], order.id.0,
        "the ready order waits for a driver"
    );
    let order = driver.transition(&order, "out_for_delivery").await;
    assert_eq!(
        order.driver.as_ref().map(|d| d.name.as_str()),
        Some("Dounia Livreuse")
    );
    let order = driver.transition(&order, "delivered").await;
    assert_eq!(order.status, OrderStatus::Delivered);
    assert_eq!(
        order.payment_status,
        PaymentStatus::Paid,
        "cash collected on delivery"
    );
    let t = &order.times;
    assert!(t.placed_at <= t.preparing_at && t.preparing_at <= t.ready_at);
    assert!(t.ready_at <= t.out_for_delivery_at && t.out_for_delivery_at <= t.delivered_at);
    assert_eq!(
        order.version, 5,
        "four changes after placing (the driver took it as it left)"
    );

    let mine: Vec<Order> = customer.get_json("/api/v1/me/orders").await;
    assert_eq!(mine[0].status, OrderStatus::Delivered);
}

#[tokio::test]
async fn a_pickup_order_is_collected_at_the_counter_and_never_goes_out() {
    let app = TestApp::spawn().await;
    let counter = app.as_demo("counter").await;
    let order = counter.place(&pickup(REGINA, "large", 1)).await;
    assert_eq!(
        order.channel,
        ocpizza_proto::api::orders::Channel::Phone,
        "staff orders default to phone"
    );
    let cook = app.as_demo("cook").await;
    let order = cook.transition(&order, "preparing").await;
    let order = cook.transition(&order, "ready").await;
    let r = app
        .as_demo("driver")
        .await
        .post(
            &format!("/api/v1/orders/{}/transition", order.id),
            &json!({"to": "out_for_delivery"}),
        )
        .await;
    let (code, _) = error_code(r, StatusCode::CONFLICT).await;
    assert_eq!(code, "invalid_transition");
    let order = counter.transition(&order, "collected").await;
    assert_eq!(order.status, OrderStatus::Collected);
    assert_eq!(order.payment_status, PaymentStatus::Paid);
}

#[tokio::test]
async fn a_guest_follows_edits_and_cancels_an_order_with_its_tracking_token_only() {
    let app = TestApp::spawn().await;
    let guest = app.anonymous();
    let order = guest.place(&delivery(MARGHERITA, "medium", 1)).await;
    let token = order
        .tracking_token
        .clone()
        .expect("the guest gets the token");
    assert_eq!(token.len(), 32, "128-bit token");
    let tracked: TrackedOrder = guest.get_json(&format!("/api/v1/track/{token}")).await;
    assert_eq!(tracked.order.id, order.id);
    assert!(
        tracked.stream_seq >= 1,
        "the order stream already has the placement"
    );

    let r = guest
        .patch(
            &format!("/api/v1/track/{token}"),
            &json!({"version": order.version, "lines": [{"pizza_id": REGINA, "size": "medium", "quantity": 2}]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let edited: Order = r.json().await.unwrap();
    assert_eq!(edited.lines[0].pizza_id.0, REGINA);
    assert_eq!(edited.version, order.version + 1);

    let r = guest
        .post(
            &format!("/api/v1/track/{token}/cancel"),
            &json!({"version": edited.version}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let cancelled: Order = r.json().await.unwrap();
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert!(cancelled.times.cancelled_at.is_some());

    // The order id alone gives a guest nothing; a wrong token neither.
    assert_eq!(
        guest
            .get(&format!("/api/v1/orders/{}", order.id))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let wrong = "0".repeat(32);
    assert_eq!(
        guest.get(&format!("/api/v1/track/{wrong}")).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_customer_cannot_edit_or_cancel_once_the_kitchen_started() {
    let app = TestApp::spawn().await;
    let customer = app.customer().await;
    let order = customer.place(&delivery(MARGHERITA, "medium", 1)).await;
    let started = app
        .as_demo("cook")
        .await
        .transition(&order, "preparing")
        .await;

    let r = customer
        .patch(
            &format!("/api/v1/orders/{}", order.id),
            &json!({"version": started.version, "note": "sans basilic"}),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::CONFLICT).await.0,
        "invalid_transition"
    );
    let r = customer
        .post(&format!("/api/v1/orders/{}/cancel", order.id), &json!({}))
        .await;
    let (code, body) = error_code(r, StatusCode::CONFLICT).await;
    assert_eq!(code, "invalid_transition");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("kitchen")
    );

    // Staff may still cancel before it leaves, with a reason.
    let manager = app.as_demo("manager").await;
    let r = manager
        .post(&format!("/api/v1/orders/{}/cancel", order.id), &json!({}))
        .await;
    let (_, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        body["error"]["fields"]["reason"].is_string(),
        "a reason is required"
    );
    let r = manager
        .post(
            &format!("/api/v1/orders/{}/cancel", order.id),
            &json!({"reason": "four en panne"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let cancelled: Order = r.json().await.unwrap();
    assert_eq!(cancelled.cancel_reason.as_deref(), Some("four en panne"));
}

#[tokio::test]
async fn a_stale_version_is_refused_and_the_order_is_left_as_it_was() {
    let app = TestApp::spawn().await;
    let customer = app.customer().await;
    let order = customer.place(&delivery(MARGHERITA, "medium", 1)).await;
    let path = format!("/api/v1/orders/{}", order.id);
    let r = customer
        .patch(
            &path,
            &json!({"version": order.version, "note": "interphone 12"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = customer
        .patch(
            &path,
            &json!({"version": order.version, "note": "code 4521"}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::CONFLICT).await.0, "stale_version");
    let cook = app.as_demo("cook").await;
    let r = cook
        .post(
            &format!("{path}/transition"),
            &json!({"to": "preparing", "version": order.version}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::CONFLICT).await.0, "stale_version");
    let now: Order = customer.get_json(&path).await;
    assert_eq!(now.note.as_deref(), Some("interphone 12"));
    assert_eq!(now.status, OrderStatus::Placed);
    assert_eq!(now.version, order.version + 1);
}

#[tokio::test]
async fn a_manager_assigns_a_driver_who_then_sees_the_delivery_as_theirs() {
    let app = TestApp::spawn().await;
    let order = app.anonymous().place(&delivery(REGINA, "medium", 1)).await;
    let me: serde_json::Value = app
        .as_demo("driver")
        .await
        .get_json("/api/v1/auth/me")
        .await;
    let manager = app.as_demo("manager").await;
    let r = manager
        .post(
            &format!("/api/v1/orders/{}/driver", order.id),
            &json!({"driver_id": me["id"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let driver = app.as_demo("driver").await;
    let deliveries: serde_json::Value = driver.get_json("/api/v1/driver/deliveries").await;
    assert_eq!(deliveries["mine"][0]["id"], order.id.0);
    // A cook is no driver.
    let cook_me: serde_json::Value = app.as_demo("cook").await.get_json("/api/v1/auth/me").await;
    let r = manager
        .post(
            &format!("/api/v1/orders/{}/driver", order.id),
            &json!({"driver_id": cook_me["id"]}),
        )
        .await;
    let (_, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(body["error"]["fields"]["driver_id"].is_string());
    // Another driver of the shop cannot deliver it.
    let other = app.staff(SHOP, "driver").await;
    let cook = app.as_demo("cook").await;
    let order = cook.transition(&order, "preparing").await;
    let order = cook.transition(&order, "ready").await;
    let r = other
        .post(
            &format!("/api/v1/orders/{}/transition", order.id),
            &json!({"to": "out_for_delivery"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}
