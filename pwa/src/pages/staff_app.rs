//! In the customers' bundle, the staff screens are not there: opening one reloads the page,
//! which the server (or, offline, the service worker) answers with the staff bundle. A reload
//! that lands here again at once (a server without the staff bundle) is not repeated.

use gloo::storage::{SessionStorage, Storage};
use yew::{Html, component, html, use_effect_with, use_state};

const LAST_RELOAD: &str = "ocpizza.staff-reload";
/// A second arrival within this window means the reload did not bring the staff bundle.
const LOOP_MS: f64 = 10_000.0;

/// Stands in for a staff screen: reloads into the staff bundle.
#[component]
pub fn StaffApp() -> Html {
    let stuck = use_state(|| false);
    {
        let stuck = stuck.clone();
        use_effect_with((), move |()| {
            let now = js_sys::Date::now();
            let last = SessionStorage::get::<f64>(LAST_RELOAD).unwrap_or(0.0);
            if now - last < LOOP_MS {
                stuck.set(true);
            } else {
                let _ = SessionStorage::set(LAST_RELOAD, now);
                let _ = gloo::utils::window().location().reload();
            }
        });
    }
    if *stuck {
        html! { <section class="page narrow"><p role="alert">{ "Écran indisponible · Screen unavailable" }</p></section> }
    } else {
        html! { <section class="page"><p aria-busy="true">{ "OC Pizza…" }</p></section> }
    }
}
