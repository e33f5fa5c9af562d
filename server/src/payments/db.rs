//! SQL of online payments: attempts (`payments`), money movements (`payment_operations`) and
//! provider notifications already applied (`payment_events`).

use crate::db::{Tx, now_ms, ts};
use ocpizza_proto::api::payments::{Operation, OperationKind, OperationState, Provider};
use ocpizza_proto::{Money, OrderId, UserId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// Where an attempt stands at the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptState {
    /// Nothing asked of the provider yet, or waiting for the customer to give a card.
    Created,
    /// Waiting for the customer: PayPal approval, bank authentication.
    RequiresAction,
    /// Held.
    Authorised,
    /// Taken (all or part of what was held).
    Captured,
    /// Released.
    Voided,
    /// Refused or abandoned.
    Failed,
}

impl AttemptState {
    /// The name stored.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptState::Created => "created",
            AttemptState::RequiresAction => "requires_action",
            AttemptState::Authorised => "authorised",
            AttemptState::Captured => "captured",
            AttemptState::Voided => "voided",
            AttemptState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Option<AttemptState> {
        [
            AttemptState::Created,
            AttemptState::RequiresAction,
            AttemptState::Authorised,
            AttemptState::Captured,
            AttemptState::Voided,
            AttemptState::Failed,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// Nothing more will happen to it at the provider, except refunds once captured.
    pub fn is_settled(self) -> bool {
        matches!(
            self,
            AttemptState::Captured | AttemptState::Voided | AttemptState::Failed
        )
    }
}

/// One attempt at paying an order online.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// Row id.
    pub id: i64,
    /// The order.
    pub order_id: OrderId,
    /// 1, 2, … per order.
    pub attempt: i64,
    /// Stripe or PayPal.
    pub provider: Provider,
    /// Where it stands.
    pub state: AttemptState,
    /// What is (to be) held.
    pub amount: Money,
    /// What was taken.
    pub captured: Money,
    /// What was given back.
    pub refunded: Money,
    /// PaymentIntent / PayPal order id.
    pub provider_ref: Option<String>,
    /// Stripe's client secret, while the bank waits for authentication.
    pub client_secret: Option<String>,
    /// Stripe customer holding the card.
    pub customer_ref: Option<String>,
    /// Stripe card id.
    pub method_ref: Option<String>,
    /// PayPal authorization id.
    pub authorization_ref: Option<String>,
    /// PayPal capture id.
    pub capture_ref: Option<String>,
    /// PayPal approval page.
    pub approve_url: Option<String>,
    /// The provider's last refusal.
    pub error: Option<String>,
}

const ATTEMPT_COLUMNS: &str = "id, order_id, attempt, provider, state, amount_cents, \
    captured_cents, refunded_cents, provider_ref, client_secret, customer_ref, method_ref, \
    authorization_ref, capture_ref, approve_url, error";

fn attempt_from(r: &AnyRow) -> sqlx::Result<Attempt> {
    let bad = |c: &str, v: String| sqlx::Error::ColumnDecode {
        index: c.to_owned(),
        source: format!("unknown value {v}").into(),
    };
    let provider: String = r.try_get("provider")?;
    let state: String = r.try_get("state")?;
    Ok(Attempt {
        id: r.try_get("id")?,
        order_id: OrderId(r.try_get("order_id")?),
        attempt: r.try_get("attempt")?,
        provider: Provider::parse(&provider).ok_or_else(|| bad("provider", provider.clone()))?,
        state: AttemptState::parse(&state).ok_or_else(|| bad("state", state.clone()))?,
        amount: Money(r.try_get("amount_cents")?),
        captured: Money(r.try_get("captured_cents")?),
        refunded: Money(r.try_get("refunded_cents")?),
        provider_ref: r.try_get("provider_ref")?,
        client_secret: r.try_get("client_secret")?,
        customer_ref: r.try_get("customer_ref")?,
        method_ref: r.try_get("method_ref")?,
        authorization_ref: r.try_get("authorization_ref")?,
        capture_ref: r.try_get("capture_ref")?,
        approve_url: r.try_get("approve_url")?,
        error: r.try_get("error")?,
    })
}

/// Opens attempt number `attempt` of `order` for `amount`.
pub async fn open_attempt(
    conn: &mut AnyConnection,
    order: OrderId,
    attempt: i64,
    provider: Provider,
    amount: Money,
) -> sqlx::Result<i64> {
    let now = now_ms();
    sqlx::query_scalar(
        "INSERT INTO payments (order_id, attempt, provider, state, amount_cents, created_at, \
         updated_at) VALUES ($1, $2, $3, 'created', $4, $5, $5) RETURNING id",
    )
    .bind(order.0)
    .bind(attempt)
    .bind(provider.as_str())
    .bind(amount.0)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Every attempt of `order`, oldest first.
pub async fn attempts(conn: &mut AnyConnection, order: OrderId) -> sqlx::Result<Vec<Attempt>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ATTEMPT_COLUMNS} FROM payments WHERE order_id = $1 ORDER BY attempt"
    )))
    .bind(order.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(attempt_from).collect()
}

/// The attempt whose provider id (PaymentIntent, PayPal order, authorization or capture) is
/// `reference`.
pub async fn attempt_by_ref(
    conn: &mut AnyConnection,
    provider: Provider,
    reference: &str,
) -> sqlx::Result<Option<Attempt>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ATTEMPT_COLUMNS} FROM payments WHERE provider = $1 AND \
         (provider_ref = $2 OR authorization_ref = $2 OR capture_ref = $2)"
    )))
    .bind(provider.as_str())
    .bind(reference)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(attempt_from).transpose()
}

/// Writes the provider-side fields and state of an attempt.
pub async fn save_attempt(conn: &mut AnyConnection, a: &Attempt) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE payments SET state = $1, amount_cents = $2, captured_cents = $3, \
         refunded_cents = $4, provider_ref = $5, client_secret = $6, customer_ref = $7, \
         method_ref = $8, authorization_ref = $9, capture_ref = $10, approve_url = $11, \
         error = $12, updated_at = $13 WHERE id = $14",
    )
    .bind(a.state.as_str())
    .bind(a.amount.0)
    .bind(a.captured.0)
    .bind(a.refunded.0)
    .bind(a.provider_ref.as_deref())
    .bind(a.client_secret.as_deref())
    .bind(a.customer_ref.as_deref())
    .bind(a.method_ref.as_deref())
    .bind(a.authorization_ref.as_deref())
    .bind(a.capture_ref.as_deref())
    .bind(a.approve_url.as_deref())
    .bind(a.error.as_deref())
    .bind(now_ms())
    .bind(a.id)
    .execute(conn)
    .await
    .map(|_| ())
}

/// A money movement to carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingOp {
    /// Row id.
    pub id: i64,
    /// The attempt it moves money on.
    pub payment_id: i64,
    /// The order.
    pub order_id: OrderId,
    /// Capture, void or refund.
    pub kind: OperationKind,
    /// How much.
    pub amount: Money,
    /// Sent with every try: the provider does it once.
    pub key: String,
    /// Why (refunds).
    pub reason: Option<String>,
    /// Who asked.
    pub actor: Option<UserId>,
    /// Tries so far.
    pub tries: i64,
}

/// Asks for a movement: written with the order change that calls for it, carried out after
/// the commit. `key` is unique: asking twice for the same step is a no-op (returns `false`).
#[allow(clippy::too_many_arguments)]
pub async fn ask(
    tx: &mut Tx,
    payment: i64,
    order: OrderId,
    kind: OperationKind,
    amount: Money,
    key: &str,
    reason: Option<&str>,
    actor: Option<UserId>,
) -> sqlx::Result<bool> {
    let now = now_ms();
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT id FROM payment_operations WHERE idempotency_key = $1")
            .bind(key)
            .fetch_optional(&mut **tx)
            .await?;
    if exists.is_some() {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO payment_operations (payment_id, order_id, kind, amount_cents, \
         idempotency_key, state, reason, actor_id, next_try_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $8)",
    )
    .bind(payment)
    .bind(order.0)
    .bind(kind.as_str())
    .bind(amount.0)
    .bind(key)
    .bind(reason)
    .bind(actor.map(|u| u.0))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

const OP_COLUMNS: &str =
    "id, payment_id, order_id, kind, amount_cents, idempotency_key, reason, actor_id, tries";

fn op_from(r: &AnyRow) -> sqlx::Result<PendingOp> {
    let kind: String = r.try_get("kind")?;
    Ok(PendingOp {
        id: r.try_get("id")?,
        payment_id: r.try_get("payment_id")?,
        order_id: OrderId(r.try_get("order_id")?),
        kind: OperationKind::parse(&kind).ok_or_else(|| sqlx::Error::ColumnDecode {
            index: "kind".into(),
            source: format!("unknown operation {kind}").into(),
        })?,
        amount: Money(r.try_get("amount_cents")?),
        key: r.try_get("idempotency_key")?,
        reason: r.try_get("reason")?,
        actor: r.try_get::<Option<i64>, _>("actor_id")?.map(UserId),
        tries: r.try_get("tries")?,
    })
}

/// Pending movements due at `now` (all of them, or those of one order), oldest first.
pub async fn due(
    conn: &mut AnyConnection,
    now: i64,
    order: Option<OrderId>,
) -> sqlx::Result<Vec<PendingOp>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {OP_COLUMNS} FROM payment_operations WHERE state = 'pending' \
         AND next_try_at <= $1 AND ($2 IS NULL OR order_id = $2) ORDER BY id LIMIT 100"
    )))
    .bind(now)
    .bind(order.map(|o| o.0))
    .fetch_all(conn)
    .await?;
    rows.iter().map(op_from).collect()
}

/// Locks a pending movement for this process: `None` when another took it or it is done.
/// Pushes its next try `lease_ms` ahead, so that a crash leaves it to the reconciler.
pub async fn take(tx: &mut Tx, op: i64, lease_ms: i64) -> sqlx::Result<Option<PendingOp>> {
    let now = now_ms();
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE payment_operations SET tries = tries + 1, next_try_at = $1 \
         WHERE id = $2 AND state = 'pending' AND next_try_at <= $3 RETURNING {OP_COLUMNS}"
    )))
    .bind(now + lease_ms)
    .bind(op)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(op_from).transpose()
}

/// Records the provider's answer to a movement.
pub async fn finish(
    tx: &mut Tx,
    op: i64,
    state: OperationState,
    provider_ref: Option<&str>,
    error: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE payment_operations SET state = $1, provider_ref = COALESCE($2, provider_ref), \
         error = $3, done_at = $4 WHERE id = $5",
    )
    .bind(state.as_str())
    .bind(provider_ref)
    .bind(error)
    .bind(now_ms())
    .bind(op)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Drops the pending movements of `kind` on `payment` (they will not be carried out), saying
/// why.
pub async fn drop_pending(
    tx: &mut Tx,
    payment: i64,
    kind: OperationKind,
    why: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE payment_operations SET state = 'failed', error = $1, done_at = $2 \
         WHERE payment_id = $3 AND kind = $4 AND state = 'pending'",
    )
    .bind(why)
    .bind(now_ms())
    .bind(payment)
    .bind(kind.as_str())
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Leaves a movement pending, to try again at `next` (Unix ms), remembering why it failed.
pub async fn retry_later(
    conn: &mut AnyConnection,
    op: i64,
    next: i64,
    error: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE payment_operations SET next_try_at = $1, error = $2 WHERE id = $3")
        .bind(next)
        .bind(error)
        .bind(op)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Every movement of `order` as staff see them, with the customer's own authorisations.
pub async fn history(conn: &mut AnyConnection, order: OrderId) -> sqlx::Result<Vec<Operation>> {
    let rows = sqlx::query(
        "SELECT kind, amount_cents, state, reason, actor_id, created_at, error \
         FROM payment_operations WHERE order_id = $1 ORDER BY id",
    )
    .bind(order.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            let state: String = r.try_get("state")?;
            Ok(Operation {
                kind: OperationKind::parse(&kind).unwrap_or(OperationKind::Capture),
                amount: Money(r.try_get("amount_cents")?),
                state: OperationState::parse(&state).unwrap_or(OperationState::Pending),
                reason: r.try_get("reason")?,
                by: r.try_get::<Option<i64>, _>("actor_id")?.map(UserId),
                at: ts(r.try_get("created_at")?),
                error: r.try_get("error")?,
            })
        })
        .collect()
}

/// What was already asked to be refunded on `payment` (pending or done).
pub async fn refunds_asked(conn: &mut AnyConnection, payment: i64) -> sqlx::Result<Money> {
    // PostgreSQL sums BIGINTs as NUMERIC: cast back.
    let sum: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM payment_operations \
         WHERE payment_id = $1 AND kind = 'refund' AND state <> 'failed'",
    )
    .bind(payment)
    .fetch_one(conn)
    .await?;
    Ok(Money(sum))
}

/// How many refunds were asked on `payment` (numbers the next one's idempotency key).
pub async fn refund_count(conn: &mut AnyConnection, payment: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM payment_operations WHERE payment_id = $1 AND kind = 'refund'",
    )
    .bind(payment)
    .fetch_one(conn)
    .await
}

/// Records a provider notification; `false` when it was already received (a replay).
pub async fn note_event(
    conn: &mut AnyConnection,
    provider: Provider,
    id: &str,
    kind: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO payment_events (provider, event_id, kind, received_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (provider, event_id) DO NOTHING",
    )
    .bind(provider.as_str())
    .bind(id)
    .bind(kind)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Orders still waiting for their payment whose deadline passed at `now`.
pub async fn expired_orders(conn: &mut AnyConnection, now: i64) -> sqlx::Result<Vec<OrderId>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM orders WHERE status = 'awaiting_payment' AND payment_expires_at <= $1 \
         ORDER BY id LIMIT 200",
    )
    .bind(now)
    .fetch_all(conn)
    .await?;
    Ok(ids.into_iter().map(OrderId).collect())
}

/// Attempts still open at the provider (the customer's step started) not touched since
/// `before`: a webhook or the customer's browser may have been lost.
pub async fn stale_attempts(conn: &mut AnyConnection, before: i64) -> sqlx::Result<Vec<Attempt>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ATTEMPT_COLUMNS} FROM payments WHERE state IN ('created', 'requires_action') \
         AND provider_ref IS NOT NULL AND updated_at <= $1 ORDER BY id LIMIT 200"
    )))
    .bind(before)
    .fetch_all(conn)
    .await?;
    rows.iter().map(attempt_from).collect()
}

/// Sets the deadline of an order waiting for its payment.
pub async fn set_deadline(tx: &mut Tx, order: OrderId, at: Option<i64>) -> sqlx::Result<()> {
    sqlx::query("UPDATE orders SET payment_expires_at = $1 WHERE id = $2")
        .bind(at)
        .bind(order.0)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// The deadline of an order waiting for its payment.
pub async fn deadline(conn: &mut AnyConnection, order: OrderId) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT payment_expires_at FROM orders WHERE id = $1")
        .bind(order.0)
        .fetch_one(conn)
        .await
}
