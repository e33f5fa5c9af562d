//! The drivers' cash hand-over: at the end of a shift a manager counts what a driver hands in
//! and records it against what the server expects (the cash the driver declared on that day's
//! deliveries for the shop). One hand-over per driver, shop and business day; a correction is
//! a new record that supersedes the previous one, and every record is kept.

use crate::api::orders::DriverRef;
use crate::ids::{ShopId, UserId};
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// Longest comment of a hand-over.
pub const MAX_COMMENT: usize = 300;

/// `POST /api/v1/shops/{id}/cash/handovers`: what a driver handed in at the end of a shift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCashHandover {
    /// The driver, a driver of the shop.
    pub driver_id: UserId,
    /// `YYYY-MM-DD`, a local date of the shop, not in the future; the shop's today when absent.
    #[serde(default)]
    #[cfg_attr(
        feature = "server",
        schema(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")
    )]
    pub date: Option<String>,
    /// The amount counted, in cents (0 or more).
    #[cfg_attr(feature = "server", schema(minimum = 0))]
    pub counted: Money,
    /// Why the amount differs from the expected one: required when it does.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 300))]
    pub comment: Option<String>,
    /// The id of the hand-over this one corrects: required once one is recorded for the
    /// driver and day (it must be the current one), absent for the first. A stale id is
    /// refused with 409, so that a correction never overwrites one it did not see.
    #[serde(default)]
    pub replaces: Option<i64>,
}

/// Who recorded a hand-over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Recorder {
    /// Account id.
    pub id: UserId,
    /// Name.
    pub name: String,
}

/// A recorded hand-over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CashHandover {
    /// Its id (a correction gets a new one).
    pub id: i64,
    /// The shop the cash was handed in at.
    pub shop_id: ShopId,
    /// The driver.
    pub driver: DriverRef,
    /// The business day: a local date of the shop.
    pub date: jiff::civil::Date,
    /// Cash the driver declared on that day's deliveries for the shop, when it was recorded.
    pub expected: Money,
    /// Cash counted.
    pub counted: Money,
    /// `counted − expected`: negative when short, positive when over.
    pub difference: Money,
    /// Why it differs, if given.
    pub comment: Option<String>,
    /// Who recorded it.
    pub recorded_by: Recorder,
    /// When.
    pub recorded_at: jiff::Timestamp,
    /// How many earlier records of the same driver and day this one corrects (0 for the first).
    pub corrections: u32,
    /// The record this one superseded, if it is a correction.
    pub replaces: Option<i64>,
}

/// `GET /api/v1/shops/{id}/cash/handovers?date=`: every record of the day, corrections
/// included, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CashHandoverList {
    /// Oldest first; the last one of each driver is the one in force.
    pub handovers: Vec<CashHandover>,
}
