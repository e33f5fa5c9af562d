//! A shop's open state and today's hours as its customers are told them ("Ouvert jusqu'à
//! 22 h 30", "Fermé — ouvre mardi à 11 h 30", "En pause : four en panne"), shared by the shop
//! list, the menu, the checkout and the managers' dashboard, and kept true while a page stays
//! open: the state is re-read from its timestamps as the clock moves, and the page asks the
//! server again when the hours change what it shows (the next opening after a closing is only
//! known there). Pauses arrive live on the menu stream.

use crate::i18n::Lang;
use gloo::timers::callback::{Interval, Timeout};
use ocpizza_proto::api::shops::Shop;
use ocpizza_proto::{OpenState, OpeningSlot};
use yew::{Callback, Html, Properties, component, html, use_effect_with, use_state};

/// What the customer is told: a kind (`open`, `closes_soon`, `closed`, `paused`, also the CSS
/// modifier and the `data-state` of the line) and the sentence.
pub fn status(
    lang: Lang,
    paused: bool,
    reason: Option<&str>,
    state: &OpenState,
) -> (&'static str, String) {
    let h = lang.hours();
    if paused {
        return ("paused", lang.paused_because(reason));
    }
    match state {
        OpenState::Open { until: None } => ("open", h.open_always.to_owned()),
        OpenState::Open { until: Some(until) } => (
            "open",
            format!("{} {}", h.open_until, lang.clock_hhmm(&until.time)),
        ),
        OpenState::ClosesSoon { until } => (
            "closes_soon",
            format!("{} {}", h.closes_soon, lang.clock_hhmm(&until.time)),
        ),
        OpenState::Closed { next } => ("closed", lang.closed_until(next.as_ref())),
    }
}

/// Whether the shop takes orders at `now_ms`: trading, not paused, and open by its hours.
pub fn orderable(shop: &Shop, now_ms: f64) -> bool {
    !shop.retired && !shop.paused && shop.open_state.at(now_ms as i64).is_open()
}

/// The closing sentence with why the shop is closed today, when an exceptional closure says
/// so ("Fermé — ouvre lundi à 11 h 30 · Fermeture exceptionnelle : inventaire").
fn with_closure(lang: Lang, text: String, closure: Option<&str>) -> String {
    match closure {
        Some(reason) => format!("{text} · {} : {reason}", lang.shop_admin().closed_for),
        None => text,
    }
}

/// The time now, in Unix milliseconds.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The clock, re-read every `every_ms` (the component renders again each time).
#[yew::hook]
pub fn use_clock(every_ms: u32) -> f64 {
    let now = use_state(now_ms);
    {
        let now = now.clone();
        use_effect_with(every_ms, move |&every| {
            let timer = Interval::new(every, move || now.set(now_ms()));
            move || drop(timer)
        });
    }
    *now
}

/// Calls `on_due` once, shortly after the instant `at_ms` (nothing when `None`): the moment a
/// shown state or day stops being true.
#[yew::hook]
pub fn use_refresh_at(at_ms: Option<i64>, on_due: Callback<()>) {
    use_effect_with(at_ms, move |&at| {
        let timer = at.map(|at| {
            let wait = (at as f64 - now_ms() + 1_000.0).clamp(0.0, f64::from(i32::MAX));
            Timeout::new(wait as u32, move || on_due.emit(()))
        });
        move || drop(timer)
    });
}

/// Props of [`ShopStatusLine`].
#[derive(Debug, Properties, PartialEq)]
pub struct StatusProps {
    /// Interface language.
    pub lang: Lang,
    /// Paused by a manager.
    pub paused: bool,
    /// Why.
    #[prop_or_default]
    pub reason: Option<String>,
    /// What the hours said when the server was asked.
    pub state: OpenState,
    /// The time now (Unix ms), to move the state on.
    pub now_ms: f64,
    /// Its `data-testid`.
    pub testid: String,
    /// Why it is closed today (an exceptional closure), if it is.
    #[prop_or_default]
    pub closure: Option<String>,
}

/// One line: the shop's state now, coloured by kind.
#[component]
pub fn ShopStatusLine(props: &StatusProps) -> Html {
    let state = props.state.at(props.now_ms as i64);
    let (kind, text) = status(props.lang, props.paused, props.reason.as_deref(), &state);
    let text = match kind {
        "closed" => with_closure(props.lang, text, props.closure.as_deref()),
        _ => text,
    };
    html! {
        <p class={format!("state state--{kind}")} data-state={kind} data-testid={props.testid.clone()}>
            { text }
        </p>
    }
}

fn lang_closed_down(lang: Lang) -> String {
    lang.shop_admin().closed_down.to_owned()
}

/// Props of [`TodayHours`].
#[derive(Debug, Properties, PartialEq)]
pub struct TodayProps {
    /// Interface language.
    pub lang: Lang,
    /// Today's periods.
    pub slots: Vec<OpeningSlot>,
    /// Its `data-testid`.
    pub testid: String,
}

/// Today's periods: "Aujourd'hui : 11 h 30–14 h 30, 18 h–22 h 30".
#[component]
pub fn TodayHours(props: &TodayProps) -> Html {
    html! {
        <p class="today-hours" data-testid={props.testid.clone()}>
            { props.lang.today_hours(&props.slots) }
        </p>
    }
}

/// Props of [`OrderingClosed`].
#[derive(Debug, Properties, PartialEq)]
pub struct ClosedProps {
    /// Interface language.
    pub lang: Lang,
    /// The shop.
    pub shop: Shop,
    /// The time now (Unix ms).
    pub now_ms: f64,
}

/// The notice at the top of the menu and the checkout while the shop takes no order (nothing
/// when it does): why, when it opens, and that no pre-order is taken.
#[component]
pub fn OrderingClosed(props: &ClosedProps) -> Html {
    let shop = &props.shop;
    if orderable(shop, props.now_ms) {
        return html! {};
    }
    let state = shop.open_state.at(props.now_ms as i64);
    let (kind, text) = status(
        props.lang,
        shop.paused,
        shop.pause_reason.as_deref(),
        &state,
    );
    let closure = shop.closed_today.as_ref().map(|c| c.reason.as_str());
    let text = match (shop.retired, kind) {
        (true, _) => lang_closed_down(props.lang),
        (false, "closed") => with_closure(props.lang, text, closure),
        _ => text,
    };
    let testid = if shop.paused {
        "shop-paused"
    } else {
        "shop-closed"
    };
    html! {
        <div class="notice notice--closed" role="status" data-state={kind} data-testid={testid}>
            <strong>{ text }</strong>
            <p>{ props.lang.hours().no_ordering }</p>
        </div>
    }
}
