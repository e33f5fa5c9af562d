//! Routes and the session context.

use crate::components::{Header, Invitations, SessionHandle};
use crate::i18n::Lang;
use crate::pages::{
    account::{forgot::ForgotPasswordPage, orders::MyOrdersPage, reset::ResetPasswordPage},
    checkout::Checkout,
    login::Login,
    menu::MenuPage,
    not_found::NotFound,
    shops::Shops,
    track::{Target, Track},
};
#[cfg(feature = "staff")]
use crate::pages::{
    counter::CounterPage, driver::DriverPage, kitchen::KitchenPage, manage, recipes::RecipesPage,
};
use crate::state::session::Session;
use gloo::storage::Storage;
use yew::{ContextProvider, Html, component, html, use_effect_with, use_reducer};
use yew_router::prelude::{BrowserRouter, Routable, Switch};

/// Every screen's address.
#[derive(Debug, Clone, PartialEq, Eq, Routable)]
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
    /// Checkout of a shop's cart.
    #[at("/checkout/:shop")]
    Checkout {
        /// Shop id.
        shop: i64,
    },
    /// Following an order with its tracking token (no account needed).
    #[at("/track/:token")]
    Track {
        /// The order's tracking token.
        token: String,
    },
    /// Login.
    #[at("/login")]
    Login,
    /// Asking for a password reset link.
    #[at("/forgot-password")]
    ForgotPassword,
    /// The e-mailed link's page (`?token=…`): a new password.
    #[at("/reset-password")]
    ResetPassword,
    /// A customer's current and past orders.
    #[at("/my-orders")]
    MyOrders,
    /// The kitchen wall display.
    #[at("/kitchen")]
    Kitchen,
    /// The recipe book.
    #[at("/recipes")]
    Recipes,
    /// The driver's deliveries.
    #[at("/driver")]
    Driver,
    /// Counter and phone orders.
    #[at("/counter")]
    Counter,
    /// Editing a placed order from the counter.
    #[at("/counter/orders/:id")]
    CounterOrder {
        /// Order id.
        id: i64,
    },
    /// The managers' live dashboard.
    #[at("/manage")]
    Manage,
    /// Reports of a day, a week or a month (managers, admins).
    #[at("/manage/reports")]
    ManageReports,
    /// The group's catalogue (administrators).
    #[at("/manage/catalogue")]
    ManageCatalogue,
    /// A shop's stock (managers).
    #[at("/manage/shops/:id/stock")]
    ManageStock {
        /// Shop id.
        id: i64,
    },
    /// A shop's staff (managers).
    #[at("/manage/shops/:id/staff")]
    ManageStaff {
        /// Shop id.
        id: i64,
    },
    /// A shop's cash of the day (managers).
    #[at("/manage/shops/:id/cash")]
    ManageCash {
        /// Shop id.
        id: i64,
    },
    /// Every shop of the group (administrators).
    #[at("/manage/shops")]
    ManageShops,
    /// Opening a new shop (administrators).
    #[at("/manage/shops/new")]
    ManageNewShop,
    /// A shop's settings (administrators; its managers read them).
    #[at("/manage/shops/:id/settings")]
    ManageShopSettings {
        /// Shop id.
        id: i64,
    },
    /// The audit trail (managers: their shops; administrators: everything).
    #[at("/manage/audit")]
    ManageAudit,
    /// Personal data requests (administrators).
    #[at("/manage/privacy")]
    ManagePrivacy,
    /// Anything else.
    #[not_found]
    #[at("/404")]
    NotFound,
}

fn switch(route: Route) -> Html {
    match route {
        Route::Shops => html! { <Shops /> },
        // Keyed by shop or token so that another one gets fresh state (and its own cart).
        Route::Menu { id } => html! { <MenuPage key={id} shop={id} /> },
        Route::Checkout { shop } => html! { <Checkout key={shop} {shop} /> },
        Route::Track { token } => {
            html! { <Track key={token.as_str()} target={Target::Token(token.clone())} /> }
        }
        Route::Login => html! { <Login /> },
        Route::ForgotPassword => html! { <ForgotPasswordPage /> },
        Route::ResetPassword => html! { <ResetPasswordPage /> },
        Route::MyOrders => html! { <MyOrdersPage /> },
        Route::NotFound => html! { <NotFound /> },
        staff => staff_screen(&staff),
    }
}

/// The staff screens (in the staff bundle).
#[cfg(feature = "staff")]
fn staff_screen(route: &Route) -> Html {
    match route {
        Route::Kitchen => html! { <KitchenPage /> },
        Route::Recipes => html! { <RecipesPage /> },
        Route::Driver => html! { <DriverPage /> },
        Route::Counter => html! { <CounterPage /> },
        Route::CounterOrder { id } => html! { <Track key={*id} target={Target::Id(*id)} /> },
        Route::Manage => html! { <manage::dashboard::DashboardPage /> },
        Route::ManageReports => html! { <manage::reports::ReportsPage /> },
        Route::ManageCatalogue => html! { <manage::catalogue::CataloguePage /> },
        Route::ManageStock { id } => {
            html! { <manage::ShopPage key={*id} shop={*id} screen={manage::ShopScreen::Stock} /> }
        }
        Route::ManageStaff { id } => {
            html! { <manage::ShopPage key={*id} shop={*id} screen={manage::ShopScreen::Staff} /> }
        }
        Route::ManageCash { id } => {
            html! { <manage::ShopPage key={*id} shop={*id} screen={manage::ShopScreen::Cash} /> }
        }
        Route::ManageShops => html! { <manage::shops::ShopsAdminPage /> },
        Route::ManageNewShop => html! { <manage::shops::NewShopPage /> },
        Route::ManageShopSettings { id } => {
            html! { <manage::ShopPage key={*id} shop={*id} screen={manage::ShopScreen::Settings} /> }
        }
        Route::ManageAudit => html! { <manage::audit::AuditPage /> },
        Route::ManagePrivacy => html! { <manage::privacy::PrivacyPage /> },
        _ => html! { <NotFound /> },
    }
}

/// The customers' bundle has no staff screens: it reloads into the staff bundle.
#[cfg(not(feature = "staff"))]
fn staff_screen(_route: &Route) -> Html {
    html! { <crate::pages::staff_app::StaffApp /> }
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
        checked: false,
    });
    {
        let session = session.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(crate::components::recognise(session));
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
                    <Invitations />
                    <Switch<Route> render={switch} />
                </div>
            </BrowserRouter>
        </ContextProvider<SessionHandle>>
    }
}
