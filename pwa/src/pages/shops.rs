//! The customer's first screen: every pizzeria with its address and whether it takes orders.

use crate::app::Route;
use crate::components::use_session;
use crate::services::api;
use ocpizza_proto::api::shops::Shop;
use yew::{Html, component, html, use_effect_with, use_state};
use yew_router::prelude::Link;

/// The list of shops.
#[component]
pub fn Shops() -> Html {
    let t = use_session().lang.texts();
    let shops = use_state(|| None::<Result<Vec<Shop>, api::ApiFailure>>);
    {
        let shops = shops.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                shops.set(Some(api::get::<Vec<Shop>>("/api/v1/shops").await));
            });
        });
    }
    let body = match &*shops {
        None => html! { <p aria-busy="true">{ t.loading }</p> },
        Some(Err(_)) => html! { <p role="alert">{ t.load_failed }</p> },
        Some(Ok(list)) => html! {
            <ul class="cards">
                { for list.iter().map(|shop| {
                    let (state, class) = if shop.paused {
                        (t.paused, "state state--paused")
                    } else if shop.open_now {
                        (t.open, "state state--open")
                    } else {
                        (t.closed, "state state--closed")
                    };
                    html! {
                        <li class="card" key={shop.id.0}>
                            <h2>{ &shop.name }</h2>
                            <p>{ format!("{}, {} {}", shop.street, shop.postcode, shop.city) }</p>
                            <p class={class}>{ state }</p>
                            <Link<Route> to={Route::Menu { id: shop.id.0 }} classes="button">
                                { t.see_menu }
                            </Link<Route>>
                        </li>
                    }
                }) }
            </ul>
        },
    };
    html! {
        <section class="page">
            <h1>{ t.shops_title }</h1>
            { body }
        </section>
    }
}
