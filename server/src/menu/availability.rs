//! Availability: how many of each pizza size a shop can still make from its free stock
//! (`on_hand - reserved`), or 0 when its manager switched the pizza off or the group took it
//! off every menu — by band, as the menu and its stream give it: none, the exact count up to
//! [`FEW_LEFT`](ocpizza_proto::api::menu::FEW_LEFT), then [`MANY`]. The exact levels stay on
//! the staff's stock stream.
//!
//! The `availability` table holds what was last published on the shop's menu stream;
//! [`refresh`] recomputes, stores and returns only the sizes whose band moved.

use crate::db::Tx;
use ocpizza_proto::api::menu::{Availability, MANY, band};
use ocpizza_proto::{PizzaId, ShopId};
use sqlx::Row;
use std::collections::HashMap;

/// What was last published for `shop` (by band; a count stored before bands reads as its band).
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
                band(r.try_get("available")?),
            ))
        })
        .collect()
}

/// Recomputes `shop`'s availability by band, stores what changed and returns it — one
/// statement. Only the sizes whose band moved reach the upsert: an order that leaves many of
/// every pizza (the rule in a rush) writes nothing here, not even a row lock, and sends no
/// event to the shop's menu viewers.
const REFRESH: &str = "\
WITH counted AS ( \
  SELECT ps.pizza_id, ps.code AS size_code, \
    CASE WHEN d.pizza_id IS NOT NULL OR p.available = 0 THEN 0 ELSE COALESCE(( \
      SELECT MIN(COALESCE(s.on_hand - s.reserved, 0) / r.quantity) \
      FROM recipe_items r \
      LEFT JOIN stock s ON s.shop_id = $1 AND s.ingredient_id = r.ingredient_id \
      WHERE r.pizza_id = ps.pizza_id AND r.size_code = ps.code), 0) END AS n \
  FROM pizza_sizes ps \
  JOIN pizzas p ON p.id = ps.pizza_id \
  LEFT JOIN shop_pizza_disabled d ON d.shop_id = $1 AND d.pizza_id = ps.pizza_id \
), banded AS ( \
  SELECT pizza_id, size_code, \
    CASE WHEN n > $2 THEN $2 WHEN n < 0 THEN 0 ELSE n END AS available \
  FROM counted \
) \
INSERT INTO availability (shop_id, pizza_id, size_code, available) \
SELECT $1, b.pizza_id, b.size_code, b.available \
FROM banded b \
LEFT JOIN availability a \
  ON a.shop_id = $1 AND a.pizza_id = b.pizza_id AND a.size_code = b.size_code \
WHERE a.available IS NULL OR a.available <> b.available \
ON CONFLICT (shop_id, pizza_id, size_code) DO UPDATE SET available = excluded.available \
RETURNING pizza_id, size_code, available";

/// Recomputes `shop`'s availability, stores what changed and returns it (by pizza and size).
pub async fn refresh(tx: &mut Tx, shop: ShopId) -> sqlx::Result<Vec<Availability>> {
    let mut changed: Vec<Availability> = sqlx::query(REFRESH)
        .bind(shop.0)
        .bind(MANY)
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
