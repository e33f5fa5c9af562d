//! The invited account's side: the roles shops offer it, and its answer. Accepting grants the
//! role and deletes the invitation in one transaction, with the access-changed event that makes
//! the account's live connections see the new role.

use super::db;
use crate::auth::{Caller, db as auth_db};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use ocpizza_proto::api::staff::Invitation;
use ocpizza_proto::{InvitationId, StaffRole};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me/invitations", get(mine))
        .route("/api/v1/me/invitations/{id}/accept", post(accept))
        .route("/api/v1/me/invitations/{id}/decline", post(decline))
}

/// The roles shops offer to the logged-in account, newest first.
#[utoipa::path(get, path = "/api/v1/me/invitations", tag = "staff",
    responses((status = 200, body = Vec<Invitation>),
        (status = 401, description = "login required", body = ocpizza_proto::ErrorBody)))]
pub async fn mine(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<Invitation>>> {
    let me = caller.user()?;
    Ok(Json(db::invitations_of(state.db.pool(), me.id).await?))
}

/// Accepts an invitation: the account holds the role from now on.
///
/// The offer must still be one its sender may make: a manager who lost the shop since cannot
/// bring anyone in through an invitation left behind.
#[utoipa::path(post, path = "/api/v1/me/invitations/{id}/accept", tag = "staff", params(("id" = i64, Path)),
    responses((status = 204, description = "role granted"),
        (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
        (status = 404, description = "no such invitation for this account", body = ocpizza_proto::ErrorBody),
        (status = 409, description = "whoever invited may no longer give this role", body = ocpizza_proto::ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let me = caller.user()?.id;
    let mut tx = state.db.begin().await?;
    let taken = db::take(&mut tx, InvitationId(id), me)
        .await?
        .ok_or(ApiError::NotFound("invitation"))?;
    // Read within the transaction: no second pooled connection while this one is held.
    let still_allowed = db::is_admin(&mut tx, taken.invited_by).await?
        || (taken.role != StaffRole::Manager
            && db::holds(&mut tx, taken.invited_by, taken.shop, StaffRole::Manager).await?);
    if !still_allowed {
        return Err(ApiError::Conflict(
            "whoever sent this invitation no longer manages the shop; decline it and ask again"
                .into(),
        ));
    }
    auth_db::grant(&mut tx, me, taken.shop, taken.role).await?;
    let entry = crate::audit::Entry::new("staff.role_granted", crate::audit::user_subject(me))
        .shop(taken.shop)
        .change(
            None,
            Some(serde_json::json!({ "role": taken.role, "invited_by": taken.invited_by })),
        )
        .reason(Some("invitation accepted".to_owned()));
    crate::audit::record(&mut tx, Some(me), &[entry]).await?;
    let published = crate::auth::access_changed(&mut tx, me, me, "role_granted").await?;
    crate::events::commit(tx, published, &state.bus).await?;
    tracing::info!(shop = %taken.shop, user = %me, role = taken.role.as_str(), "staff invitation accepted");
    Ok(StatusCode::NO_CONTENT)
}

/// Declines an invitation: it is deleted and the account holds nothing more.
#[utoipa::path(post, path = "/api/v1/me/invitations/{id}/decline", tag = "staff", params(("id" = i64, Path)),
    responses((status = 204, description = "declined"),
        (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
        (status = 404, description = "no such invitation for this account", body = ocpizza_proto::ErrorBody)))]
pub async fn decline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let me = caller.user()?.id;
    let mut tx = state.db.begin().await?;
    let taken = db::take(&mut tx, InvitationId(id), me)
        .await?
        .ok_or(ApiError::NotFound("invitation"))?;
    let entry =
        crate::audit::Entry::new("staff.invitation_declined", crate::audit::user_subject(me))
            .shop(taken.shop)
            .change(Some(serde_json::json!({ "role": taken.role })), None);
    crate::audit::record(&mut tx, Some(me), &[entry]).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
