//! Subscribing over HTTP: the server's public key (public), a customer following an order with
//! its tracking token (no account needed: the token is the secret), staff with their session.

use super::db::{self, Owner};
use crate::auth::Caller;
use crate::db::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ocpizza_proto::StaffRole;
use ocpizza_proto::api::push::{PushKey, Subscribe, Subscribed, Unsubscribe};
use std::collections::BTreeMap;

/// Longest endpoint accepted (push services' URLs are a few hundred characters).
const MAX_ENDPOINT: usize = 1000;
/// Browsers one order, or one staff member, may have notified.
const MAX_DEVICES: i64 = 10;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/push/key", get(key))
        .route(
            "/api/v1/track/{token}/push",
            post(follow_order).delete(unfollow_order),
        )
        .route(
            "/api/v1/push/subscriptions",
            post(subscribe_staff).delete(unsubscribe_staff),
        )
}

/// The server's VAPID public key: the `applicationServerKey` a browser subscribes with.
#[utoipa::path(get, path = "/api/v1/push/key", tag = "push",
    responses((status = 200, body = PushKey)))]
pub async fn key(State(state): State<AppState>) -> ApiResult<Json<PushKey>> {
    let public_key = super::keys::public(state.db.pool())
        .await?
        .ok_or(ApiError::NotFound("push key"))?;
    Ok(Json(PushKey { public_key }))
}

/// Sends the order's progress to this browser (accepted, in preparation, on its way,
/// delivered, cancelled, a payment problem), in the language given.
#[utoipa::path(post, path = "/api/v1/track/{token}/push", tag = "push",
    params(("token" = String, Path, pattern = "^[0-9a-fA-F]{32}$", description = "the order's tracking token")),
    request_body = Subscribe,
    responses((status = 201, body = Subscribed),
              (status = 404, description = "no order has this token", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "ten devices already follow this order", body = ocpizza_proto::ErrorBody),
              (status = 410, description = "the order was finished long ago: the link expired", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "not a push subscription (see `fields`)", body = ocpizza_proto::ErrorBody)))]
pub async fn follow_order(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Json(req): Json<Subscribe>,
) -> ApiResult<(StatusCode, Json<Subscribed>)> {
    let rec = crate::orders::by_token(&state, &token).await?;
    let keys = check(&req)?;
    store(&state, &req, keys, Owner::Order(rec.order.id)).await?;
    Ok((
        StatusCode::CREATED,
        Json(Subscribed {
            kind: "order".into(),
            topics: vec!["order".into()],
        }),
    ))
}

/// Stops the order's notifications to this browser; 404 when this order has no subscription
/// with that endpoint (another order's stays as it is).
#[utoipa::path(delete, path = "/api/v1/track/{token}/push", tag = "push",
    params(("token" = String, Path, pattern = "^[0-9a-fA-F]{32}$", description = "the order's tracking token")),
    request_body = Unsubscribe,
    responses((status = 204, description = "forgotten"),
              (status = 404, description = "no order has this token, or it has no such subscription", body = ocpizza_proto::ErrorBody),
              (status = 410, description = "the link expired", body = ocpizza_proto::ErrorBody)))]
pub async fn unfollow_order(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Json(req): Json<Unsubscribe>,
) -> ApiResult<StatusCode> {
    let rec = crate::orders::by_token(&state, &token).await?;
    forget(&state, &req.endpoint, Owner::Order(rec.order.id)).await
}

/// Sends this staff member's alerts to this browser: drivers get the orders ready for
/// delivery in their shops and those assigned to them; managers (and admins) low stock, late
/// orders and kitchen displays gone offline. What is sent follows the roles held when it is.
#[utoipa::path(post, path = "/api/v1/push/subscriptions", tag = "push",
    request_body = Subscribe,
    responses((status = 201, body = Subscribed),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "neither a driver nor a manager: nothing to notify", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "ten devices of this account already receive them", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "not a push subscription (see `fields`)", body = ocpizza_proto::ErrorBody)))]
pub async fn subscribe_staff(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<Subscribe>,
) -> ApiResult<(StatusCode, Json<Subscribed>)> {
    let user = caller.user()?;
    let mut topics = Vec::new();
    if user.roles.iter().any(|(_, r)| *r == StaffRole::Driver) {
        topics.push("driver".to_owned());
    }
    if user.admin || user.roles.iter().any(|(_, r)| *r == StaffRole::Manager) {
        topics.push("manager".to_owned());
    }
    if topics.is_empty() {
        return Err(ApiError::Denied(
            "notifications are sent to drivers and managers only",
        ));
    }
    let keys = check(&req)?;
    store(&state, &req, keys, Owner::Staff(user.id)).await?;
    Ok((
        StatusCode::CREATED,
        Json(Subscribed {
            kind: "staff".into(),
            topics,
        }),
    ))
}

/// Stops this staff member's alerts to this browser.
#[utoipa::path(delete, path = "/api/v1/push/subscriptions", tag = "push",
    request_body = Unsubscribe,
    responses((status = 204, description = "forgotten"),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no subscription of yours has this endpoint", body = ocpizza_proto::ErrorBody)))]
pub async fn unsubscribe_staff(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<Unsubscribe>,
) -> ApiResult<StatusCode> {
    let user = caller.user()?;
    forget(&state, &req.endpoint, Owner::Staff(user.id)).await
}

/// Stores the subscription, unless its owner already has [`MAX_DEVICES`] others.
async fn store(
    state: &AppState,
    req: &Subscribe,
    keys: (&str, &str),
    owner: Owner,
) -> ApiResult<()> {
    let endpoint = &req.subscription.endpoint;
    let mut tx = state.db.begin().await?;
    if db::count_others(&mut tx, owner, endpoint).await? >= MAX_DEVICES {
        return Err(ApiError::Conflict(format!(
            "at most {MAX_DEVICES} devices receive these notifications: turn them off on one first"
        )));
    }
    db::upsert(&mut tx, endpoint, keys, req.lang, owner, now_ms()).await?;
    tx.commit().await?;
    Ok(())
}

async fn forget(state: &AppState, endpoint: &str, owner: Owner) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin().await?;
    let removed = db::remove(&mut tx, endpoint, owner).await?;
    tx.commit().await?;
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("subscription"))
    }
}

/// Checks a subscription: an https endpoint (plain http only on this machine, for local push
/// services), a P-256 public key and a 16-byte secret, both base64url. Returns the keys.
fn check(req: &Subscribe) -> ApiResult<(&str, &str)> {
    let sub = &req.subscription;
    let mut fields = BTreeMap::new();
    if let Err(problem) = endpoint(&sub.endpoint) {
        fields.insert("subscription.endpoint".to_owned(), problem.to_owned());
    }
    match decode(&sub.keys.p256dh) {
        Some(k) if k.len() == 65 && k[0] == 4 => {}
        _ => {
            fields.insert(
                "subscription.keys.p256dh".to_owned(),
                "must be a P-256 public key: 65 bytes (uncompressed point), base64url".to_owned(),
            );
        }
    }
    if decode(&sub.keys.auth).is_none_or(|k| k.len() != 16) {
        fields.insert(
            "subscription.keys.auth".to_owned(),
            "must be 16 bytes, base64url".to_owned(),
        );
    }
    if fields.is_empty() {
        Ok((
            sub.keys.p256dh.trim_end_matches('='),
            sub.keys.auth.trim_end_matches('='),
        ))
    } else {
        let message = fields
            .iter()
            .map(|(f, p)| format!("{f}: {p}"))
            .collect::<Vec<_>>()
            .join("; ");
        Err(ApiError::Invalid { message, fields })
    }
}

/// base64url, with or without padding.
fn decode(value: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(value.trim_end_matches('=')).ok()
}

fn endpoint(value: &str) -> Result<(), &'static str> {
    if value.len() > MAX_ENDPOINT {
        return Err("too long");
    }
    let url = url::Url::parse(value).map_err(|_| "must be an absolute URL")?;
    let local = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    // The server posts to whatever a subscription names: a push service has a domain name,
    // and an address of the server's own network is refused (this machine is allowed for
    // local push services, as in the tests).
    let named = matches!(url.host(), Some(url::Host::Domain(_)));
    match url.scheme() {
        _ if !named && !local => Err("must be a push service's https URL, with a domain name"),
        "https" | "http" if local => Ok(()),
        "https" => Ok(()),
        _ => Err("must be an https URL"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_endpoints_or_this_machine_are_accepted() {
        assert!(endpoint("https://fcm.googleapis.com/fcm/send/abc").is_ok());
        assert!(endpoint("http://127.0.0.1:4000/push/1").is_ok());
        assert!(endpoint("http://localhost/push/1").is_ok());
        assert!(endpoint("http://push.example.com/x").is_err());
        assert!(endpoint("ftp://push.example.com/x").is_err());
        assert!(endpoint("not a url").is_err());
        assert!(
            endpoint("https://10.0.0.5/push").is_err(),
            "an address of the network"
        );
        assert!(endpoint("https://[fd00::1]/push").is_err());
    }
}
