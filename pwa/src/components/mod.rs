//! Pieces shared by the pages.

mod connection;
mod header;

pub use connection::ConnectionBadge;
pub use header::Header;

use crate::state::session::{Session, SessionAction};
use yew::{UseReducerHandle, use_context};

/// The session context every page reads.
pub type SessionHandle = UseReducerHandle<Session>;

/// The session (the app always provides it).
#[yew::hook]
pub fn use_session() -> SessionHandle {
    use_context::<SessionHandle>().expect("the app provides the session")
}

/// Shorthand used by forms.
pub fn logged_in(session: &SessionHandle, me: ocpizza_proto::api::auth::Me) {
    session.dispatch(SessionAction::LoggedIn(Box::new(me)));
}
