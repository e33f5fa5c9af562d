//! Sends one planned message: `From` the configured sender, `To` the row's address, the
//! rendered subject and bodies as `multipart/alternative` (plain text, then HTML), and a
//! `Message-ID` derived from the row's dedupe key.
//!
//! What the SMTP server says decides what happens next: a permanent refusal (5xx: unknown
//! mailbox, message refused) is final, anything else (4xx, connection, TLS, timeout) is tried
//! again later by the notification workers.

use super::settings::Smtp;
use super::templates::Rendered;
use super::transport::{self, Transport};
use crate::notify::{Outcome, Pending, Sender};
use futures_util::future::BoxFuture;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncTransport, Message};
use sha2::{Digest, Sha256};

/// The mail channel's sender.
#[derive(Clone)]
pub struct MailSender {
    transport: Transport,
    from: Mailbox,
}

impl std::fmt::Debug for MailSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSender")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl MailSender {
    /// A sender through the configured server.
    pub fn new(smtp: &Smtp) -> anyhow::Result<MailSender> {
        Ok(MailSender {
            transport: transport::build(smtp)?,
            from: smtp.from.clone(),
        })
    }
}

/// `<{first 32 hex digits of SHA-256(key)}@{sender's domain}>`: the same message always has
/// the same id, and the id tells nothing of the order or account it is about.
pub fn message_id(key: &str, from: &Mailbox) -> String {
    let digest = hex::encode(Sha256::digest(key.as_bytes()));
    format!("<{}@{}>", &digest[..32], from.email.domain())
}

/// The message of a row, or why it cannot be one (never worth retrying).
pub fn build(delivery: &Pending, from: &Mailbox) -> Result<Message, String> {
    let to: Mailbox = delivery
        .recipient
        .parse()
        .map_err(|e| format!("not an e-mail address: {e}"))?;
    let rendered: Rendered = serde_json::from_str(&delivery.payload)
        .map_err(|e| format!("unreadable mail payload: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(rendered.subject)
        .message_id(Some(message_id(&delivery.key, from)))
        .multipart(MultiPart::alternative_plain_html(
            rendered.text,
            rendered.html,
        ))
        .map_err(|e| format!("cannot build the message: {e}"))
}

impl Sender for MailSender {
    fn send<'a>(&'a self, delivery: &'a Pending) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let message = match build(delivery, &self.from) {
                Ok(m) => m,
                Err(why) => return Outcome::Failed(why),
            };
            match self.transport.send(message).await {
                Ok(_) => Outcome::Sent,
                Err(e) if e.is_permanent() => Outcome::Failed(format!("refused: {e}")),
                Err(e) => Outcome::Retry(e.to_string()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_id_follows_the_dedupe_key_and_hides_it() {
        let from: Mailbox = "OC Pizza <commandes@ocpizza.fr>".parse().unwrap();
        let a = message_id("mail:order-confirmation:12", &from);
        assert_eq!(a, message_id("mail:order-confirmation:12", &from));
        assert_ne!(a, message_id("mail:order-confirmation:13", &from));
        assert!(a.starts_with('<') && a.ends_with("@ocpizza.fr>"), "{a}");
        assert!(!a.contains("order"), "{a}");
    }

    #[test]
    fn an_address_that_is_none_fails_for_good() {
        let from: Mailbox = "commandes@ocpizza.fr".parse().unwrap();
        let pending = Pending {
            id: 1,
            key: "k".to_owned(),
            recipient: "not an address".to_owned(),
            payload: "{}".to_owned(),
            event_at: 0,
            attempts: 0,
        };
        assert!(build(&pending, &from).unwrap_err().contains("address"));
    }
}
