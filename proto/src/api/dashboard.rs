//! The manager's dashboard: every shop they run, live.

use crate::api::orders::{DriverRef, Order};
use crate::api::stock::StockLevel;
use crate::ids::ShopId;
use crate::money::Money;
use crate::opening::{BusinessDay, OpenState};
use crate::status::OrderStatus;
use serde::{Deserialize, Serialize};

/// Today's figures of one shop (its business day, see `ShopDashboard::day`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TodayFigures {
    /// Orders placed today and not cancelled.
    pub orders: i64,
    /// Their total.
    pub revenue: Money,
}

/// One shop on the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ShopDashboard {
    /// The shop.
    pub shop_id: ShopId,
    /// Its name.
    pub name: String,
    /// `false` while its manager paused it.
    pub accepting_orders: bool,
    /// Orders from `placed` to `out_for_delivery`, oldest first.
    pub open_orders: Vec<Order>,
    /// Today's orders and revenue.
    pub today: TodayFigures,
    /// The shop's business day `today` counts (`day`, `day_starts_at`, `day_ends_at`): the
    /// figures start again from zero at `day_ends_at`.
    #[serde(flatten)]
    pub day: BusinessDay,
    /// What its hours say now, as its customers are told.
    #[serde(default)]
    pub open_state: OpenState,
    /// Why it is paused, when it is.
    #[serde(default)]
    pub pause_reason: Option<String>,
    /// Drivers out on a delivery right now.
    pub drivers_out: Vec<DriverRef>,
    /// Ingredients below their low-stock threshold now (free stock under it): each one is an
    /// alert on the card until it is restocked.
    #[serde(default)]
    pub low_stock: Vec<StockLevel>,
    /// Sequence of the shop's stock stream `low_stock` corresponds to (subscribe `since` it to
    /// see alerts raised and cleared live).
    #[serde(default)]
    pub stock_seq: i64,
    /// Open orders late in their stage at the time of the load, per stage (every stage of
    /// [`LATE_AFTER_MINUTES`], zeros included, in its order).
    #[serde(default)]
    pub late: Vec<LateCount>,
}

/// How many of a shop's open orders have stayed too long in one stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LateCount {
    /// The stage (`placed`, `preparing`, `ready`, `out_for_delivery`).
    pub status: OrderStatus,
    /// Orders in it for longer than its limit.
    pub orders: i64,
}

/// `GET /api/v1/group/dashboard` (managers: their shops; admin: all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Dashboard {
    /// Sequence of `group:orders` this state corresponds to (subscribe `since` it).
    pub stream_seq: i64,
    /// The shops, by id.
    pub shops: Vec<ShopDashboard>,
    /// The last backup taken without error (`ocpizza backup create`), `None` when there is
    /// none yet: a stale one is something to ask the operators about.
    #[serde(default)]
    pub last_backup: Option<LastBackup>,
}

/// When the group's data was last backed up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LastBackup {
    /// When it finished, in milliseconds since the Unix epoch.
    pub finished_ms: i64,
}

/// A backup older than this is late: the daily run (03:00) plus slack.
pub const BACKUP_LATE_HOURS: i64 = 26;

/// How long an order may stay in a stage before it is late, in minutes: placed without being
/// started, in preparation, ready without being collected or taken out by a driver, out for
/// delivery. The one place these limits live: the dashboard (server and PWA), the reports, the
/// Prometheus gauge and the managers' push alerts all read them here.
pub const LATE_AFTER_MINUTES: [(OrderStatus, i64); 4] = [
    (OrderStatus::Placed, 10),
    (OrderStatus::Preparing, 20),
    (OrderStatus::Ready, 10),
    (OrderStatus::OutForDelivery, 45),
];

/// The limit of `status` in minutes (`None`: a stage nobody waits in, such as `delivered`).
pub const fn late_after_minutes(status: OrderStatus) -> Option<i64> {
    let mut i = 0;
    while i < LATE_AFTER_MINUTES.len() {
        if LATE_AFTER_MINUTES[i].0 as u8 == status as u8 {
            return Some(LATE_AFTER_MINUTES[i].1);
        }
        i += 1;
    }
    None
}

/// Whether an order that entered `status` at `since_ms` is late at `now_ms` (Unix ms).
pub fn is_late(status: OrderStatus, since_ms: i64, now_ms: i64) -> bool {
    late_after_minutes(status).is_some_and(|m| now_ms - since_ms > m * 60_000)
}
