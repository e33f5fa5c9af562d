//! Staff of a shop, and the invitations that make an existing account staff once it accepts.

use crate::ids::{InvitationId, ShopId, UserId};
use crate::status::StaffRole;
use serde::{Deserialize, Serialize};

/// Whether a role is held, or only offered and waiting for the account to accept it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StaffStatus {
    /// The account holds the role.
    #[default]
    Active,
    /// The account was invited and has not answered yet: it holds nothing.
    Invited,
}

/// A staff role held by (or offered to) an account in a shop.
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
    /// Held, or offered and not yet accepted.
    #[serde(default)]
    pub status: StaffStatus,
}

/// `POST /api/v1/shops/{id}/staff`: give a role to an account, creating the account when the
/// e-mail is new (then `name` and `password` are required). An existing account is invited
/// instead: it holds the role once it accepts.
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

/// `GET /api/v1/me/invitations`: a role a shop offers to the logged-in account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Invitation {
    /// Id, for accepting or declining it.
    pub id: InvitationId,
    /// The shop.
    pub shop_id: ShopId,
    /// Its name.
    pub shop_name: String,
    /// The role offered.
    pub role: StaffRole,
    /// Name of whoever invited the account.
    pub invited_by: String,
    /// When (the last time it was sent).
    pub invited_at: jiff::Timestamp,
}
