//! The stock-out notice at checkout: which pizza the shop can no longer make, in plain words,
//! with one button to remove that line and one per size still available.

use super::use_session;
use crate::state::stock_out::StockOut;
use yew::{Callback, Html, Properties, component, html};

/// Props of [`StockOutNotice`].
#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    /// What ran out.
    pub stock_out: StockOut,
    /// Removes the line.
    pub on_remove: Callback<()>,
    /// Takes the line in another size (its code).
    pub on_size: Callback<String>,
}

/// "Plus assez d'ingrédients pour 2 Reine (grande)" and the ways out.
#[component]
pub fn StockOutNotice(props: &Props) -> Html {
    let lang = use_session().lang;
    let e = lang.errors();
    let out = &props.stock_out;
    let remove = props.on_remove.reform(|_| ());
    html! {
        <div class="stock-out" role="alert" data-testid="stock-out">
            <p><strong>{ out.describe(lang) }</strong></p>
            <div class="stock-out-actions">
                <button type="button" class="button" onclick={remove} data-testid="stock-out-remove">
                    { e.remove_line }
                </button>
                { for out.other_sizes.iter().map(|code| {
                    let onclick = props.on_size.reform({
                        let code = code.clone();
                        move |_| code.clone()
                    });
                    html! {
                        <button type="button" class="button button--primary" {onclick}
                                data-testid={format!("stock-out-size-{code}")}>
                            { format!("{} {}", e.take_size, lang.size(code).to_lowercase()) }
                        </button>
                    }
                }) }
            </div>
        </div>
    }
}
