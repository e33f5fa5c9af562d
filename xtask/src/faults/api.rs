//! The HTTP side of the scenarios: a client that places orders with an `Idempotency-Key` and
//! retries the same key until the server acknowledges it, and the checks every scenario ends
//! with (each acknowledged order exists once, under its own key; a replay returns it).

use anyhow::{Context, bail};
use ocpizza_proto::api::orders::{Order, OrderList};
use ocpizza_proto::api::stock::StockList;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, HeaderValue, SET_COOKIE};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

/// Password of every demo account.
const DEMO_PASSWORD: &str = "demo-pizza";
/// How long one request may take (a server that hangs is a failure, not a wait).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause between two attempts with the same key.
const RETRY_PAUSE: Duration = Duration::from_millis(100);
/// Margherita, the demo menu's first pizza.
const MARGHERITA: i64 = 1;

/// One server's API.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    /// `http://addr`.
    pub base: String,
    /// Place [`large_order_body`]s rather than [`order_body`]s.
    large: bool,
}

/// What one attempt at placing an order got.
#[derive(Debug)]
pub enum Attempt {
    /// `201`: the order is acknowledged.
    Acked(Box<Order>),
    /// `503` with `Retry-After` and the JSON error body (the app) or the maintenance page
    /// (nginx, when no instance answered): try again later.
    Unavailable,
    /// No answer (refused, reset, timed out).
    Unreachable(String),
}

/// The orders a scenario placed, by key, with the counts of what the retries met.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Each acknowledged key's order.
    pub acked: BTreeMap<String, Order>,
    /// `503` answers seen.
    pub unavailable: usize,
    /// Attempts that got no answer.
    pub unreachable: usize,
}

impl Ledger {
    /// Adds another client's ledger.
    pub fn merge(&mut self, other: Ledger) {
        self.acked.extend(other.acked);
        self.unavailable += other.unavailable;
        self.unreachable += other.unreachable;
    }
}

/// Client tasks placing orders, each ending with its [`Ledger`]; aborted if dropped before
/// they are joined (a scenario that fails leaves no client behind).
#[derive(Debug)]
pub struct Clients(Vec<tokio::task::JoinHandle<anyhow::Result<Ledger>>>);

impl Clients {
    /// Starts `n` clients, each running `client(its index)`.
    pub fn spawn<F>(n: usize, client: impl Fn(usize) -> F) -> Clients
    where
        F: Future<Output = anyhow::Result<Ledger>> + Send + 'static,
    {
        Clients((0..n).map(|c| tokio::spawn(client(c))).collect())
    }

    /// The error of a client that has already stopped, if one has (clients run until told to
    /// stop, so one that ended early failed).
    pub async fn failure(&mut self) -> Option<anyhow::Error> {
        let i = self
            .0
            .iter()
            .position(tokio::task::JoinHandle::is_finished)?;
        match self.0.swap_remove(i).await {
            Ok(Ok(_)) => Some(anyhow::anyhow!("a client ended before it was told to")),
            Ok(Err(e)) => Some(e.context("a client stopped")),
            Err(e) => Some(anyhow::Error::new(e).context("a client stopped")),
        }
    }

    /// Waits for every client; their ledgers merged, or the first failure.
    pub async fn join(mut self) -> anyhow::Result<Ledger> {
        let mut ledger = Ledger::default();
        for task in std::mem::take(&mut self.0) {
            ledger.merge(task.await.context("client task")??);
        }
        Ok(ledger)
    }
}

impl Drop for Clients {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// A guest pickup order of one Margherita whose note is `key`, so that the shop's list tells
/// which key each stored order came from; its confirmation goes to [`address`]`(key)`.
pub fn order_body(key: &str) -> Value {
    json!({
        "shop_id": 1, "fulfilment": "pickup",
        "contact": {"name": "Paul Durand", "phone": "06 98 76 54 32", "email": address(key)},
        "lines": [{"pizza_id": MARGHERITA, "size": "medium", "quantity": 1}],
        "note": key,
        "payment_method": "at_counter"
    })
}

/// The e-mail address of the order placed with `key`.
pub fn address(key: &str) -> String {
    format!("{key}@clients.example")
}

/// [`order_body`] at its largest: ten lines with long notes, and the order's note padded
/// after `key` and a space (about 12 KB once in an event, four bytes a character).
pub fn large_order_body(key: &str) -> Value {
    let line = json!({
        "pizza_id": MARGHERITA, "size": "medium", "quantity": 1, "note": "🍕".repeat(200)
    });
    let mut body = order_body(key);
    body["lines"] = Value::Array(vec![line; 10]);
    body["note"] = format!("{key} {}", "🍕".repeat(480)).into();
    body
}

impl Api {
    /// A client of the server at `base`.
    pub fn new(base: &str) -> anyhow::Result<Api> {
        Ok(Api {
            http: reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                .build()?,
            base: base.to_owned(),
            large: false,
        })
    }

    /// A client of the site at `base` (`https://…` through nginx), accepting the test's
    /// self-signed certificate.
    pub fn through_tls(base: &str) -> anyhow::Result<Api> {
        Ok(Api {
            http: reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                .tls_danger_accept_invalid_certs(true)
                .build()?,
            base: base.to_owned(),
            large: false,
        })
    }

    /// The same client, placing [`large_order_body`]s.
    pub fn with_large_orders(mut self) -> Api {
        self.large = true;
        self
    }

    /// Logs in as the demo account `who` (`admin`, `cook`, …); returns the session cookie.
    pub async fn login(&self, who: &str) -> anyhow::Result<HeaderValue> {
        self.login_as(&format!("{who}@demo.ocpizza.fr"), DEMO_PASSWORD)
            .await
    }

    /// Logs in as `email`; returns the session cookie.
    pub async fn login_as(&self, email: &str, password: &str) -> anyhow::Result<HeaderValue> {
        let who = email;
        let body = json!({"email": email, "password": password});
        let r = self
            .http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&body)
            .send()
            .await
            .with_context(|| format!("logging in as {who}"))?;
        let cookie = r
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("ocpizza_session="))
            .and_then(|v| v.split(';').next())
            .map(str::to_owned);
        if !r.status().is_success() {
            bail!("login as {who}: {}", r.status());
        }
        Ok(HeaderValue::from_str(
            &cookie.context("no session cookie after login")?,
        )?)
    }

    /// `GET path` as JSON (`200` expected).
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        cookie: Option<&HeaderValue>,
    ) -> anyhow::Result<T> {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie.clone());
        }
        let r = request
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        let status = r.status();
        let text = r.text().await?;
        if status != StatusCode::OK {
            bail!("GET {path}: {status} {text}");
        }
        serde_json::from_str(&text).with_context(|| format!("GET {path}: unexpected body"))
    }

    /// `GET /readyz` answers `200`.
    pub async fn ready(&self) -> bool {
        self.readyz().await == Some(StatusCode::OK)
    }

    /// What `GET /readyz` answers, `None` without an answer.
    pub async fn readyz(&self) -> Option<StatusCode> {
        let r = self.http.get(format!("{}/readyz", self.base)).send().await;
        r.ok().map(|r| r.status())
    }

    /// Waits until `/readyz` answers `200`, at most `limit`; returns how long it took.
    pub async fn wait_ready(&self, limit: Duration) -> anyhow::Result<Duration> {
        let start = Instant::now();
        while !self.ready().await {
            if start.elapsed() > limit {
                bail!("/readyz not 200 within {} s", limit.as_secs());
            }
            tokio::time::sleep(RETRY_PAUSE).await;
        }
        Ok(start.elapsed())
    }

    /// Restocks every ingredient of shop 1 by `quantity`; returns the stock after.
    pub async fn restock(&self, admin: &HeaderValue, quantity: i64) -> anyhow::Result<StockList> {
        let stock: StockList = self.get("/api/v1/shops/1/stock", Some(admin)).await?;
        for item in &stock.items {
            let body = json!({
                "ingredient_id": item.ingredient_id, "quantity": quantity, "reason": "fault suite"
            });
            let r = self
                .http
                .post(format!("{}/api/v1/shops/1/stock/restock", self.base))
                .header(COOKIE, admin.clone())
                .json(&body)
                .send()
                .await
                .context("restocking")?;
            if !r.status().is_success() {
                bail!("restock {body}: {}", r.status());
            }
        }
        self.get("/api/v1/shops/1/stock", Some(admin)).await
    }

    /// Every order of shop 1, page after page.
    pub async fn all_orders(&self, cookie: &HeaderValue) -> anyhow::Result<Vec<Order>> {
        let mut orders = Vec::new();
        let mut after = 0;
        loop {
            let path = format!("/api/v1/shops/1/orders?status=all&limit=500&after={after}");
            let page: OrderList = self.get(&path, Some(cookie)).await?;
            orders.extend(page.orders);
            match page.next_after {
                Some(id) if page.truncated => after = id.0,
                _ => return Ok(orders),
            }
        }
    }

    /// One attempt at placing `key`'s order. A `5xx` other than `503`, a `503` without the
    /// JSON error body and `Retry-After`, or any `4xx`, is a failure.
    pub async fn attempt(&self, key: &str) -> anyhow::Result<Attempt> {
        let sent = self
            .http
            .post(format!("{}/api/v1/orders", self.base))
            .header("idempotency-key", key)
            .json(&if self.large {
                large_order_body(key)
            } else {
                order_body(key)
            })
            .send()
            .await;
        let r = match sent {
            Ok(r) => r,
            Err(e) => return Ok(Attempt::Unreachable(format!("{e:#}"))),
        };
        let status = r.status();
        let retry_after = r.headers().contains_key("retry-after");
        let Ok(text) = r.text().await else {
            return Ok(Attempt::Unreachable("the answer was cut".into()));
        };
        match status {
            StatusCode::CREATED => Ok(Attempt::Acked(Box::new(
                serde_json::from_str(&text).context("201 without an order")?,
            ))),
            StatusCode::SERVICE_UNAVAILABLE
                if retry_after && text.contains(crate::nginx::MAINTENANCE_TEXT) =>
            {
                Ok(Attempt::Unavailable)
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                let body: Value = serde_json::from_str(&text)
                    .with_context(|| format!("503 without a JSON body: {text}"))?;
                if !body["error"]["code"].is_string() || !retry_after {
                    bail!("503 without the error body or Retry-After: {text}");
                }
                Ok(Attempt::Unavailable)
            }
            _ => bail!("placing {key}: {status} {text}"),
        }
    }

    /// Places `key`'s order, retrying the same key on `503` and on no answer until it is
    /// acknowledged, at most until `deadline`.
    pub async fn place(
        &self,
        key: &str,
        deadline: Instant,
        ledger: &mut Ledger,
    ) -> anyhow::Result<Order> {
        loop {
            let last = match self.attempt(key).await? {
                Attempt::Acked(order) => {
                    ledger.acked.insert(key.to_owned(), (*order).clone());
                    return Ok(*order);
                }
                Attempt::Unavailable => {
                    ledger.unavailable += 1;
                    "503".to_owned()
                }
                Attempt::Unreachable(why) => {
                    ledger.unreachable += 1;
                    why
                }
            };
            if Instant::now() > deadline {
                bail!("{key} never acknowledged before the deadline (last: {last})");
            }
            tokio::time::sleep(RETRY_PAUSE).await;
        }
    }

    /// Checks what the server stores against what it acknowledged: among shop 1's orders, those
    /// whose note's key starts with `prefix` are exactly the acknowledged ones, one per key, and a
    /// replay of every key returns its order. Returns how many there are.
    pub async fn check_acked(
        &self,
        cookie: &HeaderValue,
        prefix: &str,
        ledger: &Ledger,
    ) -> anyhow::Result<usize> {
        let mut stored: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for order in self.all_orders(cookie).await? {
            let key = order.note.as_deref().and_then(|n| n.split(' ').next());
            if let Some(key) = key.filter(|k| k.starts_with(prefix)) {
                stored.entry(key.to_owned()).or_default().push(order.id.0);
            }
        }
        for (key, ids) in &stored {
            match ledger.acked.get(key) {
                _ if ids.len() > 1 => bail!("key {key} stored {} times: orders {ids:?}", ids.len()),
                None => bail!("order {ids:?} stored for key {key}, which was never acknowledged"),
                Some(order) if order.id.0 != ids[0] => bail!(
                    "key {key} acknowledged as order {} but stored as {}",
                    order.id.0,
                    ids[0]
                ),
                Some(_) => {}
            }
        }
        if let Some(lost) = ledger.acked.keys().find(|k| !stored.contains_key(*k)) {
            bail!(
                "order {} acknowledged for key {lost} is lost",
                ledger.acked[lost].id.0
            );
        }
        for (key, order) in &ledger.acked {
            match self.attempt(key).await? {
                Attempt::Acked(again) if again.id == order.id => {}
                Attempt::Acked(again) => bail!(
                    "a replay of {key} made order {} (first: {})",
                    again.id.0,
                    order.id.0
                ),
                other => bail!("a replay of {key} got {other:?}"),
            }
        }
        Ok(stored.len())
    }
}
