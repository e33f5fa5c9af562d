//! Sending the call's order: once whatever the retries, then the desk emptied for the next
//! call and a toast with the order's number; and the bar at the bottom of the screen with the
//! total and the send button.

use super::{FORM_ID, PHONE_FIELD};
use crate::i18n::Lang;
use crate::services::api::{self, ApiFailure};
use crate::state::cart::{Cart, CartAction};
use crate::state::checkout::{CheckoutForm, FormAction, FormErrors};
use gloo::timers::callback::Timeout;
use ocpizza_proto::api::customers::CustomerMatch;
use ocpizza_proto::api::menu::Menu;
use ocpizza_proto::api::orders::{Channel, Order, OrderList};
use ocpizza_proto::{Fulfilment, ShopId};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::{Html, UseReducerHandle, UseStateHandle, html};

/// Reloads the shop's orders (for the open orders under the desk).
pub(super) fn refresh_orders(shop: i64, orders: &UseStateHandle<Vec<Order>>) {
    let orders = orders.clone();
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(list) = api::get::<OrderList>(&format!("/api/v1/shops/{shop}/orders")).await {
            orders.set(list.orders);
        }
    });
}

/// How long the "order sent" message stays.
const TOAST_MS: u32 = 8_000;

/// What the desk holds for the call in progress: emptied once its order is sent.
#[derive(Clone)]
pub(super) struct Call {
    pub(super) form: UseReducerHandle<CheckoutForm>,
    pub(super) cart: UseReducerHandle<Cart>,
    pub(super) errors: UseStateHandle<FormErrors>,
    pub(super) channel: UseStateHandle<Channel>,
    pub(super) matches: UseStateHandle<Option<Vec<CustomerMatch>>>,
    pub(super) filter: UseStateHandle<String>,
}

impl Call {
    /// Ready for the next call: no customer, no lines, no note, by phone, pickup; the cursor
    /// in the phone field.
    pub(super) fn reset(&self) {
        self.cart.dispatch(CartAction::Clear);
        self.form.dispatch(FormAction::Reset);
        self.form
            .dispatch(FormAction::Fulfilment(Fulfilment::Pickup));
        self.errors.set(FormErrors::default());
        self.channel.set(Channel::Phone);
        self.matches.set(None);
        self.filter.set(String::new());
        let phone = gloo::utils::document().get_element_by_id(PHONE_FIELD);
        if let Some(phone) = phone.and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
            let _ = phone.focus();
        }
    }
}

/// The confirmation of the order just sent, and the timer that takes it away.
#[derive(Clone)]
pub(super) struct Toast {
    pub(super) sent: UseStateHandle<Option<Order>>,
    pub(super) timer: Rc<RefCell<Option<Timeout>>>,
}

impl Toast {
    fn show(&self, order: Order) {
        self.sent.set(Some(order));
        let sent = self.sent.clone();
        *self.timer.borrow_mut() = Some(Timeout::new(TOAST_MS, move || sent.set(None)));
    }
}

/// Sends the call's order (once, whatever the retries: one idempotency key per order).
pub(super) fn send(
    shop: i64,
    call: &Call,
    toast: &Toast,
    sending: &UseStateHandle<bool>,
    attempt: &Rc<RefCell<Option<String>>>,
    orders: &UseStateHandle<Vec<Order>>,
    network_error: &'static str,
) {
    if **sending {
        return;
    }
    sending.set(true);
    let mut request = call.form.to_request(ShopId(shop), &call.cart);
    request.channel = Some(*call.channel);
    let key = attempt
        .borrow_mut()
        .get_or_insert_with(api::new_idempotency_key)
        .clone();
    let (call, toast, sending, attempt, orders) = (
        call.clone(),
        toast.clone(),
        sending.clone(),
        attempt.clone(),
        orders.clone(),
    );
    wasm_bindgen_futures::spawn_local(async move {
        let answer: Result<Order, _> =
            api::post_with_headers("/api/v1/orders", &request, &[("Idempotency-Key", &key)]).await;
        sending.set(false);
        match answer {
            Ok(order) => {
                *attempt.borrow_mut() = None;
                call.reset();
                toast.show(order);
                refresh_orders(shop, &orders);
            }
            Err(ApiFailure::Server(_, body)) => {
                let lang = crate::i18n::Lang::of_document();
                call.errors.set(FormErrors::from_body(&body, lang));
            }
            Err(_) => call.errors.set(FormErrors {
                general: Some(network_error.to_owned()),
                ..FormErrors::default()
            }),
        }
    });
}

/// The bar that stays at the bottom of the screen: what the order comes to, and the send button.
pub(super) fn send_bar(
    lang: Lang,
    cart: &Cart,
    menu: &Menu,
    errors: &FormErrors,
    sending: bool,
) -> Html {
    let (t, c) = (lang.texts(), lang.counter());
    html! {
        <div class="counter-bar" data-testid="counter-bar">
            <p class="counter-total" data-testid="counter-total">
                { format!("{} {} · ", cart.count(), t.pizzas) }<strong>{ format!("{} {}", t.total, cart.total(menu)) }</strong>
            </p>
            if let Some(general) = &errors.general {
                <p class="error form-error" role="alert" data-testid="form-error">{ general }</p>
            }
            <button type="submit" form={FORM_ID} class="button button--primary" data-testid="counter-send"
                    disabled={sending || cart.is_empty()}>
                { if sending { c.sending } else { c.send_order } }
            </button>
        </div>
    }
}
