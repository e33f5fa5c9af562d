//! The recipe aide-mémoire (`/recipes`, staff): every pizza with its quantities per size and
//! its steps, searchable by pizza or ingredient; the service worker keeps the last copy, so it
//! opens without network once loaded.

use crate::components::{amount, use_session};
use crate::services::api;
use ocpizza_proto::api::menu::{Recipe, RecipeBook};
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::{Callback, Html, InputEvent, TargetCast, component, html, use_effect_with, use_state};

/// Lower case without French accents, for searching.
fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            other => other,
        })
        .collect()
}

/// Whether a recipe matches the search: every word in its name or one of its ingredients.
pub fn matches(recipe: &Recipe, query: &str) -> bool {
    let haystack = fold(
        &std::iter::once(recipe.name.as_str())
            .chain(
                recipe
                    .sizes
                    .iter()
                    .flat_map(|s| s.items.iter().map(|i| i.name.as_str())),
            )
            .collect::<Vec<_>>()
            .join(" "),
    );
    fold(query)
        .split_whitespace()
        .all(|word| haystack.contains(word))
}

/// The recipe book.
#[component]
pub fn RecipesPage() -> Html {
    let session = use_session();
    let t = session.lang.texts();
    let book = use_state(|| None::<Rc<RecipeBook>>);
    let failed = use_state(|| false);
    let query = use_state(String::new);
    let staff = session
        .me
        .as_ref()
        .is_some_and(|me| me.admin || !me.roles.is_empty());
    {
        let (book, failed) = (book.clone(), failed.clone());
        use_effect_with(staff, move |&staff| {
            if staff {
                wasm_bindgen_futures::spawn_local(async move {
                    match api::get::<RecipeBook>("/api/v1/recipes").await {
                        Ok(b) => book.set(Some(Rc::new(b))),
                        Err(_) => failed.set(true),
                    }
                });
            }
        });
    }
    if !session.checked {
        return html! { <section class="page"><p aria-busy="true">{ t.loading }</p></section> };
    }
    if !staff {
        return html! {
            <section class="page narrow">
                <p>{ t.staff_only }</p>
                <a class="button" href="/login?next=/recipes">{ t.login }</a>
            </section>
        };
    }
    let Some(book) = (*book).clone() else {
        let text = if *failed { t.load_failed } else { t.loading };
        return html! { <section class="page"><p aria-busy="true">{ text }</p></section> };
    };
    let oninput = {
        let query = query.clone();
        Callback::from(move |e: InputEvent| {
            query.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let shown: Vec<&Recipe> = book.recipes.iter().filter(|r| matches(r, &query)).collect();
    html! {
        <section class="page recipes">
            <h1>{ t.recipes_title }</h1>
            <label class="search">
                <span class="sr-only">{ t.recipe_search }</span>
                <input type="search" data-testid="recipe-search" placeholder={t.recipe_search}
                       value={(*query).clone()} {oninput} />
            </label>
            if shown.is_empty() {
                <p>{ t.no_match }</p>
            }
            <div class="recipe-list">
                { for shown.into_iter().map(|r| recipe_sheet(t, r)) }
            </div>
        </section>
    }
}

/// One pizza: an ingredient × size table, the extras, the steps and the oven.
fn recipe_sheet(t: &crate::i18n::Texts, recipe: &Recipe) -> Html {
    // Ingredients in the order they go on, across sizes.
    let mut names: Vec<(ocpizza_proto::IngredientId, &str)> = Vec::new();
    for item in recipe.sizes.iter().flat_map(|s| s.items.iter()) {
        if !names.iter().any(|(id, _)| *id == item.ingredient_id) {
            names.push((item.ingredient_id, &item.name));
        }
    }
    let mut extras: Vec<(ocpizza_proto::IngredientId, &str)> = Vec::new();
    for e in &recipe.extras {
        if !extras.iter().any(|(id, _)| *id == e.ingredient_id) {
            extras.push((e.ingredient_id, &e.name));
        }
    }
    html! {
        <article class="card recipe-sheet" data-testid={format!("recipe-{}", recipe.pizza_id.0)}>
            <h2>{ &recipe.name }</h2>
            <p class="oven">
                <strong>{ format!("{} ", t.oven) }</strong>
                { format!("{} °C · {} min", recipe.oven_temp_c, recipe.oven_minutes) }
            </p>
            <table>
                <thead>
                    <tr>
                        <th scope="col">{ t.ingredients }</th>
                        { for recipe.sizes.iter().map(|s| html! { <th scope="col">{ &s.label }</th> }) }
                    </tr>
                </thead>
                <tbody>
                    { for names.iter().map(|(id, name)| html! {
                        <tr>
                            <th scope="row">{ *name }</th>
                            { for recipe.sizes.iter().map(|s| html! {
                                <td>{ s.items.iter().find(|i| i.ingredient_id == *id)
                                        .map_or_else(|| "—".into(), |i| amount(i.quantity, i.unit)) }</td>
                            }) }
                        </tr>
                    }) }
                    if !extras.is_empty() {
                        <tr class="extras-head"><th colspan={(recipe.sizes.len() + 1).to_string()}>{ t.extras_added }</th></tr>
                    }
                    { for extras.iter().map(|(id, name)| html! {
                        <tr class="recipe-extra">
                            <th scope="row">{ format!("+ {name}") }</th>
                            { for recipe.sizes.iter().map(|s| html! {
                                <td>{ recipe.extras.iter().find(|e| e.ingredient_id == *id && e.size == s.code)
                                        .map_or_else(|| "—".into(), |e| amount(e.quantity, e.unit)) }</td>
                            }) }
                        </tr>
                    }) }
                </tbody>
            </table>
            <h3>{ t.steps }</h3>
            <ol class="recipe-steps">
                { for recipe.steps.iter().map(|s| html! { <li>{ s }</li> }) }
            </ol>
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpizza_proto::api::Unit;
    use ocpizza_proto::api::menu::{RecipeItem, RecipeSize};
    use ocpizza_proto::{IngredientId, PizzaId};

    fn reine() -> Recipe {
        Recipe {
            pizza_id: PizzaId(2),
            name: "Reine".into(),
            sizes: vec![RecipeSize {
                code: "medium".into(),
                label: "Moyenne".into(),
                items: vec![RecipeItem {
                    ingredient_id: IngredientId(7),
                    name: "Champignons de Paris".into(),
                    quantity: 60,
                    unit: Unit::G,
                }],
            }],
            steps: vec![],
            oven_minutes: 8,
            oven_temp_c: 280,
            extras: vec![],
        }
    }

    #[test]
    fn search_finds_pizzas_by_name_or_ingredient_ignoring_case_and_accents() {
        let r = reine();
        assert!(matches(&r, ""));
        assert!(matches(&r, "REINE"));
        assert!(matches(&r, "champignon"));
        assert!(matches(&r, "reine champ"));
        assert!(!matches(&r, "reine chorizo"));
        let mut r = r;
        r.name = "Végétarienne".into();
        assert!(matches(&r, "vegetarienne"));
    }
}
