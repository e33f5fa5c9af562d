//! Which provider takes online payments, and its keys. None configured: the checkout does not
//! offer online payment and everything else works.
//!
//! `OCPIZZA_PAYMENT_PROVIDER` = `stripe` | `paypal` (unset or `none`: no online payment);
//! `OCPIZZA_PAYMENT_TIMEOUT_MINUTES` (15): how long a customer has to authorise.
//! Stripe: `OCPIZZA_STRIPE_SECRET_KEY`, `OCPIZZA_STRIPE_PUBLISHABLE_KEY`,
//! `OCPIZZA_STRIPE_WEBHOOK_SECRET`, and for a test double `OCPIZZA_STRIPE_API_URL`
//! (`https://api.stripe.com`) and `OCPIZZA_STRIPE_JS_URL` (`https://js.stripe.com/v3/`).
//! PayPal: `OCPIZZA_PAYPAL_CLIENT_ID`, `OCPIZZA_PAYPAL_CLIENT_SECRET`, `OCPIZZA_PAYPAL_WEBHOOK_ID`,
//! `OCPIZZA_PAYPAL_ENV` = `sandbox` | `live` (`sandbox`), or `OCPIZZA_PAYPAL_API_URL`.
//! Secret keys are wrapped in [`Secret`]: never printed, never logged.

use crate::config::Secret;
use anyhow::{Context, bail};
use ocpizza_proto::api::payments::Provider;

/// The configuration variables read here (all `OCPIZZA_*`: unknown ones are refused).
pub const VARIABLES: &[&str] = &[
    "OCPIZZA_PAYMENT_PROVIDER",
    "OCPIZZA_PAYMENT_TIMEOUT_MINUTES",
    "OCPIZZA_STRIPE_SECRET_KEY",
    "OCPIZZA_STRIPE_PUBLISHABLE_KEY",
    "OCPIZZA_STRIPE_WEBHOOK_SECRET",
    "OCPIZZA_STRIPE_API_URL",
    "OCPIZZA_STRIPE_JS_URL",
    "OCPIZZA_PAYPAL_CLIENT_ID",
    "OCPIZZA_PAYPAL_CLIENT_SECRET",
    "OCPIZZA_PAYPAL_WEBHOOK_ID",
    "OCPIZZA_PAYPAL_ENV",
    "OCPIZZA_PAYPAL_API_URL",
];

/// Stripe's keys and addresses.
#[derive(Debug, Clone)]
pub struct StripeSettings {
    /// `sk_live_…` / `sk_test_…`.
    pub secret_key: Secret<String>,
    /// `pk_…`, handed to Stripe.js in the browser.
    pub publishable_key: String,
    /// `whsec_…`: checks the `Stripe-Signature` of webhooks. None: webhooks are refused and
    /// the reconciler alone follows payments.
    pub webhook_secret: Option<Secret<String>>,
    /// The API's base URL.
    pub api_url: String,
    /// Where the checkout loads Stripe.js from.
    pub js_url: String,
}

/// PayPal's credentials and address.
#[derive(Debug, Clone)]
pub struct PaypalSettings {
    /// The REST app's client id.
    pub client_id: String,
    /// Its secret.
    pub client_secret: Secret<String>,
    /// The webhook's id at PayPal (its notifications are verified against it). None: webhooks
    /// are refused and the reconciler alone follows payments.
    pub webhook_id: Option<String>,
    /// The API's base URL (sandbox or live, or a test double).
    pub api_url: String,
}

/// The provider configured, if any.
#[derive(Debug, Clone, Default)]
pub enum ProviderSettings {
    /// No online payment.
    #[default]
    None,
    /// Stripe.
    Stripe(StripeSettings),
    /// PayPal.
    Paypal(PaypalSettings),
}

/// Everything about online payment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The provider.
    pub provider: ProviderSettings,
    /// Minutes a customer has to authorise before the order is cancelled.
    pub timeout_minutes: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            provider: ProviderSettings::None,
            timeout_minutes: 15,
        }
    }
}

impl Settings {
    /// The provider's name, if one is configured.
    pub fn provider(&self) -> Option<Provider> {
        match self.provider {
            ProviderSettings::None => None,
            ProviderSettings::Stripe(_) => Some(Provider::Stripe),
            ProviderSettings::Paypal(_) => Some(Provider::Paypal),
        }
    }

    /// Origins the checkout's pages talk to for payment (added to the Content Security
    /// Policy): Stripe.js, Stripe's API and its frames.
    pub fn browser_origins(&self) -> Vec<String> {
        match &self.provider {
            ProviderSettings::Stripe(s) => {
                let mut origins: Vec<String> = [s.js_url.as_str(), s.api_url.as_str()]
                    .iter()
                    .filter_map(|u| origin(u))
                    .collect();
                if s.js_url.starts_with("https://js.stripe.com") {
                    origins.push("https://*.js.stripe.com".to_owned());
                    origins.push("https://hooks.stripe.com".to_owned());
                }
                origins.dedup();
                origins
            }
            ProviderSettings::None | ProviderSettings::Paypal(_) => Vec::new(),
        }
    }

    /// Reads the variables through `get` (unset or empty = default).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Settings> {
        let mut s = Settings::default();
        if let Some(v) = get("OCPIZZA_PAYMENT_TIMEOUT_MINUTES") {
            s.timeout_minutes = v
                .parse::<u32>()
                .ok()
                .filter(|m| (1..=60).contains(m))
                .with_context(|| {
                    format!("OCPIZZA_PAYMENT_TIMEOUT_MINUTES={v}: expected 1 to 60 minutes")
                })?;
        }
        let required =
            |k: &str| get(k).with_context(|| format!("{k} is required for this payment provider"));
        let url = |k: &str, default: &str| -> anyhow::Result<String> {
            let v = get(k).unwrap_or_else(|| default.to_owned());
            if !(v.starts_with("https://") || v.starts_with("http://")) {
                bail!("{k}={v}: expected an http(s) URL");
            }
            Ok(v.trim_end_matches('/').to_owned())
        };
        s.provider = match get("OCPIZZA_PAYMENT_PROVIDER").as_deref() {
            None | Some("none") => ProviderSettings::None,
            Some("stripe") => {
                let secret_key = required("OCPIZZA_STRIPE_SECRET_KEY")?;
                if !secret_key.starts_with("sk_") {
                    bail!("OCPIZZA_STRIPE_SECRET_KEY must be a secret key (sk_…)");
                }
                let publishable_key = required("OCPIZZA_STRIPE_PUBLISHABLE_KEY")?;
                if !publishable_key.starts_with("pk_") {
                    bail!("OCPIZZA_STRIPE_PUBLISHABLE_KEY must be a publishable key (pk_…)");
                }
                let mode = |k: &str| k.split('_').nth(1).unwrap_or_default().to_owned();
                if mode(&secret_key) != mode(&publishable_key) {
                    bail!(
                        "OCPIZZA_STRIPE_SECRET_KEY and OCPIZZA_STRIPE_PUBLISHABLE_KEY are of \
                         different modes (test and live): use the pair of one mode"
                    );
                }
                if let Some(w) = get("OCPIZZA_STRIPE_WEBHOOK_SECRET")
                    && !w.starts_with("whsec_")
                {
                    bail!(
                        "OCPIZZA_STRIPE_WEBHOOK_SECRET must be a webhook signing secret (whsec_…)"
                    );
                }
                let mut js_url = url("OCPIZZA_STRIPE_JS_URL", "https://js.stripe.com/v3")?;
                js_url.push('/');
                ProviderSettings::Stripe(StripeSettings {
                    secret_key: Secret::new(secret_key),
                    publishable_key,
                    webhook_secret: get("OCPIZZA_STRIPE_WEBHOOK_SECRET").map(Secret::new),
                    api_url: url("OCPIZZA_STRIPE_API_URL", "https://api.stripe.com")?,
                    js_url,
                })
            }
            Some("paypal") => {
                let default = match get("OCPIZZA_PAYPAL_ENV").as_deref() {
                    None | Some("sandbox") => "https://api-m.sandbox.paypal.com",
                    Some("live") => "https://api-m.paypal.com",
                    Some(other) => {
                        bail!("OCPIZZA_PAYPAL_ENV={other}: expected sandbox or live")
                    }
                };
                ProviderSettings::Paypal(PaypalSettings {
                    client_id: required("OCPIZZA_PAYPAL_CLIENT_ID")?,
                    client_secret: Secret::new(required("OCPIZZA_PAYPAL_CLIENT_SECRET")?),
                    webhook_id: get("OCPIZZA_PAYPAL_WEBHOOK_ID"),
                    api_url: url("OCPIZZA_PAYPAL_API_URL", default)?,
                })
            }
            Some(other) => {
                bail!("OCPIZZA_PAYMENT_PROVIDER={other}: expected stripe, paypal or none")
            }
        };
        Ok(s)
    }
}

/// `scheme://host[:port]` of `url`.
fn origin(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    Some(parsed.origin().ascii_serialization()).filter(|o| o != "null")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(pairs: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let vars: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_vars(|k| vars.get(k).cloned())
    }

    #[test]
    fn no_provider_means_no_online_payment() {
        assert_eq!(read(&[]).unwrap().provider(), None);
        assert_eq!(
            read(&[("OCPIZZA_PAYMENT_PROVIDER", "none")])
                .unwrap()
                .provider(),
            None
        );
    }

    #[test]
    fn stripe_needs_its_keys_and_never_shows_the_secret() {
        let err = read(&[("OCPIZZA_PAYMENT_PROVIDER", "stripe")]).unwrap_err();
        assert!(
            err.to_string().contains("OCPIZZA_STRIPE_SECRET_KEY"),
            "{err}"
        );
        let s = read(&[
            ("OCPIZZA_PAYMENT_PROVIDER", "stripe"),
            ("OCPIZZA_STRIPE_SECRET_KEY", "sk_test_abcdef"),
            ("OCPIZZA_STRIPE_PUBLISHABLE_KEY", "pk_test_abcdef"),
            ("OCPIZZA_STRIPE_WEBHOOK_SECRET", "whsec_abc"),
            ("OCPIZZA_STRIPE_API_URL", "http://127.0.0.1:8420/"),
            (
                "OCPIZZA_STRIPE_JS_URL",
                "http://127.0.0.1:8420/js.stripe.com/v3/",
            ),
        ])
        .unwrap();
        assert_eq!(s.provider(), Some(Provider::Stripe));
        assert!(!format!("{s:?}").contains("sk_test_abcdef"));
        assert_eq!(
            s.browser_origins(),
            vec!["http://127.0.0.1:8420".to_owned()]
        );
        let ProviderSettings::Stripe(stripe) = &s.provider else {
            unreachable!()
        };
        assert_eq!(stripe.api_url, "http://127.0.0.1:8420");
        assert_eq!(stripe.js_url, "http://127.0.0.1:8420/js.stripe.com/v3/");
    }

    #[test]
    fn stripe_keys_of_different_modes_or_a_wrong_webhook_secret_are_refused() {
        let base = [
            ("OCPIZZA_PAYMENT_PROVIDER", "stripe"),
            ("OCPIZZA_STRIPE_SECRET_KEY", "sk_test_abcdef"),
        ];
        let mut mixed = base.to_vec();
        mixed.push(("OCPIZZA_STRIPE_PUBLISHABLE_KEY", "pk_live_abcdef"));
        assert!(read(&mixed).unwrap_err().to_string().contains("modes"));
        let mut webhook = base.to_vec();
        webhook.push(("OCPIZZA_STRIPE_PUBLISHABLE_KEY", "pk_test_abcdef"));
        webhook.push(("OCPIZZA_STRIPE_WEBHOOK_SECRET", "sk_test_abcdef"));
        assert!(read(&webhook).unwrap_err().to_string().contains("whsec_"));
    }

    #[test]
    fn paypal_defaults_to_the_sandbox_and_refuses_an_unknown_environment() {
        let base = [
            ("OCPIZZA_PAYMENT_PROVIDER", "paypal"),
            ("OCPIZZA_PAYPAL_CLIENT_ID", "id"),
            ("OCPIZZA_PAYPAL_CLIENT_SECRET", "very-secret"),
        ];
        let s = read(&base).unwrap();
        let ProviderSettings::Paypal(p) = &s.provider else {
            unreachable!()
        };
        assert_eq!(p.api_url, "https://api-m.sandbox.paypal.com");
        assert!(!format!("{s:?}").contains("very-secret"));
        let mut live = base.to_vec();
        live.push(("OCPIZZA_PAYPAL_ENV", "prod"));
        assert!(read(&live).is_err());
    }

    #[test]
    fn the_timeout_is_bounded() {
        assert!(read(&[("OCPIZZA_PAYMENT_TIMEOUT_MINUTES", "0")]).is_err());
        assert_eq!(
            read(&[("OCPIZZA_PAYMENT_TIMEOUT_MINUTES", "20")])
                .unwrap()
                .timeout_minutes,
            20
        );
    }
}
