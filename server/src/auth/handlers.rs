//! `/api/v1/auth/*`: register, login, logout, me.

use super::{Caller, SESSION_COOKIE, db, hash_token, password, random_token, session_token};
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::net::ClientIp;
use crate::state::AppState;
use crate::validate;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ocpizza_proto::api::auth::{
    LoginRequest, Me, RegisterRequest, Registration, ShopRole, Visitor,
};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/register", post(register))
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/auth/me", get(me))
        .route("/api/v1/auth/session", get(session))
        .merge(super::recovery::router())
}

/// Creates a customer account, or says the same if the e-mail already has one.
///
/// The answer never tells whether an e-mail is a customer's: `202` with the same body either
/// way, no session in either case (the client logs in next), and the password is hashed in
/// both cases so that the time taken does not tell either. An existing account is left as it
/// was; its owner logs in with their own password as before.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 202, body = Registration), (status = 422, body = ocpizza_proto::ErrorBody),
              (status = 429, body = ocpizza_proto::ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(req): Json<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<Registration>)> {
    let email = validate::email("email", &req.email)?;
    validate::password("password", &req.password)?;
    let name = validate::text("name", &req.name, 1, 100)?;
    let phone = validate::optional_phone("phone", req.phone.as_deref())?;
    state.auth_limits.admit_registration(ip).inspect_err(|_| {
        tracing::warn!(%ip, "registration rate limit hit");
    })?;
    password::check_strength("password", &req.password, &email, &name).await?;
    let hash = password::hash(req.password, state.config.hashing).await?;
    let mut tx = state.db.begin().await?;
    match db::insert_user(&mut tx, &email, &name, phone.as_deref(), &hash, false).await {
        Ok(id) => {
            tx.commit().await?;
            tracing::info!(user = %id, "customer account registered");
        }
        Err(e) if crate::db::is_unique_violation(&e) => {
            // A round trip like the commit above, so that this branch takes as long.
            tx.rollback().await?;
            tracing::info!("registration with an e-mail that already has an account");
        }
        Err(e) => return Err(e.into()),
    }
    Ok((StatusCode::ACCEPTED, Json(Registration { email })))
}

/// Logs in with e-mail and password; sets the session cookie.
///
/// Throttled per client address and, after a few failures, per (account, address) with a
/// growing wait ([`super::limit`]): `429` with `Retry-After`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = Me), (status = 401, body = ocpizza_proto::ErrorBody),
              (status = 429, body = ocpizza_proto::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Response> {
    let email = req.email.trim().to_lowercase();
    state.auth_limits.admit_login(&email, ip).inspect_err(|_| {
        tracing::warn!(%ip, "login throttled");
    })?;
    let found = db::credentials(state.db.pool(), &email).await?;
    // Verify against a dummy hash for unknown e-mails: same timing either way.
    let stored = found
        .as_ref()
        .map_or_else(|| state.dummy_hash.to_string(), |(_, h)| h.clone());
    let ok = password::verify(req.password, stored).await?;
    match found {
        Some((id, _)) if ok => {
            state.auth_limits.succeeded(&email, ip);
            start_session(&state, id, ip).await
        }
        _ => {
            failed_login(&state, found.map(|(id, _)| id), &email, ip).await?;
            Err(ApiError::Unauthenticated)
        }
    }
}

/// Writes a failed login in the audit trail: the account tried (or the address typed, when it
/// is nobody's) and the client's address, never the password.
async fn failed_login(
    state: &AppState,
    account: Option<ocpizza_proto::UserId>,
    email: &str,
    ip: std::net::IpAddr,
) -> ApiResult<()> {
    let typed: String = email.chars().take(254).collect();
    let subject = account.map_or_else(|| format!("email:{typed}"), crate::audit::user_subject);
    let entry = crate::audit::Entry::new("auth.login_failed", subject)
        .after(serde_json::json!({ "email": typed, "ip": ip.to_string() }));
    let mut tx = state.db.begin().await?;
    crate::audit::record(&mut tx, None, &[entry]).await?;
    tx.commit().await?;
    Ok(())
}

/// Revokes the session and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "logged out")))]
pub async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if let Some(token) = session_token(&headers) {
        let mut tx = state.db.begin().await?;
        db::delete_session(&mut tx, &hash_token(&token)).await?;
        let published = match caller.id() {
            Some(user) => {
                let entry =
                    crate::audit::Entry::new("auth.logout", crate::audit::user_subject(user));
                crate::audit::record(&mut tx, Some(user), &[entry]).await?;
                super::access_changed(&mut tx, user, user, "logout").await?
            }
            None => Vec::new(),
        };
        crate::events::commit(tx, published, &state.bus).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    set_cookie(&mut response, &cookie(&state, "", 0));
    Ok(response)
}

/// The logged-in account and its roles.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = ocpizza_proto::ErrorBody)))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Me>> {
    let user = caller.user()?;
    Ok(Json(me_of(&state, user).await?))
}

/// Who is visiting: the session's account, or `null` for an anonymous visitor (never `401`).
#[utoipa::path(get, path = "/api/v1/auth/session", tag = "auth",
    responses((status = 200, body = Visitor)))]
pub async fn session(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Visitor>> {
    let me = match caller.0.as_ref() {
        Some(user) => Some(me_of(&state, user).await?),
        None => None,
    };
    Ok(Json(Visitor { me }))
}

async fn me_of(state: &AppState, user: &super::AuthUser) -> ApiResult<Me> {
    let names = crate::shops::db::names(state.db.pool()).await?;
    Ok(Me {
        id: user.id,
        email: user.email.clone(),
        name: user.name.clone(),
        phone: user.phone.clone(),
        admin: user.admin,
        roles: user
            .roles
            .iter()
            .map(|(shop, role)| ShopRole {
                shop_id: *shop,
                shop_name: names.get(shop).cloned().unwrap_or_default(),
                role: *role,
            })
            .collect(),
    })
}

async fn start_session(
    state: &AppState,
    id: ocpizza_proto::UserId,
    ip: std::net::IpAddr,
) -> ApiResult<Response> {
    let token = random_token(32);
    let mut tx = state.db.begin().await?;
    db::insert_session(&mut tx, &hash_token(&token), id, state.config.session_hours).await?;
    let entry = crate::audit::Entry::new("auth.login", crate::audit::user_subject(id))
        .after(serde_json::json!({ "ip": ip.to_string() }));
    crate::audit::record(&mut tx, Some(id), &[entry]).await?;
    tx.commit().await?;
    let user = db::user_by_id(state.db.pool(), id)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let mut response = Json(me_of(state, &user).await?).into_response();
    set_cookie(
        &mut response,
        &cookie(state, &token, state.config.session_hours * 3600),
    );
    Ok(response)
}

/// Clears the session cookie in `response` (the session itself is ended by the caller).
pub(crate) fn clear_session_cookie(state: &AppState, response: &mut Response) {
    set_cookie(response, &cookie(state, "", 0));
}

fn cookie(state: &AppState, value: &str, max_age_secs: i64) -> String {
    let secure = if state.config.is_https() {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    )
}

fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
}
