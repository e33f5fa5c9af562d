//! The group's administration of its shops: opening a new one (its stock at zero for every
//! ingredient, its streams ready, on every open dashboard at once), changing its settings,
//! retiring and reopening it, and its exceptional closures and holidays.
//!
//! Every change is one transaction holding the change, its audit entry (before and after) and
//! its event, published on the dashboard's `group:orders`, the shop's public menu stream and
//! the public `site` stream, the way a pause is: screens already open follow it live.

use super::{db, require, settings, settings_streams};
use crate::audit::Entry;
use crate::auth::Caller;
use crate::db::Tx;
use crate::error::{ApiError, ApiResult};
use crate::events::Outbox;
use crate::extract::{Json, Path};
use crate::state::AppState;
use crate::validate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use jiff::civil::Date;
use ocpizza_proto::api::shops::{Closure, NewClosure, NewShop, Shop};
use ocpizza_proto::events::Event;
use ocpizza_proto::{ShopId, UserId};
use serde_json::json;

/// The longest closure accepted in one go: a year.
const MAX_CLOSURE_DAYS: i32 = 366;

/// Routes of this module (`POST /api/v1/shops` is declared with the shop list).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/group/shops", get(list_all))
        .route("/api/v1/shops/{id}/retire", post(retire))
        .route("/api/v1/shops/{id}/reopen", post(reopen))
        .route(
            "/api/v1/shops/{id}/closures",
            get(closures).post(add_closure),
        )
        .route(
            "/api/v1/shops/{id}/closures/{closure}",
            delete(remove_closure),
        )
}

fn subject(id: ShopId) -> String {
    format!("shop:{}", id.0)
}

/// The shop as it stands within `tx`.
async fn reload(tx: &mut Tx, id: ShopId) -> ApiResult<Shop> {
    db::get_in(tx, id).await?.ok_or(ApiError::NotFound("shop"))
}

/// Audits `entry`, publishes `event` (built from the shop as it now is) and commits.
async fn finish(
    state: &AppState,
    mut tx: Tx,
    actor: UserId,
    entry: Entry,
    event: impl FnOnce(Shop) -> Event,
    id: ShopId,
) -> ApiResult<Shop> {
    crate::audit::record(&mut tx, Some(actor), &[entry]).await?;
    let shop = reload(&mut tx, id).await?;
    let mut outbox = Outbox::new(Some(actor));
    outbox.push(settings_streams(id), event(shop.clone()));
    outbox.commit(tx, &state.bus).await?;
    Ok(shop)
}

fn updated(shop: Shop) -> Event {
    Event::ShopUpdated {
        shop_id: shop.id,
        shop: Box::new(shop),
    }
}

/// Writes `after` over `before`, audited with what changed and published; nothing is written
/// when nothing changed.
pub async fn save(state: &AppState, actor: UserId, before: &Shop, after: &Shop) -> ApiResult<Shop> {
    let (was, now) = settings::difference(before, after);
    if now.as_object().is_none_or(serde_json::Map::is_empty) {
        return require(state, before.id).await;
    }
    let mut tx = state.db.begin().await?;
    db::update(&mut tx, after).await?;
    let entry = Entry::new("shop.updated", subject(before.id))
        .shop(before.id)
        .change(Some(was), Some(now));
    finish(state, tx, actor, entry, updated, before.id).await
}

/// Every shop of the group, retired ones included, with its state (admin).
#[utoipa::path(get, path = "/api/v1/group/shops", tag = "shops",
    responses((status = 200, body = Vec<Shop>),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody)))]
pub async fn list_all(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Shop>>> {
    caller.admin()?;
    Ok(Json(db::list_all(state.db.pool()).await?))
}

/// Opens a new shop (admin): every ingredient's stock at zero, its streams ready; it takes
/// orders as soon as it has stock and its hours say it is open.
#[utoipa::path(post, path = "/api/v1/shops", tag = "shops", request_body = NewShop,
    responses((status = 201, body = Shop),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "a field is not valid (each one named)", body = ocpizza_proto::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<NewShop>,
) -> ApiResult<(StatusCode, Json<Shop>)> {
    let user = caller.admin()?;
    let shop = settings::new_shop(req)?;
    let mut tx = state.db.begin().await?;
    let id = db::insert(&mut tx, &shop).await?;
    db::create_stock(&mut tx, id).await?;
    let entry = Entry::new("shop.created", subject(id))
        .shop(id)
        .change(None, Some(settings::recorded(&shop)));
    crate::audit::record(&mut tx, Some(user.id), &[entry]).await?;
    let shop = reload(&mut tx, id).await?;
    let mut outbox = Outbox::new(Some(user.id));
    outbox.push(
        settings_streams(id),
        Event::ShopOpened {
            shop_id: id,
            shop: Box::new(shop.clone()),
        },
    );
    outbox.refresh_availability(id);
    outbox.commit(tx, &state.bus).await?;
    tracing::info!(shop = %id, "shop opened");
    Ok((StatusCode::CREATED, Json(shop)))
}

/// Orders of the shop not finished yet.
async fn open_orders(tx: &mut Tx, id: ShopId) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM orders WHERE shop_id = $1 AND status IN \
         ('awaiting_payment', 'placed', 'preparing', 'ready', 'out_for_delivery')",
    )
    .bind(id.0)
    .fetch_one(&mut **tx)
    .await
}

/// Retires a shop (admin): it takes no more orders and leaves the shop list and the
/// dashboard; its orders, stock and reports stay. Refused while it has unfinished orders.
#[utoipa::path(post, path = "/api/v1/shops/{id}/retire", tag = "shops", params(("id" = i64, Path)),
    responses((status = 200, body = Shop),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such shop", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "already retired, or orders still open", body = ocpizza_proto::ErrorBody)))]
pub async fn retire(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Shop>> {
    let user = caller.admin()?;
    let id = ShopId(id);
    let mut tx = state.db.begin().await?;
    let shop = reload(&mut tx, id).await?;
    if shop.retired {
        return Err(ApiError::Conflict(format!(
            "{} is already retired",
            shop.name
        )));
    }
    let open = open_orders(&mut tx, id).await?;
    if open > 0 {
        return Err(ApiError::Conflict(format!(
            "{} still has {open} unfinished order(s): finish or cancel them first",
            shop.name
        )));
    }
    db::set_retired(&mut tx, id, true).await?;
    let entry = Entry::new("shop.retired", subject(id)).shop(id).change(
        Some(json!({"retired": false})),
        Some(json!({"retired": true})),
    );
    let shop = finish(
        &state,
        tx,
        user.id,
        entry,
        |_| Event::ShopRetired { shop_id: id },
        id,
    )
    .await?;
    tracing::info!(shop = %id, "shop retired");
    Ok(Json(shop))
}

/// Brings a retired shop back (admin): listed, on the dashboard, taking orders again.
#[utoipa::path(post, path = "/api/v1/shops/{id}/reopen", tag = "shops", params(("id" = i64, Path)),
    responses((status = 200, body = Shop),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such shop", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "not retired", body = ocpizza_proto::ErrorBody)))]
pub async fn reopen(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Shop>> {
    let user = caller.admin()?;
    let id = ShopId(id);
    let mut tx = state.db.begin().await?;
    let shop = reload(&mut tx, id).await?;
    if !shop.retired {
        return Err(ApiError::Conflict(format!("{} is not retired", shop.name)));
    }
    db::set_retired(&mut tx, id, false).await?;
    let entry = Entry::new("shop.reopened", subject(id)).shop(id).change(
        Some(json!({"retired": true})),
        Some(json!({"retired": false})),
    );
    let opened = |shop: Shop| Event::ShopOpened {
        shop_id: id,
        shop: Box::new(shop),
    };
    Ok(Json(finish(&state, tx, user.id, entry, opened, id).await?))
}

/// Every closure of a shop, past ones included (manager of the shop, admin).
#[utoipa::path(get, path = "/api/v1/shops/{id}/closures", tag = "shops", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Closure>),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not a manager of this shop", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such shop", body = ocpizza_proto::ErrorBody)))]
pub async fn closures(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Closure>>> {
    let id = ShopId(id);
    if !caller.user()?.manages(id) {
        return Err(ApiError::Forbidden);
    }
    require(&state, id).await?;
    Ok(Json(db::all_closures(state.db.pool(), id).await?))
}

fn date(field: &str, value: &str) -> ApiResult<Date> {
    value
        .trim()
        .parse()
        .map_err(|_| ApiError::field(field, "must be a date, YYYY-MM-DD"))
}

/// The dates of a closure request, checked against the shop's today.
fn closure_dates(shop: &Shop, req: &NewClosure) -> ApiResult<(Date, Date)> {
    let starts_on = date("starts_on", &req.starts_on)?;
    let ends_on = match req.ends_on.as_deref().map(str::trim) {
        None | Some("") => starts_on,
        Some(v) => date("ends_on", v)?,
    };
    if ends_on < starts_on {
        return Err(ApiError::field("ends_on", "must not be before starts_on"));
    }
    let today = jiff::Timestamp::now()
        .to_zoned(super::day::zone(&shop.timezone))
        .date();
    if ends_on < today {
        return Err(ApiError::field("ends_on", "is in the past"));
    }
    let days = starts_on.until(ends_on).map_or(i32::MAX, |s| s.get_days());
    if days >= MAX_CLOSURE_DAYS {
        return Err(ApiError::field(
            "ends_on",
            "a closure lasts at most a year; retire the shop instead",
        ));
    }
    Ok((starts_on, ends_on))
}

/// Closes a shop on some days, with the reason customers see (admin).
#[utoipa::path(post, path = "/api/v1/shops/{id}/closures", tag = "shops", params(("id" = i64, Path)),
    request_body = NewClosure, responses((status = 201, body = Shop),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such shop", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "bad dates or reason", body = ocpizza_proto::ErrorBody)))]
pub async fn add_closure(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<NewClosure>,
) -> ApiResult<(StatusCode, Json<Shop>)> {
    let user = caller.admin()?;
    let id = ShopId(id);
    let shop = require(&state, id).await?;
    let dates = closure_dates(&shop, &req)?;
    let reason = validate::text("reason", &req.reason, 1, 200)?;
    let mut tx = state.db.begin().await?;
    let closure = db::insert_closure(&mut tx, id, dates, &reason).await?;
    let entry = Entry::new("shop.closure_added", subject(id))
        .shop(id)
        .reason(Some(reason.clone()))
        .after(json!({"id": closure, "starts_on": dates.0, "ends_on": dates.1, "reason": reason}));
    let shop = finish(&state, tx, user.id, entry, updated, id).await?;
    Ok((StatusCode::CREATED, Json(shop)))
}

/// Removes a closure (admin): the shop opens on those days again as its hours say.
#[utoipa::path(delete, path = "/api/v1/shops/{id}/closures/{closure}", tag = "shops",
    params(("id" = i64, Path), ("closure" = i64, Path)),
    responses((status = 200, body = Shop),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such shop or closure", body = ocpizza_proto::ErrorBody)))]
pub async fn remove_closure(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, closure)): Path<(i64, i64)>,
) -> ApiResult<Json<Shop>> {
    let user = caller.admin()?;
    let id = ShopId(id);
    require(&state, id).await?;
    let mut tx = state.db.begin().await?;
    let removed = db::delete_closure(&mut tx, id, closure)
        .await?
        .ok_or(ApiError::NotFound("closure"))?;
    let entry = Entry::new("shop.closure_removed", subject(id))
        .shop(id)
        .change(Some(json!(removed)), None);
    Ok(Json(finish(&state, tx, user.id, entry, updated, id).await?))
}
