//! The driver's phone storage and sync: the last list of deliveries and the queue of actions
//! are kept in `localStorage` (they survive closing the app and restarting the phone), and
//! queued actions are sent one by one to `POST /api/v1/driver/actions`. Each keeps the
//! idempotency key and device time it got at the tap, so a replay after a lost answer is
//! applied once by the server.

use super::api::{self, ApiFailure};
use crate::state::driver::Queued;
use ocpizza_proto::api::driver::{DriverAction, DriverActionResult, DriverLocation};
use ocpizza_proto::api::orders::Deliveries;
use ocpizza_proto::{ErrorCode, OrderId, Timestamp, UserId};

fn queue_key(driver: UserId) -> String {
    format!("ocpizza.driver.{}.queue", driver.0)
}

fn list_key(driver: UserId) -> String {
    format!("ocpizza.driver.{}.deliveries", driver.0)
}

fn storage() -> Option<web_sys::Storage> {
    gloo::utils::window().local_storage().ok().flatten()
}

fn read<T: serde::de::DeserializeOwned>(key: &str) -> Option<T> {
    let text = storage()?.get_item(key).ok().flatten()?;
    serde_json::from_str(&text).ok()
}

fn write<T: serde::Serialize>(key: &str, value: &T) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(value)) {
        // A full storage loses the copy, not the action in memory.
        let _ = storage.set_item(key, &text);
    }
}

/// The queue saved on this phone for `driver`.
pub fn load_queue(driver: UserId) -> Vec<Queued> {
    read(&queue_key(driver)).unwrap_or_default()
}

/// Saves the queue (written after every change, before anything is sent).
pub fn save_queue(driver: UserId, queue: &[Queued]) {
    write(&queue_key(driver), &queue);
}

/// The last list of deliveries the server gave, for opening with no network.
pub fn load_deliveries(driver: UserId) -> Option<Deliveries> {
    read(&list_key(driver))
}

/// Keeps the list for the next start without network.
pub fn save_deliveries(driver: UserId, deliveries: &Deliveries) {
    write(&list_key(driver), deliveries);
}

/// The phone's clock now.
pub fn device_now() -> Timestamp {
    Timestamp::from_millisecond(js_sys::Date::now() as i64).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A fresh idempotency key for an action.
pub fn new_key() -> String {
    format!("drv-{}", api::new_idempotency_key())
}

/// How sending one action ended.
#[derive(Debug)]
pub enum Sent {
    /// Applied now or before.
    Applied(Box<DriverActionResult>),
    /// Refused for good: the order changed meanwhile or the action is invalid.
    Refused {
        /// Error code.
        code: ErrorCode,
        /// Explanation.
        message: String,
    },
    /// Not delivered (no network, server unavailable): try again later.
    Unsent,
}

/// Sends one queued action.
pub async fn send(action: &DriverAction) -> Sent {
    match api::post::<_, DriverActionResult>("/api/v1/driver/actions", action).await {
        Ok(result) => Sent::Applied(Box::new(result)),
        // 401: the session ended; keep the action until the driver logs in again. 5xx and
        // 429: the server will answer later.
        Err(ApiFailure::Server(status, _)) if status == 401 || status == 429 || status >= 500 => {
            Sent::Unsent
        }
        Err(ApiFailure::Server(_, body)) => Sent::Refused {
            code: body.error.code,
            message: body.error.message,
        },
        Err(ApiFailure::Network(_) | ApiFailure::Decode(_)) => Sent::Unsent,
    }
}

/// Sends the driver's position for an order out for delivery (best effort: a position that
/// does not arrive is replaced by the next one).
pub async fn send_position(order_id: OrderId, lat: f64, lon: f64, accuracy_m: f64) {
    let body = DriverLocation {
        order_id,
        lat,
        lon,
        accuracy_m,
        device_at: device_now(),
    };
    let _ = api::post::<_, serde_json::Value>("/api/v1/driver/location", &body).await;
}
