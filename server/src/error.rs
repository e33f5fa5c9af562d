//! The HTTP error type. Every handler returns `Result<_, ApiError>`; its `IntoResponse` writes
//! the JSON error body from `proto`. Internal causes are logged once, here, and never sent.

use axum::http::{HeaderValue, StatusCode, header};
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
    /// Too many requests of one kind; `retry_after` says when the next one is allowed.
    #[error("{message}")]
    Throttled {
        /// Says what was limited.
        message: String,
        /// Wait before the next attempt (sent as `Retry-After`, in whole seconds).
        retry_after: std::time::Duration,
    },
    /// Maintenance mode: customers' new orders wait until it is over.
    #[error("{message}")]
    Maintenance {
        /// Says so, with the announced end and the operator's message.
        message: String,
        /// Until the announced end (sent as `Retry-After`, in whole seconds).
        retry_after: std::time::Duration,
    },
    /// The payment provider refused the payment; says why, in the provider's words.
    #[error("{0}")]
    PaymentDeclined(String),
    /// The payment provider cannot be reached; nothing was charged.
    #[error("{0}")]
    PaymentUnavailable(String),
    /// A provider notification that does not verify.
    #[error("{0}")]
    BadSignature(String),
    /// A password reset token that matches no link sent.
    #[error("this password reset link is not valid; ask for a new one")]
    ResetLinkInvalid,
    /// A password reset link past its time, or already used; says which.
    #[error("{0}")]
    ResetLinkExpired(&'static str),
    /// Body over the limit.
    #[error("request body too large")]
    PayloadTooLarge,
    /// Cross-site state change.
    #[error("request origin not allowed")]
    BadOrigin,
    /// The request took longer than the server allows.
    #[error("the request took too long; please retry")]
    Timeout,
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
            ApiError::RateLimited | ApiError::Throttled { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, C::RateLimited)
            }
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, C::PayloadTooLarge),
            ApiError::PaymentDeclined(_) => (StatusCode::PAYMENT_REQUIRED, C::PaymentDeclined),
            ApiError::PaymentUnavailable(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, C::PaymentUnavailable)
            }
            ApiError::BadSignature(_) => (StatusCode::BAD_REQUEST, C::BadSignature),
            ApiError::ResetLinkInvalid => (StatusCode::BAD_REQUEST, C::ResetLinkInvalid),
            ApiError::ResetLinkExpired(_) => (StatusCode::GONE, C::ResetLinkExpired),
            ApiError::Maintenance { .. } => (StatusCode::SERVICE_UNAVAILABLE, C::Maintenance),
            ApiError::BadOrigin => (StatusCode::FORBIDDEN, C::BadOrigin),
            ApiError::Database(e) if is_foreign_key_violation(e) => {
                (StatusCode::UNPROCESSABLE_ENTITY, C::InvalidInput)
            }
            ApiError::Database(e) if is_contention(e) || is_outage(e) || is_disk_full(e) => {
                (StatusCode::SERVICE_UNAVAILABLE, C::Unavailable)
            }
            ApiError::Timeout => (StatusCode::SERVICE_UNAVAILABLE, C::Unavailable),
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

/// The database cannot be reached: pool exhausted or closed, connection lost or refused,
/// server shutting down or starting. The request changed nothing; a retry later may succeed.
pub fn is_outage(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => true,
        // Class 08: connection exception; 57P01–57P03: shutdown, crash, not yet accepting;
        // 55000 when the database refuses new connections (maintenance).
        sqlx::Error::Database(db) => db.code().is_some_and(|c| {
            c.starts_with("08")
                || matches!(&*c, "57P01" | "57P02" | "57P03")
                || (c == "55000" && db.message().contains("accepting connections"))
        }),
        _ => false,
    }
}

/// A row refers to one that does not exist (SQLite 787, PostgreSQL 23503): an id in the
/// request named nothing. The transaction rolled back; nothing changed.
fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = e else {
        return false;
    };
    matches!(db.code().as_deref(), Some("787" | "23503"))
}

/// The database could not write: SQLite's disk full (13) or I/O error (10 and its extended
/// codes), PostgreSQL's disk full (53100).
pub fn is_disk_full(e: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = e else {
        return false;
    };
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        return db
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .is_some_and(|c| c & 0xff == 13 || c & 0xff == 10);
    }
    db.code().as_deref() == Some("53100")
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
            // As an error value: the log shows its chain, and Sentry gets it as exceptions.
            ApiError::Internal(e) => {
                let error: &(dyn std::error::Error + 'static) = &**e;
                tracing::error!(error, "internal error");
            }
            _ => {}
        }
        let message = match &self {
            ApiError::Database(e) if is_disk_full(e) => {
                "the server cannot write its data (storage full or failing); nothing was changed, please retry later".to_owned()
            }
            ApiError::Database(e) if is_foreign_key_violation(e) => {
                "the request refers to something that does not exist".to_owned()
            }
            ApiError::Database(e) if is_outage(e) => {
                "the database is unavailable; nothing was changed, please retry shortly".to_owned()
            }
            _ if code == ErrorCode::Unavailable && !matches!(self, ApiError::Timeout) => {
                "the service is busy; please retry".to_owned()
            }
            _ => self.to_string(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message,
                fields,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let ApiError::Throttled { retry_after, .. } | ApiError::Maintenance { retry_after, .. } =
            &self
        {
            let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        } else if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
