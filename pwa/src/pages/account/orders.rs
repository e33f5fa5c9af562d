//! A customer's orders (`GET /api/v1/me/orders`): the ones under way first, then the finished
//! ones, each with its status, date, total and a link to its tracker; then "Mes données"
//! ([`super::data`]).

use crate::app::Route;
use crate::components::eta::clock;
use crate::components::use_session;
use crate::i18n::Lang;
use crate::services::api;
use ocpizza_proto::api::orders::Order;
use wasm_bindgen::JsValue;
use yew::{Callback, Html, component, html, use_effect_with, use_state};
use yew_router::prelude::Link;

/// `(current, past)`, each newest first.
pub fn split(orders: &[Order]) -> (Vec<&Order>, Vec<&Order>) {
    let mut sorted: Vec<&Order> = orders.iter().collect();
    sorted.sort_by_key(|o| std::cmp::Reverse(o.created_at));
    sorted.into_iter().partition(|o| !o.status.is_terminal())
}

/// The customer's orders page.
#[component]
pub fn MyOrdersPage() -> Html {
    let session = use_session();
    let lang = session.lang;
    let t = lang.account();
    let orders = use_state(|| None::<Result<Vec<Order>, api::ApiFailure>>);
    let logged_in = session.me.is_some();
    {
        let orders = orders.clone();
        use_effect_with(logged_in, move |logged_in| {
            if *logged_in {
                wasm_bindgen_futures::spawn_local(async move {
                    orders.set(Some(api::get::<Vec<Order>>("/api/v1/me/orders").await));
                });
            }
        });
    }
    let deleted = use_state(|| false);
    let on_deleted = {
        let deleted = deleted.clone();
        Callback::from(move |()| deleted.set(true))
    };
    let body = match (&*orders, logged_in, session.checked) {
        (_, false, true) if *deleted => html! {
            <p class="notice" role="status" data-testid="account-deleted">{ lang.privacy().deleted }</p>
        },
        (_, false, true) => html! {
            <p>
                <a href="/login?next=/my-orders">{ t.login_to_see }</a>
            </p>
        },
        (None, _, _) => html! { <p aria-busy="true">{ lang.texts().loading }</p> },
        (Some(Err(e)), _, _) => html! { <p role="alert" class="error">{ lang.failure(e) }</p> },
        (Some(Ok(list)), _, _) if list.is_empty() => html! {
            <p>{ t.no_orders }</p>
        },
        (Some(Ok(list)), _, _) => {
            let (current, past) = split(list);
            html! {
                <>
                    if !current.is_empty() {
                        <h2>{ t.current_orders }</h2>
                        <ul class="cards my-orders" data-testid="current-orders">
                            { for current.iter().map(|o| row(lang, o)) }
                        </ul>
                    }
                    if !past.is_empty() {
                        <h2>{ t.past_orders }</h2>
                        <ul class="cards my-orders" data-testid="past-orders">
                            { for past.iter().map(|o| row(lang, o)) }
                        </ul>
                    }
                </>
            }
        }
    };
    html! {
        <section class="page">
            <h1>{ t.my_orders }</h1>
            { body }
            if logged_in {
                <super::data::MyData {on_deleted} />
            }
        </section>
    }
}

fn row(lang: Lang, order: &Order) -> Html {
    let t = lang.account();
    let id = order.id.0;
    let pizzas: i64 = order.lines.iter().map(|l| l.quantity).sum();
    let link = order.tracking_token.clone().map(|token| {
        let label = if order.status.is_terminal() {
            t.see_order
        } else {
            t.follow_order
        };
        html! { <Link<Route> to={Route::Track { token }} classes="button">{ label }</Link<Route>> }
    });
    html! {
        <li class="card my-order" key={id} data-testid={format!("my-order-{id}")}>
            <h3>{ format!("{}{id}", t.order_number) }</h3>
            <p class="my-order-status" data-testid={format!("my-order-status-{id}")}>
                { lang.status(order.status) }
            </p>
            <p class="hint">
                { format!("{} · {} {} · {}", date(lang, order), pizzas, lang.texts().pizzas, order.total) }
            </p>
            { for link }
        </li>
    }
}

/// "12/03/2026, 20 h 15" in the device's zone.
fn date(lang: Lang, order: &Order) -> String {
    let at = order.created_at;
    let day: String = js_sys::Date::new(&JsValue::from_f64(at.as_millisecond() as f64))
        .to_locale_date_string(lang.code(), &JsValue::UNDEFINED)
        .into();
    format!("{day}, {}", clock(lang, at, None))
}
