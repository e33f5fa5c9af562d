//! The audit trail: who did what and when, kept for `OCPIZZA_AUDIT_RETENTION_DAYS` (two years
//! by default) whatever the event log's resume window.
//!
//! Every row is written in the transaction of the change it describes, so an entry exists if
//! and only if its change committed. Most entries come from the change's events: the outbox
//! hands each event it writes to [`from_event`] (order stages, edits, cancellations, drivers,
//! pauses, maintenance, refunds, cash hand-overs). Changes without an event worth keeping
//! (logins, roles, the catalogue and its prices with before and after, manual stock movements,
//! personal data requests) call [`record`] themselves.

pub mod db;
pub mod query;
pub mod router;

pub use router::router;

use crate::db::Tx;
use ocpizza_proto::events::Event;
use ocpizza_proto::{OrderId, ShopId, UserId};
use serde_json::{Value, json};

/// One line of the trail, before it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The shop it concerns (managers see their shops' entries), none for group-wide changes.
    pub shop: Option<ShopId>,
    /// What was done, `noun.verb` (`order.cancelled`, `pizza.updated`, `staff.login`).
    pub action: &'static str,
    /// What it was done to, `kind:id` (`order:42`, `user:7`, `pizza:3`).
    pub subject: String,
    /// Why, when the actor said.
    pub reason: Option<String>,
    /// The state before (changes of settings, catalogue, prices, roles).
    pub before: Option<Value>,
    /// The state after.
    pub after: Option<Value>,
}

impl Entry {
    /// An entry for `action` on `subject`, with nothing else said yet.
    pub fn new(action: &'static str, subject: impl Into<String>) -> Entry {
        Entry {
            shop: None,
            action,
            subject: subject.into(),
            reason: None,
            before: None,
            after: None,
        }
    }

    /// The shop it concerns.
    #[must_use]
    pub fn shop(mut self, shop: ShopId) -> Entry {
        self.shop = Some(shop);
        self
    }

    /// Why.
    #[must_use]
    pub fn reason(mut self, reason: Option<String>) -> Entry {
        self.reason = reason;
        self
    }

    /// The state before and after (either may be absent: a creation has no before).
    #[must_use]
    pub fn change(mut self, before: Option<Value>, after: Option<Value>) -> Entry {
        self.before = before;
        self.after = after;
        self
    }

    /// The state after only.
    #[must_use]
    pub fn after(mut self, after: Value) -> Entry {
        self.after = Some(after);
        self
    }
}

/// `order:{id}`.
pub fn order_subject(id: OrderId) -> String {
    format!("order:{}", id.0)
}

/// `user:{id}`.
pub fn user_subject(id: UserId) -> String {
    format!("user:{}", id.0)
}

/// Writes `entries`, made by `actor` (none for guests and the system), within `tx`.
pub async fn record(tx: &mut Tx, actor: Option<UserId>, entries: &[Entry]) -> sqlx::Result<()> {
    let mut script = crate::db::script::Script::new();
    db::insert(
        tx,
        &mut script,
        actor,
        entries.to_vec(),
        crate::db::now_ms(),
    )
    .await?;
    script.run(tx).await
}

/// The entry an event leaves in the trail, if it is one worth keeping.
pub fn from_event(event: &Event) -> Option<Entry> {
    Some(match event {
        Event::OrderPlaced { order } => Entry::new("order.placed", order_subject(order.id))
            .shop(order.shop_id)
            .after(json!({
                "status": order.status,
                "channel": order.channel,
                "total_cents": order.total.0,
                "payment_method": order.payment_method,
            })),
        Event::OrderEdited { order } => Entry::new("order.edited", order_subject(order.id))
            .shop(order.shop_id)
            .after(json!({
                "version": order.version,
                "total_cents": order.total.0,
                "lines": order.lines.iter().map(|l| json!({
                    "pizza": l.pizza_name, "size": l.size, "quantity": l.quantity,
                })).collect::<Vec<_>>(),
            })),
        Event::OrderStatusChanged {
            order_id,
            shop_id,
            status,
            ..
        } => Entry::new("order.status_changed", order_subject(*order_id))
            .shop(*shop_id)
            .after(json!({ "status": status })),
        Event::OrderCancelled {
            order_id,
            shop_id,
            reason,
            ..
        } => Entry::new("order.cancelled", order_subject(*order_id))
            .shop(*shop_id)
            .reason(reason.clone()),
        Event::DriverAssigned {
            order_id,
            shop_id,
            driver,
            ..
        } => Entry::new("order.driver_assigned", order_subject(*order_id))
            .shop(*shop_id)
            .after(
                json!({ "driver": driver.as_ref().map(|d| json!({"id": d.id, "name": d.name})) }),
            ),
        Event::ShopPaused { shop_id, reason } => {
            Entry::new("shop.paused", format!("shop:{}", shop_id.0))
                .shop(*shop_id)
                .reason(reason.clone())
        }
        Event::ShopResumed { shop_id } => {
            Entry::new("shop.resumed", format!("shop:{}", shop_id.0)).shop(*shop_id)
        }
        Event::MaintenanceSwitched { switch } => Entry::new(
            if switch.on {
                "maintenance.on"
            } else {
                "maintenance.off"
            },
            "site",
        )
        .reason(switch.message.clone())
        .after(json!({ "on": switch.on, "until": switch.until, "by": switch.by })),
        Event::PaymentChanged {
            order_id,
            shop_id,
            payment_status,
            operation: Some(operation),
            amount,
            reason,
            ..
        } => Entry::new("order.payment", order_subject(*order_id))
            .shop(*shop_id)
            .reason(reason.clone())
            .after(json!({
                "operation": operation,
                "amount_cents": amount.map(|a| a.0),
                "payment_status": payment_status,
            })),
        Event::CashHandedOver { shop_id, handover } => {
            Entry::new("cash.handed_over", format!("handover:{}", handover.id))
                .shop(*shop_id)
                .reason(handover.comment.clone())
                .after(serde_json::to_value(handover).unwrap_or(Value::Null))
        }
        Event::PaymentChanged { .. }
        | Event::StockChanged { .. }
        | Event::AvailabilityChanged { .. }
        | Event::DriverPosition { .. }
        | Event::AccessChanged { .. }
        | Event::MaintenanceChanged { .. }
        // Shop administration records its entries itself, with before and after.
        | Event::ShopOpened { .. }
        | Event::ShopUpdated { .. }
        | Event::ShopRetired { .. }
        | Event::CatalogueChanged { .. } => return None,
    })
}
