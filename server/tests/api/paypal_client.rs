//! The PayPal client against the local PayPal fake: the money moves PayPal documents (create,
//! buyer approval, authorize, capture, void, refund), read back as the flow sees them, with
//! retries that move money once, refusals told apart from outages, and webhooks verified.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use ocpizza::config::Secret;
use ocpizza::payments::paypal::Paypal;
use ocpizza::payments::provider::{Observed, ProviderError};
use ocpizza::payments::settings::PaypalSettings;
use ocpizza_proto::{Money, OrderId};
use paypal_fake::{FakePaypal, Options, SentWebhook};
use serde_json::Value;
use std::net::SocketAddr;

const RETURN_URL: &str = "http://shop.test/track/abc/paypal/return";
const CANCEL_URL: &str = "http://shop.test/track/abc/paypal/cancel";

async fn fake_with(options: Options) -> FakePaypal {
    paypal_fake::spawn(SocketAddr::from(([127, 0, 0, 1], 0)), options)
        .await
        .unwrap()
}

async fn fake() -> FakePaypal {
    fake_with(Options::default()).await
}

fn settings_for(api_url: &str) -> PaypalSettings {
    PaypalSettings {
        client_id: "ocpizza-test".to_owned(),
        client_secret: Secret::new("test-secret".to_owned()),
        webhook_id: Some(paypal_fake::WEBHOOK_ID.to_owned()),
        api_url: api_url.to_owned(),
    }
}

fn client_for(api_url: &str) -> Paypal {
    Paypal::new(settings_for(api_url))
}

/// The buyer's browser: submits the fake's approval form, returns where it is sent back to.
async fn buyer_clicks(fake: &FakePaypal, order: &str, outcome: &str) -> String {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = browser
        .get(format!("{}/checkoutnow?token={order}", fake.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Payer avec PayPal"));
    let res = browser
        .post(format!("{}/checkoutnow/approve", fake.url()))
        .form(&[("token", order), ("outcome", outcome)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// A PayPal order for `cents`, approved by its buyer.
async fn approved_order(fake: &FakePaypal, paypal: &Paypal, cents: i64) -> String {
    let (order, _) = paypal
        .create_order(OrderId(7), Money(cents), RETURN_URL, CANCEL_URL, "create-7")
        .await
        .unwrap();
    buyer_clicks(fake, &order, "approve").await;
    order
}

fn authorization_ref(observed: &Observed) -> String {
    match observed {
        Observed::Authorised {
            authorization_ref: Some(id),
            ..
        } => id.clone(),
        other => panic!("not authorised: {other:?}"),
    }
}

#[tokio::test]
async fn a_paypal_payment_is_approved_authorised_captured_and_refunded_in_part() {
    let fake = fake().await;
    let paypal = client_for(fake.url());

    let (order, approve_url) = paypal
        .create_order(
            OrderId(42),
            Money(2450),
            RETURN_URL,
            CANCEL_URL,
            "create-42",
        )
        .await
        .unwrap();
    assert_eq!(
        approve_url,
        format!("{}/checkoutnow?token={order}", fake.url())
    );
    let created = &fake.state()["orders"][0];
    assert_eq!(created["purchase_units"][0]["amount"]["value"], "24.50");
    assert_eq!(created["purchase_units"][0]["reference_id"], "42");
    assert_eq!(
        paypal.fetch(&order, None).await.unwrap(),
        Observed::AwaitingCustomer {
            client_secret: None
        }
    );

    let back = buyer_clicks(&fake, &order, "approve").await;
    assert!(
        back.starts_with(&format!("{RETURN_URL}?token={order}&PayerID=")),
        "{back}"
    );
    assert_eq!(
        paypal.fetch(&order, None).await.unwrap(),
        Observed::Approved
    );

    let authorised = paypal.authorize(&order, "authorize-42").await.unwrap();
    let auth = authorization_ref(&authorised);
    assert_eq!(
        authorised,
        Observed::Authorised {
            amount: Money(2450),
            authorization_ref: Some(auth.clone())
        }
    );
    assert_eq!(paypal.fetch(&order, Some(&auth)).await.unwrap(), authorised);

    // The kitchen starts a smaller order than was held (an item out of stock): 20,00 €.
    let capture = paypal
        .capture(&auth, Money(2000), "capture-42")
        .await
        .unwrap();
    assert_eq!(
        paypal.fetch(&order, Some(&auth)).await.unwrap(),
        Observed::Captured {
            amount: Money(2000),
            capture_ref: Some(capture.clone())
        }
    );
    assert_eq!(fake.state()["authorizations"][0]["status"], "CAPTURED");

    let refund = paypal
        .refund(&capture, Money(550), "refund-42")
        .await
        .unwrap();
    let state = fake.state();
    assert_eq!(state["refunds"][0]["id"], refund.as_str());
    assert_eq!(state["refunds"][0]["amount"]["value"], "5.50");
    assert_eq!(state["captures"][0]["status"], "PARTIALLY_REFUNDED");
    let too_much = paypal.refund(&capture, Money(1451), "refund-42-b").await;
    assert!(
        matches!(&too_much, Err(ProviderError::Rejected(m)) if m.contains("REFUND_AMOUNT_EXCEEDED")),
        "{too_much:?}"
    );
    paypal
        .refund(&capture, Money(1450), "refund-42-c")
        .await
        .unwrap();
    assert_eq!(fake.state()["captures"][0]["status"], "REFUNDED");
}

#[tokio::test]
async fn a_voided_paypal_authorisation_reads_back_as_voided_and_cannot_be_captured() {
    let fake = fake().await;
    let paypal = client_for(fake.url());
    let order = approved_order(&fake, &paypal, 1250).await;
    let auth = authorization_ref(&paypal.authorize(&order, "authorize-7").await.unwrap());

    paypal.void(&auth, "void-7").await.unwrap();
    assert_eq!(
        paypal.fetch(&order, Some(&auth)).await.unwrap(),
        Observed::Voided
    );
    assert_eq!(fake.state()["authorizations"][0]["status"], "VOIDED");
    // Voiding again, even as a new request, is what was wanted: done.
    paypal.void(&auth, "void-7-again").await.unwrap();
    let capture = paypal.capture(&auth, Money(1250), "capture-7").await;
    assert!(
        matches!(&capture, Err(ProviderError::Rejected(m)) if m.contains("AUTHORIZATION_VOIDED")),
        "{capture:?}"
    );
}

#[tokio::test]
async fn a_retried_capture_with_the_same_request_id_takes_the_money_once() {
    let fake = fake().await;
    let paypal = client_for(fake.url());
    let order = approved_order(&fake, &paypal, 1800).await;
    let auth = authorization_ref(&paypal.authorize(&order, "authorize-7").await.unwrap());
    // The same authorization asked for twice (the first answer lost) is still one.
    let again = paypal.authorize(&order, "authorize-7").await.unwrap();
    assert_eq!(authorization_ref(&again), auth);

    let first = paypal
        .capture(&auth, Money(1800), "capture-7")
        .await
        .unwrap();
    let retry = paypal
        .capture(&auth, Money(1800), "capture-7")
        .await
        .unwrap();
    assert_eq!(first, retry);
    let state = fake.state();
    assert_eq!(state["captures"].as_array().unwrap().len(), 1, "{state}");
    assert_eq!(state["captures"][0]["amount"]["value"], "18.00");

    // A different request is a second capture, which a final capture does not allow.
    let second = paypal.capture(&auth, Money(100), "capture-7-other").await;
    assert!(
        matches!(&second, Err(ProviderError::Rejected(m)) if m.contains("AUTHORIZATION_ALREADY_CAPTURED")),
        "{second:?}"
    );
    assert_eq!(fake.state()["captures"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn authorising_before_the_buyer_approved_is_refused_not_retried() {
    let fake = fake().await;
    let paypal = client_for(fake.url());
    let (order, _) = paypal
        .create_order(OrderId(7), Money(1250), RETURN_URL, CANCEL_URL, "create-7")
        .await
        .unwrap();
    let early = paypal.authorize(&order, "authorize-7").await;
    assert!(
        matches!(&early, Err(ProviderError::Rejected(m)) if m.contains("ORDER_NOT_APPROVED")),
        "{early:?}"
    );
    assert!(
        fake.state()["authorizations"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let unknown = paypal.fetch("NOSUCHORDER000000", None).await;
    assert!(
        matches!(unknown, Err(ProviderError::Rejected(_))),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn a_declined_paypal_payment_is_declined_and_the_buyer_may_try_again() {
    let fake = fake().await;
    let paypal = client_for(fake.url());
    let (order, _) = paypal
        .create_order(OrderId(7), Money(1250), RETURN_URL, CANCEL_URL, "create-7")
        .await
        .unwrap();
    buyer_clicks(&fake, &order, "decline").await;
    let declined = paypal.authorize(&order, "authorize-7").await;
    assert!(
        matches!(declined, Err(ProviderError::Declined(_))),
        "{declined:?}"
    );
    assert_eq!(
        paypal.fetch(&order, None).await.unwrap(),
        Observed::AwaitingCustomer {
            client_secret: None
        }
    );

    // The test control declines the next authorization of an approved order too.
    buyer_clicks(&fake, &order, "approve").await;
    let control = reqwest::Client::new()
        .post(format!("{}/_test/orders/{order}/decline", fake.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(control.status(), 204);
    let declined = paypal.authorize(&order, "authorize-7-b").await;
    assert!(
        matches!(declined, Err(ProviderError::Declined(_))),
        "{declined:?}"
    );

    buyer_clicks(&fake, &order, "approve").await;
    let authorised = paypal.authorize(&order, "authorize-7-c").await.unwrap();
    assert!(matches!(
        authorised,
        Observed::Authorised {
            amount: Money(1250),
            ..
        }
    ));
}

#[tokio::test]
async fn an_unreachable_paypal_is_unavailable_and_a_bad_request_is_not() {
    let fake = fake().await;
    let paypal = client_for(fake.url());
    paypal.check().await.unwrap();
    let order = approved_order(&fake, &paypal, 1250).await;

    fake.set_unavailable(true);
    let during = paypal.authorize(&order, "authorize-7").await;
    assert!(
        matches!(during, Err(ProviderError::Unavailable(_))),
        "{during:?}"
    );
    assert!(matches!(
        paypal.check().await,
        Err(ProviderError::Unavailable(_))
    ));
    fake.set_unavailable(false);
    // The same request once PayPal is back: it was not done during the outage.
    let after = paypal.authorize(&order, "authorize-7").await.unwrap();
    assert!(matches!(after, Observed::Authorised { .. }));

    let nobody = client_for(&format!("http://127.0.0.1:{}", closed_port().await));
    let refused = nobody.fetch(&order, None).await;
    assert!(
        matches!(refused, Err(ProviderError::Unavailable(_))),
        "{refused:?}"
    );

    let zero = paypal
        .create_order(OrderId(8), Money(0), RETURN_URL, CANCEL_URL, "create-8")
        .await;
    assert!(matches!(zero, Err(ProviderError::Rejected(_))), "{zero:?}");
}

/// A port nothing listens on.
async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn an_access_token_paypal_stopped_taking_is_renewed_and_bad_credentials_are_rejected() {
    let fake = fake().await;
    let paypal = client_for(fake.url());
    let order = approved_order(&fake, &paypal, 1250).await;
    fake.revoke_tokens();
    assert_eq!(
        paypal.fetch(&order, None).await.unwrap(),
        Observed::Approved
    );

    let no_secret = Paypal::new(PaypalSettings {
        client_secret: Secret::new(String::new()),
        ..settings_for(fake.url())
    });
    let checked = no_secret.check().await;
    assert!(
        matches!(checked, Err(ProviderError::Rejected(_))),
        "{checked:?}"
    );
}

fn headers_of(sent: &SentWebhook) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in sent.headers() {
        headers.insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    headers
}

/// A webhook listener: what it receives, as (headers, body).
async fn listener() -> (
    String,
    tokio::sync::mpsc::UnboundedReceiver<(HeaderMap, Vec<u8>)>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/paypal/webhook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((headers, body.to_vec()));
                axum::http::StatusCode::OK
            }
        }),
    );
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/paypal/webhook", tcp.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(tcp, app).await.unwrap() });
    (url, rx)
}

#[tokio::test]
async fn webhooks_paypal_sent_verify_and_altered_or_made_up_ones_do_not() {
    let (url, mut received) = listener().await;
    let fake = fake_with(Options {
        webhook_url: Some(url),
        ..Options::default()
    })
    .await;
    let paypal = client_for(fake.url());
    let order = approved_order(&fake, &paypal, 2000).await;
    let auth = authorization_ref(&paypal.authorize(&order, "authorize-7").await.unwrap());
    let capture = paypal
        .capture(&auth, Money(2000), "capture-7")
        .await
        .unwrap();

    let mut events = Vec::new();
    for _ in 0..3 {
        let (headers, body) = received.recv().await.unwrap();
        events.push(paypal.verify_webhook(&headers, &body).await.unwrap());
    }
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "CHECKOUT.ORDER.APPROVED",
            "PAYMENT.AUTHORIZATION.CREATED",
            "PAYMENT.CAPTURE.COMPLETED"
        ]
    );
    assert_eq!(events[0].order_ref.as_deref(), Some(order.as_str()));
    assert_eq!(events[1].authorization_ref.as_deref(), Some(auth.as_str()));
    assert_eq!(events[1].order_ref.as_deref(), Some(order.as_str()));
    assert_eq!(events[2].capture_ref.as_deref(), Some(capture.as_str()));
    assert_eq!(events[2].authorization_ref.as_deref(), Some(auth.as_str()));
    assert!(events[2].id.starts_with("WH-"));

    paypal
        .refund(&capture, Money(500), "refund-7")
        .await
        .unwrap();
    let (headers, body) = received.recv().await.unwrap();
    let refunded = paypal.verify_webhook(&headers, &body).await.unwrap();
    assert_eq!(refunded.kind, "PAYMENT.CAPTURE.REFUNDED");
    assert_eq!(refunded.capture_ref.as_deref(), Some(capture.as_str()));

    // The capture's notification, its amount changed from 20.00 to 90.00.
    let sent = fake
        .webhooks()
        .into_iter()
        .find(|w| w.event_type == "PAYMENT.CAPTURE.COMPLETED")
        .unwrap();
    let altered = sent.body.replacen("\"20.00\"", "\"90.00\"", 1);
    assert_ne!(altered, sent.body);
    let forged = paypal
        .verify_webhook(&headers_of(&sent), altered.as_bytes())
        .await;
    assert!(
        matches!(forged, Err(ProviderError::Rejected(_))),
        "{forged:?}"
    );

    let mut made_up = sent.clone();
    made_up.transmission_id = "0f1e2d3c-made-up".to_owned();
    let forged = paypal
        .verify_webhook(&headers_of(&made_up), sent.body.as_bytes())
        .await;
    assert!(
        matches!(forged, Err(ProviderError::Rejected(_))),
        "{forged:?}"
    );

    let mut missing = headers_of(&sent);
    missing.remove("paypal-transmission-sig");
    let forged = paypal.verify_webhook(&missing, sent.body.as_bytes()).await;
    assert!(
        matches!(forged, Err(ProviderError::Rejected(_))),
        "{forged:?}"
    );

    // Without a webhook id configured, no notification is taken.
    let unconfigured = Paypal::new(PaypalSettings {
        webhook_id: None,
        ..settings_for(fake.url())
    });
    let refused = unconfigured
        .verify_webhook(&headers_of(&sent), sent.body.as_bytes())
        .await;
    assert!(
        matches!(refused, Err(ProviderError::Rejected(_))),
        "{refused:?}"
    );

    // Paused notifications: the payment moves, nothing is sent.
    fake.pause_webhooks(true);
    let before = fake.webhooks().len();
    paypal
        .refund(&capture, Money(100), "refund-7-b")
        .await
        .unwrap();
    assert_eq!(fake.webhooks().len(), before);
    let state: Value = fake.state();
    assert_eq!(state["refunds"].as_array().unwrap().len(), 2);
}
