//! The merchant's side of the API: orders (Orders v2), authorizations, captures and refunds
//! (Payments v2), and the verification of webhook signatures.

use crate::model::{Amount, ApiError, Authorization, Capture, Order, Refund, new_id, now};
use crate::state::{Inner, SentWebhook, Shared};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router, routing};
use serde_json::{Value, json};

/// The routes that need a bearer token.
pub(crate) fn router() -> Router<Shared> {
    Router::new()
        .route("/v2/checkout/orders", routing::post(create_order))
        .route("/v2/checkout/orders/{id}", routing::get(get_order))
        .route(
            "/v2/checkout/orders/{id}/authorize",
            routing::post(authorize),
        )
        .route(
            "/v2/payments/authorizations/{id}",
            routing::get(get_authorization),
        )
        .route(
            "/v2/payments/authorizations/{id}/capture",
            routing::post(capture),
        )
        .route("/v2/payments/authorizations/{id}/void", routing::post(void))
        .route("/v2/payments/captures/{id}", routing::get(get_capture))
        .route("/v2/payments/captures/{id}/refund", routing::post(refund))
        .route("/v2/payments/refunds/{id}", routing::get(get_refund))
        .route(
            "/v1/notifications/verify-webhook-signature",
            routing::post(verify_webhook_signature),
        )
}

type Answer = Result<Response, ApiError>;

/// A JSON body, or `{}` when there is none.
fn body_json(body: &Bytes) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::invalid(
            "MALFORMED_REQUEST_JSON",
            format!("The request JSON is not well formed: {e}"),
        )
    })
}

fn text(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn created(v: Value) -> Response {
    (StatusCode::CREATED, Json(v)).into_response()
}

async fn create_order(State(shared): State<Shared>, body: Bytes) -> Answer {
    let req = body_json(&body)?;
    if req.get("intent").and_then(Value::as_str) != Some("AUTHORIZE") {
        return Err(ApiError::invalid(
            "INVALID_PARAMETER_VALUE",
            "The fake supports intent AUTHORIZE only.",
        ));
    }
    let units = req.get("purchase_units").and_then(Value::as_array);
    let Some([unit]) = units.map(Vec::as_slice) else {
        return Err(ApiError::invalid(
            "INVALID_ARRAY_MAX_ITEMS",
            "An order with intent AUTHORIZE has exactly one purchase unit.",
        ));
    };
    let amount = unit
        .get("amount")
        .and_then(Amount::parse)
        .filter(|a| a.cents > 0)
        .ok_or_else(|| {
            ApiError::invalid(
                "INVALID_PARAMETER_VALUE",
                "purchase_units[0].amount must be {currency_code, value} with a positive value of at most two decimals.",
            )
        })?;
    let experience = req.pointer("/payment_source/paypal/experience_context");
    let context = experience.or_else(|| req.get("application_context"));
    let url = |key: &str| context.and_then(|c| text(c, &format!("/{key}")));
    let time = now();
    let mut order = Order {
        id: new_id(),
        status: "CREATED",
        amount,
        reference_id: text(unit, "/reference_id").unwrap_or_else(|| "default".to_owned()),
        custom_id: text(unit, "/custom_id"),
        description: text(unit, "/description"),
        return_url: url("return_url"),
        cancel_url: url("cancel_url"),
        payer_action: experience.is_some(),
        decline: false,
        payer_id: None,
        authorizations: Vec::new(),
        create_time: time.clone(),
        update_time: time,
    };
    order.status = order.awaiting_status();
    Ok(shared.with(|s| {
        let answer = s.store.order_json(&order);
        s.store.orders.insert(order.id.clone(), order);
        created(answer)
    }))
}

async fn get_order(State(shared): State<Shared>, Path(id): Path<String>) -> Answer {
    let s = shared.lock();
    let order = s
        .store
        .orders
        .get(&id)
        .ok_or_else(|| ApiError::not_found(&id))?;
    Ok(Json(s.store.order_json(order)).into_response())
}

async fn authorize(State(shared): State<Shared>, Path(id): Path<String>) -> Answer {
    shared.with(|s| {
        let order = s.store.orders.get_mut(&id).ok_or_else(|| ApiError::not_found(&id))?;
        match order.status {
            "APPROVED" => {}
            "COMPLETED" => {
                return Err(ApiError::unprocessable(
                    "ORDER_ALREADY_AUTHORIZED",
                    "Order already authorized. If 'intent=AUTHORIZE' only one authorization per order is allowed.",
                ));
            }
            _ => {
                return Err(ApiError::unprocessable(
                    "ORDER_NOT_APPROVED",
                    "Payer has not yet approved the Order for payment. Please redirect the payer to the 'rel':'approve' url returned as part of the HATEOAS links within the Create Order call or provide a valid payment_source in the request.",
                ));
            }
        }
        if order.decline {
            // The buyer is sent back to choose another way to pay.
            order.decline = false;
            order.status = order.awaiting_status();
            order.update_time = now();
            return Err(ApiError::unprocessable(
                "INSTRUMENT_DECLINED",
                "The instrument presented was either declined by the processor or bank, or it can't be used for this payment.",
            ));
        }
        let time = now();
        let expires = jiff::Timestamp::now()
            .checked_add(jiff::SignedDuration::from_hours(29 * 24))
            .unwrap_or_else(|_| jiff::Timestamp::now());
        let auth = Authorization {
            id: new_id(),
            order_id: order.id.clone(),
            status: "CREATED",
            amount: order.amount.clone(),
            captured: 0,
            closed: false,
            captures: Vec::new(),
            create_time: time.clone(),
            update_time: time.clone(),
            expiration_time: expires.round(jiff::Unit::Second).unwrap_or(expires).to_string(),
        };
        order.status = "COMPLETED";
        order.update_time = time;
        order.authorizations.push(auth.id.clone());
        let resource = s.store.authorization_json(&auth);
        s.store.authorizations.insert(auth.id.clone(), auth);
        s.emit("PAYMENT.AUTHORIZATION.CREATED", "authorization", &resource);
        let order = &s.store.orders[&id];
        Ok(created(s.store.order_json(order)))
    })
}

async fn get_authorization(State(shared): State<Shared>, Path(id): Path<String>) -> Answer {
    let s = shared.lock();
    let a = s
        .store
        .authorizations
        .get(&id)
        .ok_or_else(|| ApiError::not_found(&id))?;
    Ok(Json(s.store.authorization_json(a)).into_response())
}

async fn capture(State(shared): State<Shared>, Path(id): Path<String>, body: Bytes) -> Answer {
    let req = body_json(&body)?;
    shared.with(|s| {
        let auth = s.store.authorizations.get_mut(&id).ok_or_else(|| ApiError::not_found(&id))?;
        match auth.status {
            "VOIDED" => {
                return Err(ApiError::unprocessable(
                    "AUTHORIZATION_VOIDED",
                    "A voided authorization cannot be captured or reauthorized.",
                ));
            }
            _ if auth.closed => {
                return Err(ApiError::unprocessable(
                    "AUTHORIZATION_ALREADY_CAPTURED",
                    "Authorization has been previously captured and hence cannot be captured again.",
                ));
            }
            _ => {}
        }
        let remaining = auth.amount.cents - auth.captured;
        let amount = match req.get("amount") {
            None => auth.amount.with(remaining),
            Some(v) => Amount::parse(v).filter(|a| a.cents > 0).ok_or_else(|| {
                ApiError::invalid("INVALID_PARAMETER_VALUE", "amount must be {currency_code, value}.")
            })?,
        };
        if amount.currency != auth.amount.currency {
            return Err(ApiError::unprocessable(
                "CURRENCY_MISMATCH",
                "Currency of capture must be the same as currency of authorization.",
            ));
        }
        if amount.cents > remaining {
            return Err(ApiError::unprocessable(
                "MAX_CAPTURE_AMOUNT_EXCEEDED",
                "Capture amount exceeds allowable limit.",
            ));
        }
        let final_capture = req.get("final_capture").and_then(Value::as_bool).unwrap_or(false);
        let time = now();
        auth.captured += amount.cents;
        auth.closed = final_capture || auth.captured == auth.amount.cents;
        auth.status = if auth.closed { "CAPTURED" } else { "PARTIALLY_CAPTURED" };
        auth.update_time.clone_from(&time);
        let capture = Capture {
            id: new_id(),
            order_id: auth.order_id.clone(),
            authorization_id: auth.id.clone(),
            status: "COMPLETED",
            amount,
            is_final: final_capture,
            refunded: 0,
            refunds: Vec::new(),
            create_time: time.clone(),
            update_time: time,
        };
        auth.captures.push(capture.id.clone());
        let answer = s.store.capture_json(&capture);
        s.store.captures.insert(capture.id.clone(), capture);
        s.emit("PAYMENT.CAPTURE.COMPLETED", "capture", &answer);
        Ok(created(answer))
    })
}

fn wants_representation(headers: &HeaderMap) -> bool {
    headers
        .get("prefer")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("return=representation"))
}

async fn void(State(shared): State<Shared>, Path(id): Path<String>, headers: HeaderMap) -> Answer {
    shared.with(|s| {
        let auth = s
            .store
            .authorizations
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found(&id))?;
        match auth.status {
            "VOIDED" => {
                return Err(ApiError::unprocessable(
                    "PREVIOUSLY_VOIDED",
                    "Authorization has been previously voided and hence cannot be voided again.",
                ));
            }
            "CAPTURED" => {
                return Err(ApiError::unprocessable(
                    "PREVIOUSLY_CAPTURED",
                    "Authorization has been previously captured and hence cannot be voided.",
                ));
            }
            _ => {}
        }
        // What was captured stays captured; the rest of the hold is released.
        auth.closed = true;
        if auth.captured == 0 {
            auth.status = "VOIDED";
        }
        auth.update_time = now();
        let order_id = auth.order_id.clone();
        let voided = auth.status == "VOIDED";
        let resource = s.store.authorization_json(&s.store.authorizations[&id]);
        if let Some(order) = s.store.orders.get_mut(&order_id).filter(|_| voided) {
            order.status = "VOIDED";
            order.update_time = now();
        }
        s.emit("PAYMENT.AUTHORIZATION.VOIDED", "authorization", &resource);
        Ok(if wants_representation(&headers) {
            Json(resource).into_response()
        } else {
            StatusCode::NO_CONTENT.into_response()
        })
    })
}

async fn get_capture(State(shared): State<Shared>, Path(id): Path<String>) -> Answer {
    let s = shared.lock();
    let c = s
        .store
        .captures
        .get(&id)
        .ok_or_else(|| ApiError::not_found(&id))?;
    Ok(Json(s.store.capture_json(c)).into_response())
}

async fn get_refund(State(shared): State<Shared>, Path(id): Path<String>) -> Answer {
    let s = shared.lock();
    let r = s
        .store
        .refunds
        .get(&id)
        .ok_or_else(|| ApiError::not_found(&id))?;
    Ok(Json(s.store.refund_json(r)).into_response())
}

async fn refund(State(shared): State<Shared>, Path(id): Path<String>, body: Bytes) -> Answer {
    let req = body_json(&body)?;
    shared.with(|s| {
        let capture = s.store.captures.get_mut(&id).ok_or_else(|| ApiError::not_found(&id))?;
        let remaining = capture.amount.cents - capture.refunded;
        if remaining == 0 {
            return Err(ApiError::unprocessable(
                "CAPTURE_FULLY_REFUNDED",
                "The capture has already been fully refunded.",
            ));
        }
        let amount = match req.get("amount") {
            None => capture.amount.with(remaining),
            Some(v) => Amount::parse(v).filter(|a| a.cents > 0).ok_or_else(|| {
                ApiError::invalid("INVALID_PARAMETER_VALUE", "amount must be {currency_code, value}.")
            })?,
        };
        if amount.currency != capture.amount.currency {
            return Err(ApiError::unprocessable(
                "REFUND_CURRENCY_MISMATCH",
                "Refund must be in the same currency as the capture.",
            ));
        }
        if amount.cents > remaining {
            return Err(ApiError::unprocessable(
                "REFUND_AMOUNT_EXCEEDED",
                "The refund amount must be less than or equal to the capture amount that has not yet been refunded.",
            ));
        }
        let time = now();
        capture.refunded += amount.cents;
        capture.status = if capture.refunded == capture.amount.cents {
            "REFUNDED"
        } else {
            "PARTIALLY_REFUNDED"
        };
        capture.update_time.clone_from(&time);
        let refund = Refund {
            id: new_id(),
            capture_id: capture.id.clone(),
            amount,
            create_time: time,
        };
        capture.refunds.push(refund.id.clone());
        let answer = s.store.refund_json(&refund);
        s.store.refunds.insert(refund.id.clone(), refund);
        s.emit("PAYMENT.CAPTURE.REFUNDED", "refund", &answer);
        Ok(created(answer))
    })
}

/// The request of `POST /v1/notifications/verify-webhook-signature`, the event kept as the
/// exact text the caller sent.
#[derive(serde::Deserialize)]
struct VerifyRequest<'a> {
    auth_algo: String,
    cert_url: String,
    transmission_id: String,
    transmission_sig: String,
    transmission_time: String,
    webhook_id: String,
    #[serde(borrow)]
    webhook_event: &'a serde_json::value::RawValue,
}

async fn verify_webhook_signature(State(shared): State<Shared>, body: Bytes) -> Answer {
    let req: VerifyRequest<'_> = serde_json::from_slice(&body).map_err(|e| {
        ApiError::invalid(
            "MISSING_REQUIRED_PARAMETER",
            format!("A required field is missing or malformed: {e}"),
        )
    })?;
    let claimed = SentWebhook {
        transmission_id: req.transmission_id,
        transmission_time: req.transmission_time,
        transmission_sig: req.transmission_sig,
        cert_url: req.cert_url,
        auth_algo: req.auth_algo,
        event_type: String::new(),
        body: req.webhook_event.get().to_owned(),
    };
    let verified = shared.lock().sent_this(&claimed, &req.webhook_id);
    let status = if verified { "SUCCESS" } else { "FAILURE" };
    Ok(Json(json!({"verification_status": status})).into_response())
}

/// `POST /v1/oauth2/token`: any client id and secret, sent as HTTP Basic with the form body
/// `grant_type=client_credentials`.
pub(crate) async fn token(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b.trim()).ok()
        })
        .and_then(|b| String::from_utf8(b).ok());
    let credentials_ok = basic
        .as_deref()
        .and_then(|b| b.split_once(':'))
        .is_some_and(|(id, secret)| !id.is_empty() && !secret.is_empty());
    let grant_ok = url::form_urlencoded::parse(&body)
        .any(|(k, v)| k == "grant_type" && v == "client_credentials");
    if !credentials_ok || !grant_ok {
        let body =
            json!({"error": "invalid_client", "error_description": "Client Authentication failed"});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    let token = format!("A21AA{}{}", new_id(), new_id());
    let lifetime = shared.with(|s: &mut Inner| {
        s.tokens
            .insert(token.clone(), std::time::Instant::now() + s.token_lifetime);
        s.token_lifetime
    });
    Json(json!({
        "scope": "https://uri.paypal.com/services/payments/payment/authcapture https://uri.paypal.com/services/applications/verify-webhook-signature",
        "access_token": token,
        "token_type": "Bearer",
        "app_id": "APP-FAKE00000000000",
        "expires_in": lifetime.as_secs(),
        "nonce": format!("{}-{}", now(), new_id()),
    }))
    .into_response()
}
