//! Accounts and sessions.

use crate::ids::{ShopId, UserId};
use crate::status::StaffRole;
use serde::{Deserialize, Serialize};

/// `POST /api/v1/auth/register`: a customer account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Login e-mail.
    #[cfg_attr(feature = "server", schema(max_length = 254))]
    pub email: String,
    /// At least 10 characters.
    #[cfg_attr(feature = "server", schema(min_length = 10, max_length = 256))]
    pub password: String,
    /// Name shown to the shop.
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 100))]
    pub name: String,
    /// Phone for the driver, optional.
    #[serde(default)]
    #[cfg_attr(
        feature = "server",
        schema(max_length = 30, pattern = r"^[0-9 +.()-]*$")
    )]
    pub phone: Option<String>,
}

/// The answer to `POST /api/v1/auth/register` (`202`): the same whether the e-mail was new or
/// already had an account, so that it does not tell who is a customer. No session is opened;
/// the client logs in with the e-mail and password next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Registration {
    /// The e-mail to log in with (trimmed, lower-cased).
    pub email: String,
}

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Login e-mail.
    pub email: String,
    /// Password.
    pub password: String,
}

/// `POST /api/v1/auth/password/forgot`: send a password reset link to this address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ForgotPassword {
    /// The account's e-mail.
    #[cfg_attr(feature = "server", schema(max_length = 254))]
    pub email: String,
}

/// The answer to `POST /api/v1/auth/password/forgot` (`202`): the same whether or not the
/// address has an account, so that it does not tell who is a customer. If it has one, a link
/// is on its way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ResetRequested {
    /// The address the link goes to if it has an account (trimmed, lower-cased).
    pub email: String,
}

/// `POST /api/v1/auth/password/reset`: the token of the link and the new password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResetPassword {
    /// The `token` parameter of the link (64 hexadecimal digits).
    #[cfg_attr(feature = "server", schema(pattern = "^[0-9a-fA-F]{64}$"))]
    pub token: String,
    /// The new password: the same rules as at registration.
    #[cfg_attr(feature = "server", schema(min_length = 10, max_length = 256))]
    pub password: String,
}

/// A role held in one shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ShopRole {
    /// The shop.
    pub shop_id: ShopId,
    /// Its name.
    pub shop_name: String,
    /// The role held there.
    pub role: StaffRole,
}

/// `GET /api/v1/auth/session`: who is visiting. An anonymous visitor is not an error here
/// (`me` is `null`), so that an app can ask on every start without a `401`; `GET
/// /api/v1/auth/me` and every other account's endpoint still answer `401` to anonymous callers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Visitor {
    /// The account of the session, or `null` without a valid session.
    pub me: Option<Me>,
}

/// The logged-in account (`GET /api/v1/auth/me`, and the answer to login).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Me {
    /// Account id.
    pub id: UserId,
    /// Login e-mail.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Phone, if given.
    pub phone: Option<String>,
    /// Group administrator.
    pub admin: bool,
    /// Staff roles, one per shop and role.
    pub roles: Vec<ShopRole>,
}
