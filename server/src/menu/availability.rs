//! Availability: how many of each pizza size a shop can still make from its free stock
//! (`on_hand - reserved`), or 0 when its manager switched the pizza off or the group took it
//! off every menu.
//!
//! The `availability` table holds what was last published on the shop's menu stream;
//! [`refresh`] recomputes, stores and returns only the sizes whose count moved.

use crate::db::Tx;
use ocpizza_proto::api::menu::Availability;
use ocpizza_proto::{PizzaId, ShopId};
use sqlx::Row;
use std::collections::HashMap;

/// What was last published for `shop`.
pub async fn published<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    shop: ShopId,
) -> sqlx::Result<HashMap<(PizzaId, String), i64>> {
    sqlx::query("SELECT pizza_id, size_code, available FROM availability WHERE shop_id = $1")
        .bind(shop.0)
        .fetch_all(ex)
        .await?
        .iter()
        .map(|r| {
            Ok((
                (PizzaId(r.try_get("pizza_id")?), r.try_get("size_code")?),
                r.try_get("available")?,
            ))
        })
        .collect()
}

/// Recomputes `shop`'s availability, stores what changed and returns it — one statement:
/// the upsert only touches rows whose count moved, and returns exactly those.
const REFRESH: &str = "\
INSERT INTO availability (shop_id, pizza_id, size_code, available) \
SELECT $1, ps.pizza_id, ps.code, \
  CASE WHEN d.pizza_id IS NOT NULL OR p.available = 0 THEN 0 ELSE COALESCE(( \
    SELECT MIN(COALESCE(s.on_hand - s.reserved, 0) / r.quantity) \
    FROM recipe_items r \
    LEFT JOIN stock s ON s.shop_id = $1 AND s.ingredient_id = r.ingredient_id \
    WHERE r.pizza_id = ps.pizza_id AND r.size_code = ps.code), 0) END \
FROM pizza_sizes ps \
JOIN pizzas p ON p.id = ps.pizza_id \
LEFT JOIN shop_pizza_disabled d ON d.shop_id = $1 AND d.pizza_id = ps.pizza_id \
WHERE true \
ON CONFLICT (shop_id, pizza_id, size_code) DO UPDATE SET available = excluded.available \
WHERE availability.available <> excluded.available \
RETURNING pizza_id, size_code, available";

/// Recomputes `shop`'s availability, stores what changed and returns it (by pizza and size).
pub async fn refresh(tx: &mut Tx, shop: ShopId) -> sqlx::Result<Vec<Availability>> {
    let mut changed: Vec<Availability> = sqlx::query(REFRESH)
        .bind(shop.0)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| {
            Ok(Availability {
                pizza_id: PizzaId(r.try_get("pizza_id")?),
                size: r.try_get("size_code")?,
                available: r.try_get("available")?,
            })
        })
        .collect::<sqlx::Result<_>>()?;
    changed.sort_by(|a, b| (a.pizza_id, &a.size).cmp(&(b.pizza_id, &b.size)));
    Ok(changed)
}
