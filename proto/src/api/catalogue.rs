//! The catalogue as the group's administrators edit it: ingredients (unit, allergens, low-stock
//! thresholds per shop) and pizzas (sizes and prices, a recipe per size, steps, oven, extras,
//! photo, on/off). The same document is exported and imported whole.
//!
//! Items are named by their `key` (`margherita`, `mozzarella`), which stays the same from one
//! database to another; ids and photo addresses are only given when reading a live catalogue.

use super::{Allergen, Unit};
use crate::ids::{PizzaId, ShopId};
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// Version of the export format written in [`Catalogue::format`].
pub const FORMAT: u32 = 1;

/// `GET /api/v1/catalogue`, `GET /api/v1/catalogue/export` and the body of an import: the
/// whole catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// Format of the document ([`FORMAT`]).
    pub format: u32,
    /// Every ingredient.
    pub ingredients: Vec<CatalogueIngredient>,
    /// Every pizza, in menu order.
    pub pizzas: Vec<CataloguePizza>,
}

/// An ingredient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CatalogueIngredient {
    /// Stable name for programs (`mozzarella`): lower-case letters, digits, `_`.
    pub key: String,
    /// Name shown to cooks and customers.
    pub name: String,
    /// Unit stock and recipes count it in.
    pub unit: Unit,
    /// Regulated allergens it contains.
    pub allergens: Vec<Allergen>,
    /// Below this free quantity a shop's manager is alerted (shops not listed keep theirs).
    #[serde(default)]
    pub low_thresholds: Vec<ShopThreshold>,
}

/// A shop's low-stock threshold for one ingredient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ShopThreshold {
    /// The shop.
    pub shop_id: ShopId,
    /// Threshold in the ingredient's unit (≥ 0).
    pub low_threshold: i64,
}

/// A pizza.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CataloguePizza {
    /// Its id in this database (read only; absent from exports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<PizzaId>,
    /// Stable name for programs (`margherita`).
    pub key: String,
    /// Name on the menu.
    pub name: String,
    /// Description on the menu.
    pub description: String,
    /// `false`: off the menu in every shop (managers switch it off in their shop only).
    pub available: bool,
    /// Sizes with their price and recipe, in menu order.
    pub sizes: Vec<CatalogueSize>,
    /// Preparation steps, in order.
    pub steps: Vec<String>,
    /// Baking time, minutes.
    pub oven_minutes: i64,
    /// Oven temperature, °C.
    pub oven_temp_c: i64,
    /// Extras a customer may add.
    #[serde(default)]
    pub extras: Vec<CatalogueExtra>,
    /// Address of its photo, if one was uploaded (read only; absent from exports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<String>,
}

/// A size of a pizza: its price and recipe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CatalogueSize {
    /// Code (`medium`): lower-case letters, digits, `_`.
    pub code: String,
    /// Label ("Moyenne 29 cm").
    pub label: String,
    /// Price.
    pub price: Money,
    /// Ingredients in the order they go on, with the quantity for one pizza of this size.
    pub recipe: Vec<Portion>,
}

/// A quantity of an ingredient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Portion {
    /// The ingredient's key.
    pub ingredient: String,
    /// Quantity in its unit (> 0).
    pub quantity: i64,
}

/// An extra: an ingredient added on request, with a price and a quantity per size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CatalogueExtra {
    /// The ingredient's key.
    pub ingredient: String,
    /// Per size (sizes not listed do not offer it).
    pub sizes: Vec<ExtraSize>,
}

/// What an extra adds to one size, and for how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExtraSize {
    /// Size code.
    pub size: String,
    /// Quantity added (> 0).
    pub quantity: i64,
    /// Price charged (≥ 0).
    pub price: Money,
}

/// What an import changes (or, in a dry run, would change).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ImportReport {
    /// `true`: nothing was changed.
    pub dry_run: bool,
    /// Ingredients added, changed, removed (by key).
    pub ingredients: Changes,
    /// Pizzas added, changed, removed (by key).
    pub pizzas: Changes,
    /// Prices that move (sizes and extras).
    pub prices: Vec<PriceChange>,
}

impl ImportReport {
    /// Whether the import changes nothing.
    pub fn is_empty(&self) -> bool {
        self.ingredients.is_empty() && self.pizzas.is_empty() && self.prices.is_empty()
    }
}

/// Keys added, changed and removed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Changes {
    /// New.
    pub added: Vec<String>,
    /// Different.
    pub changed: Vec<String>,
    /// Gone.
    pub removed: Vec<String>,
}

impl Changes {
    /// Whether nothing moves.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// A price that moves: a size's, or an extra's on one size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PriceChange {
    /// The pizza's key.
    pub pizza: String,
    /// Size code.
    pub size: String,
    /// The extra's ingredient key; none for the pizza's own price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<String>,
    /// Before (none: new).
    pub before: Option<Money>,
    /// After (none: removed).
    pub after: Option<Money>,
}

/// `PUT /api/v1/catalogue/pizzas/{key}/available`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetAvailable {
    /// `false` takes the pizza off the menu of every shop.
    pub available: bool,
}
