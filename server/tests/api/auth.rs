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
async fn registering_an_existing_email_answers_exactly_like_a_new_one() {
    let app = TestApp::spawn().await;
    let register = |email: &'static str| {
        let guest = app.anonymous();
        async move {
            guest
                .post(
                    "/api/v1/auth/register",
                    &json!({"email": email, "password": "tomate-basilic-origan", "name": "Eve"}),
                )
                .await
        }
    };
    let new = register("Nouvelle@Test.fr").await;
    let existing = register("manager@demo.ocpizza.fr").await;
    for r in [&new, &existing] {
        assert_eq!(r.status(), StatusCode::ACCEPTED);
        assert!(
            r.headers().get("set-cookie").is_none(),
            "no session either way"
        );
    }
    let new: serde_json::Value = new.json().await.unwrap();
    let existing: serde_json::Value = existing.json().await.unwrap();
    assert_eq!(new, json!({"email": "nouvelle@test.fr"}));
    assert_eq!(existing, json!({"email": "manager@demo.ocpizza.fr"}));

    app.login_with("nouvelle@test.fr", "tomate-basilic-origan")
        .await;
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE email = $1")
        .bind("nouvelle@test.fr")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let r = app
        .anonymous()
        .post(
            "/api/v1/auth/login",
            &json!({"email": "manager@demo.ocpizza.fr", "password": "tomate-basilic-origan"}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "the existing account keeps its password"
    );
    app.as_demo("manager").await;
}

#[tokio::test]
async fn common_passwords_are_refused_naming_the_password_field() {
    let app = TestApp::spawn().await;
    for weak in ["password123", "azertyuiop"] {
        let r = app
            .anonymous()
            .post(
                "/api/v1/auth/register",
                &json!({"email": "new@test.fr", "password": weak, "name": "New"}),
            )
            .await;
        let (code, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(code, "invalid_input");
        let problem = body["error"]["fields"]["password"].as_str().unwrap();
        assert!(problem.contains("common password"), "{problem}");
    }
    let r = app
        .anonymous()
        .post(
            "/api/v1/auth/register",
            &json!({"email": "new@test.fr", "password": "short", "name": "X"}),
        )
        .await;
    let (_, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(body["error"]["fields"]["password"].is_string());
    let r = app
        .as_demo("admin")
        .await
        .post(
            &format!("/api/v1/shops/{SHOP}/staff"),
            &json!({"email": "paul.dupont@test.fr", "role": "cook", "name": "Paul Dupont",
                    "password": "pauldupont1"}),
        )
        .await;
    let (_, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(body["error"]["fields"]["password"].is_string(), "{body}");
}

#[tokio::test]
async fn registrations_from_one_address_are_limited_with_retry_after() {
    let app = TestApp::spawn_with(|c| {
        c.register_per_ip_per_hour = 2;
        c.trust_proxy = true;
    })
    .await;
    let register = |n: u32, from: &'static str| {
        let guest = app.anonymous();
        let url = app.url("/api/v1/auth/register");
        async move {
            guest
                .http
                .post(url)
                .header("x-forwarded-for", from)
                .json(
                    &json!({"email": format!("c{n}@test.fr"), "password": "long-enough-pw",
                              "name": "C"}),
                )
                .send()
                .await
                .unwrap()
        }
    };
    for n in 0..2 {
        assert_eq!(register(n, ATTACKER).await.status(), StatusCode::ACCEPTED);
    }
    let wait = rate_limited(register(2, ATTACKER).await).await;
    assert!((1..=3600).contains(&wait), "{wait}");
    assert_eq!(
        register(3, VICTIM).await.status(),
        StatusCode::ACCEPTED,
        "other addresses are not held back"
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
