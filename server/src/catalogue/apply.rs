//! What a change to the catalogue does besides its rows: the differences between two
//! catalogues (an import's report, a dry run's answer), the audit entries with before and
//! after, and the events that make every open menu and recipe card load it again.

use super::db;
use crate::audit::Entry;
use crate::db::Tx;
use crate::error::{ApiError, ApiResult};
use crate::events::Outbox;
use ocpizza_proto::ShopId;
use ocpizza_proto::api::catalogue::{
    Catalogue, CatalogueIngredient, CataloguePizza, Changes, ImportReport, PriceChange,
};
use ocpizza_proto::events::{Event, Stream};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The catalogue as exported: without this database's ids and photo addresses.
pub fn portable(mut c: Catalogue) -> Catalogue {
    for p in &mut c.pizzas {
        p.id = None;
        p.photo = None;
    }
    c
}

fn changes<'a, T: PartialEq + 'a>(
    before: impl Iterator<Item = (&'a str, &'a T)>,
    after: impl Iterator<Item = (&'a str, &'a T)>,
) -> Changes {
    let before: BTreeMap<&str, &T> = before.collect();
    let after: BTreeMap<&str, &T> = after.collect();
    let mut out = Changes::default();
    for (key, new) in &after {
        match before.get(key) {
            None => out.added.push((*key).to_owned()),
            Some(old) if old != new => out.changed.push((*key).to_owned()),
            Some(_) => {}
        }
    }
    out.removed = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .map(|k| (*k).to_owned())
        .collect();
    out
}

/// The prices of a pizza: (size, extra) → price.
fn prices(p: Option<&CataloguePizza>) -> BTreeMap<(String, Option<String>), ocpizza_proto::Money> {
    let mut out = BTreeMap::new();
    let Some(p) = p else { return out };
    for s in &p.sizes {
        out.insert((s.code.clone(), None), s.price);
    }
    for e in &p.extras {
        for s in &e.sizes {
            out.insert((s.size.clone(), Some(e.ingredient.clone())), s.price);
        }
    }
    out
}

/// The prices that move from `before` to `after` of one pizza.
pub fn price_changes(
    key: &str,
    before: Option<&CataloguePizza>,
    after: Option<&CataloguePizza>,
) -> Vec<PriceChange> {
    let (old, new) = (prices(before), prices(after));
    let sizes: BTreeSet<&(String, Option<String>)> = old.keys().chain(new.keys()).collect();
    sizes
        .into_iter()
        .filter_map(|k| {
            let (b, a) = (old.get(k).copied(), new.get(k).copied());
            (b != a).then(|| PriceChange {
                pizza: key.to_owned(),
                size: k.0.clone(),
                extra: k.1.clone(),
                before: b,
                after: a,
            })
        })
        .collect()
}

/// What changes from `before` to `after` (both portable).
pub fn diff(before: &Catalogue, after: &Catalogue) -> ImportReport {
    let ingredients = changes(
        before.ingredients.iter().map(|i| (i.key.as_str(), i)),
        after.ingredients.iter().map(|i| (i.key.as_str(), i)),
    );
    let pizzas = changes(
        before.pizzas.iter().map(|p| (p.key.as_str(), p)),
        after.pizzas.iter().map(|p| (p.key.as_str(), p)),
    );
    let old: BTreeMap<&str, &CataloguePizza> =
        before.pizzas.iter().map(|p| (p.key.as_str(), p)).collect();
    let new: BTreeMap<&str, &CataloguePizza> =
        after.pizzas.iter().map(|p| (p.key.as_str(), p)).collect();
    let keys: BTreeSet<&str> = old.keys().chain(new.keys()).copied().collect();
    let prices = keys
        .into_iter()
        .flat_map(|k| price_changes(k, old.get(k).copied(), new.get(k).copied()))
        .collect();
    ImportReport {
        dry_run: false,
        ingredients,
        pizzas,
        prices,
    }
}

fn value<T: serde::Serialize>(v: Option<&T>) -> Option<Value> {
    v.and_then(|v| serde_json::to_value(v).ok())
}

fn verb(before: bool, after: bool) -> &'static str {
    match (before, after) {
        (false, _) => "created",
        (true, true) => "updated",
        (true, false) => "deleted",
    }
}

/// The audit entry of an ingredient's change.
pub fn ingredient_entry(
    before: Option<&CatalogueIngredient>,
    after: Option<&CatalogueIngredient>,
) -> Option<Entry> {
    let key = &after.or(before)?.key;
    let action = match verb(before.is_some(), after.is_some()) {
        "created" => "ingredient.created",
        "updated" => "ingredient.updated",
        _ => "ingredient.deleted",
    };
    Some(Entry::new(action, format!("ingredient:{key}")).change(value(before), value(after)))
}

/// The audit entries of a pizza's change: the pizza, then each price that moved.
pub fn pizza_entries(
    before: Option<&CataloguePizza>,
    after: Option<&CataloguePizza>,
) -> Vec<Entry> {
    let Some(key) = after.or(before).map(|p| p.key.clone()) else {
        return Vec::new();
    };
    let strip = |p: Option<&CataloguePizza>| {
        p.map(|p| CataloguePizza {
            id: None,
            photo: None,
            ..p.clone()
        })
    };
    let action = match verb(before.is_some(), after.is_some()) {
        "created" => "pizza.created",
        "updated" => "pizza.updated",
        _ => "pizza.deleted",
    };
    let subject = format!("pizza:{key}");
    let mut out = vec![
        Entry::new(action, subject.clone())
            .change(value(strip(before).as_ref()), value(strip(after).as_ref())),
    ];
    // A creation's or removal's prices are in its own entry; a price that moves gets its own.
    let (Some(_), Some(_)) = (before, after) else {
        return out;
    };
    for c in price_changes(&key, before, after) {
        let side = |price: Option<ocpizza_proto::Money>| {
            price.map(|p| json!({ "size": c.size, "extra": c.extra, "price_cents": p.0 }))
        };
        out.push(
            Entry::new("pizza.price_changed", subject.clone())
                .change(side(c.before), side(c.after)),
        );
    }
    out
}

/// Ends a catalogue change: its audit entries, then a `catalogue_changed` event and fresh
/// availability on every shop's menu stream (and the stock levels when ingredients moved).
pub async fn publish(
    tx: &mut Tx,
    outbox: &mut Outbox,
    actor: Option<ocpizza_proto::UserId>,
    entries: &[Entry],
    stock_moved: bool,
) -> ApiResult<()> {
    crate::audit::record(tx, actor, entries).await?;
    let shops: BTreeSet<ShopId> = db::shops(tx).await?;
    for shop in shops {
        outbox.push(
            vec![Stream::ShopMenu(shop)],
            Event::CatalogueChanged { shop_id: shop },
        );
        outbox.refresh_availability(shop);
        if stock_moved {
            let items = crate::stock::db::levels(&mut **tx, shop).await?;
            outbox.push(
                vec![Stream::ShopStock(shop)],
                Event::StockChanged {
                    shop_id: shop,
                    items,
                },
            );
        }
    }
    Ok(())
}

/// Replaces the catalogue with `new` (checked, portable) within `tx`: what is new is added,
/// what differs rewritten, what is missing removed. Returns the report and the audit entries.
/// Refuses (and the caller rolls back) to remove an ingredient open orders hold reserved.
pub async fn import(tx: &mut Tx, new: &Catalogue) -> ApiResult<(ImportReport, Vec<Entry>)> {
    let current = portable(db::load(tx).await?);
    let report = diff(&current, new);
    if report.is_empty() {
        return Ok((report, Vec::new()));
    }
    let shops = db::shops(tx).await?;
    let mut entries = Vec::new();
    let old_ingredients: BTreeMap<&str, &CatalogueIngredient> = current
        .ingredients
        .iter()
        .map(|i| (i.key.as_str(), i))
        .collect();
    for i in &new.ingredients {
        let before = old_ingredients.get(i.key.as_str()).copied();
        if before != Some(i) {
            db::save_ingredient(tx, i, &shops).await?;
            entries.extend(ingredient_entry(before, Some(i)));
        }
    }
    let ids = db::ingredient_ids(tx).await?;
    let old_pizzas: BTreeMap<&str, &CataloguePizza> =
        current.pizzas.iter().map(|p| (p.key.as_str(), p)).collect();
    for key in &report.pizzas.removed {
        if let Some(id) = db::pizza_id(tx, key).await? {
            db::delete_pizza(tx, id).await?;
        }
        entries.extend(pizza_entries(old_pizzas.get(key.as_str()).copied(), None));
    }
    for (n, p) in new.pizzas.iter().enumerate() {
        db::save_pizza(tx, p, Some(n as i64), &ids).await?;
        let before = old_pizzas.get(p.key.as_str()).copied();
        if before != Some(p) {
            entries.extend(pizza_entries(before, Some(p)));
        }
    }
    for key in &report.ingredients.removed {
        let Some(&id) = ids.get(key) else { continue };
        if db::reserved(tx, id).await? > 0 {
            return Err(ApiError::Conflict(format!(
                "ingredient {key} cannot be removed: open orders hold some of it reserved"
            )));
        }
        db::delete_ingredient(tx, id).await?;
        entries.extend(ingredient_entry(
            old_ingredients.get(key.as_str()).copied(),
            None,
        ));
    }
    Ok((report, entries))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpizza_proto::Money;
    use ocpizza_proto::api::catalogue::{CatalogueSize, FORMAT, Portion};

    fn pizza(key: &str, price: i64) -> CataloguePizza {
        CataloguePizza {
            id: None,
            key: key.into(),
            name: key.into(),
            description: String::new(),
            available: true,
            sizes: vec![CatalogueSize {
                code: "medium".into(),
                label: "Moyenne".into(),
                price: Money(price),
                recipe: vec![Portion {
                    ingredient: "pate".into(),
                    quantity: 250,
                }],
            }],
            steps: vec![],
            oven_minutes: 8,
            oven_temp_c: 280,
            extras: vec![],
            photo: None,
        }
    }

    #[test]
    fn the_report_names_added_changed_removed_pizzas_and_the_prices_that_move() {
        let before = Catalogue {
            format: FORMAT,
            ingredients: vec![],
            pizzas: vec![pizza("margherita", 1000), pizza("regina", 1200)],
        };
        let after = Catalogue {
            format: FORMAT,
            ingredients: vec![],
            pizzas: vec![pizza("margherita", 1100), pizza("calzone", 1300)],
        };
        let r = diff(&before, &after);
        assert_eq!(r.pizzas.added, vec!["calzone"]);
        assert_eq!(r.pizzas.changed, vec!["margherita"]);
        assert_eq!(r.pizzas.removed, vec!["regina"]);
        let margherita: Vec<_> = r
            .prices
            .iter()
            .filter(|c| c.pizza == "margherita")
            .collect();
        assert_eq!(margherita.len(), 1);
        assert_eq!(
            (margherita[0].before, margherita[0].after),
            (Some(Money(1000)), Some(Money(1100)))
        );
        assert!(diff(&after, &after).is_empty());
    }
}
