//! The customer's first screen: every pizzeria with its address, today's hours and whether it
//! takes orders now (asked again when the hours change that, and when the group opens, changes
//! or closes down a shop).

use crate::app::Route;
use crate::components::shop_hours::{ShopStatusLine, TodayHours, use_clock, use_refresh_at};
use crate::components::use_session;
use crate::services::api;
use crate::services::live::Live;
use ocpizza_proto::api::shops::Shop;
use ocpizza_proto::events::{Event, Stream};
use ocpizza_proto::ws::ServerMsg;
use yew::{Callback, Html, component, html, use_effect_with, use_state};
use yew_router::prelude::Link;

/// The list of shops.
#[component]
pub fn Shops() -> Html {
    let lang = use_session().lang;
    let t = lang.texts();
    let shops = use_state(|| None::<Result<Vec<Shop>, api::ApiFailure>>);
    let generation = use_state(|| 0_u32);
    {
        let shops = shops.clone();
        use_effect_with(*generation, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                shops.set(Some(api::get::<Vec<Shop>>("/api/v1/shops").await));
            });
        });
    }
    // A shop opened, changed or closed down by the group's administrators: the list is read
    // again (the events come on the public `site` stream).
    {
        let shops = shops.clone();
        use_effect_with((), move |()| {
            let on_message = Callback::from(move |msg: ServerMsg| {
                let ServerMsg::Event { event, .. } = msg else {
                    return;
                };
                if matches!(
                    event,
                    Event::ShopOpened { .. }
                        | Event::ShopUpdated { .. }
                        | Event::ShopRetired { .. }
                ) {
                    let shops = shops.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        shops.set(Some(api::get::<Vec<Shop>>("/api/v1/shops").await));
                    });
                }
            });
            let live = Live::connect(on_message, Callback::noop());
            live.subscribe(&Stream::Site.to_string(), None);
            move || live.stop()
        });
    }
    let now = use_clock(15_000);
    let changes_at = match &*shops {
        Some(Ok(list)) => list
            .iter()
            .filter_map(|s| s.open_state.changes_at_ms())
            .min(),
        _ => None,
    };
    use_refresh_at(changes_at, {
        let generation = generation.clone();
        Callback::from(move |()| generation.set(*generation + 1))
    });
    let body = match &*shops {
        None => html! { <p aria-busy="true">{ t.loading }</p> },
        Some(Err(_)) => html! { <p role="alert">{ t.load_failed }</p> },
        Some(Ok(list)) => html! {
            <ul class="cards">
                { for list.iter().map(|shop| {
                    let id = shop.id.0;
                    html! {
                        <li class="card" key={id} data-testid={format!("shop-{id}")}>
                            <h2>{ &shop.name }</h2>
                            <p>{ format!("{}, {} {}", shop.street, shop.postcode, shop.city) }</p>
                            <ShopStatusLine {lang} paused={shop.paused} reason={shop.pause_reason.clone()}
                                closure={shop.closed_today.as_ref().map(|c| c.reason.clone())}
                                state={shop.open_state.clone()} now_ms={now} testid={format!("shop-status-{id}")} />
                            <TodayHours {lang} slots={shop.today_hours.clone()} testid={format!("shop-hours-{id}")} />
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
