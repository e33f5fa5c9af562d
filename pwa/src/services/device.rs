//! The phone's capabilities the driver's screen uses when it can: keeping the screen awake
//! (Screen Wake Lock API) and reading the position (Geolocation API). Both are looked up at run
//! time, so a browser without them simply goes without.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

fn get(target: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(target, &JsValue::from_str(name))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// A held screen wake lock; released when dropped.
#[derive(Debug)]
pub struct WakeLock(JsValue);

impl Drop for WakeLock {
    fn drop(&mut self) {
        if let Some(release) = get(&self.0, "release").and_then(|f| f.dyn_into::<Function>().ok()) {
            let _ = release.call0(&self.0);
        }
    }
}

/// Asks the browser to keep the screen on; `None` when it cannot (no API, page hidden,
/// battery saver).
pub async fn keep_screen_on() -> Option<WakeLock> {
    let navigator: JsValue = gloo::utils::window().navigator().into();
    let wake_lock = get(&navigator, "wakeLock")?;
    let request = get(&wake_lock, "request")?.dyn_into::<Function>().ok()?;
    let promise = request
        .call1(&wake_lock, &JsValue::from_str("screen"))
        .ok()?
        .dyn_into::<Promise>()
        .ok()?;
    JsFuture::from(promise).await.ok().map(WakeLock)
}

/// A position reading.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fix {
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Accuracy radius, metres.
    pub accuracy_m: f64,
}

/// One position reading (asks for permission the first time); `None` when refused or
/// unavailable.
pub async fn position() -> Option<Fix> {
    let navigator: JsValue = gloo::utils::window().navigator().into();
    let geolocation = get(&navigator, "geolocation")?;
    let current = get(&geolocation, "getCurrentPosition")?
        .dyn_into::<Function>()
        .ok()?;
    let promise = Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move |p: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &p);
        });
        let fail = Closure::once_into_js(move |e: JsValue| {
            let _ = reject.call1(&JsValue::NULL, &e);
        });
        let options = Object::new();
        let _ = Reflect::set(&options, &"enableHighAccuracy".into(), &JsValue::TRUE);
        let _ = Reflect::set(&options, &"timeout".into(), &JsValue::from_f64(10_000.0));
        let _ = Reflect::set(&options, &"maximumAge".into(), &JsValue::from_f64(5_000.0));
        let _ = current.call3(&geolocation, &ok, &fail, &options);
    });
    let reading = JsFuture::from(promise).await.ok()?;
    let coords = get(&reading, "coords")?;
    let number = |name| get(&coords, name).and_then(|v| v.as_f64());
    Some(Fix {
        lat: number("latitude")?,
        lon: number("longitude")?,
        accuracy_m: number("accuracy").unwrap_or(0.0),
    })
}
