//! What every payment provider answers, whatever its API looks like: the state of a payment as
//! the provider sees it ([`Observed`]) and why a call failed ([`ProviderError`]). The flow
//! (`super::flow`) only ever reasons on these.

use ocpizza_proto::Money;

/// A payment as the provider sees it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    /// Waiting for the customer: a card to enter, a bank to authenticate with (Stripe's
    /// `requires_action`, with the client secret Stripe.js needs), an approval on PayPal.
    AwaitingCustomer {
        /// Stripe's client secret when the bank asks for authentication.
        client_secret: Option<String>,
    },
    /// PayPal: the buyer approved; the authorisation itself is still to be asked for.
    Approved,
    /// The amount is held on the customer's card or account.
    Authorised {
        /// How much is held.
        amount: Money,
        /// PayPal's authorization id (captures and voids name it); none for Stripe.
        authorization_ref: Option<String>,
    },
    /// Taken.
    Captured {
        /// How much was taken.
        amount: Money,
        /// PayPal's capture id (refunds name it); none for Stripe.
        capture_ref: Option<String>,
    },
    /// The hold was released (or the payment cancelled before anything was held).
    Voided,
    /// Refused or abandoned; says why, in the provider's words.
    Failed {
        /// The provider's message ("Your card was declined.").
        reason: String,
    },
}

/// Why a provider call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The provider refused the payment itself (card declined, authentication failed): the
    /// customer is told, and may try again another way.
    #[error("declined: {0}")]
    Declined(String),
    /// The provider refused the request (unknown object, a state that does not allow it, a
    /// bad key): retrying the same request will not help.
    #[error("rejected: {0}")]
    Rejected(String),
    /// The provider could not be reached, timed out or failed on its side: the same request
    /// (same idempotency key) may be retried later.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

impl ProviderError {
    /// A transport failure of `reqwest`: unreachable, timed out, or a body we could not read.
    pub fn transport(e: &reqwest::Error) -> ProviderError {
        ProviderError::Unavailable(without_url(e))
    }
}

/// The error without the URL reqwest puts in it (it may carry ids we do not log twice).
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_decode() {
        "unreadable answer"
    } else {
        "request failed"
    };
    kind.to_owned()
}

/// How long a provider call may take before it counts as unavailable.
pub const CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The HTTP client every provider uses: time-limited, no cookies, no redirects followed.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(CALL_TIMEOUT)
        .connect_timeout(std::time::Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("ocpizza/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a TLS backend is available")
}
