//! The JSON error body every failed request returns:
//! `{ "error": { "code": "out_of_stock", "message": "…", "fields": { "lines[0].quantity": "…" } } }`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A stable, machine-readable error code; `message` is for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body or query is malformed or a field is invalid (see `fields`).
    InvalidInput,
    /// No valid session.
    Unauthenticated,
    /// Logged in, but this role may not do this.
    Forbidden,
    /// The resource does not exist (or is not visible to the caller).
    NotFound,
    /// Not enough stock for a line; the message names the pizza and the ingredient.
    OutOfStock,
    /// The request's `version` is not the current one: reload and try again.
    StaleVersion,
    /// The order's status does not allow this (edit after the kitchen started, …).
    InvalidTransition,
    /// The order was cancelled in the meantime (a driver's queued action came too late).
    OrderCancelled,
    /// Another driver has this order.
    AssignedToOtherDriver,
    /// The order is not out for delivery (positions are only taken during a delivery).
    NotOutForDelivery,
    /// The order was finished long enough ago that its tracking link no longer works.
    TrackingExpired,
    /// The shop is paused by its manager.
    ShopPaused,
    /// The shop is closed at this hour.
    ShopClosed,
    /// A unique value is taken (e-mail already registered, …).
    Conflict,
    /// The same `Idempotency-Key` was used for a different request.
    IdempotencyKeyReused,
    /// Too many attempts; retry later (the `Retry-After` header says when).
    RateLimited,
    /// This phone number already has as many orders waiting for a shop as allowed.
    TooManyOpenOrders,
    /// The body is larger than allowed.
    PayloadTooLarge,
    /// The request's `Origin` is not this site.
    BadOrigin,
    /// Something failed on our side; the details are in the server log.
    Internal,
    /// A dependency (the database) is unavailable.
    Unavailable,
    /// The site is in maintenance: customers cannot order now (`Retry-After` says when to
    /// try again).
    Maintenance,
    /// The payment provider refused the payment (card declined, authentication failed): the
    /// customer may try another card or another way to pay.
    PaymentDeclined,
    /// The payment provider cannot be reached or failed: nothing was charged; retry later or
    /// pay another way.
    PaymentUnavailable,
    /// A provider's notification whose signature, timestamp or shape is not valid.
    BadSignature,
    /// A password reset link that is not one of ours (mistyped, cut short): ask for a new one.
    ResetLinkInvalid,
    /// A password reset link that has expired or was already used: ask for a new one.
    ResetLinkExpired,
}

/// The envelope: `{ "error": … }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable code for programs.
    pub code: ErrorCode,
    /// Human-readable explanation.
    pub message: String,
    /// Field path → problem, for input errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

impl ErrorBody {
    /// An error without field details.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorBody {
            error: ErrorDetail {
                code,
                message: message.into(),
                fields: None,
            },
        }
    }
}
