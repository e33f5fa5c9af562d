//! The catalogue's administration (group admins): ingredients with their unit, allergens and
//! low-stock thresholds; pizzas with sizes, prices, a recipe per size, steps, oven, extras, a
//! photo and a group-wide on/off; the whole catalogue exported and imported (with a dry run).
//!
//! Every change is one transaction: checked first (4xx naming the field, nothing written),
//! then written with its audit entries (before and after, one per price that moved) and a
//! `catalogue_changed` event on every shop's menu stream, so that open menus and kitchen
//! recipe cards load the catalogue again. Placed orders are not touched: their lines keep the
//! name and prices they were placed with, and their `reserved` column what they hold.

pub mod apply;
pub mod check;
pub mod cli;
pub mod db;
pub mod photo;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::events::Outbox;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use ocpizza_proto::api::catalogue::{
    Catalogue, CatalogueIngredient, CataloguePizza, ImportReport, SetAvailable,
};
use serde::Deserialize;
use std::collections::BTreeSet;

/// Largest import or photo accepted.
pub const MAX_UPLOAD_BYTES: usize = 1024 * 1024;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/catalogue", get(get_catalogue))
        .route("/api/v1/catalogue/export", get(export))
        .route(
            "/api/v1/catalogue/import",
            post(import).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/api/v1/catalogue/pizzas", post(create_pizza))
        .route(
            "/api/v1/catalogue/pizzas/{key}",
            put(update_pizza).delete(delete_pizza),
        )
        .route(
            "/api/v1/catalogue/pizzas/{key}/available",
            put(set_available),
        )
        .route(
            "/api/v1/catalogue/pizzas/{key}/photo",
            put(photo::upload)
                .delete(photo::remove)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/api/v1/pizzas/{id}/photo", get(photo::serve))
        .route("/api/v1/catalogue/ingredients", post(create_ingredient))
        .route(
            "/api/v1/catalogue/ingredients/{key}",
            put(update_ingredient).delete(delete_ingredient),
        )
}

/// The whole catalogue with this database's ids and photo addresses (admin).
#[utoipa::path(get, path = "/api/v1/catalogue", tag = "catalogue",
    responses((status = 200, body = Catalogue),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody)))]
pub async fn get_catalogue(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Catalogue>> {
    caller.admin()?;
    let mut conn = state.db.pool().acquire().await?;
    Ok(Json(db::load(&mut conn).await?))
}

/// The whole catalogue as a portable document, for `import` here or elsewhere (admin).
#[utoipa::path(get, path = "/api/v1/catalogue/export", tag = "catalogue",
    responses((status = 200, body = Catalogue),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody)))]
pub async fn export(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Catalogue>> {
    caller.admin()?;
    let mut conn = state.db.pool().acquire().await?;
    Ok(Json(apply::portable(db::load(&mut conn).await?)))
}

/// `?dry_run=true`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// Only report what would change.
    #[serde(default)]
    pub dry_run: bool,
}

/// Replaces the whole catalogue, all or nothing; with `dry_run`, only says what would
/// change (admin).
#[utoipa::path(post, path = "/api/v1/catalogue/import", tag = "catalogue",
    params(ImportParams), request_body = Catalogue,
    responses((status = 200, body = ImportReport),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "an ingredient to remove is reserved by open orders", body = ocpizza_proto::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ImportParams>,
    Json(body): Json<Catalogue>,
) -> ApiResult<Json<ImportReport>> {
    let user = caller.admin()?;
    run_import(&state.db, &state.bus, Some(user.id), &body, params.dry_run)
        .await
        .map(Json)
}

/// Checks `body` and imports it in one transaction (rolled back for a dry run).
pub async fn run_import(
    db: &crate::db::Db,
    bus: &crate::events::Bus,
    actor: Option<ocpizza_proto::UserId>,
    body: &Catalogue,
    dry_run: bool,
) -> ApiResult<ImportReport> {
    let mut tx = db.begin().await?;
    let shops = db::shops(&mut tx).await?;
    let new = check::catalogue(body, &shops)?;
    let (mut report, entries) = apply::import(&mut tx, &new).await?;
    if dry_run {
        tx.rollback().await?;
        report.dry_run = true;
        return Ok(report);
    }
    if report.is_empty() {
        tx.rollback().await?;
        return Ok(report);
    }
    let mut outbox = Outbox::new(actor);
    let stock_moved = !report.ingredients.is_empty();
    apply::publish(&mut tx, &mut outbox, actor, &entries, stock_moved).await?;
    outbox.commit(tx, bus).await?;
    Ok(report)
}

/// The pizza with `key` as read back after a change.
async fn read_pizza(state: &AppState, key: &str) -> ApiResult<CataloguePizza> {
    let mut conn = state.db.pool().acquire().await?;
    db::load(&mut conn)
        .await?
        .pizzas
        .into_iter()
        .find(|p| p.key == key)
        .ok_or(ApiError::NotFound("pizza"))
}

async fn current_pizza(tx: &mut crate::db::Tx, key: &str) -> ApiResult<Option<CataloguePizza>> {
    Ok(apply::portable(db::load(tx).await?)
        .pizzas
        .into_iter()
        .find(|p| p.key == key))
}

/// Writes a checked pizza, its audit entries and events; `before` is what it replaces.
async fn save_pizza(
    state: &AppState,
    mut tx: crate::db::Tx,
    actor: ocpizza_proto::UserId,
    before: Option<CataloguePizza>,
    body: &CataloguePizza,
) -> ApiResult<CataloguePizza> {
    let ids = db::ingredient_ids(&mut tx).await?;
    let known: BTreeSet<String> = ids.keys().cloned().collect();
    let pizza = check::pizza("", body, &known)?;
    if before.as_ref() != Some(&pizza) {
        db::save_pizza(&mut tx, &pizza, None, &ids).await?;
        let entries = apply::pizza_entries(before.as_ref(), Some(&pizza));
        let mut outbox = Outbox::new(Some(actor));
        apply::publish(&mut tx, &mut outbox, Some(actor), &entries, false).await?;
        outbox.commit(tx, &state.bus).await?;
    }
    read_pizza(state, &pizza.key).await
}

/// Adds a pizza at the end of the menu (admin).
#[utoipa::path(post, path = "/api/v1/catalogue/pizzas", tag = "catalogue",
    request_body = CataloguePizza,
    responses((status = 201, body = CataloguePizza),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "a pizza has this key", body = ocpizza_proto::ErrorBody)))]
pub async fn create_pizza(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CataloguePizza>,
) -> ApiResult<(StatusCode, Json<CataloguePizza>)> {
    let user = caller.admin()?;
    let mut tx = state.db.begin().await?;
    if db::pizza_id(&mut tx, &body.key).await?.is_some() {
        return Err(ApiError::Conflict(format!(
            "a pizza with key {} exists already",
            body.key
        )));
    }
    let saved = save_pizza(&state, tx, user.id, None, &body).await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// Replaces a pizza: name, description, sizes and prices, recipes, steps, oven, extras,
/// on/off (admin). The key names it and cannot change.
#[utoipa::path(put, path = "/api/v1/catalogue/pizzas/{key}", tag = "catalogue",
    params(("key" = String, Path)), request_body = CataloguePizza,
    responses((status = 200, body = CataloguePizza),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such pizza", body = ocpizza_proto::ErrorBody)))]
pub async fn update_pizza(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    Json(body): Json<CataloguePizza>,
) -> ApiResult<Json<CataloguePizza>> {
    let user = caller.admin()?;
    if body.key != key {
        return Err(ApiError::field("key", "a pizza's key cannot change"));
    }
    let mut tx = state.db.begin().await?;
    let before = current_pizza(&mut tx, &key)
        .await?
        .ok_or(ApiError::NotFound("pizza"))?;
    save_pizza(&state, tx, user.id, Some(before), &body)
        .await
        .map(Json)
}

/// Takes a pizza off every shop's menu, or puts it back (admin).
#[utoipa::path(put, path = "/api/v1/catalogue/pizzas/{key}/available", tag = "catalogue",
    params(("key" = String, Path)), request_body = SetAvailable,
    responses((status = 200, body = CataloguePizza),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such pizza", body = ocpizza_proto::ErrorBody)))]
pub async fn set_available(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    Json(body): Json<SetAvailable>,
) -> ApiResult<Json<CataloguePizza>> {
    let user = caller.admin()?;
    let mut tx = state.db.begin().await?;
    let before = current_pizza(&mut tx, &key)
        .await?
        .ok_or(ApiError::NotFound("pizza"))?;
    let after = CataloguePizza {
        available: body.available,
        ..before.clone()
    };
    save_pizza(&state, tx, user.id, Some(before), &after)
        .await
        .map(Json)
}

/// Removes a pizza from the catalogue; placed orders keep their lines as placed (admin).
#[utoipa::path(delete, path = "/api/v1/catalogue/pizzas/{key}", tag = "catalogue",
    params(("key" = String, Path)),
    responses((status = 204, description = "removed"),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such pizza", body = ocpizza_proto::ErrorBody)))]
pub async fn delete_pizza(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<StatusCode> {
    let user = caller.admin()?;
    let mut tx = state.db.begin().await?;
    let before = current_pizza(&mut tx, &key)
        .await?
        .ok_or(ApiError::NotFound("pizza"))?;
    let id = db::pizza_id(&mut tx, &key)
        .await?
        .ok_or(ApiError::NotFound("pizza"))?;
    db::delete_pizza(&mut tx, id).await?;
    let entries = apply::pizza_entries(Some(&before), None);
    let mut outbox = Outbox::new(Some(user.id));
    apply::publish(&mut tx, &mut outbox, Some(user.id), &entries, false).await?;
    outbox.commit(tx, &state.bus).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn current_ingredient(
    tx: &mut crate::db::Tx,
    key: &str,
) -> ApiResult<Option<CatalogueIngredient>> {
    Ok(db::load(tx)
        .await?
        .ingredients
        .into_iter()
        .find(|i| i.key == key))
}

async fn save_ingredient(
    state: &AppState,
    mut tx: crate::db::Tx,
    actor: ocpizza_proto::UserId,
    before: Option<CatalogueIngredient>,
    body: &CatalogueIngredient,
) -> ApiResult<CatalogueIngredient> {
    let shops = db::shops(&mut tx).await?;
    let ingredient = check::ingredient("", body, &shops)?;
    db::save_ingredient(&mut tx, &ingredient, &shops).await?;
    let after = current_ingredient(&mut tx, &ingredient.key)
        .await?
        .ok_or(ApiError::NotFound("ingredient"))?;
    if before.as_ref() == Some(&after) {
        tx.rollback().await?;
        return Ok(after);
    }
    let entries: Vec<_> = apply::ingredient_entry(before.as_ref(), Some(&after))
        .into_iter()
        .collect();
    let mut outbox = Outbox::new(Some(actor));
    apply::publish(&mut tx, &mut outbox, Some(actor), &entries, true).await?;
    outbox.commit(tx, &state.bus).await?;
    Ok(after)
}

/// Adds an ingredient; every shop gets a stock line for it, at zero (admin).
#[utoipa::path(post, path = "/api/v1/catalogue/ingredients", tag = "catalogue",
    request_body = CatalogueIngredient,
    responses((status = 201, body = CatalogueIngredient),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "an ingredient has this key", body = ocpizza_proto::ErrorBody)))]
pub async fn create_ingredient(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CatalogueIngredient>,
) -> ApiResult<(StatusCode, Json<CatalogueIngredient>)> {
    let user = caller.admin()?;
    let mut tx = state.db.begin().await?;
    if current_ingredient(&mut tx, &body.key).await?.is_some() {
        return Err(ApiError::Conflict(format!(
            "an ingredient with key {} exists already",
            body.key
        )));
    }
    let saved = save_ingredient(&state, tx, user.id, None, &body).await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// Changes an ingredient's name, unit, allergens and shops' low-stock thresholds (admin).
#[utoipa::path(put, path = "/api/v1/catalogue/ingredients/{key}", tag = "catalogue",
    params(("key" = String, Path)), request_body = CatalogueIngredient,
    responses((status = 200, body = CatalogueIngredient),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such ingredient", body = ocpizza_proto::ErrorBody)))]
pub async fn update_ingredient(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    Json(body): Json<CatalogueIngredient>,
) -> ApiResult<Json<CatalogueIngredient>> {
    let user = caller.admin()?;
    if body.key != key {
        return Err(ApiError::field("key", "an ingredient's key cannot change"));
    }
    let mut tx = state.db.begin().await?;
    let before = current_ingredient(&mut tx, &key)
        .await?
        .ok_or(ApiError::NotFound("ingredient"))?;
    save_ingredient(&state, tx, user.id, Some(before), &body)
        .await
        .map(Json)
}

/// Removes an ingredient no pizza uses and no open order holds (admin).
#[utoipa::path(delete, path = "/api/v1/catalogue/ingredients/{key}", tag = "catalogue",
    params(("key" = String, Path)),
    responses((status = 204, description = "removed"),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such ingredient", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "still used or reserved", body = ocpizza_proto::ErrorBody)))]
pub async fn delete_ingredient(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<StatusCode> {
    let user = caller.admin()?;
    let mut tx = state.db.begin().await?;
    let before = current_ingredient(&mut tx, &key)
        .await?
        .ok_or(ApiError::NotFound("ingredient"))?;
    let ids = db::ingredient_ids(&mut tx).await?;
    let id = *ids.get(&key).ok_or(ApiError::NotFound("ingredient"))?;
    let used = db::used_by(&mut tx, id).await?;
    if !used.is_empty() {
        return Err(ApiError::Conflict(format!(
            "ingredient {key} is used by {}",
            used.join(", ")
        )));
    }
    if db::reserved(&mut tx, id).await? > 0 {
        return Err(ApiError::Conflict(format!(
            "ingredient {key} is reserved by open orders"
        )));
    }
    db::delete_ingredient(&mut tx, id).await?;
    let entries: Vec<_> = apply::ingredient_entry(Some(&before), None)
        .into_iter()
        .collect();
    let mut outbox = Outbox::new(Some(user.id));
    apply::publish(&mut tx, &mut outbox, Some(user.id), &entries, true).await?;
    outbox.commit(tx, &state.bus).await?;
    Ok(StatusCode::NO_CONTENT)
}
