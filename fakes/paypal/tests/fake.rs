//! The fake's own rules, over HTTP: tokens, idempotent creation, the buyer's cancel link, the
//! outage switch, and the binary's ready line.

use paypal_fake::{FakePaypal, Options};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;

async fn fake() -> FakePaypal {
    paypal_fake::spawn(SocketAddr::from(([127, 0, 0, 1], 0)), Options::default())
        .await
        .unwrap()
}

fn browser() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn token(fake: &FakePaypal) -> String {
    let res = Client::new()
        .post(format!("{}/v1/oauth2/token", fake.url()))
        .basic_auth("client", Some("secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_u64().unwrap() > 0);
    body["access_token"].as_str().unwrap().to_owned()
}

fn order_request() -> Value {
    json!({
        "intent": "AUTHORIZE",
        "purchase_units": [{"reference_id": "9", "amount": {"currency_code": "EUR", "value": "12.50"}}],
        "application_context": {"return_url": "http://shop.test/ok", "cancel_url": "http://shop.test/ko?x=1"},
    })
}

#[tokio::test]
async fn a_token_needs_basic_credentials_and_the_client_credentials_grant() {
    let fake = fake().await;
    let url = format!("{}/v1/oauth2/token", fake.url());
    let http = Client::new();
    let no_basic = http
        .post(&url)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_basic.status(), StatusCode::UNAUTHORIZED);
    let wrong_grant = http
        .post(&url)
        .basic_auth("client", Some("secret"))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_grant.status(), StatusCode::UNAUTHORIZED);

    let orders = format!("{}/v2/checkout/orders", fake.url());
    let anonymous = http
        .post(&orders)
        .json(&order_request())
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let made_up = http
        .post(&orders)
        .bearer_auth("A21AAmadeup")
        .json(&order_request())
        .send()
        .await
        .unwrap();
    assert_eq!(made_up.status(), StatusCode::UNAUTHORIZED);
    let issued = http
        .post(&orders)
        .bearer_auth(token(&fake).await)
        .json(&order_request())
        .send()
        .await
        .unwrap();
    assert_eq!(issued.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn an_order_created_twice_with_one_request_id_is_one_order() {
    let fake = fake().await;
    let token = token(&fake).await;
    let create = || {
        Client::new()
            .post(format!("{}/v2/checkout/orders", fake.url()))
            .bearer_auth(&token)
            .header("PayPal-Request-Id", "order-9")
            .json(&order_request())
            .send()
    };
    let first: Value = create().await.unwrap().json().await.unwrap();
    let again = create().await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    let again: Value = again.json().await.unwrap();
    assert_eq!(first["id"], again["id"]);
    assert_eq!(first["status"], "CREATED");
    assert_eq!(first["links"][1]["rel"], "approve");
    assert_eq!(fake.state()["orders"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_buyer_who_cancels_is_sent_back_to_the_cancel_url() {
    let fake = fake().await;
    let token = token(&fake).await;
    let order: Value = Client::new()
        .post(format!("{}/v2/checkout/orders", fake.url()))
        .bearer_auth(&token)
        .json(&order_request())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = order["id"].as_str().unwrap();
    let res = browser()
        .get(format!("{}/checkoutnow/cancel?token={id}", fake.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        format!("http://shop.test/ko?x=1&token={id}").as_str()
    );
    assert_eq!(fake.state()["orders"][0]["status"], "CREATED");
}

#[tokio::test]
async fn during_an_outage_everything_but_the_test_controls_answers_503() {
    let fake = fake().await;
    let http = Client::new();
    let start = http
        .post(format!("{}/_test/unavailable", fake.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::NO_CONTENT);
    let token = http
        .post(format!("{}/v1/oauth2/token", fake.url()))
        .basic_auth("client", Some("secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = http
        .get(format!("{}/checkoutnow?token=X", fake.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    let state = http
        .get(format!("{}/_test/state", fake.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(state.status(), StatusCode::OK);
    http.post(format!("{}/_test/available", fake.url()))
        .send()
        .await
        .unwrap();
    token_ok(&fake).await;
}

async fn token_ok(fake: &FakePaypal) {
    assert!(!token(fake).await.is_empty());
}

#[test]
fn the_binary_says_where_it_listens_once_it_answers() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_paypal-fake"))
        .args(["--port", "0", "--webhook-url", "http://127.0.0.1:9/hook"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    let answered = std::net::TcpStream::connect(url.trim_start_matches("http://"));
    child.kill().unwrap();
    child.wait().unwrap();
    answered.unwrap();
}
