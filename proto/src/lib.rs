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
pub mod status;
pub mod ws;

pub use error::{ErrorBody, ErrorCode, ErrorDetail};
pub use hours::{OpeningHours, OpeningSlot};
pub use ids::{IngredientId, OrderId, PizzaId, ShopId, UserId};
pub use money::Money;
pub use status::{Actor, Fulfilment, OrderStatus, PaymentMethod, PaymentStatus, StaffRole};

/// Re-exported so that dependants name timestamps the same way.
pub use jiff::Timestamp;
