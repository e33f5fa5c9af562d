//! SQL of shops.

use crate::db::Tx;
use ocpizza_proto::api::shops::Shop;
use ocpizza_proto::{OpenState, OpeningHours, ShopId};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use std::collections::HashMap;

const COLUMNS: &str = "id, name, street, postcode, city, phone, timezone, hours, \
                       delivery_postcodes, paused, pause_reason";

fn from_row(r: &AnyRow) -> sqlx::Result<Shop> {
    let json_err = |e: serde_json::Error| sqlx::Error::Decode(Box::new(e));
    let hours: OpeningHours =
        serde_json::from_str(&r.try_get::<String, _>("hours")?).map_err(json_err)?;
    let timezone: String = r.try_get("timezone")?;
    Ok(super::with_open_state(Shop {
        id: ShopId(r.try_get("id")?),
        name: r.try_get("name")?,
        street: r.try_get("street")?,
        postcode: r.try_get("postcode")?,
        city: r.try_get("city")?,
        phone: r.try_get("phone")?,
        timezone,
        hours,
        delivery_postcodes: serde_json::from_str(&r.try_get::<String, _>("delivery_postcodes")?)
            .map_err(json_err)?,
        paused: r.try_get::<i64, _>("paused")? != 0,
        pause_reason: r.try_get("pause_reason")?,
        open_now: false,
        today_hours: Vec::new(),
        open_state: OpenState::default(),
    }))
}

/// Every shop, by id.
pub async fn list(pool: &AnyPool) -> sqlx::Result<Vec<Shop>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM shops ORDER BY id"
    )))
    .fetch_all(pool)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// One shop.
pub async fn get<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    id: ShopId,
) -> sqlx::Result<Option<Shop>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM shops WHERE id = $1"
    )))
    .bind(id.0)
    .fetch_optional(ex)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Shop id → name.
pub async fn names(pool: &AnyPool) -> sqlx::Result<HashMap<ShopId, String>> {
    let rows = sqlx::query("SELECT id, name FROM shops")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| Ok((ShopId(r.try_get("id")?), r.try_get("name")?)))
        .collect()
}

/// Inserts a shop and returns its id.
pub async fn insert(tx: &mut Tx, shop: &Shop) -> sqlx::Result<ShopId> {
    sqlx::query_scalar(
        "INSERT INTO shops (name, street, postcode, city, phone, timezone, hours, \
         delivery_postcodes, paused, pause_reason, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(&shop.name)
    .bind(&shop.street)
    .bind(&shop.postcode)
    .bind(&shop.city)
    .bind(&shop.phone)
    .bind(&shop.timezone)
    .bind(serde_json::to_string(&shop.hours).unwrap_or_default())
    .bind(serde_json::to_string(&shop.delivery_postcodes).unwrap_or_default())
    .bind(i64::from(shop.paused))
    .bind(&shop.pause_reason)
    .bind(crate::db::now_ms())
    .fetch_one(&mut **tx)
    .await
    .map(ShopId)
}

/// Writes every editable field of `shop`.
pub async fn update(tx: &mut Tx, shop: &Shop) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE shops SET name = $1, phone = $2, hours = $3, delivery_postcodes = $4, \
         paused = $5, pause_reason = $6 WHERE id = $7",
    )
    .bind(&shop.name)
    .bind(&shop.phone)
    .bind(serde_json::to_string(&shop.hours).unwrap_or_default())
    .bind(serde_json::to_string(&shop.delivery_postcodes).unwrap_or_default())
    .bind(i64::from(shop.paused))
    .bind(&shop.pause_reason)
    .bind(shop.id.0)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}
