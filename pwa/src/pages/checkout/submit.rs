//! Placing the order from the checkout: every field checked in the browser first (all problems
//! shown at once, focus on the first), then one request per attempt with its
//! `Idempotency-Key`; a refusal is sorted next to what caused it, and a stock-out re-reads the
//! menu so that the sizes offered instead are the ones the shop can make now.

use crate::app::Route;
use crate::i18n::Lang;
use crate::services::api::{self, ApiFailure};
use crate::services::storage;
use crate::state::cart::Cart;
use crate::state::checkout::{CheckoutForm, Field, FormErrors};
use crate::state::stock_out::{self, StockOut};
use crate::state::validate;
use ocpizza_proto::api::menu::Menu;
use ocpizza_proto::api::orders::{Order, PlaceOrder};
use ocpizza_proto::api::shops::Shop;
use ocpizza_proto::{ErrorBody, ErrorCode, ShopId};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::{Callback, UseStateHandle};
use yew_router::prelude::Navigator;

/// Moves focus to `field`'s input (the first one with a problem), so that the customer reads
/// its message and can fix it at once.
fn focus(field: Option<Field>) {
    let input = field
        .and_then(|f| gloo::utils::document().get_element_by_id(&format!("checkout-{}", f.name())))
        .and_then(|e| e.dyn_into::<HtmlElement>().ok());
    if let Some(input) = input {
        let _ = input.focus();
    }
}

/// What placing the order reads and updates.
#[derive(Clone)]
pub(super) struct Submit {
    /// The shop.
    pub shop: i64,
    /// Its delivery postcodes.
    pub delivered: Vec<String>,
    /// The interface's language.
    pub lang: Lang,
    /// The shop and menu shown.
    pub loaded: UseStateHandle<Option<Result<(Shop, Menu), ApiFailure>>>,
    /// The cart ordered.
    pub cart: UseStateHandle<Cart>,
    /// Problems shown.
    pub errors: UseStateHandle<FormErrors>,
    /// The line that ran out, if the last refusal was a stock-out.
    pub stock_out: UseStateHandle<Option<StockOut>>,
    /// Whether the button says "sending".
    pub sending: UseStateHandle<bool>,
    /// Whether a request is on its way (a double click sends nothing more).
    pub in_flight: Rc<RefCell<bool>>,
    /// To open tracking once placed.
    pub navigator: Option<Navigator>,
}

impl Submit {
    /// Checks `form` and, when every field is fine, sends the order.
    pub fn run(&self, form: &CheckoutForm) {
        let problems = validate::check(form, &self.delivered);
        if !problems.is_empty() {
            focus(validate::first_shown(&problems));
            self.errors
                .set(FormErrors::from_problems(&problems, self.lang));
            self.stock_out.set(None);
            return;
        }
        if self.in_flight.replace(true) {
            return;
        }
        self.sending.set(true);
        let request = form.to_request(ShopId(self.shop), &self.cart);
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move { this.send(request).await });
    }

    async fn send(self, request: PlaceOrder) {
        let key = storage::attempt_idempotency_key(self.shop);
        // The language of the app is the language of the e-mails about the order.
        let headers = [
            ("Idempotency-Key", key.as_str()),
            ("Accept-Language", self.lang.code()),
        ];
        let answer: Result<Order, _> =
            api::post_with_headers("/api/v1/orders", &request, &headers).await;
        *self.in_flight.borrow_mut() = false;
        self.sending.set(false);
        match answer {
            Ok(order) => {
                storage::save_cart(self.shop, &Cart::default());
                storage::finish_attempt(self.shop);
                if let (Some(nav), Some(token)) = (&self.navigator, order.tracking_token) {
                    nav.push(&Route::Track { token });
                }
            }
            Err(ApiFailure::Server(_, body)) => self.refused(body).await,
            Err(_) => self.errors.set(FormErrors {
                general: Some(self.lang.texts().network_error.to_owned()),
                ..FormErrors::default()
            }),
        }
    }

    async fn refused(&self, body: ErrorBody) {
        if body.error.code == ErrorCode::IdempotencyKeyReused {
            storage::finish_attempt(self.shop);
        }
        let sorted = FormErrors::from_body(&body, self.lang);
        focus(validate::first_shown(&sorted.fields));
        self.errors.set(sorted);
        if body.error.code == ErrorCode::OutOfStock
            && let Ok((shop, menu)) = crate::pages::menu::load(self.shop).await
        {
            self.stock_out
                .set(StockOut::from_body(&body, &self.cart, &menu));
            self.loaded.set(Some(Ok((shop, menu))));
        }
    }
}

/// The stock-out notice's buttons: remove the line, or take it in another size. Either saves
/// the cart and clears the refusal, ready to send again.
pub(super) fn stock_fixes(
    shop: i64,
    cart: &UseStateHandle<Cart>,
    out: &UseStateHandle<Option<StockOut>>,
    errors: &UseStateHandle<FormErrors>,
    menu: &Menu,
) -> (Callback<()>, Callback<String>) {
    let fix = |change: fn(&Cart, usize, &str, &Menu) -> Cart| {
        let (cart, out, errors, menu) = (cart.clone(), out.clone(), errors.clone(), menu.clone());
        Callback::from(move |size: String| {
            if let Some(line) = out.as_ref().map(|o| o.line) {
                let next = change(&cart, line, &size, &menu);
                storage::save_cart(shop, &next);
                cart.set(next);
                out.set(None);
                errors.set(FormErrors::default());
            }
        })
    };
    let remove = fix(|cart, line, _, _| stock_out::remove(cart, line));
    (remove.reform(|()| String::new()), fix(stock_out::resize))
}
