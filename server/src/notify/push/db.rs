//! SQL of push subscriptions, of the low-stock memory and of kitchen presence.

use crate::db::Tx;
use ocpizza_proto::api::push::PushLang;
use ocpizza_proto::{OrderId, ShopId, StaffRole, UserId};
use sqlx::{AnyPool, Row};
use std::collections::HashMap;

/// A stored subscription, as the planner and the sender need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Its id (the deliveries' recipient).
    pub id: i64,
    /// The push service's URL.
    pub endpoint: String,
    /// The browser's public key, base64url.
    pub p256dh: String,
    /// The browser's authentication secret, base64url.
    pub auth: String,
    /// The language of its messages.
    pub lang: PushLang,
}

/// Who a subscription is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// The customer following an order.
    Order(OrderId),
    /// A staff member.
    Staff(UserId),
}

const COLUMNS: &str = "s.id, s.endpoint, s.p256dh, s.auth, s.lang";

fn subscription(row: &sqlx::any::AnyRow) -> sqlx::Result<Subscription> {
    let lang: String = row.try_get("lang")?;
    Ok(Subscription {
        id: row.try_get("id")?,
        endpoint: row.try_get("endpoint")?,
        p256dh: row.try_get("p256dh")?,
        auth: row.try_get("auth")?,
        lang: PushLang::parse(&lang).unwrap_or_default(),
    })
}

/// Stores a subscription for `owner`; a browser subscribing again (same endpoint) replaces
/// what its subscription was for.
pub async fn upsert(
    tx: &mut Tx,
    endpoint: &str,
    (p256dh, auth): (&str, &str),
    lang: PushLang,
    owner: Owner,
    now: i64,
) -> sqlx::Result<i64> {
    let (kind, order, user) = match owner {
        Owner::Order(id) => ("order", Some(id.0), None),
        Owner::Staff(id) => ("staff", None, Some(id.0)),
    };
    sqlx::query_scalar(
        "INSERT INTO push_subscriptions (endpoint, p256dh, auth, lang, kind, order_id, user_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth, \
         lang = excluded.lang, kind = excluded.kind, order_id = excluded.order_id, \
         user_id = excluded.user_id, created_at = excluded.created_at RETURNING id",
    )
    .bind(endpoint)
    .bind(p256dh)
    .bind(auth)
    .bind(lang.as_str())
    .bind(kind)
    .bind(order)
    .bind(user)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// How many subscriptions `owner` has at other endpoints than `endpoint`.
pub async fn count_others(tx: &mut Tx, owner: Owner, endpoint: &str) -> sqlx::Result<i64> {
    let (column, id) = match owner {
        Owner::Order(id) => ("order_id", id.0),
        Owner::Staff(id) => ("user_id", id.0),
    };
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM push_subscriptions WHERE {column} = $1 AND endpoint <> $2"
    )))
    .bind(id)
    .bind(endpoint)
    .fetch_one(&mut **tx)
    .await
}

/// Forgets the subscription at `endpoint` if it belongs to `owner`; false when none did.
pub async fn remove(tx: &mut Tx, endpoint: &str, owner: Owner) -> sqlx::Result<bool> {
    let done = match owner {
        Owner::Order(id) => {
            sqlx::query(
                "DELETE FROM push_subscriptions WHERE endpoint = $1 AND kind = 'order' AND order_id = $2",
            )
            .bind(endpoint)
            .bind(id.0)
            .execute(&mut **tx)
            .await?
        }
        Owner::Staff(id) => {
            sqlx::query(
                "DELETE FROM push_subscriptions WHERE endpoint = $1 AND kind = 'staff' AND user_id = $2",
            )
            .bind(endpoint)
            .bind(id.0)
            .execute(&mut **tx)
            .await?
        }
    };
    Ok(done.rows_affected() > 0)
}

/// Forgets a subscription the push service said is gone.
pub async fn delete(conn: &mut sqlx::AnyConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM push_subscriptions WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One subscription by id.
pub async fn by_id(pool: &AnyPool, id: i64) -> sqlx::Result<Option<Subscription>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM push_subscriptions s WHERE s.id = $1"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(subscription).transpose()
}

/// The subscriptions of the customers following each of `orders`, by order (none for most).
pub async fn of_orders(
    tx: &mut Tx,
    orders: &[OrderId],
) -> sqlx::Result<HashMap<OrderId, Vec<Subscription>>> {
    let mut out: HashMap<OrderId, Vec<Subscription>> = HashMap::new();
    if orders.is_empty() {
        return Ok(out);
    }
    let mut ids: Vec<i64> = orders.iter().map(|o| o.0).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS}, s.order_id FROM push_subscriptions s \
         WHERE s.kind = 'order' AND s.order_id IN (VALUES {}) ORDER BY s.id",
        crate::db::values(tx, ids.len(), 1)
    )));
    for id in &ids {
        query = query.bind(*id);
    }
    for row in query.fetch_all(&mut **tx).await? {
        let order = OrderId(row.try_get("order_id")?);
        out.entry(order).or_default().push(subscription(&row)?);
    }
    Ok(out)
}

/// The staff subscriptions of accounts holding `role` in `shop` now (with `admins`: and of
/// every administrator). Roles are read when the message is planned: a role taken away
/// stops its notifications at once.
pub async fn of_staff<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Any>,
    shop: ShopId,
    role: StaffRole,
    admins: bool,
) -> sqlx::Result<Vec<Subscription>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM push_subscriptions s WHERE s.kind = 'staff' AND s.user_id IN \
         (SELECT user_id FROM staff WHERE shop_id = $1 AND role = $2 \
          UNION SELECT id FROM users WHERE is_admin <> 0 AND $3 <> 0) ORDER BY s.id"
    )))
    .bind(shop.0)
    .bind(role.as_str())
    .bind(i64::from(admins))
    .fetch_all(ex)
    .await?;
    rows.iter().map(subscription).collect()
}

/// The staff subscriptions of one account, if it holds `role` in `shop` now.
pub async fn of_user_in(
    tx: &mut Tx,
    user: UserId,
    shop: ShopId,
    role: StaffRole,
) -> sqlx::Result<Vec<Subscription>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM push_subscriptions s WHERE s.kind = 'staff' AND s.user_id = $1 \
         AND EXISTS (SELECT 1 FROM staff WHERE user_id = $1 AND shop_id = $2 AND role = $3) ORDER BY s.id"
    )))
    .bind(user.0)
    .bind(shop.0)
    .bind(role.as_str())
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(subscription).collect()
}

/// The ingredients of `shops` remembered as below their threshold: shop, ingredient and
/// since when (ms). One statement, none for no shop.
pub async fn low_of(tx: &mut Tx, shops: &[ShopId]) -> sqlx::Result<Vec<(ShopId, i64, i64)>> {
    if shops.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT shop_id, ingredient_id, since FROM push_low_stock WHERE shop_id IN (VALUES {})",
        crate::db::values(tx, shops.len(), 1)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for shop in shops {
        query = query.bind(shop.0);
    }
    let rows = query.fetch_all(&mut **tx).await?;
    rows.iter()
        .map(|r| {
            Ok((
                ShopId(r.try_get("shop_id")?),
                r.try_get("ingredient_id")?,
                r.try_get("since")?,
            ))
        })
        .collect()
}

/// Changes a shop's low-stock memory: forgets the ingredients `fine`, remembers `low`
/// (ingredient, since when). One statement for each that is not empty.
pub async fn remember_low(
    tx: &mut Tx,
    shop: ShopId,
    fine: &[i64],
    low: &[(i64, i64)],
) -> sqlx::Result<()> {
    if !fine.is_empty() {
        // The ingredients first, the shop after them (SQLite numbers its `?` in order).
        let shop_at = crate::db::placeholder(tx, fine.len() + 1);
        let sql = format!(
            "DELETE FROM push_low_stock WHERE ingredient_id IN (VALUES {}) AND shop_id = {shop_at}",
            crate::db::values(tx, fine.len(), 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for ingredient in fine {
            query = query.bind(*ingredient);
        }
        query.bind(shop.0).execute(&mut **tx).await?;
    }
    if !low.is_empty() {
        let sql = format!(
            "INSERT INTO push_low_stock (shop_id, ingredient_id, since) VALUES {} \
             ON CONFLICT (shop_id, ingredient_id) DO UPDATE SET since = excluded.since",
            crate::db::values(tx, low.len(), 3)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (ingredient, since) in low {
            query = query.bind(shop.0).bind(*ingredient).bind(*since);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The order's tracking token, fulfilment (`delivery`/`pickup`) and driver.
pub async fn order_facts(
    tx: &mut Tx,
    order: OrderId,
) -> sqlx::Result<Option<(String, String, Option<UserId>)>> {
    let row = sqlx::query("SELECT tracking_token, fulfilment, driver_id FROM orders WHERE id = $1")
        .bind(order.0)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|r| {
        Ok((
            r.try_get("tracking_token")?,
            r.try_get("fulfilment")?,
            r.try_get::<Option<i64>, _>("driver_id")?.map(UserId),
        ))
    })
    .transpose()
}

/// Marks this instance as having a kitchen display of each of `shops` connected now.
pub async fn seen_kitchens(
    conn: &mut sqlx::AnyConnection,
    instance: &str,
    shops: &[ShopId],
    now: i64,
) -> sqlx::Result<()> {
    for shop in shops {
        sqlx::query(
            "INSERT INTO kitchen_presence (shop_id, instance, seen_at) VALUES ($1, $2, $3) \
             ON CONFLICT (shop_id, instance) DO UPDATE SET seen_at = excluded.seen_at",
        )
        .bind(shop.0)
        .bind(instance)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// When a kitchen display of each shop was last seen connected, on any instance.
pub async fn kitchens_last_seen(pool: &AnyPool) -> sqlx::Result<Vec<(ShopId, i64)>> {
    let rows = sqlx::query(
        "SELECT shop_id, MAX(seen_at) AS seen_at FROM kitchen_presence GROUP BY shop_id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((ShopId(r.try_get("shop_id")?), r.try_get("seen_at")?)))
        .collect()
}

/// Forgets the subscriptions of orders finished before `before` (their tracking link has
/// expired: nothing more will be said), and kitchen sightings older than `before`.
pub async fn forget_finished(conn: &mut sqlx::AnyConnection, before: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "DELETE FROM push_subscriptions WHERE kind = 'order' AND order_id IN \
         (SELECT id FROM orders WHERE status IN ('delivered', 'collected', 'delivery_failed', 'cancelled') \
          AND updated_at < $1)",
    )
    .bind(before)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM kitchen_presence WHERE seen_at < $1")
        .bind(before)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}
