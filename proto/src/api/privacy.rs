//! Personal data rights: a customer downloads what the group holds about them and deletes
//! their account; an administrator does the same on a person's request.

use serde::{Deserialize, Serialize};

/// `DELETE /api/v1/me`: the account's password, to confirm that its owner asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeleteAccount {
    /// The account's current password.
    pub password: String,
}

/// `POST /api/v1/admin/customers/erase`: whose data to erase, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EraseCustomer {
    /// The person's e-mail: their account, and the guest orders given with it.
    #[cfg_attr(feature = "server", schema(max_length = 254))]
    pub email: String,
    /// The request's reference or circumstances (kept in the audit trail).
    #[cfg_attr(feature = "server", schema(max_length = 200))]
    pub reason: String,
}

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Erased {
    /// Whether an account was deleted.
    pub account_deleted: bool,
    /// How many orders had their contact details anonymised (totals and lines kept).
    pub orders_anonymised: u64,
}
