//! HTTP helpers: logging in, opening and restocking the shops, reading the streams' heads.

use super::clients::Target;
use super::{ADMIN_LOGIN, REQUEST_TIMEOUT, RESTOCK_QUANTITY};
use anyhow::{Context, bail};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderValue, SET_COOKIE};

/// Stream heads, read over HTTP (shops by index: 0 is shop 1).
#[derive(Debug, Clone)]
pub(super) struct Heads {
    pub(super) orders: Vec<i64>,
    pub(super) menu: Vec<i64>,
    pub(super) tokens: Vec<i64>,
}

impl Heads {
    pub(super) fn of(&self, target: Target) -> i64 {
        match target {
            Target::Orders(s) => self.orders[s],
            Target::Menu(s) => self.menu[s],
            Target::Order(i) => self.tokens[i],
        }
    }
}

/// The heads of `shop:{id}:orders` and `shop:{id}:menu` of shops 1..=`shops` (with a session
/// allowed on all of them) and of `order:{token}`.
pub(super) async fn read_heads(
    http: &reqwest::Client,
    base: &str,
    cookie: &HeaderValue,
    shops: usize,
    tokens: &[String],
) -> anyhow::Result<Heads> {
    let seq = |v: serde_json::Value, what: &str| {
        v["stream_seq"]
            .as_i64()
            .with_context(|| format!("{what}: no stream_seq"))
    };
    let mut heads = Heads {
        orders: Vec::with_capacity(shops),
        menu: Vec::with_capacity(shops),
        tokens: Vec::with_capacity(tokens.len()),
    };
    for shop in 1..=shops {
        let orders = get_json(
            http.get(format!(
                "{base}/api/v1/shops/{shop}/orders?status=cancelled"
            ))
            .header(COOKIE, cookie.clone()),
            "GET shop orders",
        )
        .await?;
        let menu = get_json(
            http.get(format!("{base}/api/v1/shops/{shop}/menu")),
            "GET menu",
        )
        .await?;
        heads.orders.push(seq(orders, "shop orders")?);
        heads.menu.push(seq(menu, "menu")?);
    }
    for token in tokens {
        let tracked = get_json(
            http.get(format!("{base}/api/v1/track/{token}")),
            "GET track",
        )
        .await?;
        heads.tokens.push(seq(tracked, "track")?);
    }
    Ok(heads)
}

async fn get_json(
    request: reqwest::RequestBuilder,
    what: &str,
) -> anyhow::Result<serde_json::Value> {
    let r = request.send().await.with_context(|| what.to_owned())?;
    let status = r.status();
    let text = r.text().await?;
    if status != StatusCode::OK {
        bail!("{what}: {status} {text}");
    }
    serde_json::from_str(&text).with_context(|| format!("{what}: not JSON"))
}

/// Logs in; returns the `ocpizza_session=…` cookie.
pub(super) async fn login(
    http: &reqwest::Client,
    base: &str,
    body: &'static str,
) -> anyhow::Result<HeaderValue> {
    let r = http
        .post(format!("{base}/api/v1/auth/login"))
        .header(CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .context("POST /api/v1/auth/login")?;
    let status = r.status();
    let cookie = r
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("ocpizza_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    if !status.is_success() {
        bail!("login: {status} {}", r.text().await.unwrap_or_default());
    }
    let cookie = cookie.context("login: no ocpizza_session cookie")?;
    Ok(HeaderValue::from_str(&cookie)?)
}

/// Logs in as the demo admin, opens shops 2..=`shops` around the clock (shop 1 already is) and
/// restocks every ingredient of shops 1..=`shops` `rounds` times; returns the admin's cookie.
pub(super) async fn prepare_shops(
    base: &str,
    shops: usize,
    rounds: usize,
) -> anyhow::Result<HeaderValue> {
    let admin = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let cookie = login(&admin, base, ADMIN_LOGIN).await?;
    let hours: Vec<serde_json::Value> = (1..=7)
        .map(|weekday| serde_json::json!({"weekday": weekday, "opens": "00:00", "closes": "24:00"}))
        .collect();
    let hours = serde_json::json!({ "hours": hours });
    for shop in 2..=shops {
        let r = admin
            .patch(format!("{base}/api/v1/shops/{shop}"))
            .header(COOKIE, cookie.clone())
            .json(&hours)
            .send()
            .await
            .with_context(|| format!("PATCH /api/v1/shops/{shop}"))?;
        let status = r.status();
        if !status.is_success() {
            bail!(
                "PATCH /api/v1/shops/{shop} (hours around the clock): {status} {}",
                r.text().await.unwrap_or_default()
            );
        }
    }
    if shops > 1 {
        println!("opened shops 2..={shops} around the clock");
    }
    for shop in 1..=shops {
        restock_shop(&admin, base, &cookie, shop, rounds).await?;
    }
    Ok(cookie)
}

/// Restocks every ingredient of `shop` `rounds` times.
async fn restock_shop(
    admin: &reqwest::Client,
    base: &str,
    cookie: &HeaderValue,
    shop: usize,
    rounds: usize,
) -> anyhow::Result<()> {
    let stock = get_json(
        admin
            .get(format!("{base}/api/v1/shops/{shop}/stock"))
            .header(COOKIE, cookie.clone()),
        "GET stock",
    )
    .await?;
    let ids: Vec<i64> = stock["items"]
        .as_array()
        .context("GET stock: no `items` array")?
        .iter()
        .filter_map(|item| item["ingredient_id"].as_i64())
        .collect();
    if ids.is_empty() {
        bail!("GET /api/v1/shops/{shop}/stock lists no ingredient: {stock}");
    }
    for _ in 0..rounds.max(1) {
        for id in &ids {
            let body = serde_json::json!({
                "ingredient_id": id,
                "quantity": RESTOCK_QUANTITY,
                "reason": "bench",
            });
            let r = admin
                .post(format!("{base}/api/v1/shops/{shop}/stock/restock"))
                .header(COOKIE, cookie.clone())
                .json(&body)
                .send()
                .await
                .context("POST stock/restock")?;
            let status = r.status();
            if !status.is_success() {
                bail!(
                    "POST /api/v1/shops/{shop}/stock/restock {body}: {status} {}",
                    r.text().await.unwrap_or_default()
                );
            }
        }
    }
    println!(
        "restocked {} ingredients of shop {shop} with {} each",
        ids.len(),
        RESTOCK_QUANTITY * rounds.max(1) as i64
    );
    Ok(())
}
