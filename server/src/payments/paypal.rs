//! PayPal's REST API as the payment flow uses it: an order with `intent: AUTHORIZE` (Orders
//! v2) that the buyer approves on PayPal, its authorization, then the capture, void or refund
//! of that authorization (Payments v2), webhook verification through PayPal's own endpoint,
//! and the OAuth 2.0 client-credentials token all of these need.
//!
//! Every answer is turned into the provider-neutral [`Observed`] / [`ProviderError`]: an
//! unreachable PayPal, a timeout, a 5xx or a 429 is `Unavailable` (retry later with the same
//! `PayPal-Request-Id`), a refused payment method is `Declined`, anything else PayPal refuses
//! is `Rejected`. Amounts travel as PayPal's decimal strings (`"12.50"`), converted to and from
//! integer cents without floating point.
//!
//! The access token is cached until a minute before it expires; a 401 drops it and the call is
//! made once more with a new one. Neither the client secret nor the token is ever logged.

mod wire;

use super::provider::{Observed, ProviderError, http_client};
use super::settings::PaypalSettings;
use ocpizza_proto::{Money, OrderId};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::fmt;
use std::time::{Duration, Instant};
use wire::{
    Failure, answer, eur, event_refs, observe_authorization, observe_order, text, unexpected,
};

/// A token is renewed this long before PayPal says it expires.
const TOKEN_MARGIN: Duration = Duration::from_mins(1);

/// A client of PayPal's REST API, for one merchant account.
pub struct Paypal {
    settings: PaypalSettings,
    http: reqwest::Client,
    token: tokio::sync::Mutex<Option<(String, Instant)>>,
}

impl fmt::Debug for Paypal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token stays out: it is a credential.
        f.debug_struct("Paypal")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// A verified webhook notification: what it is about. The flow asks PayPal for the payment's
/// state rather than trusting the notification's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaypalEvent {
    /// The event's id (`WH-…`), to handle each notification once.
    pub id: String,
    /// `PAYMENT.CAPTURE.COMPLETED`, `CHECKOUT.ORDER.APPROVED`, …
    pub kind: String,
    /// The PayPal order it concerns, when the event names it.
    pub order_ref: Option<String>,
    /// The authorization it concerns, when named.
    pub authorization_ref: Option<String>,
    /// The capture it concerns, when named.
    pub capture_ref: Option<String>,
}

impl Paypal {
    /// A client for the account of `settings`.
    pub fn new(settings: PaypalSettings) -> Paypal {
        Paypal {
            settings,
            http: http_client(),
            token: tokio::sync::Mutex::new(None),
        }
    }

    /// Creates a PayPal order (intent AUTHORIZE) for `amount` EUR; returns (paypal order id,
    /// approval URL).
    pub async fn create_order(
        &self,
        order_id: OrderId,
        amount: Money,
        return_url: &str,
        cancel_url: &str,
        request_id: &str,
    ) -> Result<(String, String), ProviderError> {
        let body = json!({
            "intent": "AUTHORIZE",
            "purchase_units": [{
                "reference_id": order_id.to_string(),
                "custom_id": order_id.to_string(),
                "description": format!("OC Pizza, commande n° {order_id}"),
                "amount": eur(amount)?,
            }],
            "payment_source": {"paypal": {"experience_context": {
                "brand_name": "OC Pizza",
                "locale": "fr-FR",
                "shipping_preference": "NO_SHIPPING",
                "user_action": "PAY_NOW",
                "return_url": return_url,
                "cancel_url": cancel_url,
            }}},
        });
        let order = self
            .call(
                Method::POST,
                "/v2/checkout/orders",
                Some(&body),
                Some(request_id),
            )
            .await?;
        let id = text(&order, "/id").ok_or_else(|| unexpected("an order without id"))?;
        let approve = order
            .get("links")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|l| matches!(l["rel"].as_str(), Some("approve" | "payer-action")))
            .and_then(|l| l["href"].as_str())
            .ok_or_else(|| unexpected("an order without approval link"))?;
        Ok((id, approve.to_owned()))
    }

    /// Authorises an approved order: `Observed::Authorised { amount, authorization_ref:
    /// Some(id) }`, or `Failed` when PayPal denied it; `Err(Declined)` when the buyer's way of
    /// paying was refused (they may approve again with another one). An order authorised
    /// already (by an earlier call whose answer was lost) is read back instead.
    pub async fn authorize(
        &self,
        paypal_order: &str,
        request_id: &str,
    ) -> Result<Observed, ProviderError> {
        let path = format!("/v2/checkout/orders/{}/authorize", segment(paypal_order)?);
        match self
            .call(Method::POST, &path, Some(&json!({})), Some(request_id))
            .await
        {
            Ok(order) => observe_order(&order, None)?
                .ok_or_else(|| unexpected("an authorized order without authorization")),
            Err(f) if f.issue.as_deref() == Some("ORDER_ALREADY_AUTHORIZED") => {
                self.fetch(paypal_order, None).await
            }
            Err(f) => Err(f.error),
        }
    }

    /// The payment's state: from the order (CREATED/PAYER_ACTION_REQUIRED →
    /// `AwaitingCustomer`, APPROVED → `Approved`, VOIDED → `Voided`) and, once authorised,
    /// from its authorization (`authorization`, or the order's latest): CREATED → `Authorised`,
    /// CAPTURED/PARTIALLY_CAPTURED → `Captured` with the capture id, VOIDED → `Voided`,
    /// DENIED/EXPIRED → `Failed`.
    pub async fn fetch(
        &self,
        paypal_order: &str,
        authorization: Option<&str>,
    ) -> Result<Observed, ProviderError> {
        let path = format!("/v2/checkout/orders/{}", segment(paypal_order)?);
        let order = self.call(Method::GET, &path, None, None).await?;
        if let Some(observed) = observe_order(&order, authorization)? {
            return Ok(observed);
        }
        // A completed order that does not list this authorization: ask for it directly.
        let Some(authorization) = authorization else {
            return Err(unexpected("a completed order without authorization"));
        };
        let path = format!("/v2/payments/authorizations/{}", segment(authorization)?);
        let auth = self.call(Method::GET, &path, None, None).await?;
        observe_authorization(&auth, &[])
    }

    /// Captures `amount` (final capture: the rest of the hold is released); returns the
    /// capture id.
    pub async fn capture(
        &self,
        authorization: &str,
        amount: Money,
        request_id: &str,
    ) -> Result<String, ProviderError> {
        let path = format!(
            "/v2/payments/authorizations/{}/capture",
            segment(authorization)?
        );
        let body = json!({"amount": eur(amount)?, "final_capture": true});
        let capture = self
            .call(Method::POST, &path, Some(&body), Some(request_id))
            .await?;
        match capture["status"].as_str() {
            Some("DECLINED" | "FAILED") => Err(ProviderError::Declined(
                "PayPal declined the capture".to_owned(),
            )),
            _ => text(&capture, "/id").ok_or_else(|| unexpected("a capture without id")),
        }
    }

    /// Voids an authorization (releases the hold). One voided already counts as done.
    pub async fn void(&self, authorization: &str, request_id: &str) -> Result<(), ProviderError> {
        let path = format!(
            "/v2/payments/authorizations/{}/void",
            segment(authorization)?
        );
        match self
            .call(Method::POST, &path, Some(&json!({})), Some(request_id))
            .await
        {
            Ok(_) => Ok(()),
            Err(f) if f.issue.as_deref() == Some("PREVIOUSLY_VOIDED") => Ok(()),
            Err(f) => Err(f.error),
        }
    }

    /// Refunds `amount` of a capture; returns the refund id.
    pub async fn refund(
        &self,
        capture: &str,
        amount: Money,
        request_id: &str,
    ) -> Result<String, ProviderError> {
        let path = format!("/v2/payments/captures/{}/refund", segment(capture)?);
        let body = json!({"amount": eur(amount)?});
        let refund = self
            .call(Method::POST, &path, Some(&body), Some(request_id))
            .await?;
        match refund["status"].as_str() {
            Some(status @ ("FAILED" | "CANCELLED")) => Err(ProviderError::Rejected(format!(
                "PayPal did not make the refund ({status})"
            ))),
            _ => text(&refund, "/id").ok_or_else(|| unexpected("a refund without id")),
        }
    }

    /// Verifies a webhook notification through PayPal's verify endpoint (its
    /// `PAYPAL-TRANSMISSION-*`, `PAYPAL-CERT-URL` and `PAYPAL-AUTH-ALGO` headers, the raw body
    /// and our webhook id); returns what it is about. `Err(Rejected)` for a failed
    /// verification, missing headers, a body that is not an event, or no webhook id configured.
    pub async fn verify_webhook(
        &self,
        headers: &axum::http::HeaderMap,
        body: &[u8],
    ) -> Result<PaypalEvent, ProviderError> {
        let webhook_id = self.settings.webhook_id.as_deref().ok_or_else(|| {
            ProviderError::Rejected("no PayPal webhook id is configured".to_owned())
        })?;
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| ProviderError::Rejected(format!("missing header {name}")))
        };
        let not_an_event = || ProviderError::Rejected("the body is not a PayPal event".to_owned());
        // The event goes back to PayPal exactly as it came: re-serialising it could change
        // the bytes the signature covers.
        let raw = std::str::from_utf8(body).map_err(|_| not_an_event())?;
        let event_raw = RawValue::from_string(raw.trim().to_owned()).map_err(|_| not_an_event())?;
        let request = VerifyRequest {
            auth_algo: header("PAYPAL-AUTH-ALGO")?,
            cert_url: header("PAYPAL-CERT-URL")?,
            transmission_id: header("PAYPAL-TRANSMISSION-ID")?,
            transmission_sig: header("PAYPAL-TRANSMISSION-SIG")?,
            transmission_time: header("PAYPAL-TRANSMISSION-TIME")?,
            webhook_id,
            webhook_event: &event_raw,
        };
        let request = serde_json::to_value(&request).map_err(|_| not_an_event())?;
        let answer = self
            .call(
                Method::POST,
                "/v1/notifications/verify-webhook-signature",
                Some(&request),
                None,
            )
            .await?;
        if answer["verification_status"].as_str() != Some("SUCCESS") {
            return Err(ProviderError::Rejected(
                "PayPal did not verify the webhook's signature".to_owned(),
            ));
        }
        let event: Value = serde_json::from_str(event_raw.get()).map_err(|_| not_an_event())?;
        event_refs(&event).ok_or_else(not_an_event)
    }

    /// For `ocpizza check`: gets a new token (the credentials are valid, PayPal answers).
    pub async fn check(&self) -> Result<(), ProviderError> {
        let fresh = self.new_token().await?;
        *self.token.lock().await = Some(fresh);
        Ok(())
    }

    /// The cached access token, or a new one.
    async fn token(&self) -> Result<String, ProviderError> {
        let mut cached = self.token.lock().await;
        if let Some((token, until)) = cached.as_ref()
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let fresh = self.new_token().await?;
        let token = fresh.0.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    /// `POST /v1/oauth2/token` with the client id and secret: a token and until when to use it.
    async fn new_token(&self) -> Result<(String, Instant), ProviderError> {
        #[derive(Deserialize)]
        struct Token {
            access_token: String,
            expires_in: u64,
        }
        let response = self
            .http
            .post(format!("{}/v1/oauth2/token", self.settings.api_url))
            .basic_auth(
                &self.settings.client_id,
                Some(self.settings.client_secret.expose()),
            )
            .header("Accept", "application/json")
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .map_err(|e| ProviderError::transport(&e))?;
        let status = response.status();
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            return Err(ProviderError::Unavailable(format!(
                "PayPal answered {status} to the token request"
            )));
        }
        if !status.is_success() {
            return Err(ProviderError::Rejected(format!(
                "PayPal refused the client id and secret ({status})"
            )));
        }
        let token: Token = response
            .json()
            .await
            .map_err(|e| ProviderError::transport(&e))?;
        let lifetime = Duration::from_secs(token.expires_in).saturating_sub(TOKEN_MARGIN);
        Ok((token.access_token, Instant::now() + lifetime))
    }

    /// Forgets `token` (PayPal no longer takes it), unless another call renewed it already.
    async fn forget_token(&self, token: &str) {
        let mut cached = self.token.lock().await;
        if cached.as_ref().is_some_and(|(t, _)| t == token) {
            *cached = None;
        }
    }

    /// One API call, with a token; on a 401, once more with a new token.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        request_id: Option<&str>,
    ) -> Result<Value, Failure> {
        let url = format!("{}{path}", self.settings.api_url);
        let mut retried = false;
        loop {
            let token = self.token().await?;
            let mut request = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(&token)
                .header("Accept", "application/json")
                .header("Prefer", "return=representation");
            if let Some(id) = request_id {
                request = request.header("PayPal-Request-Id", id);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request
                .send()
                .await
                .map_err(|e| ProviderError::transport(&e))?;
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED && !retried {
                self.forget_token(&token).await;
                retried = true;
                continue;
            }
            let bytes = response
                .bytes()
                .await
                .map_err(|e| ProviderError::transport(&e))?;
            return answer(status, &bytes);
        }
    }
}

/// The request of `POST /v1/notifications/verify-webhook-signature`.
#[derive(Serialize)]
struct VerifyRequest<'a> {
    auth_algo: &'a str,
    cert_url: &'a str,
    transmission_id: &'a str,
    transmission_sig: &'a str,
    transmission_time: &'a str,
    webhook_id: &'a str,
    webhook_event: &'a RawValue,
}

/// An id as one URL path segment: PayPal's ids are letters, digits and dashes.
fn segment(id: &str) -> Result<&str, ProviderError> {
    if !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(id)
    } else {
        Err(ProviderError::Rejected(format!("not a PayPal id: {id:?}")))
    }
}
