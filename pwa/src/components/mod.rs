//! Pieces shared by the pages.

mod cart;
#[cfg(feature = "staff")]
pub mod cash_handover;
mod connection;
pub mod eta;
mod extras_picker;
mod handover;
mod header;
mod icons;
mod invitations;
mod maintenance;
mod missing_shop;
mod money_badge;
mod payment;
mod push_button;
mod recipe_card;
pub mod shop_hours;
mod stock_out;
mod thanks;

pub use cart::{CartBar, CartPanel};
pub use connection::ConnectionBadge;
pub use extras_picker::ExtrasPicker;
pub use handover::HandoverForm;
pub use header::Header;
pub use icons::{Icon, IconKind};
pub use invitations::Invitations;
pub use maintenance::MaintenanceBanner;
pub use missing_shop::{MissingShop, is_missing};
pub use money_badge::MoneyBadge;
pub use payment::PaymentStep;
pub use push_button::PushButton;
pub use recipe_card::{LineRecipe, amount};
pub use stock_out::StockOutNotice;
pub use thanks::OrderThanks;

use crate::state::session::{Session, SessionAction};
use gloo::storage::Storage;
use yew::{UseReducerHandle, use_context};

/// The session context every page reads.
pub type SessionHandle = UseReducerHandle<Session>;

/// The session (the app always provides it).
#[yew::hook]
pub fn use_session() -> SessionHandle {
    use_context::<SessionHandle>().expect("the app provides the session")
}

/// Where the account last seen is kept, so that staff screens open offline.
const ME_KEY: &str = "me";

/// Records a login (or a recognised session cookie).
pub fn logged_in(session: &SessionHandle, me: ocpizza_proto::api::auth::Me) {
    let _ = gloo::storage::LocalStorage::set(ME_KEY, &me);
    session.dispatch(SessionAction::LoggedIn(Box::new(me)));
}

/// Records a logout (or a session the server no longer knows).
pub fn logged_out(session: &SessionHandle) {
    gloo::storage::LocalStorage::delete(ME_KEY);
    session.dispatch(SessionAction::LoggedOut);
}

/// Asks the server who is there (an anonymous visitor is an answer, not a `401` in the
/// console); without network, trusts the account last seen (the server still checks every
/// request when it comes back).
pub async fn recognise(session: SessionHandle) {
    use crate::services::api::{self, ApiFailure};
    match api::get::<ocpizza_proto::api::auth::Visitor>("/api/v1/auth/session").await {
        Ok(ocpizza_proto::api::auth::Visitor { me: Some(me) }) => logged_in(&session, me),
        Ok(ocpizza_proto::api::auth::Visitor { me: None }) => logged_out(&session),
        Err(ApiFailure::Network(_)) => {
            match gloo::storage::LocalStorage::get::<ocpizza_proto::api::auth::Me>(ME_KEY) {
                Ok(me) => session.dispatch(SessionAction::LoggedIn(Box::new(me))),
                Err(_) => session.dispatch(SessionAction::LoggedOut),
            }
        }
        Err(_) => logged_out(&session),
    }
}
