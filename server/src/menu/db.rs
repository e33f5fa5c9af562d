//! SQL of the catalogue: pizzas, sizes, recipes, steps, extras, per-shop switches.

use crate::db::Tx;
use ocpizza_proto::api::Unit;
use ocpizza_proto::{IngredientId, Money, PizzaId, ShopId};
use sqlx::Row;

/// A size with its price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeSpec {
    /// Code (`medium`).
    pub code: String,
    /// Label.
    pub label: String,
    /// Price.
    pub price: Money,
}

/// One ingredient quantity of a recipe or an extra.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Portion {
    /// Size code it applies to.
    pub size: String,
    /// Ingredient.
    pub ingredient_id: IngredientId,
    /// Ingredient name.
    pub name: String,
    /// Unit.
    pub unit: Unit,
    /// Quantity in that unit.
    pub quantity: i64,
    /// Price charged (extras only; 0 for recipe items).
    pub price: Money,
    /// Allergens as stored (JSON list).
    pub allergens: String,
}

/// Everything needed to price a pizza and know what it consumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PizzaSpec {
    /// Pizza.
    pub id: PizzaId,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Baking time.
    pub oven_minutes: i64,
    /// Oven temperature.
    pub oven_temp_c: i64,
    /// Sizes in menu order.
    pub sizes: Vec<SizeSpec>,
    /// Recipe items of every size, in the order they go on.
    pub recipe: Vec<Portion>,
    /// Extras of every size.
    pub extras: Vec<Portion>,
}

impl PizzaSpec {
    /// The size with this code.
    pub fn size(&self, code: &str) -> Option<&SizeSpec> {
        self.sizes.iter().find(|s| s.code == code)
    }

    /// The recipe of one size.
    pub fn recipe_for<'a>(&'a self, size: &'a str) -> impl Iterator<Item = &'a Portion> + 'a {
        self.recipe.iter().filter(move |p| p.size == size)
    }

    /// The extra `ingredient` for `size`, if offered.
    pub fn extra(&self, ingredient: IngredientId, size: &str) -> Option<&Portion> {
        self.extras
            .iter()
            .find(|p| p.ingredient_id == ingredient && p.size == size)
    }
}

fn portion(r: &sqlx::any::AnyRow, price: bool) -> sqlx::Result<Portion> {
    let unit: String = r.try_get("unit")?;
    Ok(Portion {
        size: r.try_get("size_code")?,
        ingredient_id: IngredientId(r.try_get("ingredient_id")?),
        name: r.try_get("name")?,
        unit: Unit::parse(&unit).unwrap_or(Unit::G),
        quantity: r.try_get("quantity")?,
        price: Money(if price { r.try_get("price_cents")? } else { 0 }),
        allergens: r.try_get("allergens")?,
    })
}

/// Every pizza of the catalogue (or only `only`), fully loaded, in menu order: four statements
/// on one connection (from a pool, each would be a lease of its own, and checked on its return).
pub async fn specs(
    conn: &mut sqlx::AnyConnection,
    only: Option<PizzaId>,
) -> sqlx::Result<Vec<PizzaSpec>> {
    let filter = only.map_or(-1, |p| p.0);
    let mut pizzas: Vec<PizzaSpec> = sqlx::query(
        "SELECT id, name, description, oven_minutes, oven_temp_c FROM pizzas \
         WHERE $1 < 0 OR id = $1 ORDER BY position, id",
    )
    .bind(filter)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(PizzaSpec {
            id: PizzaId(r.try_get("id")?),
            name: r.try_get("name")?,
            description: r.try_get("description")?,
            oven_minutes: r.try_get("oven_minutes")?,
            oven_temp_c: r.try_get("oven_temp_c")?,
            sizes: Vec::new(),
            recipe: Vec::new(),
            extras: Vec::new(),
        })
    })
    .collect::<sqlx::Result<_>>()?;
    let index = |pizzas: &mut Vec<PizzaSpec>, id: i64| pizzas.iter().position(|p| p.id.0 == id);
    for r in sqlx::query(
        "SELECT pizza_id, code, label, price_cents FROM pizza_sizes \
         WHERE $1 < 0 OR pizza_id = $1 ORDER BY pizza_id, position",
    )
    .bind(filter)
    .fetch_all(&mut *conn)
    .await?
    {
        if let Some(i) = index(&mut pizzas, r.try_get("pizza_id")?) {
            pizzas[i].sizes.push(SizeSpec {
                code: r.try_get("code")?,
                label: r.try_get("label")?,
                price: Money(r.try_get("price_cents")?),
            });
        }
    }
    for r in sqlx::query(
        "SELECT r.pizza_id, r.size_code, r.ingredient_id, r.quantity, i.name, i.unit, i.allergens \
         FROM recipe_items r JOIN ingredients i ON i.id = r.ingredient_id \
         WHERE $1 < 0 OR r.pizza_id = $1 ORDER BY r.pizza_id, r.size_code, r.position",
    )
    .bind(filter)
    .fetch_all(&mut *conn)
    .await?
    {
        if let Some(i) = index(&mut pizzas, r.try_get("pizza_id")?) {
            pizzas[i].recipe.push(portion(&r, false)?);
        }
    }
    for r in sqlx::query(
        "SELECT e.pizza_id, e.size_code, e.ingredient_id, e.quantity, e.price_cents, i.name, \
         i.unit, i.allergens FROM pizza_extras e JOIN ingredients i ON i.id = e.ingredient_id \
         WHERE $1 < 0 OR e.pizza_id = $1 ORDER BY e.pizza_id, i.name, e.size_code",
    )
    .bind(filter)
    .fetch_all(&mut *conn)
    .await?
    {
        if let Some(i) = index(&mut pizzas, r.try_get("pizza_id")?) {
            pizzas[i].extras.push(portion(&r, true)?);
        }
    }
    Ok(pizzas)
}

/// Preparation steps of a pizza, in order.
pub async fn steps<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    pizza: PizzaId,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT text FROM pizza_steps WHERE pizza_id = $1 ORDER BY position")
        .bind(pizza.0)
        .fetch_all(ex)
        .await
}

/// Pizzas switched off in `shop`, by its manager or for every shop by the group.
pub async fn disabled<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ex: E,
    shop: ShopId,
) -> sqlx::Result<Vec<PizzaId>> {
    sqlx::query_scalar(
        "SELECT pizza_id FROM shop_pizza_disabled WHERE shop_id = $1 \
         UNION SELECT id FROM pizzas WHERE available = 0",
    )
    .bind(shop.0)
    .fetch_all(ex)
    .await
    .map(|ids| ids.into_iter().map(PizzaId).collect())
}

/// Switches a pizza on or off in a shop.
pub async fn set_enabled(
    tx: &mut Tx,
    shop: ShopId,
    pizza: PizzaId,
    enabled: bool,
) -> sqlx::Result<()> {
    let sql = if enabled {
        "DELETE FROM shop_pizza_disabled WHERE shop_id = $1 AND pizza_id = $2"
    } else {
        "INSERT INTO shop_pizza_disabled (shop_id, pizza_id) VALUES ($1, $2) \
         ON CONFLICT (shop_id, pizza_id) DO NOTHING"
    };
    sqlx::query(sql)
        .bind(shop.0)
        .bind(pizza.0)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}
