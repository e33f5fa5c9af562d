//! Shops: where they are, when they open, whether they take orders.

use crate::hours::{OpeningHours, OpeningSlot};
use crate::ids::ShopId;
use crate::opening::OpenState;
use serde::{Deserialize, Serialize};

/// A pizzeria of the group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Shop {
    /// Shop id.
    pub id: ShopId,
    /// Display name.
    pub name: String,
    /// Street and number.
    pub street: String,
    /// Postcode.
    pub postcode: String,
    /// City.
    pub city: String,
    /// Phone number.
    pub phone: String,
    /// IANA time zone its hours are in.
    pub timezone: String,
    /// Weekly opening hours.
    pub hours: OpeningHours,
    /// Postcodes it delivers to.
    pub delivery_postcodes: Vec<String>,
    /// Paused by a manager: takes no new orders.
    pub paused: bool,
    /// Why it is paused, shown to customers.
    pub pause_reason: Option<String>,
    /// Open at this moment according to its hours.
    pub open_now: bool,
    /// Today's service periods (the shop's local weekday; a late one may end tomorrow).
    #[serde(default)]
    pub today_hours: Vec<OpeningSlot>,
    /// What its hours say now, in its time zone: open until, closes soon, closed until.
    #[serde(default)]
    pub open_state: OpenState,
}

/// `POST /api/v1/shops/{id}/pause`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PauseRequest {
    /// Shown to customers ("four en panne", "trop de commandes").
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 200))]
    pub reason: Option<String>,
}

/// `PATCH /api/v1/shops/{id}`: change what is given, keep the rest.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ShopPatch {
    /// New display name.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 100))]
    pub name: Option<String>,
    /// New phone.
    #[serde(default)]
    #[cfg_attr(
        feature = "server",
        schema(max_length = 30, pattern = r"^[0-9 +.()-]*$")
    )]
    pub phone: Option<String>,
    /// New weekly hours.
    #[serde(default)]
    pub hours: Option<OpeningHours>,
    /// New delivery area.
    #[serde(default)]
    pub delivery_postcodes: Option<Vec<String>>,
}
