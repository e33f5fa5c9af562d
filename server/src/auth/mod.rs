//! Accounts, sessions and the caller extractor every handler uses to decide who may do what.
//!
//! Sessions are random 256-bit tokens in an HttpOnly, SameSite=Lax cookie (`Secure` behind
//! HTTPS); the database keeps only their SHA-256, so a leaked backup holds no usable session.

pub mod db;
pub mod handlers;
pub mod limit;
pub mod password;
pub mod recovery;

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use ocpizza_proto::{Actor, ShopId, StaffRole, UserId};
use sha2::{Digest, Sha256};

pub use handlers::router;

/// The cookie holding the session token.
pub const SESSION_COOKIE: &str = "ocpizza_session";

/// A logged-in account with its roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    /// Account id.
    pub id: UserId,
    /// E-mail.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Phone, if known.
    pub phone: Option<String>,
    /// Group administrator.
    pub admin: bool,
    /// `(shop, role)` pairs.
    pub roles: Vec<(ShopId, StaffRole)>,
}

impl AuthUser {
    /// Whether the account holds `role` in `shop`.
    pub fn has_role(&self, shop: ShopId, role: StaffRole) -> bool {
        self.roles.contains(&(shop, role))
    }

    /// Whether the account holds any of `roles` in `shop` (admins always do).
    pub fn has_any(&self, shop: ShopId, roles: &[StaffRole]) -> bool {
        self.admin || roles.iter().any(|r| self.has_role(shop, *r))
    }

    /// Whether the account is staff of `shop` in any role (admins are).
    pub fn is_staff_of(&self, shop: ShopId) -> bool {
        self.admin || self.roles.iter().any(|(s, _)| *s == shop)
    }

    /// Manager of `shop`, or admin.
    pub fn manages(&self, shop: ShopId) -> bool {
        self.has_any(shop, &[StaffRole::Manager])
    }

    /// The status-machine actors this account is for an order of `shop`.
    pub fn actors_in(&self, shop: ShopId) -> Vec<Actor> {
        let mut actors: Vec<Actor> = self
            .roles
            .iter()
            .filter(|(s, _)| *s == shop)
            .map(|(_, r)| Actor::Staff(*r))
            .collect();
        if self.admin {
            actors.push(Actor::Admin);
        }
        actors
    }

    /// Shops where the account holds `role`.
    pub fn shops_with(&self, role: StaffRole) -> Vec<ShopId> {
        self.roles
            .iter()
            .filter(|(_, r)| *r == role)
            .map(|(s, _)| *s)
            .collect()
    }
}

/// Who is calling: an account, or an anonymous visitor. Every handler takes one and decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller(pub Option<AuthUser>);

impl Caller {
    /// The account, or 401.
    pub fn user(&self) -> Result<&AuthUser, ApiError> {
        self.0.as_ref().ok_or(ApiError::Unauthenticated)
    }

    /// The account if it is a group administrator; 401/403 otherwise.
    pub fn admin(&self) -> Result<&AuthUser, ApiError> {
        let user = self.user()?;
        if user.admin {
            Ok(user)
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// The account if it holds one of `roles` in `shop` (or is admin); 401/403 otherwise.
    pub fn staff(&self, shop: ShopId, roles: &[StaffRole]) -> Result<&AuthUser, ApiError> {
        let user = self.user()?;
        if user.has_any(shop, roles) {
            Ok(user)
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// The account id, if any.
    pub fn id(&self) -> Option<UserId> {
        self.0.as_ref().map(|u| u.id)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let caller = match session_token(&parts.headers) {
            Some(token) => Caller(db::user_by_session(state.db.pool(), &hash_token(&token)).await?),
            None => Caller(None),
        };
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

/// The hash of the request's session token, as the database keeps it (`None` without a session
/// cookie): what a long-lived connection presents later to read its account again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Session(
            session_token(&parts.headers).map(|token| hash_token(&token)),
        ))
    }
}

/// Writes, in `tx`, that `user`'s access changed (done by `actor`): every live connection of
/// the account, on any instance, then checks its session and subscriptions again.
pub async fn access_changed(
    tx: &mut crate::db::Tx,
    actor: UserId,
    user: UserId,
    reason: &str,
) -> Result<Vec<crate::events::Published>, ApiError> {
    let mut outbox = crate::events::Outbox::new(Some(actor));
    outbox.push(
        vec![ocpizza_proto::events::Stream::User(user)],
        ocpizza_proto::events::Event::AccessChanged {
            user_id: user,
            reason: reason.to_owned(),
        },
    );
    outbox.write(tx).await
}

/// The session token from the `Cookie` header, if any.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// What the database stores for a session token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A fresh random token of `bytes` bytes, hex-encoded (sessions: 32, tracking: 16).
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(&mut buf[..]);
    hex::encode(buf)
}
