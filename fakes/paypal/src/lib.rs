//! A local stand-in for PayPal's REST API, for tests: the server's PayPal client talks to it
//! in-process ([`spawn`]), the browser tests run it as `paypal-fake --port N`.
//!
//! It follows the requests and responses PayPal documents for the calls OC Pizza makes:
//! OAuth 2.0 client credentials (`POST /v1/oauth2/token`), Orders v2 (create with
//! `intent: AUTHORIZE`, show, authorize), Payments v2 (show, capture and void an
//! authorization; show and refund a capture; show a refund), and Webhooks
//! (`POST /v1/notifications/verify-webhook-signature`, the event shape and the
//! `PAYPAL-TRANSMISSION-*` headers). Every POST honours `PayPal-Request-Id`: a repeat with the
//! same id (on the same path) gets the first answer back and changes nothing. State is kept in
//! memory.
//!
//! Left out: intent CAPTURE, several purchase units, items and breakdowns, shipping, payers and
//! payment sources beyond a made-up buyer, PATCH, reauthorization, order expiry (3 hours) and
//! authorization expiry (29 days), PENDING and DENIED reviews, currencies without two
//! decimals, webhook retries (a notification is sent once), and real signatures: a
//! notification verifies when its transmission id, headers and body are exactly those the fake
//! sent, which the fake remembers. Any client id and secret are accepted.
//!
//! The buyer's page is `GET /checkoutnow?token=ORDER_ID` (the `approve` / `payer-action` link):
//! "Payer avec PayPal" approves and redirects (303) to `return_url?token=ID&PayerID=…`;
//! "Payer avec une carte qui sera refusée" approves too, but the authorization is then declined
//! (422 `INSTRUMENT_DECLINED`, and the order waits for its buyer again); "Annuler" redirects to
//! `cancel_url?token=ID`.
//!
//! Test controls (no token, answered even during an outage), all `POST` answering 204 unless
//! said otherwise:
//! - `/_test/unavailable`, `/_test/available`: every other request answers 503, and back;
//! - `/_test/webhooks/pause`, `/_test/webhooks/resume`: events happen without notifications;
//! - `/_test/orders/{id}/decline`: the next authorization of this order is declined (404 for an
//!   unknown order);
//! - `/_test/tokens/revoke`: every access token issued so far stops working (401);
//! - `GET /_test/state`: `{orders, authorizations, captures, refunds}` as PayPal shows them;
//! - `GET /_test/webhooks`: the notifications sent, with their headers and exact body.

mod api;
mod buyer;
mod control;
mod model;
mod state;

pub use state::SentWebhook;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router, routing};
use serde_json::{Value, json};
use state::{Shared, StoredAnswer};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

/// How the fake is set up.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to POST webhook notifications; none: they are only recorded.
    pub webhook_url: Option<String>,
    /// The webhook id notifications verify against (`OCPIZZA_PAYPAL_WEBHOOK_ID`).
    pub webhook_id: String,
    /// How long an access token lasts (`expires_in`).
    pub token_lifetime: Duration,
}

/// The webhook id of [`Options::default`].
pub const WEBHOOK_ID: &str = "FAKEWEBHOOK0001";

impl Default for Options {
    fn default() -> Self {
        Options {
            webhook_url: None,
            webhook_id: WEBHOOK_ID.to_owned(),
            token_lifetime: Duration::from_hours(9),
        }
    }
}

/// A running fake. Dropping it stops it.
#[derive(Debug)]
pub struct FakePaypal {
    addr: SocketAddr,
    url: String,
    shared: Shared,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// Starts the fake on `addr` (port 0: any free port) on the current tokio runtime.
pub async fn spawn(addr: SocketAddr, options: Options) -> std::io::Result<FakePaypal> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let mut addr = listener.local_addr()?;
    if addr.ip().is_unspecified() {
        addr.set_ip(Ipv4Addr::LOCALHOST.into());
    }
    let url = format!("http://{addr}");
    let (shared, deliveries) = Shared::new(url.clone(), options.webhook_id, options.token_lifetime);
    let app = app(shared.clone());
    let server = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("paypal-fake: {e}");
        }
    });
    let sender = tokio::spawn(state::deliver(options.webhook_url, deliveries));
    Ok(FakePaypal {
        addr,
        url,
        shared,
        tasks: vec![server, sender],
    })
}

impl FakePaypal {
    /// Its address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: the API's base URL (`OCPIZZA_PAYPAL_API_URL`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Starts (true) or ends (false) a simulated outage: everything but the test controls
    /// answers 503.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.shared.lock().unavailable = unavailable;
    }

    /// Pauses (true) or resumes (false) webhook notifications.
    pub fn pause_webhooks(&self, paused: bool) {
        self.shared.lock().webhooks_paused = paused;
    }

    /// The next authorization of PayPal order `order` will be declined; false if unknown.
    pub fn decline(&self, order: &str) -> bool {
        set_decline(&self.shared, order)
    }

    /// Every access token issued so far stops working.
    pub fn revoke_tokens(&self) {
        self.shared.lock().tokens.clear();
    }

    /// The notifications sent so far, oldest first.
    pub fn webhooks(&self) -> Vec<SentWebhook> {
        self.shared.lock().sent.clone()
    }

    /// `{orders, authorizations, captures, refunds}` as PayPal shows them, oldest first.
    pub fn state(&self) -> Value {
        snapshot(&self.shared)
    }
}

impl Drop for FakePaypal {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn set_decline(shared: &Shared, order: &str) -> bool {
    let mut s = shared.lock();
    s.store
        .orders
        .get_mut(order)
        .map(|o| o.decline = true)
        .is_some()
}

fn snapshot(shared: &Shared) -> Value {
    let s = shared.lock();
    let store = &s.store;
    fn sorted<T>(map: &std::collections::HashMap<String, T>, key: impl Fn(&T) -> &str) -> Vec<&T> {
        let mut all: Vec<&T> = map.values().collect();
        all.sort_by(|a, b| key(a).cmp(key(b)));
        all
    }
    json!({
        "orders": sorted(&store.orders, |o| &o.create_time).into_iter().map(|o| store.order_json(o)).collect::<Vec<_>>(),
        "authorizations": sorted(&store.authorizations, |a| &a.create_time).into_iter().map(|a| store.authorization_json(a)).collect::<Vec<_>>(),
        "captures": sorted(&store.captures, |c| &c.create_time).into_iter().map(|c| store.capture_json(c)).collect::<Vec<_>>(),
        "refunds": sorted(&store.refunds, |r| &r.create_time).into_iter().map(|r| store.refund_json(r)).collect::<Vec<_>>(),
    })
}

/// The whole fake: the API behind a bearer token and idempotency, the token and buyer pages,
/// all behind the outage switch, and the test controls outside it.
fn app(shared: Shared) -> Router {
    let api = api::router()
        .layer(middleware::from_fn_with_state(shared.clone(), idempotency))
        .layer(middleware::from_fn_with_state(shared.clone(), bearer));
    Router::new()
        .merge(api)
        .route("/v1/oauth2/token", routing::post(api::token))
        .merge(buyer::router())
        .layer(middleware::from_fn_with_state(shared.clone(), outage))
        .merge(control::router())
        .with_state(shared)
}

async fn outage(State(shared): State<Shared>, req: Request, next: Next) -> Response {
    if shared.lock().unavailable {
        let body = json!({
            "name": "SERVICE_UNAVAILABLE",
            "message": "Service Unavailable.",
            "debug_id": model::new_id().to_lowercase(),
        });
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    }
    next.run(req).await
}

async fn bearer(State(shared): State<Shared>, req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let valid = token.is_some_and(|t| {
        shared
            .lock()
            .tokens
            .get(t)
            .is_some_and(|expiry| *expiry > Instant::now())
    });
    if !valid {
        let body = json!({
            "error": "invalid_token",
            "error_description": "The token passed in was not found in the system",
        });
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    next.run(req).await
}

/// A POST with a `PayPal-Request-Id` already answered gets that answer again; otherwise it
/// runs and its answer is kept (unless it is a server error, which a retry should redo).
async fn idempotency(State(shared): State<Shared>, req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get("paypal-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (Method::POST, Some(request_id)) = (req.method().clone(), request_id) else {
        return next.run(req).await;
    };
    let key = (req.uri().path().to_owned(), request_id);
    let _one_at_a_time = shared.serial().lock().await;
    let stored = shared.lock().answers.get(&key).cloned();
    if let Some(stored) = stored {
        return replay(stored);
    }
    let (parts, body) = next.run(req).await.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if parts.status.as_u16() < 500 {
        let answer = StoredAnswer {
            status: parts.status.as_u16(),
            content_type: parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: bytes.to_vec(),
        };
        shared.lock().answers.insert(key, answer);
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn replay(stored: StoredAnswer) -> Response {
    let mut response = Response::new(Body::from(stored.body));
    *response.status_mut() = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    if let Some(ct) = stored.content_type.and_then(|c| c.parse().ok()) {
        response.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    response
}
