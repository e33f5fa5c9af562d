//! Web push against a real push service run by the test: an HTTP server on 127.0.0.1 that
//! receives the server's POSTs, checks their VAPID signature against the key the API serves,
//! and decrypts each payload (RFC 8291) with the subscribing "browser's" private key — written
//! here from the RFC with OpenSSL, independently of the crate the server encrypts with.

use crate::helpers::*;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use ocpizza_proto::IngredientId;
use ocpizza_proto::api::orders::Order;
use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey, EcPoint, PointConversionForm};
use openssl::ecdsa::EcdsaSig;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// One POST the push service received, checked and decrypted.
#[derive(Debug, Clone)]
struct Received {
    /// Which browser (the endpoint's last segment).
    browser: String,
    /// The decrypted message.
    message: Value,
    /// `TTL`, `Urgency`, `Topic`.
    ttl: i64,
    urgency: String,
    topic: String,
}

#[derive(Default)]
struct ServiceState {
    /// Browser name → its keys (to decrypt) and what to answer.
    browsers: HashMap<String, (EcKey<Private>, [u8; 16], u16)>,
    /// The server's VAPID public key (uncompressed point), to check signatures with.
    vapid: Vec<u8>,
    origin: String,
    received: Vec<Received>,
    /// Requests that failed a check, with why.
    refused: Vec<String>,
}

/// A push service on 127.0.0.1: browsers subscribe with it, the server posts to it.
struct PushService {
    base: String,
    state: Arc<Mutex<ServiceState>>,
}

impl PushService {
    async fn start(app: &TestApp) -> PushService {
        // What happened before the test's subscriptions (the demo data) is followed now.
        run(app).await;
        let key: Value = app.anonymous().get_json("/api/v1/push/key").await;
        let vapid = B64
            .decode(key["public_key"].as_str().expect("public_key"))
            .expect("base64url");
        assert_eq!(vapid.len(), 65, "an uncompressed P-256 point");
        assert_eq!(vapid[0], 4, "an uncompressed P-256 point");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(ServiceState {
            vapid,
            origin: base.clone(),
            ..ServiceState::default()
        }));
        let router = axum::Router::new()
            .route("/push/{browser}", axum::routing::post(receive))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        PushService { base, state }
    }

    /// A new browser's subscription (as `PushSubscription.toJSON()`), answered 201.
    fn browser(&self, name: &str) -> Value {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let key = EcKey::generate(&group).unwrap();
        let mut ctx = BigNumContext::new().unwrap();
        let public = key
            .public_key()
            .to_bytes(&group, PointConversionForm::UNCOMPRESSED, &mut ctx)
            .unwrap();
        let mut auth = [0u8; 16];
        openssl::rand::rand_bytes(&mut auth).unwrap();
        self.state
            .lock()
            .unwrap()
            .browsers
            .insert(name.to_owned(), (key, auth, 201));
        json!({
            "endpoint": format!("{}/push/{name}", self.base),
            "keys": {"p256dh": B64.encode(public), "auth": B64.encode(auth)},
        })
    }

    /// From now on, answer `status` to what is sent to `name`.
    fn answer(&self, name: &str, status: u16) {
        self.state.lock().unwrap().browsers.get_mut(name).unwrap().2 = status;
    }

    /// Everything received since the last call, every request having passed the checks.
    fn take(&self) -> Vec<Received> {
        let mut s = self.state.lock().unwrap();
        assert!(s.refused.is_empty(), "refused requests: {:?}", s.refused);
        std::mem::take(&mut s.received)
    }

    /// The titles received since the last call, for `name`.
    fn titles(&self, name: &str) -> Vec<String> {
        self.take()
            .into_iter()
            .filter(|r| r.browser == name)
            .map(|r| r.message["title"].as_str().unwrap().to_owned())
            .collect()
    }
}

async fn receive(
    State(state): State<Arc<Mutex<ServiceState>>>,
    Path(browser): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AxumStatus {
    let mut s = state.lock().unwrap();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let checked = (|| {
        check_vapid(&header("authorization"), &s.vapid, &s.origin)?;
        if header("content-encoding") != "aes128gcm" {
            return Err(format!("Content-Encoding {}", header("content-encoding")));
        }
        let (key, auth, _) = s.browsers.get(&browser).ok_or("unknown browser")?;
        let plain = decrypt(key, auth, &body)?;
        serde_json::from_slice::<Value>(&plain).map_err(|e| e.to_string())
    })();
    match checked {
        Ok(message) => {
            let status = s.browsers[&browser].2;
            s.received.push(Received {
                browser,
                message,
                ttl: header("ttl").parse().unwrap_or(-1),
                urgency: header("urgency"),
                topic: header("topic"),
            });
            AxumStatus::from_u16(status).unwrap()
        }
        Err(why) => {
            s.refused.push(why);
            AxumStatus::BAD_REQUEST
        }
    }
}

/// `Authorization: vapid t=<JWT>, k=<public key>` (RFC 8292): the key is the server's, the
/// JWT is ES256-signed by it, for this push service's origin, not expired, with a contact.
fn check_vapid(authorization: &str, vapid: &[u8], origin: &str) -> Result<(), String> {
    let rest = authorization
        .strip_prefix("vapid ")
        .ok_or("not a vapid Authorization")?;
    let mut token = "";
    let mut k = "";
    for part in rest.split(',').map(str::trim) {
        if let Some(v) = part.strip_prefix("t=") {
            token = v;
        } else if let Some(v) = part.strip_prefix("k=") {
            k = v;
        }
    }
    if B64.decode(k).map_err(|e| e.to_string())? != vapid {
        return Err("k is not the key /api/v1/push/key serves".into());
    }
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a JWT".into());
    };
    let header: Value = serde_json::from_slice(&B64.decode(h).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    if header["alg"] != "ES256" {
        return Err(format!("alg {}", header["alg"]));
    }
    let claims: Value = serde_json::from_slice(&B64.decode(c).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    if claims["aud"] != origin {
        return Err(format!("aud {} instead of {origin}", claims["aud"]));
    }
    let now = jiff::Timestamp::now().as_second();
    let exp = claims["exp"].as_i64().ok_or("no exp")?;
    if exp <= now || exp > now + 24 * 3600 {
        return Err(format!("exp {exp} not within 24 h"));
    }
    if !claims["sub"]
        .as_str()
        .is_some_and(|s| s.starts_with("mailto:") || s.starts_with("https://"))
    {
        return Err(format!("sub {}", claims["sub"]));
    }
    let sig = B64.decode(sig).map_err(|e| e.to_string())?;
    if sig.len() != 64 {
        return Err("signature is not r||s".into());
    }
    let sig = EcdsaSig::from_private_components(
        BigNum::from_slice(&sig[..32]).unwrap(),
        BigNum::from_slice(&sig[32..]).unwrap(),
    )
    .unwrap();
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let mut ctx = BigNumContext::new().unwrap();
    let point = EcPoint::from_bytes(&group, vapid, &mut ctx).map_err(|e| e.to_string())?;
    let public = EcKey::from_public_key(&group, &point).unwrap();
    let digest = Sha256::digest(format!("{h}.{c}").as_bytes());
    if !sig.verify(&digest, &public).map_err(|e| e.to_string())? {
        return Err("the JWT's signature does not verify".into());
    }
    Ok(())
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

/// RFC 8291 / RFC 8188: one aes128gcm record, decrypted with the browser's keys.
fn decrypt(key: &EcKey<Private>, auth: &[u8; 16], body: &[u8]) -> Result<Vec<u8>, String> {
    if body.len() < 21 {
        return Err("body shorter than its header".into());
    }
    let salt = &body[..16];
    let id_len = usize::from(body[20]);
    let sender_public = &body[21..21 + id_len];
    let ciphertext = &body[21 + id_len..];
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let mut ctx = BigNumContext::new().unwrap();
    let point = EcPoint::from_bytes(&group, sender_public, &mut ctx).map_err(|e| e.to_string())?;
    let peer = PKey::from_ec_key(EcKey::from_public_key(&group, &point).unwrap()).unwrap();
    let mine = PKey::from_ec_key(key.clone()).unwrap();
    let mut deriver = openssl::derive::Deriver::new(&mine).unwrap();
    deriver.set_peer(&peer).unwrap();
    let shared = deriver.derive_to_vec().unwrap();
    let browser_public = key
        .public_key()
        .to_bytes(&group, PointConversionForm::UNCOMPRESSED, &mut ctx)
        .unwrap();
    // IKM = HKDF(auth, ECDH, "WebPush: info" || 0 || ua_public || as_public, 32)
    let prk_key = hmac(auth, &[&shared]);
    let ikm = hmac(
        &prk_key,
        &[b"WebPush: info\0", &browser_public, sender_public, &[1]],
    );
    let prk = hmac(salt, &[&ikm[..32]]);
    let cek = hmac(&prk, &[b"Content-Encoding: aes128gcm\0", &[1]]);
    let nonce = hmac(&prk, &[b"Content-Encoding: nonce\0", &[1]]);
    let (data, tag) = ciphertext.split_at(ciphertext.len() - 16);
    let padded = openssl::symm::decrypt_aead(
        openssl::symm::Cipher::aes_128_gcm(),
        &cek[..16],
        Some(&nonce[..12]),
        &[],
        data,
        tag,
    )
    .map_err(|e| format!("does not decrypt: {e}"))?;
    // The last record ends with the delimiter 2, then optional zero padding.
    let end = padded.iter().rposition(|b| *b != 0).ok_or("no delimiter")?;
    if padded[end] != 2 {
        return Err("not the last record's delimiter".into());
    }
    Ok(padded[..end].to_vec())
}

/// The tracking token the placing client got.
fn token(order: &Order) -> String {
    order
        .tracking_token
        .clone()
        .expect("the placer gets the token")
}

async fn follow(app: &TestApp, order: &Order, subscription: &Value, lang: &str) {
    let r = app
        .anonymous()
        .post(
            &format!("/api/v1/track/{}/push", token(order)),
            &json!({"subscription": subscription, "lang": lang}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
}

async fn subscribe_staff(api: &Api, subscription: &Value, lang: &str) {
    let r = api
        .post(
            "/api/v1/push/subscriptions",
            &json!({"subscription": subscription, "lang": lang}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
}

async fn run(app: &TestApp) {
    app.state
        .notify
        .run_once()
        .await
        .expect("notifications round");
}

async fn states(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT state FROM notifications WHERE channel = 'push' ORDER BY id")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_customer_is_told_each_step_of_their_delivery_in_french() {
    let app = TestApp::spawn().await;
    let push = PushService::start(&app).await;
    let order = app
        .anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
    let n = order.id.0;
    follow(&app, &order, &push.browser("phone"), "fr").await;
    run(&app).await;
    let accepted = push.take();
    assert_eq!(accepted.len(), 1);
    let first = &accepted[0];
    assert_eq!(first.message["title"], format!("Commande n° {n} acceptée"));
    assert_eq!(first.message["url"], format!("/track/{}", token(&order)));
    assert_eq!(first.message["tag"], format!("order-{n}"));
    assert_eq!(
        (first.urgency.as_str(), first.topic.as_str()),
        ("high", &*format!("order-{n}"))
    );
    assert!(
        (1..=600).contains(&first.ttl),
        "TTL {} within the 10 minutes",
        first.ttl
    );

    let cook = app.as_demo("cook").await;
    let driver = app.as_demo("driver").await;
    let order = cook.transition(&order, "preparing").await;
    run(&app).await;
    assert_eq!(
        push.titles("phone"),
        [format!("Commande n° {n} en préparation")]
    );
    let order = cook.transition(&order, "ready").await;
    run(&app).await;
    assert_eq!(
        push.titles("phone"),
        Vec::<String>::new(),
        "a delivery's customer waits for the driver"
    );
    let order = driver.transition(&order, "out_for_delivery").await;
    run(&app).await;
    let on_its_way = push.take();
    assert_eq!(on_its_way.len(), 1);
    assert_eq!(
        on_its_way[0].message["title"],
        format!("Commande n° {n} en route")
    );
    assert!(
        on_its_way[0].message["body"]
            .as_str()
            .unwrap()
            .contains("livreur")
    );
    driver.transition(&order, "delivered").await;
    run(&app).await;
    assert_eq!(push.titles("phone"), [format!("Commande n° {n} livrée")]);
    assert_eq!(states(&app).await, ["sent"; 4]);
}

#[tokio::test]
async fn customers_of_orders_planned_in_one_round_each_hear_of_their_own_order_only() {
    let app = TestApp::spawn().await;
    let push = PushService::start(&app).await;
    let guest = app.anonymous();
    let first = guest.place(&pickup(REGINA, "medium", 1)).await;
    let unfollowed = guest.place(&pickup(REGINA, "medium", 1)).await;
    let second = guest.place(&pickup(MARGHERITA, "medium", 1)).await;
    follow(&app, &first, &push.browser("first"), "fr").await;
    follow(&app, &second, &push.browser("second"), "en").await;
    let cook = app.as_demo("cook").await;
    cook.transition(&first, "preparing").await;
    cook.transition(&unfollowed, "preparing").await;
    let manager = app.as_demo("manager").await;
    let r = manager
        .post(
            &format!("/api/v1/orders/{}/cancel", second.id.0),
            &json!({"reason": "Plus de mozzarella"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // Every event of the three orders is planned in this one round.
    run(&app).await;
    let got = push.take();
    let titles = |browser: &str| {
        let mut titles: Vec<String> = got
            .iter()
            .filter(|r| r.browser == browser)
            .map(|r| r.message["title"].as_str().unwrap().to_owned())
            .collect();
        titles.sort();
        titles
    };
    let (a, b) = (first.id.0, second.id.0);
    assert_eq!(
        titles("first"),
        [
            format!("Commande n° {a} acceptée"),
            format!("Commande n° {a} en préparation")
        ]
    );
    assert_eq!(
        titles("second"),
        [
            format!("Order #{b} accepted"),
            format!("Order #{b} cancelled")
        ]
    );
    assert_eq!(got.len(), 4, "nothing for the order nobody follows");
}

#[tokio::test]
async fn an_english_subscriber_reads_the_cancellation_and_its_reason() {
    let app = TestApp::spawn().await;
    let push = PushService::start(&app).await;
    let order = app.anonymous().place(&pickup(REGINA, "medium", 1)).await;
    follow(&app, &order, &push.browser("phone"), "en").await;
    let cook = app.as_demo("cook").await;
    cook.transition(&order, "preparing").await;
    run(&app).await;
    let n = order.id.0;
    // Both were due in the same round: they travel concurrently.
    let mut titles = push.titles("phone");
    titles.sort();
    assert_eq!(
        titles,
        [
            format!("Order #{n} accepted"),
            format!("Order #{n} in preparation")
        ]
    );
    let manager = app.as_demo("manager").await;
    let r = manager
        .post(
            &format!("/api/v1/orders/{n}/cancel"),
            &json!({"reason": "Four en panne"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    run(&app).await;
    let got = push.take();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].message["title"], format!("Order #{n} cancelled"));
    assert_eq!(got[0].message["body"], "Reason: Four en panne");
    assert_eq!(
        got[0].message["tag"],
        format!("order-{n}"),
        "replaces the previous status"
    );
}

#[tokio::test]
async fn a_subscription_the_push_service_says_is_gone_is_forgotten_and_sent_nothing_more() {
    let app = TestApp::spawn().await;
    let push = PushService::start(&app).await;
    let order = app
        .anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
    follow(&app, &order, &push.browser("old-phone"), "fr").await;
    push.answer("old-phone", 410);
    run(&app).await;
    assert_eq!(push.take().len(), 1, "one attempt");
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM push_subscriptions")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(left, 0, "the subscription is forgotten");
    assert_eq!(states(&app).await, ["gone"]);
    let cook = app.as_demo("cook").await;
    let order = cook.transition(&order, "preparing").await;
    cook.transition(&order, "ready").await;
    run(&app).await;
    run(&app).await;
    assert!(push.take().is_empty(), "nothing more is sent to it");
}

#[tokio::test]
async fn a_status_older_than_its_expiry_is_not_sent() {
    let app = TestApp::spawn().await;
    let push = PushService::start(&app).await;
    let order = app
        .anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
    run(&app).await;
    follow(&app, &order, &push.browser("phone"), "fr").await;
    let cook = app.as_demo("cook").await;
    cook.transition(&order, "preparing").await;
    // The notification workers were down for 11 minutes after the kitchen started it.
    sqlx::query(
        "UPDATE events SET at = at - 660000 WHERE stream = 'group:orders' \
         AND seq = (SELECT MAX(seq) FROM events WHERE stream = 'group:orders')",
    )
    .execute(&mut *app.db.writer().await.unwrap())
    .await
    .unwrap();
    run(&app).await;
    assert!(push.take().is_empty(), "a stale status wakes no phone");
    assert!(
        !states(&app).await.contains(&"sent".to_owned()),
        "never sent"
    );
}

#[tokio::test]
async fn malformed_subscriptions_are_refused_with_the_field_named() {
    let app = TestApp::spawn().await;
    let push = PushService::start(&app).await;
    let order = app
        .anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
    let good = push.browser("phone");
    let path = format!("/api/v1/track/{}/push", token(&order));
    let with = |field: &str, value: Value| {
        let mut s = good.clone();
        match field {
            "endpoint" => s["endpoint"] = value,
            key => s["keys"][key] = value,
        }
        json!({"subscription": s, "lang": "fr"})
    };
    let short_key = B64.encode([4u8; 33]);
    let cases = [
        (
            with("endpoint", json!("http://push.example.com/x")),
            "subscription.endpoint",
        ),
        (
            with("endpoint", json!("not a url")),
            "subscription.endpoint",
        ),
        (with("p256dh", json!(short_key)), "subscription.keys.p256dh"),
        (with("p256dh", json!("***")), "subscription.keys.p256dh"),
        (
            with("auth", json!(B64.encode([1u8; 8]))),
            "subscription.keys.auth",
        ),
        (
            json!({"subscription": {"endpoint": good["endpoint"]}, "lang": "fr"}),
            "subscription",
        ),
        (json!({"subscription": good, "lang": "de"}), "lang"),
    ];
    for (body, field) in cases {
        let r = app.anonymous().post(&path, &body).await;
        let (code, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(code, "invalid_input");
        assert!(
            body["error"]["fields"].get(field).is_some(),
            "{field} named in {body}"
        );
    }
    let r = app
        .anonymous()
        .post(
            "/api/v1/track/0123456789abcdef0123456789abcdef/push",
            &json!({"subscription": good, "lang": "fr"}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await.0, "not_found");
    let r = app
        .anonymous()
        .post("/api/v1/push/subscriptions", &json!({"subscription": good}))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "staff alerts need a session"
    );
    let cook = app.as_demo("cook").await;
    let r = cook
        .post("/api/v1/push/subscriptions", &json!({"subscription": good}))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "a cook gets no alerts");

    // Ten devices may follow one order; subscribing one of them again is not one more.
    for n in 0..10 {
        follow(&app, &order, &push.browser(&format!("device-{n}")), "fr").await;
    }
    follow(&app, &order, &push.browser("device-3"), "en").await;
    let r = app
        .anonymous()
        .post(&path, &json!({"subscription": push.browser("device-10")}))
        .await;
    assert_eq!(error_code(r, StatusCode::CONFLICT).await.0, "conflict");
}

#[tokio::test]
async fn one_orders_token_cannot_unsubscribe_the_browser_of_another() {
    let app = TestApp::spawn().await;
    let push = PushService::start(&app).await;
    let mine = app
        .anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
    let theirs = app.anonymous().place(&delivery(REGINA, "medium", 1)).await;
    let phone = push.browser("phone");
    follow(&app, &theirs, &phone, "fr").await;
    let unsubscribe = |order: &Order| {
        let url = app.url(&format!("/api/v1/track/{}/push", token(order)));
        let endpoint = phone["endpoint"].clone();
        async move {
            reqwest::Client::new()
                .delete(url)
                .json(&json!({"endpoint": endpoint}))
                .send()
                .await
                .unwrap()
        }
    };
    let r = unsubscribe(&mine).await;
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await.0, "not_found");
    run(&app).await;
    assert_eq!(
        push.titles("phone").len(),
        1,
        "their browser still hears of their order"
    );
    let r = unsubscribe(&theirs).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    app.as_demo("cook")
        .await
        .transition(&theirs, "preparing")
        .await;
    run(&app).await;
    assert!(push.take().is_empty(), "unsubscribed by its own token");
}

#[tokio::test]
async fn drivers_hear_of_orders_ready_for_delivery_and_of_orders_given_to_them() {
    let app = TestApp::spawn().await;
    let push = PushService::start(&app).await;
    let driver = app.as_demo("driver").await;
    subscribe_staff(&driver, &push.browser("driver-phone"), "fr").await;
    let cook = app.as_demo("cook").await;
    let first = ready_order(&app, &cook, &delivery(MARGHERITA, "medium", 1)).await;
    ready_order(&app, &cook, &pickup(MARGHERITA, "medium", 1)).await;
    run(&app).await;
    let got = push.take();
    assert_eq!(got.len(), 1, "only the delivery: {got:?}");
    assert_eq!(
        got[0].message["title"],
        format!("Commande n° {} prête à livrer", first.id.0)
    );
    assert_eq!(got[0].message["url"], "/driver");

    let me: Value = driver.get_json("/api/v1/auth/me").await;
    let second = app.anonymous().place(&delivery(REGINA, "medium", 1)).await;
    let manager = app.as_demo("manager").await;
    let r = manager
        .post(
            &format!("/api/v1/orders/{}/driver", second.id),
            &json!({"driver_id": me["id"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    run(&app).await;
    assert_eq!(
        push.titles("driver-phone"),
        [format!("Commande n° {} pour vous", second.id.0)]
    );
    // Taking an order oneself tells nobody.
    let third = app.anonymous().place(&delivery(REGINA, "medium", 1)).await;
    let r = driver
        .post(
            &format!("/api/v1/orders/{}/driver", third.id),
            &json!({"driver_id": me["id"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    run(&app).await;
    assert!(push.take().is_empty());
}

#[tokio::test]
async fn managers_hear_once_that_an_ingredient_fell_below_its_threshold() {
    let app = TestApp::spawn().await;
    let push = PushService::start(&app).await;
    let manager = app.as_demo("manager").await;
    subscribe_staff(&manager, &push.browser("manager-phone"), "en").await;
    let stock = app.stock(SHOP).await;
    let (item, other) = (&stock.items[0], &stock.items[1]);
    let correct = |ingredient: IngredientId, on_hand: i64| {
        let manager = manager.clone();
        async move {
            let r = manager
                .post(
                    &format!("/api/v1/shops/{SHOP}/stock/correction"),
                    &json!({"ingredient_id": ingredient, "on_hand": on_hand,
                            "reason": "inventory", "low_threshold": 1000}),
                )
                .await;
            assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        }
    };
    let (first, second) = (item.ingredient_id, other.ingredient_id);
    correct(first, 5000).await;
    correct(second, 5000).await;
    run(&app).await;
    assert!(push.take().is_empty(), "above the threshold");
    correct(first, 800).await;
    run(&app).await;
    let got = push.take();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].message["title"], format!("Low stock: {}", item.name));
    assert_eq!(got[0].message["url"], format!("/manage/shops/{SHOP}/stock"));
    assert_eq!(got[0].urgency, "normal");
    correct(first, 500).await;
    run(&app).await;
    assert!(push.take().is_empty(), "still low: told once");
    correct(first, 3000).await;
    correct(first, 200).await;
    run(&app).await;
    assert_eq!(push.take().len(), 1, "crossed again after a restock");
    // Several movements of several ingredients planned in one round: each crossing is told,
    // and what the round leaves low is remembered for the next ones.
    correct(first, 4000).await;
    correct(second, 900).await;
    correct(first, 100).await;
    correct(second, 800).await;
    run(&app).await;
    let mut titles: Vec<String> = push
        .take()
        .iter()
        .map(|m| m.message["title"].as_str().unwrap().to_owned())
        .collect();
    titles.sort();
    let mut expected = vec![
        format!("Low stock: {}", item.name),
        format!("Low stock: {}", other.name),
    ];
    expected.sort();
    assert_eq!(titles, expected);
    correct(first, 50).await;
    correct(second, 50).await;
    run(&app).await;
    assert!(push.take().is_empty(), "both still low: told once each");
    correct(second, 2000).await;
    run(&app).await;
    correct(second, 10).await;
    run(&app).await;
    let got = push.take();
    assert_eq!(got.len(), 1, "restocked in one round, low in the next");
    assert_eq!(
        got[0].message["title"],
        format!("Low stock: {}", other.name)
    );
}

#[tokio::test]
async fn following_the_events_again_sends_nothing_twice() {
    let app = TestApp::spawn().await;
    let push = PushService::start(&app).await;
    let order = app
        .anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
    follow(&app, &order, &push.browser("phone"), "fr").await;
    let cook = app.as_demo("cook").await;
    cook.transition(&order, "preparing").await;
    run(&app).await;
    assert_eq!(push.take().len(), 2);
    run(&app).await;
    // As if the cursor had been lost: every event is planned again.
    sqlx::query("UPDATE event_cursors SET seq = 0")
        .execute(&mut *app.db.writer().await.unwrap())
        .await
        .unwrap();
    run(&app).await;
    assert!(push.take().is_empty(), "each message once");
    assert_eq!(states(&app).await, ["sent", "sent"]);
}

#[tokio::test]
async fn managers_hear_once_of_a_late_order_and_of_a_kitchen_gone_offline() {
    use ocpizza::notify::push::watch;
    let app = TestApp::spawn().await;
    let push = PushService::start(&app).await;
    let manager = app.as_demo("manager").await;
    subscribe_staff(&manager, &push.browser("manager-phone"), "fr").await;
    let order = app
        .anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
    // What the order reserved may fall below its low-stock threshold: not what this is about.
    run(&app).await;
    push.take();
    let now = ocpizza::db::now_ms();
    watch::check(&app.state, now).await.unwrap();
    run(&app).await;
    let got = push.take();
    assert!(
        got.is_empty(),
        "nothing late yet, no kitchen ever seen: {got:?}"
    );

    let later = now + 11 * 60_000;
    watch::check(&app.state, later).await.unwrap();
    watch::check(&app.state, later + 60_000).await.unwrap();
    run(&app).await;
    let got = push.take();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        got[0].message["title"],
        format!("Commande n° {} en retard", order.id.0)
    );

    // A kitchen display was connected to another instance until 3 minutes ago.
    sqlx::query(
        "INSERT INTO kitchen_presence (shop_id, instance, seen_at) VALUES ($1, 'other', $2)",
    )
    .bind(SHOP.0)
    .bind(now - 3 * 60_000)
    .execute(&mut *app.db.writer().await.unwrap())
    .await
    .unwrap();
    watch::record_kitchens(&app.state, "this", now)
        .await
        .unwrap();
    watch::check(&app.state, now).await.unwrap();
    watch::check(&app.state, now + 30_000).await.unwrap();
    run(&app).await;
    let got = push.take();
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].message["title"]
            .as_str()
            .unwrap()
            .starts_with("Cuisine hors ligne")
    );
    // It comes back: nothing more.
    sqlx::query("UPDATE kitchen_presence SET seen_at = $1")
        .bind(now + 60_000)
        .execute(&mut *app.db.writer().await.unwrap())
        .await
        .unwrap();
    watch::check(&app.state, now + 90_000).await.unwrap();
    run(&app).await;
    assert!(push.take().is_empty());
}

#[tokio::test]
async fn a_push_service_that_is_down_gets_the_message_again_later() {
    let app = TestApp::spawn().await;
    let push = PushService::start(&app).await;
    let order = app
        .anonymous()
        .place(&pickup(MARGHERITA, "medium", 1))
        .await;
    follow(&app, &order, &push.browser("phone"), "fr").await;
    push.answer("phone", 503);
    run(&app).await;
    assert_eq!(push.take().len(), 1, "one attempt");
    let (state, attempts): (String, i32) =
        sqlx::query_as("SELECT state, attempts FROM notifications WHERE channel = 'push'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(
        (state.as_str(), attempts),
        ("pending", 1),
        "kept for a retry"
    );
    push.answer("phone", 201);
    // The back-off is over.
    sqlx::query("UPDATE notifications SET next_at = 0")
        .execute(&mut *app.db.writer().await.unwrap())
        .await
        .unwrap();
    run(&app).await;
    assert_eq!(
        push.titles("phone"),
        [format!("Commande n° {} acceptée", order.id.0)]
    );
    assert_eq!(states(&app).await, ["sent"]);
}

#[tokio::test]
async fn staff_turn_their_alerts_off_and_nobody_else_can() {
    let app = TestApp::spawn().await;
    let push = PushService::start(&app).await;
    let driver = app.as_demo("driver").await;
    let phone = push.browser("driver-phone");
    subscribe_staff(&driver, &phone, "fr").await;
    let unsubscribe = |api: &Api| {
        let http = api.http.clone();
        let url = app.url("/api/v1/push/subscriptions");
        let endpoint = phone["endpoint"].clone();
        async move {
            http.delete(url)
                .json(&json!({"endpoint": endpoint}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let manager = app.as_demo("manager").await;
    assert_eq!(
        unsubscribe(&manager).await,
        StatusCode::NOT_FOUND,
        "not theirs"
    );
    assert_eq!(unsubscribe(&driver).await, StatusCode::NO_CONTENT);
    assert_eq!(
        unsubscribe(&driver).await,
        StatusCode::NOT_FOUND,
        "already gone"
    );
    let cook = app.as_demo("cook").await;
    ready_order(&app, &cook, &delivery(MARGHERITA, "medium", 1)).await;
    run(&app).await;
    assert!(push.take().is_empty(), "the driver turned them off");
}

#[tokio::test]
async fn a_finished_orders_browser_is_forgotten_once_its_tracking_link_expires() {
    use ocpizza::notify::push::watch;
    let app = TestApp::spawn().await;
    let push = PushService::start(&app).await;
    let order = app
        .anonymous()
        .place(&pickup(MARGHERITA, "medium", 1))
        .await;
    follow(&app, &order, &push.browser("phone"), "fr").await;
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM push_subscriptions")
            .fetch_one(app.db.pool())
            .await
            .unwrap()
    };
    let now = ocpizza::db::now_ms();
    watch::round(&app.state, "this", now).await.unwrap();
    assert_eq!(count().await, 1, "an open order keeps its subscription");
    let manager = app.as_demo("manager").await;
    let r = manager
        .post(
            &format!("/api/v1/orders/{}/cancel", order.id),
            &json!({"reason": "Rupture de pâte"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    watch::round(&app.state, "this", now + 3_600_000)
        .await
        .unwrap();
    assert_eq!(count().await, 1, "the tracking link still works");
    watch::round(&app.state, "this", now + 25 * 3_600_000)
        .await
        .unwrap();
    assert_eq!(count().await, 0, "forgotten with the tracking link");
}

/// Places `body` as a guest and has `cook` take the order to `ready`.
async fn ready_order(app: &TestApp, cook: &Api, body: &Value) -> Order {
    let order = app.anonymous().place(body).await;
    let order = cook.transition(&order, "preparing").await;
    cook.transition(&order, "ready").await
}
