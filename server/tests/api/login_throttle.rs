//! Login throttling: guessing from one address backs off on that account, without locking the
//! real user out from theirs; one address trying many accounts is held back too.

use crate::helpers::*;
use reqwest::{Response, StatusCode};
use serde_json::json;
use std::time::Duration;

const ACCOUNT: &str = "manager@demo.ocpizza.fr";

async fn login_from(app: &TestApp, from: &str, email: &str, password: &str) -> Response {
    reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", from)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_victim_still_logs_in_from_their_own_address_while_an_attackers_address_waits() {
    let app = TestApp::spawn_with(|c| {
        c.trust_proxy = true;
        c.login_failures_before_backoff = 3;
    })
    .await;
    for _ in 0..3 {
        let r = login_from(&app, ATTACKER, ACCOUNT, "guess-1234").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let wait = rate_limited(login_from(&app, ATTACKER, ACCOUNT, PASSWORD).await).await;
    assert!(wait >= 1, "even the right password waits there");
    let r = login_from(&app, VICTIM, ACCOUNT, PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "the real user is not locked out"
    );
    let r = login_from(&app, ATTACKER, "cook@demo.ocpizza.fr", "guess-1234").await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "only that account is held back for that address"
    );
}

#[tokio::test]
async fn failed_logins_wait_longer_each_time_and_a_success_starts_afresh() {
    let app = TestApp::spawn_with(|c| {
        c.trust_proxy = true;
        c.login_failures_before_backoff = 1;
    })
    .await;
    let fail = || login_from(&app, VICTIM, ACCOUNT, "guess-1234");
    assert_eq!(fail().await.status(), StatusCode::UNAUTHORIZED);
    let first = rate_limited(fail().await).await;
    assert_eq!(first, 1);
    tokio::time::sleep(Duration::from_secs(first)).await;
    assert_eq!(fail().await.status(), StatusCode::UNAUTHORIZED);
    let second = rate_limited(fail().await).await;
    assert_eq!(second, 2, "the wait doubles");
    tokio::time::sleep(Duration::from_secs(second)).await;
    let r = login_from(&app, VICTIM, ACCOUNT, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(fail().await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        rate_limited(fail().await).await,
        1,
        "back to the first wait"
    );
}

#[tokio::test]
async fn one_address_trying_many_accounts_is_held_back_with_retry_after() {
    let app = TestApp::spawn_with(|c| {
        c.trust_proxy = true;
        c.login_per_ip_per_min = 3;
    })
    .await;
    for who in ["admin", "cook", "driver"] {
        let r = login_from(
            &app,
            ATTACKER,
            &format!("{who}@demo.ocpizza.fr"),
            "guess-1234",
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let wait =
        rate_limited(login_from(&app, ATTACKER, "counter@demo.ocpizza.fr", PASSWORD).await).await;
    assert!((1..=60).contains(&wait), "{wait}");
    let r = login_from(&app, VICTIM, "counter@demo.ocpizza.fr", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
}
