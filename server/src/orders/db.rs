//! SQL of orders, their lines and what they hold reserved.

use crate::db::script::{Script, Unbound};
use crate::db::{Tx, ts};
use crate::stock::Needs;
use ocpizza_proto::api::orders::{
    Address, Channel, Contact, DriverRef, LineExtra, Order, OrderLine, StageTimes,
};
use ocpizza_proto::{
    Fulfilment, IngredientId, Money, OrderId, OrderStatus, PaymentMethod, PaymentStatus, PizzaId,
    ShopId, UserId,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// An order row plus who owns it (not part of the public `Order`).
#[derive(Debug, Clone)]
pub struct OrderRecord {
    /// The order as the API shows it.
    pub order: Order,
    /// The customer account, if ordered with one.
    pub customer_id: Option<UserId>,
    /// The tracking token. Kept out of `order` so that no staff payload carries it by
    /// accident: only the answers to whoever placed the order copy it in.
    pub tracking_token: String,
    /// The contact's e-mail, kept out of `order` for the same reason: cooks, drivers and
    /// order takers have no use for it. See [`OrderRecord::with_email`].
    pub contact_email: Option<String>,
}

impl OrderRecord {
    /// The order with the contact's e-mail, for its customer, the shop's managers and admins.
    pub fn with_email(self) -> Order {
        let mut order = self.order;
        order.contact.email = self.contact_email;
        order
    }
}

const COLUMNS: &str = "o.id, o.shop_id, o.customer_id, o.channel, o.fulfilment, o.status, \
    o.payment_method, o.payment_status, o.contact_name, o.contact_phone, o.contact_email, \
    o.address_street, o.address_postcode, o.address_city, o.address_instructions, o.note, \
    o.total_cents, o.driver_id, d.name AS driver_name, o.version, o.tracking_token, \
    o.cancel_reason, o.placed_at, o.preparing_at, o.ready_at, o.out_for_delivery_at, \
    o.delivered_at, o.collected_at, o.delivery_failed_at, o.cancelled_at, o.created_at, \
    o.cash_collected_cents, o.promised_at, o.eta_at, o.delivery_fee_cents";

fn bad(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown {what} {value:?}").into())
}

fn time(r: &AnyRow, col: &str) -> sqlx::Result<Option<jiff::Timestamp>> {
    Ok(r.try_get::<Option<i64>, _>(col)?.map(ts))
}

fn from_row(r: &AnyRow) -> sqlx::Result<OrderRecord> {
    let text = |c: &str| r.try_get::<String, _>(c);
    let (channel, fulfilment, status) = (text("channel")?, text("fulfilment")?, text("status")?);
    let (method, paid) = (text("payment_method")?, text("payment_status")?);
    let street: Option<String> = r.try_get("address_street")?;
    let address = match street {
        Some(street) => Some(Address {
            street,
            postcode: r
                .try_get::<Option<String>, _>("address_postcode")?
                .unwrap_or_default(),
            city: r
                .try_get::<Option<String>, _>("address_city")?
                .unwrap_or_default(),
            instructions: r.try_get("address_instructions")?,
        }),
        None => None,
    };
    let driver = match r.try_get::<Option<i64>, _>("driver_id")? {
        Some(id) => Some(DriverRef {
            id: UserId(id),
            name: r
                .try_get::<Option<String>, _>("driver_name")?
                .unwrap_or_default(),
        }),
        None => None,
    };
    Ok(OrderRecord {
        customer_id: r.try_get::<Option<i64>, _>("customer_id")?.map(UserId),
        tracking_token: text("tracking_token")?,
        contact_email: r.try_get("contact_email")?,
        order: Order {
            id: OrderId(r.try_get("id")?),
            shop_id: ShopId(r.try_get("shop_id")?),
            channel: Channel::parse(&channel).ok_or_else(|| bad("channel", &channel))?,
            fulfilment: Fulfilment::parse(&fulfilment)
                .ok_or_else(|| bad("fulfilment", &fulfilment))?,
            status: OrderStatus::parse(&status).ok_or_else(|| bad("status", &status))?,
            payment_method: PaymentMethod::parse(&method)
                .ok_or_else(|| bad("payment method", &method))?,
            payment_status: PaymentStatus::parse(&paid)
                .ok_or_else(|| bad("payment status", &paid))?,
            contact: Contact {
                name: text("contact_name")?,
                phone: text("contact_phone")?,
                email: None,
            },
            address,
            lines: Vec::new(),
            note: r.try_get("note")?,
            total: Money(r.try_get("total_cents")?),
            delivery_fee: Money(r.try_get("delivery_fee_cents")?),
            driver,
            version: r.try_get("version")?,
            tracking_token: None,
            times: StageTimes {
                placed_at: time(r, "placed_at")?,
                preparing_at: time(r, "preparing_at")?,
                ready_at: time(r, "ready_at")?,
                out_for_delivery_at: time(r, "out_for_delivery_at")?,
                delivered_at: time(r, "delivered_at")?,
                collected_at: time(r, "collected_at")?,
                delivery_failed_at: time(r, "delivery_failed_at")?,
                cancelled_at: time(r, "cancelled_at")?,
            },
            cancel_reason: r.try_get("cancel_reason")?,
            created_at: ts(r.try_get("created_at")?),
            cash_collected: r
                .try_get::<Option<i64>, _>("cash_collected_cents")?
                .map(Money),
            promised_at: time(r, "promised_at")?,
            eta: time(r, "eta_at")?,
        },
    })
}

fn line_from_row(r: &AnyRow) -> sqlx::Result<(OrderId, OrderLine)> {
    let extras: Vec<LineExtra> = serde_json::from_str(&r.try_get::<String, _>("extras")?)
        .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    Ok((
        OrderId(r.try_get("order_id")?),
        OrderLine {
            pizza_id: PizzaId(r.try_get("pizza_id")?),
            pizza_name: r.try_get("pizza_name")?,
            size: r.try_get("size_code")?,
            quantity: r.try_get("quantity")?,
            unit_price: Money(r.try_get("unit_price_cents")?),
            extras,
            note: r.try_get("note")?,
            total: Money(r.try_get("total_cents")?),
        },
    ))
}

/// Loads orders matching `filter` (an SQL condition on `o`, with `$1`, `$2` bound from
/// `args`), with their lines, ordered by id, at most `limit`.
async fn load_where(
    ex: &mut AnyConnection,
    filter: &str,
    args: (i64, &str),
    limit: i64,
) -> sqlx::Result<Vec<OrderRecord>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM orders o LEFT JOIN users d ON d.id = o.driver_id \
         WHERE {filter} ORDER BY o.id LIMIT {limit}"
    )))
    .bind(args.0)
    .bind(args.1)
    .fetch_all(&mut *ex)
    .await?;
    let mut records: Vec<OrderRecord> = rows.iter().map(from_row).collect::<sqlx::Result<_>>()?;
    if records.is_empty() {
        return Ok(records);
    }
    let lines = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT l.order_id, l.pizza_id, l.pizza_name, l.size_code, l.quantity, \
         l.unit_price_cents, l.extras, l.note, l.total_cents \
         FROM order_lines l WHERE l.order_id IN \
         (SELECT o.id FROM orders o WHERE {filter} ORDER BY o.id LIMIT {limit}) \
         ORDER BY l.order_id, l.position"
    )))
    .bind(args.0)
    .bind(args.1)
    .fetch_all(&mut *ex)
    .await?;
    for row in &lines {
        let (id, line) = line_from_row(row)?;
        if let Some(rec) = records.iter_mut().find(|r| r.order.id == id) {
            rec.order.lines.push(line);
        }
    }
    Ok(records)
}

/// One order by id.
pub async fn by_id(ex: &mut AnyConnection, id: OrderId) -> sqlx::Result<Option<OrderRecord>> {
    Ok(load_where(ex, "o.id = $1 AND $2 = $2", (id.0, ""), 1)
        .await?
        .pop())
}

/// One order by tracking token.
pub async fn by_token(ex: &mut AnyConnection, token: &str) -> sqlx::Result<Option<OrderRecord>> {
    Ok(
        load_where(ex, "$1 = $1 AND o.tracking_token = $2", (0, token), 1)
            .await?
            .pop(),
    )
}

/// Orders of a shop, optionally with one status, oldest first.
pub async fn by_shop(
    ex: &mut AnyConnection,
    shop: ShopId,
    status: Option<OrderStatus>,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<OrderRecord>> {
    match status {
        Some(s) => {
            load_where(
                ex,
                &format!("o.shop_id = $1 AND o.status = $2 AND o.id > {after}"),
                (shop.0, s.as_str()),
                limit,
            )
            .await
        }
        None => {
            let filter = format!("o.shop_id = $1 AND $2 = $2 AND o.id > {after}");
            load_where(ex, &filter, (shop.0, ""), limit).await
        }
    }
}

/// Unfinished orders of one shop (or of every shop), oldest first.
pub async fn open(ex: &mut AnyConnection, shop: Option<ShopId>) -> sqlx::Result<Vec<OrderRecord>> {
    load_where(
        ex,
        "($1 < 0 OR o.shop_id = $1) AND o.status NOT IN ('delivered', 'collected', \
         'delivery_failed', 'cancelled') AND $2 = $2",
        (shop.map_or(-1, |s| s.0), ""),
        super::OPEN_MAX as i64,
    )
    .await
}

/// The newest `limit` orders of a customer account, oldest first (newest first is left to the
/// caller).
pub async fn by_customer(
    ex: &mut AnyConnection,
    customer: UserId,
    limit: i64,
) -> sqlx::Result<Vec<OrderRecord>> {
    let newest = format!(
        "o.customer_id = $1 AND $2 = $2 AND o.id IN \
         (SELECT id FROM orders WHERE customer_id = $1 ORDER BY id DESC LIMIT {limit})"
    );
    load_where(ex, &newest, (customer.0, ""), limit).await
}

/// Guest orders (no account) given with the contact e-mail `email` (lower case), oldest first.
pub async fn by_contact_email(
    ex: &mut AnyConnection,
    email: &str,
    limit: i64,
) -> sqlx::Result<Vec<OrderRecord>> {
    let filter = "$1 = $1 AND o.customer_id IS NULL AND LOWER(o.contact_email) = $2";
    load_where(ex, filter, (0, email), limit).await
}

/// Unfinished delivery orders assigned to a driver.
pub async fn by_driver(ex: &mut AnyConnection, driver: UserId) -> sqlx::Result<Vec<OrderRecord>> {
    load_where(
        ex,
        "o.driver_id = $1 AND o.status IN ('placed', 'preparing', 'ready', 'out_for_delivery') AND $2 = $2",
        (driver.0, ""),
        200,
    )
    .await
}

/// Ready delivery orders of a shop that no driver took.
pub async fn unassigned_ready(
    ex: &mut AnyConnection,
    shop: ShopId,
) -> sqlx::Result<Vec<OrderRecord>> {
    load_where(
        ex,
        "o.shop_id = $1 AND o.status = 'ready' AND o.fulfilment = 'delivery' \
         AND o.driver_id IS NULL AND $2 = $2",
        (shop.0, ""),
        200,
    )
    .await
}

/// Orders of `shop` still `placed` whose contact phone is `key` in its national form (see
/// `customers::national`), any channel, oldest first, at most 1,000.
pub async fn placed_with_phone(
    ex: &mut AnyConnection,
    shop: ShopId,
    key: &str,
) -> sqlx::Result<Vec<OrderId>> {
    sqlx::query_scalar(
        "SELECT id FROM orders WHERE phone_key = $2 AND status = 'placed' AND shop_id = $1 \
         ORDER BY id LIMIT 1000",
    )
    .bind(shop.0)
    .bind(key)
    .fetch_all(ex)
    .await
    .map(|ids| ids.into_iter().map(OrderId).collect())
}

/// The web orders still `placed` of each phone of `keys` (national form), in the whole group,
/// on PostgreSQL (SQLite's writer reads them with the stock, see
/// [`placed_web_orders_beside_stock`]).
///
/// The phones go as one JSON array, so that the statement's text is the same whatever their
/// number: prepared once per connection, and planned once. Each phone is counted by a search
/// of its own in `orders_phone_key`; given a list (`phone_key IN (…)`), PostgreSQL's generic
/// plan reads every waiting order instead. A statement with one branch and one placeholder
/// per phone had as many texts as a batch can have phones, each planned again on each of the
/// pool's connections: that planning was most of PostgreSQL's planning in a rush.
pub async fn placed_web_orders_per_phone(
    conn: &mut AnyConnection,
    keys: &[&str],
) -> sqlx::Result<std::collections::HashMap<String, usize>> {
    let phones = serde_json::to_string(keys).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let rows = sqlx::query(
        "SELECT CAST(p.i - 1 AS BIGINT) AS i, \
           (SELECT COUNT(*) FROM orders o WHERE o.phone_key = p.key \
             AND o.status = 'placed' AND o.channel = 'web') AS n \
         FROM json_array_elements_text(CAST($1 AS JSON)) WITH ORDINALITY AS p(key, i)",
    )
    .bind(phones)
    .fetch_all(&mut *conn)
    .await?;
    let mut counts = Vec::with_capacity(keys.len());
    for r in rows {
        counts.push((r.try_get("i")?, r.try_get("n")?));
    }
    phone_counts(keys, &counts)
}

/// The same count for SQLite as branches of a `UNION ALL` whose columns are those of
/// [`crate::stock::db::hold`]'s: the shop's writer reads the phones' waiting orders in the
/// statement that reads its stock, one hand-off to the database's thread for both. Each row
/// gives `off`, the phone's place in `keys` for `ingredient_id` and its count for `on_hand`;
/// [`phone_counts`] reads them back.
pub fn placed_web_orders_beside_stock(keys: &[&str], off: i64) -> crate::stock::db::Beside {
    crate::stock::db::Beside {
        sql: per_phone_branches(
            keys.len(),
            &format!("{off}, CAST({{i}} AS BIGINT), '', '', COUNT(*), 0, 0"),
        ),
        binds: keys.iter().map(|k| (*k).to_owned()).collect(),
    }
}

/// The highest order id so far, read with the stock on SQLite (see
/// [`crate::stock::db::Beside`]): one row, `off`, `0`, and the id (`0` before the first order)
/// for `on_hand`. Within the transaction that read it, the next orders are numbered from the
/// one after, as SQLite would number them (see [`insert_numbered`]).
pub fn last_id_beside_stock(off: i64) -> crate::stock::db::Beside {
    crate::stock::db::Beside {
        sql: format!("SELECT {off}, 0, '', '', COALESCE(MAX(id), 0), 0, 0 FROM orders"),
        binds: Vec::new(),
    }
}

/// `keys` with their counts, given as (place in `keys`, count) pairs.
pub fn phone_counts(
    keys: &[&str],
    counts: &[(i64, i64)],
) -> sqlx::Result<std::collections::HashMap<String, usize>> {
    let mut out = std::collections::HashMap::with_capacity(keys.len());
    for (i, n) in counts {
        let key = usize::try_from(*i)
            .ok()
            .and_then(|i| keys.get(i))
            .ok_or_else(|| {
                sqlx::Error::Protocol(format!("a phone's count came back as branch {i}"))
            })?;
        out.insert((*key).to_owned(), usize::try_from(*n).unwrap_or(0));
    }
    Ok(out)
}

/// One branch per phone, joined by `UNION ALL`: `SELECT {columns} FROM orders WHERE
/// phone_key = ? AND …`, with the branch's number in place of `{i}` in `columns`.
fn per_phone_branches(phones: usize, columns: &str) -> String {
    let mut sql = String::new();
    let mut digits = itoa::Buffer::new();
    for i in 0..phones {
        if i > 0 {
            sql.push_str(" UNION ALL ");
        }
        sql.push_str("SELECT ");
        sql.push_str(&columns.replace("{i}", digits.format(i)));
        sql.push_str(" FROM orders WHERE phone_key = ? AND status = 'placed' AND channel = 'web'");
    }
    sql
}

/// Orders still `placed` that were placed before `cutoff` (Unix ms), oldest first.
pub async fn placed_before(ex: &mut AnyConnection, cutoff: i64) -> sqlx::Result<Vec<OrderId>> {
    sqlx::query_scalar(
        "SELECT id FROM orders WHERE status = 'placed' AND placed_at < $1 ORDER BY id LIMIT 1000",
    )
    .bind(cutoff)
    .fetch_all(ex)
    .await
    .map(|ids| ids.into_iter().map(OrderId).collect())
}

/// A new order as written: the order and its tracking token, its customer account and who
/// placed it, its customer's language, when (ms since the epoch).
#[derive(Debug, Clone, Copy)]
pub struct NewOrder<'a> {
    /// The order (its id is not known yet).
    pub order: &'a Order,
    /// Its tracking token.
    pub token: &'a str,
    /// The customer account it is for.
    pub customer: Option<UserId>,
    /// Who placed it.
    pub created_by: Option<UserId>,
    /// The language of the customer's messages.
    pub lang: &'a str,
    /// When it was placed.
    pub now: i64,
    /// What it reserves in the shop's stock.
    pub reserved: &'a Needs,
}

/// Writes new orders in one statement; their ids, in the order given.
pub async fn insert(tx: &mut Tx, orders: &[NewOrder<'_>]) -> sqlx::Result<Vec<OrderId>> {
    if orders.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = format!("INSERT INTO orders ({ORDER_COLUMNS}) VALUES ");
    sql.push_str(&crate::db::values(tx, orders.len(), 28));
    sql.push_str(" RETURNING id, tracking_token");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for n in orders {
        query = bind_order(query, n);
    }
    let rows = query.fetch_all(&mut **tx).await?;
    // The rows come back in no promised order: each is matched by its tracking token.
    let mut ids = std::collections::HashMap::with_capacity(rows.len());
    for r in &rows {
        ids.insert(
            r.try_get::<String, _>("tracking_token")?,
            r.try_get::<i64, _>("id")?,
        );
    }
    orders
        .iter()
        .map(|n| {
            ids.get(n.token)
                .map(|id| OrderId(*id))
                .ok_or_else(|| sqlx::Error::Protocol("a new order came back without its id".into()))
        })
        .collect()
}

/// Writes new orders with `script`, each with its id of `ids` (the caller knows these ids
/// free: see [`last_id_beside_stock`]). Nothing comes back from the statement, so it goes
/// with the transaction's other writes in one hand-off.
pub fn insert_numbered<'a>(
    conn: &AnyConnection,
    script: &mut Script<'a>,
    orders: &'a [NewOrder<'a>],
    ids: &'a [OrderId],
) {
    if orders.is_empty() {
        return;
    }
    let mut sql = format!("INSERT INTO orders (id, {ORDER_COLUMNS}) VALUES ");
    sql.push_str(&crate::db::values(conn, orders.len(), 29));
    script.push(sql, orders.len() as u64, move |mut query| {
        for (id, n) in ids.iter().zip(orders) {
            query = bind_order(query.bind(id.0), n);
        }
        query
    });
}

/// The columns a new order's row is written with, in [`bind_order`]'s order (28).
const ORDER_COLUMNS: &str = "shop_id, customer_id, created_by, channel, fulfilment, status, \
     payment_method, payment_status, contact_name, contact_phone, contact_email, \
     address_street, address_postcode, address_city, address_instructions, note, \
     total_cents, version, tracking_token, placed_at, created_at, updated_at, promised_at, \
     eta_at, delivery_fee_cents, lang, phone_key, reserved";

/// Binds the [`ORDER_COLUMNS`] of `n`.
fn bind_order(query: Unbound, n: &NewOrder<'_>) -> Unbound {
    let (o, a) = (n.order, n.order.address.as_ref());
    query
        .bind(o.shop_id.0)
        .bind(n.customer.map(|c| c.0))
        .bind(n.created_by.map(|c| c.0))
        .bind(o.channel.as_str())
        .bind(o.fulfilment.as_str())
        .bind(o.status.as_str())
        .bind(o.payment_method.as_str())
        .bind(o.payment_status.as_str())
        .bind(o.contact.name.clone())
        .bind(o.contact.phone.clone())
        .bind(o.contact.email.clone())
        .bind(a.map(|a| a.street.clone()))
        .bind(a.map(|a| a.postcode.clone()))
        .bind(a.map(|a| a.city.clone()))
        .bind(a.and_then(|a| a.instructions.clone()))
        .bind(o.note.clone())
        .bind(o.total.0)
        .bind(o.version)
        .bind(n.token.to_owned())
        .bind((o.status == OrderStatus::Placed).then_some(n.now))
        .bind(n.now)
        .bind(n.now)
        .bind(o.promised_at.map(jiff::Timestamp::as_millisecond))
        .bind(o.eta.map(jiff::Timestamp::as_millisecond))
        .bind(o.delivery_fee.0)
        .bind(n.lang)
        .bind(crate::customers::national(&o.contact.phone))
        .bind(held_text(n.reserved))
}

/// Replaces the lines of an order.
pub async fn write_lines(tx: &mut Tx, order: OrderId, lines: &[OrderLine]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM order_lines WHERE order_id = $1")
        .bind(order.0)
        .execute(&mut **tx)
        .await?;
    let lines = [(order, lines)];
    let mut script = Script::new();
    insert_lines(tx, &mut script, &lines);
    script.run(tx).await
}

/// Adds the lines of new orders with `script`, in one statement.
pub fn insert_lines<'a>(
    conn: &sqlx::AnyConnection,
    script: &mut Script<'a>,
    orders: &'a [(OrderId, &'a [OrderLine])],
) {
    let count = orders.iter().map(|(_, lines)| lines.len()).sum();
    if count == 0 {
        return;
    }
    let mut sql = String::from(LINES);
    sql.push_str(&crate::db::values(conn, count, LINE_COLUMNS));
    script.push(sql, count as u64, move |query| bind_lines(query, orders));
}

/// The start of a statement that writes order lines, [`LINE_COLUMNS`] values each.
const LINES: &str = "INSERT INTO order_lines (order_id, position, pizza_id, pizza_name, size_code, \
     quantity, unit_price_cents, extras, note, total_cents) VALUES ";
const LINE_COLUMNS: usize = 10;

fn bind_lines(mut query: Unbound, orders: &[(OrderId, &[OrderLine])]) -> Unbound {
    for (order, lines) in orders {
        for (i, l) in lines.iter().enumerate() {
            query = query
                .bind(order.0)
                .bind(i as i64)
                .bind(l.pizza_id.0)
                .bind(l.pizza_name.clone())
                .bind(l.size.clone())
                .bind(l.quantity)
                .bind(l.unit_price.0)
                .bind(serde_json::to_string(&l.extras).unwrap_or_else(|_| "[]".into()))
                .bind(l.note.clone())
                .bind(l.total.0);
        }
    }
    query
}

/// What the order holds reserved.
pub async fn reservations(tx: &mut Tx, order: OrderId) -> sqlx::Result<Needs> {
    let held: String = sqlx::query_scalar("SELECT reserved FROM orders WHERE id = $1")
        .bind(order.0)
        .fetch_one(&mut **tx)
        .await?;
    parse_held(&held).map_err(|e| sqlx::Error::Decode(format!("order {order}: {e}").into()))
}

/// Records what the order holds reserved (replacing the previous record).
pub async fn set_reservations(tx: &mut Tx, order: OrderId, needs: &Needs) -> sqlx::Result<()> {
    sqlx::query("UPDATE orders SET reserved = $1 WHERE id = $2")
        .bind(held_text(needs))
        .bind(order.0)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// `orders.reserved`: `ingredient:quantity` pairs separated by commas, in ingredient order.
fn held_text(needs: &Needs) -> String {
    let mut text = String::with_capacity(needs.len() * 8);
    let mut digits = itoa::Buffer::new();
    for (i, (ingredient, qty)) in needs.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(digits.format(ingredient.0));
        text.push(':');
        text.push_str(digits.format(*qty));
    }
    text
}

/// Reads what [`held_text`] wrote.
fn parse_held(text: &str) -> Result<Needs, String> {
    let mut needs = Needs::new();
    for pair in text.split(',').filter(|p| !p.is_empty()) {
        let parsed = pair
            .split_once(':')
            .and_then(|(i, q)| Some((i.parse().ok()?, q.parse().ok()?)));
        let Some((ingredient, qty)) = parsed else {
            return Err(format!("unreadable reservation {pair:?}"));
        };
        if qty <= 0 || needs.insert(IngredientId(ingredient), qty).is_some() {
            return Err(format!("unexpected reservation {pair:?}"));
        }
    }
    Ok(needs)
}

/// Bumps the version if it is `expected` (or whatever it is when `None`), locking the row for
/// the rest of the transaction. Returns the new version, or `None` if the order is missing or
/// the version is stale.
pub async fn claim(
    tx: &mut Tx,
    order: OrderId,
    expected: Option<i64>,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    let q = match expected {
        Some(v) => sqlx::query_scalar(
            "UPDATE orders SET version = version + 1, updated_at = $1 \
             WHERE id = $2 AND version = $3 RETURNING version",
        )
        .bind(now)
        .bind(order.0)
        .bind(v),
        None => sqlx::query_scalar(
            "UPDATE orders SET version = version + 1, updated_at = $1 WHERE id = $2 RETURNING version",
        )
        .bind(now)
        .bind(order.0),
    };
    q.fetch_optional(&mut **tx).await
}

/// Moves the order to `status`, stamping the stage column.
pub async fn set_status(
    tx: &mut Tx,
    order: OrderId,
    status: OrderStatus,
    payment: PaymentStatus,
    reason: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    let column = match status {
        OrderStatus::AwaitingPayment => "updated_at",
        OrderStatus::Placed => "placed_at",
        OrderStatus::Preparing => "preparing_at",
        OrderStatus::Ready => "ready_at",
        OrderStatus::OutForDelivery => "out_for_delivery_at",
        OrderStatus::Delivered => "delivered_at",
        OrderStatus::Collected => "collected_at",
        OrderStatus::DeliveryFailed => "delivery_failed_at",
        OrderStatus::Cancelled => "cancelled_at",
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE orders SET status = $1, payment_status = $2, \
         cancel_reason = COALESCE($3, cancel_reason), {column} = $4 WHERE id = $5"
    )))
    .bind(status.as_str())
    .bind(payment.as_str())
    .bind(reason)
    .bind(now)
    .bind(order.0)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Writes edited fields: address, note, total.
pub async fn update_details(tx: &mut Tx, o: &Order) -> sqlx::Result<()> {
    let a = o.address.as_ref();
    sqlx::query(
        "UPDATE orders SET address_street = $1, address_postcode = $2, address_city = $3, \
         address_instructions = $4, note = $5, total_cents = $6 WHERE id = $7",
    )
    .bind(a.map(|a| a.street.clone()))
    .bind(a.map(|a| a.postcode.clone()))
    .bind(a.map(|a| a.city.clone()))
    .bind(a.and_then(|a| a.instructions.clone()))
    .bind(&o.note)
    .bind(o.total.0)
    .bind(o.id.0)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Sets or clears the driver.
pub async fn set_driver(tx: &mut Tx, order: OrderId, driver: Option<UserId>) -> sqlx::Result<()> {
    sqlx::query("UPDATE orders SET driver_id = $1 WHERE id = $2")
        .bind(driver.map(|d| d.0))
        .bind(order.0)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Locks the order row for the rest of the transaction without changing it (PostgreSQL; on
/// SQLite the write transaction already holds the database). `false` if there is no such order.
pub async fn lock(tx: &mut Tx, order: OrderId) -> sqlx::Result<bool> {
    sqlx::query("UPDATE orders SET version = version WHERE id = $1")
        .bind(order.0)
        .execute(&mut **tx)
        .await
        .map(|r| r.rows_affected() == 1)
}

/// Records how an order paid at the door was paid (a card, told at the hand-over).
pub async fn set_payment_method(
    tx: &mut Tx,
    order: OrderId,
    method: PaymentMethod,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE orders SET payment_method = $1 WHERE id = $2")
        .bind(method.as_str())
        .bind(order.0)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Records the cash the driver declared.
pub async fn set_cash(tx: &mut Tx, order: OrderId, cash: Option<Money>) -> sqlx::Result<()> {
    sqlx::query("UPDATE orders SET cash_collected_cents = $1 WHERE id = $2")
        .bind(cash.map(|c| c.0))
        .bind(order.0)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::{held_text, parse_held};
    use crate::stock::Needs;
    use ocpizza_proto::IngredientId;

    #[test]
    fn what_an_order_holds_reads_back_as_written() {
        let needs: Needs = [
            (IngredientId(12), 250),
            (IngredientId(3), 1),
            (IngredientId(7), 80),
        ]
        .into_iter()
        .collect();
        assert_eq!(held_text(&needs), "3:1,7:80,12:250");
        assert_eq!(parse_held(&held_text(&needs)).unwrap(), needs);
        assert_eq!(held_text(&Needs::new()), "");
        assert_eq!(parse_held("").unwrap(), Needs::new());
    }

    #[test]
    fn a_damaged_reservation_is_an_error_not_a_guess() {
        for damaged in [
            "3",
            "3:",
            ":80",
            "3:x",
            "3:80,3:10",
            "3:0",
            "3:-5",
            "3:80;7:1",
        ] {
            assert!(parse_held(damaged).is_err(), "{damaged:?} was read");
        }
    }
}
