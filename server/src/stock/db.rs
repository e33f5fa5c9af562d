//! SQL of stock and its ledger. Every movement is one guarded `UPDATE` (the new levels must
//! keep `0 <= reserved <= on_hand`) followed by its ledger row, inside the caller's transaction.
//! The guard in the `WHERE` clause is what makes overselling impossible under concurrency: two
//! orders racing for the last portion both run it, and the database lets only one match.

use crate::db::script::Script;
use crate::db::{Tx, now_ms, ts};
use ocpizza_proto::api::Unit;
use ocpizza_proto::api::stock::{LedgerEntry, LedgerKind, StockLevel};
use ocpizza_proto::{IngredientId, OrderId, PizzaId, ShopId, UserId};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Who and why, recorded on each ledger row.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cause<'a> {
    /// The order that caused it.
    pub order: Option<OrderId>,
    /// The account that did it.
    pub user: Option<UserId>,
    /// Free text.
    pub reason: Option<&'a str>,
}

/// Moves one ingredient's levels by the deltas. `Ok(None)` when the guard refuses (not enough
/// free stock, or no stock row); otherwise the new `(on_hand, reserved)`. The ledger row is
/// the caller's to write (see [`insert_ledger`]).
pub async fn apply(
    tx: &mut Tx,
    shop: ShopId,
    ingredient: IngredientId,
    delta_on_hand: i64,
    delta_reserved: i64,
) -> sqlx::Result<Option<(i64, i64)>> {
    let row = sqlx::query(
        "UPDATE stock SET on_hand = on_hand + $1, reserved = reserved + $2 \
         WHERE shop_id = $3 AND ingredient_id = $4 \
           AND on_hand + $1 >= reserved + $2 AND reserved + $2 >= 0 \
         RETURNING on_hand, reserved",
    )
    .bind(delta_on_hand)
    .bind(delta_reserved)
    .bind(shop.0)
    .bind(ingredient.0)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some((row.try_get("on_hand")?, row.try_get("reserved")?)))
}

/// Begins a write transaction that reads the shop's stock levels and holds them until its
/// end, and the pizzas switched off there (as [`crate::menu::db::disabled`] gives them), with
/// one statement. On PostgreSQL the stock's rows are locked, in ingredient order (as every
/// writer of stock locks them); the pizzas switched off are those of the statement's start,
/// which may precede the locks when another transaction holds them (a switch committed
/// meanwhile then counts from the next batch, as if it had come a moment later). On SQLite
/// the write transaction holds the whole file, and the statement also begins it (see
/// [`crate::db::Db::begin_reading`]): one hand-off to the database's thread for all three.
///
/// On SQLite the same statement also reads `beside`, other rows the caller needs at the
/// start of its transaction (see [`Beside`]); PostgreSQL refuses it (its callers read such
/// rows on another connection meanwhile).
pub async fn hold(
    db: &crate::db::Db,
    shop: ShopId,
    beside: Option<&Beside>,
) -> sqlx::Result<(Tx, Holding)> {
    // Each row's first column tells what it is: 0 a stock level, 1 a pizza switched off
    // (its id second), 2 and more a row of `beside`.
    const DISABLED: &str = "SELECT 1, pizza_id, '', '', 0, 0, 0 FROM shop_pizza_disabled \
         WHERE shop_id = {shop} \
         UNION ALL \
         SELECT 1, id, '', '', 0, 0, 0 FROM pizzas WHERE available = 0 \
           AND id NOT IN (SELECT pizza_id FROM shop_pizza_disabled WHERE shop_id = {shop})";
    let (tx, rows) = match db.backend() {
        crate::db::Backend::Postgres => {
            if beside.is_some() {
                return Err(sqlx::Error::Protocol(
                    "rows beside the stock are read with it on SQLite only".into(),
                ));
            }
            let sql = format!(
                "WITH held AS (SELECT s.ingredient_id, i.name, i.unit, s.on_hand, s.reserved, \
                   s.low_threshold \
                 FROM stock s JOIN ingredients i ON i.id = s.ingredient_id \
                 WHERE s.shop_id = $1 ORDER BY s.ingredient_id FOR UPDATE OF s) \
                 SELECT CAST(0 AS BIGINT) AS off, ingredient_id, name, unit, on_hand, reserved, \
                   low_threshold \
                 FROM held \
                 UNION ALL {}",
                DISABLED.replace("{shop}", "$1")
            );
            let mut tx = db.begin().await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(shop.0)
                .fetch_all(&mut *tx)
                .await?;
            (tx, rows)
        }
        crate::db::Backend::Sqlite => {
            // Anonymous placeholders, bound in order: the shop three times, then `beside`'s.
            let mut sql = format!(
                "SELECT 0 AS off, s.ingredient_id, i.name, i.unit, s.on_hand, s.reserved, \
                   s.low_threshold \
                 FROM stock s JOIN ingredients i ON i.id = s.ingredient_id WHERE s.shop_id = ? \
                 UNION ALL {}",
                DISABLED.replace("{shop}", "?")
            );
            if let Some(beside) = beside {
                sql.push_str(" UNION ALL ");
                sql.push_str(&beside.sql);
            }
            db.begin_reading(&sql, |query| {
                let mut query = query.bind(shop.0).bind(shop.0).bind(shop.0);
                for value in beside.iter().flat_map(|b| &b.binds) {
                    query = query.bind(value.clone());
                }
                query
            })
            .await?
        }
    };
    let mut levels = BTreeMap::new();
    let mut disabled = Vec::new();
    let mut others = Vec::new();
    for row in rows {
        match row.try_get::<i64, _>("off")? {
            0 => {
                let level = level(&row)?;
                levels.insert(level.ingredient_id, level);
            }
            1 => disabled.push(PizzaId(row.try_get("ingredient_id")?)),
            off => others.push(BesideRow {
                off,
                key: row.try_get("ingredient_id")?,
                value: row.try_get("on_hand")?,
            }),
        }
    }
    let holding = Holding {
        levels,
        disabled,
        beside: others,
    };
    Ok((tx, holding))
}

/// Rows read with the stock on SQLite (see [`hold`]): branches of a `UNION ALL` whose seven
/// columns match the stock's, the first a number of 2 or more that tells the branches apart;
/// the first, second and fifth come back (see [`BesideRow`]). Its placeholders are anonymous
/// (`?`), bound to `binds` in order.
#[derive(Debug, Clone, Default)]
pub struct Beside {
    /// The branches.
    pub sql: String,
    /// Their values, in the order of their placeholders.
    pub binds: Vec<String>,
}

impl Beside {
    /// These branches, then `more`'s.
    #[must_use]
    pub fn and(mut self, more: Beside) -> Beside {
        if self.sql.is_empty() {
            return more;
        }
        if !more.sql.is_empty() {
            self.sql.push_str(" UNION ALL ");
            self.sql.push_str(&more.sql);
            self.binds.extend(more.binds);
        }
        self
    }
}

/// A row read beside the stock: its branch's number, and its second and fifth columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BesideRow {
    /// The first column: which kind of row.
    pub off: i64,
    /// The second column.
    pub key: i64,
    /// The fifth column.
    pub value: i64,
}

/// What [`hold`] read.
#[derive(Debug)]
pub struct Holding {
    /// The shop's stock.
    pub levels: BTreeMap<IngredientId, StockLevel>,
    /// The pizzas switched off there.
    pub disabled: Vec<PizzaId>,
    /// The rows read beside the stock.
    pub beside: Vec<BesideRow>,
}

/// Reserves every quantity of `needs` with `script`, in one guarded statement (the rows held
/// already, see [`hold`]): the script fails unless every ingredient's free stock sufficed.
pub fn reserve_many(
    conn: &sqlx::AnyConnection,
    script: &mut Script<'_>,
    shop: ShopId,
    needs: &crate::stock::Needs,
) {
    if needs.is_empty() {
        return;
    }
    let wanted: Vec<(i64, i64)> = needs.iter().map(|(i, q)| (i.0, *q)).collect();
    // The shop's value comes last: SQLite binds in the order of the placeholders.
    let at = |n| crate::db::placeholder(conn, n);
    let mut sql = String::from("WITH wanted (id, qty) AS (VALUES ");
    for i in 0..wanted.len() {
        let sep = if i == 0 { "" } else { ", " };
        let (id, qty) = (at(2 * i + 1), at(2 * i + 2));
        // Cast, or PostgreSQL takes the untyped values for text.
        let _ = write!(sql, "{sep}(CAST({id} AS BIGINT), CAST({qty} AS BIGINT))");
    }
    let _ = write!(
        sql,
        ") UPDATE stock SET reserved = stock.reserved + wanted.qty FROM wanted \
         WHERE stock.shop_id = {} AND stock.ingredient_id = wanted.id \
           AND stock.on_hand >= stock.reserved + wanted.qty",
        at(2 * wanted.len() + 1)
    );
    let rows = wanted.len() as u64;
    script.push(sql, rows, move |mut query| {
        for (ingredient, qty) in &wanted {
            query = query.bind(*ingredient).bind(*qty);
        }
        query.bind(shop.0)
    });
}

/// One ledger row: a movement and the levels it left.
#[derive(Debug, Clone)]
pub struct LedgerRow {
    /// Which ingredient moved.
    pub ingredient: IngredientId,
    /// Why.
    pub kind: LedgerKind,
    /// Change of the quantity on hand.
    pub delta_on_hand: i64,
    /// Change of the reserved quantity.
    pub delta_reserved: i64,
    /// Levels after the movement.
    pub after: (i64, i64),
    /// The order that caused it (the first, when several did).
    pub order: Option<OrderId>,
    /// Every order that caused it, when several did (empty otherwise).
    pub orders: Vec<OrderId>,
    /// The account that did it.
    pub user: Option<UserId>,
    /// Free text.
    pub reason: Option<String>,
    /// When (ms since the epoch).
    pub at: i64,
}

impl LedgerRow {
    /// The row for a movement that `cause` explains, made now.
    pub fn new(
        ingredient: IngredientId,
        kind: LedgerKind,
        deltas: (i64, i64),
        after: (i64, i64),
        cause: Cause<'_>,
    ) -> LedgerRow {
        LedgerRow {
            ingredient,
            kind,
            delta_on_hand: deltas.0,
            delta_reserved: deltas.1,
            after,
            order: cause.order,
            orders: Vec::new(),
            user: cause.user,
            reason: cause.reason.map(str::to_owned),
            at: now_ms(),
        }
    }
}

/// Ledger rows per statement: far below both databases' limits on bound parameters.
const LEDGER_BATCH: usize = 100;

/// Writes the ledger rows of `shop` with `script`, one statement per [`LEDGER_BATCH`] rows
/// (the statement is assembled from placeholders only; every value is bound).
pub fn insert_ledger(
    conn: &sqlx::AnyConnection,
    script: &mut Script<'_>,
    shop: ShopId,
    rows: Vec<LedgerRow>,
) {
    const COLUMNS: usize = 12;
    for chunk in crate::db::script::chunks(rows, LEDGER_BATCH) {
        let mut sql = String::from(
            "INSERT INTO stock_ledger (shop_id, ingredient_id, kind, delta_on_hand, \
             delta_reserved, on_hand_after, reserved_after, order_id, orders, user_id, reason, \
             at) VALUES ",
        );
        sql.push_str(&crate::db::values(conn, chunk.len(), COLUMNS));
        script.push(sql, chunk.len() as u64, move |mut query| {
            for r in chunk {
                query = query
                    .bind(shop.0)
                    .bind(r.ingredient.0)
                    .bind(r.kind.as_str())
                    .bind(r.delta_on_hand)
                    .bind(r.delta_reserved)
                    .bind(r.after.0)
                    .bind(r.after.1)
                    .bind(r.order.map(|o| o.0))
                    .bind(order_list(&r.orders))
                    .bind(r.user.map(|u| u.0))
                    .bind(r.reason)
                    .bind(r.at);
            }
            query
        });
    }
}

/// `stock_ledger.orders`: the ids separated by commas.
fn order_list(orders: &[OrderId]) -> String {
    let mut text = String::with_capacity(orders.len() * 8);
    let mut digits = itoa::Buffer::new();
    for (i, order) in orders.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(digits.format(order.0));
    }
    text
}

/// Reads what [`order_list`] wrote.
fn parse_order_list(text: &str) -> sqlx::Result<Vec<OrderId>> {
    text.split(',')
        .filter(|id| !id.is_empty())
        .map(|id| {
            id.parse()
                .map(OrderId)
                .map_err(|_| sqlx::Error::Decode(format!("a ledger row lists order {id:?}").into()))
        })
        .collect()
}

/// Makes sure the shop has a stock row for the ingredient (at zero).
pub async fn ensure_row(tx: &mut Tx, shop: ShopId, ingredient: IngredientId) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO stock (shop_id, ingredient_id, on_hand, reserved, low_threshold) \
         VALUES ($1, $2, 0, 0, 0) ON CONFLICT (shop_id, ingredient_id) DO NOTHING",
    )
    .bind(shop.0)
    .bind(ingredient.0)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Sets the low-stock threshold.
pub async fn set_threshold(
    tx: &mut Tx,
    shop: ShopId,
    ingredient: IngredientId,
    low: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE stock SET low_threshold = $1 WHERE shop_id = $2 AND ingredient_id = $3")
        .bind(low)
        .bind(shop.0)
        .bind(ingredient.0)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

fn level(r: &AnyRow) -> sqlx::Result<StockLevel> {
    let (on_hand, reserved, low_threshold): (i64, i64, i64) = (
        r.try_get("on_hand")?,
        r.try_get("reserved")?,
        r.try_get("low_threshold")?,
    );
    Ok(StockLevel {
        ingredient_id: IngredientId(r.try_get("ingredient_id")?),
        name: r.try_get("name")?,
        unit: Unit::parse(&r.try_get::<String, _>("unit")?).unwrap_or(Unit::G),
        on_hand,
        reserved,
        low_threshold,
        low: on_hand - reserved < low_threshold,
    })
}

/// Every stock level of a shop, by ingredient name.
pub async fn levels<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    shop: ShopId,
) -> sqlx::Result<Vec<StockLevel>> {
    sqlx::query(
        "SELECT s.ingredient_id, i.name, i.unit, s.on_hand, s.reserved, s.low_threshold \
         FROM stock s JOIN ingredients i ON i.id = s.ingredient_id \
         WHERE s.shop_id = $1 ORDER BY i.name",
    )
    .bind(shop.0)
    .fetch_all(ex)
    .await?
    .iter()
    .map(level)
    .collect()
}

/// Name of an ingredient, if it exists.
pub async fn ingredient_name<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    id: IngredientId,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT name FROM ingredients WHERE id = $1")
        .bind(id.0)
        .fetch_optional(ex)
        .await
}

/// Ledger rows of a shop, newest first, optionally for one ingredient and before a row id.
pub async fn ledger(
    pool: &AnyPool,
    shop: ShopId,
    ingredient: Option<IngredientId>,
    before: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<LedgerEntry>> {
    sqlx::query(
        "SELECT l.id, l.ingredient_id, i.name, l.kind, l.delta_on_hand, l.delta_reserved, \
         l.on_hand_after, l.reserved_after, l.order_id, l.orders, l.user_id, l.reason, l.at \
         FROM stock_ledger l JOIN ingredients i ON i.id = l.ingredient_id \
         WHERE l.shop_id = $1 AND ($2 < 0 OR l.ingredient_id = $2) AND l.id < $3 \
         ORDER BY l.id DESC LIMIT $4",
    )
    .bind(shop.0)
    .bind(ingredient.map_or(-1, |i| i.0))
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(LedgerEntry {
            id: r.try_get("id")?,
            ingredient_id: IngredientId(r.try_get("ingredient_id")?),
            ingredient_name: r.try_get("name")?,
            kind: LedgerKind::parse(&r.try_get::<String, _>("kind")?)
                .unwrap_or(LedgerKind::Correction),
            delta_on_hand: r.try_get("delta_on_hand")?,
            delta_reserved: r.try_get("delta_reserved")?,
            on_hand_after: r.try_get("on_hand_after")?,
            reserved_after: r.try_get("reserved_after")?,
            order_id: r.try_get::<Option<i64>, _>("order_id")?.map(OrderId),
            orders: parse_order_list(&r.try_get::<String, _>("orders")?)?,
            user_id: r.try_get::<Option<i64>, _>("user_id")?.map(UserId),
            reason: r.try_get("reason")?,
            at: ts(r.try_get("at")?),
        })
    })
    .collect()
}
