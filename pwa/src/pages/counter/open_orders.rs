//! The shop's open orders under the counter: edit one while it is still placed (through its
//! tracking page), or cancel it with a reason before it leaves the shop.

use crate::app::Route;
use crate::components::use_session;
use crate::services::api;
use ocpizza_proto::OrderStatus;
use ocpizza_proto::api::orders::{CancelRequest, Order};
use web_sys::HtmlInputElement;
use yew::{
    Callback, Html, InputEvent, Properties, SubmitEvent, TargetCast, component, html, use_state,
};
use yew_router::prelude::Link;

/// Props of [`OpenOrders`].
#[derive(Debug, Properties, PartialEq)]
pub(super) struct OpenProps {
    /// The shop.
    pub shop: i64,
    /// Its orders (the open ones are listed).
    pub orders: Vec<Order>,
}

/// The shop's open orders, with edit (while placed) and cancel with a reason (before they leave).
#[component]
pub(super) fn OpenOrders(props: &OpenProps) -> Html {
    let lang = use_session().lang;
    let c = lang.counter();
    let cancelling = use_state(|| None::<(i64, String)>);
    let problem = use_state(|| None::<String>);
    let open: Vec<&Order> = props
        .orders
        .iter()
        .filter(|o| {
            matches!(
                o.status,
                OrderStatus::Placed | OrderStatus::Preparing | OrderStatus::Ready
            )
        })
        .collect();
    let confirm = {
        let (cancelling, problem) = (cancelling.clone(), problem.clone());
        let orders = props.orders.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some((id, reason)) = (*cancelling).clone() else {
                return;
            };
            if reason.trim().is_empty() {
                problem.set(Some(c.reason_needed.to_owned()));
                return;
            }
            let version = orders.iter().find(|o| o.id.0 == id).map(|o| o.version);
            let (cancelling, problem) = (cancelling.clone(), problem.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let body = CancelRequest {
                    version,
                    reason: Some(reason.trim().to_owned()),
                };
                match api::post::<_, Order>(&format!("/api/v1/orders/{id}/cancel"), &body).await {
                    Ok(_) => {
                        cancelling.set(None);
                        problem.set(None);
                    }
                    Err(e) => problem.set(Some(lang.failure(&e))),
                }
            });
        })
    };
    html! {
        <section class="step open-orders" aria-labelledby="open-title">
            <h2 id="open-title">{ c.open_orders }</h2>
            if open.is_empty() { <p class="muted">{ c.no_open_orders }</p> }
            <ul class="open-list">
                { for open.iter().map(|o| {
                    let id = o.id.0;
                    let start = { let cancelling = cancelling.clone(); Callback::from(move |_| cancelling.set(Some((id, String::new())))) };
                    html! {
                        <li data-testid={format!("open-{id}")}>
                            <span><strong>{ format!("#{id}") }</strong>{ format!(" {} · {} · {} ", o.contact.name, lang.status(o.status), o.total) }</span>
                            { crate::components::MoneyBadge::view(lang, o) }
                            if o.status == OrderStatus::Placed {
                                <Link<Route> to={Route::CounterOrder { id }} classes="button">{ c.edit }</Link<Route>>
                            }
                            <button type="button" class="button" onclick={start} data-testid={format!("cancel-{id}")}>{ c.cancel }</button>
                            if cancelling.as_ref().is_some_and(|(cid, _)| *cid == id) {
                                <form class="fail-form" onsubmit={confirm.clone()}>
                                    <label class="field">
                                        <span>{ c.cancel_reason }</span>
                                        <input data-testid={format!("cancel-reason-{id}")}
                                            value={cancelling.as_ref().map(|(_, r)| r.clone()).unwrap_or_default()}
                                            aria-invalid={problem.is_some().then_some("true")}
                                            oninput={ let cancelling = cancelling.clone(); Callback::from(move |e: InputEvent| {
                                                cancelling.set(Some((id, e.target_unchecked_into::<HtmlInputElement>().value())));
                                            }) } />
                                    </label>
                                    if let Some(p) = &*problem { <p class="field-error" role="alert">{ p }</p> }
                                    <button type="submit" class="button button--primary" data-testid={format!("confirm-cancel-{id}")}>{ c.confirm_cancel }</button>
                                </form>
                            }
                        </li>
                    }
                }) }
            </ul>
        </section>
    }
}
