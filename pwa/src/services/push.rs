//! Web push in the browser: asks for the permission (only when the person presses the button,
//! never on load), subscribes with the server's VAPID key and hands the subscription to the
//! server — for one order (by its tracking token) or for the logged-in staff member.
//!
//! The browser objects are reached through `Reflect`, as the page sees them (tests replace
//! `PushManager.prototype.subscribe`; a browser without push simply lacks them).

use super::api::{self, ApiFailure};
use crate::i18n::Lang;
use js_sys::{Function, Object, Promise, Reflect};
use ocpizza_proto::api::push::{PushKey, PushLang, PushSubscription, Subscribe, Subscribed};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Whose notifications a browser subscribes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushTarget {
    /// One order's progress, by its tracking token.
    Order(String),
    /// The logged-in staff member's alerts.
    Staff,
}

/// Why subscribing did not work.
#[derive(Debug, Clone, PartialEq)]
pub enum PushFailure {
    /// This browser has no push (or no service worker).
    Unsupported,
    /// The person refused notifications (now or earlier).
    Denied,
    /// The browser's push service or the server refused.
    Failed(String),
}

fn get(target: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(target, &JsValue::from_str(name))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

fn failed(e: &JsValue) -> PushFailure {
    PushFailure::Failed(
        e.as_string()
            .or_else(|| get(e, "message").and_then(|m| m.as_string()))
            .unwrap_or_else(|| "push subscription failed".to_owned()),
    )
}

/// Whether this browser can receive push messages.
pub fn supported() -> bool {
    let window: JsValue = gloo::utils::window().into();
    let navigator: JsValue = gloo::utils::window().navigator().into();
    get(&window, "PushManager").is_some()
        && get(&window, "Notification").is_some()
        && get(&navigator, "serviceWorker").is_some()
}

/// `Notification.permission`: `default`, `granted` or `denied`.
pub fn permission() -> String {
    let window: JsValue = gloo::utils::window().into();
    get(&window, "Notification")
        .and_then(|n| get(&n, "permission"))
        .and_then(|p| p.as_string())
        .unwrap_or_default()
}

/// Calls `method` on `target` and awaits the promise it returns.
async fn call(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, PushFailure> {
    let function: Function = get(target, method)
        .ok_or(PushFailure::Unsupported)?
        .dyn_into()
        .map_err(|_| PushFailure::Unsupported)?;
    let array = args.iter().collect::<js_sys::Array>();
    let promise: Promise = function
        .apply(target, &array)
        .map_err(|e| failed(&e))?
        .dyn_into()
        .map_err(|_| PushFailure::Unsupported)?;
    JsFuture::from(promise).await.map_err(|e| failed(&e))
}

/// Asks for the permission, subscribes this browser and tells the server.
pub async fn subscribe(target: &PushTarget, lang: Lang) -> Result<Subscribed, PushFailure> {
    if !supported() {
        return Err(PushFailure::Unsupported);
    }
    let window: JsValue = gloo::utils::window().into();
    let notification = get(&window, "Notification").ok_or(PushFailure::Unsupported)?;
    let answer = call(&notification, "requestPermission", &[]).await?;
    if answer.as_string().as_deref() != Some("granted") {
        return Err(PushFailure::Denied);
    }
    let key: PushKey = api::get("/api/v1/push/key").await.map_err(|f| server(&f))?;
    let navigator: JsValue = gloo::utils::window().navigator().into();
    let container = get(&navigator, "serviceWorker").ok_or(PushFailure::Unsupported)?;
    let ready: Promise = get(&container, "ready")
        .ok_or(PushFailure::Unsupported)?
        .dyn_into()
        .map_err(|_| PushFailure::Unsupported)?;
    let registration = JsFuture::from(ready).await.map_err(|e| failed(&e))?;
    let manager = get(&registration, "pushManager").ok_or(PushFailure::Unsupported)?;
    let options = Object::new();
    Reflect::set(&options, &"userVisibleOnly".into(), &JsValue::TRUE).map_err(|e| failed(&e))?;
    Reflect::set(
        &options,
        &"applicationServerKey".into(),
        &application_server_key(&key.public_key)?,
    )
    .map_err(|e| failed(&e))?;
    let subscription = call(&manager, "subscribe", &[options.into()]).await?;
    let json = js_sys::JSON::stringify(&subscription)
        .map_err(|e| failed(&e))?
        .as_string()
        .unwrap_or_default();
    let subscription: PushSubscription =
        serde_json::from_str(&json).map_err(|e| PushFailure::Failed(e.to_string()))?;
    let body = Subscribe {
        subscription,
        lang: match lang {
            Lang::Fr => PushLang::Fr,
            Lang::En => PushLang::En,
        },
    };
    let path = match target {
        PushTarget::Order(token) => format!("/api/v1/track/{token}/push"),
        PushTarget::Staff => "/api/v1/push/subscriptions".to_owned(),
    };
    api::post(&path, &body).await.map_err(|f| server(&f))
}

fn server(failure: &ApiFailure) -> PushFailure {
    PushFailure::Failed(match failure.body() {
        Some(body) => body.error.message.clone(),
        None => failure.to_string(),
    })
}

/// The key as bytes (a `Uint8Array`), which every browser accepts.
fn application_server_key(base64url: &str) -> Result<JsValue, PushFailure> {
    let standard: String = base64url
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    let padded = format!("{standard}{}", "=".repeat((4 - standard.len() % 4) % 4));
    let binary = gloo::utils::window()
        .atob(&padded)
        .map_err(|e| failed(&e))?;
    let bytes: Vec<u8> = binary.chars().map(|c| c as u8).collect();
    Ok(js_sys::Uint8Array::from(bytes.as_slice()).into())
}
