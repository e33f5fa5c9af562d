//! Checkout: delivery or pickup, contact (prefilled from the account), note and payment, then
//! the order is placed with an `Idempotency-Key` kept for the attempt, so a double click or a
//! retry after a lost answer never orders twice. Refusals are shown next to what caused them
//! and the form keeps what was typed; on success the cart is emptied and tracking opens.

use crate::app::Route;
use crate::components::eta::ShopPromise;
use crate::components::shop_hours::{OrderingClosed, orderable, use_clock};
use crate::components::{
    MaintenanceBanner, MissingShop, PaymentStep, StockOutNotice, is_missing, use_session,
};
use crate::i18n::Lang;
use crate::services::api::ApiFailure;
use crate::services::storage;
use crate::state::cart::Cart;
use crate::state::checkout::{CheckoutForm, Field, FormAction, FormErrors};
use crate::state::stock_out::StockOut;
use ocpizza_proto::api::menu::Menu;
use ocpizza_proto::api::payments::PaymentConfig;
use ocpizza_proto::api::shops::Shop;
use ocpizza_proto::{Fulfilment, Money};
use web_sys::HtmlInputElement;
use yew::{
    Callback, Html, InputEvent, Properties, SubmitEvent, TargetCast, UseStateHandle, component,
    html, use_effect_with, use_mut_ref, use_reducer, use_state,
};
use yew_router::prelude::{Link, use_navigator};

mod submit;

use submit::Submit;

/// Props of [`Checkout`].
#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    /// The shop whose cart is ordered.
    pub shop: i64,
}

/// One labelled text input with its error (also used by the counter).
pub(crate) fn text_field(
    field: Field,
    label: &str,
    kind: &str,
    autocomplete: &str,
    value: &str,
    error: Option<&String>,
    oninput: Callback<InputEvent>,
) -> Html {
    let id = format!("checkout-{}", field.name());
    let error_id = format!("{id}-error");
    html! {
        <div class="field">
            <label for={id.clone()}>{ label }</label>
            <input {id} name={field.name()} type={kind.to_owned()} autocomplete={autocomplete.to_owned()}
                   value={value.to_owned()} {oninput}
                   aria-invalid={error.is_some().then_some("true")}
                   aria-describedby={error.is_some().then(|| error_id.clone())} />
            if let Some(error) = error {
                <p class="field-error" id={error_id}>{ error }</p>
            }
        </div>
    }
}

/// The checkout page.
#[component]
pub fn Checkout(props: &Props) -> Html {
    let session = use_session();
    let lang = session.lang;
    let t = lang.texts();
    let shop_id = props.shop;
    let loaded = use_state(|| None::<Result<(Shop, Menu), ApiFailure>>);
    let cart = use_state(|| storage::load_cart(shop_id));
    let form = use_reducer(|| CheckoutForm::new(Fulfilment::Delivery));
    let errors = use_state(FormErrors::default);
    let stock_out = use_state(|| None::<StockOut>);
    let sending = use_state(|| false);
    let in_flight = use_mut_ref(|| false);
    let navigator = use_navigator();
    let now = use_clock(15_000);
    {
        let (loaded, form) = (loaded.clone(), form.clone());
        use_effect_with(shop_id, move |&shop| {
            wasm_bindgen_futures::spawn_local(async move {
                let result = crate::pages::menu::load(shop).await;
                if let Ok((s, _)) = &result
                    && s.delivery_postcodes.is_empty()
                {
                    form.dispatch(FormAction::Fulfilment(Fulfilment::Pickup));
                }
                loaded.set(Some(result));
            });
        });
    }
    {
        // Online payment is offered only when the server names a provider; without an answer
        // the checkout stays as it always was.
        let form = form.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(config) =
                    crate::services::api::get::<PaymentConfig>("/api/v1/payments/config").await
                {
                    form.dispatch(FormAction::Offer(config.provider));
                }
            });
        });
    }
    {
        let form = form.clone();
        use_effect_with(session.me.clone(), move |me| {
            if let Some(me) = me {
                form.dispatch(FormAction::Prefill(Box::new(me.clone())));
            }
        });
    }
    let (shop, menu) = match &*loaded {
        None => {
            return html! { <section class="page"><p aria-busy="true">{ t.loading }</p></section> };
        }
        Some(Err(failure)) if is_missing(failure) => return html! { <MissingShop /> },
        Some(Err(_)) => {
            return html! { <section class="page"><p role="alert">{ t.load_failed }</p></section> };
        }
        Some(Ok((shop, menu))) => (shop, menu),
    };
    let back = html! {
        <Link<Route> to={Route::Menu { id: shop_id }}>{ t.back_to_menu }</Link<Route>>
    };
    if cart.is_empty() {
        return html! {
            <section class="page narrow">
                <h1>{ t.checkout_title }</h1>
                <p>{ t.cart_empty }</p>
                { back }
            </section>
        };
    }
    let onsubmit = {
        let submit = Submit {
            shop: shop_id,
            delivered: shop.delivery_postcodes.clone(),
            lang,
            loaded: loaded.clone(),
            cart: cart.clone(),
            errors: errors.clone(),
            stock_out: stock_out.clone(),
            sending: sending.clone(),
            in_flight: in_flight.clone(),
            navigator,
        };
        let form = form.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            submit.run(&form);
        })
    };
    let (on_remove, on_size) = submit::stock_fixes(shop_id, &cart, &stock_out, &errors, menu);
    let input = |field: Field| {
        let (form, errors) = (form.clone(), errors.clone());
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            form.dispatch(FormAction::Set(field, value));
            forget_error(&errors, field);
        })
    };
    let field = |field: Field, label: &str, kind: &str, autocomplete: &str| {
        text_field(
            field,
            label,
            kind,
            autocomplete,
            form.get(field),
            errors.fields.get(&field),
            input(field),
        )
    };
    let choose = |fulfilment: Fulfilment| {
        let form = form.clone();
        Callback::from(move |_| form.dispatch(FormAction::Fulfilment(fulfilment)))
    };
    let on_payment = {
        let form = form.clone();
        Callback::from(move |p| form.dispatch(FormAction::Payment(p)))
    };
    let delivery = form.fulfilment == Fulfilment::Delivery;
    html! {
        <section class="page checkout">
            <MaintenanceBanner />
            { back }
            <h1>{ t.checkout_title }</h1>
            <OrderingClosed lang={session.lang} shop={shop.clone()} now_ms={now} />
            <form class="checkout-form" {onsubmit} novalidate=true aria-busy={(*sending).then_some("true")}>
                <fieldset class="step">
                    <legend>{ t.fulfilment }</legend>
                    <div class="choices">
                        <div class="choice">
                            <input type="radio" name="fulfilment" id="fulfilment-delivery" value="delivery"
                                   checked={delivery} onchange={choose(Fulfilment::Delivery)}
                                   disabled={shop.delivery_postcodes.is_empty()}
                                   data-testid="fulfilment-delivery" />
                            <label for="fulfilment-delivery">{ t.delivery }</label>
                        </div>
                        <div class="choice">
                            <input type="radio" name="fulfilment" id="fulfilment-pickup" value="pickup"
                                   checked={!delivery} onchange={choose(Fulfilment::Pickup)}
                                   data-testid="fulfilment-pickup" />
                            <label for="fulfilment-pickup">{ t.pickup }</label>
                        </div>
                    </div>
                    <ShopPromise shop={shop_id} fulfilment={Some(form.fulfilment)} />
                </fieldset>
                if delivery {
                    <fieldset class="step">
                        <legend>{ t.address }</legend>
                        { field(Field::Street, t.street, "text", "street-address") }
                        <div class="row">
                            { field(Field::Postcode, t.postcode, "text", "postal-code") }
                            { field(Field::City, t.city, "text", "address-level2") }
                        </div>
                        { field(Field::Instructions, t.instructions, "text", "off") }
                        <p class="hint">{ format!("{} {}", t.delivers_to, shop.delivery_postcodes.join(", ")) }</p>
                    </fieldset>
                } else {
                    <p class="step hint">
                        { format!("{} {} — {}, {} {}", t.pickup_at, shop.name, shop.street, shop.postcode, shop.city) }
                    </p>
                }
                <fieldset class="step">
                    <legend>{ t.contact }</legend>
                    { field(Field::Name, t.name, "text", "name") }
                    { field(Field::Phone, t.phone, "tel", "tel") }
                    { field(Field::Email, t.email_optional, "email", "email") }
                </fieldset>
                <div class="step">
                    { field(Field::Note, t.order_note, "text", "off") }
                </div>
                <PaymentStep fulfilment={form.fulfilment} selected={form.payment} on_select={on_payment}
                             online={form.online}
                             error={errors.fields.get(&Field::Payment).cloned()} />
                { summary(lang, &cart, menu, &errors, delivery.then_some(shop)) }
                if let Some(out) = &*stock_out {
                    <StockOutNotice stock_out={out.clone()} {on_remove} {on_size} />
                }
                if let (None, Some(general)) = (&*stock_out, &errors.general) {
                    <p class="error form-error" role="alert" data-testid="form-error">{ general }</p>
                }
                <button type="submit" class="button button--primary" disabled={*sending || !orderable(shop, now)}
                        data-testid="place-order">
                    { if *sending { t.placing } else { t.place_order } }
                </button>
            </form>
        </section>
    }
}

/// Forgets the server's complaint about `field` once the customer changes it.
fn forget_error(errors: &UseStateHandle<FormErrors>, field: Field) {
    if errors.fields.contains_key(&field) {
        let mut next = (**errors).clone();
        next.fields.remove(&field);
        errors.set(next);
    }
}

/// The cart as it will be ordered, with each line's problem; for a delivery from `delivering`,
/// its fee in the total and what the cart lacks to reach the shop's minimum.
fn summary(
    lang: Lang,
    cart: &Cart,
    menu: &Menu,
    errors: &FormErrors,
    delivering: Option<&Shop>,
) -> Html {
    let t = lang.texts();
    let pizzas = cart.total(menu);
    let fee = delivering.map_or(Money::ZERO, |shop| shop.delivery_fee);
    let missing = delivering
        .map(|shop| shop.min_delivery_order)
        .filter(|minimum| pizzas < *minimum)
        .map(|minimum| (minimum, Money(minimum.0 - pizzas.0)));
    html! {
        <section class="step summary" aria-labelledby="summary-title">
            <h2 id="summary-title">{ t.summary }</h2>
            <ul class="summary-lines">
                { for cart.lines.iter().enumerate().map(|(i, line)| {
                    let priced = cart.priced(menu, i);
                    let title = priced.as_ref().map_or_else(
                        || t.no_longer_on_menu.to_owned(),
                        |p| format!(
                            "{} × {} · {}",
                            line.quantity,
                            p.pizza.name,
                            lang.size_label(&p.size.code, &p.size.label)
                        ),
                    );
                    let extras: Vec<&str> = priced.as_ref().map(|p| {
                        p.pizza.extras.iter()
                            .filter(|e| line.extras.contains(&e.ingredient_id))
                            .map(|e| e.name.as_str())
                            .collect()
                    }).unwrap_or_default();
                    let shortage = cart.shortage(menu, i);
                    html! {
                        <li key={i}>
                            <div class="cart-line-head">
                                <span>{ title }</span>
                                <span class="price">
                                    { priced.as_ref().map(|p| p.total.to_string()).unwrap_or_default() }
                                </span>
                            </div>
                            if !extras.is_empty() {
                                <p class="muted">{ format!("+ {}", extras.join(", ")) }</p>
                            }
                            if !line.note.trim().is_empty() {
                                <p class="muted">{ format!("« {} »", line.note.trim()) }</p>
                            }
                            if let Some(available) = shortage {
                                <p class="short" role="status">
                                    { if available == 0 { format!("⚠ {}", t.unavailable) }
                                      else { format!("⚠ {} {available}", t.available_now) } }
                                </p>
                            }
                            if let Some(problem) = errors.lines.get(&i) {
                                <p class="field-error">{ problem }</p>
                            }
                        </li>
                    }
                }) }
            </ul>
            if fee > Money::ZERO {
                <p class="fee" data-testid="delivery-fee"><span>{ t.delivery_fee }</span><span>{ fee.to_string() }</span></p>
            }
            <p class="total"><span>{ t.total }</span><strong>{ (pizzas + fee).to_string() }</strong></p>
            if let Some((minimum, lacking)) = missing {
                <p class="short" role="status" data-testid="delivery-minimum">
                    { format!("{} {minimum} {} {lacking}.", t.delivery_minimum, t.delivery_missing) }
                </p>
            }
        </section>
    }
}
