//! The fake's whole state, behind one lock: the payments, the access tokens it issued, the
//! answers it gave per `PayPal-Request-Id`, the webhooks it sent, and the switches tests flip.

use crate::model::{Store, new_id, now};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// A webhook notification the fake sent (or would have sent, when no URL is configured):
/// its transmission headers and its exact body.
#[derive(Debug, Clone, Serialize)]
pub struct SentWebhook {
    /// `PAYPAL-TRANSMISSION-ID`.
    pub transmission_id: String,
    /// `PAYPAL-TRANSMISSION-TIME`.
    pub transmission_time: String,
    /// `PAYPAL-TRANSMISSION-SIG`.
    pub transmission_sig: String,
    /// `PAYPAL-CERT-URL`.
    pub cert_url: String,
    /// `PAYPAL-AUTH-ALGO`.
    pub auth_algo: String,
    /// The event type (`PAYMENT.CAPTURE.COMPLETED`, …).
    pub event_type: String,
    /// The request body, byte for byte.
    pub body: String,
}

impl SentWebhook {
    /// The headers PayPal sends with a notification, as (name, value) pairs.
    pub fn headers(&self) -> [(&'static str, &str); 5] {
        [
            ("PAYPAL-TRANSMISSION-ID", &self.transmission_id),
            ("PAYPAL-TRANSMISSION-TIME", &self.transmission_time),
            ("PAYPAL-TRANSMISSION-SIG", &self.transmission_sig),
            ("PAYPAL-CERT-URL", &self.cert_url),
            ("PAYPAL-AUTH-ALGO", &self.auth_algo),
        ]
    }
}

/// A stored answer to a request carrying a `PayPal-Request-Id`.
#[derive(Debug, Clone)]
pub(crate) struct StoredAnswer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// Everything behind the lock.
#[derive(Debug)]
pub(crate) struct Inner {
    pub store: Store,
    /// Issued access tokens and when each expires.
    pub tokens: HashMap<String, Instant>,
    pub token_lifetime: Duration,
    /// (path, PayPal-Request-Id) → the first answer.
    pub answers: HashMap<(String, String), StoredAnswer>,
    /// The webhook id notifications are verified against.
    pub webhook_id: String,
    /// transmission id → SHA-256 of the body sent with it.
    pub transmissions: HashMap<String, [u8; 32]>,
    pub sent: Vec<SentWebhook>,
    /// Every request but the test controls answers 503.
    pub unavailable: bool,
    /// Events happen but no notification is sent.
    pub webhooks_paused: bool,
    outbox: Vec<SentWebhook>,
}

impl Inner {
    /// Records a notification of `event_type` about `resource`, to be sent when the lock is
    /// released.
    pub fn emit(&mut self, event_type: &str, resource_type: &str, resource: &Value) {
        if self.webhooks_paused {
            return;
        }
        let id = format!("WH-{}-{}", new_id(), new_id());
        let event = json!({
            "id": id,
            "event_version": "1.0",
            "create_time": now(),
            "resource_type": resource_type,
            "resource_version": "2.0",
            "event_type": event_type,
            "summary": summary(event_type),
            "resource": resource,
            "links": [{
                "href": format!("{}/v1/notifications/webhooks-events/{id}", self.store.base),
                "rel": "self",
                "method": "GET",
            }],
        });
        let body = event.to_string();
        let transmission_id = format!("{}-fake", new_id().to_lowercase());
        let digest: [u8; 32] = Sha256::digest(body.as_bytes()).into();
        self.transmissions.insert(transmission_id.clone(), digest);
        let signature = Sha256::digest(format!("{transmission_id}|{}", hex::encode(digest)));
        let sent = SentWebhook {
            transmission_id,
            transmission_time: now(),
            transmission_sig: base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                signature,
            ),
            cert_url: format!("{}/v1/notifications/certs/CERT-FAKE", self.store.base),
            auth_algo: "SHA256withRSA".to_owned(),
            event_type: event_type.to_owned(),
            body,
        };
        self.sent.push(sent.clone());
        self.outbox.push(sent);
    }

    /// Whether `body` is exactly what the fake sent as transmission `sent.transmission_id`,
    /// with these headers.
    pub fn sent_this(&self, sent: &SentWebhook, webhook_id: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(sent.body.as_bytes()).into();
        webhook_id == self.webhook_id
            && self.transmissions.get(&sent.transmission_id) == Some(&digest)
            && self.sent.iter().any(|s| {
                s.transmission_id == sent.transmission_id
                    && s.transmission_time == sent.transmission_time
                    && s.transmission_sig == sent.transmission_sig
                    && s.cert_url == sent.cert_url
                    && s.auth_algo == sent.auth_algo
            })
    }
}

fn summary(event_type: &str) -> &'static str {
    match event_type {
        "CHECKOUT.ORDER.APPROVED" => "An order has been approved by buyer",
        "PAYMENT.AUTHORIZATION.CREATED" => "A payment authorization was created",
        "PAYMENT.AUTHORIZATION.VOIDED" => "A payment authorization was voided",
        "PAYMENT.CAPTURE.COMPLETED" => "Payment completed",
        "PAYMENT.CAPTURE.REFUNDED" => "A payment capture was refunded",
        _ => "An event happened",
    }
}

/// The state shared by the handlers.
#[derive(Debug, Clone)]
pub(crate) struct Shared(Arc<SharedInner>);

#[derive(Debug)]
pub(crate) struct SharedInner {
    inner: Mutex<Inner>,
    /// Requests carrying a `PayPal-Request-Id` run one at a time, so that two copies of one
    /// request cannot both act.
    pub serial: tokio::sync::Mutex<()>,
    deliveries: mpsc::UnboundedSender<SentWebhook>,
}

impl Shared {
    pub fn new(
        base: String,
        webhook_id: String,
        token_lifetime: Duration,
    ) -> (Shared, mpsc::UnboundedReceiver<SentWebhook>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let inner = Inner {
            store: Store {
                base,
                ..Store::default()
            },
            tokens: HashMap::new(),
            token_lifetime,
            answers: HashMap::new(),
            webhook_id,
            transmissions: HashMap::new(),
            sent: Vec::new(),
            unavailable: false,
            webhooks_paused: false,
            outbox: Vec::new(),
        };
        let shared = SharedInner {
            inner: Mutex::new(inner),
            serial: tokio::sync::Mutex::new(()),
            deliveries: tx,
        };
        (Shared(Arc::new(shared)), rx)
    }

    /// Runs `f` on the state, then hands the notifications it emitted to the sender.
    pub fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let (result, outbox) = {
            let mut inner = self.lock();
            let result = f(&mut inner);
            (result, std::mem::take(&mut inner.outbox))
        };
        for sent in outbox {
            // The receiver lives as long as the server task; a closed channel means shutdown.
            let _ = self.0.deliveries.send(sent);
        }
        result
    }

    /// The state, for reading.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.0
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn serial(&self) -> &tokio::sync::Mutex<()> {
        &self.0.serial
    }
}

/// Sends the notifications, one after the other, to `url` (none: they are only recorded).
pub(crate) async fn deliver(url: Option<String>, mut rx: mpsc::UnboundedReceiver<SentWebhook>) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_default();
    while let Some(sent) = rx.recv().await {
        let Some(url) = &url else { continue };
        let mut request = http
            .post(url)
            .header("content-type", "application/json")
            .body(sent.body.clone());
        for (name, value) in sent.headers() {
            request = request.header(name, value);
        }
        // PayPal retries failed deliveries over days; the fake tries once: tests that lose a
        // notification on purpose use the pause switch instead.
        if let Err(e) = request.send().await {
            eprintln!(
                "paypal-fake: webhook {} not delivered: {e}",
                sent.transmission_id
            );
        }
    }
}
