//! Online payment with PayPal, against the local stand-in of PayPal's REST API
//! (`fakes/paypal`): approval by redirect, authorisation, capture when the kitchen starts, void
//! on cancel, refunds, a refused payment retried, webhooks verified through PayPal's verify
//! endpoint and applied once, and PayPal down when the order is placed.

use crate::helpers::{SHOP, TestApp, delivery, error_code};
use ocpizza::payments::settings::{PaypalSettings, ProviderSettings, Settings};
use ocpizza_proto::api::orders::Order;
use ocpizza_proto::api::payments::{NextStep, OrderPayment, PaymentState};
use ocpizza_proto::{OrderStatus, PaymentStatus};
use paypal_fake::{FakePaypal, Options};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn free_port() -> std::net::SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

/// The app configured for PayPal at the fake, and the fake; with `webhooks`, the fake sends
/// its notifications to the app.
async fn setup(webhooks: bool) -> (FakePaypal, TestApp) {
    let fake_addr = free_port();
    let settings = Settings {
        provider: ProviderSettings::Paypal(PaypalSettings {
            client_id: "ocpizza-test".into(),
            client_secret: ocpizza::config::Secret::new("paypal-secret".into()),
            webhook_id: Some(paypal_fake::WEBHOOK_ID.into()),
            api_url: format!("http://{fake_addr}"),
        }),
        timeout_minutes: 15,
    };
    let app = TestApp::spawn_with(move |c| c.payments = settings).await;
    let options = Options {
        webhook_url: webhooks.then(|| app.url("/api/v1/payments/paypal/webhook")),
        ..Options::default()
    };
    let fake = paypal_fake::spawn(fake_addr, options).await.expect("fake");
    (fake, app)
}

/// Places an online delivery order as a guest; returns it, its token and PayPal's approval URL.
async fn place(app: &TestApp) -> (Order, String, String) {
    let mut body = delivery(1, "medium", 1);
    body["payment_method"] = json!("online");
    let order = app.anonymous().place(&body).await;
    assert_eq!(order.status, OrderStatus::AwaitingPayment);
    let token = order.tracking_token.clone().unwrap();
    let state = payment_state(app, &token).await;
    let Some(NextStep::Approve { url }) = state.next else {
        panic!("expected an approval link, got {:?}", state.next);
    };
    (order, token, url)
}

async fn payment_state(app: &TestApp, token: &str) -> PaymentState {
    app.anonymous()
        .get_json(&format!("/api/v1/track/{token}/payment"))
        .await
}

/// The buyer on PayPal's page: approves (or approves with a way of paying that will be
/// refused); returns where PayPal sends them back.
async fn buyer(approve_url: &str, outcome: &str) -> String {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = browser.get(approve_url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let url = reqwest::Url::parse(approve_url).unwrap();
    let paypal_order = url
        .query_pairs()
        .find(|(k, _)| k == "token")
        .unwrap()
        .1
        .into_owned();
    let origin = url.origin().ascii_serialization();
    let r = browser
        .post(format!("{origin}/checkoutnow/approve"))
        .form(&[("token", paypal_order.as_str()), ("outcome", outcome)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    r.headers()["location"].to_str().unwrap().to_owned()
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.anonymous()
        .post(
            &format!("/api/v1/track/{token}/payment/refresh"),
            &json!({}),
        )
        .await
}

async fn order(app: &TestApp, id: ocpizza_proto::OrderId) -> Order {
    app.as_demo("admin")
        .await
        .get_json(&format!("/api/v1/orders/{id}"))
        .await
}

async fn payment(app: &TestApp, id: ocpizza_proto::OrderId) -> OrderPayment {
    app.as_demo("manager")
        .await
        .get_json(&format!("/api/v1/orders/{id}/payment"))
        .await
}

async fn reconcile(app: &TestApp) {
    ocpizza::payments::reconcile::once(&app.state)
        .await
        .expect("reconcile");
}

fn sum(state: &Value, kind: &str) -> i64 {
    state[kind].as_array().map_or(0, |items| {
        items
            .iter()
            .filter_map(|i| i["amount"]["value"].as_str())
            .map(|v| {
                let (euros, cents) = v.split_once('.').unwrap_or((v, "0"));
                euros.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
            })
            .sum()
    })
}

#[tokio::test]
async fn a_paypal_payment_is_approved_authorised_captured_and_refunded() {
    let (fake, app) = setup(false).await;
    let (placed, token, url) = place(&app).await;
    let back = buyer(&url, "approve").await;
    assert!(
        back.starts_with(&format!("{}/track/{token}?payment=return", app.base)),
        "{back}"
    );
    let r = refresh(&app, &token).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let state: PaymentState = r.json().await.unwrap();
    assert_eq!(state.payment_status, PaymentStatus::Authorised);
    let o = order(&app, placed.id).await;
    assert_eq!(o.status, OrderStatus::Placed);

    app.as_demo("cook").await.transition(&o, "preparing").await;
    reconcile(&app).await;
    let p = payment(&app, placed.id).await;
    assert_eq!(p.payment_status, PaymentStatus::Paid);
    assert_eq!(p.captured, placed.total);
    assert_eq!(sum(&fake.state(), "captures"), placed.total.0);

    let manager = app.as_demo("manager").await;
    let r = manager
        .post(
            &format!("/api/v1/orders/{}/refund", placed.id),
            &json!({"amount": 200, "reason": "missing olives"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let r = manager
        .post(
            &format!("/api/v1/orders/{}/cancel", placed.id),
            &json!({"reason": "dropped on the floor"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    reconcile(&app).await;
    let p = payment(&app, placed.id).await;
    assert_eq!(p.payment_status, PaymentStatus::Refunded);
    assert_eq!(sum(&fake.state(), "refunds"), placed.total.0);
}

#[tokio::test]
async fn cancelling_a_paypal_order_before_the_kitchen_voids_its_authorisation() {
    let (fake, app) = setup(false).await;
    let (placed, token, url) = place(&app).await;
    buyer(&url, "approve").await;
    assert_eq!(refresh(&app, &token).await.status(), StatusCode::OK);
    let r = app
        .anonymous()
        .post(&format!("/api/v1/track/{token}/cancel"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    reconcile(&app).await;
    assert_eq!(
        payment(&app, placed.id).await.payment_status,
        PaymentStatus::Voided
    );
    let state = fake.state();
    let auths = state["authorizations"].as_array().unwrap();
    assert_eq!(auths.len(), 1);
    assert_eq!(auths[0]["status"], "VOIDED");
    assert_eq!(sum(&state, "captures"), 0);
}

#[tokio::test]
async fn a_refused_paypal_payment_is_told_and_the_customer_tries_again() {
    let (_fake, app) = setup(false).await;
    let (placed, token, url) = place(&app).await;
    buyer(&url, "decline").await;
    let (code, _) = error_code(refresh(&app, &token).await, StatusCode::PAYMENT_REQUIRED).await;
    assert_eq!(code, "payment_declined");
    assert_eq!(
        order(&app, placed.id).await.status,
        OrderStatus::AwaitingPayment
    );
    // "Try again": a new PayPal order, a new approval.
    assert_eq!(refresh(&app, &token).await.status(), StatusCode::OK);
    let state = payment_state(&app, &token).await;
    let Some(NextStep::Approve { url: again }) = state.next else {
        panic!("expected a new approval link: {state:?}");
    };
    assert_ne!(again, url);
    buyer(&again, "approve").await;
    let state: PaymentState = refresh(&app, &token).await.json().await.unwrap();
    assert_eq!(state.payment_status, PaymentStatus::Authorised);
    assert_eq!(order(&app, placed.id).await.status, OrderStatus::Placed);
}

#[tokio::test]
async fn paypal_webhooks_are_verified_applied_once_and_forgeries_refused() {
    let (fake, app) = setup(true).await;
    let (placed, _token, url) = place(&app).await;
    // The buyer approves and closes the tab: PayPal's notification alone authorises it.
    buyer(&url, "approve").await;
    let mut status = OrderStatus::AwaitingPayment;
    for _ in 0..50 {
        status = order(&app, placed.id).await.status;
        if status == OrderStatus::Placed {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        status,
        OrderStatus::Placed,
        "the approval webhook was applied"
    );
    let sent = fake.webhooks();
    let approved = sent
        .iter()
        .find(|w| w.event_type == "CHECKOUT.ORDER.APPROVED")
        .expect("the fake sent the approval");
    let post = |body: String| {
        let mut req = reqwest::Client::new()
            .post(app.url("/api/v1/payments/paypal/webhook"))
            .header("Content-Type", "application/json")
            .body(body);
        for (k, v) in approved.headers() {
            req = req.header(k, v);
        }
        req.send()
    };
    for _ in 0..2 {
        let r = post(approved.body.clone()).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let ack: Value = r.json().await.unwrap();
        assert_eq!(ack["duplicate"], true, "a replay changes nothing");
    }
    let forged = approved
        .body
        .replacen("CHECKOUT.ORDER.APPROVED", "CHECKOUT.ORDER.APPROVEX", 1);
    let (code, _) = error_code(post(forged).await.unwrap(), StatusCode::BAD_REQUEST).await;
    assert_eq!(code, "bad_signature");
    let placed_events: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM events WHERE stream = $1 AND payload LIKE '%\"type\":\"order_placed\"%'",
    )
    .bind(format!("shop:{SHOP}:orders"))
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(placed_events, 1);
}

#[tokio::test]
async fn with_paypal_down_the_order_is_refused_clearly_and_its_stock_released() {
    let (fake, app) = setup(false).await;
    let before = app.makeable(SHOP, 1, "medium").await;
    fake.set_unavailable(true);
    let mut body = delivery(1, "medium", 1);
    body["payment_method"] = json!("online");
    let (code, body) = error_code(
        app.anonymous().post("/api/v1/orders", &body).await,
        StatusCode::SERVICE_UNAVAILABLE,
    )
    .await;
    assert_eq!(code, "payment_unavailable");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nothing was charged")
    );
    assert_eq!(app.makeable(SHOP, 1, "medium").await, before);
    let waiting: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE status = 'awaiting_payment'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(waiting, 0);
}

#[tokio::test]
async fn a_paypal_order_can_be_made_smaller_but_not_larger_once_authorised() {
    let (_fake, app) = setup(false).await;
    let mut body = delivery(1, "medium", 2);
    body["payment_method"] = json!("online");
    let placed = app.anonymous().place(&body).await;
    let token = placed.tracking_token.clone().unwrap();
    let Some(NextStep::Approve { url }) = payment_state(&app, &token).await.next else {
        panic!("no approval link");
    };
    buyer(&url, "approve").await;
    assert_eq!(refresh(&app, &token).await.status(), StatusCode::OK);
    let edit = |version: i64, quantity: i64| {
        let app = &app;
        let token = token.clone();
        async move {
            app.anonymous()
                .patch(
                    &format!("/api/v1/track/{token}"),
                    &json!({"version": version, "lines": [{"pizza_id": 1, "size": "medium", "quantity": quantity}]}),
                )
                .await
        }
    };
    let o = order(&app, placed.id).await;
    let (code, body) = error_code(edit(o.version, 3).await, StatusCode::CONFLICT).await;
    assert_eq!(code, "invalid_transition");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("smaller")
    );
    assert_eq!(order(&app, placed.id).await.total, placed.total);
    let r = edit(o.version, 1).await;
    assert_eq!(r.status(), StatusCode::OK);
}
