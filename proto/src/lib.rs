//! Wire types shared by the OC Pizza server and its PWA.
//!
//! Everything that crosses the network is defined here once: typed ids, money in integer cents,
//! the order status machine (which transitions exist and who may make them), opening hours, the
//! REST request/response bodies, the events written to the event log, and the JSON error body.
//! The crate depends on serde and jiff only so that it builds for `wasm32-unknown-unknown`; the
//! OpenAPI derives are behind the `server` feature.

pub mod api;
pub mod error;
pub mod events;
pub mod hours;
pub mod ids;
pub mod money;
pub mod opening;
pub mod status;
pub mod ws;

pub use error::{ErrorBody, ErrorCode, ErrorDetail};
pub use hours::{OpeningHours, OpeningSlot};
pub use ids::{IngredientId, InvitationId, OrderId, PizzaId, ShopId, UserId};
pub use money::Money;
pub use opening::{BusinessDay, LocalTime, OpenState};
pub use status::{Actor, Fulfilment, OrderStatus, PaymentMethod, PaymentStatus, StaffRole};

/// Re-exported so that dependants name timestamps the same way.
pub use jiff::Timestamp;

/// The addresses of the staff screens. The web app comes as two bundles: customers load the
/// small one (shops, menu, checkout, tracking), staff the full one. The server answers these
/// paths (and what is under them) with the staff bundle's page, the service worker does the
/// same offline, and the customer bundle reloads into the staff one when it is sent there.
pub const STAFF_PATHS: &[&str] = &["/kitchen", "/recipes", "/driver", "/counter", "/manage"];

/// Whether `path` is a staff screen's address (see [`STAFF_PATHS`]).
pub fn is_staff_path(path: &str) -> bool {
    STAFF_PATHS.iter().any(|p| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn staff_paths_are_matched_whole() {
        assert!(super::is_staff_path("/kitchen"));
        assert!(super::is_staff_path("/manage/shops/1/stock"));
        assert!(!super::is_staff_path("/kitchenette"));
        assert!(!super::is_staff_path("/shops/1"));
        assert!(!super::is_staff_path("/"));
    }
}
