//! E-mail about orders, sent through a real SMTP conversation with a local sink: the
//! confirmation (once, in the customer's language, with a tracking link that works), the
//! cancellation notice with its reason, nothing without an address, and nothing at all with
//! e-mail off.

use crate::helpers::{MARGHERITA, TestApp, delivery, pickup};
use crate::smtp_sink::{Received, Sink};
use mail_parser::MimeHeaders;
use ocpizza::notify::mail::settings::Settings;
use ocpizza_proto::api::orders::{Order, TrackedOrder};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The sender the tests configure.
pub const FROM: &str = "OC Pizza <commandes@ocpizza.fr>";

/// The app with e-mail going to `sink`, its notification workers started.
pub async fn app_mailing_to(sink: &Sink) -> TestApp {
    let url = sink.url();
    let app = TestApp::spawn_with(move |c| {
        c.mail = Settings::from_vars(|k| match k {
            "OCPIZZA_SMTP_URL" => Some(url.clone()),
            "OCPIZZA_MAIL_FROM" => Some(FROM.to_owned()),
            _ => None,
        })
        .expect("mail settings");
    })
    .await;
    // The follower starts where the log stands when it first runs, as `serve` starts it.
    app.state.notify.run_once().await.expect("notify");
    app
}

/// Rows queued for the mail channel, with their state.
pub async fn mail_rows(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as::<_, (String, String)>(
        "SELECT dedupe_key, state FROM notifications WHERE channel = 'mail' ORDER BY id",
    )
    .fetch_all(app.db.pool())
    .await
    .expect("notifications")
}

/// Places `body` as a guest, with `Accept-Language: lang` when given.
async fn place_as_guest(app: &TestApp, body: &Value, lang: Option<&str>) -> Order {
    let mut request = app
        .anonymous()
        .http
        .post(app.url("/api/v1/orders"))
        .json(body);
    if let Some(lang) = lang {
        request = request.header("Accept-Language", lang);
    }
    let r = request.send().await.expect("POST order");
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.expect("order")
}

fn with_email(mut body: Value, email: &str) -> Value {
    body["contact"]["email"] = json!(email);
    body
}

/// The `text/plain` and `text/html` parts, after checking the message's shape.
fn alternative_parts(message: &Received) -> (String, String) {
    let parsed = message.parsed();
    let root = parsed.content_type().expect("Content-Type");
    assert_eq!(
        (root.ctype(), root.subtype()),
        ("multipart", Some("alternative"))
    );
    let types: Vec<String> = parsed
        .parts
        .iter()
        .skip(1)
        .filter_map(|p| p.content_type())
        .map(|t| format!("{}/{}", t.ctype(), t.subtype().unwrap_or_default()))
        .collect();
    assert_eq!(types, ["text/plain", "text/html"]);
    (
        parsed.body_text(0).expect("text part").into_owned(),
        parsed.body_html(0).expect("html part").into_owned(),
    )
}

/// The address of the first `From`/`To` mailbox.
fn first(address: Option<&mail_parser::Address<'_>>) -> (String, String) {
    let a = address.and_then(|a| a.first()).expect("an address");
    (
        a.name().unwrap_or_default().to_owned(),
        a.address().unwrap_or_default().to_owned(),
    )
}

/// The tracking link of a message, after the public URL.
fn tracking_token(app: &TestApp, text: &str) -> String {
    let prefix = format!("{}/track/", app.base);
    let start = text.find(&prefix).expect("tracking link in the message") + prefix.len();
    text[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}

#[tokio::test]
async fn a_guest_order_with_an_email_gets_one_french_confirmation_whose_link_tracks_it() {
    let sink = Sink::start().await;
    let app = app_mailing_to(&sink).await;
    let order = place_as_guest(
        &app,
        &with_email(delivery(MARGHERITA, "large", 2), "jeanne.martin@example.fr"),
        None,
    )
    .await;
    app.state.notify.run_once().await.expect("notify");
    app.state.notify.run_once().await.expect("notify again");
    let messages = sink.messages();
    assert_eq!(
        messages.len(),
        1,
        "one confirmation, however often the workers run"
    );
    let message = &messages[0];
    assert_eq!(message.envelope_from, "commandes@ocpizza.fr");
    assert_eq!(message.envelope_to, ["jeanne.martin@example.fr"]);
    let parsed = message.parsed();
    assert_eq!(
        first(parsed.from()),
        ("OC Pizza".to_owned(), "commandes@ocpizza.fr".to_owned())
    );
    assert_eq!(first(parsed.to()).1, "jeanne.martin@example.fr");
    let subject = parsed.subject().expect("Subject");
    assert!(
        subject.contains(&format!("commande n° {}", order.id)) && subject.contains("confirmée"),
        "{subject}"
    );
    let key = format!("mail:order-confirmation:{}", order.id);
    let from = FROM.parse().expect("mailbox");
    let expected_id = ocpizza::notify::mail::sender::message_id(&key, &from);
    assert_eq!(
        format!("<{}>", parsed.message_id().expect("Message-ID")),
        expected_id
    );
    let (text, html) = alternative_parts(message);
    assert!(text.contains("Bonjour Jeanne Martin"), "{text}");
    assert!(text.contains("2 × Margherita (grande)"), "{text}");
    assert!(text.contains(&format!("Total : {}", order.total)), "{text}");
    assert!(
        text.contains("Livraison : 12 rue Oberkampf, 75011 Paris"),
        "{text}"
    );
    assert!(html.contains("2 × Margherita (grande)"), "{html}");

    let token = tracking_token(&app, &text);
    assert!(
        html.contains(&format!("{}/track/{token}", app.base)),
        "{html}"
    );
    let tracked: TrackedOrder = app
        .anonymous()
        .get_json(&format!("/api/v1/track/{token}"))
        .await;
    assert_eq!(tracked.order.id, order.id);
    assert_eq!(mail_rows(&app).await, [(key, "sent".to_owned())]);
}

#[tokio::test]
async fn an_order_placed_in_english_is_confirmed_in_english() {
    let sink = Sink::start().await;
    let app = app_mailing_to(&sink).await;
    let order = place_as_guest(
        &app,
        &with_email(pickup(MARGHERITA, "medium", 1), "paul@example.com"),
        Some("en-GB,en;q=0.9,fr;q=0.5"),
    )
    .await;
    app.state.notify.run_once().await.expect("notify");
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let subject = messages[0].parsed().subject().expect("Subject").to_owned();
    assert_eq!(
        subject,
        format!(
            "Your order #{} at {} is confirmed",
            order.id,
            shop_name(&app).await
        )
    );
    let (text, _) = alternative_parts(&messages[0]);
    assert!(text.contains("Hello Paul Durand"), "{text}");
    assert!(text.contains("1 × Margherita (medium)"), "{text}");
    let cents = order.total.0;
    assert!(
        text.contains(&format!("Total: €{}.{:02}", cents / 100, cents % 100)),
        "{text}"
    );
    assert!(text.contains("Pickup: collect it at"), "{text}");
    let stored: String = sqlx::query_scalar("SELECT lang FROM orders WHERE id = $1")
        .bind(order.id.0)
        .fetch_one(app.db.pool())
        .await
        .expect("lang");
    assert_eq!(stored, "en");
}

async fn shop_name(app: &TestApp) -> String {
    sqlx::query_scalar("SELECT name FROM shops WHERE id = 1")
        .fetch_one(app.db.pool())
        .await
        .expect("shop name")
}

#[tokio::test]
async fn an_order_without_an_email_sends_nothing() {
    let sink = Sink::start().await;
    let app = app_mailing_to(&sink).await;
    place_as_guest(&app, &delivery(MARGHERITA, "medium", 1), None).await;
    app.state.notify.run_once().await.expect("notify");
    assert!(sink.messages().is_empty());
    assert!(mail_rows(&app).await.is_empty());
}

#[tokio::test]
async fn a_customer_is_told_of_a_cancellation_with_its_reason() {
    let sink = Sink::start().await;
    let app = app_mailing_to(&sink).await;
    let customer = app.customer().await;
    let me: Value = customer.get_json("/api/v1/auth/me").await;
    let order = customer.place(&delivery(MARGHERITA, "medium", 1)).await;
    app.state.notify.run_once().await.expect("notify");
    let manager = app.as_demo("manager").await;
    let r = manager
        .post(
            &format!("/api/v1/orders/{}/cancel", order.id),
            &json!({"reason": "Four en panne <ce soir>"}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        r.text().await.unwrap_or_default()
    );
    app.state.notify.run_once().await.expect("notify");
    app.state.notify.run_once().await.expect("notify again");
    let messages = sink.messages();
    assert_eq!(
        messages.len(),
        2,
        "a confirmation, then a cancellation notice"
    );
    let email = me["email"].as_str().expect("email");
    assert!(messages.iter().all(|m| m.envelope_to == [email]));
    let notice = messages[1].parsed();
    let subject = notice.subject().expect("Subject");
    assert!(
        subject.contains(&format!("n° {}", order.id)) && subject.contains("annulée"),
        "{subject}"
    );
    assert_ne!(messages[0].parsed().message_id(), notice.message_id());
    let (text, html) = alternative_parts(&messages[1]);
    assert!(text.contains("Motif : Four en panne <ce soir>"), "{text}");
    assert!(html.contains("Four en panne &lt;ce soir&gt;"), "{html}");
    assert!(text.contains("1 × Margherita (moyenne)"), "{text}");
}

#[tokio::test]
async fn a_refusal_for_good_is_not_retried_and_a_passing_one_is() {
    let sink = Sink::start().await;
    let app = app_mailing_to(&sink).await;
    sink.refuse_recipients(Some("550 5.1.1 no such mailbox"));
    let gone = place_as_guest(
        &app,
        &with_email(pickup(MARGHERITA, "medium", 1), "nobody@example.fr"),
        None,
    )
    .await;
    app.state.notify.run_once().await.expect("notify");
    sink.refuse_recipients(Some("451 4.3.0 try again later"));
    let later = place_as_guest(
        &app,
        &with_email(pickup(MARGHERITA, "medium", 1), "later@example.fr"),
        None,
    )
    .await;
    app.state.notify.run_once().await.expect("notify");
    let rows: Vec<(String, String, i32, Option<String>)> = sqlx::query_as(
        "SELECT dedupe_key, state, attempts, last_error FROM notifications \
         WHERE channel = 'mail' ORDER BY id",
    )
    .fetch_all(app.db.pool())
    .await
    .expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str()),
        (
            format!("mail:order-confirmation:{}", gone.id).as_str(),
            "failed"
        )
    );
    assert!(
        rows[0].3.as_deref().unwrap_or_default().contains("550"),
        "{rows:?}"
    );
    assert_eq!(
        (rows[1].0.as_str(), rows[1].1.as_str(), rows[1].2),
        (
            format!("mail:order-confirmation:{}", later.id).as_str(),
            "pending",
            1
        )
    );
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn with_email_off_orders_work_and_nothing_is_queued_for_mail() {
    let app = TestApp::spawn().await;
    assert!(app.state.config.mail.smtp.is_none());
    app.state.notify.run_once().await.expect("notify");
    let order = place_as_guest(
        &app,
        &with_email(delivery(MARGHERITA, "medium", 1), "jeanne@example.fr"),
        None,
    )
    .await;
    app.state.notify.run_once().await.expect("notify");
    assert!(mail_rows(&app).await.is_empty());
    let token = app.tracking_token(&order).await;
    let tracked: TrackedOrder = app
        .anonymous()
        .get_json(&format!("/api/v1/track/{token}"))
        .await;
    assert_eq!(tracked.order.id, order.id);

    let r = app
        .anonymous()
        .post(
            "/api/v1/auth/password/forgot",
            &json!({"email": "customer@demo.ocpizza.fr"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let body: Value = r.json().await.expect("body");
    assert_eq!(body, json!({"email": "customer@demo.ocpizza.fr"}));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let links: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM password_resets")
        .fetch_one(app.db.pool())
        .await
        .expect("count");
    assert_eq!(links, 0, "no link is made when it cannot be sent");
    assert!(mail_rows(&app).await.is_empty());
}

#[tokio::test]
async fn the_check_tells_off_reachable_and_unreachable_apart() {
    use ocpizza::notify::mail::transport::{Health, check};
    let read = |url: Option<String>| {
        Settings::from_vars(|k| match k {
            "OCPIZZA_SMTP_URL" => url.clone(),
            "OCPIZZA_MAIL_FROM" => url.as_ref().map(|_| FROM.to_owned()),
            _ => None,
        })
        .expect("settings")
    };
    assert_eq!(check(&read(None)).await, Health::Off);
    let sink = Sink::start().await;
    let Health::Reachable(detail) = check(&read(Some(sink.url()))).await else {
        panic!("the sink answers");
    };
    assert!(
        detail.contains(&format!("{} reachable (in clear)", sink.addr)),
        "{detail}"
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let health = check(&read(Some(format!("smtp://127.0.0.1:{port}")))).await;
    assert!(matches!(health, Health::Unreachable(_)), "{health:?}");
}
