//! Counters of the live hub, read by the metrics endpoint and the load benchmark (those of
//! the link between instances are the bus's: [`crate::events::bus::Link`]).

use ocpizza_proto::ShopId;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Monotonic counters and gauges.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Open WebSocket connections.
    pub connections: AtomicI64,
    /// Subscriptions per stream kind: shop orders, shop stock, shop menu, order, driver, group.
    pub subscriptions: [AtomicI64; 6],
    /// Event frames queued to connections.
    pub delivered: AtomicU64,
    /// Connections dropped for falling behind.
    pub slow_consumers: AtomicU64,
    /// Subscriptions resumed by replaying the log.
    pub resumed_from_log: AtomicU64,
    /// Subscriptions answered with a snapshot.
    pub snapshots: AtomicU64,
    /// Gaps the hub filled from the log.
    pub gaps_filled: AtomicU64,
    /// Events the hub missed on the in-process bus because it lagged (then read from the log).
    pub bus_lagged: AtomicU64,
    /// Events the hub was behind the log, summed over the streams, at its last periodic check.
    pub log_lag: AtomicI64,
    /// Kitchen displays (a cook's connection following `shop:{id}:orders`) per shop.
    kitchen_displays: Mutex<BTreeMap<ShopId, i64>>,
}

/// A point-in-time copy of [`Metrics`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[allow(missing_docs)]
pub struct MetricsSnapshot {
    pub connections: i64,
    pub subscriptions: [i64; 6],
    pub delivered: u64,
    pub slow_consumers: u64,
    pub resumed_from_log: u64,
    pub snapshots: u64,
    pub gaps_filled: u64,
}

impl Metrics {
    /// Reads every counter.
    pub fn snapshot(&self) -> MetricsSnapshot {
        let r = Ordering::Relaxed;
        MetricsSnapshot {
            connections: self.connections.load(r),
            subscriptions: std::array::from_fn(|i| self.subscriptions[i].load(r)),
            delivered: self.delivered.load(r),
            slow_consumers: self.slow_consumers.load(r),
            resumed_from_log: self.resumed_from_log.load(r),
            snapshots: self.snapshots.load(r),
            gaps_filled: self.gaps_filled.load(r),
        }
    }
}

impl Metrics {
    /// A cook's connection started (`+1`) or stopped (`-1`) following `shop`'s orders.
    pub fn kitchen_display(&self, shop: ShopId, delta: i64) {
        let mut map = self.kitchen_displays.lock().expect("kitchen displays lock");
        let n = map.entry(shop).or_insert(0);
        *n += delta;
        if *n <= 0 {
            map.remove(&shop);
        }
    }

    /// Connected kitchen displays per shop (shops with none are absent).
    pub fn kitchen_displays(&self) -> BTreeMap<ShopId, i64> {
        self.kitchen_displays
            .lock()
            .expect("kitchen displays lock")
            .clone()
    }
}

/// Names of the stream kinds, in the order of [`Metrics::subscriptions`].
pub const KINDS: [&str; 6] = [
    "shop_orders",
    "shop_stock",
    "shop_menu",
    "order",
    "driver",
    "group_orders",
];

/// Index of a stream's kind in [`Metrics::subscriptions`].
pub fn kind_index(stream: &ocpizza_proto::events::Stream) -> usize {
    use ocpizza_proto::events::Stream as S;
    match stream {
        S::ShopOrders(_) => 0,
        S::ShopStock(_) => 1,
        S::ShopMenu(_) => 2,
        S::Order(_) => 3,
        S::Driver(_) => 4,
        S::GroupOrders | S::User(_) | S::Site | S::GroupAudit => 5,
    }
}
