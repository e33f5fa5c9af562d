//! A shop's menu with live availability, and the cooks' recipe cards.

use super::{Allergen, Unit};
use crate::ids::{IngredientId, PizzaId, ShopId};
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// `GET /api/v1/shops/{id}/menu` (public).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Menu {
    /// The shop.
    pub shop_id: ShopId,
    /// Sequence of the shop's menu stream this state corresponds to (subscribe `since` it).
    pub stream_seq: i64,
    /// Every pizza of the group, with this shop's availability.
    pub pizzas: Vec<MenuPizza>,
}

/// A pizza as the customer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct MenuPizza {
    /// Pizza id.
    pub id: PizzaId,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Address of its photo, when one was uploaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<String>,
    /// Allergens of its base recipe.
    pub allergens: Vec<Allergen>,
    /// `false` when the shop's manager switched it off.
    pub enabled: bool,
    /// Sizes, with price and how many can still be made.
    pub sizes: Vec<MenuSize>,
    /// Extras that may be added.
    pub extras: Vec<MenuExtra>,
}

/// One size of a pizza on the menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct MenuSize {
    /// Size code (`medium`, `large`).
    pub code: String,
    /// Label ("Moyenne 29 cm").
    pub label: String,
    /// Price.
    pub price: Money,
    /// How many can still be made from the shop's free stock, by band: 0 = "plus disponible",
    /// the exact count up to [`FEW_LEFT`] ("3 restantes"), [`MANY`] for any count above it.
    pub available: i64,
    /// When `available` is 0 for lack of stock: an ingredient that is short.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limited_by: Option<String>,
}

impl MenuSize {
    /// How many of this size an order may still take, when the menu knows (few left or
    /// none); `None` when more than [`FEW_LEFT`] can be made.
    pub fn limit(&self) -> Option<i64> {
        (self.available < MANY).then_some(self.available.max(0))
    }
}

/// Up to this many, a menu gives the exact count of a size that can still be made; above it,
/// only that there are more ([`MANY`]). A customer cares whether a pizza can be had and, when
/// few are left, how many; an order that leaves more than this many changes nothing they see,
/// so it sends nothing to the shop's menu viewers.
pub const FEW_LEFT: i64 = 5;

/// What a menu gives as the count of a size of which more than [`FEW_LEFT`] can be made.
pub const MANY: i64 = FEW_LEFT + 1;

/// The band of `count` sizes that can still be made: the count itself up to [`FEW_LEFT`],
/// [`MANY`] above.
pub fn band(count: i64) -> i64 {
    count.clamp(0, MANY)
}

/// An optional extra.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct MenuExtra {
    /// The ingredient added.
    pub ingredient_id: IngredientId,
    /// Its name.
    pub name: String,
    /// Its allergens.
    pub allergens: Vec<Allergen>,
    /// Price per size code.
    pub prices: Vec<SizePrice>,
}

/// A price for one size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SizePrice {
    /// Size code.
    pub size: String,
    /// Price.
    pub price: Money,
}

/// Availability of one pizza size in one shop (also the payload of availability events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Availability {
    /// Pizza.
    pub pizza_id: PizzaId,
    /// Size code.
    pub size: String,
    /// How many can still be made, by band (see [`MenuSize::available`]).
    pub available: i64,
}

/// `PUT /api/v1/shops/{id}/pizzas/{pizza_id}/enabled` (manager).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetPizzaEnabled {
    /// `false` switches the pizza off in this shop.
    pub enabled: bool,
}

/// `GET /api/v1/pizzas/{id}/recipe` (staff): the cook's aide-mémoire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Recipe {
    /// Pizza.
    pub pizza_id: PizzaId,
    /// Name.
    pub name: String,
    /// Quantities per size.
    pub sizes: Vec<RecipeSize>,
    /// Ordered preparation steps.
    pub steps: Vec<String>,
    /// Baking time.
    pub oven_minutes: i64,
    /// Oven temperature, °C.
    pub oven_temp_c: i64,
    /// What each extra adds, per size.
    pub extras: Vec<RecipeExtra>,
}

/// `GET /api/v1/recipes` (staff): every recipe card, in menu order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RecipeBook {
    /// One card per pizza.
    pub recipes: Vec<Recipe>,
}

/// The ingredients of one size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RecipeSize {
    /// Size code.
    pub code: String,
    /// Label.
    pub label: String,
    /// Ingredients in the order they go on.
    pub items: Vec<RecipeItem>,
}

/// An ingredient quantity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RecipeItem {
    /// Ingredient.
    pub ingredient_id: IngredientId,
    /// Name.
    pub name: String,
    /// Quantity in `unit`.
    pub quantity: i64,
    /// Unit.
    pub unit: Unit,
}

/// An extra's quantity for one size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RecipeExtra {
    /// Ingredient.
    pub ingredient_id: IngredientId,
    /// Name.
    pub name: String,
    /// Size code.
    pub size: String,
    /// Quantity added.
    pub quantity: i64,
    /// Unit.
    pub unit: Unit,
    /// Price charged.
    pub price: Money,
}
