//! SQL of the catalogue as administrators see it: the whole of it read in one go, and one
//! ingredient or pizza written (or removed) with everything that hangs from it.

use crate::db::Tx;
use ocpizza_proto::api::catalogue::{
    Catalogue, CatalogueExtra, CatalogueIngredient, CataloguePizza, CatalogueSize, ExtraSize,
    FORMAT, Portion, ShopThreshold,
};
use ocpizza_proto::api::{Allergen, Unit};
use ocpizza_proto::{IngredientId, Money, PizzaId, ShopId};
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The address a pizza's photo is served at, versioned by its upload time.
pub fn photo_url(pizza: PizzaId, updated_at: i64) -> String {
    format!("/api/v1/pizzas/{pizza}/photo?v={updated_at}")
}

/// The whole catalogue: ingredients by key, pizzas in menu order, with ids and photos (read
/// on a connection of the read pool, or within the transaction of a change).
pub async fn load(conn: &mut AnyConnection) -> sqlx::Result<Catalogue> {
    let mut thresholds: HashMap<i64, Vec<ShopThreshold>> = HashMap::new();
    for r in sqlx::query(
        "SELECT shop_id, ingredient_id, low_threshold FROM stock ORDER BY shop_id, ingredient_id",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        thresholds
            .entry(r.try_get("ingredient_id")?)
            .or_default()
            .push(ShopThreshold {
                shop_id: ShopId(r.try_get("shop_id")?),
                low_threshold: r.try_get("low_threshold")?,
            });
    }
    let mut ingredients = Vec::new();
    let mut keys: HashMap<i64, String> = HashMap::new();
    for r in sqlx::query("SELECT id, key, name, unit, allergens FROM ingredients ORDER BY key")
        .fetch_all(&mut *conn)
        .await?
    {
        let id: i64 = r.try_get("id")?;
        let key: String = r.try_get("key")?;
        let unit: String = r.try_get("unit")?;
        let allergens: String = r.try_get("allergens")?;
        let mut allergens: Vec<Allergen> = serde_json::from_str(&allergens).unwrap_or_default();
        allergens.sort();
        allergens.dedup();
        keys.insert(id, key.clone());
        ingredients.push(CatalogueIngredient {
            key,
            name: r.try_get("name")?,
            unit: Unit::parse(&unit).unwrap_or(Unit::G),
            allergens,
            low_thresholds: thresholds.remove(&id).unwrap_or_default(),
        });
    }
    let pizzas = load_pizzas(conn, &keys).await?;
    Ok(Catalogue {
        format: FORMAT,
        ingredients,
        pizzas,
    })
}

async fn load_pizzas(
    conn: &mut AnyConnection,
    keys: &HashMap<i64, String>,
) -> sqlx::Result<Vec<CataloguePizza>> {
    let photos: HashMap<i64, i64> = sqlx::query("SELECT pizza_id, updated_at FROM pizza_photos")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("pizza_id")?, r.try_get("updated_at")?)))
        .collect::<sqlx::Result<_>>()?;
    let mut pizzas: Vec<CataloguePizza> = Vec::new();
    for r in sqlx::query(
        "SELECT id, key, name, description, oven_minutes, oven_temp_c, available FROM pizzas \
         ORDER BY position, id",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        let id = PizzaId(r.try_get("id")?);
        pizzas.push(CataloguePizza {
            id: Some(id),
            key: r.try_get("key")?,
            name: r.try_get("name")?,
            description: r.try_get("description")?,
            available: r.try_get::<i64, _>("available")? != 0,
            sizes: Vec::new(),
            steps: Vec::new(),
            oven_minutes: r.try_get("oven_minutes")?,
            oven_temp_c: r.try_get("oven_temp_c")?,
            extras: Vec::new(),
            photo: photos.get(&id.0).map(|at| photo_url(id, *at)),
        });
    }
    let index: HashMap<i64, usize> = pizzas
        .iter()
        .enumerate()
        .filter_map(|(n, p)| p.id.map(|id| (id.0, n)))
        .collect();
    let key_of = |id: i64| keys.get(&id).cloned().unwrap_or_default();
    for r in sqlx::query(
        "SELECT pizza_id, code, label, price_cents FROM pizza_sizes ORDER BY pizza_id, position",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        if let Some(&n) = index.get(&r.try_get::<i64, _>("pizza_id")?) {
            pizzas[n].sizes.push(CatalogueSize {
                code: r.try_get("code")?,
                label: r.try_get("label")?,
                price: Money(r.try_get("price_cents")?),
                recipe: Vec::new(),
            });
        }
    }
    for r in sqlx::query(
        "SELECT pizza_id, size_code, ingredient_id, quantity FROM recipe_items \
         ORDER BY pizza_id, size_code, position",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        let Some(&n) = index.get(&r.try_get::<i64, _>("pizza_id")?) else {
            continue;
        };
        let code: String = r.try_get("size_code")?;
        if let Some(size) = pizzas[n].sizes.iter_mut().find(|s| s.code == code) {
            size.recipe.push(Portion {
                ingredient: key_of(r.try_get("ingredient_id")?),
                quantity: r.try_get("quantity")?,
            });
        }
    }
    for r in sqlx::query("SELECT pizza_id, text FROM pizza_steps ORDER BY pizza_id, position")
        .fetch_all(&mut *conn)
        .await?
    {
        if let Some(&n) = index.get(&r.try_get::<i64, _>("pizza_id")?) {
            pizzas[n].steps.push(r.try_get("text")?);
        }
    }
    for r in sqlx::query(
        "SELECT pizza_id, ingredient_id, size_code, quantity, price_cents FROM pizza_extras",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        let Some(&n) = index.get(&r.try_get::<i64, _>("pizza_id")?) else {
            continue;
        };
        let ingredient = key_of(r.try_get("ingredient_id")?);
        let size = ExtraSize {
            size: r.try_get("size_code")?,
            quantity: r.try_get("quantity")?,
            price: Money(r.try_get("price_cents")?),
        };
        let extras = &mut pizzas[n].extras;
        match extras.iter_mut().find(|e| e.ingredient == ingredient) {
            Some(e) => e.sizes.push(size),
            None => extras.push(CatalogueExtra {
                ingredient,
                sizes: vec![size],
            }),
        }
    }
    for p in &mut pizzas {
        let order: Vec<String> = p.sizes.iter().map(|s| s.code.clone()).collect();
        p.extras.sort_by(|a, b| a.ingredient.cmp(&b.ingredient));
        for e in &mut p.extras {
            e.sizes
                .sort_by_key(|s| order.iter().position(|c| *c == s.size));
        }
    }
    Ok(pizzas)
}

/// Every shop's id.
pub async fn shops(tx: &mut Tx) -> sqlx::Result<BTreeSet<ShopId>> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT id FROM shops")
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .map(ShopId)
        .collect())
}

/// Ingredient ids by key.
pub async fn ingredient_ids(tx: &mut Tx) -> sqlx::Result<BTreeMap<String, IngredientId>> {
    sqlx::query("SELECT id, key FROM ingredients")
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("key")?, IngredientId(r.try_get("id")?))))
        .collect()
}

/// The id of the pizza with `key`.
pub async fn pizza_id(tx: &mut Tx, key: &str) -> sqlx::Result<Option<PizzaId>> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT id FROM pizzas WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut **tx)
            .await?
            .map(PizzaId),
    )
}

/// Writes an ingredient (inserted if its key is new) and its thresholds; every shop gets a
/// stock row for it. Returns its id.
pub async fn save_ingredient(
    tx: &mut Tx,
    i: &CatalogueIngredient,
    shops: &BTreeSet<ShopId>,
) -> sqlx::Result<IngredientId> {
    let allergens = serde_json::to_string(&i.allergens).unwrap_or_else(|_| "[]".into());
    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM ingredients WHERE key = $1")
        .bind(&i.key)
        .fetch_optional(&mut **tx)
        .await?;
    let id = match existing {
        Some(id) => {
            sqlx::query(
                "UPDATE ingredients SET name = $1, unit = $2, allergens = $3 WHERE id = $4",
            )
            .bind(&i.name)
            .bind(i.unit.as_str())
            .bind(&allergens)
            .bind(id)
            .execute(&mut **tx)
            .await?;
            IngredientId(id)
        }
        None => IngredientId(
            sqlx::query_scalar(
                "INSERT INTO ingredients (key, name, unit, allergens) VALUES ($1, $2, $3, $4) \
                 RETURNING id",
            )
            .bind(&i.key)
            .bind(&i.name)
            .bind(i.unit.as_str())
            .bind(&allergens)
            .fetch_one(&mut **tx)
            .await?,
        ),
    };
    for shop in shops {
        crate::stock::db::ensure_row(tx, *shop, id).await?;
    }
    for t in &i.low_thresholds {
        crate::stock::db::set_threshold(tx, t.shop_id, id, t.low_threshold).await?;
    }
    Ok(id)
}

/// How much of an ingredient open orders hold reserved, over every shop.
pub async fn reserved(tx: &mut Tx, ingredient: IngredientId) -> sqlx::Result<i64> {
    // PostgreSQL sums BIGINT as NUMERIC: cast back for both databases to read an i64.
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(reserved), 0) AS BIGINT) FROM stock WHERE ingredient_id = $1",
    )
    .bind(ingredient.0)
    .fetch_one(&mut **tx)
    .await
}

/// The pizzas whose recipe or extras use an ingredient, by key.
pub async fn used_by(tx: &mut Tx, ingredient: IngredientId) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT key FROM pizzas WHERE id IN (SELECT pizza_id FROM recipe_items WHERE \
         ingredient_id = $1 UNION SELECT pizza_id FROM pizza_extras WHERE ingredient_id = $1) \
         ORDER BY key",
    )
    .bind(ingredient.0)
    .fetch_all(&mut **tx)
    .await
}

/// Removes an ingredient and its stock rows (the stock ledger keeps its history).
pub async fn delete_ingredient(tx: &mut Tx, ingredient: IngredientId) -> sqlx::Result<()> {
    for sql in [
        "DELETE FROM stock WHERE ingredient_id = $1",
        "DELETE FROM ingredients WHERE id = $1",
    ] {
        sqlx::query(sql)
            .bind(ingredient.0)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Writes a pizza (inserted if its key is new, at menu `position`) with its sizes, recipes,
/// steps and extras, replacing what it had. Returns its id.
pub async fn save_pizza(
    tx: &mut Tx,
    p: &CataloguePizza,
    position: Option<i64>,
    ingredients: &BTreeMap<String, IngredientId>,
) -> sqlx::Result<PizzaId> {
    let id = match pizza_id(tx, &p.key).await? {
        Some(id) => {
            sqlx::query(
                "UPDATE pizzas SET name = $1, description = $2, oven_minutes = $3, \
                 oven_temp_c = $4, available = $5, position = COALESCE($6, position) WHERE id = $7",
            )
            .bind(&p.name)
            .bind(&p.description)
            .bind(p.oven_minutes)
            .bind(p.oven_temp_c)
            .bind(i64::from(p.available))
            .bind(position)
            .bind(id.0)
            .execute(&mut **tx)
            .await?;
            clear_details(tx, id).await?;
            id
        }
        None => {
            let position = match position {
                Some(p) => p,
                None => {
                    sqlx::query_scalar("SELECT COALESCE(MAX(position), -1) + 1 FROM pizzas")
                        .fetch_one(&mut **tx)
                        .await?
                }
            };
            PizzaId(
                sqlx::query_scalar(
                    "INSERT INTO pizzas (key, name, description, oven_minutes, oven_temp_c, \
                     position, available) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(&p.key)
                .bind(&p.name)
                .bind(&p.description)
                .bind(p.oven_minutes)
                .bind(p.oven_temp_c)
                .bind(position)
                .bind(i64::from(p.available))
                .fetch_one(&mut **tx)
                .await?,
            )
        }
    };
    insert_details(tx, id, p, ingredients).await?;
    Ok(id)
}

/// Removes sizes, recipes, steps, extras and the availability last published for them
/// (recomputed and published again in the same transaction).
async fn clear_details(tx: &mut Tx, id: PizzaId) -> sqlx::Result<()> {
    for sql in [
        "DELETE FROM pizza_sizes WHERE pizza_id = $1",
        "DELETE FROM recipe_items WHERE pizza_id = $1",
        "DELETE FROM pizza_steps WHERE pizza_id = $1",
        "DELETE FROM pizza_extras WHERE pizza_id = $1",
        "DELETE FROM availability WHERE pizza_id = $1",
    ] {
        sqlx::query(sql).bind(id.0).execute(&mut **tx).await?;
    }
    Ok(())
}

async fn insert_details(
    tx: &mut Tx,
    id: PizzaId,
    p: &CataloguePizza,
    ingredients: &BTreeMap<String, IngredientId>,
) -> sqlx::Result<()> {
    let ingredient = |key: &str| ingredients.get(key).map_or(0, |i| i.0);
    for (n, s) in p.sizes.iter().enumerate() {
        sqlx::query(
            "INSERT INTO pizza_sizes (pizza_id, code, label, price_cents, position) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.0)
        .bind(&s.code)
        .bind(&s.label)
        .bind(s.price.0)
        .bind(n as i64)
        .execute(&mut **tx)
        .await?;
        for (m, item) in s.recipe.iter().enumerate() {
            sqlx::query(
                "INSERT INTO recipe_items (pizza_id, size_code, ingredient_id, quantity, position) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id.0)
            .bind(&s.code)
            .bind(ingredient(&item.ingredient))
            .bind(item.quantity)
            .bind(m as i64)
            .execute(&mut **tx)
            .await?;
        }
    }
    for (n, text) in p.steps.iter().enumerate() {
        sqlx::query("INSERT INTO pizza_steps (pizza_id, position, text) VALUES ($1, $2, $3)")
            .bind(id.0)
            .bind(n as i64)
            .bind(text)
            .execute(&mut **tx)
            .await?;
    }
    for e in &p.extras {
        for s in &e.sizes {
            sqlx::query(
                "INSERT INTO pizza_extras (pizza_id, ingredient_id, size_code, quantity, \
                 price_cents) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id.0)
            .bind(ingredient(&e.ingredient))
            .bind(&s.size)
            .bind(s.quantity)
            .bind(s.price.0)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// Removes a pizza from the catalogue. Placed orders keep its name, prices and what they
/// reserved: their lines hold copies, not references.
pub async fn delete_pizza(tx: &mut Tx, id: PizzaId) -> sqlx::Result<()> {
    clear_details(tx, id).await?;
    for sql in [
        "DELETE FROM shop_pizza_disabled WHERE pizza_id = $1",
        "DELETE FROM pizza_photos WHERE pizza_id = $1",
        "DELETE FROM pizzas WHERE id = $1",
    ] {
        sqlx::query(sql).bind(id.0).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Switches a pizza on or off for every shop.
pub async fn set_available(tx: &mut Tx, id: PizzaId, available: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE pizzas SET available = $1 WHERE id = $2")
        .bind(i64::from(available))
        .bind(id.0)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// When each pizza's photo was uploaded, by pizza.
pub async fn photos<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
) -> sqlx::Result<HashMap<PizzaId, i64>> {
    sqlx::query("SELECT pizza_id, updated_at FROM pizza_photos")
        .fetch_all(ex)
        .await?
        .iter()
        .map(|r| Ok((PizzaId(r.try_get("pizza_id")?), r.try_get("updated_at")?)))
        .collect()
}

/// A stored photo: its type and bytes.
pub async fn photo(pool: &sqlx::AnyPool, id: PizzaId) -> sqlx::Result<Option<(String, Vec<u8>)>> {
    sqlx::query("SELECT content_type, bytes FROM pizza_photos WHERE pizza_id = $1")
        .bind(id.0)
        .fetch_optional(pool)
        .await?
        .map(|r| Ok((r.try_get("content_type")?, r.try_get("bytes")?)))
        .transpose()
}

/// Stores (or replaces) a pizza's photo.
pub async fn set_photo(
    tx: &mut Tx,
    id: PizzaId,
    content_type: &str,
    bytes: &[u8],
    at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO pizza_photos (pizza_id, content_type, bytes, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (pizza_id) DO UPDATE SET \
         content_type = excluded.content_type, bytes = excluded.bytes, \
         updated_at = excluded.updated_at",
    )
    .bind(id.0)
    .bind(content_type)
    .bind(bytes.to_vec())
    .bind(at)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Removes a pizza's photo.
pub async fn delete_photo(tx: &mut Tx, id: PizzaId) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM pizza_photos WHERE pizza_id = $1")
        .bind(id.0)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}
