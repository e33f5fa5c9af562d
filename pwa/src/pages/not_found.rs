//! Unknown addresses.

use crate::app::Route;
use crate::components::use_session;
use yew::{Html, component, html};
use yew_router::prelude::Link;

/// "Page not found", with a way back.
#[component]
pub fn NotFound() -> Html {
    let t = use_session().lang.texts();
    html! {
        <section class="page">
            <h1>{ t.not_found }</h1>
            <Link<Route> to={Route::Shops}>{ t.back_to_shops }</Link<Route>>
        </section>
    }
}
