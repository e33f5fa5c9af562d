//! The managers' dashboard: every shop a manager runs (an admin: every shop) with its open
//! orders, today's figures and the drivers out, as one snapshot of the `group:orders` stream.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use jiff::tz::TimeZone;
use ocpizza_proto::api::dashboard::{Dashboard, ShopDashboard, TodayFigures};
use ocpizza_proto::api::orders::DriverRef;
use ocpizza_proto::events::Stream;
use ocpizza_proto::{Money, OrderStatus, ShopId, StaffRole};
use sqlx::{AnyPool, Row};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/group/dashboard", get(dashboard))
}

/// Start and end of the current UTC day, in Unix milliseconds.
fn today_bounds() -> (i64, i64) {
    let start = jiff::Timestamp::now()
        .to_zoned(TimeZone::UTC)
        .start_of_day()
        .map_or(0, |z| z.timestamp().as_millisecond());
    (start, start + 86_400_000)
}

/// Orders placed in `[from, to)` and not cancelled, and their total.
async fn figures(
    pool: &AnyPool,
    shop: ShopId,
    (from, to): (i64, i64),
) -> sqlx::Result<TodayFigures> {
    let row = sqlx::query(
        // PostgreSQL sums BIGINTs as NUMERIC: cast back so both databases answer an integer.
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(total_cents), 0) AS BIGINT) AS revenue \
         FROM orders WHERE shop_id = $1 AND placed_at >= $2 AND placed_at < $3 AND status <> 'cancelled'",
    )
    .bind(shop.0)
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await?;
    Ok(TodayFigures {
        orders: row.try_get("n")?,
        revenue: Money(row.try_get("revenue")?),
    })
}

/// The dashboard of the caller's shops (managers: the shops they manage; admin: all).
#[utoipa::path(get, path = "/api/v1/group/dashboard", tag = "shops",
    responses((status = 200, body = Dashboard), (status = 403, body = ocpizza_proto::ErrorBody)))]
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
    // The sequence is read before the state: events after it are replayed on subscribe.
    let stream_seq = crate::events::db::head(pool, &Stream::GroupOrders.to_string()).await?;
    let mut conn = pool.acquire().await?;
    let open = crate::orders::db::open(&mut conn, None).await?;
    drop(conn);
    let bounds = today_bounds();
    let mut shops = Vec::new();
    for shop in crate::shops::db::list(pool).await? {
        if !user.admin && !managed.contains(&shop.id) {
            continue;
        }
        let open_orders: Vec<_> = open
            .iter()
            .filter(|r| {
                r.order.shop_id == shop.id && r.order.status != OrderStatus::AwaitingPayment
            })
            .map(|r| r.order.clone())
            .collect();
        let mut drivers_out: Vec<DriverRef> = Vec::new();
        for d in open_orders
            .iter()
            .filter(|o| o.status == OrderStatus::OutForDelivery)
            .filter_map(|o| o.driver.clone())
        {
            if !drivers_out.iter().any(|x| x.id == d.id) {
                drivers_out.push(d);
            }
        }
        shops.push(ShopDashboard {
            today: figures(pool, shop.id, bounds).await?,
            shop_id: shop.id,
            name: shop.name,
            accepting_orders: !shop.paused,
            open_orders,
            drivers_out,
        });
    }
    Ok(Json(Dashboard { stream_seq, shops }))
}
