//! Events written to the event log in the same transaction as each change, and the streams
//! they are published on. The live hub replays them to clients; the log is also the audit trail.

use crate::api::cash::CashHandover;
use crate::api::maintenance::{Maintenance, MaintenanceSwitch};
use crate::api::menu::Availability;
use crate::api::orders::{DriverRef, Order};
use crate::api::payments::OperationKind;
use crate::api::shops::Shop;
use crate::api::stock::StockLevel;
use crate::ids::{OrderId, ShopId, UserId};
use crate::money::Money;
use crate::status::{OrderStatus, PaymentMethod, PaymentStatus};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A named stream of events with its own contiguous sequence numbers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stream {
    /// `shop:{id}:orders`: every order change of a shop (its staff).
    ShopOrders(ShopId),
    /// `shop:{id}:stock`: stock levels of a shop (managers, cooks).
    ShopStock(ShopId),
    /// `shop:{id}:menu`: availability and pause state of a shop (public).
    ShopMenu(ShopId),
    /// `order:{token}`: one order (its customer).
    Order(String),
    /// `driver:{id}`: orders assigned to one driver.
    Driver(UserId),
    /// `group:orders`: every order change of the group (admins; managers see their shops').
    GroupOrders,
    /// `site`: the whole site's state, maintenance mode (public).
    Site,
    /// `group:audit`: operations on the whole site, with who made them (admins).
    GroupAudit,
    /// `user:{id}`: changes to an account's access (logout, roles). Internal to the server:
    /// each live connection of the account follows it; no client may subscribe.
    User(UserId),
}

impl fmt::Display for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stream::ShopOrders(id) => write!(f, "shop:{id}:orders"),
            Stream::ShopStock(id) => write!(f, "shop:{id}:stock"),
            Stream::ShopMenu(id) => write!(f, "shop:{id}:menu"),
            Stream::Order(token) => write!(f, "order:{token}"),
            Stream::Driver(id) => write!(f, "driver:{id}"),
            Stream::GroupOrders => f.write_str("group:orders"),
            Stream::Site => f.write_str("site"),
            Stream::GroupAudit => f.write_str("group:audit"),
            Stream::User(id) => write!(f, "user:{id}"),
        }
    }
}

impl Stream {
    /// Parses the `Display` form back; `None` for anything else.
    pub fn parse(s: &str) -> Option<Stream> {
        match s {
            "group:orders" => return Some(Stream::GroupOrders),
            "site" => return Some(Stream::Site),
            "group:audit" => return Some(Stream::GroupAudit),
            _ => {}
        }
        if let Some(token) = s.strip_prefix("order:") {
            let ok = !token.is_empty() && token.bytes().all(|b| b.is_ascii_alphanumeric());
            return ok.then(|| Stream::Order(token.to_owned()));
        }
        if let Some(id) = s.strip_prefix("driver:") {
            return id.parse().ok().map(|id| Stream::Driver(UserId(id)));
        }
        if let Some(id) = s.strip_prefix("user:") {
            return id.parse().ok().map(|id| Stream::User(UserId(id)));
        }
        let rest = s.strip_prefix("shop:")?;
        let (id, kind) = rest.split_once(':')?;
        let id = ShopId(id.parse().ok()?);
        match kind {
            "orders" => Some(Stream::ShopOrders(id)),
            "stock" => Some(Stream::ShopStock(id)),
            "menu" => Some(Stream::ShopMenu(id)),
            _ => None,
        }
    }
}

/// What happened. Stored as JSON in the event log and sent as-is to subscribers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A new order reached the shop.
    OrderPlaced {
        /// The order as placed.
        order: Box<Order>,
    },
    /// The customer or staff changed lines, address or note.
    OrderEdited {
        /// The order after the edit.
        order: Box<Order>,
    },
    /// The order moved to another stage.
    OrderStatusChanged {
        /// Order.
        order_id: OrderId,
        /// Its shop.
        shop_id: ShopId,
        /// New status.
        status: OrderStatus,
        /// When.
        at: jiff::Timestamp,
        /// New version.
        version: i64,
        /// Payment status after the change.
        payment_status: PaymentStatus,
        /// The order's estimate after the change (see `Order::eta`); none once it is finished.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        eta: Option<jiff::Timestamp>,
    },
    /// The order was cancelled.
    OrderCancelled {
        /// Order.
        order_id: OrderId,
        /// Its shop.
        shop_id: ShopId,
        /// When.
        at: jiff::Timestamp,
        /// New version.
        version: i64,
        /// Reason given.
        reason: Option<String>,
    },
    /// A driver was assigned or unassigned.
    DriverAssigned {
        /// Order.
        order_id: OrderId,
        /// Its shop.
        shop_id: ShopId,
        /// The driver, or none.
        driver: Option<DriverRef>,
        /// New version.
        version: i64,
    },
    /// Stock levels moved.
    StockChanged {
        /// The shop.
        shop_id: ShopId,
        /// The ingredients that changed, with their new levels.
        items: Vec<StockLevel>,
    },
    /// How many of some pizzas can be made changed.
    AvailabilityChanged {
        /// The shop.
        shop_id: ShopId,
        /// New counts of the sizes that changed.
        items: Vec<Availability>,
    },
    /// The shop stopped taking orders.
    ShopPaused {
        /// The shop.
        shop_id: ShopId,
        /// Reason shown to customers.
        reason: Option<String>,
    },
    /// The shop takes orders again.
    ShopResumed {
        /// The shop.
        shop_id: ShopId,
    },
    /// A shop was created or reopened: it appears on the dashboard and in the shop list.
    ShopOpened {
        /// The shop, at the top so that subscribers scoped to some shops see it.
        shop_id: ShopId,
        /// The shop as it now is.
        shop: Box<Shop>,
    },
    /// An administrator changed a shop's settings (name, address, hours, closures, fees…).
    ShopUpdated {
        /// The shop.
        shop_id: ShopId,
        /// The shop as it now is.
        shop: Box<Shop>,
    },
    /// A shop was retired: it takes no more orders and leaves the dashboard and the list.
    ShopRetired {
        /// The shop.
        shop_id: ShopId,
    },
    /// Where the driver of an order out for delivery is (on `order:{token}` only).
    DriverPosition {
        /// Order.
        order_id: OrderId,
        /// Its shop.
        shop_id: ShopId,
        /// Latitude, degrees.
        lat: f64,
        /// Longitude, degrees.
        lon: f64,
        /// Accuracy radius in metres.
        accuracy_m: f64,
        /// When the phone measured it.
        at: jiff::Timestamp,
    },
    /// An account's access changed: a session ended or a role was granted or taken away
    /// (on `user:{id}`; live connections of the account check their subscriptions again).
    AccessChanged {
        /// The account.
        user_id: UserId,
        /// `logout`, `role_granted`, `role_removed`.
        reason: String,
    },
    /// Maintenance mode was switched (on `site`: what customers see).
    MaintenanceChanged {
        /// The state now.
        maintenance: Maintenance,
    },
    /// Maintenance mode was switched (on `group:audit`: with who did it).
    MaintenanceSwitched {
        /// The switch.
        switch: MaintenanceSwitch,
    },
    /// Money moved on an order paid online (authorised, captured, voided, refunded) or an
    /// attempt failed. Also written to `group:audit` for refunds, with who asked and why.
    PaymentChanged {
        /// Order.
        order_id: OrderId,
        /// Its shop.
        shop_id: ShopId,
        /// Where the money stands now.
        payment_status: PaymentStatus,
        /// How the order is paid now (the customer may have switched to paying on delivery).
        payment_method: PaymentMethod,
        /// New version.
        version: i64,
        /// The movement that made the change, if one did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        operation: Option<OperationKind>,
        /// Its amount.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        amount: Option<Money>,
        /// Why (refunds), or the provider's refusal.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// Who asked (staff refunds); none when it followed a status change or the provider.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<UserId>,
    },
    /// The group's catalogue changed (pizzas, sizes, prices, recipes, ingredients): open
    /// menus and recipe cards load it again (on every shop's `shop:{id}:menu`).
    CatalogueChanged {
        /// The shop whose menu stream carries it.
        shop_id: ShopId,
    },
    /// A manager recorded (or corrected) what a driver handed in at the end of a shift (on
    /// `group:audit`, on the driver's `driver:{id}` and, for the shop's managers, on
    /// `group:orders`).
    CashHandedOver {
        /// The shop, at the top so that subscribers scoped to some shops see it.
        shop_id: ShopId,
        /// The record, with who recorded it.
        handover: Box<CashHandover>,
    },
}

/// The only floating-point fields are a driver's coordinates, checked to be finite and in
/// range before any event carries them: equality on events is total.
impl Eq for Event {}

impl Event {
    /// The `type` tag, for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::OrderPlaced { .. } => "order_placed",
            Event::OrderEdited { .. } => "order_edited",
            Event::OrderStatusChanged { .. } => "order_status_changed",
            Event::OrderCancelled { .. } => "order_cancelled",
            Event::DriverAssigned { .. } => "driver_assigned",
            Event::StockChanged { .. } => "stock_changed",
            Event::AvailabilityChanged { .. } => "availability_changed",
            Event::ShopPaused { .. } => "shop_paused",
            Event::ShopResumed { .. } => "shop_resumed",
            Event::ShopOpened { .. } => "shop_opened",
            Event::ShopUpdated { .. } => "shop_updated",
            Event::ShopRetired { .. } => "shop_retired",
            Event::DriverPosition { .. } => "driver_position",
            Event::AccessChanged { .. } => "access_changed",
            Event::MaintenanceChanged { .. } => "maintenance_changed",
            Event::MaintenanceSwitched { .. } => "maintenance_switched",
            Event::PaymentChanged { .. } => "payment_changed",
            Event::CashHandedOver { .. } => "cash_handed_over",
            Event::CatalogueChanged { .. } => "catalogue_changed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_names_round_trip_and_reject_garbage() {
        let streams = [
            Stream::ShopOrders(ShopId(3)),
            Stream::ShopStock(ShopId(3)),
            Stream::ShopMenu(ShopId(12)),
            Stream::Order("a1B2".into()),
            Stream::Driver(UserId(7)),
            Stream::GroupOrders,
            Stream::User(UserId(9)),
            Stream::Site,
            Stream::GroupAudit,
        ];
        for s in streams {
            assert_eq!(Stream::parse(&s.to_string()), Some(s));
        }
        for bad in [
            "shop:x:orders",
            "shop:1:pizzas",
            "order:",
            "order:a b",
            "group:stock",
            "site:1",
            "",
        ] {
            assert_eq!(Stream::parse(bad), None, "{bad}");
        }
    }
}
