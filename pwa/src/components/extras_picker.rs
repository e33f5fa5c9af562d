//! Extras chosen where the pizza is added: a disclosure on the menu's pizza card with the size,
//! the extras at that size's price, and one button that puts the pizza so dressed in the cart.

use super::use_session;
use crate::state::cart::extra_price;
use ocpizza_proto::api::menu::MenuPizza;
use ocpizza_proto::{IngredientId, PizzaId};
use yew::{Callback, Html, Properties, component, html, use_state};

/// Props of [`ExtrasPicker`].
#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    /// The pizza, with its sizes and extras.
    pub pizza: MenuPizza,
    /// Adds one of it in a size with extras.
    pub on_add: Callback<(PizzaId, String, Vec<IngredientId>)>,
}

/// "Avec suppléments…" on a pizza card; nothing for a pizza without extras or none to make.
#[component]
pub fn ExtrasPicker(props: &Props) -> Html {
    let lang = use_session().lang;
    let o = lang.ordering();
    let pizza = &props.pizza;
    let sizes: Vec<_> = pizza
        .sizes
        .iter()
        .filter(|s| pizza.enabled && s.available > 0)
        .collect();
    let first = sizes.first().map(|s| s.code.clone()).unwrap_or_default();
    let chosen_size = use_state(|| None::<String>);
    let extras = use_state(Vec::<IngredientId>::new);
    let added = use_state(|| false);
    if pizza.extras.is_empty() || sizes.is_empty() {
        return html! {};
    }
    // The size chosen, or the first one still available.
    let size = chosen_size
        .as_ref()
        .filter(|c| sizes.iter().any(|s| &s.code == *c))
        .cloned()
        .unwrap_or(first);
    let id = pizza.id;
    let pick_size = |code: String| {
        let (chosen_size, added) = (chosen_size.clone(), added.clone());
        Callback::from(move |_| {
            chosen_size.set(Some(code.clone()));
            added.set(false);
        })
    };
    let toggle = |extra: IngredientId| {
        let (extras, added) = (extras.clone(), added.clone());
        Callback::from(move |_| {
            let mut next = (*extras).clone();
            if let Some(at) = next.iter().position(|e| *e == extra) {
                next.remove(at);
            } else {
                next.push(extra);
            }
            extras.set(next);
            added.set(false);
        })
    };
    let add = {
        let (on_add, extras, added, size) = (
            props.on_add.clone(),
            extras.clone(),
            added.clone(),
            size.clone(),
        );
        Callback::from(move |_| {
            on_add.emit((id, size.clone(), (*extras).clone()));
            extras.set(Vec::new());
            added.set(true);
        })
    };
    html! {
        <details class="extras-picker" data-testid={format!("extras-{id}")}>
            <summary>{ o.with_extras }</summary>
            <fieldset>
                <legend>{ o.choose_size }</legend>
                { for sizes.iter().map(|s| html! {
                    <label class="check">
                        <input type="radio" name={format!("extras-size-{id}")} value={s.code.clone()}
                               checked={s.code == size} onchange={pick_size(s.code.clone())} />
                        { format!(" {} ({})", lang.size_label(&s.code, &s.label), s.price) }
                    </label>
                }) }
            </fieldset>
            <fieldset>
                <legend>{ o.choose_extras }</legend>
                { for pizza.extras.iter().filter_map(|e| {
                    let price = extra_price(pizza, e.ingredient_id, &size)?;
                    Some(html! {
                        <label class="check">
                            <input type="checkbox" checked={extras.contains(&e.ingredient_id)}
                                   onchange={toggle(e.ingredient_id)}
                                   data-testid={format!("extra-{id}-{}", e.ingredient_id)} />
                            { format!(" {} (+{price})", e.name) }
                        </label>
                    })
                }) }
            </fieldset>
            <button type="button" class="button button--primary" onclick={add}
                    data-testid={format!("add-with-extras-{id}")}>
                { o.add_these }
            </button>
            if *added {
                <p class="hint" role="status">{ o.added }</p>
            }
        </details>
    }
}
