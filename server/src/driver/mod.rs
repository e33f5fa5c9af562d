//! The driver's phone: actions replayed from its offline queue ([`actions`]), its position
//! while out for delivery, and the cash collected per day (the driver's own count and the
//! manager's per-shop count).

pub mod actions;
pub mod db;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::events::Outbox;
use crate::extract::{Json, Path, Query};
use crate::shops;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use jiff::tz::TimeZone;
use ocpizza_proto::api::driver::{
    CashDelivery, CashReport, DriverAction, DriverActionList, DriverCash, DriverLocation, Position,
    ShopCashReport,
};
use ocpizza_proto::events::{Event, Stream};
use ocpizza_proto::{BusinessDay, ErrorCode, Money, OrderId, OrderStatus, ShopId, StaffRole};
use serde::Deserialize;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/driver/actions", post(action))
        .route("/api/v1/driver/location", post(location))
        .route("/api/v1/driver/cash", get(my_cash))
        .route("/api/v1/orders/{id}/driver-actions", get(order_actions))
        .route("/api/v1/shops/{id}/cash", get(shop_cash))
}

/// Applies one action of a driver's offline queue (drivers of the order's shop, admin), once
/// per `key`: a replay answers `already_applied` with the first result, or the same 409.
#[utoipa::path(post, path = "/api/v1/driver/actions", tag = "driver", request_body = DriverAction,
    responses((status = 200, body = ocpizza_proto::api::driver::DriverActionResult),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not a driver of the order's shop", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such order, or not visible to the caller", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "order_cancelled, assigned_to_other_driver or invalid_transition; replays get the same", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "a field is invalid, or the key was used for another action", body = ocpizza_proto::ErrorBody)))]
pub async fn action(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<DriverAction>,
) -> ApiResult<Response> {
    let user = caller.user()?;
    actions::submit(&state, user, req).await
}

/// The driver actions received for an order, oldest first (staff of its shop, admin).
#[utoipa::path(get, path = "/api/v1/orders/{id}/driver-actions", tag = "driver", params(("id" = i64, Path)),
    responses((status = 200, body = DriverActionList),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not staff of the order's shop", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such order, or not visible to the caller", body = ocpizza_proto::ErrorBody)))]
pub async fn order_actions(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<DriverActionList>> {
    let user = caller.user()?;
    let rec = {
        let mut conn = state.db.pool().acquire().await?;
        crate::orders::db::by_id(&mut conn, OrderId(id)).await?
    }
    .filter(|rec| crate::orders::service::can_view(user, rec))
    .ok_or(ApiError::NotFound("order"))?;
    if !user.is_staff_of(rec.order.shop_id) {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(DriverActionList {
        actions: db::actions_of_order(state.db.pool(), rec.order.id).await?,
    }))
}

fn check_location(req: &DriverLocation) -> ApiResult<()> {
    let within = |v: f64, limit: f64| v.is_finite() && (-limit..=limit).contains(&v);
    if !within(req.lat, 90.0) {
        return Err(ApiError::field(
            "lat",
            "must be a latitude between -90 and 90",
        ));
    }
    if !within(req.lon, 180.0) {
        return Err(ApiError::field(
            "lon",
            "must be a longitude between -180 and 180",
        ));
    }
    if !(req.accuracy_m.is_finite() && (0.0..=100_000.0).contains(&req.accuracy_m)) {
        return Err(ApiError::field(
            "accuracy_m",
            "must be between 0 and 100000 metres",
        ));
    }
    Ok(())
}

/// The assigned driver's position while the order is out for delivery; only the latest is
/// kept, and it is published on the order's stream for its customer.
#[utoipa::path(post, path = "/api/v1/driver/location", tag = "driver", request_body = DriverLocation,
    responses((status = 200, body = Position),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not the order's driver", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such order, or not visible to the caller", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "not_out_for_delivery", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "a coordinate is out of range", body = ocpizza_proto::ErrorBody)))]
pub async fn location(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<DriverLocation>,
) -> ApiResult<Json<Position>> {
    let user = caller.user()?;
    check_location(&req)?;
    let visible = {
        let mut conn = state.db.pool().acquire().await?;
        crate::orders::db::by_id(&mut conn, req.order_id).await?
    }
    .is_some_and(|rec| crate::orders::service::can_view(user, &rec));
    if !visible {
        return Err(ApiError::NotFound("order"));
    }
    let position = Position {
        lat: req.lat,
        lon: req.lon,
        accuracy_m: req.accuracy_m,
        at: crate::db::ts(req.device_at.as_millisecond()),
    };
    let mut tx = state.db.begin().await?;
    // Locked, so that a position never lands after the delivery ended and deleted it.
    crate::orders::db::lock(&mut tx, req.order_id).await?;
    let rec = crate::orders::db::by_id(&mut tx, req.order_id)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    let order = rec.order;
    if order.status != OrderStatus::OutForDelivery {
        return Err(ApiError::Refused {
            code: ErrorCode::NotOutForDelivery,
            message: format!(
                "the order is {}: the position is only shared during the delivery",
                order.status.as_str().replace('_', " ")
            ),
        });
    }
    if order.driver.as_ref().is_none_or(|d| d.id != user.id) {
        return Err(ApiError::Forbidden);
    }
    db::save_position(&mut tx, order.id, user.id, &position, crate::db::now_ms()).await?;
    let mut outbox = Outbox::new(Some(user.id));
    outbox.push(
        vec![Stream::Order(rec.tracking_token)],
        Event::DriverPosition {
            order_id: order.id,
            shop_id: order.shop_id,
            lat: position.lat,
            lon: position.lon,
            accuracy_m: position.accuracy_m,
            at: position.at,
        },
    );
    outbox.commit(tx, &state.bus).await?;
    Ok(Json(position))
}

/// The day of a cash report.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CashQuery {
    /// `YYYY-MM-DD`, a local date of the shop; the shop's today when absent or empty.
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub date: Option<String>,
}

/// The business day asked for, in the time zone `tz` of the shop.
fn day(q: &CashQuery, tz: &TimeZone) -> ApiResult<BusinessDay> {
    crate::cash::day_of("query.date", q.date.as_deref(), tz)
}

/// The time zone of the shop `id` (UTC if it is gone).
async fn zone_of(state: &AppState, id: ShopId) -> ApiResult<TimeZone> {
    Ok(shops::db::get(state.db.pool(), id)
        .await?
        .map_or(TimeZone::UTC, |s| shops::day::zone(&s.timezone)))
}

fn total(deliveries: &[CashDelivery]) -> Money {
    deliveries.iter().filter_map(|d| d.cash_collected).sum()
}

/// What the calling driver delivered on a day, with the cash collected.
#[utoipa::path(get, path = "/api/v1/driver/cash", tag = "driver", params(CashQuery),
    responses((status = 200, body = CashReport),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not a driver", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "`date` is not a date", body = ocpizza_proto::ErrorBody)))]
pub async fn my_cash(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<CashQuery>,
) -> ApiResult<Json<CashReport>> {
    let user = caller.user()?;
    // A driver's day is that of the (first) shop they drive for: the group's shops share a
    // zone, and a driver hands the cash in at one shop.
    let Some(&shop) = user.shops_with(StaffRole::Driver).first() else {
        return Err(ApiError::Forbidden);
    };
    let day = day(&q, &zone_of(&state, shop).await?)?;
    let bounds = day.bounds_ms();
    let deliveries: Vec<CashDelivery> = db::delivered(state.db.pool(), Some(user.id), None, bounds)
        .await?
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    let handovers = crate::cash::db::in_force(
        crate::cash::db::of_day(state.db.pool(), None, Some(user.id), day.day).await?,
    );
    Ok(Json(CashReport {
        date: day.day,
        day_starts_at: day.day_starts_at,
        day_ends_at: day.day_ends_at,
        total_cash: total(&deliveries),
        deliveries,
        handovers,
    }))
}

/// A shop's deliveries of a day per driver, with the cash each collected (manager of the
/// shop, admin).
#[utoipa::path(get, path = "/api/v1/shops/{id}/cash", tag = "driver", params(("id" = i64, Path), CashQuery),
    responses((status = 200, body = ShopCashReport),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not a manager of this shop", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such shop", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "`date` is not a date", body = ocpizza_proto::ErrorBody)))]
pub async fn shop_cash(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<CashQuery>,
) -> ApiResult<Json<ShopCashReport>> {
    let shop = ShopId(id);
    caller.staff(shop, &[StaffRole::Manager])?;
    let tz = shops::day::zone(&crate::shops::require(&state, shop).await?.timezone);
    let day = day(&q, &tz)?;
    let bounds = day.bounds_ms();
    let mut drivers: Vec<DriverCash> = Vec::new();
    for (driver, delivery) in db::delivered(state.db.pool(), None, Some(shop), bounds).await? {
        match drivers.iter_mut().find(|d| d.driver.id == driver.id) {
            Some(d) => d.deliveries.push(delivery),
            None => drivers.push(DriverCash {
                driver,
                deliveries: vec![delivery],
                total_cash: Money::ZERO,
                handover: None,
            }),
        }
    }
    // A driver who handed cash in without a delivery that day is listed too.
    let handovers = crate::cash::db::in_force(
        crate::cash::db::of_day(state.db.pool(), Some(shop), None, day.day).await?,
    );
    for h in handovers {
        match drivers.iter_mut().find(|d| d.driver.id == h.driver.id) {
            Some(d) => d.handover = Some(h),
            None => drivers.push(DriverCash {
                driver: h.driver.clone(),
                deliveries: Vec::new(),
                total_cash: Money::ZERO,
                handover: Some(h),
            }),
        }
    }
    for d in &mut drivers {
        d.total_cash = total(&d.deliveries);
    }
    drivers.sort_by(|a, b| (&a.driver.name, a.driver.id).cmp(&(&b.driver.name, b.driver.id)));
    Ok(Json(ShopCashReport {
        date: day.day,
        day_starts_at: day.day_starts_at,
        day_ends_at: day.day_ends_at,
        total_cash: drivers.iter().map(|d| d.total_cash).sum(),
        drivers,
    }))
}
