//! What a shop's address shows when no such shop exists (`/shops/999`, an old link): said once,
//! with the way to the list, instead of a loading message retried forever.

use super::use_session;
use crate::app::Route;
use crate::services::api::ApiFailure;
use yew::{Html, component, html};
use yew_router::prelude::Link;

/// Whether a failed load means the shop does not exist (as opposed to a network problem
/// worth retrying).
pub fn is_missing(failure: &ApiFailure) -> bool {
    matches!(failure, ApiFailure::Server(404, _))
}

/// "Cette pizzeria n'existe pas", and a link to the list of shops.
#[component]
pub fn MissingShop() -> Html {
    let lang = use_session().lang;
    let e = lang.errors();
    html! {
        <section class="page narrow" data-testid="shop-missing">
            <h1>{ e.shop_missing }</h1>
            <p>{ e.shop_missing_hint }</p>
            <Link<Route> to={Route::Shops}>{ lang.texts().back_to_shops }</Link<Route>>
        </section>
    }
}
