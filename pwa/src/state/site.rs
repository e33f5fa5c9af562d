//! The whole site's state, from the public `site` stream: maintenance mode.

use ocpizza_proto::api::maintenance::Maintenance;
use ocpizza_proto::events::Event;
use ocpizza_proto::ws::{ServerMsg, Snapshot};
use std::rc::Rc;
use yew::Reducible;

/// What the maintenance banner shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SiteState {
    /// Maintenance mode as last heard.
    pub maintenance: Maintenance,
    /// Last sequence of the `site` stream applied.
    pub seq: i64,
}

/// What can happen to it.
#[derive(Debug, Clone, PartialEq)]
pub enum SiteAction {
    /// A message of the live stream.
    Server(Box<ServerMsg>),
}

impl Reducible for SiteState {
    type Action = SiteAction;

    fn reduce(self: Rc<Self>, action: SiteAction) -> Rc<Self> {
        let SiteAction::Server(msg) = action;
        match *msg {
            ServerMsg::Snapshot {
                seq,
                state: Snapshot::Site { maintenance },
                ..
            } => Rc::new(SiteState { maintenance, seq }),
            ServerMsg::Event {
                seq,
                event: Event::MaintenanceChanged { maintenance },
                ..
            } if seq > self.seq => Rc::new(SiteState { maintenance, seq }),
            _ => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed(seq: i64, on: bool) -> SiteAction {
        SiteAction::Server(Box::new(ServerMsg::Event {
            stream: "site".into(),
            seq,
            event: Event::MaintenanceChanged {
                maintenance: Maintenance {
                    on,
                    ..Maintenance::default()
                },
            },
        }))
    }

    #[test]
    fn maintenance_follows_the_site_stream_and_skips_replayed_events() {
        let snapshot = SiteAction::Server(Box::new(ServerMsg::Snapshot {
            stream: "site".into(),
            seq: 3,
            state: Snapshot::Site {
                maintenance: Maintenance::default(),
            },
        }));
        let state = Rc::new(SiteState::default()).reduce(snapshot);
        assert!(!state.maintenance.on);
        let state = state.reduce(changed(4, true));
        assert!(state.maintenance.on);
        let state = state.reduce(changed(4, false));
        assert!(state.maintenance.on, "sequence 4 was already applied");
        let state = state.reduce(changed(5, false));
        assert!(!state.maintenance.on);
    }
}
