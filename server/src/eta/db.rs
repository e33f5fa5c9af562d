//! SQL of the estimate: a shop's recent stage times, its queue, and the times written on orders.

use crate::db::{Tx, ts};
use ocpizza_proto::api::orders::StageTimes;
use ocpizza_proto::{OrderId, ShopId};
use sqlx::{AnyConnection, Row};

/// How far back a shop's orders count towards its usual durations.
pub const WINDOW_MS: i64 = 3 * 60 * 60 * 1000;

/// At most this many recent orders are read (the newest ones).
const WINDOW_MAX: i64 = 300;

/// Stage times of the shop's orders placed since `since` (Unix ms), newest first.
pub async fn history(
    ex: &mut AnyConnection,
    shop: ShopId,
    since: i64,
) -> sqlx::Result<Vec<StageTimes>> {
    let rows = sqlx::query(
        "SELECT placed_at, preparing_at, ready_at, out_for_delivery_at, delivered_at \
         FROM orders WHERE shop_id = $1 AND placed_at >= $2 \
         ORDER BY placed_at DESC LIMIT $3",
    )
    .bind(shop.0)
    .bind(since)
    .bind(WINDOW_MAX)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let t = |c: &str| r.try_get::<Option<i64>, _>(c).map(|v| v.map(ts));
            Ok(StageTimes {
                placed_at: t("placed_at")?,
                preparing_at: t("preparing_at")?,
                ready_at: t("ready_at")?,
                out_for_delivery_at: t("out_for_delivery_at")?,
                delivered_at: t("delivered_at")?,
                ..StageTimes::default()
            })
        })
        .collect()
}

/// The shop's kitchen queue: the orders it has not started (ids, oldest first) and when each
/// order now being prepared was started.
#[derive(Debug, Clone, Default)]
pub struct KitchenQueue {
    /// Placed orders, by id.
    pub waiting: Vec<OrderId>,
    /// Start of each order being prepared.
    pub preparing_since: Vec<jiff::Timestamp>,
}

/// Reads the shop's kitchen queue.
pub async fn queue(ex: &mut AnyConnection, shop: ShopId) -> sqlx::Result<KitchenQueue> {
    let rows = sqlx::query(
        "SELECT id, status, preparing_at FROM orders \
         WHERE shop_id = $1 AND status IN ('placed', 'preparing') ORDER BY id",
    )
    .bind(shop.0)
    .fetch_all(ex)
    .await?;
    let mut q = KitchenQueue::default();
    for r in &rows {
        if r.try_get::<String, _>("status")? == "placed" {
            q.waiting.push(OrderId(r.try_get("id")?));
        } else if let Some(at) = r.try_get::<Option<i64>, _>("preparing_at")? {
            q.preparing_since.push(ts(at));
        }
    }
    Ok(q)
}

/// Writes the order's current estimate (`None` once finished).
pub async fn set_eta(
    tx: &mut Tx,
    order: OrderId,
    eta: Option<jiff::Timestamp>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE orders SET eta_at = $1 WHERE id = $2")
        .bind(eta.map(jiff::Timestamp::as_millisecond))
        .bind(order.0)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}
