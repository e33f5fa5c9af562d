//! The order status machine and the roles that drive it.
//!
//! [`OrderStatus::transition`] is the single source of truth for which transitions exist and
//! which actors may make each one; the server enforces it and the PWA uses it to decide which
//! buttons to show.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where an order stands. Forward-only: no transition ever leads back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Online payment started but not confirmed yet.
    AwaitingPayment,
    /// In the shop's queue; the customer may still edit or cancel.
    Placed,
    /// The kitchen started it: ingredients are consumed.
    Preparing,
    /// Out of the oven, waiting for a driver or for the customer.
    Ready,
    /// A driver took it.
    OutForDelivery,
    /// Handed over to the customer at their door.
    Delivered,
    /// Picked up at the counter.
    Collected,
    /// The driver could not deliver it.
    DeliveryFailed,
    /// Cancelled by the customer (while placed) or by staff (before delivery), with a reason.
    Cancelled,
}

/// Delivery to an address or pickup at the shop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Fulfilment {
    /// Brought to the customer's address by a driver.
    Delivery,
    /// Collected by the customer at the counter.
    Pickup,
}

/// How the customer pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Paid online before the kitchen sees the order.
    Online,
    /// Paid to the driver at the door: how the customer will pay (cash or card) is told when
    /// the driver hands the order over. Every delivery is placed with this method.
    CashOnDelivery,
    /// Paid when collecting at the counter.
    AtCounter,
    /// Paid by card to the driver at the door: recorded at the hand-over (never chosen when
    /// ordering), in place of [`PaymentMethod::CashOnDelivery`].
    CardOnDelivery,
}

/// Where the order's money stands. For online payment: `pending` (waiting for the customer to
/// authorise) → `authorised` (held on the card, not taken) → `paid` (captured when the kitchen
/// starts), or `voided` (the hold released: cancelled before the kitchen started), `failed`
/// (refused, abandoned, or the capture failed), and after a capture `partly_refunded` /
/// `refunded`. Paid on delivery or at the counter: `pending` → `paid` (or `short`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Not paid yet.
    Pending,
    /// Online: the amount is held on the customer's card or PayPal account, not taken yet.
    Authorised,
    /// Paid (captured online, cash collected, or paid at the counter).
    Paid,
    /// Online: the hold was released before anything was taken.
    Voided,
    /// Online: the provider refused the payment, the customer abandoned it, or the capture
    /// failed (the managers' screens flag it).
    Failed,
    /// Paid, then part of it given back.
    PartlyRefunded,
    /// Paid and given back after a cancellation.
    Refunded,
    /// Delivered, but the driver collected less cash than the total: the shop settles the
    /// difference (the order is not marked paid).
    Short,
}

impl PaymentStatus {
    /// Every status.
    pub const ALL: [PaymentStatus; 8] = [
        PaymentStatus::Pending,
        PaymentStatus::Authorised,
        PaymentStatus::Paid,
        PaymentStatus::Voided,
        PaymentStatus::Failed,
        PaymentStatus::PartlyRefunded,
        PaymentStatus::Refunded,
        PaymentStatus::Short,
    ];
}

/// What a staff member does in one shop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// Takes phone and walk-in orders, hands over pickups.
    OrderTaker,
    /// Works the kitchen display.
    Cook,
    /// Delivers orders.
    Driver,
    /// Runs the shop: stock, staff, every order action.
    Manager,
}

impl StaffRole {
    /// All staff roles, in display order.
    pub const ALL: [StaffRole; 4] = [
        StaffRole::OrderTaker,
        StaffRole::Cook,
        StaffRole::Driver,
        StaffRole::Manager,
    ];

    /// The snake_case name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::OrderTaker => "order_taker",
            StaffRole::Cook => "cook",
            StaffRole::Driver => "driver",
            StaffRole::Manager => "manager",
        }
    }

    /// Parses [`StaffRole::as_str`] back.
    pub fn parse(s: &str) -> Option<StaffRole> {
        StaffRole::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Who is asking for a status transition, as far as the machine is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The customer who owns the order (account or tracking-token holder).
    Customer,
    /// Staff of the order's shop, with that role.
    Staff(StaffRole),
    /// A group administrator.
    Admin,
    /// The system itself (payment confirmation, timeouts).
    System,
}

use Actor::{Admin, Customer, Staff, System};
use StaffRole::{Cook, Driver, Manager, OrderTaker};

/// A transition that exists, and who may make it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// Actors allowed to make it.
    pub allowed: &'static [Actor],
    /// Whether a free-text reason is required (cancellations by staff, failed deliveries).
    pub needs_reason: bool,
}

const KITCHEN: &[Actor] = &[Staff(Cook), Staff(Manager), Admin];
const DRIVING: &[Actor] = &[Staff(Driver), Staff(Manager), Admin];
const COUNTER: &[Actor] = &[Staff(OrderTaker), Staff(Cook), Staff(Manager), Admin];
const CANCEL_PLACED: &[Actor] = &[Customer, Staff(OrderTaker), Staff(Manager), Admin, System];
const CANCEL_STARTED: &[Actor] = &[Staff(OrderTaker), Staff(Manager), Admin];

impl OrderStatus {
    /// Every status, in the order of the happy path.
    pub const ALL: [OrderStatus; 9] = [
        OrderStatus::AwaitingPayment,
        OrderStatus::Placed,
        OrderStatus::Preparing,
        OrderStatus::Ready,
        OrderStatus::OutForDelivery,
        OrderStatus::Delivered,
        OrderStatus::Collected,
        OrderStatus::DeliveryFailed,
        OrderStatus::Cancelled,
    ];

    /// The transition `self → to` for an order fulfilled as `fulfilment`, or `None` when it
    /// does not exist. This is the one place that says what the machine allows.
    pub fn transition(self, to: OrderStatus, fulfilment: Fulfilment) -> Option<Transition> {
        use Fulfilment::{Delivery, Pickup};
        use OrderStatus as S;
        let (allowed, needs_reason) = match (self, to, fulfilment) {
            (S::AwaitingPayment, S::Placed, _) => (&[System][..], false),
            // Staff cancel an unpaid order a customer calls about (or left behind).
            (S::AwaitingPayment, S::Cancelled, _) => {
                (&[Customer, Staff(Manager), Admin, System][..], false)
            }
            (S::Placed, S::Preparing, _) | (S::Preparing, S::Ready, _) => (KITCHEN, false),
            (S::Ready, S::OutForDelivery, Delivery) => (DRIVING, false),
            (S::OutForDelivery, S::Delivered, Delivery) => (DRIVING, false),
            (S::OutForDelivery, S::DeliveryFailed, Delivery) => (DRIVING, true),
            (S::Ready, S::Collected, Pickup) => (COUNTER, false),
            (S::Placed, S::Cancelled, _) => (CANCEL_PLACED, false),
            (S::Preparing | S::Ready, S::Cancelled, _) => (CANCEL_STARTED, true),
            _ => return None,
        };
        Some(Transition {
            allowed,
            needs_reason,
        })
    }

    /// Whether `actor` may move an order from `self` to `to`.
    pub fn can_transition(self, to: OrderStatus, fulfilment: Fulfilment, actor: Actor) -> bool {
        self.transition(to, fulfilment)
            .is_some_and(|t| t.allowed.contains(&actor))
    }

    /// The statuses `actor` may move an order to from `self` (what buttons to show).
    pub fn next_for(self, fulfilment: Fulfilment, actor: Actor) -> Vec<OrderStatus> {
        OrderStatus::ALL
            .into_iter()
            .filter(|to| self.can_transition(*to, fulfilment, actor))
            .collect()
    }

    /// No transition leaves this status.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            OrderStatus::Delivered
                | OrderStatus::Collected
                | OrderStatus::DeliveryFailed
                | OrderStatus::Cancelled
        )
    }

    /// The customer may still edit or cancel the order.
    pub fn is_editable(self) -> bool {
        matches!(self, OrderStatus::Placed | OrderStatus::AwaitingPayment)
    }

    /// The snake_case name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::AwaitingPayment => "awaiting_payment",
            OrderStatus::Placed => "placed",
            OrderStatus::Preparing => "preparing",
            OrderStatus::Ready => "ready",
            OrderStatus::OutForDelivery => "out_for_delivery",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Collected => "collected",
            OrderStatus::DeliveryFailed => "delivery_failed",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// Parses [`OrderStatus::as_str`] back.
    pub fn parse(s: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! str_enum {
    ($ty:ident { $($variant:ident => $s:literal),+ $(,)? }) => {
        impl $ty {
            /// The snake_case name used on the wire and in the database.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $s),+ }
            }
            /// Parses `as_str` back.
            pub fn parse(s: &str) -> Option<$ty> {
                match s { $($s => Some($ty::$variant),)+ _ => None }
            }
        }
    };
}

str_enum!(Fulfilment { Delivery => "delivery", Pickup => "pickup" });
str_enum!(PaymentMethod {
    Online => "online",
    CashOnDelivery => "cash_on_delivery",
    AtCounter => "at_counter",
    CardOnDelivery => "card_on_delivery",
});
str_enum!(PaymentStatus {
    Pending => "pending",
    Authorised => "authorised",
    Paid => "paid",
    Voided => "voided",
    Failed => "failed",
    PartlyRefunded => "partly_refunded",
    Refunded => "refunded",
    Short => "short",
});

#[cfg(test)]
mod tests {
    use super::*;
    use Fulfilment::{Delivery, Pickup};
    use OrderStatus as S;

    #[test]
    fn the_happy_paths_exist_for_the_roles_that_work_them() {
        let path = [
            (S::Placed, S::Preparing, Staff(Cook)),
            (S::Preparing, S::Ready, Staff(Cook)),
            (S::Ready, S::OutForDelivery, Staff(Driver)),
            (S::OutForDelivery, S::Delivered, Staff(Driver)),
        ];
        for (from, to, actor) in path {
            assert!(from.can_transition(to, Delivery, actor), "{from} → {to}");
        }
        assert!(S::Ready.can_transition(S::Collected, Pickup, Staff(OrderTaker)));
    }

    #[test]
    fn pickup_orders_never_go_out_and_deliveries_are_never_collected() {
        assert!(S::Ready.transition(S::OutForDelivery, Pickup).is_none());
        assert!(S::Ready.transition(S::Collected, Delivery).is_none());
    }

    #[test]
    fn customers_cancel_only_while_placed_and_staff_only_before_delivery() {
        assert!(S::Placed.can_transition(S::Cancelled, Delivery, Customer));
        assert!(!S::Preparing.can_transition(S::Cancelled, Delivery, Customer));
        assert!(S::Ready.can_transition(S::Cancelled, Delivery, Staff(Manager)));
        assert!(
            S::Ready
                .transition(S::Cancelled, Delivery)
                .unwrap()
                .needs_reason
        );
        assert!(
            S::OutForDelivery
                .transition(S::Cancelled, Delivery)
                .is_none()
        );
    }

    #[test]
    fn no_transition_leads_back_or_leaves_a_terminal_status() {
        let rank = |s: S| S::ALL.iter().position(|x| *x == s).unwrap();
        for from in S::ALL {
            for to in S::ALL {
                for f in [Delivery, Pickup] {
                    if from.transition(to, f).is_some() {
                        assert!(!from.is_terminal(), "{from} is terminal");
                        assert!(rank(to) > rank(from), "{from} → {to} goes back");
                    }
                }
            }
        }
    }

    #[test]
    fn drivers_and_customers_cannot_run_the_kitchen() {
        assert!(!S::Placed.can_transition(S::Preparing, Delivery, Staff(Driver)));
        assert!(!S::Placed.can_transition(S::Preparing, Delivery, Customer));
        assert_eq!(
            S::Placed.next_for(Delivery, Staff(Cook)),
            vec![S::Preparing]
        );
    }

    #[test]
    fn names_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for r in StaffRole::ALL {
            assert_eq!(StaffRole::parse(r.as_str()), Some(r));
        }
    }
}
