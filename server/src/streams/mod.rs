//! What each live stream is: who may follow it and what of it they see ([`authz`]), and its
//! current state, sent when a client cannot resume from the log ([`snapshot`]). Both ask the
//! domain modules; the hub carries the events and asks these questions through
//! [`Catalogue`], which [`Streams`] answers.

pub mod authz;
pub mod snapshot;

use crate::auth::{AuthUser, Caller};
use crate::db::Db;
use crate::hub::catalogue::{Answer, Catalogue};
use ocpizza_proto::ErrorCode;
use ocpizza_proto::events::Stream;

pub use authz::Scope;
pub use snapshot::{Built, Snapshots};

/// The streams of this application, as the hub asks about them.
#[derive(Debug)]
pub struct Streams {
    db: Db,
    /// How long after it is finished an order can still be followed.
    tracking_hours: u32,
    snapshots: Snapshots,
}

impl Streams {
    /// Streams read from `db`; orders can be followed until `tracking_hours` after they end.
    /// Snapshots are built at most half the read pool at a time, so requests always find a
    /// connection.
    pub fn new(db: Db, tracking_hours: u32) -> Streams {
        let builds = db.pool().options().get_max_connections() as usize / 2;
        Streams {
            db,
            tracking_hours,
            snapshots: Snapshots::new(builds),
        }
    }
}

impl Catalogue for Streams {
    fn authorise<'a>(
        &'a self,
        caller: &'a Caller,
        stream: &'a Stream,
    ) -> Answer<'a, Result<Scope, (ErrorCode, String)>> {
        Box::pin(authz::may_subscribe(
            self.db.pool(),
            self.tracking_hours,
            caller,
            stream,
        ))
    }

    fn snapshot<'a>(&'a self, stream: &'a Stream, scope: &'a Scope) -> Answer<'a, Option<Built>> {
        Box::pin(self.snapshots.get(self.db.pool(), stream, scope))
    }

    fn account<'a>(&'a self, session: &'a str) -> Answer<'a, sqlx::Result<Option<AuthUser>>> {
        Box::pin(crate::auth::db::user_by_session(self.db.pool(), session))
    }
}
