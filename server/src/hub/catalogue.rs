//! What the hub asks about the streams it carries, of whoever built it (the application hands
//! it [`crate::streams::Streams`]): who may follow a stream and what of it they see, a
//! stream's current state, and who is behind a session now. The hub itself only moves events.
//!
//! Each question is asked once per subscription (or access change), never per event, so a
//! trait object and a boxed future cost nothing that matters.

use crate::auth::{AuthUser, Caller};
use crate::streams::{Built, Scope};
use ocpizza_proto::ErrorCode;
use ocpizza_proto::events::Stream;
use std::future::Future;
use std::pin::Pin;

/// The future of an answer.
pub type Answer<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The streams as the hub needs to know them.
pub trait Catalogue: std::fmt::Debug + Send + Sync + 'static {
    /// What of `stream` `caller` may read now, else the error code and message to send.
    fn authorise<'a>(
        &'a self,
        caller: &'a Caller,
        stream: &'a Stream,
    ) -> Answer<'a, Result<Scope, (ErrorCode, String)>>;

    /// `stream`'s current state as `scope` may see it, encoded; `None` if it could not be
    /// built.
    fn snapshot<'a>(&'a self, stream: &'a Stream, scope: &'a Scope) -> Answer<'a, Option<Built>>;

    /// The account behind a session (the hash of its token) as it is now; `None` once the
    /// session ended.
    fn account<'a>(&'a self, session: &'a str) -> Answer<'a, sqlx::Result<Option<AuthUser>>>;
}
