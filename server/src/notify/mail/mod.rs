//! E-mail: order confirmations and cancellation notices planned from the event log, and the
//! account recovery link asked for through the API, all sent over SMTP by [`sender`].
//!
//! A message is rendered when it is planned (in the customer's language, see
//! [`templates::Lang`]) and stored whole as its `notifications` row's payload
//! ([`templates::Rendered`] as JSON), so that what is sent does not depend on when the
//! sender gets to it. Its `Message-ID` derives from the row's dedupe key: a message sent again
//! after a crash between sending and recording reads as the same message to mail clients.
//!
//! With e-mail off (no `OCPIZZA_SMTP_URL`) neither the planner nor the sender is registered:
//! nothing is queued for mail at all.

pub mod planner;
pub mod sender;
pub mod settings;
pub mod templates;
pub mod transport;

use super::{Channel, Delivery, Notify};
use crate::config::Config;
use std::sync::Arc;
use templates::Rendered;

/// How long a message about an order may wait for the SMTP server before it is given up: a
/// day.
pub const EXPIRES_AFTER_MS: i64 = 24 * 3_600_000;

/// Registers the mail planner and sender on `notify` when e-mail is configured.
pub fn register(notify: Notify, config: &Config) -> anyhow::Result<Notify> {
    let Some(smtp) = &config.mail.smtp else {
        tracing::warn!(
            "e-mail is off (OCPIZZA_SMTP_URL unset): no order confirmations, and no account \
             recovery link can be sent"
        );
        return Ok(notify);
    };
    let sender = sender::MailSender::new(smtp)?;
    tracing::info!(server = %smtp.server, security = %smtp.security, "e-mail on");
    Ok(notify
        .with_planner(Arc::new(planner::MailPlanner::new(&config.public_url)))
        .with_sender(Channel::Mail, Arc::new(sender)))
}

/// Whether e-mail is configured.
pub fn is_on(config: &Config) -> bool {
    config.mail.smtp.is_some()
}

/// A message to `to`, deduplicated by `key`, about what happened at `event_at`, not sent after
/// `expires_at` (ms).
pub fn delivery(
    key: String,
    to: &str,
    message: &Rendered,
    event_at: i64,
    expires_at: i64,
) -> Delivery {
    Delivery {
        key,
        channel: Channel::Mail,
        recipient: to.to_owned(),
        // A struct of three strings always serialises.
        payload: serde_json::to_string(message).unwrap_or_default(),
        event_at,
        expires_at,
    }
}
