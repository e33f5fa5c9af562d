//! The hand-over at the door: an order paid on delivery is paid in cash (the cash kept is
//! counted) or by card (recorded as such, no cash), and a payment that does not fit the
//! action or the order is refused with the field named.

use crate::driver::{action, ready_delivery, send};
use crate::helpers::*;
use ocpizza_proto::api::driver::CashReport;
use ocpizza_proto::api::orders::Order;
use ocpizza_proto::{OrderStatus, PaymentMethod, PaymentStatus};
use reqwest::StatusCode;
use serde_json::json;

/// A delivery of shop 1 out with the demo driver.
async fn out_for_delivery(app: &TestApp, driver: &Api, tag: &str) -> Order {
    let order = ready_delivery(app).await;
    send(
        driver,
        &action(&format!("{tag}-pick"), &order, "picked_up", 2),
    )
    .await;
    order
}

#[tokio::test]
async fn a_card_payment_at_the_door_is_recorded_as_card_and_paid_with_no_cash_to_hand_in() {
    let app = TestApp::spawn().await;
    let driver = app.as_demo("driver").await;
    let by_card = out_for_delivery(&app, &driver, "card").await;
    let mut done = action("card-done", &by_card, "delivered", 1);
    done["payment_method"] = json!("card_on_delivery");
    let delivered = send(&driver, &done).await;
    assert_eq!(delivered.order.status, OrderStatus::Delivered);
    assert_eq!(
        delivered.order.payment_method,
        PaymentMethod::CardOnDelivery
    );
    assert_eq!(delivered.order.payment_status, PaymentStatus::Paid);
    assert_eq!(delivered.order.cash_collected, None);
    let again = send(&driver, &done).await;
    assert_eq!(again.outcome.as_str(), "already_applied");
    let manager = app.as_demo("manager").await;
    let seen: Order = manager
        .get_json(&format!("/api/v1/orders/{}", by_card.id))
        .await;
    assert_eq!(seen.payment_method, PaymentMethod::CardOnDelivery);

    let in_cash = out_for_delivery(&app, &driver, "cash").await;
    let mut done = action("cash-done", &in_cash, "delivered", 1);
    done["payment_method"] = json!("cash_on_delivery");
    done["cash_collected"] = json!(in_cash.total.0);
    let paid = send(&driver, &done).await.order;
    assert_eq!(paid.payment_method, PaymentMethod::CashOnDelivery);
    assert_eq!(paid.cash_collected, Some(in_cash.total));

    let report: CashReport = driver.get_json("/api/v1/driver/cash").await;
    let methods: Vec<(i64, PaymentMethod)> = report
        .deliveries
        .iter()
        .map(|d| (d.order_id.0, d.payment_method))
        .collect();
    assert_eq!(
        methods,
        [
            (by_card.id.0, PaymentMethod::CardOnDelivery),
            (in_cash.id.0, PaymentMethod::CashOnDelivery)
        ]
    );
    assert_eq!(report.total_cash, in_cash.total, "the card brings no cash");
}

#[tokio::test]
async fn a_payment_that_does_not_fit_the_hand_over_is_refused_with_the_field_named() {
    let app = TestApp::spawn().await;
    let driver = app.as_demo("driver").await;
    let order = out_for_delivery(&app, &driver, "bad").await;
    let refusals = [
        (
            "card-cash",
            json!("card_on_delivery"),
            json!(2000),
            "cash_collected",
        ),
        (
            "at-counter",
            json!("at_counter"),
            json!(null),
            "payment_method",
        ),
        ("online", json!("online"), json!(2000), "payment_method"),
        (
            "cash-none",
            json!("cash_on_delivery"),
            json!(null),
            "cash_collected",
        ),
    ];
    for (tag, method, cash, field) in refusals {
        let mut done = action(tag, &order, "delivered", 1);
        done["payment_method"] = method;
        done["cash_collected"] = cash;
        let r = driver.post("/api/v1/driver/actions", &done).await;
        let (_, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(body["error"]["fields"][field].is_string(), "{tag}: {body}");
    }
    let mut failed = action("fail-card", &order, "failed", 1);
    failed["reason"] = json!("Personne à l'adresse");
    failed["payment_method"] = json!("card_on_delivery");
    let r = driver.post("/api/v1/driver/actions", &failed).await;
    let (_, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        body["error"]["fields"]["payment_method"].is_string(),
        "{body}"
    );

    let r = driver
        .post(
            "/api/v1/driver/actions",
            &json!({"key": "unknown-method-0123456789",
        "order_id": order.id, "kind": "delivered", "device_at": "2026-01-01T12:00:00Z",
        "payment_method": "cheque"}),
        )
        .await;
    assert!(r.status().is_client_error(), "{}", r.status());

    let still: Order = driver
        .get_json(&format!("/api/v1/orders/{}", order.id))
        .await;
    assert_eq!(still.status, OrderStatus::OutForDelivery, "nothing applied");
    assert_eq!(still.payment_method, PaymentMethod::CashOnDelivery);
}

#[tokio::test]
async fn a_card_is_not_a_way_to_order_a_delivery() {
    let app = TestApp::spawn().await;
    let mut body = delivery(MARGHERITA, "medium", 1);
    body["payment_method"] = json!("card_on_delivery");
    let r = app.anonymous().post("/api/v1/orders", &body).await;
    let (_, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        body["error"]["fields"]["payment_method"].is_string(),
        "{body}"
    );
}
