//! The money flow: the customer's steps (card, refresh, switch to paying on delivery), what
//! order changes ask of the provider, carrying those movements out, and applying whatever the
//! provider says about a payment — once, whoever (browser, webhook, reconciler) brings it.

use super::db::{self, Attempt, AttemptState, PendingOp};
use super::provider::{Observed, ProviderError};
use super::{Client, Payments};
use crate::db::{Tx, now_ms};
use crate::error::{ApiError, ApiResult};
use crate::events::Outbox;
use crate::orders::db::OrderRecord;
use crate::orders::service::{self as orders, Change, Who};
use crate::state::AppState;
use ocpizza_proto::api::payments::{
    NextStep, OperationKind, OperationState, OrderPayment, PaymentState, Provider,
};
use ocpizza_proto::events::{Event, Stream};
use ocpizza_proto::{
    Fulfilment, Money, OrderId, OrderStatus, PaymentMethod, PaymentStatus, UserId,
};

/// How long a process holds a movement it is carrying out before another may retry it.
const LEASE_MS: i64 = 60_000;

/// The idempotency key of a step of an attempt: the same step of the same attempt is always
/// the same key, so that a retry after a lost answer is not a second charge.
pub fn key(order: OrderId, attempt: i64, step: &str) -> String {
    format!("ocpizza-order-{}-attempt-{attempt}-{step}", order.0)
}

/// The order's payment status as its attempts make it.
pub fn status_of(attempts: &[Attempt]) -> PaymentStatus {
    let captured: i64 = attempts.iter().map(|a| a.captured.0).sum();
    let refunded: i64 = attempts.iter().map(|a| a.refunded.0).sum();
    if captured > 0 {
        return if refunded >= captured {
            PaymentStatus::Refunded
        } else if refunded > 0 {
            PaymentStatus::PartlyRefunded
        } else {
            PaymentStatus::Paid
        };
    }
    if attempts.iter().any(|a| a.state == AttemptState::Authorised) {
        return PaymentStatus::Authorised;
    }
    match attempts.last().map(|a| a.state) {
        Some(AttemptState::Failed) => PaymentStatus::Failed,
        Some(AttemptState::Voided) => PaymentStatus::Voided,
        _ if attempts.iter().any(|a| a.state == AttemptState::Voided) => PaymentStatus::Voided,
        _ => PaymentStatus::Pending,
    }
}

fn unavailable(e: &ProviderError) -> ApiError {
    tracing::warn!(error = %e, "payment provider unavailable");
    ApiError::PaymentUnavailable(
        "the payment provider cannot be reached: nothing was charged; try again in a moment \
         or choose to pay on delivery or at the counter"
            .into(),
    )
}

/// What the customer sees of the order's payment.
pub async fn customer_state(state: &AppState, rec: &OrderRecord) -> ApiResult<PaymentState> {
    let mut conn = state.db.pool().acquire().await?;
    let attempts = db::attempts(&mut conn, rec.order.id).await?;
    let deadline = db::deadline(&mut conn, rec.order.id).await?;
    let order = &rec.order;
    let last = attempts.last();
    let next = match (&state.payments.client, order.status) {
        (Client::Stripe(s), OrderStatus::AwaitingPayment) => {
            let (publishable_key, js_url) = s.browser();
            Some(match last {
                Some(a) if a.state == AttemptState::RequiresAction && a.client_secret.is_some() => {
                    NextStep::Authenticate {
                        publishable_key: publishable_key.to_owned(),
                        js_url: js_url.to_owned(),
                        client_secret: a.client_secret.clone().unwrap_or_default(),
                    }
                }
                _ => NextStep::EnterCard {
                    publishable_key: publishable_key.to_owned(),
                    js_url: js_url.to_owned(),
                },
            })
        }
        (Client::Paypal(_), OrderStatus::AwaitingPayment) => last
            .filter(|a| !a.state.is_settled())
            .and_then(|a| a.approve_url.clone())
            .map(|url| NextStep::Approve { url }),
        _ => None,
    };
    Ok(PaymentState {
        order_id: order.id,
        payment_method: order.payment_method,
        payment_status: order.payment_status,
        version: order.version,
        provider: last.map(|a| a.provider),
        next,
        declined: last
            .filter(|a| a.state == AttemptState::Failed)
            .and_then(|a| a.error.clone()),
        expires_at: deadline
            .filter(|_| order.status == OrderStatus::AwaitingPayment)
            .map(crate::db::ts),
    })
}

/// What staff see of the order's payment, read in one snapshot: a capture changes the attempt
/// and the order's payment status in one commit, so reading them apart could show the money
/// taken while the order still says authorised.
pub async fn staff_view(state: &AppState, rec: &OrderRecord) -> ApiResult<OrderPayment> {
    let mut conn = state.db.pool().acquire().await?;
    let begin = if crate::db::is_postgres(&conn) {
        "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
    } else {
        "BEGIN"
    };
    let mut tx = sqlx::Connection::begin_with(&mut *conn, begin).await?;
    let order = match crate::orders::db::by_id(&mut tx, rec.order.id).await? {
        Some(now) => now.order,
        None => rec.order.clone(),
    };
    let attempts = db::attempts(&mut tx, rec.order.id).await?;
    let operations = db::history(&mut tx, rec.order.id).await?;
    tx.commit().await?;
    Ok(OrderPayment {
        order_id: order.id,
        payment_method: order.payment_method,
        payment_status: order.payment_status,
        provider: attempts.last().map(|a| a.provider),
        authorised: attempts
            .iter()
            .filter(|a| a.state == AttemptState::Authorised)
            .map(|a| a.amount)
            .sum(),
        captured: attempts.iter().map(|a| a.captured).sum(),
        refunded: attempts.iter().map(|a| a.refunded).sum(),
        operations,
    })
}

/// The provider that takes online payments here; a 422 naming the payment method when none
/// does.
pub fn offered(payments: &Payments) -> ApiResult<Provider> {
    payments.provider().ok_or_else(|| {
        ApiError::field(
            "payment_method",
            "online payment is not offered here; pay on delivery or at the counter",
        )
    })
}

/// Opens the first attempt of an order placed for online payment, in its transaction, with
/// its deadline.
pub async fn on_place(
    payments: &Payments,
    tx: &mut Tx,
    order: OrderId,
    total: Money,
) -> ApiResult<()> {
    let provider = offered(payments)?;
    db::open_attempt(tx, order, 1, provider, total).await?;
    let deadline = now_ms() + i64::from(payments.settings.timeout_minutes) * 60_000;
    db::set_deadline(tx, order, Some(deadline)).await?;
    Ok(())
}

/// After an online order is committed: PayPal needs its order created (the approval link);
/// Stripe waits for the card. A provider that cannot be reached cancels the order at once,
/// releasing its stock, and the customer is told.
pub async fn after_place(state: &AppState, order: OrderId) -> ApiResult<()> {
    let Client::Paypal(_) = &state.payments.client else {
        return Ok(());
    };
    match open_paypal(state, order).await {
        Ok(()) => Ok(()),
        Err(e @ ApiError::PaymentUnavailable(_)) => {
            expire(state, order, "the payment could not be started").await?;
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// Creates the PayPal order of the latest open attempt of `order`, if not done yet.
async fn open_paypal(state: &AppState, order: OrderId) -> ApiResult<()> {
    let Client::Paypal(paypal) = &state.payments.client else {
        return Ok(());
    };
    let mut conn = state.db.pool().acquire().await?;
    let rec = crate::orders::db::by_id(&mut conn, order)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    let mut attempts = db::attempts(&mut conn, order).await?;
    let mut attempt = match attempts.pop() {
        Some(a) if a.state == AttemptState::Created && a.provider_ref.is_none() => a,
        Some(a) if !a.state.is_settled() => return Ok(()),
        last => {
            let n = last.map_or(1, |a| a.attempt + 1);
            let id =
                db::open_attempt(&mut conn, order, n, Provider::Paypal, rec.order.total).await?;
            db::attempts(&mut conn, order)
                .await?
                .into_iter()
                .find(|a| a.id == id)
                .ok_or(ApiError::NotFound("payment"))?
        }
    };
    drop(conn);
    let track = format!(
        "{}/track/{}",
        state.config.public_url.trim_end_matches('/'),
        rec.tracking_token
    );
    let (id, url) = paypal
        .create_order(
            order,
            attempt.amount,
            &format!("{track}?payment=return"),
            &format!("{track}?payment=cancelled"),
            &key(order, attempt.attempt, "create"),
        )
        .await
        .map_err(|e| match e {
            ProviderError::Unavailable(_) => unavailable(&e),
            other => ApiError::Internal(anyhow::anyhow!("PayPal refused an order: {other}")),
        })?;
    attempt.provider_ref = Some(id);
    attempt.approve_url = Some(url);
    attempt.state = AttemptState::RequiresAction;
    let mut conn = state.db.pool().acquire().await?;
    db::save_attempt(&mut conn, &attempt).await?;
    Ok(())
}

/// The order, locked in `tx`, if it still waits for its payment.
async fn awaiting(tx: &mut Tx, order: OrderId) -> ApiResult<OrderRecord> {
    let rec = crate::orders::db::by_id(tx, order)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    if rec.order.status != OrderStatus::AwaitingPayment {
        return Err(ApiError::InvalidTransition(format!(
            "the order is {}: there is nothing to pay online now",
            rec.order.status
        )));
    }
    Ok(rec)
}

/// The customer's card, tokenised by Stripe.js: attaches it, creates the PaymentIntent for
/// the order's total, confirms it, and applies the answer. A declined card is 402 and the
/// customer may try another.
pub async fn pay_with_card(state: &AppState, rec: &OrderRecord, token: &str) -> ApiResult<()> {
    let Client::Stripe(stripe) = &state.payments.client else {
        return Err(ApiError::InvalidTransition(
            "card payment is not offered here".into(),
        ));
    };
    if !(token.starts_with("tok_")
        && token.len() > 4
        && token.len() <= 200
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    {
        return Err(ApiError::field("token", "not a card token from Stripe.js"));
    }
    let order = rec.order.id;
    // A new attempt per card: the first one if nothing was sent to Stripe yet.
    let mut tx = state.db.begin().await?;
    let rec = awaiting(&mut tx, order).await?;
    let attempts = db::attempts(&mut tx, order).await?;
    let mut attempt = match attempts.last() {
        Some(a) if a.state == AttemptState::Authorised => return Ok(()),
        Some(a) if a.state == AttemptState::Created && a.provider_ref.is_none() => a.clone(),
        last => {
            let n = last.map_or(1, |a| a.attempt + 1);
            let id = db::open_attempt(&mut tx, order, n, Provider::Stripe, rec.order.total).await?;
            db::attempts(&mut tx, order)
                .await?
                .into_iter()
                .find(|a| a.id == id)
                .ok_or(ApiError::NotFound("payment"))?
        }
    };
    tx.commit().await?;

    let base = key(order, attempt.attempt, "authorise");
    let declined = |e: ProviderError| async {
        match e {
            ProviderError::Declined(reason) => Ok(Some(reason)),
            ProviderError::Unavailable(_) => Err(unavailable(&e)),
            ProviderError::Rejected(m) => Err(ApiError::Internal(anyhow::anyhow!(
                "Stripe refused a request: {m}"
            ))),
        }
    };
    let (customer, card) = match stripe.attach_card(order, token, &base).await {
        Ok(ids) => ids,
        Err(e) => {
            let reason = declined(e).await?.unwrap_or_default();
            return refuse(state, attempt.id, reason).await;
        }
    };
    let intent = match stripe
        .create_intent(
            order,
            rec.order.shop_id,
            attempt.amount,
            &customer,
            &card,
            &format!("{base}-intent"),
        )
        .await
    {
        Ok(intent) => intent,
        Err(e) => {
            let reason = declined(e).await?.unwrap_or_default();
            return refuse(state, attempt.id, reason).await;
        }
    };
    // Recorded before confirming: if the answer to the confirmation is lost (a crash, a
    // timeout), the reconciler finds the PaymentIntent and asks Stripe how it ended.
    attempt.provider_ref = Some(intent.id.clone());
    attempt.customer_ref = Some(customer);
    attempt.method_ref = Some(card);
    attempt.client_secret = intent.client_secret.clone();
    let mut conn = state.db.pool().acquire().await?;
    db::save_attempt(&mut conn, &attempt).await?;
    drop(conn);
    match stripe.confirm(&intent.id, &format!("{base}-confirm")).await {
        Ok(intent) => apply(state, attempt.id, intent.observed()).await?,
        Err(ProviderError::Declined(reason)) => {
            return refuse(state, attempt.id, reason).await;
        }
        Err(e @ ProviderError::Unavailable(_)) => return Err(unavailable(&e)),
        Err(ProviderError::Rejected(m)) => {
            // The intent may still have moved (confirmed twice): ask how it stands.
            let intent = stripe
                .fetch(&intent.id)
                .await
                .map_err(|e| unavailable(&e))?;
            tracing::info!(message = %m, "Stripe refused a confirmation; applying its state");
            apply(state, attempt.id, intent.observed()).await?;
        }
    }
    declined_now(state, attempt.id).await
}

/// A 402 if the attempt ended refused.
async fn declined_now(state: &AppState, attempt: i64) -> ApiResult<()> {
    let mut conn = state.db.pool().acquire().await?;
    let a = attempt_by_id(&mut conn, attempt).await?;
    if a.state == AttemptState::Failed {
        return Err(ApiError::PaymentDeclined(
            a.error.unwrap_or_else(|| "the payment was declined".into()),
        ));
    }
    Ok(())
}

/// Records a refusal and answers 402 with the provider's words.
async fn refuse(state: &AppState, attempt: i64, reason: String) -> ApiResult<()> {
    let reason = if reason.is_empty() {
        "the payment was declined".to_owned()
    } else {
        reason
    };
    apply(
        state,
        attempt,
        Observed::Failed {
            reason: reason.clone(),
        },
    )
    .await?;
    Err(ApiError::PaymentDeclined(reason))
}

async fn attempt_by_id(conn: &mut sqlx::AnyConnection, id: i64) -> ApiResult<Attempt> {
    let order: i64 = sqlx::query_scalar("SELECT order_id FROM payments WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    db::attempts(conn, OrderId(order))
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(ApiError::NotFound("payment"))
}

/// Asks the provider where the order's latest attempt stands and applies it (after Stripe's
/// authentication, when PayPal sends the customer back). For PayPal, an approved order is
/// authorised here, and a new attempt opened if the last one failed.
pub async fn refresh(state: &AppState, rec: &OrderRecord) -> ApiResult<()> {
    let order = rec.order.id;
    let mut conn = state.db.pool().acquire().await?;
    let last = db::attempts(&mut conn, order).await?.pop();
    drop(conn);
    let Some(last) = last else {
        return Ok(());
    };
    if matches!(state.payments.client, Client::Paypal(_))
        && rec.order.status == OrderStatus::AwaitingPayment
        && last.state.is_settled()
    {
        return open_paypal(state, order).await;
    }
    sync(state, &last).await?;
    if rec.order.status == OrderStatus::AwaitingPayment {
        declined_now(state, last.id).await?;
    }
    Ok(())
}

/// Asks the provider how `attempt` stands and applies it; an approved PayPal order is
/// authorised.
pub async fn sync(state: &AppState, attempt: &Attempt) -> ApiResult<()> {
    if attempt.provider_ref.is_none() {
        return Ok(());
    }
    match current(&state.payments.client, attempt).await {
        Ok(observed) => apply(state, attempt.id, observed).await,
        Err(e @ ProviderError::Unavailable(_)) => Err(unavailable(&e)),
        Err(e) => Err(ApiError::Internal(anyhow::anyhow!(
            "the provider refused to tell how payment {} stands: {e}",
            attempt.id
        ))),
    }
}

/// How `attempt` stands at the provider, moving it on where only the server can: a PayPal
/// order its buyer approved is authorised (with the attempt's own idempotency key).
async fn current(client: &Client, attempt: &Attempt) -> Result<Observed, ProviderError> {
    let observed = observe(client, attempt).await?;
    match (client, &observed, attempt.provider_ref.as_deref()) {
        (Client::Paypal(p), Observed::Approved, Some(reference)) => {
            let k = key(attempt.order_id, attempt.attempt, "authorise");
            match p.authorize(reference, &k).await {
                Err(ProviderError::Declined(reason)) => Ok(Observed::Failed { reason }),
                other => other,
            }
        }
        _ => Ok(observed),
    }
}

/// Applies what the provider says of attempt `id`, once: the attempt's state, the order's
/// payment status (with an event when it changes), an authorised order reaching the kitchen,
/// and a hold on an order already cancelled released.
pub async fn apply(state: &AppState, id: i64, observed: Observed) -> ApiResult<()> {
    let mut tx = state.db.begin().await?;
    let outbox = apply_in(&mut tx, id, &observed).await?;
    outbox.commit(tx, &state.bus).await?;
    state.payments.kick();
    Ok(())
}

/// [`apply`] within the caller's transaction.
pub async fn apply_in(tx: &mut Tx, id: i64, observed: &Observed) -> ApiResult<Outbox> {
    let mut outbox = Outbox::new(None);
    // Lock the order first: every change to its payment goes through its row.
    let order: i64 = sqlx::query_scalar("SELECT order_id FROM payments WHERE id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    let order = OrderId(order);
    let Some(rec) = lock(tx, order).await? else {
        return Ok(outbox);
    };
    let mut attempts = db::attempts(tx, order).await?;
    let Some(a) = attempts.iter_mut().find(|a| a.id == id) else {
        return Ok(outbox);
    };
    let before = a.clone();
    match observed {
        Observed::AwaitingCustomer { client_secret } => {
            if !a.state.is_settled()
                && a.state != AttemptState::Authorised
                && client_secret.is_some()
            {
                a.state = AttemptState::RequiresAction;
                a.client_secret.clone_from(client_secret);
            }
        }
        Observed::Approved => {
            if matches!(
                a.state,
                AttemptState::Created | AttemptState::RequiresAction
            ) {
                a.state = AttemptState::RequiresAction;
            }
        }
        Observed::Authorised {
            amount,
            authorization_ref,
        } => {
            if matches!(
                a.state,
                AttemptState::Created | AttemptState::RequiresAction | AttemptState::Failed
            ) {
                a.state = AttemptState::Authorised;
                a.amount = *amount;
                a.error = None;
                if authorization_ref.is_some() {
                    a.authorization_ref.clone_from(authorization_ref);
                }
            }
        }
        Observed::Captured {
            amount,
            capture_ref,
        } => {
            a.state = AttemptState::Captured;
            a.captured = *amount;
            if capture_ref.is_some() {
                a.capture_ref.clone_from(capture_ref);
            }
        }
        Observed::Voided => {
            if a.state != AttemptState::Captured {
                a.state = AttemptState::Voided;
            }
        }
        Observed::Failed { reason } => {
            if matches!(
                a.state,
                AttemptState::Created | AttemptState::RequiresAction
            ) {
                a.state = AttemptState::Failed;
                a.error = Some(reason.clone());
            }
        }
    }
    if *a == before {
        return Ok(outbox);
    }
    let a = a.clone();
    db::save_attempt(tx, &a).await?;
    let status = status_of(&attempts);
    let order_status = rec.order.status;
    if a.state == AttemptState::Authorised && order_status != OrderStatus::AwaitingPayment {
        // Authorised too late (the order was cancelled, or paid another way): release it.
        if order_status == OrderStatus::Cancelled
            || rec.order.payment_method != PaymentMethod::Online
        {
            release_hold(
                tx,
                &a,
                Some("authorised after the order was cancelled"),
                None,
            )
            .await?;
        }
    }
    set_payment_status(tx, order, status).await?;
    if a.state == AttemptState::Authorised && order_status == OrderStatus::AwaitingPayment {
        db::set_deadline(tx, order, None).await?;
        let change = Change {
            to: OrderStatus::Placed,
            version: None,
            reason: None,
        };
        let (_, moved) = orders::transition_in(tx, Who::System, order, false, &change).await?;
        return Ok(moved);
    }
    if status != rec.order.payment_status {
        let reason = (a.state == AttemptState::Failed)
            .then(|| a.error.clone())
            .flatten();
        payment_changed(tx, &mut outbox, order, None, None, reason, None).await?;
    }
    Ok(outbox)
}

/// Locks the order's row in `tx` (by bumping nothing: a no-op update), and reads it.
async fn lock(tx: &mut Tx, order: OrderId) -> ApiResult<Option<OrderRecord>> {
    sqlx::query("UPDATE orders SET payment_status = payment_status WHERE id = $1")
        .bind(order.0)
        .execute(&mut **tx)
        .await?;
    Ok(crate::orders::db::by_id(tx, order).await?)
}

async fn set_payment_status(tx: &mut Tx, order: OrderId, status: PaymentStatus) -> ApiResult<()> {
    sqlx::query("UPDATE orders SET payment_status = $1 WHERE id = $2")
        .bind(status.as_str())
        .bind(order.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Bumps the order's version and writes `payment_changed` to its staff streams and its own
/// stream (and to the audit trail when staff asked for it).
#[allow(clippy::too_many_arguments)]
async fn payment_changed(
    tx: &mut Tx,
    outbox: &mut Outbox,
    order: OrderId,
    operation: Option<OperationKind>,
    amount: Option<Money>,
    reason: Option<String>,
    by: Option<UserId>,
) -> ApiResult<()> {
    crate::orders::db::claim(tx, order, None, now_ms()).await?;
    let rec = crate::orders::db::by_id(tx, order)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    let o = &rec.order;
    let event = Event::PaymentChanged {
        order_id: o.id,
        shop_id: o.shop_id,
        payment_status: o.payment_status,
        payment_method: o.payment_method,
        version: o.version,
        operation,
        amount,
        reason,
        by,
    };
    let mut staff = orders::streams(o, None);
    if by.is_some() {
        staff.push(Stream::GroupAudit);
    }
    // The customer's stream never says which member of staff did it.
    let public = match &event {
        Event::PaymentChanged { .. } => {
            let mut e = event.clone();
            if let Event::PaymentChanged { by, .. } = &mut e {
                *by = None;
            }
            e
        }
        _ => unreachable!(),
    };
    outbox.push(staff, event);
    outbox.push(vec![Stream::Order(rec.tracking_token.clone())], public);
    Ok(())
}

/// What a status change of an online order asks of the provider, in its transaction: the
/// kitchen starting it captures the hold (never more than the order's total); a cancellation
/// voids what is held and refunds what was taken (`refund` cents, all when `None`).
pub async fn on_transition(
    tx: &mut Tx,
    order: &ocpizza_proto::api::orders::Order,
    to: OrderStatus,
    reason: Option<&str>,
    actor: Option<UserId>,
) -> ApiResult<()> {
    if order.payment_method != PaymentMethod::Online {
        return Ok(());
    }
    let attempts = db::attempts(tx, order.id).await?;
    // Only the latest hold is taken; an older one (replaced by a re-authorisation whose void
    // has not been carried out yet) is released.
    let latest = attempts
        .iter()
        .rev()
        .find(|a| a.state == AttemptState::Authorised)
        .map(|a| a.id);
    for a in &attempts {
        match (to, a.state) {
            (OrderStatus::Preparing, AttemptState::Authorised) if Some(a.id) != latest => {
                release_hold(tx, a, Some("replaced by a later authorisation"), actor).await?;
            }
            (OrderStatus::Preparing, AttemptState::Authorised) => {
                let amount = Money(order.total.0.min(a.amount.0));
                db::ask(
                    tx,
                    a.id,
                    order.id,
                    OperationKind::Capture,
                    amount,
                    &key(order.id, a.attempt, "capture"),
                    None,
                    actor,
                )
                .await?;
            }
            (
                OrderStatus::Cancelled,
                AttemptState::Authorised | AttemptState::Created | AttemptState::RequiresAction,
            ) if a.provider_ref.is_some() => {
                // A capture asked when the kitchen started, not carried out yet, is dropped; if
                // it is being carried out right now, the void finds the money taken and
                // refunds it instead.
                db::drop_pending(tx, a.id, OperationKind::Capture, "the order was cancelled")
                    .await?;
                release_hold(tx, a, reason, actor).await?;
            }
            (OrderStatus::Cancelled, AttemptState::Captured) => {
                let left = Money(a.captured.0 - db::refunds_asked(tx, a.id).await?.0);
                if left.0 > 0 {
                    db::ask(
                        tx,
                        a.id,
                        order.id,
                        OperationKind::Refund,
                        left,
                        &key(order.id, a.attempt, "refund-cancelled"),
                        reason,
                        actor,
                    )
                    .await?;
                }
            }
            _ => {}
        }
    }
    if to == OrderStatus::Cancelled {
        db::set_deadline(tx, order.id, None).await?;
    }
    Ok(())
}

/// Before an edit of `rec` to `total`: an order paid online must stay covered. While it waits
/// for its payment it cannot change (pay, or cancel). Once authorised, a smaller total is
/// simply captured smaller; a larger one is authorised anew on the same card (Stripe) before
/// the edit is made — the new attempt's id is returned, and [`replaced`] releases the old
/// hold in the edit's transaction. A refusal leaves the order as it was.
pub async fn before_edit(
    state: &AppState,
    rec: &OrderRecord,
    total: Money,
) -> ApiResult<Option<i64>> {
    let order = &rec.order;
    if order.payment_method != PaymentMethod::Online {
        return Ok(None);
    }
    if order.status == OrderStatus::AwaitingPayment {
        return Err(ApiError::InvalidTransition(
            "the order waits for its online payment: pay it first (it can then be changed until \
             the kitchen starts), or cancel it"
                .into(),
        ));
    }
    let mut conn = state.db.pool().acquire().await?;
    let attempts = db::attempts(&mut conn, order.id).await?;
    drop(conn);
    let Some(held) = attempts
        .iter()
        .rev()
        .find(|a| a.state == AttemptState::Authorised)
    else {
        return Ok(None);
    };
    if total <= held.amount {
        return Ok(None);
    }
    let (Client::Stripe(stripe), Some(customer), Some(card)) = (
        &state.payments.client,
        held.customer_ref.as_deref(),
        held.method_ref.as_deref(),
    ) else {
        return Err(ApiError::InvalidTransition(format!(
            "this order was paid online for {}: it can be made smaller, but to add to it, cancel \
             it and order again, or call the shop",
            held.amount
        )));
    };
    let n = attempts.last().map_or(1, |a| a.attempt) + 1;
    let mut conn = state.db.pool().acquire().await?;
    let id = db::open_attempt(&mut conn, order.id, n, Provider::Stripe, total).await?;
    let mut attempt = attempt_by_id(&mut conn, id).await?;
    drop(conn);
    let base = key(order.id, n, "authorise");
    let intent = match stripe
        .create_intent(
            order.id,
            order.shop_id,
            total,
            customer,
            card,
            &format!("{base}-intent"),
        )
        .await
    {
        Ok(intent) => intent,
        Err(ProviderError::Declined(reason)) => {
            return refuse(state, id, reason).await.map(|()| None);
        }
        Err(e @ ProviderError::Unavailable(_)) => return Err(unavailable(&e)),
        Err(ProviderError::Rejected(m)) => {
            return Err(ApiError::Internal(anyhow::anyhow!(
                "Stripe refused a request: {m}"
            )));
        }
    };
    attempt.provider_ref = Some(intent.id.clone());
    attempt.customer_ref = Some(customer.to_owned());
    attempt.method_ref = Some(card.to_owned());
    let mut conn = state.db.pool().acquire().await?;
    db::save_attempt(&mut conn, &attempt).await?;
    drop(conn);
    let observed = match stripe.confirm(&intent.id, &format!("{base}-confirm")).await {
        Ok(intent) => intent.observed(),
        Err(ProviderError::Declined(reason)) => Observed::Failed { reason },
        Err(e @ ProviderError::Unavailable(_)) => return Err(unavailable(&e)),
        Err(ProviderError::Rejected(m)) => Observed::Failed { reason: m },
    };
    match observed {
        Observed::Authorised { .. } => {
            apply(state, id, observed).await?;
            Ok(Some(id))
        }
        Observed::AwaitingCustomer { .. } => {
            // The bank wants the cardholder: not something an edit can wait for.
            release(state, id, "the bank asked to confirm the new amount").await?;
            Err(ApiError::PaymentDeclined(
                "your bank asks you to confirm the new amount: the order was not changed; \
                 cancel it and order again, or call the shop"
                    .into(),
            ))
        }
        Observed::Failed { reason } => refuse(state, id, reason).await.map(|()| None),
        other => {
            apply(state, id, other).await?;
            Err(ApiError::PaymentDeclined(
                "the new amount could not be authorised: the order was not changed".into(),
            ))
        }
    }
}

/// Asks for the hold of attempt `a` to be released (once: the key is the attempt's).
async fn release_hold(
    tx: &mut Tx,
    a: &Attempt,
    reason: Option<&str>,
    actor: Option<UserId>,
) -> ApiResult<()> {
    db::ask(
        tx,
        a.id,
        a.order_id,
        OperationKind::Void,
        a.amount,
        &key(a.order_id, a.attempt, "void"),
        reason,
        actor,
    )
    .await?;
    Ok(())
}

/// In an edit's transaction: the hold of attempt `keep` replaces every other one, which is
/// released.
pub async fn replaced(tx: &mut Tx, order: OrderId, keep: i64) -> ApiResult<()> {
    for a in db::attempts(tx, order).await? {
        if a.id != keep && a.state == AttemptState::Authorised {
            release_hold(
                tx,
                &a,
                Some("replaced by the authorisation of the edited order"),
                None,
            )
            .await?;
        }
    }
    Ok(())
}

/// Releases attempt `id` (an authorisation that is no longer wanted: the edit it was made for
/// failed), at once.
pub async fn release(state: &AppState, id: i64, reason: &str) -> ApiResult<()> {
    let mut tx = state.db.begin().await?;
    let a = attempt_by_id(&mut tx, id).await?;
    if a.provider_ref.is_some() && !a.state.is_settled() {
        release_hold(&mut tx, &a, Some(reason), None).await?;
    }
    tx.commit().await?;
    run_due(state, Some(a.order_id)).await;
    Ok(())
}

/// Gives back `amount` (all that is left when `None`) of what was captured on `rec`, for
/// `reason`, asked by `by`; carried out at once.
pub async fn refund(
    state: &AppState,
    rec: &OrderRecord,
    amount: Option<Money>,
    reason: &str,
    by: UserId,
) -> ApiResult<()> {
    let order = rec.order.id;
    let mut tx = state.db.begin().await?;
    lock(&mut tx, order).await?;
    let attempts = db::attempts(&mut tx, order).await?;
    let Some(a) = attempts
        .iter()
        .rev()
        .find(|a| a.state == AttemptState::Captured)
    else {
        return Err(ApiError::InvalidTransition(
            "nothing was taken on this order: there is nothing to refund".into(),
        ));
    };
    let left = a.captured.0 - db::refunds_asked(&mut tx, a.id).await?.0;
    let amount = amount.unwrap_or(Money(left));
    if amount.0 <= 0 {
        return Err(ApiError::field("amount", "must be more than 0"));
    }
    if amount.0 > left {
        return Err(ApiError::field(
            "amount",
            format!("at most {} can still be refunded", Money(left)),
        ));
    }
    let n = db::refund_count(&mut tx, a.id).await? + 1;
    db::ask(
        &mut tx,
        a.id,
        order,
        OperationKind::Refund,
        amount,
        &key(order, a.attempt, &format!("refund-{n}")),
        Some(reason),
        Some(by),
    )
    .await?;
    let mut outbox = Outbox::new(Some(by));
    // The request itself goes to the audit trail at once; its outcome follows.
    outbox.push(
        vec![Stream::GroupAudit],
        Event::PaymentChanged {
            order_id: order,
            shop_id: rec.order.shop_id,
            payment_status: rec.order.payment_status,
            payment_method: rec.order.payment_method,
            version: rec.order.version,
            operation: Some(OperationKind::Refund),
            amount: Some(amount),
            reason: Some(format!("asked: {reason}")),
            by: Some(by),
        },
    );
    outbox.commit(tx, &state.bus).await?;
    run_due(state, Some(order)).await;
    Ok(())
}

/// Gives up paying online: voids what was started, and sends the order to the kitchen to be
/// paid on delivery (a delivery) or at the counter (a pickup).
pub async fn switch(state: &AppState, rec: &OrderRecord, method: PaymentMethod) -> ApiResult<()> {
    let expected = match rec.order.fulfilment {
        Fulfilment::Delivery => PaymentMethod::CashOnDelivery,
        Fulfilment::Pickup => PaymentMethod::AtCounter,
    };
    if method != expected {
        return Err(ApiError::field(
            "payment_method",
            format!(
                "a {} is paid {}",
                rec.order.fulfilment.as_str(),
                match expected {
                    PaymentMethod::AtCounter => "at the counter (at_counter)",
                    _ => "on delivery (cash_on_delivery)",
                }
            ),
        ));
    }
    let order = rec.order.id;
    let mut tx = state.db.begin().await?;
    let current = awaiting(&mut tx, order).await?;
    let attempts = db::attempts(&mut tx, order).await?;
    for a in attempts.iter().filter(|a| {
        a.provider_ref.is_some()
            && matches!(
                a.state,
                AttemptState::Created | AttemptState::RequiresAction | AttemptState::Authorised
            )
    }) {
        release_hold(
            &mut tx,
            a,
            Some("the customer chose to pay on delivery"),
            None,
        )
        .await?;
    }
    sqlx::query(
        "UPDATE orders SET payment_method = $1, payment_status = 'pending', \
         payment_expires_at = NULL WHERE id = $2",
    )
    .bind(method.as_str())
    .bind(order.0)
    .execute(&mut *tx)
    .await?;
    let change = Change {
        to: OrderStatus::Placed,
        version: None,
        reason: None,
    };
    let (_, mut outbox) =
        orders::transition_in(&mut tx, Who::System, order, false, &change).await?;
    // The tracker learns the new way to pay.
    let rec = crate::orders::db::by_id(&mut tx, order)
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    outbox.push(
        vec![Stream::Order(current.tracking_token.clone())],
        Event::PaymentChanged {
            order_id: order,
            shop_id: rec.order.shop_id,
            payment_status: rec.order.payment_status,
            payment_method: rec.order.payment_method,
            version: rec.order.version,
            operation: None,
            amount: None,
            reason: None,
            by: None,
        },
    );
    outbox.commit(tx, &state.bus).await?;
    state.payments.kick();
    Ok(())
}

/// Cancels an order whose payment was not authorised in time (or could not start), through
/// the normal cancel path: its stock is released, what was started at the provider voided.
pub async fn expire(state: &AppState, order: OrderId, reason: &str) -> ApiResult<()> {
    let mut tx = state.db.begin().await?;
    let change = Change {
        to: OrderStatus::Cancelled,
        version: None,
        reason: Some(reason.to_owned()),
    };
    let (_, outbox) = match orders::transition_in(&mut tx, Who::System, order, false, &change).await
    {
        Ok(done) => done,
        // Authorised or cancelled in the meantime.
        Err(ApiError::InvalidTransition(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    outbox.commit(tx, &state.bus).await?;
    state.payments.kick();
    tracing::info!(order = %order, reason, "unpaid order cancelled");
    Ok(())
}

/// Carries out the pending movements that are due (of one order, or all); failures are
/// logged and left to the next round.
pub async fn run_due(state: &AppState, order: Option<OrderId>) {
    let due = match state.db.pool().acquire().await {
        Ok(mut conn) => db::due(&mut conn, now_ms(), order).await,
        Err(e) => Err(e),
    };
    match due {
        Ok(ops) => {
            for op in ops {
                if let Err(e) = run_one(state, op.id).await {
                    tracing::warn!(error = %e, op = op.id, "payment movement failed; will retry");
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "reading pending payment movements failed"),
    }
}

/// Backoff before retrying a movement the provider did not answer: 10 s, 20 s, … up to 10 min.
fn backoff_ms(tries: i64) -> i64 {
    (10_000_i64 << tries.clamp(0, 6)).min(600_000)
}

async fn run_one(state: &AppState, id: i64) -> ApiResult<()> {
    let mut tx = state.db.begin().await?;
    let Some(op) = db::take(&mut tx, id, LEASE_MS).await? else {
        return Ok(());
    };
    tx.commit().await?;
    let mut conn = state.db.pool().acquire().await?;
    let attempt = attempt_by_id(&mut conn, op.payment_id).await?;
    drop(conn);
    let outcome = carry_out(&state.payments.client, &op, &attempt).await;
    let mut tx = state.db.begin().await?;
    let mut outbox = Outbox::new(op.actor);
    match outcome {
        Ok((observed, provider_ref)) => {
            db::finish(
                &mut tx,
                op.id,
                OperationState::Done,
                provider_ref.as_deref(),
                None,
            )
            .await?;
            record(&mut tx, &op, &attempt, observed).await?;
            payment_changed(
                &mut tx,
                &mut outbox,
                op.order_id,
                Some(op.kind),
                Some(op.amount),
                op.reason.clone(),
                op.actor,
            )
            .await?;
            tracing::info!(order = %op.order_id, kind = op.kind.as_str(), amount = op.amount.0, "payment movement done");
        }
        Err(ProviderError::Unavailable(m)) => {
            db::retry_later(&mut tx, op.id, now_ms() + backoff_ms(op.tries - 1), &m).await?;
            tx.commit().await?;
            return Err(ApiError::PaymentUnavailable(m));
        }
        Err(ProviderError::Declined(m) | ProviderError::Rejected(m)) => {
            // Maybe it was done already (a retry after a lost answer, with a provider that
            // ignores idempotency keys): the provider's state decides.
            let truth = match observe(&state.payments.client, &attempt).await {
                Ok(o) => o,
                Err(e) => {
                    db::retry_later(&mut tx, op.id, now_ms() + backoff_ms(op.tries - 1), &m)
                        .await?;
                    tx.commit().await?;
                    return Err(ApiError::PaymentUnavailable(e.to_string()));
                }
            };
            let done = matches!(
                (op.kind, &truth),
                (OperationKind::Capture, Observed::Captured { .. })
                    | (OperationKind::Void, Observed::Voided)
            );
            if let (OperationKind::Void, Observed::Captured { amount, .. }) = (op.kind, &truth) {
                // Taken before the release could be made (a capture in flight when the order
                // was cancelled): give it back instead.
                db::finish(
                    &mut tx,
                    op.id,
                    OperationState::Done,
                    None,
                    Some("already captured: refunded instead"),
                )
                .await?;
                let applied = apply_in(&mut tx, attempt.id, &truth).await?;
                outbox = merge(outbox, applied);
                db::ask(
                    &mut tx,
                    attempt.id,
                    op.order_id,
                    OperationKind::Refund,
                    *amount,
                    &key(op.order_id, attempt.attempt, "refund-cancelled"),
                    op.reason.as_deref(),
                    op.actor,
                )
                .await?;
                state.payments.kick();
            } else if done {
                db::finish(&mut tx, op.id, OperationState::Done, None, None).await?;
                let applied = apply_in(&mut tx, attempt.id, &truth).await?;
                outbox = merge(outbox, applied);
            } else {
                db::finish(&mut tx, op.id, OperationState::Failed, None, Some(&m)).await?;
                if op.kind == OperationKind::Capture {
                    // The hold could not be taken (expired, refused): the managers see it.
                    let mut a = attempt.clone();
                    a.state = AttemptState::Failed;
                    a.error = Some(m.clone());
                    db::save_attempt(&mut tx, &a).await?;
                    let attempts = db::attempts(&mut tx, op.order_id).await?;
                    set_payment_status(&mut tx, op.order_id, status_of(&attempts)).await?;
                }
                payment_changed(
                    &mut tx,
                    &mut outbox,
                    op.order_id,
                    Some(op.kind),
                    Some(op.amount),
                    Some(m.clone()),
                    op.actor,
                )
                .await?;
                tracing::warn!(order = %op.order_id, kind = op.kind.as_str(), error = %m, "payment movement refused");
            }
        }
    }
    outbox.commit(tx, &state.bus).await?;
    Ok(())
}

fn merge(mut into: Outbox, other: Outbox) -> Outbox {
    into.append(other);
    into
}

/// Writes the result of a movement on its attempt and the order's payment status.
async fn record(
    tx: &mut Tx,
    op: &PendingOp,
    attempt: &Attempt,
    observed: Option<Observed>,
) -> ApiResult<()> {
    let mut a = attempt_by_id(tx, attempt.id).await?;
    match op.kind {
        OperationKind::Capture => {
            a.state = AttemptState::Captured;
            a.captured = match observed {
                Some(Observed::Captured {
                    amount,
                    capture_ref,
                }) => {
                    if capture_ref.is_some() {
                        a.capture_ref = capture_ref;
                    }
                    // Some providers (and fakes) report the amount held, not the amount taken.
                    Money(amount.0.min(op.amount.0))
                }
                _ => op.amount,
            };
        }
        OperationKind::Void => {
            if a.state != AttemptState::Captured {
                a.state = AttemptState::Voided;
            }
        }
        OperationKind::Refund => a.refunded = Money(a.refunded.0 + op.amount.0),
        OperationKind::Authorise => {}
    }
    db::save_attempt(tx, &a).await?;
    let attempts = db::attempts(tx, op.order_id).await?;
    set_payment_status(tx, op.order_id, status_of(&attempts)).await?;
    Ok(())
}

/// Asks the provider to do `op`; returns what it then says of the payment, and the id it
/// gave the movement (a refund's).
async fn carry_out(
    client: &Client,
    op: &PendingOp,
    a: &Attempt,
) -> Result<(Option<Observed>, Option<String>), ProviderError> {
    same_provider(client, a)?;
    let reference = a.provider_ref.as_deref();
    match (client, op.kind) {
        (Client::Stripe(s), OperationKind::Capture) => {
            let intent = s
                .capture(reference.unwrap_or_default(), op.amount, &op.key)
                .await?;
            Ok((Some(intent.observed()), None))
        }
        (Client::Stripe(s), OperationKind::Void) => {
            s.cancel(reference.unwrap_or_default(), &op.key).await?;
            Ok((Some(Observed::Voided), None))
        }
        (Client::Stripe(s), OperationKind::Refund) => {
            let id = s
                .refund(
                    reference.unwrap_or_default(),
                    op.amount,
                    op.order_id,
                    &op.key,
                )
                .await?;
            Ok((None, Some(id)))
        }
        (Client::Paypal(p), OperationKind::Capture) => {
            let auth = a.authorization_ref.as_deref().unwrap_or_default();
            let id = p.capture(auth, op.amount, &op.key).await?;
            Ok((
                Some(Observed::Captured {
                    amount: op.amount,
                    capture_ref: Some(id),
                }),
                None,
            ))
        }
        (Client::Paypal(p), OperationKind::Void) => match a.authorization_ref.as_deref() {
            Some(auth) => {
                p.void(auth, &op.key).await?;
                Ok((Some(Observed::Voided), None))
            }
            // Never authorised: the PayPal order simply lapses.
            None => Ok((Some(Observed::Voided), None)),
        },
        (Client::Paypal(p), OperationKind::Refund) => {
            let capture = a.capture_ref.as_deref().unwrap_or_default();
            let id = p.refund(capture, op.amount, &op.key).await?;
            Ok((None, Some(id)))
        }
        (Client::None, _) => Err(ProviderError::Unavailable(
            "no payment provider is configured".into(),
        )),
        (_, OperationKind::Authorise) => Ok((None, None)),
    }
}

/// A payment is only ever handled by the provider that took it: after a change of
/// provider, its movements wait (pending) until that provider is configured again.
fn same_provider(client: &Client, a: &Attempt) -> Result<(), ProviderError> {
    let configured = match client {
        Client::Stripe(_) => Some(Provider::Stripe),
        Client::Paypal(_) => Some(Provider::Paypal),
        Client::None => None,
    };
    if configured == Some(a.provider) {
        Ok(())
    } else {
        Err(ProviderError::Unavailable(format!(
            "this payment was made with {}, which is not the configured provider",
            a.provider.as_str()
        )))
    }
}

/// What the provider says of an attempt now.
async fn observe(client: &Client, a: &Attempt) -> Result<Observed, ProviderError> {
    same_provider(client, a)?;
    let reference = a.provider_ref.as_deref().unwrap_or_default();
    match client {
        Client::Stripe(s) => s.fetch(reference).await.map(|i| i.observed()),
        Client::Paypal(p) => p.fetch(reference, a.authorization_ref.as_deref()).await,
        Client::None => Err(ProviderError::Unavailable(
            "no payment provider is configured".into(),
        )),
    }
}

/// Applies a verified provider notification once: asks the provider how the payment it names
/// stands, then records the event's id in the same transaction as the change. `false` when
/// the event was already received (a replay changes nothing).
pub async fn on_notification(
    state: &AppState,
    provider: Provider,
    id: &str,
    kind: &str,
    attempt: Option<&Attempt>,
) -> ApiResult<bool> {
    let observed = match attempt {
        Some(a) => match current(&state.payments.client, a).await {
            Ok(o) => Some(o),
            Err(e @ ProviderError::Unavailable(_)) => return Err(unavailable(&e)),
            Err(e) => {
                tracing::warn!(error = %e, "the provider refused to tell how a payment stands");
                None
            }
        },
        None => None,
    };
    let mut tx = state.db.begin().await?;
    if !db::note_event(&mut tx, provider, id, kind).await? {
        return Ok(false);
    }
    let mut outbox = Outbox::new(None);
    if let (Some(a), Some(observed)) = (attempt, &observed) {
        outbox = apply_in(&mut tx, a.id, observed).await?;
    }
    outbox.commit(tx, &state.bus).await?;
    state.payments.kick();
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(state: AttemptState, captured: i64, refunded: i64) -> Attempt {
        Attempt {
            id: 1,
            order_id: OrderId(1),
            attempt: 1,
            provider: Provider::Stripe,
            state,
            amount: Money(2000),
            captured: Money(captured),
            refunded: Money(refunded),
            provider_ref: Some("pi_1".into()),
            client_secret: None,
            customer_ref: None,
            method_ref: None,
            authorization_ref: None,
            capture_ref: None,
            approve_url: None,
            error: None,
        }
    }

    #[test]
    fn the_order_status_follows_its_attempts() {
        use AttemptState as A;
        assert_eq!(status_of(&[]), PaymentStatus::Pending);
        assert_eq!(
            status_of(&[attempt(A::Created, 0, 0)]),
            PaymentStatus::Pending
        );
        assert_eq!(
            status_of(&[attempt(A::Failed, 0, 0)]),
            PaymentStatus::Failed
        );
        assert_eq!(
            status_of(&[attempt(A::Failed, 0, 0), attempt(A::Authorised, 0, 0)]),
            PaymentStatus::Authorised
        );
        assert_eq!(
            status_of(&[attempt(A::Voided, 0, 0)]),
            PaymentStatus::Voided
        );
        assert_eq!(
            status_of(&[attempt(A::Captured, 2000, 0)]),
            PaymentStatus::Paid
        );
        assert_eq!(
            status_of(&[attempt(A::Captured, 2000, 500)]),
            PaymentStatus::PartlyRefunded
        );
        assert_eq!(
            status_of(&[attempt(A::Captured, 2000, 2000)]),
            PaymentStatus::Refunded
        );
    }

    #[test]
    fn keys_name_the_order_the_attempt_and_the_step() {
        assert_eq!(
            key(OrderId(42), 2, "capture"),
            "ocpizza-order-42-attempt-2-capture"
        );
        assert_ne!(
            key(OrderId(42), 1, "capture"),
            key(OrderId(42), 2, "capture")
        );
    }

    #[test]
    fn retries_back_off_up_to_ten_minutes() {
        assert_eq!(backoff_ms(0), 10_000);
        assert_eq!(backoff_ms(1), 20_000);
        assert_eq!(backoff_ms(20), 600_000);
    }
}
