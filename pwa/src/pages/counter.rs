//! Counter and phone orders (`/counter`, order takers and managers): find the caller by a few
//! digits of their phone, pick pizzas with live availability, delivery or pickup, payment at the
//! counter or on delivery; the order goes to the kitchen at once. Open orders can be edited
//! (through their tracking page) or cancelled with a reason. Between calls the desk is
//! emptied and the cursor waits in the phone field; the total and the send button stay on
//! screen however long the order.

mod open_orders;
mod picker;
mod send;

use crate::components::{CartPanel, ConnectionBadge, Icon, IconKind, PaymentStep, use_session};
use crate::i18n::{CounterTexts, Lang};
use crate::pages::checkout::text_field;
use crate::services::api;
use crate::services::live::Live;
use crate::state::cart::Cart;
use crate::state::checkout::{CheckoutForm, Field, FormAction, FormErrors};
use crate::state::menu::MenuState;
use gloo::timers::callback::Timeout;
use ocpizza_proto::api::customers::{CustomerMatch, CustomerMatches};
use ocpizza_proto::api::orders::{Channel, Order};
use ocpizza_proto::events::Stream;
use ocpizza_proto::{Fulfilment, ShopId, StaffRole};
use open_orders::OpenOrders;
use send::{Call, Toast, refresh_orders, send, send_bar};
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::{
    Callback, Html, InputEvent, Properties, SubmitEvent, TargetCast, UseReducerHandle,
    UseStateHandle, component, html, use_effect_with, use_mut_ref, use_reducer, use_state,
};

/// The order form (its send button sits in the bar at the bottom of the screen).
const FORM_ID: &str = "counter-form";
/// The phone field, where each call starts.
const PHONE_FIELD: &str = "checkout-phone";

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

/// Pickup or delivery, with the address for a delivery.
fn fulfilment_step(
    lang: Lang,
    form: &UseReducerHandle<CheckoutForm>,
    field: &dyn Fn(Field, &str, &str) -> Html,
) -> Html {
    let t = lang.texts();
    let delivery = form.fulfilment == Fulfilment::Delivery;
    let choose = |fulfilment: Fulfilment| {
        let form = form.clone();
        Callback::from(move |_| form.dispatch(FormAction::Fulfilment(fulfilment)))
    };
    html! {
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
    }
}

/// The order-entry desk of one shop.
#[component]
fn Desk(props: &DeskProps) -> Html {
    let lang = use_session().lang;
    let (t, c) = (lang.texts(), lang.counter());
    let shop = props.shop;
    let menu = use_reducer(MenuState::default);
    let call = Call {
        form: use_reducer(|| CheckoutForm::new(Fulfilment::Pickup)),
        cart: use_reducer(Cart::default),
        errors: use_state(FormErrors::default),
        channel: use_state(|| Channel::Phone),
        matches: use_state(|| None::<Vec<CustomerMatch>>),
        filter: use_state(String::new),
    };
    let toast = Toast {
        sent: use_state(|| None::<Order>),
        timer: use_mut_ref(|| None::<Timeout>),
    };
    let sending = use_state(|| false);
    let attempt = use_mut_ref(|| None::<String>);
    let search = use_mut_ref(|| None::<Timeout>);
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
                if let ocpizza_proto::ws::ServerMsg::Event { event, .. } = &msg {
                    if let Some(next) = crate::state::counter::apply_payment(&orders, event) {
                        orders.set(next);
                    }
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
    let Call {
        form,
        cart,
        errors,
        channel,
        matches,
        filter,
    } = call.clone();
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
        let (call, toast, sending, attempt, orders) = (
            call.clone(),
            toast.clone(),
            sending.clone(),
            attempt.clone(),
            orders.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            send(
                shop,
                &call,
                &toast,
                &sending,
                &attempt,
                &orders,
                t.network_error,
            );
        })
    };
    let menu_rc = Rc::new(menu_now.clone());
    html! {
        <section class="page counter">
            <div class="page-head">
                <h1>{ format!("{} · {}", c.title, shop_info.name) }</h1>
                <ConnectionBadge state={menu.connection} />
            </div>
            <div class="toast-region" role="status">
                if let Some(order) = &*toast.sent {
                    <p class="toast" data-testid="counter-sent" data-order={order.id.0.to_string()}>
                        <Icon kind={IconKind::Done} />{ format!("{} {} {}", t.order_no, order.id, c.sent) }
                    </p>
                }
            </div>
            <div class="counter-layout">
                <form id={FORM_ID} class="checkout-form" {onsubmit} novalidate=true>
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
                    { fulfilment_step(lang, &form, &field) }
                    { field(Field::Note, t.order_note, "text") }
                    <PaymentStep fulfilment={form.fulfilment} selected={form.payment} on_select={on_payment}
                                 error={errors.fields.get(&Field::Payment).cloned()} />
                </form>
                <div class="counter-menu">
                    { picker::pizza_picker(lang, &menu_rc, &filter, &cart) }
                    <CartPanel {shop} cart={Rc::new((*cart).clone())} menu={menu_rc.clone()} on_action={on_cart} />
                </div>
            </div>
            <OpenOrders {shop} orders={(*orders).clone()} />
            { send_bar(lang, &cart, menu_now, &errors, *sending) }
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
