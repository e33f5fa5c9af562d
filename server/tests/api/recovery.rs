//! Account recovery by e-mail: the same answer whoever asks, a link only to an account's
//! address, a link that works once and for 30 minutes, a new password as strong as at
//! registration, and every old session ended.

use crate::helpers::{PASSWORD, TestApp, error_code, rate_limited};
use crate::mail::{app_mailing_to, mail_rows};
use crate::smtp_sink::{Received, Sink};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const CUSTOMER: &str = "customer@demo.ocpizza.fr";
const NEW_PASSWORD: &str = "quatre-fromages-et-basilic";

async fn forgot(app: &TestApp, email: &str) -> reqwest::Response {
    app.anonymous()
        .post("/api/v1/auth/password/forgot", &json!({"email": email}))
        .await
}

async fn reset(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    app.anonymous()
        .post(
            "/api/v1/auth/password/reset",
            &json!({"token": token, "password": password}),
        )
        .await
}

async fn login(app: &TestApp, password: &str) -> reqwest::Response {
    app.anonymous()
        .post(
            "/api/v1/auth/login",
            &json!({"email": CUSTOMER, "password": password}),
        )
        .await
}

/// Runs the workers until `n` messages reached the sink (the link is made after the answer).
async fn wait_for_mail(app: &TestApp, sink: &Sink, n: usize) -> Vec<Received> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        app.state.notify.run_once().await.expect("notify");
        let messages = sink.messages();
        if messages.len() >= n {
            return messages;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} messages of {n} after 15 s",
            messages.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The token of the reset link in a message, after checking the link's address.
fn link_token(app: &TestApp, message: &Received) -> String {
    let parsed = message.parsed();
    let text = parsed.body_text(0).expect("text part");
    let prefix = format!("{}/reset-password?token=", app.base);
    let start = text.find(&prefix).expect("reset link") + prefix.len();
    let token: String = text[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(token.len(), 64, "{text}");
    let html = parsed.body_html(0).expect("html part");
    assert!(html.contains(&format!("{prefix}{token}")), "{html}");
    token
}

/// Asks for a link for `email` and returns its token.
async fn link_for(app: &TestApp, sink: &Sink, email: &str) -> String {
    let before = sink.messages().len();
    assert_eq!(forgot(app, email).await.status(), StatusCode::ACCEPTED);
    let messages = wait_for_mail(app, sink, before + 1).await;
    link_token(app, &messages[before])
}

#[tokio::test]
async fn known_and_unknown_addresses_get_the_same_answer_and_only_an_account_gets_a_link() {
    let sink = Sink::start().await;
    let app = app_mailing_to(&sink).await;
    let unknown = forgot(&app, "Personne@Example.fr").await;
    assert_eq!(unknown.status(), StatusCode::ACCEPTED);
    let unknown: Value = unknown.json().await.expect("body");
    let known = forgot(&app, " Customer@Demo.OCPizza.fr ").await;
    assert_eq!(known.status(), StatusCode::ACCEPTED);
    let known: Value = known.json().await.expect("body");
    assert_eq!(unknown, json!({"email": "personne@example.fr"}));
    assert_eq!(known, json!({"email": CUSTOMER}));

    let messages = wait_for_mail(&app, &sink, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.state.notify.run_once().await.expect("notify");
    let messages_after = sink.messages();
    assert_eq!(
        messages_after.len(),
        1,
        "no message for the unknown address"
    );
    assert_eq!(messages[0].envelope_to, [CUSTOMER]);
    let parsed = messages[0].parsed();
    assert_eq!(
        parsed.subject(),
        Some("Réinitialiser votre mot de passe OC Pizza")
    );
    let text = parsed.body_text(0).expect("text");
    assert!(text.contains("Bonjour Claire Cliente"), "{text}");
    assert!(text.contains("30 minutes"), "{text}");
    link_token(&app, &messages[0]);

    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM password_resets")
        .fetch_all(app.db.pool())
        .await
        .expect("resets");
    assert_eq!(stored.len(), 1);
    let token = link_token(&app, &messages[0]);
    assert_ne!(stored[0], token, "only the token's hash is stored");
    assert_eq!(mail_rows(&app).await[0].1, "sent");

    let malformed = forgot(&app, "not-an-address").await;
    error_code(malformed, StatusCode::UNPROCESSABLE_ENTITY).await;
}

#[tokio::test]
async fn a_link_sets_a_new_password_once_and_ends_every_session() {
    let sink = Sink::start().await;
    let app = app_mailing_to(&sink).await;
    let session = app.login(CUSTOMER).await;
    let other_device = app.login(CUSTOMER).await;
    let token = link_for(&app, &sink, CUSTOMER).await;

    let r = reset(&app, &token, NEW_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    for old in [&session, &other_device] {
        assert_eq!(
            old.get("/api/v1/auth/me").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login(&app, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(login(&app, NEW_PASSWORD).await.status(), StatusCode::OK);

    let again = reset(&app, &token, "encore-un-autre-mot-de-passe").await;
    let (code, body) = error_code(again, StatusCode::GONE).await;
    assert_eq!(code, "reset_link_expired");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("already used"),
        "{body}"
    );
    assert_eq!(login(&app, NEW_PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_expired_or_unknown_link_is_refused() {
    let sink = Sink::start().await;
    let app = app_mailing_to(&sink).await;
    let token = link_for(&app, &sink, "cook@demo.ocpizza.fr").await;
    sqlx::query("UPDATE password_resets SET expires_at = $1")
        .bind(ocpizza::db::now_ms() - 1)
        .execute(app.db.pool())
        .await
        .expect("age the link");
    let (code, body) = error_code(reset(&app, &token, NEW_PASSWORD).await, StatusCode::GONE).await;
    assert_eq!(code, "reset_link_expired");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("expired"),
        "{body}"
    );
    let unknown = "ab".repeat(32);
    for bad in [unknown.as_str(), "abc", ""] {
        let (code, _) = error_code(
            reset(&app, bad, NEW_PASSWORD).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(code, "reset_link_invalid", "{bad:?}");
    }
    let login = app
        .anonymous()
        .post(
            "/api/v1/auth/login",
            &json!({"email": "cook@demo.ocpizza.fr", "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        login.status(),
        StatusCode::OK,
        "the password did not change"
    );
}

#[tokio::test]
async fn a_weak_new_password_is_refused_and_the_link_still_works() {
    let sink = Sink::start().await;
    let app = app_mailing_to(&sink).await;
    let token = link_for(&app, &sink, CUSTOMER).await;
    for weak in ["short", "password123", "azertyuiop"] {
        let (code, body) = error_code(
            reset(&app, &token, weak).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(code, "invalid_input");
        assert!(body["error"]["fields"]["password"].is_string(), "{body}");
    }
    assert_eq!(
        reset(&app, &token, NEW_PASSWORD).await.status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn two_uses_of_one_link_at_once_let_one_through() {
    let sink = Sink::start().await;
    let app = app_mailing_to(&sink).await;
    let token = link_for(&app, &sink, CUSTOMER).await;
    let (a, b) = tokio::join!(
        reset(&app, &token, NEW_PASSWORD),
        reset(&app, &token, "une-autre-phrase-secrete")
    );
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::NO_CONTENT, StatusCode::GONE]);
}

#[tokio::test]
async fn asking_for_links_too_often_is_refused_for_known_and_unknown_addresses_alike() {
    let sink = Sink::start().await;
    let app = app_mailing_to(&sink).await;
    for email in [CUSTOMER, "personne@example.fr"] {
        for _ in 0..3 {
            assert_eq!(forgot(&app, email).await.status(), StatusCode::ACCEPTED);
        }
        rate_limited(forgot(&app, email).await).await;
    }
    let messages = wait_for_mail(&app, &sink, 3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.state.notify.run_once().await.expect("notify");
    assert_eq!(messages.len(), 3);
    assert_eq!(
        sink.messages().len(),
        3,
        "three links for the account, none beyond"
    );
}
