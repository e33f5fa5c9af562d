//! Request and response bodies of the REST API under `/api/v1`, one module per resource.

pub mod auth;
pub mod cash;
pub mod catalogue;
pub mod customers;
pub mod dashboard;
pub mod driver;
pub mod eta;
pub mod maintenance;
pub mod menu;
pub mod orders;
pub mod payments;
pub mod privacy;
pub mod push;
pub mod reports;
pub mod shops;
pub mod staff;
pub mod stock;

/// The EU's 14 regulated allergens (Regulation 1169/2011, annex II).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Allergen {
    Gluten,
    Crustaceans,
    Eggs,
    Fish,
    Peanuts,
    Soybeans,
    Milk,
    Nuts,
    Celery,
    Mustard,
    Sesame,
    Sulphites,
    Lupin,
    Molluscs,
}

impl Allergen {
    /// Every allergen, in the regulation's order.
    pub const ALL: [Allergen; 14] = [
        Allergen::Gluten,
        Allergen::Crustaceans,
        Allergen::Eggs,
        Allergen::Fish,
        Allergen::Peanuts,
        Allergen::Soybeans,
        Allergen::Milk,
        Allergen::Nuts,
        Allergen::Celery,
        Allergen::Mustard,
        Allergen::Sesame,
        Allergen::Sulphites,
        Allergen::Lupin,
        Allergen::Molluscs,
    ];
}

/// Unit an ingredient is counted in; stock and recipes are integers of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Grams.
    G,
    /// Millilitres.
    Ml,
    /// Whole pieces (eggs, …).
    Piece,
}

impl Unit {
    /// The short name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::G => "g",
            Unit::Ml => "ml",
            Unit::Piece => "piece",
        }
    }

    /// Parses [`Unit::as_str`] back.
    pub fn parse(s: &str) -> Option<Unit> {
        [Unit::G, Unit::Ml, Unit::Piece]
            .into_iter()
            .find(|u| u.as_str() == s)
    }
}
