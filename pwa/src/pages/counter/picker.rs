//! The counter's pizza picker: every size of every pizza as one button, narrowed by a typed
//! search; Enter adds the one size the search leaves, and clears the search for the next.

use crate::i18n::Lang;
use crate::state::cart::{Cart, CartAction};
use crate::state::counter::{orderable, search, single_match};
use ocpizza_proto::api::menu::Menu;
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::{
    Callback, Html, InputEvent, KeyboardEvent, TargetCast, UseReducerHandle, UseStateHandle, html,
};

/// Enter in the search: adds the single match, if there is one.
fn on_enter(
    lang: Lang,
    menu: Rc<Menu>,
    filter: &UseStateHandle<String>,
    cart: &UseReducerHandle<Cart>,
) -> Callback<KeyboardEvent> {
    let (filter, cart) = (filter.clone(), cart.clone());
    Callback::from(move |e: KeyboardEvent| {
        if e.key() != "Enter" {
            return;
        }
        e.prevent_default();
        let typed = e.target_unchecked_into::<HtmlInputElement>().value();
        if let Some((pizza, size)) = single_match(&menu, &typed, lang) {
            cart.dispatch(CartAction::Add(pizza, size));
            filter.set(String::new());
        }
    })
}

/// The search and the buttons it leaves.
pub(super) fn pizza_picker(
    lang: Lang,
    menu: &Rc<Menu>,
    filter: &UseStateHandle<String>,
    cart: &UseReducerHandle<Cart>,
) -> Html {
    let (t, c) = (lang.texts(), lang.counter());
    let on_filter = {
        let filter = filter.clone();
        Callback::from(move |e: InputEvent| {
            filter.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    html! {
        <section class="step picker" aria-labelledby="picker-title">
            <h2 id="picker-title">{ c.menu }</h2>
            <label class="field">
                <span>{ c.filter }</span>
                <input type="search" value={(**filter).clone()} oninput={on_filter}
                       onkeydown={on_enter(lang, menu.clone(), filter, cart)}
                       aria-describedby="pizza-filter-hint" data-testid="pizza-filter" />
            </label>
            <p class="hint" id="pizza-filter-hint">{ c.enter_hint }</p>
            <ul class="picker-list">
                { for search(menu, filter, lang).into_iter().map(|(p, s)| {
                    let out = !orderable(p, s);
                    let onclick = { let (cart, id, code) = (cart.clone(), p.id, s.code.clone()); Callback::from(move |_| cart.dispatch(CartAction::Add(id, code.clone()))) };
                    html! {
                        <li>
                            <button type="button" class={if out { "pick pick--out" } else { "pick" }} disabled={out} {onclick}
                                    data-testid={format!("add-{}-{}", p.id, s.code)}>
                                <strong>{ &p.name }</strong>{ format!(" · {} · {}", lang.size(&s.code), s.price) }
                                if out {
                                    <span class="badge badge--out">{ t.unavailable }</span>
                                } else if let Some(left) = s.limit() {
                                    <span class="badge">{ format!("{left} {}", t.left) }</span>
                                }
                            </button>
                        </li>
                    }
                }) }
            </ul>
        </section>
    }
}
