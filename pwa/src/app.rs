//! Routes and the session context.

use crate::components::{Header, SessionHandle};
use crate::i18n::Lang;
use crate::pages::{login::Login, menu::MenuPage, not_found::NotFound, shops::Shops};
use crate::services::api;
use crate::state::session::{Session, SessionAction};
use gloo::storage::Storage;
use ocpizza_proto::api::auth::Me;
use yew::{ContextProvider, Html, component, html, use_effect_with, use_reducer};
use yew_router::prelude::{BrowserRouter, Routable, Switch};

/// Every screen's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Routable)]
pub enum Route {
    /// The list of shops.
    #[at("/")]
    Shops,
    /// A shop's live menu.
    #[at("/shops/:id")]
    Menu {
        /// Shop id.
        id: i64,
    },
    /// Login.
    #[at("/login")]
    Login,
    /// Anything else.
    #[not_found]
    #[at("/404")]
    NotFound,
}

fn switch(route: Route) -> Html {
    match route {
        Route::Shops => html! { <Shops /> },
        Route::Menu { id } => html! { <MenuPage shop={id} /> },
        Route::Login => html! { <Login /> },
        Route::NotFound => html! { <NotFound /> },
    }
}

fn initial_lang() -> Lang {
    if let Ok(saved) = gloo::storage::LocalStorage::get::<String>("lang") {
        return Lang::from_tag(&saved);
    }
    Lang::from_tag(
        &gloo::utils::window()
            .navigator()
            .language()
            .unwrap_or_default(),
    )
}

/// The application.
#[component]
pub fn App() -> Html {
    let session: SessionHandle = use_reducer(|| Session {
        me: None,
        lang: initial_lang(),
    });
    {
        let session = session.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(me) = api::get::<Me>("/api/v1/auth/me").await {
                    session.dispatch(SessionAction::LoggedIn(Box::new(me)));
                }
            });
        });
    }
    {
        let lang = session.lang;
        use_effect_with(lang, move |lang| {
            if let Some(root) = gloo::utils::document().document_element() {
                let _ = root.set_attribute("lang", lang.code());
            }
        });
    }
    html! {
        <ContextProvider<SessionHandle> context={session}>
            <BrowserRouter>
                <Header />
                <div class="content">
                    <Switch<Route> render={switch} />
                </div>
            </BrowserRouter>
        </ContextProvider<SessionHandle>>
    }
}
