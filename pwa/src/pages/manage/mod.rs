//! The managers' screens: the live dashboard of their shops (`/manage`), a shop's stock
//! (`/manage/shops/{id}/stock`), its staff (`/manage/shops/{id}/staff`) and the day's cash
//! (`/manage/shops/{id}/cash`), its settings (`/manage/shops/{id}/settings`), the reports of a
//! day, a week or a month (`/manage/reports`), the audit trail (`/manage/audit`) and, for the
//! group's administrators, every shop (`/manage/shops`, `/manage/shops/new`), the group's
//! catalogue (`/manage/catalogue`) and personal data requests (`/manage/privacy`). Managers see
//! the shops they manage, the group's administrators every shop; anyone else is told so.

#[cfg(feature = "staff")]
pub mod alerts;
#[cfg(feature = "staff")]
pub mod audit;
#[cfg(feature = "staff")]
pub mod cash;
#[cfg(feature = "staff")]
pub mod catalogue;
#[cfg(feature = "staff")]
pub mod dashboard;
#[cfg(feature = "staff")]
pub mod payment;
#[cfg(feature = "staff")]
pub mod privacy;
#[cfg(feature = "staff")]
pub mod reports;
#[cfg(feature = "staff")]
pub mod shop_form;
#[cfg(feature = "staff")]
pub mod shop_settings;
#[cfg(feature = "staff")]
pub mod shops;
#[cfg(feature = "staff")]
pub mod staff;
#[cfg(feature = "staff")]
pub mod stock;

use crate::i18n::{Lang, ManageTexts};
use crate::state::session::Session;
use ocpizza_proto::{ShopId, StaffRole};
use yew::{Html, html};

/// Who may open the managers' screens, for one shop or all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// The session is not known yet.
    Checking,
    /// Nobody is logged in.
    LoggedOut,
    /// Logged in, but neither a manager (of that shop) nor an admin.
    Refused,
    /// A manager of these shops (`admin`: every shop).
    Granted {
        /// Group administrator.
        admin: bool,
        /// Shops the account manages.
        shops: Vec<ShopId>,
    },
}

impl Access {
    /// The access `session` gives to the managers' screens of `shop` (`None`: any shop).
    pub fn of(session: &Session, shop: Option<ShopId>) -> Access {
        if !session.checked {
            return Access::Checking;
        }
        let Some(me) = &session.me else {
            return Access::LoggedOut;
        };
        let shops: Vec<ShopId> = me
            .roles
            .iter()
            .filter(|r| r.role == StaffRole::Manager)
            .map(|r| r.shop_id)
            .collect();
        let allowed = me.admin || shop.map_or(!shops.is_empty(), |s| shops.contains(&s));
        if allowed {
            Access::Granted {
                admin: me.admin,
                shops,
            }
        } else {
            Access::Refused
        }
    }

    /// What to show instead of the screen, when it may not be shown.
    pub fn refusal(&self, lang: Lang, next: &str) -> Option<Html> {
        let (t, m) = (lang.texts(), lang.manage());
        match self {
            Access::Granted { .. } => None,
            Access::Checking => Some(
                html! { <section class="page"><p aria-busy="true">{ t.loading }</p></section> },
            ),
            Access::LoggedOut => Some(html! {
                <section class="page narrow" data-testid="manage-login">
                    <p>{ m.not_allowed }</p>
                    <a class="button" href={format!("/login?next={next}")}>{ t.login }</a>
                </section>
            }),
            Access::Refused => Some(html! {
                <section class="page narrow" data-testid="manage-forbidden">
                    <p class="notice" role="alert">{ m.not_allowed }</p>
                </section>
            }),
        }
    }
}

/// Whether the session may see the "Manage" link.
pub fn may_manage(session: &Session) -> bool {
    matches!(Access::of(session, None), Access::Granted { .. })
}

/// Sub-navigation of a shop's management screens.
pub fn shop_nav(shop: ShopId, m: &ManageTexts, current: &str) -> Html {
    let link = |path: &str, label: &str, key: &str| {
        let current = (key == current).then_some("page");
        html! {
            <a class="button" href={format!("/manage{path}")} aria-current={current}>{ label.to_owned() }</a>
        }
    };
    html! {
        <nav class="manage-nav" aria-label={m.nav}>
            { link("", m.back, "dashboard") }
            { link(&format!("/shops/{}/stock", shop.0), m.stock, "stock") }
            { link(&format!("/shops/{}/staff", shop.0), m.staff, "staff") }
            { link(&format!("/shops/{}/cash", shop.0), m.cash, "cash") }
            { link(&format!("/reports?shop={}", shop.0), Lang::of_document().reports().link, "reports") }
            { link(&format!("/shops/{}/settings", shop.0), Lang::of_document().shop_admin().settings, "settings") }
        </nav>
    }
}

/// Which screen of a shop's management pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShopScreen {
    /// Stock, movements, ledger, unavailable pizzas.
    Stock,
    /// The shop's staff.
    Staff,
    /// The day's cash per driver.
    Cash,
    /// The shop's settings, closures, retirement.
    Settings,
}

#[cfg(feature = "staff")]
mod page {
    use super::{Access, ShopScreen};
    use crate::components::use_session;
    use ocpizza_proto::ShopId;
    use yew::{Html, Properties, component, html};

    /// Props of [`ShopPage`].
    #[derive(Debug, Properties, PartialEq)]
    pub struct Props {
        /// Shop id.
        pub shop: i64,
        /// Which screen.
        pub screen: ShopScreen,
    }

    /// A shop's management page: checks who is there, then shows the screen.
    #[component]
    pub fn ShopPage(props: &Props) -> Html {
        let session = use_session();
        let (shop, lang) = (props.shop, session.lang);
        let (path, body) = match props.screen {
            ShopScreen::Stock => (
                "stock",
                html! { <super::stock::StockScreen {shop} {lang} /> },
            ),
            ShopScreen::Staff => (
                "staff",
                html! { <super::staff::StaffScreen {shop} {lang} /> },
            ),
            ShopScreen::Cash => ("cash", html! { <super::cash::CashScreen {shop} {lang} /> }),
            ShopScreen::Settings => {
                let admin = session.me.as_ref().is_some_and(|me| me.admin);
                (
                    "settings",
                    html! { <super::shop_settings::SettingsScreen {shop} {lang} {admin} /> },
                )
            }
        };
        let next = format!("/manage/shops/{shop}/{path}");
        Access::of(&session, Some(ShopId(shop)))
            .refusal(lang, &next)
            .unwrap_or(body)
    }
}

#[cfg(feature = "staff")]
pub use page::ShopPage;
