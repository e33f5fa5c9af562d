//! The menu: what a shop sells with live availability (public), the cooks' recipe cards
//! (staff), and the manager's per-shop on/off switch.

pub mod availability;
pub mod cache;
pub mod db;
pub mod specs;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::events::Outbox;
use crate::extract::{Json, Path};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use ocpizza_proto::api::Allergen;
use ocpizza_proto::api::menu::{
    Menu, MenuExtra, MenuPizza, MenuSize, Recipe, RecipeBook, RecipeExtra, RecipeItem, RecipeSize,
    SetPizzaEnabled, SizePrice,
};
use ocpizza_proto::{IngredientId, PizzaId, ShopId};
use sqlx::AnyPool;
use std::collections::{BTreeSet, HashMap};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/shops/{id}/menu", get(menu))
        .route(
            "/api/v1/shops/{id}/pizzas/{pizza_id}/enabled",
            put(set_enabled),
        )
        .route("/api/v1/pizzas/{id}/recipe", get(recipe))
        .route("/api/v1/recipes", get(recipes))
}

fn allergens<'a>(lists: impl Iterator<Item = &'a str>) -> Vec<Allergen> {
    let set: BTreeSet<Allergen> = lists
        .flat_map(|l| serde_json::from_str::<Vec<Allergen>>(l).unwrap_or_default())
        .collect();
    set.into_iter().collect()
}

/// The shop's menu with how many of each size can still be made (public), from memory. Its
/// `ETag` changes with its content; `If-None-Match` with the current one gets a 304.
#[utoipa::path(get, path = "/api/v1/shops/{id}/menu", tag = "menu", params(("id" = i64, Path)),
    responses((status = 200, body = Menu, headers(("ETag" = String, description = "validator of this menu"))),
              (status = 304, description = "unchanged since the menu named by If-None-Match"),
              (status = 404, body = ocpizza_proto::ErrorBody)))]
pub async fn menu(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let ready = state.menus.get(&state, ShopId(id)).await?;
    let validators = [
        (header::ETAG, ready.etag.clone()),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|tags| ready.matches(tags))
    {
        return Ok((StatusCode::NOT_MODIFIED, validators).into_response());
    }
    let json = [(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    )];
    Ok((validators, json, ready.body.clone()).into_response())
}

/// The menu of `shop` as published on its stream, labelled with `stream_seq`.
pub async fn build(pool: &AnyPool, shop: ShopId, stream_seq: i64) -> ApiResult<Menu> {
    // Eight statements: on one connection, not eight leases from the pool.
    let mut conn = pool.acquire().await?;
    let counts = availability::published(&mut *conn, shop).await?;
    let disabled = db::disabled(&mut *conn, shop).await?;
    let free: HashMap<IngredientId, i64> = crate::stock::db::levels(&mut *conn, shop)
        .await?
        .into_iter()
        .map(|l| (l.ingredient_id, l.on_hand - l.reserved))
        .collect();
    let photos = crate::catalogue::db::photos(&mut *conn).await?;
    let pizzas = db::specs(&mut conn, None)
        .await?
        .into_iter()
        .map(|p| MenuPizza {
            allergens: allergens(p.recipe.iter().map(|i| i.allergens.as_str())),
            enabled: !disabled.contains(&p.id),
            sizes: p
                .sizes
                .iter()
                .map(|s| {
                    let available = counts.get(&(p.id, s.code.clone())).copied().unwrap_or(0);
                    let limited_by = (available == 0 && !disabled.contains(&p.id))
                        .then(|| short_ingredient(&p, &s.code, &free))
                        .flatten();
                    MenuSize {
                        code: s.code.clone(),
                        label: s.label.clone(),
                        price: s.price,
                        available,
                        limited_by,
                    }
                })
                .collect(),
            extras: menu_extras(&p),
            photo: photos
                .get(&p.id)
                .map(|at| crate::catalogue::db::photo_url(p.id, *at)),
            id: p.id,
            name: p.name,
            description: p.description,
        })
        .collect();
    Ok(Menu {
        shop_id: shop,
        stream_seq,
        pizzas,
    })
}

/// The first ingredient of the size's recipe whose free stock is less than one portion.
fn short_ingredient(
    p: &db::PizzaSpec,
    size: &str,
    free: &HashMap<IngredientId, i64>,
) -> Option<String> {
    p.recipe_for(size)
        .find(|i| free.get(&i.ingredient_id).copied().unwrap_or(0) < i.quantity)
        .map(|i| i.name.clone())
}

fn menu_extras(p: &db::PizzaSpec) -> Vec<MenuExtra> {
    let mut out: Vec<MenuExtra> = Vec::new();
    for e in &p.extras {
        let price = SizePrice {
            size: e.size.clone(),
            price: e.price,
        };
        match out.iter_mut().find(|x| x.ingredient_id == e.ingredient_id) {
            Some(x) => x.prices.push(price),
            None => out.push(MenuExtra {
                ingredient_id: e.ingredient_id,
                name: e.name.clone(),
                allergens: allergens(std::iter::once(e.allergens.as_str())),
                prices: vec![price],
            }),
        }
    }
    out
}

/// The recipe card of a pizza: quantities per size, extras, steps, oven (staff only).
#[utoipa::path(get, path = "/api/v1/pizzas/{id}/recipe", tag = "menu", params(("id" = i64, Path)),
    responses((status = 200, body = Recipe),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not staff of any shop", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such pizza", body = ocpizza_proto::ErrorBody)))]
pub async fn recipe(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Recipe>> {
    require_staff(&caller)?;
    let mut conn = state.db.pool().acquire().await?;
    let spec = db::specs(&mut conn, Some(PizzaId(id)))
        .await?
        .pop()
        .ok_or(ApiError::NotFound("pizza"))?;
    let steps = db::steps(&mut *conn, spec.id).await?;
    Ok(Json(recipe_card(spec, steps)))
}

/// Every recipe card, in menu order: the cooks' aide-mémoire, kept offline by the app
/// (staff only).
#[utoipa::path(get, path = "/api/v1/recipes", tag = "menu",
    responses((status = 200, body = RecipeBook),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not staff of any shop", body = ocpizza_proto::ErrorBody)))]
pub async fn recipes(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<RecipeBook>> {
    require_staff(&caller)?;
    let mut conn = state.db.pool().acquire().await?;
    let mut recipes = Vec::new();
    for spec in db::specs(&mut conn, None).await? {
        let steps = db::steps(&mut *conn, spec.id).await?;
        recipes.push(recipe_card(spec, steps));
    }
    Ok(Json(RecipeBook { recipes }))
}

fn require_staff(caller: &Caller) -> ApiResult<()> {
    let user = caller.user()?;
    if user.admin || !user.roles.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

fn recipe_card(p: db::PizzaSpec, steps: Vec<String>) -> Recipe {
    Recipe {
        pizza_id: p.id,
        sizes: p
            .sizes
            .iter()
            .map(|s| RecipeSize {
                code: s.code.clone(),
                label: s.label.clone(),
                items: p
                    .recipe_for(&s.code)
                    .map(|i| RecipeItem {
                        ingredient_id: i.ingredient_id,
                        name: i.name.clone(),
                        quantity: i.quantity,
                        unit: i.unit,
                    })
                    .collect(),
            })
            .collect(),
        extras: p
            .extras
            .iter()
            .map(|e| RecipeExtra {
                ingredient_id: e.ingredient_id,
                name: e.name.clone(),
                size: e.size.clone(),
                quantity: e.quantity,
                unit: e.unit,
                price: e.price,
            })
            .collect(),
        name: p.name,
        steps,
        oven_minutes: p.oven_minutes,
        oven_temp_c: p.oven_temp_c,
    }
}

/// Switches a pizza on or off in one shop (manager of the shop, admin).
#[utoipa::path(put, path = "/api/v1/shops/{id}/pizzas/{pizza_id}/enabled", tag = "menu",
    params(("id" = i64, Path), ("pizza_id" = i64, Path)), request_body = SetPizzaEnabled,
    responses((status = 204, description = "switched"),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not a manager of this shop", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such shop or pizza", body = ocpizza_proto::ErrorBody)))]
pub async fn set_enabled(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, pizza_id)): Path<(i64, i64)>,
    Json(req): Json<SetPizzaEnabled>,
) -> ApiResult<axum::http::StatusCode> {
    let shop = ShopId(id);
    crate::shops::require(&state, shop).await?;
    let user = caller.user()?;
    if !user.manages(shop) {
        return Err(ApiError::Forbidden);
    }
    // A negative id would select every pizza (see `db::specs`).
    if pizza_id <= 0
        || db::specs(
            &mut *state.db.pool().acquire().await?,
            Some(PizzaId(pizza_id)),
        )
        .await?
        .is_empty()
    {
        return Err(ApiError::NotFound("pizza"));
    }
    let mut tx = state.db.begin().await?;
    db::set_enabled(&mut tx, shop, PizzaId(pizza_id), req.enabled).await?;
    let mut outbox = Outbox::new(Some(user.id));
    outbox.refresh_availability(shop);
    outbox.commit(tx, &state.bus).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
