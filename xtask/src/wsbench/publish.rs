//! Placing orders through the real HTTP write path at a fixed rate.

use super::{REQUEST_TIMEOUT, order_body, shop_of_order};
use anyhow::Context;
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// What a publishing run did.
#[derive(Debug)]
pub(super) struct Publication {
    pub(super) ok: usize,
    pub(super) errors: usize,
    pub(super) first_error: Option<String>,
    /// Sorted request latencies.
    latencies: Vec<Duration>,
    pub(super) wall: Duration,
    /// How late the most delayed order was sent compared with its slot.
    pub(super) max_lag: Duration,
    pub(super) tokens: Vec<String>,
}

impl Publication {
    pub(super) fn percentile_ms(&self, percent: usize) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let n = self.latencies.len();
        let rank = (n * percent).div_ceil(100).clamp(1, n);
        self.latencies[rank - 1].as_secs_f64() * 1000.0
    }
}

/// Places `count` orders at `rate` per second, round-robin over shops 1..=`shops`, from its own
/// thread and runtime (so that the pacing does not depend on how busy the clients keep the
/// main runtime).
pub(super) fn publish(
    base: &str,
    rate: f64,
    count: usize,
    workers: usize,
    shops: usize,
    keep_tokens: bool,
) -> anyhow::Result<tokio::sync::oneshot::Receiver<anyhow::Result<Publication>>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let base = base.to_owned();
    std::thread::Builder::new()
        .name("ws-bench-publisher".into())
        .spawn(move || {
            let result = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("starting the publisher runtime")
                .and_then(|rt| {
                    rt.block_on(publish_on(base, rate, count, workers, shops, keep_tokens))
                });
            let _ = tx.send(result);
        })
        .context("starting the publisher thread")?;
    Ok(rx)
}

async fn publish_on(
    base: String,
    rate: f64,
    count: usize,
    workers: usize,
    shops: usize,
    keep_tokens: bool,
) -> anyhow::Result<Publication> {
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .tcp_nodelay(true)
        .pool_max_idle_per_host(workers)
        .build()?;
    let url: Arc<str> = format!("{base}/api/v1/orders").into();
    let next = Arc::new(AtomicUsize::new(0));
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers.min(count) {
        let client = client.clone();
        let url = url.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut out = Publication {
                ok: 0,
                errors: 0,
                first_error: None,
                latencies: Vec::new(),
                wall: Duration::ZERO,
                max_lag: Duration::ZERO,
                tokens: Vec::new(),
            };
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return out;
                }
                let slot = start + Duration::from_secs_f64(i as f64 / rate);
                tokio::time::sleep_until(slot).await;
                let sent = tokio::time::Instant::now();
                out.max_lag = out.max_lag.max(sent - slot);
                let body = order_body(shop_of_order(i, shops), i);
                match place_order(&client, &url, body, keep_tokens).await {
                    Ok(token) => {
                        out.ok += 1;
                        out.tokens.extend(token);
                    }
                    Err(e) => {
                        out.errors += 1;
                        out.first_error.get_or_insert(e);
                    }
                }
                out.latencies.push(sent.elapsed());
            }
        }));
    }
    let mut all = Publication {
        ok: 0,
        errors: 0,
        first_error: None,
        latencies: Vec::with_capacity(count),
        wall: Duration::ZERO,
        max_lag: Duration::ZERO,
        tokens: Vec::new(),
    };
    for task in tasks {
        let part = task.await.context("a publishing worker failed")?;
        all.ok += part.ok;
        all.errors += part.errors;
        if all.first_error.is_none() {
            all.first_error = part.first_error;
        }
        all.latencies.extend(part.latencies);
        all.max_lag = all.max_lag.max(part.max_lag);
        all.tokens.extend(part.tokens);
    }
    all.wall = start.elapsed();
    all.latencies.sort_unstable();
    Ok(all)
}

/// `POST /api/v1/orders`; the tracking token if asked for.
async fn place_order(
    client: &reqwest::Client,
    url: &str,
    body: String,
    keep_token: bool,
) -> Result<Option<String>, String> {
    let response = client
        .post(url)
        .header(CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| format!("{e:#}"))?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| format!("{e:#}"))?;
    if status != StatusCode::CREATED {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
    }
    if !keep_token {
        return Ok(None);
    }
    let order: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| format!("order is not JSON: {e}"))?;
    order["tracking_token"]
        .as_str()
        .map(|t| Some(t.to_owned()))
        .ok_or_else(|| "the order has no tracking_token".to_owned())
}
