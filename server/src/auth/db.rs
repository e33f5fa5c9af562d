//! SQL of accounts, sessions and staff roles.

use super::AuthUser;
use crate::db::{Tx, now_ms};
use ocpizza_proto::{ShopId, StaffRole, UserId};
use sqlx::{AnyPool, Row};

/// Loads the account of a live session.
pub async fn user_by_session(pool: &AnyPool, token_hash: &str) -> sqlx::Result<Option<AuthUser>> {
    let row = sqlx::query(
        "SELECT u.id FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(token_hash)
    .bind(now_ms())
    .fetch_optional(pool)
    .await?;
    match row {
        Some(row) => user_by_id(pool, UserId(row.try_get("id")?)).await,
        None => Ok(None),
    }
}

/// Loads an account with its roles.
pub async fn user_by_id(pool: &AnyPool, id: UserId) -> sqlx::Result<Option<AuthUser>> {
    let Some(row) = sqlx::query("SELECT id, email, name, phone, is_admin FROM users WHERE id = $1")
        .bind(id.0)
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let roles = sqlx::query("SELECT shop_id, role FROM staff WHERE user_id = $1 ORDER BY shop_id")
        .bind(id.0)
        .fetch_all(pool)
        .await?
        .iter()
        .filter_map(|r| {
            let role = StaffRole::parse(r.try_get::<String, _>("role").ok()?.as_str())?;
            Some((ShopId(r.try_get("shop_id").ok()?), role))
        })
        .collect();
    Ok(Some(AuthUser {
        id,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        phone: row.try_get("phone")?,
        admin: row.try_get::<i64, _>("is_admin")? != 0,
        roles,
    }))
}

/// `(id, password hash)` of the account with this e-mail.
pub async fn credentials(pool: &AnyPool, email: &str) -> sqlx::Result<Option<(UserId, String)>> {
    let row =
        sqlx::query("SELECT id, password_hash FROM users WHERE email = $1 AND deleted_at IS NULL")
            .bind(email)
            .fetch_optional(pool)
            .await?;
    row.map(|r| Ok((UserId(r.try_get("id")?), r.try_get("password_hash")?)))
        .transpose()
}

/// Whether any account administers the group.
pub async fn any_admin(pool: &AnyPool) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE is_admin <> 0")
        .fetch_one(pool)
        .await?;
    Ok(n > 0)
}

/// Creates an account; a duplicate e-mail is a unique violation.
pub async fn insert_user(
    tx: &mut Tx,
    email: &str,
    name: &str,
    phone: Option<&str>,
    password_hash: &str,
    admin: bool,
) -> sqlx::Result<UserId> {
    sqlx::query_scalar(
        "INSERT INTO users (email, name, phone, password_hash, is_admin, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(email)
    .bind(name)
    .bind(phone)
    .bind(password_hash)
    .bind(i64::from(admin))
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await
    .map(UserId)
}

/// Gives `role` in `shop` (no-op if already held).
pub async fn grant(tx: &mut Tx, user: UserId, shop: ShopId, role: StaffRole) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO staff (user_id, shop_id, role) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, shop_id, role) DO NOTHING",
    )
    .bind(user.0)
    .bind(shop.0)
    .bind(role.as_str())
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Stores a new session.
pub async fn insert_session(
    tx: &mut Tx,
    token_hash: &str,
    user: UserId,
    ttl_hours: i64,
) -> sqlx::Result<()> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(user.0)
    .bind(now)
    .bind(now + ttl_hours * 3_600_000)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Revokes a session (and sweeps expired ones).
pub async fn delete_session(tx: &mut Tx, token_hash: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at < $2")
        .bind(token_hash)
        .bind(now_ms())
        .execute(&mut **tx)
        .await
        .map(|_| ())
}
