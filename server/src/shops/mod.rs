//! Shops: listing, details, pause/resume and settings (hours, delivery area); the group's
//! administration of them (creation, retirement, closures) is in [`admin`].

pub mod admin;
pub mod day;
pub mod db;
pub mod open;
pub mod settings;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::events::Outbox;
use crate::extract::{Json, Path};
use crate::state::AppState;
use crate::validate;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use ocpizza_proto::ShopId;
use ocpizza_proto::api::shops::{PauseRequest, Shop, ShopPatch};
use ocpizza_proto::events::{Event, Stream};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/shops", get(list).post(admin::create))
        .route("/api/v1/shops/{id}", get(get_one).patch(patch))
        .route("/api/v1/shops/{id}/pause", post(pause))
        .route("/api/v1/shops/{id}/resume", post(resume))
        .merge(admin::router())
}

/// Fills what a shop's hours and closures say now in its time zone: open until, closes soon,
/// closed until (and why, on a closure day); closures already over are dropped.
pub fn with_open_state(mut shop: Shop) -> Shop {
    let now = jiff::Timestamp::now();
    if let Ok(tz) = jiff::tz::TimeZone::get(&shop.timezone) {
        let today = now.to_zoned(tz).date();
        shop.closures.retain(|c| c.ends_on >= today);
        shop.closed_today = shop.closures.iter().find(|c| c.starts_on <= today).cloned();
    }
    let closed: Vec<_> = shop
        .closures
        .iter()
        .map(|c| (c.starts_on, c.ends_on))
        .collect();
    let (state, today) = open::state_with_closures(&shop.hours, &closed, &shop.timezone, now);
    shop.open_now = state.is_open();
    shop.open_state = state;
    shop.today_hours = today;
    shop
}

/// Where a change of a shop's settings is published: the dashboard (`group:orders`), the
/// shop's public menu stream and the public `site` stream the shop list follows.
pub fn settings_streams(id: ShopId) -> Vec<Stream> {
    vec![Stream::GroupOrders, Stream::ShopMenu(id), Stream::Site]
}

/// A shop as stored and its open state now, from memory: every shop is read at once and kept
/// until a `shop_…` event announces a change (see [`crate::memo`]).
pub async fn cached(state: &AppState, id: ShopId) -> ApiResult<Option<Shop>> {
    let pool = state.db.pool();
    let shops = state
        .shops
        .get(|| async { Ok(std::sync::Arc::new(db::list_all(pool).await?)) })
        .await?;
    Ok(shops
        .iter()
        .find(|s| s.id == id)
        .cloned()
        .map(with_open_state))
}

/// Loads a shop or 404.
pub async fn require(state: &AppState, id: ShopId) -> ApiResult<Shop> {
    db::get(state.db.pool(), id)
        .await?
        .ok_or(ApiError::NotFound("shop"))
}

/// Every shop with its open/closed/paused state (public).
#[utoipa::path(get, path = "/api/v1/shops", tag = "shops", responses((status = 200, body = Vec<Shop>)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<Shop>>> {
    Ok(Json(db::list(state.db.pool()).await?))
}

/// One shop (public).
#[utoipa::path(get, path = "/api/v1/shops/{id}", tag = "shops", params(("id" = i64, Path)),
    responses((status = 200, body = Shop), (status = 404, body = ocpizza_proto::ErrorBody)))]
pub async fn get_one(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Shop>> {
    Ok(Json(require(&state, ShopId(id)).await?))
}

/// Changes a shop's settings: name, phone, hours and delivery area (manager of the shop,
/// admin); address, time zone, minimum order and delivery fee (admin). Every problem is named
/// at once and nothing changes; the change is audited and published.
#[utoipa::path(patch, path = "/api/v1/shops/{id}", tag = "shops", params(("id" = i64, Path)),
    request_body = ShopPatch, responses((status = 200, body = Shop),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not a manager of this shop, or an administrator's field", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such shop", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "a field is not valid (each one named)", body = ocpizza_proto::ErrorBody)))]
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<ShopPatch>,
) -> ApiResult<Json<Shop>> {
    let id = ShopId(id);
    let user = caller.user()?;
    let shop = require(&state, id).await?;
    if !user.manages(id) || (settings::needs_admin(&req) && !user.admin) {
        return Err(ApiError::Forbidden);
    }
    let next = settings::apply(&shop, req)?;
    admin::save(&state, user.id, &shop, &next).await.map(Json)
}

/// Stops taking orders (manager of the shop, admin).
#[utoipa::path(post, path = "/api/v1/shops/{id}/pause", tag = "shops", params(("id" = i64, Path)),
    request_body = PauseRequest, responses((status = 200, body = Shop),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not a manager of this shop", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such shop", body = ocpizza_proto::ErrorBody)))]
pub async fn pause(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<PauseRequest>,
) -> ApiResult<Json<Shop>> {
    let reason = validate::optional_text("reason", req.reason.as_deref(), 200)?;
    set_paused(&state, &caller, ShopId(id), true, reason).await
}

/// Takes orders again (manager of the shop, admin).
#[utoipa::path(post, path = "/api/v1/shops/{id}/resume", tag = "shops", params(("id" = i64, Path)),
    responses((status = 200, body = Shop),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not a manager of this shop", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such shop", body = ocpizza_proto::ErrorBody)))]
pub async fn resume(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Shop>> {
    set_paused(&state, &caller, ShopId(id), false, None).await
}

/// Pauses (with an optional reason) or resumes; the menu stream hears of it.
async fn set_paused(
    state: &AppState,
    caller: &Caller,
    id: ShopId,
    paused: bool,
    reason: Option<String>,
) -> ApiResult<Json<Shop>> {
    let mut shop = require(state, id).await?;
    let user = caller.user()?;
    if !user.manages(id) {
        return Err(ApiError::Forbidden);
    }
    shop.paused = paused;
    shop.pause_reason.clone_from(&reason);
    let event = if paused {
        Event::ShopPaused {
            shop_id: id,
            reason,
        }
    } else {
        Event::ShopResumed { shop_id: id }
    };
    let mut outbox = Outbox::new(Some(user.id));
    outbox.push(vec![Stream::ShopMenu(id)], event);
    let mut tx = state.db.begin().await?;
    db::update(&mut tx, &shop).await?;
    outbox.commit(tx, &state.bus).await?;
    Ok(Json(shop))
}
