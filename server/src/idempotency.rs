//! `Idempotency-Key` support for order creation and status changes: the first successful
//! result is stored in the same transaction as the change; a replay with the same key returns
//! it unchanged (with `Idempotent-Replayed: true`) and changes nothing. Reusing a key for a
//! different request is refused. Failed attempts store nothing, so they may be retried.

use crate::auth::Caller;
use crate::db::script::Script;
use crate::db::{Tx, now_ms};
use crate::error::{ApiError, ApiResult};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};

/// The header clients send.
pub const HEADER: &str = "idempotency-key";

/// A key presented with a request, with what identifies the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    scope: String,
    key: String,
    hash: String,
}

impl Pending {
    /// Reads the header; `None` without it. Keys are scoped to the caller and the path, and
    /// bound to a hash of the request body.
    pub fn from_request(
        headers: &HeaderMap,
        caller: &Caller,
        path: &str,
        body: &impl Serialize,
    ) -> ApiResult<Option<Pending>> {
        let Some(raw) = headers.get(HEADER) else {
            return Ok(None);
        };
        let key = raw
            .to_str()
            .ok()
            .filter(|k| (8..=128).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| {
                ApiError::field(
                    "Idempotency-Key",
                    "must be 8 to 128 visible ASCII characters",
                )
            })?;
        let who = caller
            .id()
            .map_or_else(|| "guest".to_owned(), |id| id.to_string());
        let body = serde_json::to_vec(body).map_err(|e| ApiError::Internal(e.into()))?;
        Ok(Some(Pending {
            scope: format!("{who} {path}"),
            key: key.to_owned(),
            hash: hex::encode(Sha256::digest(&body)),
        }))
    }

    /// A guest's key scoped to the client address too: guests have no account to tell them
    /// apart, and another client that happens to send the same key (and body) must never get
    /// the first guest's order and tracking token back. A guest retrying from another network
    /// gets a second order, which the shop can cancel; a leak cannot be taken back.
    #[must_use]
    pub fn guest_at(mut self, ip: std::net::IpAddr) -> Pending {
        if let Some(path) = self.scope.strip_prefix("guest ") {
            self.scope = format!("guest@{ip} {path}");
        }
        self
    }

    /// The stored response for this key, if the request was already carried out.
    pub async fn replay(&self, pool: &AnyPool) -> ApiResult<Option<Response>> {
        let row = sqlx::query(
            "SELECT request_hash, status, body FROM idempotency_keys WHERE scope = $1 AND key = $2",
        )
        .bind(&self.scope)
        .bind(&self.key)
        .fetch_optional(pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        if row.try_get::<String, _>("request_hash")? != self.hash {
            return Err(ApiError::IdempotencyKeyReused);
        }
        let status = u16::try_from(row.try_get::<i64, _>("status")?)
            .ok()
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::OK);
        let body: String = row.try_get("body")?;
        let mut response =
            (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
        Ok(Some(response))
    }

    /// Stores the response within the change's transaction, with the other writes of
    /// `script`. A concurrent twin that committed first makes the script fail with a unique
    /// violation; see [`run`].
    pub fn record_into<'a>(
        &'a self,
        tx: &Tx,
        script: &mut Script<'a>,
        status: StatusCode,
        body: String,
    ) {
        let sql = format!(
            "INSERT INTO idempotency_keys (scope, key, request_hash, status, body, created_at) \
             VALUES {}",
            crate::db::values(tx, 1, 6)
        );
        script.push(sql, 1, move |q| {
            q.bind(&self.scope)
                .bind(&self.key)
                .bind(&self.hash)
                .bind(i64::from(status.as_u16()))
                .bind(body)
                .bind(now_ms())
        });
    }
}

/// Runs `change` at most once per key: replays a stored result, or runs it and, if a
/// concurrent request with the same key won the race, returns that one's result instead.
pub async fn run<T: Serialize>(
    pool: &AnyPool,
    pending: Option<Pending>,
    status: StatusCode,
    change: impl AsyncFnOnce(Option<&Pending>) -> ApiResult<T>,
) -> ApiResult<Response> {
    if let Some(p) = &pending
        && let Some(stored) = p.replay(pool).await?
    {
        return Ok(stored);
    }
    match change(pending.as_ref()).await {
        Ok(value) => Ok((status, axum::Json(value)).into_response()),
        Err(ApiError::Database(e)) if crate::db::is_unique_violation(&e) && pending.is_some() => {
            let p = pending.as_ref().expect("checked above");
            p.replay(pool).await?.ok_or(ApiError::Database(e))
        }
        Err(e) => Err(e),
    }
}

/// Deletes keys older than `days` days.
pub async fn purge(conn: &mut sqlx::AnyConnection, days: i64) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind(now_ms() - days * 86_400_000)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected())
}
