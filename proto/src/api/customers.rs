//! The counter's customer search: who is calling, from the phone number they give.

use crate::api::orders::Address;
use crate::ids::UserId;
use serde::{Deserialize, Serialize};

/// A customer whose phone number matches, from an account or from past orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CustomerMatch {
    /// Name (the account's, or the latest order's contact).
    pub name: String,
    /// Phone number as last given.
    pub phone: String,
    /// E-mail, if known.
    #[serde(default)]
    pub email: Option<String>,
    /// The customer account, if there is one with this number.
    #[serde(default)]
    pub user_id: Option<UserId>,
    /// Address of their latest delivery from this shop.
    #[serde(default)]
    pub last_address: Option<Address>,
    /// How many orders this shop received with this number.
    pub orders_count: i64,
}

/// `GET /api/v1/shops/{id}/customers?phone=…`: at most 10 matches, most recent first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CustomerMatches {
    /// Matches, most recently seen first.
    pub customers: Vec<CustomerMatch>,
}
