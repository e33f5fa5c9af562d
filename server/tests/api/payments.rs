//! Online payment with Stripe, against localstripe (a third-party fake of Stripe's API) through
//! the server's real HTTP client: authorise → placed, capture on start, void on cancel,
//! refunds, declined cards, abandoned payments, webhooks (signature, replays), the provider
//! down, and a crash between the provider's answer and ours.
//!
//! What localstripe does not do, and so what these tests do not cover: it ignores
//! `Idempotency-Key` (a retried call is not deduplicated by the fake: the server's own keys and
//! state are what keep a movement single here), and it sends only `payment_intent.succeeded` and
//! `payment_intent.payment_failed` webhooks (an authorisation is noticed from the customer's
//! browser or by the reconciler; the tests send the other events themselves, signed).

use crate::helpers::{SHOP, TestApp, delivery, error_code, pickup};
use crate::localstripe::{self, LocalStripe, WEBHOOK_SECRET};
use ocpizza_proto::PaymentStatus;
use ocpizza_proto::api::orders::Order;
use ocpizza_proto::api::payments::{NextStep, OrderPayment, PaymentState};
use reqwest::StatusCode;
use serde_json::{Value, json};

const VISA: &str = "4242424242424242";
/// Refused when Stripe attaches it.
const DECLINED: &str = "4000000000000002";
/// Refused when charged.
const DECLINED_ON_CHARGE: &str = "4000000000000341";

async fn setup() -> Option<(LocalStripe, TestApp)> {
    let stripe = localstripe::start().await?;
    let settings = stripe.settings();
    let app = TestApp::spawn_with(move |c| c.payments = settings).await;
    Some((stripe, app))
}

fn online(mut body: Value) -> Value {
    body["payment_method"] = json!("online");
    body
}

/// Places an online delivery order of `n` margheritas (M) as a guest; returns it and its token.
async fn place_online(app: &TestApp, n: i64) -> (Order, String) {
    let order = app
        .anonymous()
        .place(&online(delivery(1, "medium", n)))
        .await;
    assert_eq!(order.status, ocpizza_proto::OrderStatus::AwaitingPayment);
    assert_eq!(order.payment_status, PaymentStatus::Pending);
    let token = order.tracking_token.clone().expect("token");
    (order, token)
}

async fn pay(app: &TestApp, token: &str, card: &str) -> reqwest::Response {
    app.anonymous()
        .post(
            &format!("/api/v1/track/{token}/payment/card"),
            &json!({ "token": card }),
        )
        .await
}

async fn paid(app: &TestApp, stripe: &LocalStripe, token: &str) -> PaymentState {
    let card = stripe.card_token(VISA).await;
    let r = pay(app, token, &card).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    r.json().await.expect("payment state")
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

async fn intent_of(app: &TestApp, id: ocpizza_proto::OrderId) -> String {
    sqlx::query_scalar(
        "SELECT provider_ref FROM payments WHERE order_id = $1 AND provider_ref IS NOT NULL \
         ORDER BY attempt DESC LIMIT 1",
    )
    .bind(id.0)
    .fetch_one(app.db.pool())
    .await
    .expect("payment intent")
}

async fn reconcile(app: &TestApp) -> usize {
    ocpizza::payments::reconcile::once(&app.state)
        .await
        .expect("reconcile")
}

/// Events of `kind` about order `id` on `stream`.
async fn events(app: &TestApp, stream: &str, kind: &str, id: ocpizza_proto::OrderId) -> usize {
    let payloads: Vec<String> =
        sqlx::query_scalar("SELECT payload FROM events WHERE stream = $1 ORDER BY seq")
            .bind(stream)
            .fetch_all(app.db.pool())
            .await
            .expect("events");
    payloads
        .iter()
        .filter_map(|p| serde_json::from_str::<Value>(p).ok())
        .filter(|e| {
            e["type"] == kind && (e["order_id"] == json!(id.0) || e["order"]["id"] == json!(id.0))
        })
        .count()
}

#[tokio::test]
async fn a_card_payment_is_held_at_checkout_and_taken_when_the_kitchen_starts() {
    let Some((stripe, app)) = setup().await else {
        return;
    };
    let before = app.makeable(SHOP, 1, "medium").await;
    let (placed, token) = place_online(&app, 2).await;
    // Stock is held while the customer types the card number.
    assert_eq!(app.makeable(SHOP, 1, "medium").await, before - 2);
    // The kitchen does not hear of an unpaid order.
    let cook = app.as_demo("cook").await;
    assert_eq!(
        events(
            &app,
            &format!("shop:{SHOP}:orders"),
            "order_placed",
            placed.id
        )
        .await,
        0,
        "an unpaid order reached the kitchen"
    );
    let state: PaymentState = app
        .anonymous()
        .get_json(&format!("/api/v1/track/{token}/payment"))
        .await;
    assert!(matches!(state.next, Some(NextStep::EnterCard { .. })));
    assert!(state.expires_at.is_some());

    let state = paid(&app, &stripe, &token).await;
    assert_eq!(state.payment_status, PaymentStatus::Authorised);
    assert_eq!(state.next, None);
    let o = order(&app, placed.id).await;
    assert_eq!(o.status, ocpizza_proto::OrderStatus::Placed);
    assert_eq!(o.payment_status, PaymentStatus::Authorised);
    let intent = intent_of(&app, placed.id).await;
    assert_eq!(stripe.intent_status(&intent).await, "requires_capture");
    assert_eq!(
        events(
            &app,
            &format!("shop:{SHOP}:orders"),
            "order_placed",
            placed.id
        )
        .await,
        1,
        "the shop hears of the order once, when it is paid"
    );

    cook.transition(&o, "preparing").await;
    reconcile(&app).await;
    let p = payment(&app, placed.id).await;
    assert_eq!(p.payment_status, PaymentStatus::Paid);
    assert_eq!(p.captured, placed.total);
    assert_eq!(stripe.intent_status(&intent).await, "succeeded");
    // A second round does not capture again.
    reconcile(&app).await;
    let p = payment(&app, placed.id).await;
    assert_eq!(
        p.operations
            .iter()
            .filter(|op| op.kind == ocpizza_proto::api::payments::OperationKind::Capture)
            .count(),
        1
    );
    assert_eq!(
        events(
            &app,
            &format!("order:{token}"),
            "payment_changed",
            placed.id
        )
        .await,
        1,
        "the customer hears once that the money was taken"
    );
}

#[tokio::test]
async fn cancelling_before_the_kitchen_starts_voids_the_hold_and_releases_the_stock() {
    let Some((stripe, app)) = setup().await else {
        return;
    };
    let before = app.makeable(SHOP, 1, "medium").await;
    let (placed, token) = place_online(&app, 1).await;
    paid(&app, &stripe, &token).await;
    let r = app
        .anonymous()
        .post(&format!("/api/v1/track/{token}/cancel"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    reconcile(&app).await;
    let p = payment(&app, placed.id).await;
    assert_eq!(p.payment_status, PaymentStatus::Voided);
    assert_eq!(p.captured.0, 0);
    let intent = intent_of(&app, placed.id).await;
    assert_eq!(stripe.intent_status(&intent).await, "canceled");
    assert_eq!(app.makeable(SHOP, 1, "medium").await, before);
}

#[tokio::test]
async fn a_declined_card_is_told_and_the_customer_retries_or_pays_on_delivery() {
    let Some((stripe, app)) = setup().await else {
        return;
    };
    let (placed, token) = place_online(&app, 1).await;
    // Not a token Stripe.js makes (a card number, above all, is never taken).
    for bad in ["4242424242424242", "tok_", "tok_a b"] {
        let (code, body) = error_code(
            pay(&app, &token, bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(code, "invalid_input");
        assert!(body["error"]["fields"]["token"].is_string(), "{body}");
    }
    for number in [DECLINED, DECLINED_ON_CHARGE] {
        let card = stripe.card_token(number).await;
        let (code, body) =
            error_code(pay(&app, &token, &card).await, StatusCode::PAYMENT_REQUIRED).await;
        assert_eq!(code, "payment_declined");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("declined"),
            "{body}"
        );
    }
    let state: PaymentState = app
        .anonymous()
        .get_json(&format!("/api/v1/track/{token}/payment"))
        .await;
    assert_eq!(state.payment_status, PaymentStatus::Failed);
    assert!(state.declined.is_some());
    assert!(matches!(state.next, Some(NextStep::EnterCard { .. })));
    assert_eq!(
        order(&app, placed.id).await.status,
        ocpizza_proto::OrderStatus::AwaitingPayment
    );
    let state = paid(&app, &stripe, &token).await;
    assert_eq!(state.payment_status, PaymentStatus::Authorised);

    // Another customer gives up on the card and pays the driver.
    let (other, token) = place_online(&app, 1).await;
    let card = stripe.card_token(DECLINED).await;
    error_code(pay(&app, &token, &card).await, StatusCode::PAYMENT_REQUIRED).await;
    let wrong = app
        .anonymous()
        .post(
            &format!("/api/v1/track/{token}/payment/switch"),
            &json!({"payment_method": "at_counter"}),
        )
        .await;
    error_code(wrong, StatusCode::UNPROCESSABLE_ENTITY).await;
    let r = app
        .anonymous()
        .post(
            &format!("/api/v1/track/{token}/payment/switch"),
            &json!({"payment_method": "cash_on_delivery"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let o = order(&app, other.id).await;
    assert_eq!(o.status, ocpizza_proto::OrderStatus::Placed);
    assert_eq!(
        o.payment_method,
        ocpizza_proto::PaymentMethod::CashOnDelivery
    );
    assert_eq!(o.payment_status, PaymentStatus::Pending);
}

#[tokio::test]
async fn an_abandoned_payment_cancels_the_order_and_releases_its_stock() {
    let Some((_stripe, app)) = setup().await else {
        return;
    };
    let before = app.makeable(SHOP, 1, "medium").await;
    let (placed, token) = place_online(&app, 2).await;
    assert_eq!(reconcile(&app).await, 0, "not yet due");
    // The 15 minutes pass.
    sqlx::query("UPDATE orders SET payment_expires_at = $1 WHERE id = $2")
        .bind(ocpizza::db::now_ms() - 1)
        .bind(placed.id.0)
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_eq!(reconcile(&app).await, 1);
    let o = order(&app, placed.id).await;
    assert_eq!(o.status, ocpizza_proto::OrderStatus::Cancelled);
    assert_eq!(app.makeable(SHOP, 1, "medium").await, before);
    // Paying now is refused: the order is gone.
    let card = "tok_visa";
    let (code, _) = error_code(pay(&app, &token, card).await, StatusCode::CONFLICT).await;
    assert_eq!(code, "invalid_transition");
}

#[tokio::test]
async fn an_edit_to_a_smaller_order_captures_less() {
    let Some((stripe, app)) = setup().await else {
        return;
    };
    let (placed, token) = place_online(&app, 2).await;
    paid(&app, &stripe, &token).await;
    let o = order(&app, placed.id).await;
    let r = app
        .anonymous()
        .patch(
            &format!("/api/v1/track/{token}"),
            &json!({"version": o.version, "lines": [{"pizza_id": 1, "size": "medium", "quantity": 1}]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let edited: Order = r.json().await.unwrap();
    assert!(edited.total < placed.total);
    let o = order(&app, placed.id).await;
    app.as_demo("cook").await.transition(&o, "preparing").await;
    reconcile(&app).await;
    let p = payment(&app, placed.id).await;
    assert_eq!(p.captured, edited.total);
    assert_eq!(p.payment_status, PaymentStatus::Paid);
}

#[tokio::test]
async fn refunds_after_capture_partial_then_the_rest_on_a_staff_cancellation() {
    let Some((stripe, app)) = setup().await else {
        return;
    };
    let (placed, token) = place_online(&app, 2).await;
    paid(&app, &stripe, &token).await;
    let cook = app.as_demo("cook").await;
    cook.transition(&order(&app, placed.id).await, "preparing")
        .await;
    reconcile(&app).await;
    let manager = app.as_demo("manager").await;
    let url = format!("/api/v1/orders/{}/refund", placed.id);

    // Refused: a cook, no reason, too much.
    error_code(
        cook.post(&url, &json!({"amount": 100, "reason": "burnt"}))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    error_code(
        manager
            .post(&url, &json!({"amount": 100, "reason": ""}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    error_code(
        manager
            .post(
                &url,
                &json!({"amount": placed.total.0 + 1, "reason": "too much"}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    let r = manager
        .post(
            &url,
            &json!({"amount": 300, "reason": "late delivery gesture"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let p: OrderPayment = r.json().await.unwrap();
    assert_eq!(p.refunded.0, 300);
    assert_eq!(p.payment_status, PaymentStatus::PartlyRefunded);
    assert!(
        events(&app, "group:audit", "payment_changed", placed.id).await >= 1,
        "the refund is in the audit trail"
    );

    // The kitchen burns it: a staff cancellation refunds what is left.
    let r = manager
        .post(
            &format!("/api/v1/orders/{}/cancel", placed.id),
            &json!({"reason": "oven broke down"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    reconcile(&app).await;
    let p = payment(&app, placed.id).await;
    assert_eq!(p.refunded, placed.total);
    assert_eq!(p.payment_status, PaymentStatus::Refunded);
    let refunds: Value = stripe.api(reqwest::Method::GET, "/v1/refunds", &[]).await;
    let at_stripe: i64 = refunds["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["amount"].as_i64().unwrap())
        .sum();
    assert_eq!(
        at_stripe, placed.total.0,
        "Stripe gave back exactly the total"
    );
}

/// What the server does before confirming a PaymentIntent (records it), then Stripe confirming
/// it — and the server never hearing the answer (it crashed, or the browser closed).
async fn authorised_unseen(app: &TestApp, stripe: &LocalStripe) -> (Order, String) {
    let (placed, _token) = place_online(app, 1).await;
    let token = stripe.card_token(VISA).await;
    let customer = stripe
        .api(reqwest::Method::POST, "/v1/customers", &[])
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let card = stripe
        .api(
            reqwest::Method::POST,
            &format!("/v1/customers/{customer}/sources"),
            &[("source", &token)],
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let amount = placed.total.0.to_string();
    let intent = stripe
        .api(
            reqwest::Method::POST,
            "/v1/payment_intents",
            &[
                ("amount", &amount),
                ("currency", "eur"),
                ("capture_method", "manual"),
                ("customer", &customer),
                ("payment_method", &card),
            ],
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    sqlx::query("UPDATE payments SET provider_ref = $1, updated_at = 0 WHERE order_id = $2")
        .bind(&intent)
        .bind(placed.id.0)
        .execute(app.db.pool())
        .await
        .unwrap();
    let confirmed = stripe
        .api(
            reqwest::Method::POST,
            &format!("/v1/payment_intents/{intent}/confirm"),
            &[],
        )
        .await;
    assert_eq!(confirmed["status"], "requires_capture");
    (placed, intent)
}

#[tokio::test]
async fn the_reconciler_applies_an_authorisation_the_server_never_heard_of() {
    let Some((stripe, app)) = setup().await else {
        return;
    };
    let (placed, _) = authorised_unseen(&app, &stripe).await;
    assert_eq!(
        order(&app, placed.id).await.status,
        ocpizza_proto::OrderStatus::AwaitingPayment
    );
    reconcile(&app).await;
    let o = order(&app, placed.id).await;
    assert_eq!(o.status, ocpizza_proto::OrderStatus::Placed);
    assert_eq!(o.payment_status, PaymentStatus::Authorised);
    reconcile(&app).await;
    assert_eq!(
        events(
            &app,
            &format!("shop:{SHOP}:orders"),
            "order_placed",
            placed.id
        )
        .await,
        1
    );
}

fn intent_event(id: &str, kind: &str, intent: &str) -> String {
    json!({
        "id": id, "object": "event", "type": kind,
        "data": {"object": {"id": intent, "object": "payment_intent"}}
    })
    .to_string()
}

async fn webhook(app: &TestApp, signature: &str, body: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/v1/payments/stripe/webhook"))
        .header("Stripe-Signature", signature)
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_webhook_replayed_three_times_is_applied_once() {
    let Some((stripe, app)) = setup().await else {
        return;
    };
    let (placed, intent) = authorised_unseen(&app, &stripe).await;
    let body = intent_event(
        "evt_ocpizza_1",
        "payment_intent.amount_capturable_updated",
        &intent,
    );
    let now = jiff::Timestamp::now().as_second();
    let mut duplicates = Vec::new();
    for _ in 0..3 {
        let r = webhook(&app, &localstripe::sign(WEBHOOK_SECRET, now, &body), &body).await;
        assert_eq!(r.status(), StatusCode::OK);
        let ack: Value = r.json().await.unwrap();
        duplicates.push(ack["duplicate"].as_bool().unwrap());
    }
    assert_eq!(duplicates, [false, true, true]);
    let o = order(&app, placed.id).await;
    assert_eq!(o.status, ocpizza_proto::OrderStatus::Placed);
    assert_eq!(
        events(
            &app,
            &format!("shop:{SHOP}:orders"),
            "order_placed",
            placed.id
        )
        .await,
        1
    );
    let seen: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payment_events")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(seen, 1);
}

#[tokio::test]
async fn a_webhook_with_a_bad_signature_or_an_old_timestamp_is_refused_and_changes_nothing() {
    let Some((stripe, app)) = setup().await else {
        return;
    };
    let (placed, intent) = authorised_unseen(&app, &stripe).await;
    let body = intent_event(
        "evt_ocpizza_2",
        "payment_intent.amount_capturable_updated",
        &intent,
    );
    let now = jiff::Timestamp::now().as_second();
    for signature in [
        localstripe::sign("whsec_someone_else", now, &body),
        localstripe::sign(WEBHOOK_SECRET, now - 3600, &body),
        "t=1,v1=deadbeef".to_owned(),
    ] {
        let (code, _) = error_code(
            webhook(&app, &signature, &body).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(code, "bad_signature");
    }
    // The right secret over another body.
    let forged = body.replace("evt_ocpizza_2", "evt_ocpizza_3");
    let r = webhook(
        &app,
        &localstripe::sign(WEBHOOK_SECRET, now, &body),
        &forged,
    )
    .await;
    error_code(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(
        order(&app, placed.id).await.status,
        ocpizza_proto::OrderStatus::AwaitingPayment
    );
    let seen: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payment_events")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(seen, 0);
}

#[tokio::test]
async fn localstripes_own_webhook_after_a_capture_is_accepted() {
    let Some((stripe, app)) = setup().await else {
        return;
    };
    // localstripe signs and sends `payment_intent.succeeded` itself after a capture.
    let r = reqwest::Client::new()
        .post(format!("{}/_config/webhooks/ocpizza", stripe.url))
        .form(&[
            ("url", app.url("/api/v1/payments/stripe/webhook").as_str()),
            ("secret", WEBHOOK_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let (placed, token) = place_online(&app, 1).await;
    paid(&app, &stripe, &token).await;
    let o = order(&app, placed.id).await;
    app.as_demo("cook").await.transition(&o, "preparing").await;
    reconcile(&app).await;
    let mut received = 0;
    for _ in 0..50 {
        received = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM payment_events WHERE kind = 'payment_intent.succeeded'",
        )
        .fetch_one(app.db.pool())
        .await
        .unwrap();
        if received > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        received, 1,
        "localstripe's signed webhook was verified and recorded"
    );
    let p = payment(&app, placed.id).await;
    assert_eq!(p.payment_status, PaymentStatus::Paid);
    assert_eq!(p.captured, placed.total);
}

#[tokio::test]
async fn with_the_provider_down_the_customer_is_told_and_the_stock_comes_back_at_the_deadline() {
    let Some((stripe, _)) = setup().await else {
        return;
    };
    let mut settings = stripe.settings();
    if let ocpizza::payments::settings::ProviderSettings::Stripe(s) = &mut settings.provider {
        // Nothing listens there.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        s.api_url = format!("http://{}", closed.local_addr().unwrap());
    }
    let app = TestApp::spawn_with(move |c| c.payments = settings).await;
    let before = app.makeable(SHOP, 1, "medium").await;
    let (placed, token) = place_online(&app, 1).await;
    let card = stripe.card_token(VISA).await;
    let (code, body) = error_code(
        pay(&app, &token, &card).await,
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
    assert_eq!(
        order(&app, placed.id).await.status,
        ocpizza_proto::OrderStatus::AwaitingPayment
    );
    sqlx::query("UPDATE orders SET payment_expires_at = $1 WHERE id = $2")
        .bind(ocpizza::db::now_ms() - 1)
        .bind(placed.id.0)
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_eq!(reconcile(&app).await, 1);
    assert_eq!(
        order(&app, placed.id).await.status,
        ocpizza_proto::OrderStatus::Cancelled
    );
    assert_eq!(app.makeable(SHOP, 1, "medium").await, before);
}

#[tokio::test]
async fn online_payment_is_for_customers_and_a_pickup_can_be_paid_online_too() {
    let Some((stripe, app)) = setup().await else {
        return;
    };
    // Staff taking a phone order cannot choose it.
    let counter = app.as_demo("counter").await;
    let mut phone = online(pickup(1, "medium", 1));
    phone["channel"] = json!("phone");
    let (code, body) = error_code(
        counter.post("/api/v1/orders", &phone).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(code, "invalid_input");
    assert!(body["error"]["fields"]["payment_method"].is_string());
    let order = app.anonymous().place(&online(pickup(1, "medium", 1))).await;
    let token = order.tracking_token.unwrap();
    let state = paid(&app, &stripe, &token).await;
    assert_eq!(state.payment_status, PaymentStatus::Authorised);
    let config: Value = app.anonymous().get_json("/api/v1/payments/config").await;
    assert_eq!(config["provider"], "stripe");
    assert_eq!(
        config["stripe_publishable_key"],
        localstripe::PUBLISHABLE_KEY
    );
}

#[tokio::test]
async fn without_a_provider_online_payment_is_not_offered() {
    let app = TestApp::spawn().await;
    let config: Value = app.anonymous().get_json("/api/v1/payments/config").await;
    assert_eq!(config["provider"], Value::Null);
    let (_, body) = error_code(
        app.anonymous()
            .post("/api/v1/orders", &online(delivery(1, "M", 1)))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        body["error"]["fields"]["payment_method"]
            .as_str()
            .unwrap()
            .contains("not offered")
    );
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/payments/stripe/webhook"))
        .header("Stripe-Signature", "t=1,v1=00")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

async fn edit_to(app: &TestApp, token: &str, version: i64, quantity: i64) -> reqwest::Response {
    app.anonymous()
        .patch(
            &format!("/api/v1/track/{token}"),
            &json!({"version": version, "lines": [{"pizza_id": 1, "size": "medium", "quantity": quantity}]}),
        )
        .await
}

#[tokio::test]
async fn a_larger_edit_is_authorised_anew_on_the_same_card_and_the_old_hold_released() {
    let Some((stripe, app)) = setup().await else {
        return;
    };
    let (placed, token) = place_online(&app, 1).await;
    // Waiting for its payment, the order cannot change.
    let (code, _) = error_code(
        edit_to(&app, &token, placed.version, 2).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(code, "invalid_transition");
    paid(&app, &stripe, &token).await;
    let first = intent_of(&app, placed.id).await;
    let o = order(&app, placed.id).await;
    let r = edit_to(&app, &token, o.version, 3).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let edited: Order = r.json().await.unwrap();
    assert!(edited.total > placed.total);
    reconcile(&app).await;
    let second = intent_of(&app, placed.id).await;
    assert_ne!(first, second);
    assert_eq!(stripe.intent_status(&first).await, "canceled");
    assert_eq!(stripe.intent_status(&second).await, "requires_capture");
    let p = payment(&app, placed.id).await;
    assert_eq!(p.authorised, edited.total);
    assert_eq!(p.payment_status, PaymentStatus::Authorised);
    let o = order(&app, placed.id).await;
    app.as_demo("cook").await.transition(&o, "preparing").await;
    reconcile(&app).await;
    let p = payment(&app, placed.id).await;
    assert_eq!(p.captured, edited.total);
    assert_eq!(stripe.intent_status(&second).await, "succeeded");
}

#[tokio::test]
async fn a_larger_edit_the_bank_wants_confirmed_is_refused_and_changes_nothing() {
    let Some((stripe, app)) = setup().await else {
        return;
    };
    let (placed, token) = place_online(&app, 1).await;
    // A card whose bank asks for 3-D Secure on every payment.
    let card = stripe.card_token("4000002500003155").await;
    let state: PaymentState = pay(&app, &token, &card).await.json().await.unwrap();
    let Some(NextStep::Authenticate { client_secret, .. }) = state.next else {
        panic!("expected an authentication step: {state:?}");
    };
    // What Stripe.js's confirmCardPayment does once the cardholder confirms.
    let intent = client_secret.split("_secret_").next().unwrap().to_owned();
    let r = reqwest::Client::new()
        .post(format!(
            "{}/v1/payment_intents/{intent}/_authenticate?success=true",
            stripe.url
        ))
        .json(&json!({"key": localstripe::PUBLISHABLE_KEY, "client_secret": client_secret}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let r = app
        .anonymous()
        .post(
            &format!("/api/v1/track/{token}/payment/refresh"),
            &json!({}),
        )
        .await;
    let state: PaymentState = r.json().await.unwrap();
    assert_eq!(state.payment_status, PaymentStatus::Authorised);
    let o = order(&app, placed.id).await;
    let (code, body) = error_code(
        edit_to(&app, &token, o.version, 3).await,
        StatusCode::PAYMENT_REQUIRED,
    )
    .await;
    assert_eq!(code, "payment_declined");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not changed")
    );
    reconcile(&app).await;
    let after = order(&app, placed.id).await;
    assert_eq!(after.total, placed.total);
    assert_eq!(after.lines, placed.lines);
    let p = payment(&app, placed.id).await;
    assert_eq!(p.authorised, placed.total);
    assert_eq!(stripe.intent_status(&intent).await, "requires_capture");
}

#[tokio::test]
async fn the_browser_the_webhooks_and_the_reconciler_racing_apply_an_authorisation_once() {
    let Some((stripe, app)) = setup().await else {
        return;
    };
    let (placed, intent) = authorised_unseen(&app, &stripe).await;
    let token = app.tracking_token(&placed).await;
    let now = jiff::Timestamp::now().as_second();
    let mut racers = Vec::new();
    for _ in 0..4 {
        let (app_url, token) = (app.base.clone(), token.clone());
        racers.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(format!("{app_url}/api/v1/track/{token}/payment/refresh"))
                .send()
                .await
                .map_or(0, |r| r.status().as_u16())
        }));
    }
    for i in 0..3 {
        let body = intent_event(
            &format!("evt_race_{i}"),
            "payment_intent.amount_capturable_updated",
            &intent,
        );
        let signature = localstripe::sign(WEBHOOK_SECRET, now, &body);
        let url = app.url("/api/v1/payments/stripe/webhook");
        racers.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .header("Stripe-Signature", signature)
                .body(body)
                .send()
                .await
                .map_or(0, |r| r.status().as_u16())
        }));
    }
    let state = app.state.clone();
    let reconciler = tokio::spawn(async move { ocpizza::payments::reconcile::once(&state).await });
    for r in racers {
        let status = r.await.unwrap();
        // Contention may ask a client to retry; nothing else.
        assert!(status == 200 || status == 503, "status {status}");
    }
    let _ = reconciler.await.unwrap();
    reconcile(&app).await;
    let o = order(&app, placed.id).await;
    assert_eq!(o.status, ocpizza_proto::OrderStatus::Placed);
    assert_eq!(o.payment_status, PaymentStatus::Authorised);
    assert_eq!(
        events(
            &app,
            &format!("shop:{SHOP}:orders"),
            "order_placed",
            placed.id
        )
        .await,
        1,
        "the shop heard of the order exactly once"
    );
    assert_eq!(
        events(
            &app,
            &format!("order:{token}"),
            "order_status_changed",
            placed.id
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_cancellation_while_the_capture_waits_releases_the_hold_instead() {
    let Some((stripe, app)) = setup().await else {
        return;
    };
    let (placed, token) = place_online(&app, 1).await;
    paid(&app, &stripe, &token).await;
    let intent = intent_of(&app, placed.id).await;
    let o = order(&app, placed.id).await;
    app.as_demo("cook").await.transition(&o, "preparing").await;
    // The capture has not been carried out yet when the manager cancels.
    let r = app
        .as_demo("manager")
        .await
        .post(
            &format!("/api/v1/orders/{}/cancel", placed.id),
            &json!({"reason": "customer not reachable"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    reconcile(&app).await;
    let p = payment(&app, placed.id).await;
    assert_eq!(p.payment_status, PaymentStatus::Voided);
    assert_eq!(p.captured.0, 0);
    assert_eq!(stripe.intent_status(&intent).await, "canceled");
}

#[tokio::test]
async fn a_capture_in_flight_when_the_order_is_cancelled_is_refunded() {
    let Some((stripe, app)) = setup().await else {
        return;
    };
    let (placed, token) = place_online(&app, 1).await;
    paid(&app, &stripe, &token).await;
    let intent = intent_of(&app, placed.id).await;
    let o = order(&app, placed.id).await;
    app.as_demo("cook").await.transition(&o, "preparing").await;
    // Stripe took the money; the server has not recorded it yet.
    let amount = placed.total.0.to_string();
    stripe
        .api(
            reqwest::Method::POST,
            &format!("/v1/payment_intents/{intent}/capture"),
            &[("amount_to_capture", &amount)],
        )
        .await;
    let r = app
        .as_demo("manager")
        .await
        .post(
            &format!("/api/v1/orders/{}/cancel", placed.id),
            &json!({"reason": "oven fire"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    reconcile(&app).await;
    reconcile(&app).await;
    let p = payment(&app, placed.id).await;
    assert_eq!(p.captured, placed.total);
    assert_eq!(p.refunded, placed.total);
    assert_eq!(p.payment_status, PaymentStatus::Refunded);
    let refunds: Value = stripe.api(reqwest::Method::GET, "/v1/refunds", &[]).await;
    let back: i64 = refunds["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["amount"].as_i64().unwrap())
        .sum();
    assert_eq!(back, placed.total.0);
}

/// The "online payment" line of `ocpizza check` for `settings`.
async fn check_line(settings: ocpizza::payments::settings::Settings) -> ocpizza::check::Line {
    let mut config = ocpizza::config::Config::defaults();
    let dir = tempfile::tempdir().unwrap();
    config.data_dir = dir.path().to_path_buf();
    config.payments = settings;
    ocpizza::check::lines(&config)
        .await
        .into_iter()
        .find(|l| l.name == "online payment")
        .expect("an online payment line")
}

#[tokio::test]
async fn check_reports_the_payment_provider_reachable_its_webhook_secret_or_what_is_wrong() {
    use ocpizza::check::Status;
    use ocpizza::payments::settings::ProviderSettings;
    let Some(stripe) = localstripe::start().await else {
        return;
    };
    let off = check_line(ocpizza::payments::settings::Settings::default()).await;
    assert_eq!(off.status, Status::Ok);
    assert!(off.detail.contains("not offered"), "{}", off.detail);

    let good = check_line(stripe.settings()).await;
    assert_eq!(good.status, Status::Ok, "{good:?}");
    assert!(good.detail.contains("Stripe reachable"), "{}", good.detail);
    assert!(good.detail.contains("webhook secret set"));

    let mut no_webhook = stripe.settings();
    if let ProviderSettings::Stripe(s) = &mut no_webhook.provider {
        s.webhook_secret = None;
    }
    let warn = check_line(no_webhook).await;
    assert_eq!(warn.status, Status::Warn, "{warn:?}");
    assert!(warn.fix.unwrap().contains("OCPIZZA_STRIPE_WEBHOOK_SECRET"));

    let mut down = stripe.settings();
    if let ProviderSettings::Stripe(s) = &mut down.provider {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        s.api_url = format!("http://{}", closed.local_addr().unwrap());
    }
    let fail = check_line(down).await;
    assert_eq!(fail.status, Status::Fail, "{fail:?}");
    assert!(
        !format!("{fail:?}").contains(localstripe::SECRET_KEY),
        "no secret in the report"
    );
}
