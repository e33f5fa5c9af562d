//! SQL of shop staff lists and staff invitations.

use crate::db::{Tx, now_ms, ts};
use ocpizza_proto::api::staff::{Invitation, StaffMember, StaffStatus};
use ocpizza_proto::{InvitationId, ShopId, StaffRole, UserId};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

fn member(r: &AnyRow, shop: ShopId, status: StaffStatus) -> Option<StaffMember> {
    Some(StaffMember {
        user_id: UserId(r.try_get("id").ok()?),
        email: r.try_get("email").ok()?,
        name: r.try_get("name").ok()?,
        shop_id: shop,
        role: StaffRole::parse(&r.try_get::<String, _>("role").ok()?)?,
        status,
    })
}

/// The shop's staff: roles held first, then the roles offered and not yet accepted.
pub async fn members(pool: &AnyPool, shop: ShopId) -> sqlx::Result<Vec<StaffMember>> {
    let active = sqlx::query(
        "SELECT u.id, u.email, u.name, s.role FROM staff s JOIN users u ON u.id = s.user_id \
         WHERE s.shop_id = $1 ORDER BY s.role, u.name",
    )
    .bind(shop.0)
    .fetch_all(pool)
    .await?;
    let invited = sqlx::query(
        "SELECT u.id, u.email, u.name, i.role FROM staff_invitations i \
         JOIN users u ON u.id = i.user_id WHERE i.shop_id = $1 ORDER BY i.role, u.name",
    )
    .bind(shop.0)
    .fetch_all(pool)
    .await?;
    let active = active
        .iter()
        .filter_map(|r| member(r, shop, StaffStatus::Active));
    let invited = invited
        .iter()
        .filter_map(|r| member(r, shop, StaffStatus::Invited));
    Ok(active.chain(invited).collect())
}

/// Whether the account already holds `role` in `shop`.
pub async fn holds(tx: &mut Tx, user: UserId, shop: ShopId, role: StaffRole) -> sqlx::Result<bool> {
    let row = sqlx::query(
        "SELECT 1 AS held FROM staff WHERE user_id = $1 AND shop_id = $2 AND role = $3",
    )
    .bind(user.0)
    .bind(shop.0)
    .bind(role.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.is_some())
}

/// Whether the account is a group administrator.
pub async fn is_admin(tx: &mut Tx, user: UserId) -> sqlx::Result<bool> {
    let row = sqlx::query("SELECT is_admin FROM users WHERE id = $1")
        .bind(user.0)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<i64, _>("is_admin")? != 0,
        None => false,
    })
}

/// Offers `role` in `shop` to the account, or sends the same offer again (it then counts as
/// made by `by`, now).
pub async fn invite(
    tx: &mut Tx,
    shop: ShopId,
    user: UserId,
    role: StaffRole,
    by: UserId,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO staff_invitations (shop_id, user_id, role, invited_by, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (shop_id, user_id, role) \
         DO UPDATE SET invited_by = excluded.invited_by, created_at = excluded.created_at",
    )
    .bind(shop.0)
    .bind(user.0)
    .bind(role.as_str())
    .bind(by.0)
    .bind(now_ms())
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Withdraws the offer of `role` in `shop` to the account; false when there was none.
pub async fn withdraw(
    tx: &mut Tx,
    shop: ShopId,
    user: UserId,
    role: StaffRole,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "DELETE FROM staff_invitations WHERE shop_id = $1 AND user_id = $2 AND role = $3",
    )
    .bind(shop.0)
    .bind(user.0)
    .bind(role.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The roles offered to the account, newest first.
pub async fn invitations_of(pool: &AnyPool, user: UserId) -> sqlx::Result<Vec<Invitation>> {
    let rows = sqlx::query(
        "SELECT i.id, i.shop_id, s.name AS shop_name, i.role, u.name AS invited_by, i.created_at \
         FROM staff_invitations i JOIN shops s ON s.id = i.shop_id \
         JOIN users u ON u.id = i.invited_by \
         WHERE i.user_id = $1 ORDER BY i.created_at DESC, i.id DESC",
    )
    .bind(user.0)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some(Invitation {
                id: InvitationId(r.try_get("id").ok()?),
                shop_id: ShopId(r.try_get("shop_id").ok()?),
                shop_name: r.try_get("shop_name").ok()?,
                role: StaffRole::parse(&r.try_get::<String, _>("role").ok()?)?,
                invited_by: r.try_get("invited_by").ok()?,
                invited_at: ts(r.try_get("created_at").ok()?),
            })
        })
        .collect())
}

/// An invitation taken out of the table to be answered.
#[derive(Debug, Clone, Copy)]
pub struct Taken {
    /// The shop.
    pub shop: ShopId,
    /// The role offered.
    pub role: StaffRole,
    /// Who offered it.
    pub invited_by: UserId,
}

/// Deletes the account's invitation `id` and returns what it offered; `None` when the account
/// has no such invitation (someone else's counts as none).
pub async fn take(tx: &mut Tx, id: InvitationId, user: UserId) -> sqlx::Result<Option<Taken>> {
    let row = sqlx::query(
        "DELETE FROM staff_invitations WHERE id = $1 AND user_id = $2 \
         RETURNING shop_id, role, invited_by",
    )
    .bind(id.0)
    .bind(user.0)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let role = StaffRole::parse(&row.try_get::<String, _>("role")?)
        .ok_or_else(|| sqlx::Error::Decode("unknown staff role in staff_invitations".into()))?;
    Ok(Some(Taken {
        shop: ShopId(row.try_get("shop_id")?),
        role,
        invited_by: UserId(row.try_get("invited_by")?),
    }))
}
