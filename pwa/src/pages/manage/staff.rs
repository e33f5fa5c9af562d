//! placeholder
use yew::{Html, Properties, component, html};

/// Props.
#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    /// Shop id.
    pub shop: i64,
}

/// Page.
#[component]
pub fn Page(props: &Props) -> Html {
    html! { <p>{ props.shop }</p> }
}
