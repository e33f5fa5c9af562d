//! The rows a report is computed from: a shop's orders placed in the period with their stage
//! times, the pizzas of those orders, and the waste and corrections of its stock ledger. Each
//! query reads one shop over `[from_ms, to_ms)` through an index on `(shop_id, placed_at)` or
//! `(shop_id, kind, at)`; the figures are computed in Rust (see `figures.rs`), where local days
//! and percentiles read the same on both databases.

use ocpizza_proto::ShopId;
use sqlx::{AnyPool, Row};

/// A shop a report can be about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopRef {
    /// Id.
    pub id: ShopId,
    /// Name.
    pub name: String,
    /// IANA time zone.
    pub timezone: String,
}

/// Every shop, by id.
pub async fn shops(pool: &AnyPool) -> sqlx::Result<Vec<ShopRef>> {
    sqlx::query("SELECT id, name, timezone FROM shops ORDER BY id")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ShopRef {
                id: ShopId(r.try_get("id")?),
                name: r.try_get("name")?,
                timezone: r.try_get("timezone")?,
            })
        })
        .collect()
}

/// One order placed in the period: what it sold and when it entered each stage (Unix ms).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrderRow {
    /// `web`, `phone`, `counter`.
    pub channel: String,
    /// `online`, `cash_on_delivery`, …
    pub payment_method: String,
    /// Its status now.
    pub status: String,
    /// Total in cents.
    pub total_cents: i64,
    /// When it reached the shop.
    pub placed_at: i64,
    /// When the kitchen started it.
    pub preparing_at: Option<i64>,
    /// When it was ready.
    pub ready_at: Option<i64>,
    /// When a driver took it out.
    pub out_for_delivery_at: Option<i64>,
    /// When it was delivered.
    pub delivered_at: Option<i64>,
    /// When it was collected at the counter.
    pub collected_at: Option<i64>,
}

/// The orders of `shop` placed in `[from_ms, to_ms)` (awaiting payment ones never were).
pub async fn orders(
    pool: &AnyPool,
    shop: ShopId,
    (from_ms, to_ms): (i64, i64),
) -> sqlx::Result<Vec<OrderRow>> {
    sqlx::query(
        "SELECT channel, payment_method, status, total_cents, placed_at, preparing_at, \
         ready_at, out_for_delivery_at, delivered_at, collected_at FROM orders \
         WHERE shop_id = $1 AND placed_at >= $2 AND placed_at < $3",
    )
    .bind(shop.0)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(OrderRow {
            channel: r.try_get("channel")?,
            payment_method: r.try_get("payment_method")?,
            status: r.try_get("status")?,
            total_cents: r.try_get("total_cents")?,
            placed_at: r.try_get("placed_at")?,
            preparing_at: r.try_get("preparing_at")?,
            ready_at: r.try_get("ready_at")?,
            out_for_delivery_at: r.try_get("out_for_delivery_at")?,
            delivered_at: r.try_get("delivered_at")?,
            collected_at: r.try_get("collected_at")?,
        })
    })
    .collect()
}

/// Pizzas of the orders of `shop` placed in the period and not cancelled: `(name, size,
/// quantity, revenue in cents)`.
pub async fn pizzas(
    pool: &AnyPool,
    shop: ShopId,
    (from_ms, to_ms): (i64, i64),
) -> sqlx::Result<Vec<(String, String, i64, i64)>> {
    sqlx::query(
        "SELECT l.pizza_name, l.size_code, CAST(SUM(l.quantity) AS BIGINT) AS quantity, \
         CAST(SUM(l.total_cents) AS BIGINT) AS revenue \
         FROM orders o JOIN order_lines l ON l.order_id = o.id \
         WHERE o.shop_id = $1 AND o.placed_at >= $2 AND o.placed_at < $3 \
         AND o.status <> 'cancelled' GROUP BY l.pizza_name, l.size_code",
    )
    .bind(shop.0)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.try_get("pizza_name")?,
            r.try_get("size_code")?,
            r.try_get("quantity")?,
            r.try_get("revenue")?,
        ))
    })
    .collect()
}

/// Waste and correction movements of one ingredient, summed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerSum {
    /// Ingredient id.
    pub ingredient_id: i64,
    /// Its name.
    pub name: String,
    /// Its unit.
    pub unit: String,
    /// `waste` or `correction`.
    pub kind: String,
    /// Sum of `delta_on_hand`.
    pub delta: i64,
    /// Movements.
    pub count: i64,
}

/// The waste and corrections of `shop`'s stock ledger in the period, per ingredient and kind.
pub async fn losses(
    pool: &AnyPool,
    shop: ShopId,
    (from_ms, to_ms): (i64, i64),
) -> sqlx::Result<Vec<LedgerSum>> {
    sqlx::query(
        "SELECT l.ingredient_id, i.name, i.unit, l.kind, \
         CAST(SUM(l.delta_on_hand) AS BIGINT) AS delta, COUNT(*) AS n \
         FROM stock_ledger l JOIN ingredients i ON i.id = l.ingredient_id \
         WHERE l.shop_id = $1 AND l.kind IN ('waste', 'correction') \
         AND l.at >= $2 AND l.at < $3 \
         GROUP BY l.ingredient_id, i.name, i.unit, l.kind",
    )
    .bind(shop.0)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(LedgerSum {
            ingredient_id: r.try_get("ingredient_id")?,
            name: r.try_get("name")?,
            unit: r.try_get("unit")?,
            kind: r.try_get("kind")?,
            delta: r.try_get("delta")?,
            count: r.try_get("n")?,
        })
    })
    .collect()
}
