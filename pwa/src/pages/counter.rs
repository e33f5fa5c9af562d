//! Counter and phone orders (`/counter`, order takers and managers): find the caller by a few
//! digits of their phone, pick pizzas with live availability, delivery or pickup, payment at the
//! counter or on delivery; the order goes to the kitchen at once. Open orders can be edited
//! (through their tracking page) or cancelled with a reason.

use crate::app::Route;
use crate::components::{CartPanel, ConnectionBadge, PaymentStep, use_session};
use crate::i18n::{CounterTexts, Lang};
use crate::pages::checkout::text_field;
use crate::services::api::{self, ApiFailure};
use crate::services::live::Live;
use crate::state::cart::{Cart, CartAction};
use crate::state::checkout::{CheckoutForm, Field, FormAction, FormErrors};
use crate::state::menu::MenuState;
use gloo::timers::callback::Timeout;
use ocpizza_proto::api::customers::{CustomerMatch, CustomerMatches};
use ocpizza_proto::api::menu::Menu;
use ocpizza_proto::api::orders::{CancelRequest, Channel, Order, OrderList};
use ocpizza_proto::events::Stream;
use ocpizza_proto::{Fulfilment, OrderStatus, ShopId, StaffRole};
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::{
    Callback, Html, InputEvent, Properties, SubmitEvent, TargetCast, UseStateHandle, component,
    html, use_effect_with, use_mut_ref, use_reducer, use_state,
};
use yew_router::prelude::Link;

/// Digits needed before the customer search starts.
const SEARCH_FROM_DIGITS: usize = 6;

/// The page: checks the role, picks the shop.
#[component]
pub fn CounterPage() -> Html {
    let session = use_session();
    let t = session.lang.texts();
    let c = session.lang.counter();
    if !session.checked {
        return html! { <section class="page"><p aria-busy="true">{ t.loading }</p></section> };
    }
    let Some(me) = &session.me else {
        return html! {
            <section class="page narrow">
                <p>{ c.staff_only }</p>
                <a class="button" href="/login?next=/counter">{ t.login }</a>
            </section>
        };
    };
    let shop = me
        .roles
        .iter()
        .find(|r| matches!(r.role, StaffRole::OrderTaker | StaffRole::Manager))
        .map(|r| r.shop_id.0)
        .or(me.admin.then_some(1));
    match shop {
        Some(shop) => html! { <Desk {shop} /> },
        None => html! { <section class="page narrow"><p>{ c.staff_only }</p></section> },
    }
}

/// Props of [`Desk`].
#[derive(Debug, Properties, PartialEq)]
struct DeskProps {
    shop: i64,
}

fn refresh_orders(shop: i64, orders: &UseStateHandle<Vec<Order>>) {
    let orders = orders.clone();
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(list) = api::get::<OrderList>(&format!("/api/v1/shops/{shop}/orders")).await {
            orders.set(list.orders);
        }
    });
}

/// The order-entry desk of one shop.
#[component]
fn Desk(props: &DeskProps) -> Html {
    let lang = use_session().lang;
    let (t, c) = (lang.texts(), lang.counter());
    let shop = props.shop;
    let menu = use_reducer(MenuState::default);
    let cart = use_reducer(Cart::default);
    let form = use_reducer(|| CheckoutForm::new(Fulfilment::Pickup));
    let errors = use_state(FormErrors::default);
    let channel = use_state(|| Channel::Phone);
    let matches = use_state(|| None::<Vec<CustomerMatch>>);
    let sent = use_state(|| None::<Order>);
    let sending = use_state(|| false);
    let attempt = use_mut_ref(|| None::<String>);
    let search = use_mut_ref(|| None::<Timeout>);
    let filter = use_state(String::new);
    let orders = use_state(Vec::<Order>::new);
    {
        let menu = menu.clone();
        use_effect_with(shop, move |&shop| {
            let live = crate::pages::menu::follow(shop, &menu);
            move || live.stop()
        });
    }
    {
        let orders = orders.clone();
        use_effect_with(shop, move |&shop| {
            refresh_orders(shop, &orders);
            let on_message = Callback::from(move |msg| {
                if matches!(msg, ocpizza_proto::ws::ServerMsg::Event { .. }) {
                    refresh_orders(shop, &orders);
                }
            });
            let live = Live::connect(on_message, Callback::noop());
            live.subscribe(&Stream::ShopOrders(ShopId(shop)).to_string(), None);
            move || live.stop()
        });
    }
    let (Some(shop_info), Some(menu_now)) = (&menu.shop, &menu.menu) else {
        return html! { <section class="page"><p aria-busy="true">{ t.loading }</p></section> };
    };
    let on_input = |field: Field| {
        let (form, errors, matches, search) = (
            form.clone(),
            errors.clone(),
            matches.clone(),
            search.clone(),
        );
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            if field == Field::Phone {
                find_customers(shop, &value, &matches, &search);
            }
            form.dispatch(FormAction::Set(field, value));
            if errors.fields.contains_key(&field) {
                let mut next = (*errors).clone();
                next.fields.remove(&field);
                errors.set(next);
            }
        })
    };
    let field = |f: Field, label: &str, kind: &str| {
        text_field(
            f,
            label,
            kind,
            "off",
            form.get(f),
            errors.fields.get(&f),
            on_input(f),
        )
    };
    let choose = |fulfilment: Fulfilment| {
        let form = form.clone();
        Callback::from(move |_| form.dispatch(FormAction::Fulfilment(fulfilment)))
    };
    let pick_channel = |ch: Channel| {
        let channel = channel.clone();
        Callback::from(move |_| channel.set(ch))
    };
    let on_payment = {
        let form = form.clone();
        Callback::from(move |p| form.dispatch(FormAction::Payment(p)))
    };
    let on_cart = {
        let cart = cart.clone();
        Callback::from(move |action| cart.dispatch(action))
    };
    let use_match = {
        let (form, matches) = (form.clone(), matches.clone());
        Callback::from(move |m: CustomerMatch| {
            fill_from(&form, &m);
            matches.set(None);
        })
    };
    let onsubmit = {
        let (form, cart, errors, sending, sent, attempt, orders, channel) = (
            form.clone(),
            cart.clone(),
            errors.clone(),
            sending.clone(),
            sent.clone(),
            attempt.clone(),
            orders.clone(),
            channel.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *sending {
                return;
            }
            sending.set(true);
            let mut request = form.to_request(ShopId(shop), &cart);
            request.channel = Some(*channel);
            let key = attempt
                .borrow_mut()
                .get_or_insert_with(api::new_idempotency_key)
                .clone();
            let (form, cart, errors, sending, sent, attempt, orders) = (
                form.clone(),
                cart.clone(),
                errors.clone(),
                sending.clone(),
                sent.clone(),
                attempt.clone(),
                orders.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                let answer: Result<Order, _> = api::post_with_headers(
                    "/api/v1/orders",
                    &request,
                    &[("Idempotency-Key", &key)],
                )
                .await;
                sending.set(false);
                match answer {
                    Ok(order) => {
                        *attempt.borrow_mut() = None;
                        cart.dispatch(CartAction::Clear);
                        form.dispatch(FormAction::Reset);
                        errors.set(FormErrors::default());
                        sent.set(Some(order));
                        refresh_orders(shop, &orders);
                    }
                    Err(ApiFailure::Server(_, body)) => {
                        errors.set(FormErrors::from_body(&body, lang));
                    }
                    Err(_) => errors.set(FormErrors {
                        general: Some(t.network_error.to_owned()),
                        ..FormErrors::default()
                    }),
                }
            });
        })
    };
    let delivery = form.fulfilment == Fulfilment::Delivery;
    let menu_rc = Rc::new(menu_now.clone());
    html! {
        <section class="page counter">
            <div class="page-head">
                <h1>{ format!("{} · {}", c.title, shop_info.name) }</h1>
                <ConnectionBadge state={menu.connection} />
            </div>
            if let Some(order) = &*sent {
                <p class="notice" role="status" data-testid="counter-sent" data-order={order.id.0.to_string()}>
                    { format!("{} {} {}", t.order_no, order.id, c.sent) }
                </p>
            }
            <div class="counter-layout">
                <form class="checkout-form" {onsubmit} novalidate=true>
                    <fieldset class="step">
                        <legend>{ c.find_customer }</legend>
                        { field(Field::Phone, c.phone_search, "tel") }
                        { match_list(c, matches.as_deref(), &use_match) }
                        { field(Field::Name, t.name, "text") }
                        { field(Field::Email, t.email_optional, "email") }
                    </fieldset>
                    <fieldset class="step">
                        <legend>{ c.channel }</legend>
                        <div class="choices">
                            { radio("channel", "channel-phone", c.by_phone, *channel == Channel::Phone, pick_channel(Channel::Phone)) }
                            { radio("channel", "channel-counter", c.walk_in, *channel == Channel::Counter, pick_channel(Channel::Counter)) }
                        </div>
                    </fieldset>
                    <fieldset class="step">
                        <legend>{ t.fulfilment }</legend>
                        <div class="choices">
                            { radio("fulfilment", "counter-pickup", t.pickup, !delivery, choose(Fulfilment::Pickup)) }
                            { radio("fulfilment", "counter-delivery", t.delivery, delivery, choose(Fulfilment::Delivery)) }
                        </div>
                        if delivery {
                            { field(Field::Street, t.street, "text") }
                            <div class="row">
                                { field(Field::Postcode, t.postcode, "text") }
                                { field(Field::City, t.city, "text") }
                            </div>
                            { field(Field::Instructions, t.instructions, "text") }
                        }
                    </fieldset>
                    { field(Field::Note, t.order_note, "text") }
                    <PaymentStep fulfilment={form.fulfilment} selected={form.payment} on_select={on_payment}
                                 error={errors.fields.get(&Field::Payment).cloned()} />
                    if let Some(general) = &errors.general {
                        <p class="error form-error" role="alert" data-testid="form-error">{ general }</p>
                    }
                    <button type="submit" class="button button--primary" data-testid="counter-send"
                            disabled={*sending || cart.is_empty()}>
                        { if *sending { c.sending } else { c.send_order } }
                    </button>
                </form>
                <div class="counter-menu">
                    { pizza_picker(lang, menu_now, &filter, &cart) }
                    <CartPanel {shop} cart={Rc::new((*cart).clone())} menu={menu_rc} on_action={on_cart} />
                </div>
            </div>
            <OpenOrders {shop} orders={(*orders).clone()} />
        </section>
    }
}

fn radio(name: &str, id: &str, label: &str, checked: bool, onchange: Callback<yew::Event>) -> Html {
    html! {
        <div class="choice">
            <input type="radio" name={name.to_owned()} id={id.to_owned()} {checked} {onchange}
                   data-testid={id.to_owned()} />
            <label for={id.to_owned()}>{ label }</label>
        </div>
    }
}

/// Searches the callers whose number contains the digits typed so far (after a short pause).
fn find_customers(
    shop: i64,
    typed: &str,
    matches: &UseStateHandle<Option<Vec<CustomerMatch>>>,
    search: &Rc<std::cell::RefCell<Option<Timeout>>>,
) {
    let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < SEARCH_FROM_DIGITS {
        *search.borrow_mut() = None;
        matches.set(None);
        return;
    }
    let matches = matches.clone();
    *search.borrow_mut() = Some(Timeout::new(250, move || {
        wasm_bindgen_futures::spawn_local(async move {
            let path = format!("/api/v1/shops/{shop}/customers?phone={digits}");
            if let Ok(found) = api::get::<CustomerMatches>(&path).await {
                matches.set(Some(found.customers));
            }
        });
    }));
}

fn fill_from(form: &yew::UseReducerHandle<CheckoutForm>, m: &CustomerMatch) {
    let mut values = vec![
        (Field::Name, m.name.clone()),
        (Field::Phone, m.phone.clone()),
        (Field::Email, m.email.clone().unwrap_or_default()),
    ];
    if let Some(a) = &m.last_address {
        values.extend([
            (Field::Street, a.street.clone()),
            (Field::Postcode, a.postcode.clone()),
            (Field::City, a.city.clone()),
            (
                Field::Instructions,
                a.instructions.clone().unwrap_or_default(),
            ),
        ]);
        form.dispatch(FormAction::Fulfilment(Fulfilment::Delivery));
    }
    for (field, value) in values {
        form.dispatch(FormAction::Set(field, value));
    }
}

fn match_list(
    c: &CounterTexts,
    found: Option<&[CustomerMatch]>,
    pick: &Callback<CustomerMatch>,
) -> Html {
    let Some(found) = found else {
        return html! { <p class="hint">{ c.phone_hint }</p> };
    };
    if found.is_empty() {
        return html! { <p class="hint" data-testid="no-customer">{ c.no_match }</p> };
    }
    html! {
        <ul class="matches" data-testid="customer-matches">
            { for found.iter().enumerate().map(|(i, m)| {
                let onclick = { let (pick, m) = (pick.clone(), m.clone()); Callback::from(move |_| pick.emit(m.clone())) };
                html! {
                    <li>
                        <button type="button" class="match" {onclick} data-testid={format!("customer-{i}")}>
                            <strong>{ &m.name }</strong>{ format!(" · {}", m.phone) }
                            <span class="muted">{ format!(" · {} {}", m.orders_count, c.orders_count) }</span>
                            if let Some(a) = &m.last_address {
                                <span class="muted">{ format!(" · {}, {}", a.street, a.postcode) }</span>
                            }
                        </button>
                    </li>
                }
            }) }
        </ul>
    }
}

/// Every size of every pizza as one button, narrowed by a typed filter.
fn pizza_picker(
    lang: Lang,
    menu: &Menu,
    filter: &UseStateHandle<String>,
    cart: &yew::UseReducerHandle<Cart>,
) -> Html {
    let t = lang.texts();
    let wanted = filter.to_lowercase();
    let on_filter = {
        let filter = filter.clone();
        Callback::from(move |e: InputEvent| {
            filter.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    html! {
        <section class="step picker" aria-labelledby="picker-title">
            <h2 id="picker-title">{ lang.counter().menu }</h2>
            <label class="field">
                <span>{ lang.counter().filter }</span>
                <input type="search" value={(**filter).clone()} oninput={on_filter} data-testid="pizza-filter" />
            </label>
            <ul class="picker-list">
                { for menu.pizzas.iter().filter(|p| p.name.to_lowercase().contains(&wanted)).flat_map(|p| {
                    p.sizes.iter().map(move |s| (p, s))
                }).map(|(p, s)| {
                    let out = !p.enabled || s.available <= 0;
                    let onclick = { let (cart, id, code) = (cart.clone(), p.id, s.code.clone()); Callback::from(move |_| cart.dispatch(CartAction::Add(id, code.clone()))) };
                    html! {
                        <li>
                            <button type="button" class={if out { "pick pick--out" } else { "pick" }} disabled={out} {onclick}
                                    data-testid={format!("add-{}-{}", p.id, s.code)}>
                                <strong>{ &p.name }</strong>{ format!(" · {} · {}", lang.size(&s.code), s.price) }
                                if out {
                                    <span class="badge badge--out">{ t.unavailable }</span>
                                } else {
                                    <span class="badge">{ format!("{} {}", s.available, t.left) }</span>
                                }
                            </button>
                        </li>
                    }
                }) }
            </ul>
        </section>
    }
}

/// Props of [`OpenOrders`].
#[derive(Debug, Properties, PartialEq)]
struct OpenProps {
    shop: i64,
    orders: Vec<Order>,
}

/// The shop's open orders, with edit (while placed) and cancel with a reason (before they leave).
#[component]
fn OpenOrders(props: &OpenProps) -> Html {
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
                            <span><strong>{ format!("#{id}") }</strong>{ format!(" {} · {} · {}", o.contact.name, lang.status(o.status), o.total) }</span>
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
