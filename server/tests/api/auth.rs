//! Accounts and sessions: cookies, logout, throttling, origin checks, password storage.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn login_sets_a_hardened_cookie_and_logout_revokes_the_session() {
    let app = TestApp::spawn().await;
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "manager@demo.ocpizza.fr", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http in tests");
    let session = cookie.split(';').next().unwrap().to_owned();
    let me = |session: String| {
        let url = app.url("/api/v1/auth/me");
        async move {
            reqwest::Client::new()
                .get(url)
                .header("cookie", session)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(me(session.clone()).await, StatusCode::OK);
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/auth/logout"))
        .header("cookie", session.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        me(session).await,
        StatusCode::UNAUTHORIZED,
        "the old cookie is dead"
    );
}

#[tokio::test]
async fn cookies_are_secure_when_the_site_is_served_over_https() {
    let app = TestApp::spawn_with(|c| c.public_url = "https://pizza.example.fr".into()).await;
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "cook@demo.ocpizza.fr", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("; Secure")
    );
}

#[tokio::test]
async fn registering_hashes_the_password_with_argon2id_and_refuses_duplicates() {
    let app = TestApp::spawn().await;
    let customer = app.customer().await;
    let me: serde_json::Value = customer.get_json("/api/v1/auth/me").await;
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE email = $1")
        .bind(me["email"].as_str().unwrap())
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let r = app
        .anonymous()
        .post(
            "/api/v1/auth/register",
            &json!({"email": me["email"], "password": "another-long-pw", "name": "X"}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::CONFLICT).await.0, "conflict");
    let r = app
        .anonymous()
        .post(
            "/api/v1/auth/register",
            &json!({"email": "new@test.fr", "password": "short", "name": "X"}),
        )
        .await;
    let (_, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(body["error"]["fields"]["password"].is_string());
}

#[tokio::test]
async fn wrong_passwords_get_401_and_repeated_attempts_are_throttled() {
    let app = TestApp::spawn_with(|c| c.login_per_account_per_min = 3).await;
    let guest = app.anonymous();
    let attempt = |password: &'static str| {
        let guest = guest.clone();
        async move {
            guest
                .post(
                    "/api/v1/auth/login",
                    &json!({"email": "admin@demo.ocpizza.fr", "password": password}),
                )
                .await
        }
    };
    for _ in 0..3 {
        assert_eq!(
            error_code(attempt("guess").await, StatusCode::UNAUTHORIZED)
                .await
                .0,
            "unauthenticated"
        );
    }
    let r = attempt(PASSWORD).await;
    assert_eq!(
        error_code(r, StatusCode::TOO_MANY_REQUESTS).await.0,
        "rate_limited",
        "even the right one waits"
    );
    let r = guest
        .post(
            "/api/v1/auth/login",
            &json!({"email": "nobody@demo.ocpizza.fr", "password": "whatever-pw"}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "other accounts are not blocked"
    );
}

#[tokio::test]
async fn state_changes_from_another_site_are_refused() {
    let app = TestApp::spawn().await;
    let manager = app.as_demo("manager").await;
    let r = manager
        .http
        .post(app.url(&format!("/api/v1/shops/{SHOP}/pause")))
        .header("origin", "https://evil.example")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r, StatusCode::FORBIDDEN).await.0, "bad_origin");
    let r = manager
        .http
        .post(app.url(&format!("/api/v1/shops/{SHOP}/pause")))
        .header("origin", app.base.clone())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "same origin is fine");
    let r = manager
        .http
        .get(app.url("/api/v1/auth/me"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "reads are not state changes");
}
