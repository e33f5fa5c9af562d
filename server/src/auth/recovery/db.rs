//! SQL of password reset tokens (stored as their SHA-256 only).

use crate::db::Tx;
use ocpizza_proto::UserId;
use sqlx::{AnyPool, Row};

/// A stored reset token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reset {
    /// Whose password it resets.
    pub user_id: UserId,
    /// Not valid from then on (ms).
    pub expires_at: i64,
    /// When it was used, if it was.
    pub used_at: Option<i64>,
}

/// `(id, name)` of the account with this (normalised) e-mail.
pub async fn account(pool: &AnyPool, email: &str) -> sqlx::Result<Option<(UserId, String)>> {
    let row = sqlx::query("SELECT id, name FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(pool)
        .await?;
    row.map(|r| Ok((UserId(r.try_get("id")?), r.try_get("name")?)))
        .transpose()
}

/// Stores a token's hash for `user`.
pub async fn insert(
    tx: &mut Tx,
    token_hash: &str,
    user: UserId,
    now: i64,
    expires_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(user.0)
    .bind(now)
    .bind(expires_at)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// The token with this hash, if one was issued.
pub async fn find(pool: &AnyPool, token_hash: &str) -> sqlx::Result<Option<Reset>> {
    let row = sqlx::query(
        "SELECT user_id, expires_at, used_at FROM password_resets WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(Reset {
            user_id: UserId(r.try_get("user_id")?),
            expires_at: r.try_get("expires_at")?,
            used_at: r.try_get("used_at")?,
        })
    })
    .transpose()
}

/// Marks the token used if it still is unused and valid at `now`; `false` when another
/// request used it first (or it expired meanwhile). The condition in the `UPDATE` is what
/// makes two simultaneous uses end with one winner.
pub async fn consume(tx: &mut Tx, token_hash: &str, now: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE password_resets SET used_at = $1 \
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(token_hash)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets a new password, voids the account's other reset links and ends all its sessions.
pub async fn set_password(
    tx: &mut Tx,
    user: UserId,
    password_hash: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(user.0)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
        .bind(now)
        .bind(user.0)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user.0)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Forgets tokens that expired before `cutoff` (ms).
pub async fn prune(pool: &AnyPool, cutoff: i64) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM password_resets WHERE expires_at < $1")
        .bind(cutoff)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
}
