//! Orders over HTTP: place, read, track by token, list per shop, edit, cancel, transition,
//! assign a driver, and a driver's deliveries. The rules live in [`service`].

pub mod batch;
pub mod db;
pub mod guard;
pub mod limit;
pub mod pricing;
pub mod public;
pub mod service;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::idempotency::{self, Pending};
use crate::net::ClientIp;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use db::OrderRecord;
use ocpizza_proto::api::orders::{
    AssignDriver, CancelByPhone, CancelRequest, CancelledOrders, Deliveries, EditOrder, Order,
    OrderList, PlaceOrder, TrackedOrder, TransitionRequest,
};
use ocpizza_proto::events::Stream;
use ocpizza_proto::{OrderId, OrderStatus, ShopId, StaffRole};
use serde::Deserialize;
use service::{Change, Who};
use sqlx::AnyPool;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/orders", post(place))
        .route("/api/v1/orders/{id}", get(get_one).patch(edit))
        .route("/api/v1/orders/{id}/transition", post(transition))
        .route("/api/v1/orders/{id}/cancel", post(cancel))
        .route("/api/v1/orders/{id}/driver", post(assign_driver))
        .route("/api/v1/me/orders", get(my_orders))
        .route("/api/v1/shops/{id}/orders", get(shop_orders))
        .route(
            "/api/v1/shops/{id}/orders/cancel-by-phone",
            post(cancel_by_phone),
        )
        .route("/api/v1/track/{token}", get(track).patch(track_edit))
        .route("/api/v1/track/{token}/cancel", post(track_cancel))
        .route("/api/v1/driver/deliveries", get(deliveries))
}

fn who(caller: &Caller) -> Who<'_> {
    caller.0.as_ref().map_or(Who::Guest, Who::User)
}

/// Loads an order the caller may see; others get 404 (existence is not disclosed).
async fn visible(state: &AppState, caller: &Caller, id: i64) -> ApiResult<OrderRecord> {
    let user = caller.user()?;
    let mut conn = state.db.pool().acquire().await?;
    match db::by_id(&mut conn, OrderId(id)).await? {
        Some(rec) if service::can_view(user, &rec) => Ok(rec),
        _ => Err(ApiError::NotFound("order")),
    }
}

/// Loads the order of a tracking token; 410 once its tracking has expired.
pub(crate) async fn by_token(state: &AppState, token: &str) -> ApiResult<OrderRecord> {
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::NotFound("order"));
    }
    let mut conn = state.db.pool().acquire().await?;
    let rec = db::by_token(&mut conn, token)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    if public::expired(
        &rec.order,
        state.config.tracking_hours,
        jiff::Timestamp::now(),
    ) {
        return Err(ApiError::TrackingExpired);
    }
    Ok(rec)
}

/// The tracking token changes guest orders only: an account's order is changed by its
/// customer, logged in, through `/api/v1/orders/{id}`.
fn guest_order(rec: &OrderRecord) -> ApiResult<()> {
    match rec.customer_id {
        Some(_) => Err(ApiError::Denied(
            "this order belongs to an account: log in to change it",
        )),
        None => Ok(()),
    }
}

/// Places an order: a customer for themselves, a guest with contact, or staff for a caller.
/// Reserves every ingredient or fails with 409 `out_of_stock` naming pizza and ingredient.
/// Online orders are throttled per client address and per phone (429 `rate_limited` with
/// `Retry-After`), and one phone may only have a few orders waiting for a shop to start them
/// (409 `too_many_open_orders`); orders staff take by phone or at the counter are not.
/// While the site is in maintenance, customers' orders get 503 `maintenance`.
/// Accepts `Idempotency-Key`. `Accept-Language` (`en…` or French) sets the language of the
/// e-mails about the order.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body = PlaceOrder,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{8,128}$",
        description = "8 to 128 visible ASCII characters; replays return the first result")),
    responses((status = 201, body = Order),
              (status = 401, description = "a guest asked for a `phone` or `counter` order", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "only the shop's order takers and managers take `phone` and `counter` orders", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "out_of_stock, shop_paused, shop_closed or too_many_open_orders", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "a field is invalid (see `fields`), or the Idempotency-Key was used for another request", body = ocpizza_proto::ErrorBody),
              (status = 429, body = ocpizza_proto::ErrorBody,
               headers(("Retry-After" = u64, description = "seconds before another order is accepted"))),
              (status = 503, description = "`maintenance`: the site is in maintenance and takes no customer order (staff phone and counter orders go on); or the database is unavailable", body = ocpizza_proto::ErrorBody,
               headers(("Retry-After" = u64, description = "seconds before trying again (until the announced end of maintenance)")))))]
pub async fn place(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(req): Json<PlaceOrder>,
) -> ApiResult<Response> {
    let pending =
        Pending::from_request(&headers, &caller, "/api/v1/orders", &req)?.map(|p| p.guest_at(ip));
    // The customer's messages about this order are written in the app's language.
    let lang = crate::notify::mail::templates::Lang::of_request(&headers);
    idempotency::run(state.db.pool(), pending, StatusCode::CREATED, async |p| {
        service::place(&state, who(&caller), ip, req, lang, p).await
    })
    .await
}

/// One order (its customer, the shop's staff, admin).
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = Order),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such order, or not visible to the caller", body = ocpizza_proto::ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Order>> {
    let rec = visible(&state, &caller, id).await?;
    let user = caller.user()?;
    let with_email = user.manages(rec.order.shop_id) || rec.customer_id == Some(user.id);
    Ok(Json(if with_email {
        rec.with_email()
    } else {
        rec.order
    }))
}

/// Changes lines, address or note while the order is `placed` (its customer, order takers and
/// managers of the shop, admin). Requires the current `version`.
#[utoipa::path(patch, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = i64, Path)),
    request_body = EditOrder, responses((status = 200, body = Order),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "the caller's role may not edit this order", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such order, or not visible to the caller", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "stale_version, invalid_transition (no longer `placed`) or out_of_stock", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "a field is invalid (see `fields`)", body = ocpizza_proto::ErrorBody)))]
pub async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<EditOrder>,
) -> ApiResult<Json<Order>> {
    let rec = visible(&state, &caller, id).await?;
    Ok(Json(
        service::edit(&state, who(&caller), &rec, false, req).await?,
    ))
}

/// Moves the order to another status, if the caller's role allows that transition.
/// Accepts `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/orders/{id}/transition", tag = "orders", params(("id" = i64, Path),
    ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{8,128}$",
        description = "8 to 128 visible ASCII characters; replays return the first result")),
    request_body = TransitionRequest, responses((status = 200, body = Order),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "the caller's role may not make this transition", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such order, or not visible to the caller", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "stale_version or invalid_transition", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "a field is invalid, or the Idempotency-Key was used for another request", body = ocpizza_proto::ErrorBody)))]
pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(req): Json<TransitionRequest>,
) -> ApiResult<Response> {
    let rec = visible(&state, &caller, id).await?;
    let path = format!("/api/v1/orders/{id}/transition");
    let pending = Pending::from_request(&headers, &caller, &path, &req)?;
    let change = Change {
        to: req.to,
        version: req.version,
        reason: req.reason,
    };
    idempotency::run(state.db.pool(), pending, StatusCode::OK, async |p| {
        service::transition(&state, who(&caller), &rec, false, change, p).await
    })
    .await
}

/// Cancels the order: its customer while `placed`, staff before it leaves (with a reason).
/// Accepts `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "orders", params(("id" = i64, Path),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{8,128}$",
        description = "8 to 128 visible ASCII characters; replays return the first result")),
    request_body = CancelRequest, responses((status = 200, body = Order),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "the caller's role may not cancel this order", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such order, or not visible to the caller", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "stale_version or invalid_transition", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "a field is invalid (a staff cancellation needs a `reason`)", body = ocpizza_proto::ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(req): Json<CancelRequest>,
) -> ApiResult<Response> {
    let rec = visible(&state, &caller, id).await?;
    let path = format!("/api/v1/orders/{id}/cancel");
    let pending = Pending::from_request(&headers, &caller, &path, &req)?;
    let change = Change {
        to: OrderStatus::Cancelled,
        version: req.version,
        reason: req.reason,
    };
    idempotency::run(state.db.pool(), pending, StatusCode::OK, async |p| {
        service::transition(&state, who(&caller), &rec, false, change, p).await
    })
    .await
}

/// Assigns a driver (managers and order takers of the shop, admin), or a driver takes or drops
/// a delivery themselves.
#[utoipa::path(post, path = "/api/v1/orders/{id}/driver", tag = "orders", params(("id" = i64, Path)),
    request_body = AssignDriver, responses((status = 200, body = Order),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "the caller's role may not assign this order", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such order, or not visible to the caller", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "stale_version, invalid_transition or assigned_to_other_driver", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "`driver_id` is not a driver of this shop", body = ocpizza_proto::ErrorBody)))]
pub async fn assign_driver(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<AssignDriver>,
) -> ApiResult<Json<Order>> {
    let rec = visible(&state, &caller, id).await?;
    let user = caller.user()?;
    Ok(Json(
        service::assign_driver(&state, user, &rec, req.driver_id, req.version).await?,
    ))
}

/// The logged-in customer's orders, newest first.
#[utoipa::path(get, path = "/api/v1/me/orders", tag = "orders", responses((status = 200, body = Vec<Order>),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody)))]
pub async fn my_orders(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<Order>>> {
    let user = caller.user()?;
    let mut conn = state.db.pool().acquire().await?;
    let mut orders: Vec<Order> = db::by_customer(&mut conn, user.id, 100)
        .await?
        .into_iter()
        .map(|r| Order {
            tracking_token: Some(r.tracking_token.clone()),
            ..r.with_email()
        })
        .collect();
    orders.reverse();
    Ok(Json(orders))
}

/// Filter of a shop's order list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// One status, `open` (not finished, the default) or `all`.
    #[param(schema_with = status_filter)]
    pub status: Option<String>,
    /// Only orders with a greater id (the previous page's `next_after`); not with `open`.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Most orders returned, 1 to 500 (default 500); not with `open`.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// The values `ListQuery::status` accepts.
fn status_filter() -> utoipa::openapi::Object {
    let names = OrderStatus::ALL
        .iter()
        .map(|s| s.as_str())
        .chain(["open", "all"]);
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(names))
        .build()
}

/// Most orders one page of a shop's list holds.
pub const PAGE_MAX: i64 = 500;
/// Most open orders listed at once.
pub const OPEN_MAX: usize = 5000;

/// Orders of a shop, oldest first (any staff of the shop, admin).
#[utoipa::path(get, path = "/api/v1/shops/{id}/orders", tag = "orders", params(("id" = i64, Path), ListQuery),
    responses((status = 200, body = OrderList),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not staff of this shop", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such shop", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "a query parameter is invalid (see `fields`)", body = ocpizza_proto::ErrorBody)))]
pub async fn shop_orders(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<OrderList>> {
    let shop = ShopId(id);
    caller.staff(shop, &StaffRole::ALL)?;
    crate::shops::require(&state, shop).await?;
    let filter = match q.status.as_deref().unwrap_or("open") {
        "open" => None,
        "all" => Some(None),
        s => Some(Some(OrderStatus::parse(s).ok_or_else(|| {
            ApiError::field("query.status", "must be a status, `open` or `all`")
        })?)),
    };
    let after = q.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::field(
            "query.after",
            "must be an order id (0 or more)",
        ));
    }
    let limit = q.limit.unwrap_or(PAGE_MAX);
    if !(1..=PAGE_MAX).contains(&limit) {
        return Err(ApiError::field("query.limit", "must be between 1 and 500"));
    }
    let pool = state.db.pool();
    let stream_seq = crate::events::db::head(pool, &Stream::ShopOrders(shop).to_string()).await?;
    let (orders, truncated) = {
        let mut conn = pool.acquire().await?;
        match filter {
            // One more than asked tells whether the page is the last.
            Some(status) => {
                let mut page = db::by_shop(&mut conn, shop, status, after, limit + 1).await?;
                let more = page.len() as i64 > limit;
                page.truncate(limit as usize);
                (page, more)
            }
            None => {
                let open = db::open(&mut conn, Some(shop)).await?;
                let full = open.len() >= OPEN_MAX;
                (open, full)
            }
        }
    };
    let next_after = truncated
        .then(|| orders.last().map(|r| r.order.id))
        .flatten();
    let mut orders: Vec<Order> = orders.into_iter().map(|r| r.order).collect();
    // The open orders (the kitchen's wall) get their estimate as of now: an order stays put
    // while the ones ahead of it move.
    if filter.is_none() {
        let inputs = state.eta.inputs(&state, shop).await?;
        let now = jiff::Timestamp::now();
        for order in orders.iter_mut().filter(|o| o.eta.is_some()) {
            order.eta = inputs.order(order, now);
        }
    }
    Ok(Json(OrderList {
        orders,
        stream_seq,
        truncated,
        next_after,
    }))
}

/// Cancels every order of one phone number the shop has not started yet (managers of the
/// shop, admin), releasing their stock; the customers see the reason on their tracker.
#[utoipa::path(post, path = "/api/v1/shops/{id}/orders/cancel-by-phone", tag = "orders",
    params(("id" = i64, Path)), request_body = CancelByPhone,
    responses((status = 200, body = CancelledOrders),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not a manager of this shop", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such shop", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "a field is invalid (see `fields`)", body = ocpizza_proto::ErrorBody)))]
pub async fn cancel_by_phone(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<CancelByPhone>,
) -> ApiResult<Json<CancelledOrders>> {
    let shop = ShopId(id);
    let user = caller.staff(shop, &[StaffRole::Manager])?;
    crate::shops::require(&state, shop).await?;
    let phone = crate::validate::phone("phone", &req.phone)?;
    let reason = crate::validate::text("reason", &req.reason, 1, 300)?;
    let cancelled = guard::cancel_by_phone(&state, Who::User(user), shop, &phone, &reason).await?;
    Ok(Json(CancelledOrders { cancelled }))
}

/// Follows an order with its tracking token (public: the token is the secret). The contact's
/// phone and e-mail are masked, staff named by first name only; 410 some hours after the order
/// is finished (`OCPIZZA_TRACKING_HOURS`).
#[utoipa::path(get, path = "/api/v1/track/{token}", tag = "orders", params(("token" = String, Path, pattern = "^[0-9a-fA-F]{32}$", description = "the order's tracking token")),
    responses((status = 200, body = TrackedOrder),
              (status = 404, description = "no order has this token", body = ocpizza_proto::ErrorBody),
              (status = 410, description = "the order was finished long ago: the link expired", body = ocpizza_proto::ErrorBody)))]
pub async fn track(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> ApiResult<Json<TrackedOrder>> {
    let stream = Stream::Order(token.clone()).to_string();
    let stream_seq = crate::events::db::head(state.db.pool(), &stream).await?;
    let rec = by_token(&state, &token).await?;
    let token = rec.tracking_token.clone();
    let account = rec.customer_id.is_some();
    let mut order = Order {
        tracking_token: Some(token),
        ..public::order(rec.with_email())
    };
    // The estimate as of now: the orders ahead may have moved since this one last did.
    if order.eta.is_some() {
        let inputs = state.eta.inputs(&state, order.shop_id).await?;
        order.eta = inputs.order(&order, jiff::Timestamp::now());
    }
    let timezone = crate::shops::db::get(state.db.pool(), order.shop_id)
        .await?
        .map(|shop| shop.timezone);
    let driver_position = match order.status {
        OrderStatus::OutForDelivery => {
            crate::driver::db::position(state.db.pool(), order.id).await?
        }
        _ => None,
    };
    Ok(Json(TrackedOrder {
        order,
        stream_seq,
        driver_position,
        account,
        timezone,
    }))
}

/// Edits a guest's order with its tracking token, while `placed`; 403 for an account's order.
#[utoipa::path(patch, path = "/api/v1/track/{token}", tag = "orders", params(("token" = String, Path, pattern = "^[0-9a-fA-F]{32}$", description = "the order's tracking token")),
    request_body = EditOrder, responses((status = 200, body = Order),
              (status = 403, description = "the order belongs to an account: log in to change it", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no order has this token", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "stale_version, invalid_transition or out_of_stock", body = ocpizza_proto::ErrorBody),
              (status = 410, description = "the order was finished long ago: the link expired", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "a field is invalid (see `fields`)", body = ocpizza_proto::ErrorBody)))]
pub async fn track_edit(
    State(state): State<AppState>,
    caller: Caller,
    Path(token): Path<String>,
    Json(req): Json<EditOrder>,
) -> ApiResult<Json<Order>> {
    let rec = by_token(&state, &token).await?;
    guest_order(&rec)?;
    Ok(Json(
        service::edit(&state, who(&caller), &rec, true, req).await?,
    ))
}

/// Cancels a guest's order with its tracking token, while `placed`; 403 for an account's order.
#[utoipa::path(post, path = "/api/v1/track/{token}/cancel", tag = "orders", params(("token" = String, Path, pattern = "^[0-9a-fA-F]{32}$", description = "the order's tracking token"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{8,128}$",
        description = "8 to 128 visible ASCII characters; replays return the first result")),
    request_body = CancelRequest, responses((status = 200, body = Order),
              (status = 403, description = "the order belongs to an account: log in to change it", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no order has this token", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "stale_version or invalid_transition", body = ocpizza_proto::ErrorBody),
              (status = 410, description = "the order was finished long ago: the link expired", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "a field is invalid, or the Idempotency-Key was used for another request", body = ocpizza_proto::ErrorBody)))]
pub async fn track_cancel(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(token): Path<String>,
    Json(req): Json<CancelRequest>,
) -> ApiResult<Response> {
    let rec = by_token(&state, &token).await?;
    guest_order(&rec)?;
    let pending = Pending::from_request(
        &headers,
        &caller,
        &format!("/api/v1/track/{token}/cancel"),
        &req,
    )?;
    let change = Change {
        to: OrderStatus::Cancelled,
        version: req.version,
        reason: req.reason,
    };
    idempotency::run(state.db.pool(), pending, StatusCode::OK, async |p| {
        service::transition(&state, who(&caller), &rec, true, change, p).await
    })
    .await
}

/// A driver's deliveries: ready ones nobody took in their shops, and their own.
#[utoipa::path(get, path = "/api/v1/driver/deliveries", tag = "orders",
    responses((status = 200, body = Deliveries),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not a driver", body = ocpizza_proto::ErrorBody)))]
pub async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Deliveries>> {
    let user = caller.user()?;
    if user.shops_with(StaffRole::Driver).is_empty() {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(deliveries_of(state.db.pool(), user.id).await?))
}

/// The deliveries of driver `id`: ready ones nobody took in their shops, and their own.
pub async fn deliveries_of(pool: &AnyPool, id: ocpizza_proto::UserId) -> ApiResult<Deliveries> {
    let driver = crate::auth::db::user_by_id(pool, id)
        .await?
        .ok_or(ApiError::NotFound("driver"))?;
    let stream = Stream::Driver(id).to_string();
    let stream_seq = crate::events::db::head(pool, &stream).await?;
    let mut conn = pool.acquire().await?;
    let mut available = Vec::new();
    for shop in driver.shops_with(StaffRole::Driver) {
        available.extend(
            db::unassigned_ready(&mut conn, shop)
                .await?
                .into_iter()
                .map(|r| r.order),
        );
    }
    let mine = db::by_driver(&mut conn, id)
        .await?
        .into_iter()
        .map(|r| r.order)
        .collect();
    Ok(Deliveries {
        available,
        mine,
        stream_seq,
    })
}
