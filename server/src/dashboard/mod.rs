//! The manager's dashboard: for each shop they run (every shop for admins), its open orders,
//! today's figures (the shop's own business day, in its time zone) and the drivers out,
//! labelled with the sequence of `group:orders` so that the screen then follows that stream
//! live.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use ocpizza_proto::api::dashboard::{
    Dashboard, LATE_AFTER_MINUTES, LastBackup, LateCount, ShopDashboard, TodayFigures, is_late,
};
use ocpizza_proto::api::orders::{DriverRef, Order};
use ocpizza_proto::events::Stream;
use ocpizza_proto::{Money, OrderStatus, ShopId, StaffRole};
use sqlx::{AnyPool, Row};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/group/dashboard", get(dashboard))
}

/// Orders placed in `[from_ms, to_ms)` and not cancelled: how many, and their total.
async fn figures(
    pool: &AnyPool,
    shop: ShopId,
    (from_ms, to_ms): (i64, i64),
) -> sqlx::Result<TodayFigures> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(total_cents), 0) AS BIGINT) AS revenue \
         FROM orders WHERE shop_id = $1 AND created_at >= $2 AND created_at < $3 \
         AND status <> 'cancelled'",
    )
    .bind(shop.0)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_one(pool)
    .await?;
    Ok(TodayFigures {
        orders: row.try_get("n")?,
        revenue: Money(row.try_get("revenue")?),
    })
}

/// When `order` entered the stage it is in (its creation when the stage time is missing).
fn stage_since_ms(order: &Order) -> i64 {
    let t = &order.times;
    match order.status {
        OrderStatus::Placed => t.placed_at,
        OrderStatus::Preparing => t.preparing_at,
        OrderStatus::Ready => t.ready_at,
        OrderStatus::OutForDelivery => t.out_for_delivery_at,
        _ => None,
    }
    .unwrap_or(order.created_at)
    .as_millisecond()
}

/// Open orders late in their stage at `now_ms`, per stage of [`LATE_AFTER_MINUTES`].
fn late_counts(open: &[Order], now_ms: i64) -> Vec<LateCount> {
    LATE_AFTER_MINUTES
        .iter()
        .map(|(status, _)| LateCount {
            status: *status,
            orders: open
                .iter()
                .filter(|o| o.status == *status && is_late(o.status, stage_since_ms(o), now_ms))
                .count()
                .try_into()
                .unwrap_or(i64::MAX),
        })
        .collect()
}

/// Every shop the caller runs, live (managers: their shops; admin: all).
#[utoipa::path(get, path = "/api/v1/group/dashboard", tag = "dashboard",
    responses((status = 200, body = Dashboard),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "neither an administrator nor a manager", body = ocpizza_proto::ErrorBody)))]
pub async fn dashboard(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Dashboard>> {
    let user = caller.user()?;
    let managed = user.shops_with(StaffRole::Manager);
    if !user.admin && managed.is_empty() {
        return Err(ApiError::Forbidden);
    }
    let pool = state.db.pool();
    // The sequence first, then the state: see `events::db::head`.
    let stream_seq = crate::events::db::head(pool, &Stream::GroupOrders.to_string()).await?;
    let mut shops = Vec::new();
    for shop in crate::shops::db::list(pool).await? {
        if !user.admin && !managed.contains(&shop.id) {
            continue;
        }
        let open_orders: Vec<_> = {
            let mut conn = pool.acquire().await?;
            crate::orders::db::open(&mut conn, Some(shop.id)).await?
        }
        .into_iter()
        .map(|r| r.order)
        .filter(|o| o.status != OrderStatus::AwaitingPayment)
        .collect();
        let mut drivers_out: Vec<DriverRef> = Vec::new();
        for o in &open_orders {
            if o.status == OrderStatus::OutForDelivery
                && let Some(d) = &o.driver
                && !drivers_out.iter().any(|x| x.id == d.id)
            {
                drivers_out.push(d.clone());
            }
        }
        let day = crate::shops::day::today(&crate::shops::day::zone(&shop.timezone));
        // As for the orders: the stock stream's sequence first, then the levels.
        let stock_seq =
            crate::events::db::head(pool, &Stream::ShopStock(shop.id).to_string()).await?;
        let low_stock = crate::stock::db::levels(pool, shop.id)
            .await?
            .into_iter()
            .filter(|l| l.low)
            .collect();
        let late = late_counts(&open_orders, jiff::Timestamp::now().as_millisecond());
        shops.push(ShopDashboard {
            shop_id: shop.id,
            accepting_orders: !shop.paused,
            today: figures(pool, shop.id, day.bounds_ms()).await?,
            day,
            open_state: shop.open_state,
            pause_reason: shop.pause_reason,
            open_orders,
            drivers_out,
            low_stock,
            stock_seq,
            late,
            name: shop.name,
        });
    }
    shops.sort_by_key(|s| s.shop_id);
    let last_backup = crate::backup::last_good(&state.db)
        .await
        .and_then(|run| run.finished_at)
        .map(|t| LastBackup {
            finished_ms: t.as_millisecond(),
        });
    Ok(Json(Dashboard {
        stream_seq,
        shops,
        last_backup,
    }))
}
