//! A recipe card: for one exact order line (its size, its extras, its quantity) on the
//! kitchen display, or for every size in the recipe book.

use super::use_session;
use ocpizza_proto::IngredientId;
use ocpizza_proto::api::Unit;
use ocpizza_proto::api::menu::Recipe;
use std::rc::Rc;
use yew::{Html, Properties, component, html};

/// Props of [`LineRecipe`].
#[derive(Debug, Properties, PartialEq)]
pub struct LineProps {
    /// The pizza's recipe.
    pub recipe: Rc<Recipe>,
    /// Size code of the line.
    pub size: String,
    /// Extras of the line.
    pub extras: Vec<IngredientId>,
    /// How many pizzas the line asks for.
    pub quantity: i64,
}

/// `120 g`, `40 ml`, `× 2`.
pub fn amount(quantity: i64, unit: Unit) -> String {
    match unit {
        Unit::G => format!("{quantity} g"),
        Unit::Ml => format!("{quantity} ml"),
        Unit::Piece => format!("× {quantity}"),
    }
}

/// What goes on one pizza of one line: the size's recipe, then the extras asked for.
#[component]
pub fn LineRecipe(props: &LineProps) -> Html {
    let t = use_session().lang.texts();
    let recipe = &props.recipe;
    let size = recipe.sizes.iter().find(|s| s.code == props.size);
    let extras = recipe
        .extras
        .iter()
        .filter(|e| e.size == props.size && props.extras.contains(&e.ingredient_id));
    html! {
        <div class="recipe">
            <h3>
                { format!("{} — {}", recipe.name, size.map_or(props.size.as_str(), |s| s.label.as_str())) }
                if props.quantity > 1 {
                    <span class="recipe-qty">{ format!(" × {}", props.quantity) }</span>
                }
            </h3>
            <p class="oven">
                <strong>{ format!("{} ", t.oven) }</strong>
                { format!("{} °C · {} min", recipe.oven_temp_c, recipe.oven_minutes) }
            </p>
            <h4>{ format!("{} (1 pizza)", t.ingredients) }</h4>
            <ul class="recipe-items">
                { for size.into_iter().flat_map(|s| s.items.iter()).map(|i| html! {
                    <li><span>{ &i.name }</span><strong>{ amount(i.quantity, i.unit) }</strong></li>
                }) }
                { for extras.map(|e| html! {
                    <li class="recipe-extra">
                        <span>{ format!("+ {}", e.name) }</span><strong>{ amount(e.quantity, e.unit) }</strong>
                    </li>
                }) }
            </ul>
            <h4>{ t.steps }</h4>
            <ol class="recipe-steps">
                { for recipe.steps.iter().map(|s| html! { <li>{ s }</li> }) }
            </ol>
        </div>
    }
}
