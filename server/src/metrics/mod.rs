//! Prometheus metrics, served on a listener of their own (`OCPIZZA_METRICS_BIND`), never on
//! the public port.
//!
//! Each [`AppState`] owns one [`Metrics`] with its own registry (no global state), so several
//! apps in one process (the tests) never share counters. What requests and orders do is
//! counted as it happens (HTTP requests by matched route and status, orders placed, placement
//! latency); everything else is read when Prometheus scrapes (`collect`): the database (orders
//! by status, late orders, low stock, kitchen displays and opening hours per shop), the live
//! hub's counters and queues, the bus and Redis, the pools, free disk space, and two values
//! other modules provide through probes: the last good backup and the maintenance flag.
//!
//! Wiring a probe (done once at start, e.g. in `cli.rs`):
//!
//! ```ignore
//! state.metrics.probe_last_good_backup(|state| async move {
//!     crate::backup::last_good(&state.db).await   // anyhow::Result<Option<jiff::Timestamp>>
//! });
//! state.metrics.probe_maintenance(|state| async move { crate::maintenance::is_on(&state).await });
//! state.metrics.watch_disk("backup", backup_dir);
//! ```
//!
//! Until a backup probe is wired, the last good backup is unknown: its age is `+Inf`, and the
//! alert on it fires, which is the truth (nothing proves a backup exists).

mod collect;

pub(crate) use collect::LATE_AFTER_MINUTES;

use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ocpizza_proto::ShopId;
use ocpizza_proto::api::orders::Channel;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

/// Content type of the OpenMetrics text exposition.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OrderLabels {
    shop: i64,
    channel: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChannelLabels {
    channel: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    Histogram::new([
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0,
    ])
}

/// A value another module computes when Prometheus scrapes.
type Probe<T> =
    Arc<dyn Fn(AppState) -> Pin<Box<dyn Future<Output = anyhow::Result<T>> + Send>> + Send + Sync>;

#[derive(Default)]
struct Probes {
    last_good_backup: Option<Probe<Option<jiff::Timestamp>>>,
    maintenance: Option<Probe<bool>>,
    disks: Vec<(String, PathBuf)>,
}

/// The registry of one app and the metrics updated as requests run.
pub struct Metrics {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: HistogramFamily<RouteLabels>,
    orders_placed: Family<OrderLabels, Counter>,
    order_placement: HistogramFamily<ChannelLabels>,
    order_batches: Histogram,
    gauges: collect::Gauges,
    probes: Mutex<Probes>,
    /// One scrape refreshes the gauges at a time.
    scrape: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// A registry with every metric of the product, reading the hub's and the bus's counters
    /// when scraped.
    pub fn new(hub: crate::hub::Hub, bus: crate::events::Bus) -> Metrics {
        let mut registry = Registry::default();
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "ocpizza_http_requests",
            "HTTP requests answered, by method, matched route (not the raw path) and status",
            http_requests.clone(),
        );
        let http_duration: HistogramFamily<RouteLabels> =
            Family::new_with_constructor(latency_histogram);
        registry.register(
            "ocpizza_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and matched route",
            http_duration.clone(),
        );
        let orders_placed = Family::<OrderLabels, Counter>::default();
        registry.register(
            "ocpizza_orders_placed",
            "Orders placed (committed), by shop and channel; replays of an Idempotency-Key are not counted",
            orders_placed.clone(),
        );
        let order_placement: HistogramFamily<ChannelLabels> =
            Family::new_with_constructor(latency_histogram);
        registry.register(
            "ocpizza_order_placement_duration_seconds",
            "Time to place an order, from the checks to the commit, by channel",
            order_placement.clone(),
        );
        let order_batches = Histogram::new([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 48.0]);
        registry.register(
            "ocpizza_order_batch_size",
            "New orders of one shop written (tried) in one transaction: more than one when orders arrive faster than a commit",
            order_batches.clone(),
        );
        let gauges = collect::Gauges::register(&mut registry);
        registry.register_collector(Box::new(collect::HubCollector { hub, bus }));
        Metrics {
            registry,
            http_requests,
            http_duration,
            orders_placed,
            order_placement,
            order_batches,
            gauges,
            probes: Mutex::new(Probes::default()),
            scrape: tokio::sync::Mutex::new(()),
        }
    }

    /// Counts an order placed in `shop` through `channel`, which took `took`.
    pub fn order_placed(&self, shop: ShopId, channel: Channel, took: Duration) {
        self.orders_placed
            .get_or_create(&OrderLabels {
                shop: shop.0,
                channel: channel.as_str(),
            })
            .inc();
        self.order_placement
            .get_or_create(&ChannelLabels {
                channel: channel.as_str(),
            })
            .observe(took.as_secs_f64());
    }

    /// Counts a transaction that wrote (or tried) `orders` new orders of one shop.
    pub fn order_batch(&self, orders: usize) {
        self.order_batches.observe(orders as f64);
    }

    /// Registers how the last good backup is found (see the module documentation).
    pub fn probe_last_good_backup<F, Fut>(&self, probe: F)
    where
        F: Fn(AppState) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<Option<jiff::Timestamp>>> + Send + 'static,
    {
        self.probes.lock().expect("probes lock").last_good_backup =
            Some(Arc::new(move |state| Box::pin(probe(state))));
    }

    /// Registers how the maintenance flag is read (see the module documentation).
    pub fn probe_maintenance<F, Fut>(&self, probe: F)
    where
        F: Fn(AppState) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<bool>> + Send + 'static,
    {
        self.probes.lock().expect("probes lock").maintenance =
            Some(Arc::new(move |state| Box::pin(probe(state))));
    }

    /// Also exports the free and total bytes of the file system holding `path`, labelled
    /// `dir="{name}"` (the data folder is always watched, as `data`).
    pub fn watch_disk(&self, name: &str, path: impl Into<PathBuf>) {
        let mut probes = self.probes.lock().expect("probes lock");
        probes.disks.retain(|(n, _)| n != name);
        probes.disks.push((name.to_owned(), path.into()));
    }

    /// Counts a request answered with `status` after `took`, by method and route template.
    pub fn record_request(&self, method: &str, route: &str, status: StatusCode, took: Duration) {
        self.http_requests
            .get_or_create(&HttpLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status: status.as_u16(),
            })
            .inc();
        self.http_duration
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(took.as_secs_f64());
    }
}

/// Renders every metric of `state` in the OpenMetrics text format, reading the database,
/// the hub and the probes first.
pub async fn render(state: &AppState) -> String {
    let metrics = &state.metrics;
    let _one_at_a_time = metrics.scrape.lock().await;
    collect::refresh(state).await;
    let mut out = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &metrics.registry) {
        tracing::error!(error = %e, "encoding the metrics failed");
    }
    out
}

/// The metrics listener's application: `GET /metrics`, nothing else.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", axum::routing::get(scrape))
        .fallback(|| async { (StatusCode::NOT_FOUND, "only /metrics here\n") })
        .with_state(state)
}

async fn scrape(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], render(&state).await).into_response()
}

/// Binds `OCPIZZA_METRICS_BIND` if it is set.
pub async fn bind(config: &crate::config::Config) -> anyhow::Result<Option<TcpListener>> {
    use anyhow::Context;
    let Some(addr) = config.metrics_bind else {
        return Ok(None);
    };
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the metrics listener OCPIZZA_METRICS_BIND={addr}"))?;
    Ok(Some(listener))
}

/// Serves the metrics on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
