//! Sends one push: encrypts the message for the browser (aes128gcm, RFC 8291), signs the
//! request with the server's VAPID key (RFC 8292) — both with the `web-push` crate — and posts
//! it to the subscription's push service with the server's own HTTP client.
//!
//! What the push service answers decides what happens next (RFC 8030): 201/202 sent; 404/410
//! the subscription is gone (the browser unsubscribed or the user revoked the permission), so
//! it is forgotten; 429 and 5xx are retried later; anything else (400 malformed, 413 too large,
//! 401/403 a signature refused) is not retried. Endpoints are capability URLs: only their host
//! is ever logged.

use super::db;
use super::keys::VapidKey;
use super::{Envelope, Urgency};
use crate::db::{Db, now_ms};
use crate::notify::{Outcome, Pending, Sender};
use futures_util::future::BoxFuture;
use reqwest::StatusCode;
use web_push::{
    ContentEncoding, PartialVapidSignatureBuilder, SubscriptionInfo, VapidSignatureBuilder,
    WebPushMessage, WebPushMessageBuilder,
};

/// Web push's sender.
pub struct PushSender {
    db: Db,
    vapid: PartialVapidSignatureBuilder,
    subject: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for PushSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushSender")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

impl PushSender {
    /// Signs with `key`, naming `subject` (an https URL or a `mailto:`) as the contact.
    pub fn new(db: Db, key: &VapidKey, subject: String) -> anyhow::Result<PushSender> {
        let vapid = VapidSignatureBuilder::from_base64_no_sub(key.private.expose())
            .map_err(|e| anyhow::anyhow!("the stored VAPID key is not usable: {e}"))?;
        Ok(PushSender {
            db,
            vapid,
            subject,
            http: crate::payments::provider::http_client(),
        })
    }

    async fn attempt(&self, pending: &Pending) -> Outcome {
        let envelope: Envelope = match serde_json::from_str(&pending.payload) {
            Ok(e) => e,
            Err(e) => return Outcome::Failed(format!("unreadable payload: {e}")),
        };
        let Ok(id) = pending.recipient.parse::<i64>() else {
            return Outcome::Failed("recipient is not a subscription id".into());
        };
        let sub = match db::by_id(self.db.pool(), id).await {
            Ok(Some(sub)) => sub,
            Ok(None) => return Outcome::Gone("the subscription was removed".into()),
            Err(e) => return Outcome::Retry(format!("database: {e}")),
        };
        let info = SubscriptionInfo::new(
            sub.endpoint.as_str(),
            sub.p256dh.as_str(),
            sub.auth.as_str(),
        );
        let message = match self.build(&info, &envelope) {
            Ok(m) => m,
            Err(e) => return Outcome::Failed(format!("message not built: {e}")),
        };
        let host = reqwest::Url::parse(&sub.endpoint)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        let outcome = self.post(message).await;
        if let Outcome::Gone(_) = outcome
            && let Err(e) = async { db::delete(&mut *self.db.writer().await?, id).await }.await
        {
            tracing::warn!(error = %e, "could not forget a gone push subscription");
        }
        tracing::debug!(push_service = host, outcome = ?outcome, "push attempt");
        outcome
    }

    /// The encrypted, signed message.
    fn build(
        &self,
        info: &SubscriptionInfo,
        envelope: &Envelope,
    ) -> Result<WebPushMessage, web_push::WebPushError> {
        let mut signature = self.vapid.clone().add_sub_info(info);
        signature.add_claim("sub", self.subject.as_str());
        // The audience is the push service's origin (RFC 8292), port included: the crate
        // leaves a non-default port out.
        if let Ok(endpoint) = reqwest::Url::parse(&info.endpoint) {
            signature.add_claim("aud", endpoint.origin().ascii_serialization());
        }
        let signature = signature.build()?;
        let body = serde_json::to_vec(&envelope.message).expect("a message serialises");
        let ttl = (envelope.expires_at - now_ms()).max(0) / 1000;
        let mut builder = WebPushMessageBuilder::new(info);
        builder.set_payload(ContentEncoding::Aes128Gcm, &body);
        builder.set_vapid_signature(signature);
        builder.set_ttl(u32::try_from(ttl).unwrap_or(u32::MAX));
        builder.set_urgency(match envelope.urgency {
            Urgency::High => web_push::Urgency::High,
            Urgency::Normal => web_push::Urgency::Normal,
        });
        builder.set_topic(envelope.message.tag.clone());
        builder.build()
    }

    /// Posts the message and reads the push service's answer.
    async fn post(&self, message: WebPushMessage) -> Outcome {
        let mut request = self
            .http
            .post(message.endpoint.to_string())
            .header("TTL", message.ttl.to_string());
        if let Some(urgency) = message.urgency {
            request = request.header("Urgency", urgency.to_string());
        }
        if let Some(topic) = &message.topic {
            request = request.header("Topic", topic.as_str());
        }
        if let Some(payload) = message.payload {
            request = request
                .header("Content-Encoding", payload.content_encoding.to_str())
                .header("Content-Type", "application/octet-stream");
            for (name, value) in payload.crypto_headers {
                request = request.header(name, value);
            }
            request = request.body(payload.content);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                return Outcome::Retry(
                    crate::payments::provider::ProviderError::transport(&e).to_string(),
                );
            }
        };
        let status = response.status();
        match status {
            StatusCode::OK | StatusCode::CREATED | StatusCode::ACCEPTED => Outcome::Sent,
            StatusCode::NOT_FOUND | StatusCode::GONE => {
                Outcome::Gone(format!("push service answered {status}"))
            }
            StatusCode::TOO_MANY_REQUESTS => {
                Outcome::Retry(format!("push service answered {status}"))
            }
            s if s.is_server_error() => Outcome::Retry(format!("push service answered {status}")),
            _ => Outcome::Failed(format!("push service answered {status}")),
        }
    }
}

impl Sender for PushSender {
    fn send<'a>(&'a self, delivery: &'a Pending) -> BoxFuture<'a, Outcome> {
        Box::pin(self.attempt(delivery))
    }
}
