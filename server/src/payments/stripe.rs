//! Stripe, through a thin client of the few endpoints the flow needs (PaymentIntents with
//! manual capture, a customer holding the card Stripe.js tokenised, refunds), and the check of
//! its webhook signatures.
//!
//! The card is collected by Stripe.js in the browser, which turns it into a token; the server
//! only ever sees the token. It attaches the card to a new customer, creates the
//! PaymentIntent for the order's total with `capture_method=manual`, then confirms it: the
//! PaymentIntent ends `requires_capture` (authorised), `requires_action` (the bank wants the
//! cardholder to authenticate: Stripe.js finishes it with the client secret) or declined.
//! Every call that creates or moves money carries an `Idempotency-Key` derived from the order
//! and the step.

use super::provider::{Observed, ProviderError, http_client};
use super::settings::StripeSettings;
use hmac::{Hmac, Mac};
use ocpizza_proto::{Money, OrderId, ShopId};
use serde::Deserialize;
use sha2::Sha256;

/// How far a webhook's signed timestamp may be from now (Stripe's own libraries use 5 min).
pub const WEBHOOK_TOLERANCE_SECS: i64 = 300;

/// A Stripe account.
#[derive(Debug, Clone)]
pub struct Stripe {
    settings: StripeSettings,
    http: reqwest::Client,
}

/// A PaymentIntent as far as the flow cares.
#[derive(Debug, Clone, Deserialize)]
pub struct Intent {
    /// `pi_…`.
    pub id: String,
    /// `requires_payment_method`, `requires_confirmation`, `requires_action`, `processing`,
    /// `requires_capture`, `canceled`, `succeeded`.
    pub status: String,
    /// The amount asked, in cents.
    pub amount: i64,
    /// What can still be captured.
    #[serde(default)]
    pub amount_capturable: Option<i64>,
    /// What was taken.
    #[serde(default)]
    pub amount_received: Option<i64>,
    /// Lets Stripe.js finish an authentication.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Why the last attempt failed.
    #[serde(default)]
    pub last_payment_error: Option<ApiError>,
}

/// Stripe's error object.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiError {
    /// `card_error`, `invalid_request_error`, …
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// `card_declined`, …
    #[serde(default)]
    pub code: Option<String>,
    /// For people.
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ErrorEnvelope {
    error: ApiError,
}

#[derive(Debug, Deserialize)]
struct Id {
    id: String,
}

impl Intent {
    /// The payment's state in the flow's terms.
    pub fn observed(&self) -> Observed {
        match self.status.as_str() {
            "requires_capture" => Observed::Authorised {
                amount: Money(self.amount_capturable.unwrap_or(self.amount)),
                authorization_ref: None,
            },
            "succeeded" => Observed::Captured {
                amount: Money(self.amount_received.unwrap_or(self.amount)),
                capture_ref: None,
            },
            "canceled" => Observed::Voided,
            "requires_action" => Observed::AwaitingCustomer {
                client_secret: self.client_secret.clone(),
            },
            // A failed attempt leaves the intent waiting for another payment method.
            "requires_payment_method" if self.last_payment_error.is_some() => Observed::Failed {
                reason: self
                    .last_payment_error
                    .as_ref()
                    .and_then(|e| e.message.clone())
                    .unwrap_or_else(|| "the payment was declined".to_owned()),
            },
            _ => Observed::AwaitingCustomer {
                client_secret: None,
            },
        }
    }
}

/// A verified webhook: its id, its type and the PaymentIntent it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeEvent {
    /// `evt_…`.
    pub id: String,
    /// `payment_intent.succeeded`, …
    pub kind: String,
    /// The PaymentIntent named by the event's object, if it names one.
    pub intent: Option<String>,
}

impl Stripe {
    /// A client for the account of `settings`.
    pub fn new(settings: StripeSettings) -> Stripe {
        Stripe {
            settings,
            http: http_client(),
        }
    }

    /// What the checkout needs: the publishable key and where Stripe.js is.
    pub fn browser(&self) -> (&str, &str) {
        (&self.settings.publishable_key, &self.settings.js_url)
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        form: &[(&str, String)],
        key: Option<&str>,
    ) -> Result<T, ProviderError> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.settings.api_url))
            .bearer_auth(self.settings.secret_key.expose());
        if method == reqwest::Method::POST {
            req = req.form(form);
        }
        if let Some(key) = key {
            req = req.header("Idempotency-Key", key);
        }
        let response = req.send().await.map_err(|e| ProviderError::transport(&e))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| ProviderError::transport(&e))?;
        if status.is_success() {
            return serde_json::from_slice(&body)
                .map_err(|_| ProviderError::Unavailable(format!("unreadable answer to {path}")));
        }
        let error = serde_json::from_slice::<ErrorEnvelope>(&body)
            .map(|e| e.error)
            .ok();
        let message = error
            .as_ref()
            .and_then(|e| e.message.clone())
            .unwrap_or_else(|| format!("Stripe answered {status}"));
        let card_error = error
            .as_ref()
            .is_some_and(|e| e.kind.as_deref() == Some("card_error") || e.code.is_some())
            && status == reqwest::StatusCode::PAYMENT_REQUIRED;
        Err(
            if card_error || status == reqwest::StatusCode::PAYMENT_REQUIRED {
                ProviderError::Declined(message)
            } else if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
                ProviderError::Unavailable(message)
            } else {
                ProviderError::Rejected(message)
            },
        )
    }

    /// Attaches the card of Stripe.js token `token` to a new customer for this attempt;
    /// returns `(customer, card)`. A card refused at this point is [`ProviderError::Declined`].
    pub async fn attach_card(
        &self,
        order: OrderId,
        token: &str,
        key: &str,
    ) -> Result<(String, String), ProviderError> {
        let customer: Id = self
            .call(
                reqwest::Method::POST,
                "/v1/customers",
                &[("metadata[order_id]", order.0.to_string())],
                Some(&format!("{key}-customer")),
            )
            .await?;
        let card: Id = self
            .call(
                reqwest::Method::POST,
                &format!("/v1/customers/{}/sources", customer.id),
                &[("source", token.to_owned())],
                Some(&format!("{key}-card")),
            )
            .await?;
        Ok((customer.id, card.id))
    }

    /// Creates the PaymentIntent of an attempt (not confirmed yet).
    pub async fn create_intent(
        &self,
        order: OrderId,
        shop: ShopId,
        amount: Money,
        customer: &str,
        card: &str,
        key: &str,
    ) -> Result<Intent, ProviderError> {
        self.call(
            reqwest::Method::POST,
            "/v1/payment_intents",
            &[
                ("amount", amount.0.to_string()),
                ("currency", "eur".to_owned()),
                ("capture_method", "manual".to_owned()),
                ("customer", customer.to_owned()),
                ("payment_method", card.to_owned()),
                ("metadata[order_id]", order.0.to_string()),
                ("metadata[shop_id]", shop.0.to_string()),
            ],
            Some(key),
        )
        .await
    }

    /// Confirms a PaymentIntent: authorised, needing authentication, or declined.
    pub async fn confirm(&self, intent: &str, key: &str) -> Result<Intent, ProviderError> {
        self.call(
            reqwest::Method::POST,
            &format!("/v1/payment_intents/{intent}/confirm"),
            &[],
            Some(key),
        )
        .await
    }

    /// The PaymentIntent as it stands.
    pub async fn fetch(&self, intent: &str) -> Result<Intent, ProviderError> {
        self.call(
            reqwest::Method::GET,
            &format!("/v1/payment_intents/{intent}"),
            &[],
            None,
        )
        .await
    }

    /// Captures `amount` of what is held.
    pub async fn capture(
        &self,
        intent: &str,
        amount: Money,
        key: &str,
    ) -> Result<Intent, ProviderError> {
        self.call(
            reqwest::Method::POST,
            &format!("/v1/payment_intents/{intent}/capture"),
            &[("amount_to_capture", amount.0.to_string())],
            Some(key),
        )
        .await
    }

    /// Releases what is held.
    pub async fn cancel(&self, intent: &str, key: &str) -> Result<Intent, ProviderError> {
        self.call(
            reqwest::Method::POST,
            &format!("/v1/payment_intents/{intent}/cancel"),
            &[],
            Some(key),
        )
        .await
    }

    /// Refunds `amount` of what was captured; returns the refund's id. Our reason and order go
    /// in the refund's metadata (Stripe's own `reason` is a short fixed list).
    pub async fn refund(
        &self,
        intent: &str,
        amount: Money,
        order: OrderId,
        key: &str,
    ) -> Result<String, ProviderError> {
        let refund: Id = self
            .call(
                reqwest::Method::POST,
                "/v1/refunds",
                &[
                    ("payment_intent", intent.to_owned()),
                    ("amount", amount.0.to_string()),
                    ("metadata[order_id]", order.0.to_string()),
                ],
                Some(key),
            )
            .await?;
        Ok(refund.id)
    }

    /// For `ocpizza check`: the key is accepted and Stripe answers.
    pub async fn check(&self) -> Result<(), ProviderError> {
        self.call::<serde_json::Value>(reqwest::Method::GET, "/v1/balance", &[], None)
            .await
            .map(|_| ())
    }

    /// Whether webhooks can be verified (a signing secret is configured).
    pub fn webhooks_enabled(&self) -> bool {
        self.settings.webhook_secret.is_some()
    }

    /// Checks a webhook's `Stripe-Signature` against the raw `body` at time `now` (Unix
    /// seconds) and reads the event. Refused: no secret configured, a missing or malformed
    /// header, a timestamp further than [`WEBHOOK_TOLERANCE_SECS`] from now, no matching `v1`
    /// signature, or a body that is not an event.
    pub fn verify_webhook(
        &self,
        signature: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<StripeEvent, String> {
        let secret = self
            .settings
            .webhook_secret
            .as_ref()
            .ok_or("no webhook secret is configured")?;
        verify_signature(secret.expose().as_bytes(), signature, body, now)?;
        parse_event(body)
    }
}

/// Checks a `Stripe-Signature: t=…,v1=…[,v1=…]` header.
fn verify_signature(
    secret: &[u8],
    header: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), String> {
    let header = header.ok_or("missing Stripe-Signature header")?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", s)) => signatures.extend(hex::decode(s).ok()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or("Stripe-Signature has no timestamp")?;
    if (now - timestamp).abs() > WEBHOOK_TOLERANCE_SECS {
        return Err("the webhook's timestamp is too far from now".into());
    }
    let signed = |sig: &[u8]| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(sig).is_ok()
    };
    if signatures.iter().any(|s| signed(s)) {
        Ok(())
    } else {
        Err("the webhook's signature does not match".into())
    }
}

fn parse_event(body: &[u8]) -> Result<StripeEvent, String> {
    #[derive(Deserialize)]
    struct Event {
        id: String,
        #[serde(rename = "type")]
        kind: String,
        data: Data,
    }
    #[derive(Deserialize)]
    struct Data {
        object: Object,
    }
    #[derive(Deserialize)]
    #[allow(clippy::struct_field_names)]
    struct Object {
        #[serde(default)]
        id: Option<String>,
        #[serde(default)]
        object: Option<String>,
        #[serde(default)]
        payment_intent: Option<String>,
    }
    let event: Event =
        serde_json::from_slice(body).map_err(|e| format!("not a Stripe event: {e}"))?;
    let object = event.data.object;
    let intent = match object.object.as_deref() {
        Some("payment_intent") => object.id,
        _ => object.payment_intent,
    };
    Ok(StripeEvent {
        id: event.id,
        kind: event.kind,
        intent,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, t: i64, body: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{t}.{body}").as_bytes());
        format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
    }

    const BODY: &str = r#"{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_9","object":"payment_intent"}}}"#;

    #[test]
    fn a_signed_fresh_event_is_read() {
        let header = sign("whsec_x", 1_000, BODY);
        verify_signature(b"whsec_x", Some(&header), BODY.as_bytes(), 1_100).unwrap();
        assert_eq!(
            parse_event(BODY.as_bytes()).unwrap(),
            StripeEvent {
                id: "evt_1".into(),
                kind: "payment_intent.succeeded".into(),
                intent: Some("pi_9".into()),
            }
        );
    }

    #[test]
    fn a_wrong_secret_a_changed_body_or_an_old_timestamp_is_refused() {
        let header = sign("whsec_x", 1_000, BODY);
        assert!(verify_signature(b"whsec_y", Some(&header), BODY.as_bytes(), 1_000).is_err());
        let changed = BODY.replace("pi_9", "pi_8");
        assert!(verify_signature(b"whsec_x", Some(&header), changed.as_bytes(), 1_000).is_err());
        let late = 1_000 + WEBHOOK_TOLERANCE_SECS + 1;
        let err = verify_signature(b"whsec_x", Some(&header), BODY.as_bytes(), late).unwrap_err();
        assert!(err.contains("timestamp"), "{err}");
        assert!(verify_signature(b"whsec_x", None, BODY.as_bytes(), 1_000).is_err());
        assert!(verify_signature(b"whsec_x", Some("v1=00"), BODY.as_bytes(), 1_000).is_err());
    }

    #[test]
    fn a_refund_event_names_its_payment_intent() {
        let body = r#"{"id":"evt_2","type":"charge.refunded","data":{"object":{"id":"ch_1","object":"charge","payment_intent":"pi_3"}}}"#;
        assert_eq!(
            parse_event(body.as_bytes()).unwrap().intent.as_deref(),
            Some("pi_3")
        );
    }

    #[test]
    fn intents_map_onto_the_flow() {
        let intent = |status: &str| Intent {
            id: "pi_1".into(),
            status: status.into(),
            amount: 2350,
            amount_capturable: Some(2350),
            amount_received: Some(0),
            client_secret: Some("pi_1_secret_x".into()),
            last_payment_error: None,
        };
        assert_eq!(
            intent("requires_capture").observed(),
            Observed::Authorised {
                amount: Money(2350),
                authorization_ref: None
            }
        );
        assert_eq!(intent("canceled").observed(), Observed::Voided);
        assert_eq!(
            intent("requires_action").observed(),
            Observed::AwaitingCustomer {
                client_secret: Some("pi_1_secret_x".into())
            }
        );
        let mut declined = intent("requires_payment_method");
        declined.last_payment_error = Some(ApiError {
            kind: Some("card_error".into()),
            code: Some("card_declined".into()),
            message: Some("Your card was declined.".into()),
        });
        assert_eq!(
            declined.observed(),
            Observed::Failed {
                reason: "Your card was declined.".into()
            }
        );
    }
}
