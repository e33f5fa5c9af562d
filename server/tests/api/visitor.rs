//! Who is visiting: asked by the app on every start, answered without an error for anonymous
//! visitors, while the accounts' endpoints keep refusing them.

use crate::helpers::*;
use ocpizza_proto::api::auth::Visitor;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn an_anonymous_visitor_is_nobody_rather_than_an_error_and_accounts_stay_closed() {
    let app = TestApp::spawn().await;
    let anonymous = app.anonymous();
    let r = anonymous.get("/api/v1/auth/session").await;
    assert_eq!(r.status(), StatusCode::OK);
    let visitor: Visitor = r.json().await.expect("visitor");
    assert_eq!(visitor.me, None);
    for closed in [
        "/api/v1/auth/me",
        "/api/v1/driver/deliveries",
        "/api/v1/driver/cash",
    ] {
        let r = anonymous.get(closed).await;
        assert_eq!(
            error_code(r, StatusCode::UNAUTHORIZED).await.0,
            "unauthenticated",
            "{closed}"
        );
    }
    let r = reqwest::Client::new()
        .get(app.url("/api/v1/auth/session"))
        .header("cookie", "ocpizza_session=not-a-session")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "an unknown cookie is nobody too"
    );
    assert_eq!(r.json::<Visitor>().await.unwrap().me, None);
}

#[tokio::test]
async fn a_session_is_recognised_until_logout() {
    let app = TestApp::spawn().await;
    let driver = app.as_demo("driver").await;
    let visitor: Visitor = driver.get_json("/api/v1/auth/session").await;
    let me = visitor.me.expect("the driver's account");
    assert_eq!(me.email, "driver@demo.ocpizza.fr");
    assert!(!me.roles.is_empty());
    let r = driver.post("/api/v1/auth/logout", &json!({})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let after: Visitor = driver.get_json("/api/v1/auth/session").await;
    assert_eq!(after.me, None);
}
