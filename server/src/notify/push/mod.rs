//! Web push (RFC 8030, VAPID RFC 8292, payloads encrypted with aes128gcm RFC 8291) to the
//! phones of customers, drivers and managers.
//!
//! - [`keys`]: the server's VAPID key pair, created once and kept in the database;
//! - [`router`]: the public key, and subscribing (a customer with the order's tracking token,
//!   no account needed; staff with their session);
//! - [`planner`]: which event tells whom what (an order's progress to its customer, "ready"
//!   and "assigned" to drivers, low stock to managers);
//! - [`watch`]: what no event tells — orders late in their stage, a kitchen display gone
//!   offline — checked periodically, and the kitchens' presence shared between instances;
//! - [`sender`]: encrypts, signs and posts each message to the browser vendor's push service.
//!
//! A push message names no customer: an order number and a stage, a link to the tracker.

pub mod db;
pub mod keys;
pub mod planner;
pub mod router;
pub mod sender;
pub mod texts;
pub mod watch;

pub use router::router;

use crate::config::Config;
use crate::db::Db;
use crate::notify::{Channel, Notify};
use ocpizza_proto::api::push::PushMessage;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// How long an order's status is worth telling: after this, a newer one has likely
/// happened, or the customer has looked.
pub const STATUS_TTL_MS: i64 = 10 * 60_000;
/// How long a manager's alert is worth telling.
pub const ALERT_TTL_MS: i64 = 60 * 60_000;

/// How soon the push service should wake the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// An order's progress: at once.
    High,
    /// Alerts that can wait for the phone's next wake-up.
    Normal,
}

/// A planned push as stored in `notifications.payload`: the message the service worker
/// shows, and how the push service should treat it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// `Urgency` header.
    pub urgency: Urgency,
    /// Not worth delivering after this (ms): the `TTL` header counts down to it.
    pub expires_at: i64,
    /// What is encrypted for the browser.
    pub message: PushMessage,
}

/// Registers web push with the notification workers: its planner and its sender, signing
/// with the stored VAPID key (created on the first start).
pub async fn register(notify: Notify, config: &Config, db: &Db) -> anyhow::Result<Notify> {
    let key = keys::load_or_create(db).await?;
    let sender = sender::PushSender::new(db.clone(), &key, vapid_subject(&config.public_url))?;
    Ok(notify
        .with_planner(Arc::new(planner::PushPlanner))
        .with_sender(Channel::Push, Arc::new(sender)))
}

/// The contact the VAPID signature names (`sub`): the site's address when it is https (what
/// push services accept), or a placeholder address for local runs.
fn vapid_subject(public_url: &str) -> String {
    if public_url.starts_with("https://") {
        public_url.to_owned()
    } else {
        "mailto:webmaster@localhost".to_owned()
    }
}
