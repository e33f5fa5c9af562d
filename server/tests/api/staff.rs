//! Staff invitations: an existing account becomes staff only once it accepts.

use crate::helpers::*;
use crate::ws::Ws;
use ocpizza_proto::ws::ServerMsg;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A newly registered customer: its client, id, e-mail and session cookie.
async fn customer(app: &TestApp) -> (Api, i64, String) {
    let api = app.customer().await;
    let me: Value = api.get_json("/api/v1/auth/me").await;
    let id = me["id"].as_i64().expect("id");
    let email = me["email"].as_str().expect("email").to_owned();
    (api, id, email)
}

async fn invite(manager: &Api, email: &str, role: &str) -> Value {
    let r = manager
        .post(
            "/api/v1/shops/1/staff",
            &json!({"email": email, "role": role}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED, "invite {email}");
    r.json().await.expect("member")
}

async fn invitations(api: &Api) -> Vec<Value> {
    api.get_json("/api/v1/me/invitations").await
}

async fn roles(api: &Api) -> Vec<Value> {
    let me: Value = api.get_json("/api/v1/auth/me").await;
    me["roles"].as_array().expect("roles").clone()
}

/// The shop's staff list entry of the account, if any: `(role, status)` pairs.
async fn listed(manager: &Api, user: i64) -> Vec<(String, String)> {
    let list: Vec<Value> = manager.get_json("/api/v1/shops/1/staff").await;
    list.iter()
        .filter(|m| m["user_id"] == user)
        .map(|m| {
            (
                m["role"].as_str().unwrap_or_default().to_owned(),
                m["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_existing_customer_added_by_a_manager_is_not_staff_until_they_accept() {
    let app = TestApp::spawn().await;
    let manager = app.as_demo("manager").await;
    let (client, id, email) = customer(&app).await;

    let member = invite(&manager, &email, "cook").await;
    assert_eq!(member["status"], "invited");
    assert_eq!(
        client.get("/api/v1/shops/1/orders").await.status(),
        StatusCode::FORBIDDEN
    );
    assert!(roles(&client).await.is_empty());
    assert_eq!(
        listed(&manager, id).await,
        [("cook".into(), "invited".into())]
    );

    let offered = invitations(&client).await;
    assert_eq!(offered.len(), 1, "{offered:?}");
    let shop: Value = app.anonymous().get_json("/api/v1/shops/1").await;
    let boss: Value = manager.get_json("/api/v1/auth/me").await;
    assert_eq!(offered[0]["shop_id"], 1);
    assert_eq!(offered[0]["shop_name"], shop["name"]);
    assert_eq!(offered[0]["role"], "cook");
    assert_eq!(offered[0]["invited_by"], boss["name"]);
    assert!(offered[0]["invited_at"].is_string());

    let path = format!("/api/v1/me/invitations/{}/accept", offered[0]["id"]);
    assert_eq!(
        client.post(&path, &json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    let held = roles(&client).await;
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(
        (held[0]["shop_id"].clone(), held[0]["role"].clone()),
        (json!(1), json!("cook"))
    );
    assert_eq!(
        client.get("/api/v1/shops/1/orders").await.status(),
        StatusCode::OK
    );
    assert!(invitations(&client).await.is_empty());
    assert_eq!(
        listed(&manager, id).await,
        [("cook".into(), "active".into())]
    );
    // Accepting twice finds nothing; adding a role already held changes nothing.
    assert_eq!(
        client.post(&path, &json!({})).await.status(),
        StatusCode::NOT_FOUND
    );
    let r = manager
        .post(
            "/api/v1/shops/1/staff",
            &json!({"email": email, "role": "cook"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(invitations(&client).await.is_empty());
}

#[tokio::test]
async fn a_new_account_created_by_a_manager_holds_its_role_at_once() {
    let app = TestApp::spawn().await;
    let manager = app.as_demo("manager").await;
    let r = manager
        .post(
            "/api/v1/shops/1/staff",
            &json!({"email": "new.cook@test.fr", "role": "cook", "name": "New Cook", "password": "long-enough-pw"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let member: Value = r.json().await.expect("member");
    assert_eq!(member["status"], "active");
    let cook = app.login_with("new.cook@test.fr", "long-enough-pw").await;
    assert_eq!(
        cook.get("/api/v1/shops/1/orders").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn declining_or_withdrawing_an_invitation_leaves_nothing() {
    let app = TestApp::spawn().await;
    let manager = app.as_demo("manager").await;
    let (client, id, email) = customer(&app).await;

    invite(&manager, &email, "cook").await;
    let offered = invitations(&client).await;
    let decline = format!("/api/v1/me/invitations/{}/decline", offered[0]["id"]);
    assert_eq!(
        client.post(&decline, &json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    assert!(invitations(&client).await.is_empty());
    assert!(listed(&manager, id).await.is_empty());
    let accept = format!("/api/v1/me/invitations/{}/accept", offered[0]["id"]);
    assert_eq!(
        client.post(&accept, &json!({})).await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(roles(&client).await.is_empty());

    invite(&manager, &email, "driver").await;
    let offered = invitations(&client).await;
    let withdraw = format!("/api/v1/shops/1/staff/{id}/driver");
    assert_eq!(
        manager.delete(&withdraw).await.status(),
        StatusCode::NO_CONTENT
    );
    assert!(invitations(&client).await.is_empty());
    assert!(listed(&manager, id).await.is_empty());
    let accept = format!("/api/v1/me/invitations/{}/accept", offered[0]["id"]);
    let (code, _) = error_code(
        client.post(&accept, &json!({})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(code, "not_found");
    assert!(roles(&client).await.is_empty());
    assert_eq!(
        manager.delete(&withdraw).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_account_cannot_answer_someone_elses_invitation() {
    let app = TestApp::spawn().await;
    let manager = app.as_demo("manager").await;
    let (invited, _, email) = customer(&app).await;
    let (other, _, _) = customer(&app).await;
    invite(&manager, &email, "cook").await;
    let offered = invitations(&invited).await;
    assert!(invitations(&other).await.is_empty());
    for answer in ["accept", "decline"] {
        let path = format!("/api/v1/me/invitations/{}/{answer}", offered[0]["id"]);
        assert_eq!(
            other.post(&path, &json!({})).await.status(),
            StatusCode::NOT_FOUND,
            "{answer}"
        );
        assert_eq!(
            app.anonymous().post(&path, &json!({})).await.status(),
            StatusCode::UNAUTHORIZED,
            "{answer}"
        );
    }
    assert!(roles(&other).await.is_empty());
    assert_eq!(invitations(&invited).await, offered);
}

#[tokio::test]
async fn an_invitation_from_a_manager_who_lost_the_shop_grants_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    let r = admin
        .post(
            "/api/v1/shops/1/staff",
            &json!({"email": "brief.boss@test.fr", "role": "manager", "name": "Brief Boss", "password": "long-enough-pw"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let boss_id = r.json::<Value>().await.expect("member")["user_id"].clone();
    let boss = app.login_with("brief.boss@test.fr", "long-enough-pw").await;
    let (client, _, email) = customer(&app).await;
    invite(&boss, &email, "cook").await;
    let r = admin
        .delete(&format!("/api/v1/shops/1/staff/{boss_id}/manager"))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let offered = invitations(&client).await;
    let path = format!("/api/v1/me/invitations/{}/accept", offered[0]["id"]);
    error_code(client.post(&path, &json!({})).await, StatusCode::CONFLICT).await;
    assert!(roles(&client).await.is_empty());
}

#[tokio::test]
async fn a_live_connection_follows_the_shops_orders_right_after_accepting() {
    let app = TestApp::spawn().await;
    let manager = app.as_demo("manager").await;
    let (client, _, email) = customer(&app).await;
    let cookie = {
        let r = reqwest::Client::new()
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": "long-enough-pw"}))
            .send()
            .await
            .expect("login");
        r.headers()["set-cookie"]
            .to_str()
            .expect("cookie")
            .split(';')
            .next()
            .expect("pair")
            .to_owned()
    };
    let mut ws = Ws::connect(&app, Some(&cookie)).await;
    let refused = |msgs: &[ServerMsg]| matches!(msgs, [ServerMsg::Error { .. }]);
    assert!(refused(&ws.subscribe("shop:1:orders", None).await));

    invite(&manager, &email, "cook").await;
    assert!(
        refused(&ws.subscribe("shop:1:orders", None).await),
        "invited is not staff"
    );

    let offered = invitations(&client).await;
    let path = format!("/api/v1/me/invitations/{}/accept", offered[0]["id"]);
    assert_eq!(
        client.post(&path, &json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    let msgs = ws.subscribe("shop:1:orders", None).await;
    assert!(matches!(msgs[0], ServerMsg::Snapshot { .. }), "{msgs:?}");
}
