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
use ocpizza_proto::api::dashboard::{Dashboard, LastBackup, ShopDashboard, TodayFigures};
use ocpizza_proto::api::orders::DriverRef;
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
        shops.push(ShopDashboard {
            shop_id: shop.id,
            accepting_orders: !shop.paused,
            today: figures(pool, shop.id, day.bounds_ms()).await?,
            day,
            open_state: shop.open_state,
            pause_reason: shop.pause_reason,
            open_orders,
            drivers_out,
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
