//! SQL of shops and their exceptional closures.

use crate::db::Tx;
use jiff::civil::Date;
use ocpizza_proto::api::shops::{Closure, Shop};
use ocpizza_proto::{Money, OpenState, OpeningHours, ShopId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};
use std::collections::HashMap;

const COLUMNS: &str = "id, name, street, postcode, city, phone, timezone, hours, \
                       delivery_postcodes, paused, pause_reason, retired_at, \
                       min_delivery_cents, delivery_fee_cents";

fn decode<E: std::error::Error + Send + Sync + 'static>(e: E) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

/// The shop as stored, closures and open state not filled yet.
fn from_row(r: &AnyRow) -> sqlx::Result<Shop> {
    let hours: OpeningHours =
        serde_json::from_str(&r.try_get::<String, _>("hours")?).map_err(decode)?;
    Ok(Shop {
        id: ShopId(r.try_get("id")?),
        name: r.try_get("name")?,
        street: r.try_get("street")?,
        postcode: r.try_get("postcode")?,
        city: r.try_get("city")?,
        phone: r.try_get("phone")?,
        timezone: r.try_get("timezone")?,
        hours,
        delivery_postcodes: serde_json::from_str(&r.try_get::<String, _>("delivery_postcodes")?)
            .map_err(decode)?,
        paused: r.try_get::<i64, _>("paused")? != 0,
        pause_reason: r.try_get("pause_reason")?,
        open_now: false,
        today_hours: Vec::new(),
        open_state: OpenState::default(),
        retired: r.try_get::<Option<i64>, _>("retired_at")?.is_some(),
        min_delivery_order: Money(r.try_get("min_delivery_cents")?),
        delivery_fee: Money(r.try_get("delivery_fee_cents")?),
        closures: Vec::new(),
        closed_today: None,
    })
}

fn closure_from_row(r: &AnyRow) -> sqlx::Result<(ShopId, Closure)> {
    let date =
        |c: &str| -> sqlx::Result<Date> { r.try_get::<String, _>(c)?.parse().map_err(decode) };
    Ok((
        ShopId(r.try_get("shop_id")?),
        Closure {
            id: r.try_get("id")?,
            starts_on: date("starts_on")?,
            ends_on: date("ends_on")?,
            reason: r.try_get("reason")?,
        },
    ))
}

/// Yesterday in UTC: no shop's local today is earlier, so closures ending before it are past.
fn earliest_today() -> String {
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    today.yesterday().unwrap_or(today).to_string()
}

/// Closures not yet over (of one shop, or of all), by shop, soonest first.
async fn closures(
    conn: &mut AnyConnection,
    shop: Option<ShopId>,
) -> sqlx::Result<HashMap<ShopId, Vec<Closure>>> {
    let rows = sqlx::query(
        "SELECT id, shop_id, starts_on, ends_on, reason FROM shop_closures \
         WHERE ends_on >= $1 AND ($2 = 0 OR shop_id = $2) ORDER BY starts_on, id",
    )
    .bind(earliest_today())
    .bind(shop.map_or(0, |s| s.0))
    .fetch_all(conn)
    .await?;
    let mut by_shop: HashMap<ShopId, Vec<Closure>> = HashMap::new();
    for r in &rows {
        let (shop, closure) = closure_from_row(r)?;
        by_shop.entry(shop).or_default().push(closure);
    }
    Ok(by_shop)
}

async fn load(conn: &mut AnyConnection, filter: &str, id: i64) -> sqlx::Result<Vec<Shop>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM shops WHERE {filter} ORDER BY id"
    )))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut shops: Vec<Shop> = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    let single = (shops.len() == 1).then(|| shops[0].id);
    let mut closed = closures(conn, single).await?;
    for shop in &mut shops {
        shop.closures = closed.remove(&shop.id).unwrap_or_default();
    }
    Ok(shops.into_iter().map(super::with_open_state).collect())
}

/// Every trading shop (retired ones left out), by id.
pub async fn list(pool: &AnyPool) -> sqlx::Result<Vec<Shop>> {
    load(
        &mut *pool.acquire().await?,
        "retired_at IS NULL OR $1 = 1",
        0,
    )
    .await
}

/// Every shop, retired ones included (the administrators' list), by id.
pub async fn list_all(pool: &AnyPool) -> sqlx::Result<Vec<Shop>> {
    load(&mut *pool.acquire().await?, "$1 = 0", 0).await
}

/// One shop, retired or not.
pub async fn get(pool: &AnyPool, id: ShopId) -> sqlx::Result<Option<Shop>> {
    get_in(&mut *pool.acquire().await?, id).await
}

/// One shop, read on `conn` (a transaction's connection sees its own writes).
pub async fn get_in(conn: &mut AnyConnection, id: ShopId) -> sqlx::Result<Option<Shop>> {
    Ok(load(conn, "id = $1", id.0).await?.pop())
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
         delivery_postcodes, paused, pause_reason, created_at, min_delivery_cents, \
         delivery_fee_cents) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
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
    .bind(shop.min_delivery_order.0)
    .bind(shop.delivery_fee.0)
    .fetch_one(&mut **tx)
    .await
    .map(ShopId)
}

/// Writes every editable field of `shop` (retirement apart, see [`set_retired`]).
pub async fn update(tx: &mut Tx, shop: &Shop) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE shops SET name = $1, phone = $2, hours = $3, delivery_postcodes = $4, \
         paused = $5, pause_reason = $6, street = $7, postcode = $8, city = $9, \
         timezone = $10, min_delivery_cents = $11, delivery_fee_cents = $12 WHERE id = $13",
    )
    .bind(&shop.name)
    .bind(&shop.phone)
    .bind(serde_json::to_string(&shop.hours).unwrap_or_default())
    .bind(serde_json::to_string(&shop.delivery_postcodes).unwrap_or_default())
    .bind(i64::from(shop.paused))
    .bind(&shop.pause_reason)
    .bind(&shop.street)
    .bind(&shop.postcode)
    .bind(&shop.city)
    .bind(&shop.timezone)
    .bind(shop.min_delivery_order.0)
    .bind(shop.delivery_fee.0)
    .bind(shop.id.0)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Retires the shop now (`true`) or brings it back (`false`).
pub async fn set_retired(tx: &mut Tx, id: ShopId, retired: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE shops SET retired_at = $1 WHERE id = $2")
        .bind(retired.then(crate::db::now_ms))
        .bind(id.0)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Gives a new shop a stock row at zero for every ingredient of the catalogue.
pub async fn create_stock(tx: &mut Tx, id: ShopId) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO stock (shop_id, ingredient_id, on_hand, reserved, low_threshold) \
         SELECT $1, id, 0, 0, 0 FROM ingredients",
    )
    .bind(id.0)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Adds a closure and returns its id.
pub async fn insert_closure(
    tx: &mut Tx,
    shop: ShopId,
    (starts_on, ends_on): (Date, Date),
    reason: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO shop_closures (shop_id, starts_on, ends_on, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(shop.0)
    .bind(starts_on.to_string())
    .bind(ends_on.to_string())
    .bind(reason)
    .bind(crate::db::now_ms())
    .fetch_one(&mut **tx)
    .await
}

/// Every closure of a shop, past ones included, by start.
pub async fn all_closures(pool: &AnyPool, shop: ShopId) -> sqlx::Result<Vec<Closure>> {
    sqlx::query(
        "SELECT id, shop_id, starts_on, ends_on, reason FROM shop_closures \
         WHERE shop_id = $1 ORDER BY starts_on, id",
    )
    .bind(shop.0)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| closure_from_row(r).map(|(_, c)| c))
    .collect()
}

/// Removes a closure of `shop`; the closure removed, if it was there.
pub async fn delete_closure(tx: &mut Tx, shop: ShopId, id: i64) -> sqlx::Result<Option<Closure>> {
    let found = sqlx::query(
        "SELECT id, shop_id, starts_on, ends_on, reason FROM shop_closures \
         WHERE shop_id = $1 AND id = $2",
    )
    .bind(shop.0)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = found else {
        return Ok(None);
    };
    sqlx::query("DELETE FROM shop_closures WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    closure_from_row(&row).map(|(_, c)| Some(c))
}
