//! Account recovery: a password reset link sent by e-mail, used once within 30 minutes.
//!
//! `POST /api/v1/auth/password/forgot` answers `202` with the same body whether or not the
//! address has an account, and just as fast: the look-up, the token and the message are made
//! after the answer, in the background. Only the token's SHA-256 is stored; the link carries
//! the token itself. `POST /api/v1/auth/password/reset` sets the new password (the
//! registration's strength rules), uses the token up (one winner when two requests race), voids
//! the account's other links and ends every session of the account.
//!
//! The message itself waits in the `notifications` table until sent, link included, for as
//! long as the link works (the row expires with it).

pub mod db;

use super::{hash_token, password, random_token};
use crate::db::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::net::ClientIp;
use crate::notify::mail::{self, templates::Lang};
use crate::state::AppState;
use crate::validate;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use ocpizza_proto::api::auth::{ForgotPassword, ResetPassword, ResetRequested};

/// How long a reset link works.
pub const LINK_MINUTES: i64 = 30;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/password/forgot", post(forgot))
        .route("/api/v1/auth/password/reset", post(reset))
}

/// Sends a password reset link to the address if it has an account (customer or staff).
///
/// Always `202` with the same body; the message goes out in the language of
/// `Accept-Language` (French by default). Limited per client address and per e-mail address
/// (`429` with `Retry-After`). With e-mail off the answer is the same and no link is made.
#[utoipa::path(post, path = "/api/v1/auth/password/forgot", tag = "auth",
    request_body = ForgotPassword,
    responses((status = 202, body = ResetRequested),
              (status = 422, description = "not an e-mail address", body = ocpizza_proto::ErrorBody),
              (status = 429, body = ocpizza_proto::ErrorBody,
               headers(("Retry-After" = u64, description = "seconds before another link may be asked for")))))]
pub async fn forgot(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(req): Json<ForgotPassword>,
) -> ApiResult<(StatusCode, Json<ResetRequested>)> {
    let email = validate::email("email", &req.email)?;
    state.auth_limits.admit_reset(&email, ip).inspect_err(|_| {
        tracing::warn!(%ip, "password reset rate limit hit");
    })?;
    if mail::is_on(&state.config) {
        let lang = Lang::of_request(&headers);
        let (state, email) = (state.clone(), email.clone());
        tokio::spawn(async move {
            if let Err(e) = send_link(&state, &email, lang).await {
                let error: &(dyn std::error::Error + 'static) = &*e;
                tracing::error!(error, "password reset link not queued");
            }
        });
    } else {
        tracing::warn!(
            "password reset asked for, but e-mail is off (OCPIZZA_SMTP_URL unset): no link \
             can be sent"
        );
    }
    Ok((StatusCode::ACCEPTED, Json(ResetRequested { email })))
}

/// Makes a token for the account of `email`, if there is one, and queues its message.
async fn send_link(state: &AppState, email: &str, lang: Lang) -> anyhow::Result<()> {
    let now = now_ms();
    db::prune(state.db.pool(), now - 24 * 3_600_000).await?;
    let Some((user, name)) = db::account(state.db.pool(), email).await? else {
        tracing::info!("password reset asked for an address without an account");
        return Ok(());
    };
    let token = random_token(32);
    let token_hash = hash_token(&token);
    let expires_at = now + LINK_MINUTES * 60_000;
    let url = format!("{}/reset-password?token={token}", state.config.public_url);
    let message = mail::templates::recovery::password_reset(lang, &name, &url, LINK_MINUTES);
    let key = format!("mail:password-reset:{}", &token_hash[..32]);
    let mut tx = state.db.begin().await?;
    db::insert(&mut tx, &token_hash, user, now, expires_at).await?;
    crate::notify::enqueue(
        &mut tx,
        &[mail::delivery(key, email, &message, now, expires_at)],
    )
    .await?;
    tx.commit().await?;
    state.notify.kick();
    tracing::info!(%user, "password reset link queued");
    Ok(())
}

/// Sets a new password with the token of a reset link, and ends every session of the account.
///
/// `400 reset_link_invalid` for a token that matches no link; `410 reset_link_expired` for a
/// link past its 30 minutes or already used; `422` for a password the registration would
/// refuse. The client logs in with the new password next.
#[utoipa::path(post, path = "/api/v1/auth/password/reset", tag = "auth",
    request_body = ResetPassword,
    responses((status = 204, description = "password changed; every session of the account ended"),
              (status = 400, description = "reset_link_invalid", body = ocpizza_proto::ErrorBody),
              (status = 410, description = "reset_link_expired: expired or already used", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "the password is refused (see `fields`)", body = ocpizza_proto::ErrorBody)))]
pub async fn reset(
    State(state): State<AppState>,
    Json(req): Json<ResetPassword>,
) -> ApiResult<StatusCode> {
    let token = req.token.trim();
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::ResetLinkInvalid);
    }
    let token_hash = hash_token(&token.to_ascii_lowercase());
    let found = db::find(state.db.pool(), &token_hash)
        .await?
        .ok_or(ApiError::ResetLinkInvalid)?;
    usable(&found, now_ms())?;
    let user = super::db::user_by_id(state.db.pool(), found.user_id)
        .await?
        .ok_or(ApiError::ResetLinkInvalid)?;
    password::check_strength("password", &req.password, &user.email, &user.name).await?;
    let hash = password::hash(req.password, state.config.hashing).await?;
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    if !db::consume(&mut tx, &token_hash, now).await? {
        tx.rollback().await?;
        return Err(ApiError::ResetLinkExpired(USED));
    }
    db::set_password(&mut tx, user.id, &hash, now).await?;
    let entry =
        crate::audit::Entry::new("auth.password_reset", crate::audit::user_subject(user.id));
    crate::audit::record(&mut tx, Some(user.id), &[entry]).await?;
    let published = super::access_changed(&mut tx, user.id, user.id, "password reset").await?;
    tx.commit().await?;
    state.bus.publish(published);
    tracing::info!(user = %user.id, "password reset; every session ended");
    Ok(StatusCode::NO_CONTENT)
}

const USED: &str = "this password reset link was already used; ask for a new one if needed";

/// Whether a stored token may still be used at `now`.
fn usable(reset: &db::Reset, now: i64) -> ApiResult<()> {
    if reset.used_at.is_some() {
        return Err(ApiError::ResetLinkExpired(USED));
    }
    if reset.expires_at <= now {
        return Err(ApiError::ResetLinkExpired(
            "this password reset link has expired (links work for 30 minutes); ask for a new one",
        ));
    }
    Ok(())
}
