//! Shops: where they are, when they open, whether they take orders.

use crate::hours::{OpeningHours, OpeningSlot};
use crate::ids::ShopId;
use crate::money::Money;
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
    /// Retired by an administrator: takes no order and is no longer listed; its orders,
    /// stock and reports stay.
    #[serde(default)]
    pub retired: bool,
    /// The smallest delivery, counted on its pizzas (the fee not included).
    #[serde(default)]
    pub min_delivery_order: Money,
    /// Added to the total of every delivery.
    #[serde(default)]
    pub delivery_fee: Money,
    /// Exceptional closures and holidays from today on (the shop's local dates), soonest first.
    #[serde(default)]
    pub closures: Vec<Closure>,
    /// The closure in effect today, if any: the shop takes no order and tells customers why.
    #[serde(default)]
    pub closed_today: Option<Closure>,
}

/// Days a shop stays closed whatever its weekly hours say (holidays, works, a bereavement).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Closure {
    /// Closure id.
    pub id: i64,
    /// First closed day (the shop's local date).
    pub starts_on: jiff::civil::Date,
    /// Last closed day, inclusive.
    pub ends_on: jiff::civil::Date,
    /// Shown to customers ("congés annuels").
    pub reason: String,
}

/// `POST /api/v1/shops/{id}/closures`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewClosure {
    /// First closed day, `YYYY-MM-DD` (the shop's local date).
    pub starts_on: String,
    /// Last closed day, inclusive; the first one when absent.
    #[serde(default)]
    pub ends_on: Option<String>,
    /// Shown to customers.
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 200))]
    pub reason: String,
}

/// `POST /api/v1/shops`: a new shop. Its stock starts at zero for every ingredient.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewShop {
    /// Display name.
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 100))]
    pub name: String,
    /// Street and number.
    pub street: String,
    /// Postcode (five digits).
    pub postcode: String,
    /// City.
    pub city: String,
    /// Phone number.
    pub phone: String,
    /// IANA time zone (`Europe/Paris`).
    pub timezone: String,
    /// Weekly opening hours (none: never open until set).
    #[serde(default)]
    pub hours: OpeningHours,
    /// Postcodes it delivers to.
    #[serde(default)]
    pub delivery_postcodes: Vec<String>,
    /// The smallest delivery, in cents of pizzas.
    #[serde(default)]
    pub min_delivery_order: Money,
    /// Added to every delivery, in cents.
    #[serde(default)]
    pub delivery_fee: Money,
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
    /// New street (administrators).
    #[serde(default)]
    pub street: Option<String>,
    /// New postcode (administrators).
    #[serde(default)]
    pub postcode: Option<String>,
    /// New city (administrators).
    #[serde(default)]
    pub city: Option<String>,
    /// New IANA time zone (administrators).
    #[serde(default)]
    pub timezone: Option<String>,
    /// New smallest delivery (administrators).
    #[serde(default)]
    pub min_delivery_order: Option<Money>,
    /// New delivery fee (administrators); orders already placed keep theirs.
    #[serde(default)]
    pub delivery_fee: Option<Money>,
}
