//! The driver's phone: actions replayed from its offline queue, its position while out for
//! delivery, and the cash it collected (also per shop, for the manager's end-of-day count).

use crate::api::cash::CashHandover;
use crate::api::orders::{DriverRef, Order};
use crate::ids::{OrderId, UserId};
use crate::money::Money;
use crate::status::PaymentMethod;
use serde::{Deserialize, Serialize};

/// What a driver did, as tapped on the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DriverActionKind {
    /// Takes the delivery (assigns it to themselves) before it leaves the shop.
    Take,
    /// Left the shop with it: `ready → out_for_delivery`.
    PickedUp,
    /// Handed it over: `out_for_delivery → delivered` (cash collected if paid on delivery).
    Delivered,
    /// Could not deliver it: `out_for_delivery → delivery_failed`, with a reason.
    Failed,
}

impl DriverActionKind {
    /// The snake_case name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            DriverActionKind::Take => "take",
            DriverActionKind::PickedUp => "picked_up",
            DriverActionKind::Delivered => "delivered",
            DriverActionKind::Failed => "failed",
        }
    }

    /// Parses [`DriverActionKind::as_str`] back.
    pub fn parse(s: &str) -> Option<DriverActionKind> {
        [
            DriverActionKind::Take,
            DriverActionKind::PickedUp,
            DriverActionKind::Delivered,
            DriverActionKind::Failed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// `POST /api/v1/driver/actions`: one action of the offline queue. The `key` makes replays
/// harmless: the server applies each key once and answers a replay with the first answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DriverAction {
    /// Idempotency key chosen by the phone: 16 to 64 characters of `[A-Za-z0-9_-]`.
    #[cfg_attr(feature = "server", schema(pattern = r"^[A-Za-z0-9_-]{16,64}$"))]
    pub key: String,
    /// The order.
    pub order_id: OrderId,
    /// What was done.
    pub kind: DriverActionKind,
    /// When the driver tapped, by the phone's clock.
    pub device_at: jiff::Timestamp,
    /// Cash kept, required for `delivered` when the order is paid on delivery in cash: the
    /// total, or less when the customer paid short (the change given back is not counted).
    #[serde(default)]
    pub cash_collected: Option<Money>,
    /// How an order paid on delivery was paid, for `delivered`: `cash_on_delivery` (the
    /// default, with `cash_collected`) or `card_on_delivery` (no cash).
    #[serde(default)]
    pub payment_method: Option<PaymentMethod>,
    /// Why the delivery failed (required for `failed`).
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 300))]
    pub reason: Option<String>,
}

/// Whether this request applied the action or an earlier one with the same key did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DriverActionOutcome {
    /// Applied now.
    Applied,
    /// Applied by an earlier request with the same key; nothing changed this time.
    AlreadyApplied,
}

impl DriverActionOutcome {
    /// The snake_case name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            DriverActionOutcome::Applied => "applied",
            DriverActionOutcome::AlreadyApplied => "already_applied",
        }
    }
}

/// Answer to `POST /api/v1/driver/actions` (HTTP 200).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DriverActionResult {
    /// Applied now, or already.
    pub outcome: DriverActionOutcome,
    /// The order right after the action was applied.
    pub order: Order,
    /// When the driver tapped (phone clock), as sent.
    pub device_at: jiff::Timestamp,
    /// When the server first received the action.
    pub received_at: jiff::Timestamp,
}

/// How a stored action ended: applied, or refused with the conflict's error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecordedOutcome {
    /// The action changed the order.
    Applied,
    /// Refused: the order had been cancelled.
    OrderCancelled,
    /// Refused: another driver has the order.
    AssignedToOtherDriver,
    /// Refused: the order's status did not allow it.
    InvalidTransition,
}

impl RecordedOutcome {
    /// The snake_case name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordedOutcome::Applied => "applied",
            RecordedOutcome::OrderCancelled => "order_cancelled",
            RecordedOutcome::AssignedToOtherDriver => "assigned_to_other_driver",
            RecordedOutcome::InvalidTransition => "invalid_transition",
        }
    }

    /// Parses [`RecordedOutcome::as_str`] back.
    pub fn parse(s: &str) -> Option<RecordedOutcome> {
        [
            RecordedOutcome::Applied,
            RecordedOutcome::OrderCancelled,
            RecordedOutcome::AssignedToOtherDriver,
            RecordedOutcome::InvalidTransition,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// One stored driver action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DriverActionRecord {
    /// Its idempotency key.
    pub key: String,
    /// The driver who sent it.
    pub driver_id: UserId,
    /// What was done.
    pub kind: DriverActionKind,
    /// When the driver tapped (phone clock).
    pub device_at: jiff::Timestamp,
    /// When the server received it.
    pub received_at: jiff::Timestamp,
    /// Cash declared.
    pub cash_collected: Option<Money>,
    /// Reason given.
    pub reason: Option<String>,
    /// Applied or refused.
    pub outcome: RecordedOutcome,
}

/// `GET /api/v1/orders/{id}/driver-actions`: the order's driver actions, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DriverActionList {
    /// Each action once, in the order the server received them.
    pub actions: Vec<DriverActionRecord>,
}

/// `POST /api/v1/driver/location`: where the driver of an order out for delivery is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DriverLocation {
    /// The order being delivered.
    pub order_id: OrderId,
    /// Latitude, degrees (−90 to 90).
    #[cfg_attr(feature = "server", schema(minimum = -90, maximum = 90))]
    pub lat: f64,
    /// Longitude, degrees (−180 to 180).
    #[cfg_attr(feature = "server", schema(minimum = -180, maximum = 180))]
    pub lon: f64,
    /// Accuracy radius in metres.
    #[cfg_attr(feature = "server", schema(minimum = 0, maximum = 100_000))]
    pub accuracy_m: f64,
    /// When the phone measured it.
    pub device_at: jiff::Timestamp,
}

/// The latest known position of an order's driver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Position {
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Accuracy radius in metres.
    pub accuracy_m: f64,
    /// When the phone measured it.
    pub at: jiff::Timestamp,
}

/// Coordinates are checked to be finite numbers in range before they are stored, so equality
/// on positions is total (no NaN ever reaches this type from the server).
impl Eq for Position {}

/// One delivery in a cash report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CashDelivery {
    /// The order.
    pub order_id: OrderId,
    /// When it was handed over.
    pub delivered_at: jiff::Timestamp,
    /// Its total.
    pub total: Money,
    /// How it was paid.
    pub payment_method: PaymentMethod,
    /// Cash the driver declared (orders paid on delivery).
    pub cash_collected: Option<Money>,
}

/// `GET /api/v1/driver/cash?date=YYYY-MM-DD`: what the calling driver delivered that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CashReport {
    /// The day: a local date of the shop (see `BusinessDay`).
    pub date: jiff::civil::Date,
    /// Its first instant (the shop's local midnight).
    pub day_starts_at: jiff::Timestamp,
    /// The first instant of the next day: a screen showing today refreshes then.
    pub day_ends_at: jiff::Timestamp,
    /// Deliveries, in the order they were handed over.
    pub deliveries: Vec<CashDelivery>,
    /// Sum of the cash collected.
    pub total_cash: Money,
    /// The hand-overs in force for that day, one per shop where one was recorded: what the
    /// driver handed in, confirmed by a manager.
    #[serde(default)]
    pub handovers: Vec<CashHandover>,
}

/// One driver's day in a shop's cash report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DriverCash {
    /// The driver.
    pub driver: DriverRef,
    /// Their deliveries for the shop, in the order they were handed over.
    pub deliveries: Vec<CashDelivery>,
    /// Sum of the cash they collected.
    pub total_cash: Money,
    /// The hand-over in force for that day, once a manager recorded one.
    #[serde(default)]
    pub handover: Option<CashHandover>,
}

/// `GET /api/v1/shops/{id}/cash?date=YYYY-MM-DD`: the shop's deliveries of the day per driver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ShopCashReport {
    /// The day: a local date of the shop (see `BusinessDay`).
    pub date: jiff::civil::Date,
    /// Its first instant (the shop's local midnight).
    pub day_starts_at: jiff::Timestamp,
    /// The first instant of the next day: a screen showing today refreshes then.
    pub day_ends_at: jiff::Timestamp,
    /// One entry per driver who delivered that day or handed cash in, by name.
    pub drivers: Vec<DriverCash>,
    /// Sum of every driver's cash.
    pub total_cash: Money,
}
