//! The HTTP error type. Every handler returns `Result<_, ApiError>`; its `IntoResponse` writes
//! the JSON error body from `proto`. Internal causes are logged once, here, and never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ocpizza_proto::{ErrorBody, ErrorCode, ErrorDetail};
use std::collections::BTreeMap;

/// What can go wrong while serving a request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Bad input; `fields` maps a field path to what is wrong with it.
    #[error("{message}")]
    Invalid {
        /// Summary.
        message: String,
        /// Field path → problem.
        fields: BTreeMap<String, String>,
    },
    /// No valid session.
    #[error("login required")]
    Unauthenticated,
    /// The caller's roles do not allow this.
    #[error("forbidden")]
    Forbidden,
    /// The caller may not do this, and is told what to do instead.
    #[error("{0}")]
    Denied(&'static str),
    /// The order was finished more than the configured hours ago: its tracking link expired.
    #[error("this order was finished some time ago: its tracking link has expired")]
    TrackingExpired,
    /// Nothing there (or not visible to the caller).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Not enough stock for a line.
    #[error("{message}")]
    OutOfStock {
        /// Names the pizza and the ingredient.
        message: String,
        /// The line concerned.
        fields: BTreeMap<String, String>,
    },
    /// `version` is not current.
    #[error("the order changed in the meantime (now version {current}); reload it")]
    StaleVersion {
        /// The current version.
        current: i64,
    },
    /// The status machine refuses.
    #[error("{0}")]
    InvalidTransition(String),
    /// Paused shop.
    #[error("{0}")]
    ShopPaused(String),
    /// Closed shop.
    #[error("{0}")]
    ShopClosed(String),
    /// Duplicate value.
    #[error("{0}")]
    Conflict(String),
    /// A conflict with its own code, for clients that act on it (a driver's queued action
    /// that came too late, …).
    #[error("{message}")]
    Refused {
        /// `order_cancelled`, `assigned_to_other_driver`, …
        code: ErrorCode,
        /// Said so that the person holding the phone understands.
        message: String,
    },
    /// Same idempotency key, different request.
    #[error("this Idempotency-Key was already used for a different request")]
    IdempotencyKeyReused,
    /// Too many attempts.
    #[error("too many attempts; wait a minute and try again")]
    RateLimited,
    /// Body over the limit.
    #[error("request body too large")]
    PayloadTooLarge,
    /// Cross-site state change.
    #[error("request origin not allowed")]
    BadOrigin,
    /// Database failure.
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// Anything else that is our fault.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// An input error about one field.
    pub fn field(field: impl Into<String>, problem: impl Into<String>) -> ApiError {
        let (field, problem) = (field.into(), problem.into());
        ApiError::Invalid {
            message: format!("{field}: {problem}"),
            fields: BTreeMap::from([(field, problem)]),
        }
    }

    /// An input error without a specific field.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::Invalid {
            message: message.into(),
            fields: BTreeMap::new(),
        }
    }

    fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        use ErrorCode as C;
        match self {
            ApiError::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, C::InvalidInput),
            ApiError::Unauthenticated => (StatusCode::UNAUTHORIZED, C::Unauthenticated),
            ApiError::Forbidden | ApiError::Denied(_) => (StatusCode::FORBIDDEN, C::Forbidden),
            ApiError::TrackingExpired => (StatusCode::GONE, C::TrackingExpired),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, C::NotFound),
            ApiError::OutOfStock { .. } => (StatusCode::CONFLICT, C::OutOfStock),
            ApiError::StaleVersion { .. } => (StatusCode::CONFLICT, C::StaleVersion),
            ApiError::InvalidTransition(_) => (StatusCode::CONFLICT, C::InvalidTransition),
            ApiError::ShopPaused(_) => (StatusCode::CONFLICT, C::ShopPaused),
            ApiError::ShopClosed(_) => (StatusCode::CONFLICT, C::ShopClosed),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, C::Conflict),
            ApiError::Refused { code, .. } => (StatusCode::CONFLICT, *code),
            ApiError::IdempotencyKeyReused => {
                (StatusCode::UNPROCESSABLE_ENTITY, C::IdempotencyKeyReused)
            }
            ApiError::RateLimited => (StatusCode::TOO_MANY_REQUESTS, C::RateLimited),
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, C::PayloadTooLarge),
            ApiError::BadOrigin => (StatusCode::FORBIDDEN, C::BadOrigin),
            ApiError::Database(e) if is_contention(e) => {
                (StatusCode::SERVICE_UNAVAILABLE, C::Unavailable)
            }
            ApiError::Database(sqlx::Error::PoolTimedOut) => {
                (StatusCode::SERVICE_UNAVAILABLE, C::Unavailable)
            }
            ApiError::Database(_) | ApiError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, C::Internal)
            }
        }
    }
}

/// Lock timeouts and serialisation failures: the client may simply retry.
fn is_contention(e: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = e else {
        return false;
    };
    // 40001 serialization_failure, 40P01 deadlock_detected, 55P03 lock_not_available (PG);
    // 5 SQLITE_BUSY, 6 SQLITE_LOCKED.
    matches!(
        db.code().as_deref(),
        Some("40001" | "40P01" | "55P03" | "5" | "6" | "517")
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let fields = match &self {
            ApiError::Invalid { fields, .. } | ApiError::OutOfStock { fields, .. }
                if !fields.is_empty() =>
            {
                Some(fields.clone())
            }
            _ => None,
        };
        match &self {
            ApiError::Database(e) => tracing::error!(error = %e, "database error"),
            ApiError::Internal(e) => tracing::error!(error = format!("{e:#}"), "internal error"),
            _ => {}
        }
        let message = match code {
            ErrorCode::Unavailable => "the service is busy; please retry".to_owned(),
            _ => self.to_string(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message,
                fields,
            },
        };
        (status, axum::Json(body)).into_response()
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
