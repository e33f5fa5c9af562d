//! Estimated times: when an order placed now would be ready or delivered.

use crate::ids::ShopId;
use serde::{Deserialize, Serialize};

/// `GET /api/v1/shops/{id}/eta`: what the shop would promise to an order placed now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ShopEta {
    /// The shop.
    pub shop_id: ShopId,
    /// Ready to collect at the counter, for a pickup order placed now.
    pub pickup_at: jiff::Timestamp,
    /// At the customer's door, for a delivery order placed now.
    pub delivery_at: jiff::Timestamp,
    /// Orders the kitchen has not started yet, which a new order would wait behind.
    pub orders_waiting: u32,
    /// The shop's time zone (IANA name), in which the times are shown.
    pub timezone: String,
}
