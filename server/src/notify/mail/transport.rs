//! The SMTP connection (lettre's asynchronous transport on Tokio, TLS through the system's
//! OpenSSL), and the check `ocpizza check` runs on it.

use super::settings::{Settings, Smtp};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use std::time::Duration;

/// The SMTP client.
pub type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// Longest wait for the SMTP server at each step of a conversation.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// A client of the configured server (it connects when first used).
pub fn build(smtp: &Smtp) -> anyhow::Result<Transport> {
    // The URL holds the password: lettre's error is kept, the URL is not quoted.
    let builder = Transport::from_url(smtp.url.expose())
        .map_err(|e| anyhow::anyhow!("OCPIZZA_SMTP_URL ({}): {e}", smtp.server))?;
    Ok(builder.timeout(Some(TIMEOUT)).build())
}

/// What `ocpizza check` says of e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Off: `OCPIZZA_SMTP_URL` unset.
    Off,
    /// The server answered and accepted the connection (and the credentials, if any).
    Reachable(String),
    /// It could not be reached, or refused.
    Unreachable(String),
}

/// Connects to the server (with TLS and login as configured) and says how it went.
pub async fn check(settings: &Settings) -> Health {
    let Some(smtp) = &settings.smtp else {
        return Health::Off;
    };
    let transport = match build(smtp) {
        Ok(t) => t,
        Err(e) => return Health::Unreachable(format!("{e:#}")),
    };
    let login = if smtp.authenticated {
        ", login accepted"
    } else {
        ""
    };
    match transport.test_connection().await {
        Ok(true) => Health::Reachable(format!(
            "{} reachable ({}){login}; sent from {}",
            smtp.server, smtp.security, smtp.from
        )),
        Ok(false) => Health::Unreachable(format!("{} did not answer NOOP", smtp.server)),
        Err(e) => Health::Unreachable(format!("{} ({}): {e}", smtp.server, smtp.security)),
    }
}
