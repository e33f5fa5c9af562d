//! The maintenance banner: follows the public `site` stream and, while maintenance is on,
//! tells customers that ordering is paused (with the announced end and the operator's
//! message). It appears and disappears live, without a reload.

use super::use_session;
use crate::services::live::Live;
use crate::state::site::{SiteAction, SiteState};
use ocpizza_proto::events::Stream;
use yew::{Callback, Html, component, html, use_effect_with, use_reducer};

/// Shown at the top of the menu and checkout pages while the site is in maintenance.
#[component]
pub fn MaintenanceBanner() -> Html {
    let lang = use_session().lang;
    let state = use_reducer(SiteState::default);
    {
        let state = state.clone();
        use_effect_with((), move |()| {
            let on_message =
                Callback::from(move |msg| state.dispatch(SiteAction::Server(Box::new(msg))));
            let live = Live::connect(on_message, Callback::noop());
            live.subscribe(&Stream::Site.to_string(), None);
            move || live.stop()
        });
    }
    let m = &state.maintenance;
    if !m.on {
        return html! {};
    }
    let t = lang.maintenance();
    let until = m.until.map(|u| {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(u.as_millisecond() as f64));
        format!(
            "{} {}.",
            t.back_around,
            lang.time_of_day(date.get_hours(), date.get_minutes())
        )
    });
    html! {
        <div class="notice notice--maintenance" role="alert" data-testid="maintenance-banner">
            <strong>{ t.title }</strong>
            <p>{ t.body }</p>
            if let Some(until) = until {
                <p data-testid="maintenance-until">{ until }</p>
            }
            if let Some(message) = &m.message {
                <p data-testid="maintenance-message">{ message }</p>
            }
        </div>
    }
}
