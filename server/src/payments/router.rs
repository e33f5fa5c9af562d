//! Online payment over HTTP: the checkout's configuration, the customer's steps (by the
//! order's tracking token, which whoever placed the order holds), staff's view and refunds,
//! and the providers' webhooks.

use super::flow;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::extract::Path;
use crate::orders::service::can_view;
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use ocpizza_proto::api::payments::{
    CardToken, OrderPayment, PaymentConfig, PaymentState, Provider, RefundRequest, SwitchPayment,
};
use ocpizza_proto::{OrderId, StaffRole};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/payments/config", get(config))
        .route("/api/v1/track/{token}/payment", get(customer_state))
        .route("/api/v1/track/{token}/payment/card", post(card))
        .route("/api/v1/track/{token}/payment/refresh", post(refresh))
        .route("/api/v1/track/{token}/payment/switch", post(switch))
        .route("/api/v1/orders/{id}/payment", get(staff_view))
        .route("/api/v1/orders/{id}/refund", post(refund))
        .route("/api/v1/payments/stripe/webhook", post(stripe_webhook))
        .route("/api/v1/payments/paypal/webhook", post(paypal_webhook))
}

/// Whether the checkout offers online payment, and what Stripe.js needs (public).
#[utoipa::path(get, path = "/api/v1/payments/config", tag = "payments",
    responses((status = 200, body = PaymentConfig)))]
pub async fn config(State(state): State<AppState>) -> Json<PaymentConfig> {
    Json(state.payments.config())
}

/// Where the online payment of the order stands, and what the customer must do next.
#[utoipa::path(get, path = "/api/v1/track/{token}/payment", tag = "payments",
    params(("token" = String, Path, pattern = "^[0-9a-fA-F]{32}$", description = "the order's tracking token")),
    responses((status = 200, body = PaymentState),
              (status = 404, description = "no order has this token", body = ocpizza_proto::ErrorBody),
              (status = 410, description = "the order was finished long ago: the link expired", body = ocpizza_proto::ErrorBody)))]
pub async fn customer_state(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> ApiResult<Json<PaymentState>> {
    let rec = crate::orders::by_token(&state, &token).await?;
    Ok(Json(flow::customer_state(&state, &rec).await?))
}

/// Pays with the card Stripe.js tokenised: authorised (the order goes to the kitchen),
/// authentication needed (`next`), or 402 `payment_declined` with the bank's words.
#[utoipa::path(post, path = "/api/v1/track/{token}/payment/card", tag = "payments",
    params(("token" = String, Path, pattern = "^[0-9a-fA-F]{32}$", description = "the order's tracking token")),
    request_body = CardToken,
    responses((status = 200, body = PaymentState),
              (status = 402, description = "`payment_declined`: the card was refused; try another or pay on delivery", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no order has this token", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "the order does not wait for a payment (paid, cancelled) or cards are not taken here", body = ocpizza_proto::ErrorBody),
              (status = 410, description = "the link expired", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "not a card token", body = ocpizza_proto::ErrorBody),
              (status = 503, description = "`payment_unavailable`: the provider cannot be reached; nothing was charged", body = ocpizza_proto::ErrorBody)))]
pub async fn card(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Json(req): Json<CardToken>,
) -> ApiResult<Json<PaymentState>> {
    let rec = crate::orders::by_token(&state, &token).await?;
    flow::pay_with_card(&state, &rec, &req.token).await?;
    let rec = crate::orders::by_token(&state, &token).await?;
    Ok(Json(flow::customer_state(&state, &rec).await?))
}

/// Asks the provider where the payment stands (after the bank's authentication, or when
/// PayPal sends the customer back) and applies it.
#[utoipa::path(post, path = "/api/v1/track/{token}/payment/refresh", tag = "payments",
    params(("token" = String, Path, pattern = "^[0-9a-fA-F]{32}$", description = "the order's tracking token")),
    responses((status = 200, body = PaymentState),
              (status = 402, description = "`payment_declined`: the payment was refused", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no order has this token", body = ocpizza_proto::ErrorBody),
              (status = 410, description = "the link expired", body = ocpizza_proto::ErrorBody),
              (status = 503, description = "`payment_unavailable`: the provider cannot be reached", body = ocpizza_proto::ErrorBody)))]
pub async fn refresh(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> ApiResult<Json<PaymentState>> {
    let rec = crate::orders::by_token(&state, &token).await?;
    flow::refresh(&state, &rec).await?;
    let rec = crate::orders::by_token(&state, &token).await?;
    Ok(Json(flow::customer_state(&state, &rec).await?))
}

/// Gives up paying online: the order goes to the kitchen, paid on delivery or at the counter.
#[utoipa::path(post, path = "/api/v1/track/{token}/payment/switch", tag = "payments",
    params(("token" = String, Path, pattern = "^[0-9a-fA-F]{32}$", description = "the order's tracking token")),
    request_body = SwitchPayment,
    responses((status = 200, body = PaymentState),
              (status = 404, description = "no order has this token", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "the order does not wait for a payment", body = ocpizza_proto::ErrorBody),
              (status = 410, description = "the link expired", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "not the way this order can be paid", body = ocpizza_proto::ErrorBody)))]
pub async fn switch(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Json(req): Json<SwitchPayment>,
) -> ApiResult<Json<PaymentState>> {
    let rec = crate::orders::by_token(&state, &token).await?;
    flow::switch(&state, &rec, req.payment_method).await?;
    let rec = crate::orders::by_token(&state, &token).await?;
    Ok(Json(flow::customer_state(&state, &rec).await?))
}

/// The order's payment and every money movement (the shop's staff, admins).
#[utoipa::path(get, path = "/api/v1/orders/{id}/payment", tag = "payments", params(("id" = i64, Path)),
    responses((status = 200, body = OrderPayment),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such order (or not visible)", body = ocpizza_proto::ErrorBody)))]
pub async fn staff_view(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<OrderPayment>> {
    let rec = staff_order(&state, &caller, id).await?;
    Ok(Json(flow::staff_view(&state, &rec).await?))
}

async fn staff_order(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> ApiResult<crate::orders::db::OrderRecord> {
    let user = caller.user()?;
    let mut conn = state.db.pool().acquire().await?;
    match crate::orders::db::by_id(&mut conn, OrderId(id)).await? {
        Some(rec) if can_view(user, &rec) && user.is_staff_of(rec.order.shop_id) => Ok(rec),
        _ => Err(ApiError::NotFound("order")),
    }
}

/// Gives back all or part of what was taken (managers of the shop, admins), with a reason
/// kept in the order's history and the audit trail.
#[utoipa::path(post, path = "/api/v1/orders/{id}/refund", tag = "payments", params(("id" = i64, Path)),
    request_body = RefundRequest,
    responses((status = 200, body = OrderPayment),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not a manager of the order's shop", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such order (or not visible)", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "nothing was taken on this order", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "no reason, or more than what can be refunded", body = ocpizza_proto::ErrorBody)))]
pub async fn refund(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<RefundRequest>,
) -> ApiResult<Json<OrderPayment>> {
    let rec = staff_order(&state, &caller, id).await?;
    let user = caller.staff(rec.order.shop_id, &[StaffRole::Manager])?;
    let reason = crate::validate::text("reason", &req.reason, 1, 300)?;
    flow::refund(&state, &rec, req.amount, &reason, user.id).await?;
    let rec = staff_order(&state, &caller, id).await?;
    Ok(Json(flow::staff_view(&state, &rec).await?))
}

/// Acknowledgement of a provider notification.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Received {
    /// Always true.
    pub received: bool,
    /// This event id was already received: nothing was done again.
    pub duplicate: bool,
}

/// Stripe's webhook: verified from the raw body with the `Stripe-Signature` HMAC and a
/// 5-minute timestamp tolerance, deduplicated by event id; the server then asks Stripe how the
/// PaymentIntent stands and applies it.
#[utoipa::path(post, path = "/api/v1/payments/stripe/webhook", tag = "payments",
    request_body(content = String, description = "Stripe's event, as Stripe signed it", content_type = "application/json"),
    params(("Stripe-Signature" = String, Header, description = "t=…,v1=…")),
    responses((status = 200, body = Received),
              (status = 400, description = "`bad_signature`: no or a wrong signature, an old timestamp, not an event", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "Stripe is not the configured provider", body = ocpizza_proto::ErrorBody),
              (status = 503, description = "Stripe could not be asked about the payment: send it again later", body = ocpizza_proto::ErrorBody)))]
pub async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Received>> {
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::BadSignature("missing Stripe-Signature header".into()))?;
    let super::Client::Stripe(stripe) = &state.payments.client else {
        return Err(ApiError::NotFound("route"));
    };
    let signature = Some(signature);
    let event = stripe
        .verify_webhook(signature, &body, jiff::Timestamp::now().as_second())
        .map_err(|why| {
            tracing::warn!(why, "Stripe webhook refused");
            ApiError::BadSignature(why)
        })?;
    let duplicate = !received(
        &state,
        Provider::Stripe,
        &event.id,
        &event.kind,
        event.intent.as_deref(),
    )
    .await?;
    Ok(Json(Received {
        received: true,
        duplicate,
    }))
}

/// PayPal's webhook: verified by PayPal's own verification endpoint, deduplicated by event
/// id; the server then asks PayPal how the payment stands and applies it.
#[utoipa::path(post, path = "/api/v1/payments/paypal/webhook", tag = "payments",
    request_body(content = String, description = "PayPal's event", content_type = "application/json"),
    responses((status = 200, body = Received),
              (status = 400, description = "`bad_signature`: PayPal did not confirm this notification", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "PayPal is not the configured provider", body = ocpizza_proto::ErrorBody),
              (status = 503, description = "PayPal could not be asked: send it again later", body = ocpizza_proto::ErrorBody)))]
pub async fn paypal_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Received>> {
    let super::Client::Paypal(paypal) = &state.payments.client else {
        return Err(ApiError::NotFound("route"));
    };
    let event = match paypal.verify_webhook(&headers, &body).await {
        Ok(e) => e,
        Err(super::provider::ProviderError::Unavailable(m)) => {
            return Err(ApiError::PaymentUnavailable(m));
        }
        Err(e) => {
            tracing::warn!(error = %e, "PayPal webhook refused");
            return Err(ApiError::BadSignature(e.to_string()));
        }
    };
    let reference = event
        .authorization_ref
        .as_deref()
        .or(event.capture_ref.as_deref())
        .or(event.order_ref.as_deref());
    let duplicate = !received(&state, Provider::Paypal, &event.id, &event.kind, reference).await?;
    Ok(Json(Received {
        received: true,
        duplicate,
    }))
}

/// Applies a verified notification once: asks the provider about the payment it names, then
/// records the event id in the same transaction as the change. `false`: a replay.
async fn received(
    state: &AppState,
    provider: Provider,
    id: &str,
    kind: &str,
    reference: Option<&str>,
) -> ApiResult<bool> {
    let mut conn = state.db.pool().acquire().await?;
    let attempt = match reference {
        Some(r) => super::db::attempt_by_ref(&mut conn, provider, r).await?,
        None => None,
    };
    drop(conn);
    let fresh = flow::on_notification(state, provider, id, kind, attempt.as_ref()).await?;
    tracing::info!(
        provider = provider.as_str(),
        event = id,
        kind,
        fresh,
        "payment notification"
    );
    Ok(fresh)
}
