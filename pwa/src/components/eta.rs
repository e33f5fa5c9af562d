//! Promised and estimated times on screen: what the shop promises before ordering (menu and
//! checkout), the live estimate on the tracker, and the flag on the kitchen display and the
//! dashboard for an order that will miss its promised time. Times are shown in the shop's time
//! zone when it is known, else in the device's.

use super::use_session;
use crate::i18n::Lang;
use crate::services::api;
use ocpizza_proto::api::eta::ShopEta;
use ocpizza_proto::api::orders::Order;
use ocpizza_proto::{Fulfilment, OrderStatus, Timestamp};
use wasm_bindgen::JsValue;
use yew::{AttrValue, Html, Properties, component, html, use_effect_with, use_state};

/// How often the shop's estimate is asked again while a page shows it.
const REFRESH_MS: u32 = 60_000;

/// Hours and minutes of `at` in `timezone` (an IANA name), or in the device's zone.
fn hours_minutes(at: Timestamp, timezone: Option<&str>) -> (u32, u32) {
    let date = js_sys::Date::new(&JsValue::from_f64(at.as_millisecond() as f64));
    let Some(zone) = timezone.filter(|z| !z.is_empty()) else {
        return (date.get_hours(), date.get_minutes());
    };
    let options = js_sys::Object::new();
    for (key, value) in [
        ("timeZone", zone),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
        ("hourCycle", "h23"),
    ] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    let text: String = date
        .to_locale_time_string_with_options("en-GB", &options)
        .into();
    let mut parts = text.split(':').map(|p| p.trim().parse::<u32>());
    match (parts.next(), parts.next()) {
        (Some(Ok(h)), Some(Ok(m))) => (h % 24, m),
        _ => (date.get_hours(), date.get_minutes()),
    }
}

/// `at` as people say it in `lang` ("20 h 15", "8:15 pm").
pub fn clock(lang: Lang, at: Timestamp, timezone: Option<&str>) -> String {
    let (h, m) = hours_minutes(at, timezone);
    lang.clock(h, m)
}

/// Whether `order` will miss its promised time: its estimate (or now, if the estimate is
/// already past) is after the promise. A pickup order that is ready has made it; a finished
/// order is no longer flagged.
pub fn misses_promise(order: &Order, now_ms: f64) -> bool {
    let Some(promised) = order.promised_at else {
        return false;
    };
    let ready_pickup = order.fulfilment == Fulfilment::Pickup && order.status == OrderStatus::Ready;
    if order.status.is_terminal() || ready_pickup {
        return false;
    }
    let expected = order
        .eta
        .map_or(now_ms, |eta| (eta.as_millisecond() as f64).max(now_ms));
    expected > promised.as_millisecond() as f64
}

/// Props of [`ShopPromise`].
#[derive(Debug, Properties, PartialEq)]
pub struct ShopPromiseProps {
    /// The shop.
    pub shop: i64,
    /// Only this fulfilment (checkout), or both (menu).
    #[prop_or_default]
    pub fulfilment: Option<Fulfilment>,
}

/// What the shop promises to an order placed now: "Livraison vers 20 h 15 · À retirer vers
/// 19 h 50", asked again every minute.
#[component]
pub fn ShopPromise(props: &ShopPromiseProps) -> Html {
    let lang = use_session().lang;
    let eta = use_state(|| None::<ShopEta>);
    {
        let eta = eta.clone();
        use_effect_with(props.shop, move |&shop| {
            let fetch = move || {
                let eta = eta.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(answer) =
                        api::get::<ShopEta>(&format!("/api/v1/shops/{shop}/eta")).await
                    {
                        eta.set(Some(answer));
                    }
                });
            };
            fetch();
            let interval = gloo::timers::callback::Interval::new(REFRESH_MS, fetch);
            move || drop(interval)
        });
    }
    let Some(eta) = &*eta else {
        return html! {};
    };
    let t = lang.eta();
    let zone = Some(eta.timezone.as_str());
    let line = |kind: Fulfilment, label: &str, at: Timestamp| {
        let shown = props.fulfilment.is_none_or(|f| f == kind);
        shown.then(|| {
            html! {
                <span class="eta-promise" data-testid={format!("eta-{}", kind.as_str())}
                      data-at={at.as_millisecond().to_string()}>
                    { format!("{label} {}", clock(lang, at, zone)) }
                </span>
            }
        })
    };
    html! {
        <p class="eta" data-testid="shop-eta" role="status">
            { line(Fulfilment::Delivery, t.delivery_around, eta.delivery_at) }
            { line(Fulfilment::Pickup, t.pickup_around, eta.pickup_at) }
        </p>
    }
}

/// Props of [`OrderEstimate`].
#[derive(Debug, Properties, PartialEq)]
pub struct OrderEstimateProps {
    /// The order, as it now stands.
    pub order: Order,
    /// The shop's time zone.
    #[prop_or_default]
    pub timezone: Option<AttrValue>,
}

/// The tracker's "Prévue vers 20 h 15", with the promised time, updated as the order moves.
#[component]
pub fn OrderEstimate(props: &OrderEstimateProps) -> Html {
    let lang = use_session().lang;
    let t = lang.eta();
    let order = &props.order;
    let ready_pickup = order.fulfilment == Fulfilment::Pickup && order.status == OrderStatus::Ready;
    let Some(eta) = order
        .eta
        .filter(|_| !order.status.is_terminal() && !ready_pickup)
    else {
        return html! {};
    };
    let zone = props.timezone.as_deref();
    let late = misses_promise(order, js_sys::Date::now());
    html! {
        <p class={if late { "eta eta--late" } else { "eta" }} data-testid="order-eta"
           data-at={eta.as_millisecond().to_string()} data-late={late.to_string()}>
            <strong>{ format!("{} {}", t.expected_around, clock(lang, eta, zone)) }</strong>
            if let Some(promised) = order.promised_at {
                <span class="muted" data-testid="order-promised">
                    { format!(" ({} {})", t.promised, clock(lang, promised, zone)) }
                </span>
            }
        </p>
    }
}

/// Props of [`LateFlag`].
#[derive(Debug, Properties, PartialEq)]
pub struct LateFlagProps {
    /// The order.
    pub order: Order,
    /// The screen's clock, Unix ms.
    pub now_ms: f64,
    /// The short word ("En retard") with the full sentence for screen readers and tooltips.
    #[prop_or_default]
    pub short: bool,
}

/// A badge on an order that will miss its promised time (kitchen display, dashboard); nothing
/// otherwise.
#[component]
pub fn LateFlag(props: &LateFlagProps) -> Html {
    let lang = use_session().lang;
    if !misses_promise(&props.order, props.now_ms) {
        return html! {};
    }
    let t = lang.eta();
    let promised = props.order.promised_at.map_or_else(
        || t.late.to_owned(),
        |p| format!("{} ({} {})", t.late, t.promised, clock(lang, p, None)),
    );
    html! {
        <span class="eta-late" title={promised.clone()}
              data-testid={format!("eta-late-{}", props.order.id.0)}>
            if props.short {
                <span aria-hidden="true">{ t.late_short }</span>
                <span class="sr-only">{ promised }</span>
            } else {
                { promised }
            }
        </span>
    }
}

#[cfg(test)]
mod tests;
