//! Staff management: admins manage every shop's staff; a manager manages order takers, cooks
//! and drivers of their own shop (only admins appoint managers).
//!
//! A role reaches an existing account only by invitation: the manager's request offers it, and
//! the account holds it once it accepts (see [`invitations`]). Otherwise any manager could
//! attach any customer's account to their shop, which would then receive staff payloads
//! without having agreed. An account the manager creates here for a new employee gets its role
//! at once: nobody else uses that account yet.

mod db;
pub mod invitations;

use crate::audit::Entry;
use crate::auth::{Caller, db as auth_db, password};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;
use crate::validate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use ocpizza_proto::api::staff::{AddStaff, StaffMember};
use ocpizza_proto::{ShopId, StaffRole, UserId};
use serde_json::json;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/shops/{id}/staff", get(list).post(add))
        .route("/api/v1/shops/{id}/staff/{user_id}/{role}", delete(remove))
        .merge(invitations::router())
}

fn may_manage(caller: &Caller, shop: ShopId, role: StaffRole) -> ApiResult<UserId> {
    let user = caller.user()?;
    let allowed = user.admin || (user.manages(shop) && role != StaffRole::Manager);
    if allowed {
        Ok(user.id)
    } else {
        Err(ApiError::Forbidden)
    }
}

/// Staff of a shop (its managers, admin), pending invitations last.
#[utoipa::path(get, path = "/api/v1/shops/{id}/staff", tag = "staff", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<StaffMember>),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not a manager of this shop", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such shop", body = ocpizza_proto::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<StaffMember>>> {
    let shop = ShopId(id);
    caller.staff(shop, &[StaffRole::Manager])?;
    crate::shops::require(&state, shop).await?;
    Ok(Json(db::members(state.db.pool(), shop).await?))
}

/// Gives a role in the shop to a new account created with the given name and password (201),
/// or invites an existing account to take it (202, `status: "invited"`; 200 when it already
/// holds the role).
#[utoipa::path(post, path = "/api/v1/shops/{id}/staff", tag = "staff", params(("id" = i64, Path)),
    request_body = AddStaff, responses((status = 201, description = "a new account created with this role", body = StaffMember),
              (status = 202, description = "an existing account invited: the role is theirs once they accept", body = StaffMember),
              (status = 200, description = "the account already holds this role", body = StaffMember),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "the caller may not give this role in this shop", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such shop", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "the e-mail was registered meanwhile", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "a field is invalid (a new account needs `name` and `password`)", body = ocpizza_proto::ErrorBody)))]
pub async fn add(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<AddStaff>,
) -> ApiResult<(StatusCode, Json<StaffMember>)> {
    let shop = ShopId(id);
    let me = may_manage(&caller, shop, req.role)?;
    crate::shops::require(&state, shop).await?;
    let email = validate::email("email", &req.email)?;
    let (status, user_id) = match auth_db::credentials(state.db.pool(), &email).await? {
        Some((user_id, _)) => (invite(&state, shop, user_id, req.role, me).await?, user_id),
        None => (
            StatusCode::CREATED,
            create(&state, shop, &email, &req, me).await?,
        ),
    };
    let member = db::members(state.db.pool(), shop)
        .await?
        .into_iter()
        .find(|m| m.user_id == user_id && m.role == req.role)
        .ok_or(ApiError::NotFound("staff member"))?;
    Ok((status, Json(member)))
}

/// Offers the role to an existing account (or offers it again); nothing when the account holds
/// it already.
async fn invite(
    state: &AppState,
    shop: ShopId,
    user: UserId,
    role: StaffRole,
    me: UserId,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin().await?;
    if db::holds(&mut tx, user, shop, role).await? {
        return Ok(StatusCode::OK);
    }
    db::invite(&mut tx, shop, user, role, me).await?;
    let entry = Entry::new("staff.invited", crate::audit::user_subject(user))
        .shop(shop)
        .after(json!({ "role": role }));
    crate::audit::record(&mut tx, Some(me), &[entry]).await?;
    tx.commit().await?;
    tracing::info!(shop = %shop, user = %user, role = role.as_str(), "staff invitation sent");
    Ok(StatusCode::ACCEPTED)
}

/// Creates the account of a new employee with the role granted.
async fn create(
    state: &AppState,
    shop: ShopId,
    email: &str,
    req: &AddStaff,
    me: UserId,
) -> ApiResult<UserId> {
    let name = validate::text("name", req.name.as_deref().unwrap_or(""), 1, 100)?;
    let pw = req.password.clone().unwrap_or_default();
    password::check_strength("password", &pw, email, &name).await?;
    let hash = password::hash(pw, state.config.hashing).await?;
    let mut tx = state.db.begin().await?;
    let user_id = match auth_db::insert_user(&mut tx, email, &name, None, &hash, false).await {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(ApiError::Conflict(format!(
                "{email} was registered meanwhile; retry"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    auth_db::grant(&mut tx, user_id, shop, req.role).await?;
    let entry = Entry::new("staff.role_granted", crate::audit::user_subject(user_id))
        .shop(shop)
        .change(
            None,
            Some(json!({ "role": req.role, "email": email, "name": name })),
        );
    crate::audit::record(&mut tx, Some(me), &[entry]).await?;
    let published = crate::auth::access_changed(&mut tx, me, user_id, "role_granted").await?;
    crate::events::commit(tx, published, &state.bus).await?;
    tracing::info!(shop = %shop, user = %user_id, role = req.role.as_str(), "staff role granted");
    Ok(user_id)
}

/// Takes a role in the shop away from an account, or withdraws the invitation to take it.
#[utoipa::path(delete, path = "/api/v1/shops/{id}/staff/{user_id}/{role}", tag = "staff",
    params(("id" = i64, Path), ("user_id" = i64, Path), ("role" = StaffRole, Path)),
    responses((status = 204, description = "removed, or the invitation withdrawn"),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "the caller may not take this role away in this shop", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such role held nor invited", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "a manager cannot remove their own manager role", body = ocpizza_proto::ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user_id, role)): Path<(i64, i64, StaffRole)>,
) -> ApiResult<StatusCode> {
    let shop = ShopId(id);
    let me = may_manage(&caller, shop, role)?;
    if me == UserId(user_id) && role == StaffRole::Manager {
        return Err(ApiError::Conflict(
            "you cannot remove your own manager role".into(),
        ));
    }
    let mut tx = state.db.begin().await?;
    let done = sqlx::query("DELETE FROM staff WHERE shop_id = $1 AND user_id = $2 AND role = $3")
        .bind(shop.0)
        .bind(user_id)
        .bind(role.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let subject = crate::audit::user_subject(UserId(user_id));
    if done == 0 {
        return if db::withdraw(&mut tx, shop, UserId(user_id), role).await? {
            let entry = Entry::new("staff.invitation_withdrawn", subject)
                .shop(shop)
                .change(Some(json!({ "role": role })), None);
            crate::audit::record(&mut tx, Some(me), &[entry]).await?;
            tx.commit().await?;
            Ok(StatusCode::NO_CONTENT)
        } else {
            Err(ApiError::NotFound("staff member"))
        };
    }
    let entry = Entry::new("staff.role_removed", subject)
        .shop(shop)
        .change(Some(json!({ "role": role })), None);
    crate::audit::record(&mut tx, Some(me), &[entry]).await?;
    let published =
        crate::auth::access_changed(&mut tx, me, UserId(user_id), "role_removed").await?;
    crate::events::commit(tx, published, &state.bus).await?;
    Ok(StatusCode::NO_CONTENT)
}
