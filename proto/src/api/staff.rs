//! Staff of a shop.

use crate::ids::{ShopId, UserId};
use crate::status::StaffRole;
use serde::{Deserialize, Serialize};

/// A staff role held by an account in a shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StaffMember {
    /// The account.
    pub user_id: UserId,
    /// Its e-mail.
    pub email: String,
    /// Its name.
    pub name: String,
    /// The shop.
    pub shop_id: ShopId,
    /// The role.
    pub role: StaffRole,
}

/// `POST /api/v1/shops/{id}/staff`: give a role to an account, creating the account when the
/// e-mail is new (then `name` and `password` are required).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddStaff {
    /// E-mail of the (new or existing) account.
    #[cfg_attr(feature = "server", schema(max_length = 254))]
    pub email: String,
    /// Role in this shop.
    pub role: StaffRole,
    /// Name, for a new account.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 100))]
    pub name: Option<String>,
    /// Initial password, for a new account (≥ 10 characters).
    #[serde(default)]
    pub password: Option<String>,
}
