//! Availability: how many of each pizza size a shop can still make from its free stock
//! (`on_hand - reserved`), or 0 when its manager switched the pizza off.
//!
//! The `availability` table holds what was last published on the shop's menu stream;
//! [`refresh`] recomputes, stores and returns only the sizes whose count moved.

use crate::db::Tx;
use ocpizza_proto::api::menu::Availability;
use ocpizza_proto::{PizzaId, ShopId};
use sqlx::Row;
use std::collections::HashMap;

/// One SQL statement for every pizza size of the shop. An ingredient the shop does not stock
/// counts as 0; a size without recipe cannot be made.
const COMPUTE: &str = "\
SELECT ps.pizza_id, ps.code, \
  CASE WHEN d.pizza_id IS NOT NULL THEN 0 ELSE COALESCE(( \
    SELECT MIN(COALESCE(s.on_hand - s.reserved, 0) / r.quantity) \
    FROM recipe_items r \
    LEFT JOIN stock s ON s.shop_id = $1 AND s.ingredient_id = r.ingredient_id \
    WHERE r.pizza_id = ps.pizza_id AND r.size_code = ps.code), 0) END AS available \
FROM pizza_sizes ps \
LEFT JOIN shop_pizza_disabled d ON d.shop_id = $1 AND d.pizza_id = ps.pizza_id \
ORDER BY ps.pizza_id, ps.position";

/// Current availability of every pizza size in `shop`, computed from stock.
pub async fn compute<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    shop: ShopId,
) -> sqlx::Result<Vec<Availability>> {
    sqlx::query(COMPUTE)
        .bind(shop.0)
        .fetch_all(ex)
        .await?
        .iter()
        .map(|r| {
            Ok(Availability {
                pizza_id: PizzaId(r.try_get("pizza_id")?),
                size: r.try_get("code")?,
                available: r.try_get("available")?,
            })
        })
        .collect()
}

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

/// Recomputes `shop`'s availability, stores what changed and returns it.
pub async fn refresh(tx: &mut Tx, shop: ShopId) -> sqlx::Result<Vec<Availability>> {
    let before = published(&mut **tx, shop).await?;
    let now = compute(&mut **tx, shop).await?;
    let mut changed = Vec::new();
    for item in now {
        if before.get(&(item.pizza_id, item.size.clone())) == Some(&item.available) {
            continue;
        }
        sqlx::query(
            "INSERT INTO availability (shop_id, pizza_id, size_code, available) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (shop_id, pizza_id, size_code) \
             DO UPDATE SET available = excluded.available",
        )
        .bind(shop.0)
        .bind(item.pizza_id.0)
        .bind(&item.size)
        .bind(item.available)
        .execute(&mut **tx)
        .await?;
        changed.push(item);
    }
    Ok(changed)
}
