//! SQL of personal data: what an account holds besides its orders, the wiping of an account,
//! and the anonymisation of orders' contact details.

use crate::db::{Tx, ts};
use ocpizza_proto::UserId;
use serde::Serialize;
use sqlx::{AnyPool, Row};

/// The name a deleted account and an anonymised order's contact take.
pub const ANONYMOUS: &str = "Anonyme";

/// Orders anonymised per statement (and per transaction of the sweep).
const BATCH: usize = 500;

/// A browser subscribed to notifications: the consent it gave, and where to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PushConsent {
    /// `order` (one order's progress) or `staff` (a role's alerts).
    pub kind: String,
    /// The order followed.
    pub order_id: Option<i64>,
    /// The shop of a staff subscription.
    pub shop_id: Option<i64>,
    /// The language of the messages.
    pub lang: String,
    /// The push service's address for that browser.
    pub endpoint: String,
    /// When the consent was given.
    pub created_at: jiff::Timestamp,
}

/// A session of the account (the token itself is never stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SessionInfo {
    /// When it started.
    pub created_at: jiff::Timestamp,
    /// When it ends by itself.
    pub expires_at: jiff::Timestamp,
}

/// When the account was created.
pub async fn created_at(pool: &AnyPool, user: UserId) -> sqlx::Result<Option<jiff::Timestamp>> {
    let at: Option<i64> = sqlx::query_scalar("SELECT created_at FROM users WHERE id = $1")
        .bind(user.0)
        .fetch_optional(pool)
        .await?;
    Ok(at.map(ts))
}

/// The push subscriptions of the account and of its orders.
pub async fn push_consents(pool: &AnyPool, user: UserId) -> sqlx::Result<Vec<PushConsent>> {
    sqlx::query(
        "SELECT kind, order_id, shop_id, lang, endpoint, created_at FROM push_subscriptions \
         WHERE user_id = $1 OR order_id IN (SELECT id FROM orders WHERE customer_id = $1) \
         ORDER BY id",
    )
    .bind(user.0)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(PushConsent {
            kind: r.try_get("kind")?,
            order_id: r.try_get("order_id")?,
            shop_id: r.try_get("shop_id")?,
            lang: r.try_get("lang")?,
            endpoint: r.try_get("endpoint")?,
            created_at: ts(r.try_get("created_at")?),
        })
    })
    .collect()
}

/// The account's sessions still open.
pub async fn sessions(pool: &AnyPool, user: UserId) -> sqlx::Result<Vec<SessionInfo>> {
    sqlx::query(
        "SELECT created_at, expires_at FROM sessions WHERE user_id = $1 AND expires_at > $2 \
         ORDER BY created_at",
    )
    .bind(user.0)
    .bind(crate::db::now_ms())
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(SessionInfo {
            created_at: ts(r.try_get("created_at")?),
            expires_at: ts(r.try_get("expires_at")?),
        })
    })
    .collect()
}

/// Whether the account has an order still under way.
pub async fn has_open_orders(tx: &mut Tx, user: UserId) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM orders WHERE customer_id = $1 AND status NOT IN \
         ('delivered', 'collected', 'delivery_failed', 'cancelled')",
    )
    .bind(user.0)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n > 0)
}

/// Whether a guest order given with `email` is still under way.
pub async fn has_open_guest_orders(tx: &mut Tx, email: &str) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM orders WHERE customer_id IS NULL AND LOWER(contact_email) = $1 \
         AND status NOT IN ('delivered', 'collected', 'delivery_failed', 'cancelled')",
    )
    .bind(email)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n > 0)
}

/// Wipes the account's personal fields, ends its sessions, drops its subscriptions, links
/// and invitations, and anonymises its orders; returns how many orders were anonymised.
///
/// The row stays (its orders and the audit trail refer to it) with an address nobody can log
/// in with and a password hash nothing verifies against.
pub async fn erase_account(tx: &mut Tx, user: UserId, now: i64) -> sqlx::Result<u64> {
    let email: Option<String> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(user.0)
        .fetch_optional(&mut **tx)
        .await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM orders WHERE customer_id = $1 AND anonymised_at IS NULL ORDER BY id",
    )
    .bind(user.0)
    .fetch_all(&mut **tx)
    .await?;
    let orders = anonymise(tx, &ids, now).await?;
    for table in [
        "sessions",
        "push_subscriptions",
        "password_resets",
        "staff_invitations",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE user_id = $1"
        )))
        .bind(user.0)
        .execute(&mut **tx)
        .await?;
    }
    if let Some(email) = email {
        // Messages still waiting for the address (receipts, reset links).
        sqlx::query(
            "DELETE FROM notifications WHERE channel = 'mail' AND recipient = $1 \
             AND state = 'pending'",
        )
        .bind(email)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query(
        "UPDATE users SET email = $2, name = $3, phone = NULL, password_hash = '!', \
         deleted_at = $4 WHERE id = $1",
    )
    .bind(user.0)
    .bind(format!("deleted-{}@invalid", user.0))
    .bind(ANONYMOUS)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(orders)
}

/// Anonymises the guest orders given with `email` (lower case); returns how many.
pub async fn erase_guest_orders(tx: &mut Tx, email: &str, now: i64) -> sqlx::Result<u64> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM orders WHERE customer_id IS NULL AND anonymised_at IS NULL \
         AND LOWER(contact_email) = $1 ORDER BY id",
    )
    .bind(email)
    .fetch_all(&mut **tx)
    .await?;
    anonymise(tx, &ids, now).await
}

/// Wipes the contact details of orders `ids` (name, phone, e-mail, street, instructions, the
/// order's and its lines' notes) and their push subscriptions. Shop, times, totals, lines,
/// postcode and city stay: the accounts and reports need them.
pub async fn anonymise(tx: &mut Tx, ids: &[i64], now: i64) -> sqlx::Result<u64> {
    let mut done = 0;
    for chunk in ids.chunks(BATCH) {
        // Ids are integers read from the database: written into the statement.
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        for sql in [
            format!("DELETE FROM push_subscriptions WHERE order_id IN ({list})"),
            format!("UPDATE order_lines SET note = NULL WHERE order_id IN ({list})"),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut **tx)
                .await?;
        }
        done += sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE orders SET contact_name = $1, contact_phone = '', phone_key = NULL, \
             contact_email = NULL, \
             address_street = CASE WHEN address_street IS NULL THEN NULL ELSE '' END, \
             address_instructions = NULL, note = NULL, anonymised_at = $2 WHERE id IN ({list})"
        )))
        .bind(ANONYMOUS)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    }
    Ok(done)
}

/// One batch of guest orders created before `horizon` (Unix ms) and not yet anonymised.
pub async fn old_guest_orders(tx: &mut Tx, horizon: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM orders WHERE customer_id IS NULL AND anonymised_at IS NULL \
         AND created_at < $1 ORDER BY id LIMIT {BATCH}"
    )))
    .bind(horizon)
    .fetch_all(&mut **tx)
    .await
}

/// Forgets, in the audit trail, the address typed at failed logins: on the account `user` (if
/// any) or with `email` when it had none. The entries stay (a failed login happened), without
/// the address.
pub async fn scrub_failed_logins(
    tx: &mut Tx,
    user: Option<UserId>,
    email: &str,
) -> sqlx::Result<()> {
    let subject = user.map_or_else(String::new, crate::audit::user_subject);
    sqlx::query(
        "UPDATE audit_log SET subject = CASE WHEN subject = $2 THEN 'email:erased' ELSE subject END, \
         after = NULL WHERE action = 'auth.login_failed' AND (subject = $1 OR subject = $2)",
    )
    .bind(subject)
    .bind(format!("email:{email}"))
    .execute(&mut **tx)
    .await
    .map(|_| ())
}
