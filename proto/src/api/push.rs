//! Web push: the server's public key a browser subscribes with, the subscription a browser
//! hands over (customers for one order, staff for their roles), and what a notification
//! carries to the service worker.

use serde::{Deserialize, Serialize};

/// `GET /api/v1/push/key`: the server's VAPID public key, the `applicationServerKey` of
/// `pushManager.subscribe`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PushKey {
    /// The P-256 public key as an uncompressed point (65 bytes), base64url without padding.
    pub public_key: String,
}

/// The keys of a browser's subscription, as `PushSubscription.toJSON()` gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PushKeys {
    /// The browser's P-256 public key (65 bytes), base64url.
    pub p256dh: String,
    /// The browser's authentication secret (16 bytes), base64url.
    pub auth: String,
}

/// A browser's push subscription, as `PushSubscription.toJSON()` gives it (other members,
/// such as `expirationTime`, are ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PushSubscription {
    /// Where the server posts the notifications (the browser vendor's push service, https).
    pub endpoint: String,
    /// The keys the payload is encrypted for.
    pub keys: PushKeys,
}

/// The language notifications are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PushLang {
    /// French (the default).
    #[default]
    Fr,
    /// English.
    En,
}

impl PushLang {
    /// The name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            PushLang::Fr => "fr",
            PushLang::En => "en",
        }
    }

    /// Parses [`PushLang::as_str`] back.
    pub fn parse(s: &str) -> Option<PushLang> {
        [PushLang::Fr, PushLang::En]
            .into_iter()
            .find(|l| l.as_str() == s)
    }
}

/// `POST /api/v1/track/{token}/push` and `POST /api/v1/push/subscriptions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Subscribe {
    /// The browser's subscription.
    pub subscription: PushSubscription,
    /// The language of the notifications (the screen's language when subscribing).
    #[serde(default)]
    pub lang: PushLang,
}

/// `DELETE /api/v1/track/{token}/push` and `DELETE /api/v1/push/subscriptions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Unsubscribe {
    /// The endpoint of the subscription to forget.
    pub endpoint: String,
}

/// What a subscription now receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Subscribed {
    /// `order` (an order's progress) or `staff` (drivers' and managers' alerts).
    pub kind: String,
    /// What it is told about, for the screen: `order`, `driver`, `manager`.
    pub topics: Vec<String>,
}

/// What a push message carries to the service worker, which shows it as a notification (and,
/// when a window of the app is open, as a banner in it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PushMessage {
    /// Title, in the subscriber's language.
    pub title: String,
    /// Text, in the subscriber's language.
    pub body: String,
    /// The screen a tap opens (a path of the app).
    pub url: String,
    /// One per topic (an order, a shop's kitchen): a newer message replaces the older one.
    pub tag: String,
}
