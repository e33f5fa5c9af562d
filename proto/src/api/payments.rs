//! Online payment: what the checkout needs to offer it, what the customer must do next, and
//! the money movements staff see.
//!
//! The money flow: an order paid online is created `awaiting_payment` with its stock reserved;
//! the customer authorises the total (a hold on the card, or a PayPal approval); the order then
//! becomes `placed`. Cancelling before the kitchen starts voids the hold; the kitchen starting
//! the order captures it; a staff cancellation after that refunds. No card number ever reaches
//! this server: Stripe.js or PayPal's own page collects it.

use crate::ids::{OrderId, UserId};
use crate::money::Money;
use crate::status::{PaymentMethod, PaymentStatus};
use serde::{Deserialize, Serialize};

/// A payment provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// Stripe (PaymentIntents with manual capture).
    Stripe,
    /// PayPal (Orders v2 with `intent: AUTHORIZE`).
    Paypal,
}

impl Provider {
    /// The snake_case name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Stripe => "stripe",
            Provider::Paypal => "paypal",
        }
    }

    /// Parses [`Provider::as_str`] back.
    pub fn parse(s: &str) -> Option<Provider> {
        [Provider::Stripe, Provider::Paypal]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// `GET /api/v1/payments/config`: whether the checkout offers online payment, and with what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PaymentConfig {
    /// The provider taking online payments; none: online payment is not offered.
    pub provider: Option<Provider>,
    /// Stripe's publishable key (public by design), when the provider is Stripe.
    #[serde(default)]
    pub stripe_publishable_key: Option<String>,
    /// Where the checkout loads Stripe.js from, when the provider is Stripe.
    #[serde(default)]
    pub stripe_js_url: Option<String>,
    /// Minutes a customer has to authorise the payment before the order is cancelled.
    pub timeout_minutes: u32,
}

/// What the customer must do next to pay an order online.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NextStep {
    /// Enter a card in Stripe's card field, then send the token Stripe.js gives for it to
    /// `POST /api/v1/track/{token}/payment/card`.
    EnterCard {
        /// Stripe's publishable key.
        publishable_key: String,
        /// Where Stripe.js is loaded from.
        js_url: String,
    },
    /// The bank asks the cardholder to authenticate (3-D Secure): call Stripe.js's
    /// `confirmCardPayment(client_secret)`, then `POST /api/v1/track/{token}/payment/refresh`.
    Authenticate {
        /// Stripe's publishable key.
        publishable_key: String,
        /// Where Stripe.js is loaded from.
        js_url: String,
        /// The PaymentIntent's client secret (lets Stripe.js finish this payment only).
        client_secret: String,
    },
    /// Approve the payment on PayPal's site; PayPal sends the customer back to the tracker,
    /// which then calls `POST /api/v1/track/{token}/payment/refresh`.
    Approve {
        /// PayPal's approval page for this payment.
        url: String,
    },
}

/// `GET /api/v1/track/{token}/payment` and the answer to each payment step: where the order's
/// online payment stands for its customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PaymentState {
    /// The order.
    pub order_id: OrderId,
    /// How it is paid now (the customer may have switched to paying on delivery).
    pub payment_method: PaymentMethod,
    /// Where the money stands.
    pub payment_status: PaymentStatus,
    /// The order's version after the step (to edit or cancel it next).
    pub version: i64,
    /// The provider of the current attempt, if any.
    #[serde(default)]
    pub provider: Option<Provider>,
    /// What the customer must do now; none once authorised (or when nothing can be done).
    #[serde(default)]
    pub next: Option<NextStep>,
    /// Why the last attempt failed, as the provider said it ("Your card was declined.").
    #[serde(default)]
    pub declined: Option<String>,
    /// When the order is cancelled if the payment is still not authorised.
    #[serde(default)]
    pub expires_at: Option<jiff::Timestamp>,
}

/// `POST /api/v1/track/{token}/payment/card`: the token Stripe.js made of the card the customer
/// typed (the card itself never reaches this server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CardToken {
    /// Stripe's card token, `tok_…`.
    #[cfg_attr(feature = "server", schema(pattern = "^tok_[A-Za-z0-9_]{1,200}$"))]
    pub token: String,
}

/// `POST /api/v1/track/{token}/payment/switch`: give up paying online and pay on delivery (a
/// delivery) or at the counter (a pickup) instead; the order then reaches the kitchen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SwitchPayment {
    /// `cash_on_delivery` for a delivery, `at_counter` for a pickup.
    pub payment_method: PaymentMethod,
}

/// `POST /api/v1/orders/{id}/refund` (managers of the shop, admins): gives back all or part of
/// what was captured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// Cents to give back; all that is left when absent.
    #[serde(default)]
    pub amount: Option<Money>,
    /// Why (kept in the order's history and the audit trail).
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 300))]
    pub reason: String,
}

/// A money movement asked of the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OperationKind {
    /// Hold the amount (the customer's own step).
    Authorise,
    /// Take what is held.
    Capture,
    /// Release what is held.
    Void,
    /// Give back what was taken.
    Refund,
}

impl OperationKind {
    /// The snake_case name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationKind::Authorise => "authorise",
            OperationKind::Capture => "capture",
            OperationKind::Void => "void",
            OperationKind::Refund => "refund",
        }
    }

    /// Parses [`OperationKind::as_str`] back.
    pub fn parse(s: &str) -> Option<OperationKind> {
        [
            OperationKind::Authorise,
            OperationKind::Capture,
            OperationKind::Void,
            OperationKind::Refund,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Where a movement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OperationState {
    /// Asked, the provider has not confirmed yet (retried until it answers).
    Pending,
    /// Done at the provider.
    Done,
    /// The provider refused it (the error says why).
    Failed,
}

impl OperationState {
    /// The snake_case name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationState::Pending => "pending",
            OperationState::Done => "done",
            OperationState::Failed => "failed",
        }
    }

    /// Parses [`OperationState::as_str`] back.
    pub fn parse(s: &str) -> Option<OperationState> {
        [
            OperationState::Pending,
            OperationState::Done,
            OperationState::Failed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One money movement of an order, as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Operation {
    /// What was asked.
    pub kind: OperationKind,
    /// How much.
    pub amount: Money,
    /// Where it stands.
    pub state: OperationState,
    /// Why (refunds).
    #[serde(default)]
    pub reason: Option<String>,
    /// Who asked (none: the system, on a status change).
    #[serde(default)]
    pub by: Option<UserId>,
    /// When it was asked.
    pub at: jiff::Timestamp,
    /// The provider's refusal, if any.
    #[serde(default)]
    pub error: Option<String>,
}

/// `GET /api/v1/orders/{id}/payment` (the shop's staff, admins): the order's online payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OrderPayment {
    /// The order.
    pub order_id: OrderId,
    /// How it is paid.
    pub payment_method: PaymentMethod,
    /// Where the money stands.
    pub payment_status: PaymentStatus,
    /// The provider, if paid online.
    #[serde(default)]
    pub provider: Option<Provider>,
    /// Held on the card (current authorisation).
    pub authorised: Money,
    /// Taken.
    pub captured: Money,
    /// Given back.
    pub refunded: Money,
    /// Every movement, oldest first.
    pub operations: Vec<Operation>,
}
