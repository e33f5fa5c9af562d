//! SQL of driver actions, driver positions and the cash of delivered orders.

use crate::db::{Tx, ts};
use ocpizza_proto::api::driver::{
    CashDelivery, DriverActionKind, DriverActionRecord, Position, RecordedOutcome,
};
use ocpizza_proto::api::orders::DriverRef;
use ocpizza_proto::{Money, OrderId, PaymentMethod, ShopId, UserId};
use sqlx::{AnyPool, Row};

/// A driver action as stored under its key, with the answer it got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAction {
    /// Idempotency key.
    pub key: String,
    /// Who sent it.
    pub driver_id: UserId,
    /// The order.
    pub order_id: OrderId,
    /// What was done.
    pub kind: DriverActionKind,
    /// Phone clock, Unix ms.
    pub device_at: i64,
    /// Server clock, Unix ms.
    pub received_at: i64,
    /// Cash declared.
    pub cash_collected: Option<Money>,
    /// Reason given.
    pub reason: Option<String>,
    /// Applied or refused.
    pub outcome: RecordedOutcome,
    /// HTTP status of the answer.
    pub status: u16,
    /// JSON body of the answer.
    pub response: String,
}

fn bad(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown {what} {value:?}").into())
}

fn action_from_row(r: &sqlx::any::AnyRow) -> sqlx::Result<StoredAction> {
    let kind: String = r.try_get("kind")?;
    let outcome: String = r.try_get("outcome")?;
    Ok(StoredAction {
        key: r.try_get("key")?,
        driver_id: UserId(r.try_get("driver_id")?),
        order_id: OrderId(r.try_get("order_id")?),
        kind: DriverActionKind::parse(&kind).ok_or_else(|| bad("action kind", &kind))?,
        device_at: r.try_get("device_at")?,
        received_at: r.try_get("received_at")?,
        cash_collected: r
            .try_get::<Option<i64>, _>("cash_collected_cents")?
            .map(Money),
        reason: r.try_get("reason")?,
        outcome: RecordedOutcome::parse(&outcome).ok_or_else(|| bad("outcome", &outcome))?,
        status: u16::try_from(r.try_get::<i64, _>("status")?).unwrap_or(200),
        response: r.try_get("response")?,
    })
}

const ACTION_COLUMNS: &str = "key, driver_id, order_id, kind, device_at, received_at, \
    cash_collected_cents, reason, outcome, status, response";

/// The action stored under `key`, if any.
pub async fn action_by_key(pool: &AnyPool, key: &str) -> sqlx::Result<Option<StoredAction>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ACTION_COLUMNS} FROM driver_actions WHERE key = $1"
    )))
    .bind(key)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(action_from_row)
    .transpose()
}

/// Stores an action under its key. A twin that stored the same key first makes this fail
/// with a unique violation.
pub async fn insert_action(tx: &mut Tx, a: &StoredAction) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO driver_actions ({ACTION_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    )))
    .bind(&a.key)
    .bind(a.driver_id.0)
    .bind(a.order_id.0)
    .bind(a.kind.as_str())
    .bind(a.device_at)
    .bind(a.received_at)
    .bind(a.cash_collected.map(|c| c.0))
    .bind(&a.reason)
    .bind(a.outcome.as_str())
    .bind(i64::from(a.status))
    .bind(&a.response)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// The actions of an order, in the order they were received.
pub async fn actions_of_order(
    pool: &AnyPool,
    order: OrderId,
) -> sqlx::Result<Vec<DriverActionRecord>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ACTION_COLUMNS} FROM driver_actions WHERE order_id = $1 ORDER BY id"
    )))
    .bind(order.0)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        let a = action_from_row(r)?;
        Ok(DriverActionRecord {
            key: a.key,
            driver_id: a.driver_id,
            kind: a.kind,
            device_at: ts(a.device_at),
            received_at: ts(a.received_at),
            cash_collected: a.cash_collected,
            reason: a.reason,
            outcome: a.outcome,
        })
    })
    .collect()
}

/// Keeps `position` as the latest one of the order's driver.
pub async fn save_position(
    tx: &mut Tx,
    order: OrderId,
    driver: UserId,
    position: &Position,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO driver_positions (order_id, driver_id, lat, lon, accuracy_m, device_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (order_id) DO UPDATE SET driver_id = excluded.driver_id, \
         lat = excluded.lat, lon = excluded.lon, accuracy_m = excluded.accuracy_m, \
         device_at = excluded.device_at, updated_at = excluded.updated_at",
    )
    .bind(order.0)
    .bind(driver.0)
    .bind(position.lat)
    .bind(position.lon)
    .bind(position.accuracy_m)
    .bind(position.at.as_millisecond())
    .bind(now)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Forgets the position of the order's driver (the delivery is over).
pub async fn forget_position(tx: &mut Tx, order: OrderId) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM driver_positions WHERE order_id = $1")
        .bind(order.0)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// The latest position of the order's driver, if one is kept.
pub async fn position(pool: &AnyPool, order: OrderId) -> sqlx::Result<Option<Position>> {
    sqlx::query("SELECT lat, lon, accuracy_m, device_at FROM driver_positions WHERE order_id = $1")
        .bind(order.0)
        .fetch_optional(pool)
        .await?
        .map(|r| {
            Ok(Position {
                lat: r.try_get("lat")?,
                lon: r.try_get("lon")?,
                accuracy_m: r.try_get("accuracy_m")?,
                at: ts(r.try_get("device_at")?),
            })
        })
        .transpose()
}

/// Orders delivered in `[from_ms, to_ms)`, by one driver and/or in one shop, with their
/// driver, in the order they were handed over.
pub async fn delivered(
    pool: &AnyPool,
    driver: Option<UserId>,
    shop: Option<ShopId>,
    (from_ms, to_ms): (i64, i64),
) -> sqlx::Result<Vec<(DriverRef, CashDelivery)>> {
    sqlx::query(
        "SELECT o.id, o.driver_id, d.name, o.delivered_at, o.total_cents, o.payment_method, \
         o.cash_collected_cents FROM orders o JOIN users d ON d.id = o.driver_id \
         WHERE o.status = 'delivered' AND o.delivered_at >= $1 AND o.delivered_at < $2 \
         AND ($3 < 0 OR o.driver_id = $3) AND ($4 < 0 OR o.shop_id = $4) \
         ORDER BY o.delivered_at, o.id",
    )
    .bind(from_ms)
    .bind(to_ms)
    .bind(driver.map_or(-1, |d| d.0))
    .bind(shop.map_or(-1, |s| s.0))
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        let method: String = r.try_get("payment_method")?;
        Ok((
            DriverRef {
                id: UserId(r.try_get("driver_id")?),
                name: r.try_get("name")?,
            },
            CashDelivery {
                order_id: OrderId(r.try_get("id")?),
                delivered_at: ts(r.try_get("delivered_at")?),
                total: Money(r.try_get("total_cents")?),
                payment_method: PaymentMethod::parse(&method)
                    .ok_or_else(|| bad("payment method", &method))?,
                cash_collected: r
                    .try_get::<Option<i64>, _>("cash_collected_cents")?
                    .map(Money),
            },
        ))
    })
    .collect()
}
