//! Maintenance mode over HTTP: anyone reads it, admins switch it and read its audit trail.

use super::{By, MAX_MESSAGE};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::state::AppState;
use crate::validate;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use ocpizza_proto::api::maintenance::{Maintenance, MaintenanceHistory, MaintenanceOn};

/// Switches kept in the answer of the history.
pub const HISTORY: i64 = 100;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/maintenance",
            get(status).put(turn_on).delete(turn_off),
        )
        .route("/api/v1/maintenance/history", get(history))
}

/// Whether the site is in maintenance, with the operator's message and the announced end
/// (public: the customers' screens show it).
#[utoipa::path(get, path = "/api/v1/maintenance", tag = "maintenance",
    responses((status = 200, body = Maintenance)))]
pub async fn status(State(state): State<AppState>) -> Json<Maintenance> {
    Json(state.maintenance.current())
}

/// Turns maintenance on, or changes its message and announced end (admins). Customers' new
/// orders then get `503 maintenance`; staff keep working. Every open screen hears of it.
#[utoipa::path(put, path = "/api/v1/maintenance", tag = "maintenance",
    request_body = MaintenanceOn, responses((status = 200, body = Maintenance),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "the message is too long or holds control characters, or `until` is not in the future", body = ocpizza_proto::ErrorBody)))]
pub async fn turn_on(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<MaintenanceOn>,
) -> ApiResult<Json<Maintenance>> {
    let admin = caller.admin()?;
    let message = validate::optional_text("message", req.message.as_deref(), MAX_MESSAGE)?;
    if req.until.is_some_and(|u| u <= jiff::Timestamp::now()) {
        return Err(ApiError::field(
            "until",
            "the announced end must be in the future",
        ));
    }
    let next = super::turned_on(&state.maintenance.current(), message, req.until);
    let by = by_admin(admin);
    let stored = super::switch(&state.db, &state.bus, next, &by).await?;
    state.maintenance.changed_here(stored.clone());
    Ok(Json(stored))
}

/// Turns maintenance off (admins): customers order again.
#[utoipa::path(delete, path = "/api/v1/maintenance", tag = "maintenance",
    responses((status = 200, body = Maintenance),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody)))]
pub async fn turn_off(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Maintenance>> {
    let admin = caller.admin()?;
    let stored = super::switch(
        &state.db,
        &state.bus,
        Maintenance::default(),
        &by_admin(admin),
    )
    .await?;
    state.maintenance.changed_here(stored.clone());
    Ok(Json(stored))
}

/// The latest switches of maintenance mode, with who made them and when, newest first
/// (admins).
#[utoipa::path(get, path = "/api/v1/maintenance/history", tag = "maintenance",
    responses((status = 200, body = MaintenanceHistory),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<MaintenanceHistory>> {
    caller.admin()?;
    Ok(Json(MaintenanceHistory {
        switches: super::db::history(state.db.pool(), HISTORY).await?,
    }))
}

fn by_admin(admin: &crate::auth::AuthUser) -> By {
    By {
        actor: Some(admin.id),
        label: format!("{} (account {})", admin.name, admin.id),
    }
}
