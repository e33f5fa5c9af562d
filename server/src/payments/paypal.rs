//! PayPal (Orders v2, intent AUTHORIZE): interface the flow relies on.
#![allow(clippy::unused_async)]
// NOTE: placeholder until the PayPal client lands; every call says PayPal is unavailable.

use super::provider::{Observed, ProviderError};
use super::settings::PaypalSettings;
use ocpizza_proto::{Money, OrderId};

/// A PayPal REST app.
#[derive(Debug)]
pub struct Paypal {
    _settings: PaypalSettings,
}

/// A verified PayPal notification.
#[derive(Debug, Clone)]
pub struct PaypalEvent {
    /// `WH-…`.
    pub id: String,
    /// `PAYMENT.CAPTURE.COMPLETED`, …
    pub kind: String,
    /// The PayPal order it names.
    pub order_ref: Option<String>,
    /// The authorization it names.
    pub authorization_ref: Option<String>,
    /// The capture it names.
    pub capture_ref: Option<String>,
}

fn missing() -> ProviderError {
    ProviderError::Unavailable("PayPal is not available in this build".into())
}

impl Paypal {
    /// A client for `settings`.
    pub fn new(settings: PaypalSettings) -> Paypal {
        Paypal {
            _settings: settings,
        }
    }
    /// Creates a PayPal order.
    pub async fn create_order(
        &self,
        _order: OrderId,
        _amount: Money,
        _return_url: &str,
        _cancel_url: &str,
        _request_id: &str,
    ) -> Result<(String, String), ProviderError> {
        Err(missing())
    }
    /// Authorises an approved order.
    pub async fn authorize(&self, _o: &str, _r: &str) -> Result<Observed, ProviderError> {
        Err(missing())
    }
    /// The payment's state.
    pub async fn fetch(&self, _o: &str, _a: Option<&str>) -> Result<Observed, ProviderError> {
        Err(missing())
    }
    /// Captures.
    pub async fn capture(&self, _a: &str, _m: Money, _r: &str) -> Result<String, ProviderError> {
        Err(missing())
    }
    /// Voids.
    pub async fn void(&self, _a: &str, _r: &str) -> Result<(), ProviderError> {
        Err(missing())
    }
    /// Refunds.
    pub async fn refund(&self, _c: &str, _m: Money, _r: &str) -> Result<String, ProviderError> {
        Err(missing())
    }
    /// Verifies a webhook.
    pub async fn verify_webhook(
        &self,
        _h: &axum::http::HeaderMap,
        _b: &[u8],
    ) -> Result<PaypalEvent, ProviderError> {
        Err(missing())
    }
    /// Reachability.
    pub async fn check(&self) -> Result<(), ProviderError> {
        Err(missing())
    }
}
