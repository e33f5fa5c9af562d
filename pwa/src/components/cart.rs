//! The cart on a shop's menu: its lines with quantity, extras and note, a warning on a line as
//! soon as the live menu says the shop cannot make that many any more, and the bar with the
//! total and the way to checkout (sticky at the bottom of phone screens).

use super::use_session;
use crate::app::Route;
use crate::i18n::Lang;
use crate::state::cart::{Cart, CartAction, extra_price};
use ocpizza_proto::api::menu::Menu;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::{Callback, Html, InputEvent, MouseEvent, Properties, TargetCast, component, html};
use yew_router::Routable;
use yew_router::prelude::use_navigator;

/// Props of [`CartPanel`] and [`CartBar`].
#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    /// The shop.
    pub shop: i64,
    /// The cart.
    pub cart: Rc<Cart>,
    /// The live menu it is priced against.
    pub menu: Rc<Menu>,
    /// Changes to the cart.
    #[prop_or_default]
    pub on_action: Callback<CartAction>,
}

/// The lines of the cart, editable.
#[component]
pub fn CartPanel(props: &Props) -> Html {
    let lang = use_session().lang;
    let t = lang.texts();
    html! {
        <aside class="cart" id="cart" aria-labelledby="cart-title">
            <h2 id="cart-title" tabindex="-1">{ t.cart_title }</h2>
            if props.cart.is_empty() {
                <p class="muted">{ t.cart_empty }</p>
            } else {
                <ul class="cart-lines">
                    { for (0..props.cart.lines.len()).map(|i| cart_line(props, i, lang)) }
                </ul>
            }
        </aside>
    }
}

fn cart_line(props: &Props, i: usize, lang: Lang) -> Html {
    let t = lang.texts();
    let line = &props.cart.lines[i];
    let act = |action: CartAction| {
        let on_action = props.on_action.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(action.clone()))
    };
    let Some(priced) = props.cart.priced(&props.menu, i) else {
        return html! {
            <li class="cart-line cart-line--short" key={i}>
                <p class="short" role="status">{ format!("⚠ {}", t.no_longer_on_menu) }</p>
                <button type="button" class="link" onclick={act(CartAction::Remove(i))}>{ t.remove }</button>
            </li>
        };
    };
    let shortage = props.cart.shortage(&props.menu, i);
    let note_id = format!("cart-note-{i}");
    let on_note = {
        let on_action = props.on_action.clone();
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            on_action.emit(CartAction::SetNote(i, value));
        })
    };
    let extras = priced.pizza.extras.iter().filter_map(|extra| {
        let price = extra_price(priced.pizza, extra.ingredient_id, &line.size)?;
        let checked = line.extras.contains(&extra.ingredient_id);
        let onchange = {
            let on_action = props.on_action.clone();
            let id = extra.ingredient_id;
            Callback::from(move |_| on_action.emit(CartAction::ToggleExtra(i, id)))
        };
        Some(html! {
            <label class="check">
                <input type="checkbox" {checked} {onchange} />
                { format!(" {} (+{price})", extra.name) }
            </label>
        })
    });
    let class = if shortage.is_some() {
        "cart-line cart-line--short"
    } else {
        "cart-line"
    };
    html! {
        <li {class} key={i} data-testid={format!("cart-line-{i}")}>
            <div class="cart-line-head">
                <strong>{ format!("{} · {}", priced.pizza.name, lang.size_label(&priced.size.code, &priced.size.label)) }</strong>
                <span class="price">{ priced.total.to_string() }</span>
            </div>
            if let Some(available) = shortage {
                <p class="short" role="status">
                    { if available == 0 {
                        format!("⚠ {}", t.unavailable)
                    } else {
                        format!("⚠ {} {available}", t.available_now)
                    } }
                </p>
            }
            <div class="qty" role="group" aria-label={t.quantity}>
                <button type="button" aria-label={t.one_less} disabled={line.quantity <= 1}
                        onclick={act(CartAction::Decrement(i))}>{ "−" }</button>
                <output aria-live="polite">{ line.quantity }</output>
                <button type="button" aria-label={t.one_more}
                        onclick={act(CartAction::Increment(i))}>{ "+" }</button>
                <button type="button" class="link" onclick={act(CartAction::Remove(i))}>{ t.remove }</button>
            </div>
            if !priced.pizza.extras.is_empty() {
                <fieldset class="extras">
                    <legend>{ t.extras }</legend>
                    { for extras }
                </fieldset>
            }
            <label for={note_id.clone()}>{ t.line_note }</label>
            <input id={note_id} type="text" maxlength="200" placeholder={t.line_note_hint}
                   value={line.note.clone()} oninput={on_note} />
        </li>
    }
}

/// The total and the link to checkout; nothing while the cart is empty.
#[component]
pub fn CartBar(props: &Props) -> Html {
    let lang = use_session().lang;
    let t = lang.texts();
    let navigator = use_navigator();
    if props.cart.is_empty() {
        return html! {};
    }
    let route = Route::Checkout { shop: props.shop };
    let href = route.to_path();
    let onclick = Callback::from(move |e: MouseEvent| {
        if let Some(nav) = &navigator {
            e.prevent_default();
            nav.push(&route);
        }
    });
    let show_cart = Callback::from(|_: MouseEvent| show_cart());
    html! {
        <div class="cart-bar" role="region" aria-label={t.cart_title}>
            <div>
                <span class="cart-count">{ format!("{} {}", props.cart.count(), t.pizzas) }</span>
                <strong>{ format!(" · {} {}", t.total, props.cart.total(&props.menu)) }</strong>
                if props.cart.has_shortage(&props.menu) {
                    <p class="short" role="status">{ t.fix_cart }</p>
                }
            </div>
            <button type="button" class="button" onclick={show_cart} data-testid="cart-open">
                { lang.ordering().see_cart }
            </button>
            <a class="button button--primary" {href} data-testid="cart-checkout" {onclick}>
                { t.to_checkout }
            </a>
        </div>
    }
}

/// Scrolls the cart into view and moves focus to its title, so that a keyboard or screen
/// reader user lands on it too.
fn show_cart() {
    let Some(title) = gloo::utils::document().get_element_by_id("cart-title") else {
        return;
    };
    title.scroll_into_view();
    if let Ok(title) = title.dyn_into::<web_sys::HtmlElement>() {
        let _ = title.focus();
    }
}
