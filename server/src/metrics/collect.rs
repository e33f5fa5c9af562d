//! What is read when Prometheus scrapes: the database, the probes, the disks (gauges set by
//! [`refresh`]) and the live hub's own counters ([`HubCollector`], encoded directly).

use crate::events::Bus;
use crate::hub::Hub;
use crate::state::AppState;
use ocpizza_proto::OrderStatus;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::registry::Registry;
use sqlx::Row;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How long one part of a scrape (the database, a probe) may take.
const PART_TIMEOUT: Duration = Duration::from_secs(3);

/// How long an order may stay in a stage before it is late, with the column stamped when it
/// enters the stage: the limits are `ocpizza_proto::api::dashboard::LATE_AFTER_MINUTES`, which
/// the managers' dashboard, the reports and the managers' push alerts read too.
pub(crate) const LATE_AFTER_MINUTES: [(OrderStatus, &str, i64); 4] = {
    let p = ocpizza_proto::api::dashboard::LATE_AFTER_MINUTES;
    [
        (p[0].0, stage_column(p[0].0), p[0].1),
        (p[1].0, stage_column(p[1].0), p[1].1),
        (p[2].0, stage_column(p[2].0), p[2].1),
        (p[3].0, stage_column(p[3].0), p[3].1),
    ]
};

/// The `orders` column stamped when an order enters `status`.
const fn stage_column(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Placed => "placed_at",
        OrderStatus::Preparing => "preparing_at",
        OrderStatus::Ready => "ready_at",
        OrderStatus::OutForDelivery => "out_for_delivery_at",
        OrderStatus::Delivered => "delivered_at",
        OrderStatus::Collected => "collected_at",
        OrderStatus::DeliveryFailed => "delivery_failed_at",
        OrderStatus::Cancelled => "cancelled_at",
        OrderStatus::AwaitingPayment => "created_at",
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ShopLabels {
    shop: i64,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OrderLabels {
    shop: i64,
    channel: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: &'static str,
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolMaxLabels {
    pool: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DirLabels {
    dir: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabels {
    source: &'static str,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// Gauges set at each scrape.
pub(super) struct Gauges {
    orders: Family<OrderLabels, Gauge>,
    late_orders: Family<ShopLabels, Gauge>,
    low_stock: Family<ShopLabels, Gauge>,
    shop_open: Family<ShopLabels, Gauge>,
    kitchen_displays: Family<ShopLabels, Gauge>,
    pool_connections: Family<PoolLabels, Gauge>,
    pool_max: Family<PoolMaxLabels, Gauge>,
    disk_free: Family<DirLabels, Gauge>,
    disk_size: Family<DirLabels, Gauge>,
    backup_timestamp: FloatGauge,
    backup_age: FloatGauge,
    maintenance: Gauge,
    payments_pending: Family<KindLabels, Gauge>,
    payments_oldest_pending: FloatGauge,
    payments_capture_failures: Gauge,
    notifications_pending: Family<ChannelLabels, Gauge>,
    notifications_oldest_pending: FloatGauge,
    notifications_failed: Family<ChannelLabels, Gauge>,
    notify_lag: Gauge,
    errors: Family<SourceLabels, Counter>,
}

impl Gauges {
    pub(super) fn register(r: &mut Registry) -> Gauges {
        let g = Gauges {
            orders: Family::default(),
            late_orders: Family::default(),
            low_stock: Family::default(),
            shop_open: Family::default(),
            kitchen_displays: Family::default(),
            pool_connections: Family::default(),
            pool_max: Family::default(),
            disk_free: Family::default(),
            disk_size: Family::default(),
            backup_timestamp: FloatGauge::default(),
            backup_age: FloatGauge::default(),
            maintenance: Gauge::default(),
            payments_pending: Family::default(),
            payments_oldest_pending: FloatGauge::default(),
            payments_capture_failures: Gauge::default(),
            notifications_pending: Family::default(),
            notifications_oldest_pending: FloatGauge::default(),
            notifications_failed: Family::default(),
            notify_lag: Gauge::default(),
            errors: Family::default(),
        };
        r.register(
            "ocpizza_orders",
            "Orders by shop, channel and current status: every open order, and the finished ones of the last 24 hours",
            g.orders.clone(),
        );
        r.register(
            "ocpizza_late_orders",
            "Open orders that stayed in their stage longer than the dashboard allows (placed 10 min, preparing 20, ready 10, out for delivery 45), by shop",
            g.late_orders.clone(),
        );
        r.register(
            "ocpizza_ingredients_below_threshold",
            "Ingredients whose free stock (on hand minus reserved) is below their low-stock threshold, by shop",
            g.low_stock.clone(),
        );
        r.register(
            "ocpizza_shop_open",
            "1 while the shop is within its opening hours (whether or not it is paused), by shop",
            g.shop_open.clone(),
        );
        r.register(
            "ocpizza_kitchen_displays",
            "Kitchen displays (a cook's live connection following the shop's orders) connected to this instance, by shop",
            g.kitchen_displays.clone(),
        );
        r.register(
            "ocpizza_db_pool_connections",
            "Database connections by pool (read, write) and state (idle, in_use)",
            g.pool_connections.clone(),
        );
        r.register(
            "ocpizza_db_pool_max_connections",
            "Most connections each database pool opens",
            g.pool_max.clone(),
        );
        r.register(
            "ocpizza_disk_free_bytes",
            "Bytes available to the server on the file system of a folder (dir=data: the data folder; dir=backup when wired)",
            g.disk_free.clone(),
        );
        r.register(
            "ocpizza_disk_size_bytes",
            "Size of the file system of a folder",
            g.disk_size.clone(),
        );
        r.register(
            "ocpizza_backup_last_good_timestamp_seconds",
            "Unix time of the last backup known good; 0 when none is known",
            g.backup_timestamp.clone(),
        );
        r.register(
            "ocpizza_backup_last_good_age_seconds",
            "Seconds since the last backup known good; +Inf when none is known",
            g.backup_age.clone(),
        );
        r.register(
            "ocpizza_maintenance",
            "1 while the site is in maintenance mode",
            g.maintenance.clone(),
        );
        r.register(
            "ocpizza_payment_movements_pending",
            "Online payment movements (capture, void, refund) asked of the provider and not confirmed yet, by kind",
            g.payments_pending.clone(),
        );
        r.register(
            "ocpizza_payment_movements_oldest_pending_seconds",
            "Age of the oldest online payment movement the provider has not confirmed; 0 when none waits",
            g.payments_oldest_pending.clone(),
        );
        r.register(
            "ocpizza_payment_capture_failures",
            "Orders paid online whose capture failed after the kitchen started them (the money must be collected another way), open or finished in the last 24 hours",
            g.payments_capture_failures.clone(),
        );
        r.register(
            "ocpizza_notifications_pending",
            "Notifications (web push, e-mail) waiting to be sent, by channel: due now or waiting for a retry",
            g.notifications_pending.clone(),
        );
        r.register(
            "ocpizza_notifications_oldest_pending_seconds",
            "Age of the oldest notification not sent yet; 0 when none waits",
            g.notifications_oldest_pending.clone(),
        );
        r.register(
            "ocpizza_notifications_failed",
            "Notifications given up (refused for good, or still failing after every retry) in the last hour, by channel",
            g.notifications_failed.clone(),
        );
        r.register(
            "ocpizza_notify_follower_lag_events",
            "Events of the followed streams (orders, stock) the notification follower has not handled yet",
            g.notify_lag.clone(),
        );
        r.register(
            "ocpizza_metrics_collect_errors",
            "Scrapes where a source (database, backup, maintenance) could not be read; its gauges are then absent",
            g.errors.clone(),
        );
        // Present from the start, so that a dashboard or rule using them never reads nothing.
        for source in ["database", "backup", "maintenance"] {
            drop(g.errors.get_or_create(&SourceLabels { source }));
        }
        g
    }
}

/// Reads everything the gauges show.
pub(super) async fn refresh(state: &AppState) {
    let g = &state.metrics.gauges;
    match tokio::time::timeout(PART_TIMEOUT, from_database(state, g)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => failed(g, "database", &e),
        Err(_) => failed(g, "database", &"timed out"),
    }
    for (shop, n) in state.hub.metrics().kitchen_displays() {
        g.kitchen_displays
            .get_or_create(&ShopLabels { shop: shop.0 })
            .set(n);
    }
    pools(state, g);
    disks(state, g);
    let (backup, maintenance, _) = {
        let p = state.metrics.probes.lock().expect("probes lock");
        (
            p.last_good_backup.clone(),
            p.maintenance.clone(),
            p.disks.len(),
        )
    };
    let last_good = match backup {
        None => None,
        Some(probe) => match tokio::time::timeout(PART_TIMEOUT, probe(state.clone())).await {
            Ok(Ok(t)) => t,
            Ok(Err(e)) => {
                failed(g, "backup", &format!("{e:#}"));
                None
            }
            Err(_) => {
                failed(g, "backup", &"timed out");
                None
            }
        },
    };
    match last_good {
        Some(t) => {
            let at = t.as_millisecond() as f64 / 1000.0;
            g.backup_timestamp.set(at);
            let now = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0;
            g.backup_age.set((now - at).max(0.0));
        }
        None => {
            g.backup_timestamp.set(0.0);
            g.backup_age.set(f64::INFINITY);
        }
    }
    if let Some(probe) = maintenance {
        match tokio::time::timeout(PART_TIMEOUT, probe(state.clone())).await {
            Ok(Ok(on)) => drop(g.maintenance.set(i64::from(on))),
            Ok(Err(e)) => failed(g, "maintenance", &format!("{e:#}")),
            Err(_) => failed(g, "maintenance", &"timed out"),
        }
    }
}

fn failed(g: &Gauges, source: &'static str, error: &dyn std::fmt::Display) {
    tracing::warn!(source, error = %error, "metrics: could not read a source");
    g.errors.get_or_create(&SourceLabels { source }).inc();
}

async fn from_database(state: &AppState, g: &Gauges) -> anyhow::Result<()> {
    let pool = state.db.pool();
    let shops = crate::shops::db::list(pool).await?;
    let now = crate::db::now_ms();
    let open: Vec<&str> = OrderStatus::ALL
        .into_iter()
        .filter(|s| !s.is_terminal())
        .map(OrderStatus::as_str)
        .collect();
    let orders = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT shop_id, channel, status, COUNT(*) AS n FROM orders \
         WHERE created_at >= $1 OR status IN ('{}') GROUP BY shop_id, channel, status",
        open.join("','")
    )))
    .bind(now - 24 * 3_600_000)
    .fetch_all(pool)
    .await?;
    let late_when: Vec<String> = LATE_AFTER_MINUTES
        .iter()
        .map(|(status, column, minutes)| {
            format!(
                "(status = '{}' AND {column} < {})",
                status.as_str(),
                now - minutes * 60_000
            )
        })
        .collect();
    let late = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT shop_id, COUNT(*) AS n FROM orders WHERE {} GROUP BY shop_id",
        late_when.join(" OR ")
    )))
    .fetch_all(pool)
    .await?;
    let low = sqlx::query(
        "SELECT shop_id, COUNT(*) AS n FROM stock \
         WHERE on_hand - reserved < low_threshold GROUP BY shop_id",
    )
    .fetch_all(pool)
    .await?;

    g.orders.clear();
    for row in &orders {
        g.orders
            .get_or_create(&OrderLabels {
                shop: row.try_get("shop_id")?,
                channel: row.try_get("channel")?,
                status: row.try_get("status")?,
            })
            .set(row.try_get("n")?);
    }
    for (family, rows) in [(&g.late_orders, &late), (&g.low_stock, &low)] {
        family.clear();
        // Every shop has a value, 0 included: an alert can tell "none" from "not scraped".
        for shop in &shops {
            family.get_or_create(&ShopLabels { shop: shop.id.0 }).set(0);
        }
        for row in rows {
            family
                .get_or_create(&ShopLabels {
                    shop: row.try_get("shop_id")?,
                })
                .set(row.try_get("n")?);
        }
    }
    payments(pool, g, now).await?;
    notifications(pool, g, now).await?;
    g.shop_open.clear();
    g.kitchen_displays.clear();
    for shop in &shops {
        let labels = ShopLabels { shop: shop.id.0 };
        g.shop_open
            .get_or_create(&labels)
            .set(i64::from(shop.open_now));
        g.kitchen_displays.get_or_create(&labels).set(0);
    }
    Ok(())
}

/// Online payment: movements waiting for the provider, and captures that failed.
async fn payments(pool: &sqlx::AnyPool, g: &Gauges, now: i64) -> anyhow::Result<()> {
    let pending = sqlx::query(
        "SELECT kind, COUNT(*) AS n, MIN(created_at) AS oldest FROM payment_operations \
         WHERE state = 'pending' GROUP BY kind",
    )
    .fetch_all(pool)
    .await?;
    g.payments_pending.clear();
    for kind in ["capture", "void", "refund"] {
        drop(g.payments_pending.get_or_create(&KindLabels { kind }));
    }
    let mut oldest: Option<i64> = None;
    for row in &pending {
        let kind: String = row.try_get("kind")?;
        let kind = match kind.as_str() {
            "capture" => "capture",
            "void" => "void",
            _ => "refund",
        };
        g.payments_pending
            .get_or_create(&KindLabels { kind })
            .set(row.try_get("n")?);
        let at: i64 = row.try_get("oldest")?;
        oldest = Some(oldest.map_or(at, |o| o.min(at)));
    }
    g.payments_oldest_pending
        .set(oldest.map_or(0.0, |at| (now - at).max(0) as f64 / 1000.0));
    let failed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM orders WHERE payment_method = 'online' AND payment_status = 'failed' \
         AND preparing_at IS NOT NULL AND (status NOT IN ('delivered', 'collected', \
         'delivery_failed', 'cancelled') OR updated_at >= $1)",
    )
    .bind(now - 24 * 3_600_000)
    .fetch_one(pool)
    .await?;
    g.payments_capture_failures.set(failed);
    Ok(())
}

/// Notifications: what waits, what was given up, and how far behind the follower is.
async fn notifications(pool: &sqlx::AnyPool, g: &Gauges, now: i64) -> anyhow::Result<()> {
    g.notifications_pending.clear();
    g.notifications_failed.clear();
    for channel in ["push", "mail"] {
        drop(
            g.notifications_pending
                .get_or_create(&ChannelLabels { channel }),
        );
        drop(
            g.notifications_failed
                .get_or_create(&ChannelLabels { channel }),
        );
    }
    let rows = sqlx::query(
        "SELECT channel, COUNT(*) AS n, MIN(created_at) AS oldest FROM notifications \
         WHERE state = 'pending' GROUP BY channel",
    )
    .fetch_all(pool)
    .await?;
    let mut oldest: Option<i64> = None;
    for row in &rows {
        let channel = channel_label(&row.try_get::<String, _>("channel")?);
        g.notifications_pending
            .get_or_create(&ChannelLabels { channel })
            .set(row.try_get("n")?);
        let at: i64 = row.try_get("oldest")?;
        oldest = Some(oldest.map_or(at, |o| o.min(at)));
    }
    g.notifications_oldest_pending
        .set(oldest.map_or(0.0, |at| (now - at).max(0) as f64 / 1000.0));
    let failed = sqlx::query(
        "SELECT channel, COUNT(*) AS n FROM notifications WHERE state = 'failed' \
         AND created_at >= $1 GROUP BY channel",
    )
    .bind(now - 3_600_000)
    .fetch_all(pool)
    .await?;
    for row in &failed {
        let channel = channel_label(&row.try_get::<String, _>("channel")?);
        g.notifications_failed
            .get_or_create(&ChannelLabels { channel })
            .set(row.try_get("n")?);
    }
    let cursor =
        crate::events::follow::Cursor::new(crate::notify::CONSUMER, crate::notify::followed());
    let lag: i64 = cursor
        .behind(pool)
        .await?
        .iter()
        .map(|b| b.head - b.at)
        .sum();
    g.notify_lag.set(lag);
    Ok(())
}

fn channel_label(stored: &str) -> &'static str {
    if stored == "mail" { "mail" } else { "push" }
}

fn pools(state: &AppState, g: &Gauges) {
    let read = state.db.pool();
    let size = i64::from(read.size());
    let idle = read.num_idle() as i64;
    // PostgreSQL reads and writes share one pool; SQLite has readers and a single writer.
    let mut pools = vec![(
        "read",
        idle,
        (size - idle).max(0),
        i64::from(read.options().get_max_connections()),
    )];
    if let Some((open, lent)) = state.db.writer_usage() {
        let in_use = i64::from(lent);
        pools.push(("write", i64::from(open) - in_use, in_use, 1));
    }
    g.pool_connections.clear();
    g.pool_max.clear();
    for (name, idle, in_use, max) in pools {
        g.pool_connections
            .get_or_create(&PoolLabels {
                pool: name,
                state: "idle",
            })
            .set(idle);
        g.pool_connections
            .get_or_create(&PoolLabels {
                pool: name,
                state: "in_use",
            })
            .set(in_use);
        g.pool_max
            .get_or_create(&PoolMaxLabels { pool: name })
            .set(max);
    }
}

fn disks(state: &AppState, g: &Gauges) {
    let mut dirs = vec![("data".to_owned(), state.config.data_dir.clone())];
    dirs.extend(
        state
            .metrics
            .probes
            .lock()
            .expect("probes lock")
            .disks
            .iter()
            .cloned(),
    );
    g.disk_free.clear();
    g.disk_size.clear();
    for (name, dir) in dirs {
        if let Some((free, size)) = space(&dir) {
            let labels = DirLabels { dir: name };
            g.disk_free.get_or_create(&labels).set(free);
            g.disk_size.get_or_create(&labels).set(size);
        }
    }
}

/// Free and total bytes of the file system holding `dir` (or its nearest existing parent).
fn space(dir: &Path) -> Option<(i64, i64)> {
    #[cfg(target_os = "linux")]
    {
        // A folder not created yet (the data folder before the first SQLite file) lives on
        // the file system of its nearest existing parent.
        let existing = dir
            .ancestors()
            .find(|d| !d.as_os_str().is_empty() && d.exists())
            .unwrap_or(Path::new("."));
        let st = rustix::fs::statvfs(existing).ok()?;
        let free = st.f_bavail.saturating_mul(st.f_frsize);
        let size = st.f_blocks.saturating_mul(st.f_frsize);
        Some((
            i64::try_from(free).unwrap_or(i64::MAX),
            i64::try_from(size).unwrap_or(i64::MAX),
        ))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        None
    }
}

/// The live hub's counters, the bus and Redis, read as they are at each scrape.
#[derive(Debug)]
pub(super) struct HubCollector {
    pub(super) hub: Hub,
    pub(super) bus: Bus,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChannelLabels {
    channel: &'static str,
}

fn gauge(e: &mut DescriptorEncoder, name: &str, help: &str, v: i64) -> std::fmt::Result {
    let g = ConstGauge::new(v);
    g.encode(e.encode_descriptor(name, help, None, MetricType::Gauge)?)
}

fn counter(e: &mut DescriptorEncoder, name: &str, help: &str, v: u64) -> std::fmt::Result {
    let c = ConstCounter::new(v);
    c.encode(e.encode_descriptor(name, help, None, MetricType::Counter)?)
}

impl Collector for HubCollector {
    fn encode(&self, mut e: DescriptorEncoder) -> std::fmt::Result {
        let m = self.hub.metrics();
        let r = Ordering::Relaxed;
        gauge(
            &mut e,
            "ocpizza_live_connections",
            "Open WebSocket connections on this instance",
            m.connections.load(r),
        )?;
        {
            let mut family = e.encode_descriptor(
                "ocpizza_live_subscriptions",
                "Live subscriptions by stream kind",
                None,
                MetricType::Gauge,
            )?;
            for (i, kind) in crate::hub::metrics::KINDS.iter().enumerate() {
                ConstGauge::new(m.subscriptions[i].load(r))
                    .encode(family.encode_family(&KindLabels { kind })?)?;
            }
        }
        counter(
            &mut e,
            "ocpizza_live_deliveries",
            "Event frames queued to live connections",
            m.delivered.load(r),
        )?;
        counter(
            &mut e,
            "ocpizza_live_slow_consumers_kicked",
            "Live connections closed for falling behind (they resume with `since`)",
            m.slow_consumers.load(r),
        )?;
        counter(
            &mut e,
            "ocpizza_live_resumed_from_log",
            "Subscriptions resumed by replaying the event log",
            m.resumed_from_log.load(r),
        )?;
        counter(
            &mut e,
            "ocpizza_live_snapshots",
            "Subscriptions answered with a snapshot",
            m.snapshots.load(r),
        )?;
        counter(
            &mut e,
            "ocpizza_live_gaps_filled",
            "Gaps in a stream the hub filled from the event log",
            m.gaps_filled.load(r),
        )?;
        let (queued, deepest) = self.hub.queued_frames();
        gauge(
            &mut e,
            "ocpizza_live_queued_frames",
            "Frames waiting in the live connections' queues",
            queued as i64,
        )?;
        gauge(
            &mut e,
            "ocpizza_live_queue_max_frames",
            "Frames waiting in the fullest connection queue (a connection is kicked at 256)",
            deepest as i64,
        )?;
        gauge(
            &mut e,
            "ocpizza_bus_backlog_events",
            "Committed events not yet taken from the in-process bus by the hub",
            self.bus.backlog() as i64,
        )?;
        counter(
            &mut e,
            "ocpizza_bus_lagged_events",
            "Events the hub missed on the bus because it lagged (then read from the log)",
            m.bus_lagged.load(r),
        )?;
        gauge(
            &mut e,
            "ocpizza_event_log_lag_events",
            "Events the hub was behind the event log at its last periodic check (then caught up)",
            m.log_lag.load(r),
        )?;
        gauge(
            &mut e,
            "ocpizza_redis_publish_queue",
            "Batches of events waiting to be published to Redis",
            self.bus.remote_backlog() as i64,
        )?;
        gauge(
            &mut e,
            "ocpizza_redis_connected",
            "1 while the Redis subscription is up (0 without REDIS_URL)",
            self.bus.link().connected.load(r),
        )?;
        counter(
            &mut e,
            "ocpizza_redis_reconnects",
            "Times the Redis subscription came back after a loss",
            self.bus.link().reconnects.load(r),
        )?;
        counter(
            &mut e,
            "ocpizza_redis_publish_failures",
            "Batches of events that could not be published to Redis (others catch up from the log)",
            self.bus.link().publish_failures.load(r),
        )?;
        Ok(())
    }
}
