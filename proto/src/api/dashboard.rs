//! The manager's dashboard: every shop they run, live.

use crate::api::orders::{DriverRef, Order};
use crate::ids::ShopId;
use crate::money::Money;
use crate::opening::{BusinessDay, OpenState};
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
