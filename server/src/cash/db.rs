//! SQL of the cash hand-overs: rows are only ever inserted, a correction being a new row with
//! the next revision.

use crate::db::{Tx, ts};
use jiff::civil::Date;
use ocpizza_proto::api::cash::{CashHandover, Recorder};
use ocpizza_proto::api::orders::DriverRef;
use ocpizza_proto::{Money, ShopId, UserId};
use sqlx::{AnyPool, Row};

/// A hand-over to store.
#[derive(Debug, Clone)]
pub struct NewRow<'a> {
    /// The shop.
    pub shop: ShopId,
    /// The driver.
    pub driver: UserId,
    /// The shop's local day.
    pub day: Date,
    /// 1 for the first record of the day, then one more per correction.
    pub revision: i64,
    /// The record it supersedes.
    pub replaces: Option<i64>,
    /// Computed by the server.
    pub expected: Money,
    /// Counted by the manager.
    pub counted: Money,
    /// Why they differ.
    pub comment: Option<&'a str>,
    /// The manager (or admin).
    pub recorded_by: UserId,
    /// Unix ms.
    pub recorded_at: i64,
}

const SELECT: &str = "SELECT h.id, h.shop_id, h.driver_id, d.name AS driver_name, h.day, \
    h.revision, h.replaces_id, h.expected_cents, h.counted_cents, h.comment, h.recorded_by, \
    r.name AS recorder_name, h.recorded_at FROM cash_handovers h \
    JOIN users d ON d.id = h.driver_id JOIN users r ON r.id = h.recorded_by";

fn from_row(r: &sqlx::any::AnyRow) -> sqlx::Result<CashHandover> {
    let day: String = r.try_get("day")?;
    let date = day
        .parse::<Date>()
        .map_err(|e| sqlx::Error::Decode(format!("hand-over day {day:?}: {e}").into()))?;
    let expected = Money(r.try_get("expected_cents")?);
    let counted = Money(r.try_get("counted_cents")?);
    let revision: i64 = r.try_get("revision")?;
    Ok(CashHandover {
        id: r.try_get("id")?,
        shop_id: ShopId(r.try_get("shop_id")?),
        driver: DriverRef {
            id: UserId(r.try_get("driver_id")?),
            name: r.try_get("driver_name")?,
        },
        date,
        expected,
        counted,
        difference: Money(counted.0 - expected.0),
        comment: r.try_get("comment")?,
        recorded_by: Recorder {
            id: UserId(r.try_get("recorded_by")?),
            name: r.try_get("recorder_name")?,
        },
        recorded_at: ts(r.try_get("recorded_at")?),
        corrections: u32::try_from(revision - 1).unwrap_or(0),
        replaces: r.try_get("replaces_id")?,
    })
}

/// The record in force for a driver, shop and day (the latest revision), read within `tx`.
pub async fn current(
    tx: &mut Tx,
    shop: ShopId,
    driver: UserId,
    day: Date,
) -> sqlx::Result<Option<CashHandover>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE h.shop_id = $1 AND h.driver_id = $2 AND h.day = $3 \
         ORDER BY h.revision DESC LIMIT 1"
    )))
    .bind(shop.0)
    .bind(driver.0)
    .bind(day.to_string())
    .fetch_optional(&mut **tx)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Stores a record; returns its id. A concurrent record of the same revision makes this fail
/// with a unique violation.
pub async fn insert(tx: &mut Tx, row: &NewRow<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO cash_handovers (shop_id, driver_id, day, revision, replaces_id, \
         expected_cents, counted_cents, comment, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(row.shop.0)
    .bind(row.driver.0)
    .bind(row.day.to_string())
    .bind(row.revision)
    .bind(row.replaces)
    .bind(row.expected.0)
    .bind(row.counted.0)
    .bind(row.comment)
    .bind(row.recorded_by.0)
    .bind(row.recorded_at)
    .fetch_one(&mut **tx)
    .await
}

/// Every record of a day, in one shop and/or of one driver, oldest first.
pub async fn of_day(
    pool: &AnyPool,
    shop: Option<ShopId>,
    driver: Option<UserId>,
    day: Date,
) -> sqlx::Result<Vec<CashHandover>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE h.day = $1 AND ($2 < 0 OR h.shop_id = $2) AND ($3 < 0 OR h.driver_id = $3) \
         ORDER BY h.id"
    )))
    .bind(day.to_string())
    .bind(shop.map_or(-1, |s| s.0))
    .bind(driver.map_or(-1, |d| d.0))
    .fetch_all(pool)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// The records in force among `all` of one day: the latest revision of each shop and driver.
pub fn in_force(all: Vec<CashHandover>) -> Vec<CashHandover> {
    let mut current: Vec<CashHandover> = Vec::new();
    for h in all {
        let same = |c: &CashHandover| (c.shop_id, c.driver.id) == (h.shop_id, h.driver.id);
        match current.iter_mut().find(|c| same(c)) {
            Some(c) if c.corrections < h.corrections => *c = h,
            Some(_) => {}
            None => current.push(h),
        }
    }
    current
}
