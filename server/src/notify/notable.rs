//! The events the planners act on, with only the fields they read.
//!
//! The log keeps each event whole (an order placed carries the whole order, its lines and its
//! customer), and the follower reads every order and stock event of the group. It decodes an
//! event by its kind, the log's `kind` column, straight into the few fields below: the rest of
//! the JSON is skipped without being built, and the kinds no planner acts on are not read at
//! all. The field names are those of [`Event`](ocpizza_proto::events::Event): the tests decode
//! real events both ways ([`Notable::parse`] and, whole, [`Notable::from`]) to keep them in
//! step.

use ocpizza_proto::api::orders::DriverRef;
use ocpizza_proto::api::stock::StockLevel;
use ocpizza_proto::events::Event;
use ocpizza_proto::{OrderId, OrderStatus, PaymentStatus, ShopId, UserId};
use serde::Deserialize;

/// What a planner may act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notable {
    /// An order reached its shop (or, paid online, once its payment was authorised).
    OrderPlaced {
        /// The order.
        order_id: OrderId,
        /// Its status then.
        status: OrderStatus,
    },
    /// An order moved to another stage.
    OrderStatusChanged {
        /// The order.
        order_id: OrderId,
        /// Its shop.
        shop_id: ShopId,
        /// Its new status.
        status: OrderStatus,
    },
    /// An order was cancelled.
    OrderCancelled {
        /// The order.
        order_id: OrderId,
        /// The reason given.
        reason: Option<String>,
    },
    /// The money of an order paid online moved, or an attempt failed.
    PaymentChanged {
        /// The order.
        order_id: OrderId,
        /// Where the money stands now.
        payment_status: PaymentStatus,
    },
    /// A driver was assigned to an order, or taken off it.
    DriverAssigned {
        /// The order.
        order_id: OrderId,
        /// Its shop.
        shop_id: ShopId,
        /// The driver's account, or none.
        driver: Option<UserId>,
    },
    /// Stock levels of a shop moved.
    StockChanged {
        /// The shop.
        shop_id: ShopId,
        /// The ingredients that changed, with their new levels.
        items: Vec<StockLevel>,
    },
    /// An event no planner acts on.
    Other,
}

impl Notable {
    /// Decodes the event of kind `kind` (its `type` tag) from its JSON.
    pub fn parse(kind: &str, payload: &str) -> serde_json::Result<Notable> {
        Ok(match kind {
            "order_placed" => {
                let placed: Placed = serde_json::from_str(payload)?;
                Notable::OrderPlaced {
                    order_id: placed.order.id,
                    status: placed.order.status,
                }
            }
            "order_status_changed" => {
                let changed: StatusChanged = serde_json::from_str(payload)?;
                Notable::OrderStatusChanged {
                    order_id: changed.order_id,
                    shop_id: changed.shop_id,
                    status: changed.status,
                }
            }
            "order_cancelled" => {
                let cancelled: Cancelled = serde_json::from_str(payload)?;
                Notable::OrderCancelled {
                    order_id: cancelled.order_id,
                    reason: cancelled.reason,
                }
            }
            "payment_changed" => {
                let changed: PaymentChanged = serde_json::from_str(payload)?;
                Notable::PaymentChanged {
                    order_id: changed.order_id,
                    payment_status: changed.payment_status,
                }
            }
            "driver_assigned" => {
                let assigned: Assigned = serde_json::from_str(payload)?;
                Notable::DriverAssigned {
                    order_id: assigned.order_id,
                    shop_id: assigned.shop_id,
                    driver: assigned.driver.map(|d| d.id),
                }
            }
            "stock_changed" => {
                let changed: StockChanged = serde_json::from_str(payload)?;
                Notable::StockChanged {
                    shop_id: changed.shop_id,
                    items: changed.items,
                }
            }
            _ => Notable::Other,
        })
    }
}

impl From<&Event> for Notable {
    /// What the planners read of an event decoded whole.
    fn from(event: &Event) -> Notable {
        match event {
            Event::OrderPlaced { order } => Notable::OrderPlaced {
                order_id: order.id,
                status: order.status,
            },
            Event::OrderStatusChanged {
                order_id,
                shop_id,
                status,
                ..
            } => Notable::OrderStatusChanged {
                order_id: *order_id,
                shop_id: *shop_id,
                status: *status,
            },
            Event::OrderCancelled {
                order_id, reason, ..
            } => Notable::OrderCancelled {
                order_id: *order_id,
                reason: reason.clone(),
            },
            Event::PaymentChanged {
                order_id,
                payment_status,
                ..
            } => Notable::PaymentChanged {
                order_id: *order_id,
                payment_status: *payment_status,
            },
            Event::DriverAssigned {
                order_id,
                shop_id,
                driver,
                ..
            } => Notable::DriverAssigned {
                order_id: *order_id,
                shop_id: *shop_id,
                driver: driver.as_ref().map(|d| d.id),
            },
            Event::StockChanged { shop_id, items } => Notable::StockChanged {
                shop_id: *shop_id,
                items: items.clone(),
            },
            _ => Notable::Other,
        }
    }
}

#[derive(Deserialize)]
struct Placed {
    order: PlacedOrder,
}

#[derive(Deserialize)]
struct PlacedOrder {
    id: OrderId,
    status: OrderStatus,
}

#[derive(Deserialize)]
struct StatusChanged {
    order_id: OrderId,
    shop_id: ShopId,
    status: OrderStatus,
}

#[derive(Deserialize)]
struct Cancelled {
    order_id: OrderId,
    reason: Option<String>,
}

#[derive(Deserialize)]
struct PaymentChanged {
    order_id: OrderId,
    payment_status: PaymentStatus,
}

#[derive(Deserialize)]
struct Assigned {
    order_id: OrderId,
    shop_id: ShopId,
    driver: Option<DriverRef>,
}

#[derive(Deserialize)]
struct StockChanged {
    shop_id: ShopId,
    items: Vec<StockLevel>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpizza_proto::PaymentMethod;

    fn both_ways(event: &Event) -> Notable {
        let json = serde_json::to_string(event).unwrap();
        let read = Notable::parse(event.kind(), &json).unwrap();
        assert_eq!(read, Notable::from(event), "{json}");
        read
    }

    #[test]
    fn a_failed_payment_is_read_with_its_order_and_status() {
        let event = Event::PaymentChanged {
            order_id: OrderId(7),
            shop_id: ShopId(2),
            payment_status: PaymentStatus::Failed,
            payment_method: PaymentMethod::Online,
            version: 3,
            operation: None,
            amount: None,
            reason: Some("card_declined".into()),
            by: None,
        };
        assert_eq!(
            both_ways(&event),
            Notable::PaymentChanged {
                order_id: OrderId(7),
                payment_status: PaymentStatus::Failed,
            }
        );
    }

    #[test]
    fn a_driver_taken_off_an_order_is_read_as_none() {
        let event = Event::DriverAssigned {
            order_id: OrderId(9),
            shop_id: ShopId(1),
            driver: None,
            version: 4,
        };
        assert_eq!(
            both_ways(&event),
            Notable::DriverAssigned {
                order_id: OrderId(9),
                shop_id: ShopId(1),
                driver: None,
            }
        );
    }

    #[test]
    fn kinds_no_planner_acts_on_are_not_read() {
        let paused = Event::ShopPaused {
            shop_id: ShopId(1),
            reason: Some("four en panne".into()),
        };
        assert_eq!(both_ways(&paused), Notable::Other);
        assert_eq!(
            Notable::parse("shop_paused", "not json").unwrap(),
            Notable::Other
        );
    }

    #[test]
    fn a_damaged_event_of_a_planned_kind_is_an_error() {
        assert!(Notable::parse("order_placed", r#"{"type":"order_placed","order":{}}"#).is_err());
        assert!(Notable::parse("stock_changed", "{").is_err());
    }
}
