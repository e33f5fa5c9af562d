//! Typed identifiers: an `OrderId` can never be passed where a `ShopId` is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

typed_id!(
    /// A pizzeria of the group.
    ShopId
);
typed_id!(
    /// A customer or staff account.
    UserId
);
typed_id!(
    /// An ingredient of the group's catalogue.
    IngredientId
);
typed_id!(
    /// A pizza of the group's menu.
    PizzaId
);
typed_id!(
    /// An order; also the number shown on kitchen tickets.
    OrderId
);
typed_id!(
    /// A staff role offered to an account, waiting for it to accept.
    InvitationId
);
