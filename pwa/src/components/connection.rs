//! The live-connection indicator: a dot and a word, never colour alone.

use super::use_session;
use crate::state::Connection;
use yew::{Html, Properties, component, html};

/// Props of [`ConnectionBadge`].
#[derive(Debug, Properties, PartialEq)]
pub struct Props {
    /// Current state.
    pub state: Connection,
}

/// Shows whether the screen is live.
#[component]
pub fn ConnectionBadge(props: &Props) -> Html {
    let t = use_session().lang.texts();
    let (class, icon, label, state) = match props.state {
        Connection::Online => ("live live--on", "●", t.online, "online"),
        Connection::Connecting => ("live live--wait", "◌", t.connecting, "connecting"),
        Connection::Offline => ("live live--off", "✕", t.offline, "offline"),
    };
    html! {
        <span class={class} role="status" aria-live="polite" data-testid="connection" data-state={state}>
            <span aria-hidden="true">{ icon }</span>{ " " }{ label }
        </span>
    }
}
