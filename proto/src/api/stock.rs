//! Stock per shop and its ledger.

use super::Unit;
use crate::ids::{IngredientId, OrderId, ShopId, UserId};
use serde::{Deserialize, Serialize};

/// One ingredient's stock in one shop (also the payload of stock events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StockLevel {
    /// Ingredient.
    pub ingredient_id: IngredientId,
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: Unit,
    /// Physically in the shop.
    pub on_hand: i64,
    /// Promised to placed orders not started yet.
    pub reserved: i64,
    /// Below this free quantity the manager is alerted.
    pub low_threshold: i64,
    /// `on_hand - reserved < low_threshold`.
    pub low: bool,
}

/// `GET /api/v1/shops/{id}/stock`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StockList {
    /// The shop.
    pub shop_id: ShopId,
    /// Sequence of the shop's stock stream this state corresponds to.
    pub stream_seq: i64,
    /// Every ingredient.
    pub items: Vec<StockLevel>,
}

/// `POST …/stock/restock` and `…/stock/waste`: a positive quantity in the ingredient's unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StockMovement {
    /// Ingredient.
    pub ingredient_id: IngredientId,
    /// How much arrives (restock) or is thrown away (waste); > 0.
    #[cfg_attr(feature = "server", schema(minimum = 1, maximum = 10_000_000))]
    pub quantity: i64,
    /// Delivery note, reason of the waste…
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 200))]
    pub reason: Option<String>,
}

/// `POST …/stock/correction`: the counted quantity after an inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StockCorrection {
    /// Ingredient.
    pub ingredient_id: IngredientId,
    /// What is physically there, ≥ 0.
    #[cfg_attr(feature = "server", schema(minimum = 0, maximum = 10_000_000))]
    pub on_hand: i64,
    /// Why (required).
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 200))]
    pub reason: String,
    /// Optionally a new low-stock threshold.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(minimum = 0, maximum = 10_000_000))]
    pub low_threshold: Option<i64>,
}

/// Kind of stock movement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LedgerKind {
    /// Goods received.
    Restock,
    /// Held for a placed (or edited) order.
    Reservation,
    /// Used when the kitchen started an order.
    Consumption,
    /// Given back by a cancelled or edited order.
    Release,
    /// Thrown away.
    Waste,
    /// Inventory count.
    Correction,
}

impl LedgerKind {
    /// The snake_case name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerKind::Restock => "restock",
            LedgerKind::Reservation => "reservation",
            LedgerKind::Consumption => "consumption",
            LedgerKind::Release => "release",
            LedgerKind::Waste => "waste",
            LedgerKind::Correction => "correction",
        }
    }

    /// Parses [`LedgerKind::as_str`] back.
    pub fn parse(s: &str) -> Option<LedgerKind> {
        use LedgerKind as K;
        [
            K::Restock,
            K::Reservation,
            K::Consumption,
            K::Release,
            K::Waste,
            K::Correction,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One row of the stock ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LedgerEntry {
    /// Row id (newest first; page with `before`).
    pub id: i64,
    /// Ingredient.
    pub ingredient_id: IngredientId,
    /// Its name.
    pub ingredient_name: String,
    /// Kind of movement.
    pub kind: LedgerKind,
    /// Change of the on-hand quantity.
    pub delta_on_hand: i64,
    /// Change of the reserved quantity.
    pub delta_reserved: i64,
    /// On hand after the movement.
    pub on_hand_after: i64,
    /// Reserved after the movement.
    pub reserved_after: i64,
    /// The order that caused it, if any (the first, when it was several: see `orders`).
    pub order_id: Option<OrderId>,
    /// Every order it was for, when it was several: the orders a shop takes together reserve
    /// each ingredient in one row. Empty for a movement of one order or none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orders: Vec<OrderId>,
    /// Who did it (none for customers' own orders).
    pub user_id: Option<UserId>,
    /// Free-text reason.
    pub reason: Option<String>,
    /// When.
    pub at: jiff::Timestamp,
}
