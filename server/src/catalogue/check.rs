//! Validation of catalogue items before anything is written. Each check returns the item
//! cleaned (trimmed text, allergens sorted, extras in a fixed order) or the first problem,
//! named by its field path (`pizzas[3].sizes[0].price`), so that an import is refused whole.

use crate::error::ApiError;
use crate::validate;
use ocpizza_proto::api::catalogue::{
    Catalogue, CatalogueExtra, CatalogueIngredient, CataloguePizza, CatalogueSize, ExtraSize,
    FORMAT, Portion, ShopThreshold,
};
use ocpizza_proto::{Money, ShopId};
use std::collections::BTreeSet;

/// Highest price of a size or an extra: 500 €.
pub const MAX_PRICE: Money = Money(50_000);
/// Largest quantity of one ingredient in one pizza.
pub const MAX_QUANTITY: i64 = 100_000;
/// Largest low-stock threshold.
pub const MAX_THRESHOLD: i64 = 10_000_000;
/// Most sizes of one pizza.
pub const MAX_SIZES: usize = 6;
/// Most steps of one pizza.
pub const MAX_STEPS: usize = 30;
/// Most ingredients of one recipe (and extras of one pizza).
pub const MAX_ITEMS: usize = 30;
/// Most pizzas or ingredients in a catalogue.
pub const MAX_CATALOGUE_ITEMS: usize = 500;

fn at(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_owned()
    } else {
        format!("{prefix}.{field}")
    }
}

/// A key or size code: 1 to 40 lower-case ASCII letters, digits or `_`.
pub fn key(field: &str, value: &str) -> Result<String, ApiError> {
    let ok = (1..=40).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(value.to_owned())
    } else {
        Err(ApiError::field(
            field,
            "must be 1 to 40 lower-case letters, digits or _",
        ))
    }
}

fn range(field: &str, value: i64, min: i64, max: i64) -> Result<i64, ApiError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ApiError::field(
            field,
            format!("must be between {min} and {max}"),
        ))
    }
}

fn price(field: &str, value: Money, min: i64) -> Result<Money, ApiError> {
    range(field, value.0, min, MAX_PRICE.0)
        .map(Money)
        .map_err(|_| {
            ApiError::field(
                field,
                format!("must be between {min} and {} cents", MAX_PRICE.0),
            )
        })
}

/// An ingredient, against the shops that exist.
pub fn ingredient(
    prefix: &str,
    i: &CatalogueIngredient,
    shops: &BTreeSet<ShopId>,
) -> Result<CatalogueIngredient, ApiError> {
    let mut allergens = i.allergens.clone();
    allergens.sort();
    allergens.dedup();
    let mut low_thresholds: Vec<ShopThreshold> = Vec::new();
    for (n, t) in i.low_thresholds.iter().enumerate() {
        let field = at(prefix, &format!("low_thresholds[{n}]"));
        if !shops.contains(&t.shop_id) {
            return Err(ApiError::field(
                format!("{field}.shop_id"),
                format!("there is no shop {}", t.shop_id),
            ));
        }
        if low_thresholds.iter().any(|x| x.shop_id == t.shop_id) {
            return Err(ApiError::field(
                format!("{field}.shop_id"),
                "a shop is listed twice",
            ));
        }
        range(
            &format!("{field}.low_threshold"),
            t.low_threshold,
            0,
            MAX_THRESHOLD,
        )?;
        low_thresholds.push(t.clone());
    }
    low_thresholds.sort_by_key(|t| t.shop_id);
    Ok(CatalogueIngredient {
        key: key(&at(prefix, "key"), &i.key)?,
        name: validate::text(&at(prefix, "name"), &i.name, 1, 120)?,
        unit: i.unit,
        allergens,
        low_thresholds,
    })
}

/// A pizza, against the ingredient keys that exist.
pub fn pizza(
    prefix: &str,
    p: &CataloguePizza,
    ingredients: &BTreeSet<String>,
) -> Result<CataloguePizza, ApiError> {
    let key = key(&at(prefix, "key"), &p.key)?;
    let name = validate::text(&at(prefix, "name"), &p.name, 1, 80)?;
    let description = validate::text(&at(prefix, "description"), &p.description, 0, 500)?;
    if p.sizes.is_empty() || p.sizes.len() > MAX_SIZES {
        return Err(ApiError::field(
            at(prefix, "sizes"),
            format!("a pizza has 1 to {MAX_SIZES} sizes"),
        ));
    }
    let mut sizes: Vec<CatalogueSize> = Vec::new();
    for (n, s) in p.sizes.iter().enumerate() {
        let field = at(prefix, &format!("sizes[{n}]"));
        let code = self::key(&format!("{field}.code"), &s.code)?;
        if sizes.iter().any(|x| x.code == code) {
            return Err(ApiError::field(
                format!("{field}.code"),
                format!("size {code} is listed twice"),
            ));
        }
        sizes.push(CatalogueSize {
            code,
            label: validate::text(&format!("{field}.label"), &s.label, 1, 40)?,
            price: price(&format!("{field}.price"), s.price, 1)?,
            recipe: recipe(&format!("{field}.recipe"), &s.recipe, ingredients)?,
        });
    }
    if p.steps.len() > MAX_STEPS {
        return Err(ApiError::field(
            at(prefix, "steps"),
            format!("at most {MAX_STEPS} steps"),
        ));
    }
    let steps = p
        .steps
        .iter()
        .enumerate()
        .map(|(n, s)| validate::text(&at(prefix, &format!("steps[{n}]")), s, 1, 300))
        .collect::<Result<Vec<_>, _>>()?;
    let extras = extras(prefix, &p.extras, &sizes, ingredients)?;
    Ok(CataloguePizza {
        id: None,
        key,
        name,
        description,
        available: p.available,
        oven_minutes: range(&at(prefix, "oven_minutes"), p.oven_minutes, 1, 60)?,
        oven_temp_c: range(&at(prefix, "oven_temp_c"), p.oven_temp_c, 50, 500)?,
        sizes,
        steps,
        extras,
        photo: None,
    })
}

fn recipe(
    field: &str,
    items: &[Portion],
    ingredients: &BTreeSet<String>,
) -> Result<Vec<Portion>, ApiError> {
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(ApiError::field(
            field,
            format!("a recipe has 1 to {MAX_ITEMS} ingredients"),
        ));
    }
    let mut out: Vec<Portion> = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let f = format!("{field}[{n}]");
        known(&format!("{f}.ingredient"), &item.ingredient, ingredients)?;
        if out.iter().any(|x| x.ingredient == item.ingredient) {
            return Err(ApiError::field(
                format!("{f}.ingredient"),
                format!("{} is listed twice", item.ingredient),
            ));
        }
        range(&format!("{f}.quantity"), item.quantity, 1, MAX_QUANTITY)?;
        out.push(item.clone());
    }
    Ok(out)
}

fn known(field: &str, key: &str, ingredients: &BTreeSet<String>) -> Result<(), ApiError> {
    if ingredients.contains(key) {
        Ok(())
    } else {
        Err(ApiError::field(
            field,
            format!("there is no ingredient {key:?}"),
        ))
    }
}

/// Extras, by ingredient key, each size in the pizza's size order.
fn extras(
    prefix: &str,
    extras: &[CatalogueExtra],
    sizes: &[CatalogueSize],
    ingredients: &BTreeSet<String>,
) -> Result<Vec<CatalogueExtra>, ApiError> {
    if extras.len() > MAX_ITEMS {
        return Err(ApiError::field(
            at(prefix, "extras"),
            format!("at most {MAX_ITEMS} extras"),
        ));
    }
    let mut out: Vec<CatalogueExtra> = Vec::new();
    for (n, e) in extras.iter().enumerate() {
        let field = at(prefix, &format!("extras[{n}]"));
        known(&format!("{field}.ingredient"), &e.ingredient, ingredients)?;
        if out.iter().any(|x| x.ingredient == e.ingredient) {
            return Err(ApiError::field(
                format!("{field}.ingredient"),
                format!("{} is listed twice", e.ingredient),
            ));
        }
        if e.sizes.is_empty() {
            return Err(ApiError::field(
                format!("{field}.sizes"),
                "an extra is offered on at least one size",
            ));
        }
        let mut per_size: Vec<ExtraSize> = Vec::new();
        for (m, s) in e.sizes.iter().enumerate() {
            let f = format!("{field}.sizes[{m}]");
            if !sizes.iter().any(|x| x.code == s.size) {
                return Err(ApiError::field(
                    format!("{f}.size"),
                    format!("the pizza has no size {:?}", s.size),
                ));
            }
            if per_size.iter().any(|x| x.size == s.size) {
                return Err(ApiError::field(
                    format!("{f}.size"),
                    format!("size {} is listed twice", s.size),
                ));
            }
            per_size.push(ExtraSize {
                size: s.size.clone(),
                quantity: range(&format!("{f}.quantity"), s.quantity, 1, MAX_QUANTITY)?,
                price: price(&format!("{f}.price"), s.price, 0)?,
            });
        }
        per_size.sort_by_key(|s| sizes.iter().position(|x| x.code == s.size));
        out.push(CatalogueExtra {
            ingredient: e.ingredient.clone(),
            sizes: per_size,
        });
    }
    out.sort_by(|a, b| a.ingredient.cmp(&b.ingredient));
    Ok(out)
}

/// A whole catalogue (an import): every item checked against the others and the shops.
pub fn catalogue(c: &Catalogue, shops: &BTreeSet<ShopId>) -> Result<Catalogue, ApiError> {
    if c.format != FORMAT {
        return Err(ApiError::field(
            "format",
            format!("this server reads format {FORMAT}"),
        ));
    }
    for (field, n) in [
        ("ingredients", c.ingredients.len()),
        ("pizzas", c.pizzas.len()),
    ] {
        if n > MAX_CATALOGUE_ITEMS {
            return Err(ApiError::field(
                field,
                format!("at most {MAX_CATALOGUE_ITEMS}"),
            ));
        }
    }
    let mut ingredients = Vec::new();
    let mut keys = BTreeSet::new();
    for (n, i) in c.ingredients.iter().enumerate() {
        let prefix = format!("ingredients[{n}]");
        let i = ingredient(&prefix, i, shops)?;
        if !keys.insert(i.key.clone()) {
            return Err(ApiError::field(
                format!("{prefix}.key"),
                format!("ingredient {} is listed twice", i.key),
            ));
        }
        ingredients.push(i);
    }
    let mut pizzas: Vec<CataloguePizza> = Vec::new();
    for (n, p) in c.pizzas.iter().enumerate() {
        let prefix = format!("pizzas[{n}]");
        let p = pizza(&prefix, p, &keys)?;
        if pizzas.iter().any(|x| x.key == p.key) {
            return Err(ApiError::field(
                format!("{prefix}.key"),
                format!("pizza {} is listed twice", p.key),
            ));
        }
        pizzas.push(p);
    }
    ingredients.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(Catalogue {
        format: FORMAT,
        ingredients,
        pizzas,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpizza_proto::api::{Allergen, Unit};

    fn field_of(e: ApiError) -> String {
        let ApiError::Invalid { fields, .. } = e else {
            panic!("expected an input error, got {e:?}");
        };
        fields.into_keys().next().unwrap_or_default()
    }

    fn margherita() -> CataloguePizza {
        CataloguePizza {
            id: None,
            key: "margherita".into(),
            name: " Margherita ".into(),
            description: "Tomate, mozzarella".into(),
            available: true,
            sizes: vec![CatalogueSize {
                code: "medium".into(),
                label: "Moyenne".into(),
                price: Money(1100),
                recipe: vec![Portion {
                    ingredient: "pate".into(),
                    quantity: 250,
                }],
            }],
            steps: vec!["Étaler la pâte".into()],
            oven_minutes: 8,
            oven_temp_c: 280,
            extras: vec![],
            photo: None,
        }
    }

    #[test]
    fn a_pizza_is_cleaned_and_each_problem_names_its_field() {
        let known: BTreeSet<String> = ["pate".to_owned()].into();
        assert_eq!(pizza("", &margherita(), &known).unwrap().name, "Margherita");
        let mut p = margherita();
        p.sizes[0].price = Money(0);
        assert_eq!(
            field_of(pizza("", &p, &known).unwrap_err()),
            "sizes[0].price"
        );
        let mut p = margherita();
        p.sizes[0].recipe[0].ingredient = "truffe".into();
        assert_eq!(
            field_of(pizza("pizzas[2]", &p, &known).unwrap_err()),
            "pizzas[2].sizes[0].recipe[0].ingredient"
        );
        let mut p = margherita();
        p.extras = vec![CatalogueExtra {
            ingredient: "pate".into(),
            sizes: vec![ExtraSize {
                size: "large".into(),
                quantity: 10,
                price: Money(100),
            }],
        }];
        assert_eq!(
            field_of(pizza("", &p, &known).unwrap_err()),
            "extras[0].sizes[0].size"
        );
        let mut p = margherita();
        p.key = "Marg herita".into();
        assert_eq!(field_of(pizza("", &p, &known).unwrap_err()), "key");
    }

    #[test]
    fn an_ingredient_sorts_its_allergens_and_refuses_unknown_shops() {
        let shops: BTreeSet<ShopId> = [ShopId(1)].into();
        let i = CatalogueIngredient {
            key: "pesto".into(),
            name: "Pesto".into(),
            unit: Unit::G,
            allergens: vec![Allergen::Nuts, Allergen::Milk, Allergen::Nuts],
            low_thresholds: vec![ShopThreshold {
                shop_id: ShopId(1),
                low_threshold: 100,
            }],
        };
        let clean = ingredient("", &i, &shops).unwrap();
        assert_eq!(clean.allergens, vec![Allergen::Milk, Allergen::Nuts]);
        let mut bad = i;
        bad.low_thresholds[0].shop_id = ShopId(9);
        assert_eq!(
            field_of(ingredient("", &bad, &shops).unwrap_err()),
            "low_thresholds[0].shop_id"
        );
    }
}
