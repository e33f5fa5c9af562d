//! The draft of a catalogue item being edited: the item itself, and the text typed in each
//! number field (so that a half-typed `12,` stays on screen and the save says which field is
//! not a number).

use ocpizza_proto::Money;
use ocpizza_proto::api::Unit;
use ocpizza_proto::api::catalogue::{CatalogueIngredient, CataloguePizza, CatalogueSize};
use std::collections::BTreeMap;

/// An item being edited.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft<T> {
    /// The item as it will be sent.
    pub item: T,
    /// Number fields by slot: the text typed and whether it parsed.
    texts: BTreeMap<String, (String, bool)>,
}

impl<T> Draft<T> {
    /// A draft of `item`, nothing typed yet.
    pub fn new(item: T) -> Draft<T> {
        Draft {
            item,
            texts: BTreeMap::new(),
        }
    }

    /// The text typed in `slot`, if any.
    pub fn text(&self, slot: &str) -> Option<String> {
        self.texts.get(slot).map(|(t, _)| t.clone())
    }

    /// Records what was typed in `slot` and whether it is a valid value.
    pub fn set_text(&mut self, slot: &str, text: String, valid: bool) {
        self.texts.insert(slot.to_owned(), (text, valid));
    }

    /// Forgets what was typed (rows were added or removed: slots moved).
    pub fn clear_texts(&mut self) {
        self.texts.clear();
    }

    /// The first slot whose text is not a valid value.
    pub fn invalid(&self) -> Option<&str> {
        self.texts
            .iter()
            .find(|(_, (_, ok))| !ok)
            .map(|(slot, _)| slot.as_str())
    }
}

/// A whole number typed in a field (`250`, ` 8 `); `None` otherwise.
pub fn parse_count(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// A new pizza: one medium size, the usual oven.
pub fn blank_pizza() -> CataloguePizza {
    CataloguePizza {
        id: None,
        key: String::new(),
        name: String::new(),
        description: String::new(),
        available: true,
        sizes: vec![CatalogueSize {
            code: "medium".into(),
            label: "Moyenne 29 cm".into(),
            price: Money(0),
            recipe: Vec::new(),
        }],
        steps: Vec::new(),
        oven_minutes: 8,
        oven_temp_c: 280,
        extras: Vec::new(),
        photo: None,
    }
}

/// A new ingredient, counted in grams.
pub fn blank_ingredient() -> CatalogueIngredient {
    CatalogueIngredient {
        key: String::new(),
        name: String::new(),
        unit: Unit::G,
        allergens: Vec::new(),
        low_thresholds: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_half_typed_number_is_kept_and_named_until_it_parses() {
        let mut d = Draft::new(blank_pizza());
        assert_eq!(d.invalid(), None);
        d.set_text("size-0-price", "12,".into(), false);
        assert_eq!(d.text("size-0-price").as_deref(), Some("12,"));
        assert_eq!(d.invalid(), Some("size-0-price"));
        d.set_text("size-0-price", "12,5".into(), true);
        assert_eq!(d.invalid(), None);
        d.clear_texts();
        assert_eq!(d.text("size-0-price"), None);
    }

    #[test]
    fn counts_are_whole_numbers() {
        assert_eq!(parse_count(" 250 "), Some(250));
        assert_eq!(parse_count("2.5"), None);
        assert_eq!(parse_count("-3"), None);
        assert_eq!(parse_count(""), None);
    }
}
