//! Driver actions replayed from a phone's offline queue, each applied at most once per key.
//!
//! The first request with a key runs the action in one transaction that also stores the
//! action and its answer under the key (a unique column): a twin racing it fails on the key
//! and answers with what the winner stored. The action goes through the same code as the
//! order's REST transitions ([`service::transition_in`], [`service::assign_in`]), so status
//! rules, versions, stock and events are those of every other change.
//!
//! A conflict the driver must hear about (the order was cancelled meanwhile, another driver
//! has it, its status moved on) is a definitive answer: it is stored too, so the queue's
//! retries get the same one. Input and permission errors are not stored: a corrected action
//! may be sent again with the same key.

use super::db::{self, StoredAction};
use crate::auth::AuthUser;
use crate::db::{Tx, now_ms, ts};
use crate::error::{ApiError, ApiResult};
use crate::events::Outbox;
use crate::orders::service::{self, Change, Who};
use crate::state::AppState;
use crate::validate;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ocpizza_proto::api::driver::{
    DriverAction, DriverActionKind, DriverActionOutcome, DriverActionResult, RecordedOutcome,
};
use ocpizza_proto::api::orders::Order;
use ocpizza_proto::{
    ErrorBody, ErrorCode, Fulfilment, Money, OrderStatus, PaymentMethod, StaffRole,
};

/// Checks the key: 16 to 64 characters of `[A-Za-z0-9_-]`.
fn check_key(key: &str) -> ApiResult<()> {
    let ok = (16..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(ApiError::field(
            "key",
            "must be 16 to 64 characters among A-Z, a-z, 0-9, _ and -",
        ))
    }
}

/// Applies `req` once, or answers with what its key already got.
#[tracing::instrument(name = "driver.action", skip_all, fields(order = %req.order_id, kind = req.kind.as_str()))]
pub async fn submit(state: &AppState, user: &AuthUser, req: DriverAction) -> ApiResult<Response> {
    check_key(&req.key)?;
    let reason = validate::optional_text("reason", req.reason.as_deref(), 300)?;
    let pool = state.db.pool();
    if let Some(stored) = db::action_by_key(pool, &req.key).await? {
        return replay(&stored, user, &req);
    }
    let rec = {
        let mut conn = pool.acquire().await?;
        crate::orders::db::by_id(&mut conn, req.order_id).await?
    }
    .filter(|rec| service::can_view(user, rec))
    .ok_or(ApiError::NotFound("order"))?;
    let shop = rec.order.shop_id;
    let may = match req.kind {
        DriverActionKind::Take => user.has_role(shop, StaffRole::Driver),
        _ => user.has_any(shop, &[StaffRole::Driver]),
    };
    if !may {
        return Err(ApiError::Forbidden);
    }
    let (cash, paid_by) = handover(&req, rec.order.payment_method)?;
    if req.kind == DriverActionKind::Failed && reason.is_none() {
        return Err(ApiError::field(
            "reason",
            "say why the order could not be delivered",
        ));
    }
    let mut action = StoredAction {
        key: req.key.clone(),
        driver_id: user.id,
        order_id: req.order_id,
        kind: req.kind,
        device_at: req.device_at.as_millisecond(),
        received_at: now_ms(),
        cash_collected: cash,
        reason,
        outcome: RecordedOutcome::Applied,
        status: 200,
        response: String::new(),
    };

    let mut tx = state.db.begin().await?;
    match apply(&mut tx, user, &action, paid_by).await {
        Ok((order, outbox)) => {
            let result = DriverActionResult {
                outcome: DriverActionOutcome::Applied,
                order,
                device_at: ts(action.device_at),
                received_at: ts(action.received_at),
            };
            action.response = to_json(&result)?;
            if let Err(e) = db::insert_action(&mut tx, &action).await {
                return twin(state, e, user, &req).await;
            }
            outbox.commit(tx, &state.bus).await?;
            Ok((StatusCode::OK, axum::Json(result)).into_response())
        }
        Err(e) => {
            let Some(outcome) = conflict(&e) else {
                return Err(e);
            };
            tx.rollback().await?;
            action.outcome = outcome;
            action.status = 409;
            action.response = to_json(&ErrorBody::new(code_of(outcome), e.to_string()))?;
            let mut tx = state.db.begin().await?;
            if let Err(err) = db::insert_action(&mut tx, &action).await {
                return twin(state, err, user, &req).await;
            }
            tx.commit().await?;
            tracing::info!(order = %action.order_id, outcome = outcome.as_str(), "driver action refused");
            Err(e)
        }
    }
}

/// What a hand-over says about the payment of an order paid at the door: the cash kept, and
/// the method to record when it changes (a card payment). Without a method, a delivery paid at
/// the door is paid in cash, as phones sent it before the card existed.
fn handover(
    req: &DriverAction,
    method: PaymentMethod,
) -> ApiResult<(Option<Money>, Option<PaymentMethod>)> {
    use PaymentMethod::{CardOnDelivery, CashOnDelivery};
    if req.kind != DriverActionKind::Delivered {
        return match req.payment_method {
            None => Ok((None, None)),
            Some(_) => Err(ApiError::field(
                "payment_method",
                "only a delivery says how the order was paid",
            )),
        };
    }
    match (method, req.payment_method) {
        (CashOnDelivery, None | Some(CashOnDelivery)) => {
            Ok((Some(cash(req.cash_collected)?), None))
        }
        (CashOnDelivery, Some(CardOnDelivery)) if req.cash_collected.is_some() => Err(
            ApiError::field("cash_collected", "a card payment has no cash: leave it out"),
        ),
        (CashOnDelivery, Some(CardOnDelivery)) => Ok((None, Some(CardOnDelivery))),
        (CashOnDelivery, Some(_)) => Err(ApiError::field(
            "payment_method",
            "at the door an order is paid by cash_on_delivery or card_on_delivery",
        )),
        (_, None) => Ok((None, None)),
        (_, Some(_)) => Err(ApiError::field(
            "payment_method",
            "this order is not paid at the door",
        )),
    }
}

/// The cash declared for an order paid on delivery.
fn cash(declared: Option<Money>) -> ApiResult<Money> {
    match declared {
        None => Err(ApiError::field(
            "cash_collected",
            "this order is paid on delivery: enter the cash received",
        )),
        Some(m) if m.0 < 0 => Err(ApiError::field("cash_collected", "must not be negative")),
        Some(m) if m.0 > 10_000_000 => Err(ApiError::field("cash_collected", "is too large")),
        Some(m) => Ok(m),
    }
}

fn to_json(value: &impl serde::Serialize) -> ApiResult<String> {
    serde_json::to_string(value).map_err(|e| ApiError::Internal(e.into()))
}

/// A concurrent request with the same key stored its answer first: answer with it.
async fn twin(
    state: &AppState,
    err: sqlx::Error,
    user: &AuthUser,
    req: &DriverAction,
) -> ApiResult<Response> {
    if !crate::db::is_unique_violation(&err) {
        return Err(err.into());
    }
    match db::action_by_key(state.db.pool(), &req.key).await? {
        Some(stored) => replay(&stored, user, req),
        None => Err(err.into()),
    }
}

/// The stored answer of a key, if the same driver sends the same action again.
fn replay(stored: &StoredAction, user: &AuthUser, req: &DriverAction) -> ApiResult<Response> {
    if stored.driver_id != user.id || stored.order_id != req.order_id || stored.kind != req.kind {
        return Err(ApiError::IdempotencyKeyReused);
    }
    if stored.status == 200 {
        let mut result: DriverActionResult =
            serde_json::from_str(&stored.response).map_err(|e| ApiError::Internal(e.into()))?;
        result.outcome = DriverActionOutcome::AlreadyApplied;
        return Ok((StatusCode::OK, axum::Json(result)).into_response());
    }
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::CONFLICT);
    Ok((
        status,
        [(header::CONTENT_TYPE, "application/json")],
        stored.response.clone(),
    )
        .into_response())
}

/// The definitive refusals, stored under the key.
fn conflict(e: &ApiError) -> Option<RecordedOutcome> {
    match e {
        ApiError::Refused {
            code: ErrorCode::OrderCancelled,
            ..
        } => Some(RecordedOutcome::OrderCancelled),
        ApiError::Refused {
            code: ErrorCode::AssignedToOtherDriver,
            ..
        } => Some(RecordedOutcome::AssignedToOtherDriver),
        ApiError::InvalidTransition(_) => Some(RecordedOutcome::InvalidTransition),
        _ => None,
    }
}

fn code_of(outcome: RecordedOutcome) -> ErrorCode {
    match outcome {
        RecordedOutcome::OrderCancelled => ErrorCode::OrderCancelled,
        RecordedOutcome::AssignedToOtherDriver => ErrorCode::AssignedToOtherDriver,
        RecordedOutcome::InvalidTransition | RecordedOutcome::Applied => {
            ErrorCode::InvalidTransition
        }
    }
}

/// Locks the order, explains a conflict in the driver's terms, then runs the action through
/// the orders' own code. `paid_by` is the payment method a hand-over records (a card).
async fn apply(
    tx: &mut Tx,
    user: &AuthUser,
    action: &StoredAction,
    paid_by: Option<PaymentMethod>,
) -> ApiResult<(Order, Outbox)> {
    let id = action.order_id;
    if !crate::orders::db::lock(tx, id).await? {
        return Err(ApiError::NotFound("order"));
    }
    let current = crate::orders::db::by_id(tx, id)
        .await?
        .ok_or(ApiError::NotFound("order"))?
        .order;
    precheck(&current, user, action.kind)?;
    let to = match action.kind {
        DriverActionKind::Take => {
            return service::assign_in(tx, user, false, id, Some(user.id), None).await;
        }
        DriverActionKind::PickedUp => OrderStatus::OutForDelivery,
        DriverActionKind::Delivered => {
            crate::orders::db::set_cash(tx, id, action.cash_collected).await?;
            if let Some(method) = paid_by {
                crate::orders::db::set_payment_method(tx, id, method).await?;
            }
            OrderStatus::Delivered
        }
        DriverActionKind::Failed => OrderStatus::DeliveryFailed,
    };
    let change = Change {
        to,
        version: None,
        reason: action.reason.clone(),
    };
    service::transition_in(tx, Who::User(user), id, false, &change).await
}

/// The order's current state against what the driver did, in words a driver understands.
fn precheck(order: &Order, user: &AuthUser, kind: DriverActionKind) -> ApiResult<()> {
    use OrderStatus as S;
    let refuse = |code, message: &str| {
        Err(ApiError::Refused {
            code,
            message: message.to_owned(),
        })
    };
    if order.status == S::Cancelled {
        return refuse(
            ErrorCode::OrderCancelled,
            "this order was cancelled by the shop: do not deliver it",
        );
    }
    if order.fulfilment == Fulfilment::Pickup {
        return Err(ApiError::InvalidTransition(
            "this order is collected at the counter: there is nothing to deliver".into(),
        ));
    }
    if !user.admin
        && let Some(d) = &order.driver
        && d.id != user.id
    {
        return refuse(
            ErrorCode::AssignedToOtherDriver,
            &format!("{} is delivering this order", d.name),
        );
    }
    let status = order.status.as_str().replace('_', " ");
    let problem = match (kind, order.status) {
        (DriverActionKind::Take, S::Placed | S::Preparing | S::Ready)
        | (DriverActionKind::PickedUp, S::Ready)
        | (DriverActionKind::Delivered | DriverActionKind::Failed, S::OutForDelivery) => {
            return Ok(());
        }
        (DriverActionKind::PickedUp, S::OutForDelivery) => {
            "this order was already picked up".to_owned()
        }
        (DriverActionKind::PickedUp, S::Placed | S::Preparing) => {
            format!("this order is not ready yet (it is {status})")
        }
        (DriverActionKind::Delivered, S::Delivered) => {
            "this order was already delivered".to_owned()
        }
        (
            DriverActionKind::Delivered | DriverActionKind::Failed,
            S::Placed | S::Preparing | S::Ready,
        ) => {
            format!("this order was never picked up (it is {status})")
        }
        _ => format!("this order is already {status}"),
    };
    Err(ApiError::InvalidTransition(problem))
}
