//! Online payment: an order paid online is created `awaiting_payment` with its stock reserved,
//! the customer authorises its total with the provider (Stripe or PayPal), and the order then
//! reaches the kitchen. Cancelling before the kitchen starts voids the hold, the kitchen
//! starting the order captures it, a staff cancellation after that refunds it.
//!
//! Every money movement after authorisation is written as an operation in the same
//! transaction as the order change that calls for it, then carried out with an idempotency key
//! derived from the order and the step; the reconciler retries what the provider has not
//! confirmed, asks the provider about payments left pending, and cancels orders whose payment
//! was not authorised in time. Provider notifications (webhooks) are verified, deduplicated by
//! their id, and only make the server ask the provider for the payment's state: whichever of
//! the webhook, the customer's browser or the reconciler comes first applies it, once.

pub mod db;
pub mod flow;
pub mod paypal;
pub mod provider;
pub mod reconcile;
pub mod router;
pub mod settings;
pub mod stripe;

pub use router::router;

use ocpizza_proto::api::payments::{PaymentConfig, Provider};
use settings::{ProviderSettings, Settings};
use std::sync::Arc;

/// How a checked piece stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Working.
    Ok,
    /// Working, with something to fix.
    Warn,
    /// Not working.
    Fail,
}

/// The configured provider's client.
#[derive(Debug)]
pub enum Client {
    /// No online payment.
    None,
    /// Stripe.
    Stripe(stripe::Stripe),
    /// PayPal.
    Paypal(paypal::Paypal),
}

/// Online payment for the application: the provider's client and the reconciler's bell.
#[derive(Debug, Clone)]
pub struct Payments {
    inner: Arc<Inner>,
}

/// What [`Payments`] shares between clones.
#[derive(Debug)]
pub struct Inner {
    pub(crate) settings: Settings,
    pub(crate) client: Client,
    pub(crate) wake: tokio::sync::Notify,
}

impl std::ops::Deref for Payments {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.inner
    }
}

impl Payments {
    /// The payments of `settings` (no provider: online payment is not offered).
    pub fn new(settings: Settings) -> Payments {
        let client = match &settings.provider {
            ProviderSettings::None => Client::None,
            ProviderSettings::Stripe(s) => Client::Stripe(stripe::Stripe::new(s.clone())),
            ProviderSettings::Paypal(p) => Client::Paypal(paypal::Paypal::new(p.clone())),
        };
        Payments {
            inner: Arc::new(Inner {
                settings,
                client,
                wake: tokio::sync::Notify::new(),
            }),
        }
    }

    /// The provider taking online payments, if any.
    pub fn provider(&self) -> Option<Provider> {
        self.settings.provider()
    }

    /// What the checkout needs to offer online payment.
    pub fn config(&self) -> PaymentConfig {
        let (key, js) = match &self.client {
            Client::Stripe(s) => {
                let (k, j) = s.browser();
                (Some(k.to_owned()), Some(j.to_owned()))
            }
            Client::None | Client::Paypal(_) => (None, None),
        };
        PaymentConfig {
            provider: self.provider(),
            stripe_publishable_key: key,
            stripe_js_url: js,
            timeout_minutes: self.settings.timeout_minutes,
        }
    }

    /// Wakes the reconciler: a movement was asked for.
    pub fn kick(&self) {
        self.wake.notify_one();
    }

    /// For `ocpizza check`: how the payment configuration stands, in one sentence.
    pub async fn check(&self) -> (Health, String) {
        let (reached, webhooks) = match &self.client {
            Client::None => {
                return (
                    Health::Ok,
                    "not offered (no OCPIZZA_PAYMENT_PROVIDER): customers pay on delivery or at \
                     the counter"
                        .to_owned(),
                );
            }
            Client::Stripe(s) => (
                s.check()
                    .await
                    .map(|()| "Stripe reachable, secret key accepted"),
                s.webhooks_enabled(),
            ),
            Client::Paypal(p) => (
                p.check()
                    .await
                    .map(|()| "PayPal reachable, credentials accepted"),
                self.paypal_webhooks(),
            ),
        };
        let set = match self.client {
            Client::Paypal(_) => "webhook id set",
            _ => "webhook secret set",
        };
        match (reached, webhooks) {
            (Ok(what), true) => (Health::Ok, format!("{what}; {set}")),
            (Ok(what), false) => (
                Health::Warn,
                format!(
                    "{what}; no webhook secret or id: payments are followed by the reconciler \
                     only (within a minute or two)"
                ),
            ),
            (Err(e), _) => (Health::Fail, format!("provider {e}")),
        }
    }

    fn paypal_webhooks(&self) -> bool {
        matches!(&self.settings.provider, ProviderSettings::Paypal(p) if p.webhook_id.is_some())
    }
}
