//! Seeding: the group's shops, ingredients and menu with opening stock (`ocpizza seed`, and
//! automatically for an empty embedded database), and the demo accounts (only with `--demo`,
//! which the command line refuses over https). Idempotent:
//! what already exists (matched by key, shop name or e-mail) is left untouched, live stock is
//! never overwritten.

use crate::auth::{db as auth_db, password};
use crate::config::HashingCost;
use crate::db::{Db, Tx};
use crate::events::{Bus, Outbox};
use anyhow::Context;
use ocpizza_proto::api::shops::Shop;
use ocpizza_proto::{OpeningHours, ShopId, StaffRole};
use serde::Deserialize;
use serde_json::Map;
use std::collections::HashMap;

const DEMO: &str = include_str!("demo.json");

/// Password of every demo account.
pub const DEMO_PASSWORD: &str = "demo-pizza";

/// The demo accounts: e-mail, name, staff role in the first shop (none: customer), admin.
pub const DEMO_ACCOUNTS: &[(&str, &str, Option<StaffRole>, bool)] = &[
    ("admin@demo.ocpizza.fr", "Alice Administratrice", None, true),
    (
        "manager@demo.ocpizza.fr",
        "Marc Manager",
        Some(StaffRole::Manager),
        false,
    ),
    (
        "counter@demo.ocpizza.fr",
        "Camille Comptoir",
        Some(StaffRole::OrderTaker),
        false,
    ),
    (
        "cook@demo.ocpizza.fr",
        "Luigi Pizzaiolo",
        Some(StaffRole::Cook),
        false,
    ),
    (
        "driver@demo.ocpizza.fr",
        "Dounia Livreuse",
        Some(StaffRole::Driver),
        false,
    ),
    ("customer@demo.ocpizza.fr", "Claire Cliente", None, false),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Data {
    ingredients: Vec<Ingredient>,
    shops: Vec<ShopData>,
    pizzas: Vec<Pizza>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Ingredient {
    key: String,
    name: String,
    unit: String,
    allergens: Vec<ocpizza_proto::api::Allergen>,
    stock: i64,
    low_threshold: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShopData {
    name: String,
    street: String,
    postcode: String,
    city: String,
    phone: String,
    timezone: String,
    hours: OpeningHours,
    delivery_postcodes: Vec<String>,
    stock_factor: f64,
    stock_overrides: HashMap<String, i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Pizza {
    key: String,
    name: String,
    description: String,
    sizes: Vec<Size>,
    /// size code → ingredient key → quantity, in the order the toppings go on.
    recipe: Map<String, serde_json::Value>,
    steps: Vec<String>,
    oven_minutes: i64,
    oven_temp_c: i64,
    extras: Vec<Extra>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Size {
    code: String,
    label: String,
    price_cents: i64,
}

#[derive(Debug, Deserialize)]
struct Extra {
    ingredient: String,
    #[serde(flatten)]
    per_size: HashMap<String, ExtraSize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtraSize {
    quantity: i64,
    price_cents: i64,
}

/// What a seed run created.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// New shops.
    pub shops: usize,
    /// New ingredients.
    pub ingredients: usize,
    /// New pizzas.
    pub pizzas: usize,
    /// New accounts.
    pub accounts: usize,
}

/// Seeds shops, ingredients, menu and opening stock; with `demo`, the demo accounts too.
pub async fn run(db: &Db, bus: &Bus, hashing: HashingCost, demo: bool) -> anyhow::Result<Report> {
    let data: Data = serde_json::from_str(DEMO).context("parsing the built-in seed data")?;
    let mut report = Report::default();
    let mut tx = db.begin().await?;
    let mut ingredients = HashMap::new();
    for i in &data.ingredients {
        let (id, new) = upsert_key(&mut tx, "ingredients", &i.key, async |tx| {
            sqlx::query_scalar(
                "INSERT INTO ingredients (key, name, unit, allergens) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(&i.key)
            .bind(&i.name)
            .bind(&i.unit)
            .bind(serde_json::to_string(&i.allergens)?)
            .fetch_one(&mut **tx)
            .await
            .map_err(Into::into)
        })
        .await?;
        report.ingredients += usize::from(new);
        ingredients.insert(i.key.as_str(), id);
    }
    for (position, p) in data.pizzas.iter().enumerate() {
        let (id, new) = upsert_key(&mut tx, "pizzas", &p.key, async |tx| {
            sqlx::query_scalar(
                "INSERT INTO pizzas (key, name, description, oven_minutes, oven_temp_c, position) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(&p.key)
            .bind(&p.name)
            .bind(&p.description)
            .bind(p.oven_minutes)
            .bind(p.oven_temp_c)
            .bind(position as i64)
            .fetch_one(&mut **tx)
            .await
            .map_err(Into::into)
        })
        .await?;
        if new {
            insert_pizza_details(&mut tx, id, p, &ingredients).await?;
            report.pizzas += 1;
        }
    }
    let mut shop_ids = Vec::new();
    for s in &data.shops {
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM shops WHERE name = $1")
            .bind(&s.name)
            .fetch_optional(&mut *tx)
            .await?;
        let id = match existing {
            Some(id) => ShopId(id),
            None => {
                report.shops += 1;
                crate::shops::db::insert(&mut tx, &shop_of(s)).await?
            }
        };
        for i in &data.ingredients {
            let qty = s
                .stock_overrides
                .get(&i.key)
                .copied()
                .unwrap_or_else(|| (i.stock as f64 * s.stock_factor).floor() as i64);
            sqlx::query(
                "INSERT INTO stock (shop_id, ingredient_id, on_hand, reserved, low_threshold) \
                 VALUES ($1, $2, $3, 0, $4) ON CONFLICT (shop_id, ingredient_id) DO NOTHING",
            )
            .bind(id.0)
            .bind(ingredients[i.key.as_str()])
            .bind(qty)
            .bind((i.low_threshold as f64 * s.stock_factor).floor() as i64)
            .execute(&mut *tx)
            .await?;
        }
        shop_ids.push(id);
    }
    if demo {
        let hash = password::hash(DEMO_PASSWORD.to_owned(), hashing).await?;
        for (email, name, role, admin) in DEMO_ACCOUNTS {
            let id = match auth_db::credentials(db.pool(), email).await? {
                Some((id, _)) => id,
                None => {
                    report.accounts += 1;
                    let phone = Some("+33 6 12 34 56 78");
                    auth_db::insert_user(&mut tx, email, name, phone, &hash, *admin).await?
                }
            };
            if let (Some(role), Some(shop)) = (role, shop_ids.first()) {
                auth_db::grant(&mut tx, id, *shop, *role).await?;
            }
        }
    }
    let mut outbox = Outbox::new(None);
    for shop in &shop_ids {
        outbox.refresh_availability(*shop);
    }
    outbox.commit(tx, bus).await?;
    Ok(report)
}

/// Returns the id of the row of `table` with `key`, inserting it with `insert` if missing.
async fn upsert_key(
    tx: &mut Tx,
    table: &str,
    key: &str,
    insert: impl AsyncFnOnce(&mut Tx) -> anyhow::Result<i64>,
) -> anyhow::Result<(i64, bool)> {
    let existing: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM {table} WHERE key = $1"
    )))
    .bind(key)
    .fetch_optional(&mut **tx)
    .await?;
    match existing {
        Some(id) => Ok((id, false)),
        None => Ok((insert(tx).await?, true)),
    }
}

async fn insert_pizza_details(
    tx: &mut Tx,
    id: i64,
    p: &Pizza,
    ingredients: &HashMap<&str, i64>,
) -> anyhow::Result<()> {
    let ingredient = |key: &str| {
        ingredients
            .get(key)
            .copied()
            .with_context(|| format!("pizza {}: unknown ingredient {key}", p.key))
    };
    for (i, s) in p.sizes.iter().enumerate() {
        sqlx::query("INSERT INTO pizza_sizes (pizza_id, code, label, price_cents, position) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(&s.code)
            .bind(&s.label)
            .bind(s.price_cents)
            .bind(i as i64)
            .execute(&mut **tx)
            .await?;
    }
    for (size, items) in &p.recipe {
        let items = items
            .as_object()
            .with_context(|| format!("pizza {}: recipe {size}", p.key))?;
        for (position, (key, qty)) in items.iter().enumerate() {
            sqlx::query(
                "INSERT INTO recipe_items (pizza_id, size_code, ingredient_id, quantity, position) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(size)
            .bind(ingredient(key)?)
            .bind(
                qty.as_i64()
                    .with_context(|| format!("pizza {}: {key}", p.key))?,
            )
            .bind(position as i64)
            .execute(&mut **tx)
            .await?;
        }
    }
    for (position, text) in p.steps.iter().enumerate() {
        sqlx::query("INSERT INTO pizza_steps (pizza_id, position, text) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(position as i64)
            .bind(text)
            .execute(&mut **tx)
            .await?;
    }
    for extra in &p.extras {
        for size in p.sizes.iter().map(|s| &s.code) {
            let Some(e) = extra.per_size.get(size) else {
                continue;
            };
            sqlx::query(
                "INSERT INTO pizza_extras (pizza_id, ingredient_id, size_code, quantity, price_cents) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(ingredient(&extra.ingredient)?)
            .bind(size)
            .bind(e.quantity)
            .bind(e.price_cents)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

fn shop_of(s: &ShopData) -> Shop {
    Shop {
        id: ShopId(0),
        name: s.name.clone(),
        street: s.street.clone(),
        postcode: s.postcode.clone(),
        city: s.city.clone(),
        phone: s.phone.clone(),
        timezone: s.timezone.clone(),
        hours: s.hours.clone(),
        delivery_postcodes: s.delivery_postcodes.clone(),
        paused: false,
        pause_reason: None,
        open_now: false,
        today_hours: Vec::new(),
        open_state: ocpizza_proto::OpenState::default(),
        retired: false,
        min_delivery_order: ocpizza_proto::Money::ZERO,
        delivery_fee: ocpizza_proto::Money::ZERO,
        closures: Vec::new(),
        closed_today: None,
    }
}

/// Whether the demo accounts exist (judged by the demo administrator).
pub async fn has_demo_accounts(db: &Db) -> anyhow::Result<bool> {
    let (admin, ..) = DEMO_ACCOUNTS[0];
    Ok(auth_db::credentials(db.pool(), admin).await?.is_some())
}

/// Whether the database holds no shop yet.
pub async fn is_empty(db: &Db) -> anyhow::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM shops")
        .fetch_one(db.pool())
        .await?;
    Ok(n == 0)
}
