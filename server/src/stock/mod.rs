//! Stock per shop: levels, restock, waste, inventory correction, the ledger (managers), and
//! the reservation arithmetic orders use. Every movement also queues a `stock_changed` event
//! and an availability refresh through [`Movements::finish`].

pub mod db;

use crate::auth::Caller;
use crate::db::Tx;
use crate::db::script::Script;
use crate::error::{ApiError, ApiResult};
use crate::events::Outbox;
use crate::extract::{Json, Path, Query};
use crate::menu::db::PizzaSpec;
use crate::state::AppState;
use crate::validate;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use db::{Cause, LedgerRow};
use ocpizza_proto::api::menu::band;
use ocpizza_proto::api::stock::{
    LedgerEntry, LedgerKind, StockCorrection, StockLevel, StockList, StockMovement,
};
use ocpizza_proto::events::{Event, Stream};
use ocpizza_proto::{IngredientId, ShopId, StaffRole, UserId};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// Quantities per ingredient; a `BTreeMap` so rows are always locked in ingredient order.
pub type Needs = BTreeMap<IngredientId, i64>;

/// A shop's stock levels read at the start of a transaction that holds them (see
/// [`db::hold`]), moved in memory as its orders reserve, and what they reserved in all.
#[derive(Debug, Clone, Default)]
pub struct Held {
    levels: BTreeMap<IngredientId, StockLevel>,
    moved: Needs,
}

impl Held {
    /// Begins a write transaction that holds the stock of `shop` until its end; also gives
    /// the pizzas switched off there and, on SQLite, the rows of `beside`, read with it (see
    /// [`db::hold`]).
    pub async fn begin(
        db: &crate::db::Db,
        shop: ShopId,
        beside: Option<&db::Beside>,
    ) -> sqlx::Result<(Tx, Held, db::Holding)> {
        let (tx, mut holding) = db::hold(db, shop, beside).await?;
        let held = Held {
            levels: std::mem::take(&mut holding.levels),
            moved: Needs::new(),
        };
        Ok((tx, held, holding))
    }

    /// The name of an ingredient of the shop's stock.
    pub fn name(&self, ingredient: IngredientId) -> Option<&str> {
        self.levels.get(&ingredient).map(|l| l.name.as_str())
    }

    /// Whether what was reserved from these levels moved a size of `catalogue` to another
    /// band of the menu's availability: a size that takes an ingredient reserved, of which
    /// the levels allowed a count in one band before and allow one in another now. A size
    /// short of something else (a few portions of basil left, plenty of dough) keeps its
    /// count when the dough moves. Otherwise the menu has nothing to say: what it last
    /// published (see [`crate::menu::availability`]) is what every change of stock,
    /// recipes or switched-off pizzas left it, and the levels are held.
    pub fn may_move_bands(&self, catalogue: &[PizzaSpec]) -> bool {
        // How many of a size the levels allow, before this batch's reservations or after.
        let count = |pizza: &PizzaSpec, size: &str, before: bool| {
            pizza
                .recipe_for(size)
                .map(|p| {
                    let free = self
                        .levels
                        .get(&p.ingredient_id)
                        .map_or(0, |l| l.on_hand - l.reserved);
                    let back = if before {
                        self.moved.get(&p.ingredient_id).copied().unwrap_or(0)
                    } else {
                        0
                    };
                    (free + back) / p.quantity.max(1)
                })
                .min()
                .map(band)
        };
        catalogue.iter().any(|pizza| {
            pizza.sizes.iter().any(|size| {
                let mut recipe = pizza.recipe_for(&size.code);
                recipe.any(|p| self.moved.contains_key(&p.ingredient_id))
                    && count(pizza, &size.code, true) != count(pizza, &size.code, false)
            })
        })
    }
}

/// The stock movements of one transaction, remembered to publish them together.
#[derive(Debug, Clone)]
pub struct Movements {
    shop: ShopId,
    changed: BTreeSet<IngredientId>,
    /// Written together by [`Movements::finish`]: one statement instead of one per movement,
    /// each a round trip made while holding the stock rows' locks.
    ledger: Vec<LedgerRow>,
    /// The last row of [`Movements::ledger`] for an ingredient, when it holds reservations
    /// made by [`Movements::reserve_held`] for the orders of one account (or of guests), and
    /// that account: the next such order of that account joins it.
    reserved_rows: BTreeMap<IngredientId, (Option<UserId>, usize)>,
}

impl Movements {
    /// Nothing moved yet in `shop`.
    pub fn new(shop: ShopId) -> Movements {
        Movements {
            shop,
            changed: BTreeSet::new(),
            ledger: Vec::new(),
            reserved_rows: BTreeMap::new(),
        }
    }

    /// Applies one movement; `Ok(false)` when the guard refused it.
    pub async fn apply(
        &mut self,
        tx: &mut Tx,
        ingredient: IngredientId,
        kind: LedgerKind,
        delta_on_hand: i64,
        delta_reserved: i64,
        cause: Cause<'_>,
    ) -> sqlx::Result<bool> {
        let Some(after) =
            db::apply(tx, self.shop, ingredient, delta_on_hand, delta_reserved).await?
        else {
            return Ok(false);
        };
        if delta_on_hand != 0 || delta_reserved != 0 {
            self.changed.insert(ingredient);
            let deltas = (delta_on_hand, delta_reserved);
            self.ledger
                .push(LedgerRow::new(ingredient, kind, deltas, after, cause));
        }
        Ok(true)
    }

    /// Reserves every quantity of `needs`; on the first shortage returns that ingredient
    /// (the caller rolls the transaction back).
    pub async fn reserve(
        &mut self,
        tx: &mut Tx,
        needs: &Needs,
        cause: Cause<'_>,
    ) -> sqlx::Result<Result<(), IngredientId>> {
        for (ingredient, qty) in needs {
            if !self
                .apply(tx, *ingredient, LedgerKind::Reservation, 0, *qty, cause)
                .await?
            {
                return Ok(Err(*ingredient));
            }
        }
        Ok(Ok(()))
    }

    /// Reserves every quantity of `needs` from `held` (the shop's levels, locked: see
    /// [`Held`]), in memory, all or nothing: on a shortage returns the first ingredient short
    /// and moves nothing. The database follows in [`Movements::write_held`].
    ///
    /// The orders reserved together share their ledger rows: one per ingredient for orders
    /// that follow each other from one account (or from guests), with the sum, the levels
    /// after the last, the first order in `order` and all of them in `orders`. The levels
    /// each row gives follow the rows' order.
    pub fn reserve_held(
        &mut self,
        held: &mut Held,
        needs: &Needs,
        cause: Cause<'_>,
    ) -> Result<(), IngredientId> {
        for (ingredient, qty) in needs {
            match held.levels.get(ingredient) {
                Some(l) if l.on_hand - l.reserved >= *qty && l.reserved + qty >= 0 => {}
                _ => return Err(*ingredient),
            }
        }
        for (ingredient, qty) in needs {
            if *qty == 0 {
                continue;
            }
            let level = held.levels.get_mut(ingredient).expect("checked above");
            level.reserved += qty;
            level.low = level.on_hand - level.reserved < level.low_threshold;
            *held.moved.entry(*ingredient).or_default() += qty;
            self.changed.insert(*ingredient);
            let after = (level.on_hand, level.reserved);
            // Only an order's own reservation joins a row (an edit's has its reason).
            let joining = cause.order.filter(|_| cause.reason.is_none());
            let shared = joining.and_then(|order| {
                self.reserved_rows
                    .get(ingredient)
                    .filter(|(user, _)| *user == cause.user)
                    .map(|(_, row)| (order, *row))
            });
            if let Some((order, row)) = shared {
                let row = &mut self.ledger[row];
                row.delta_reserved += qty;
                row.after = after;
                if row.orders.is_empty() {
                    row.orders.extend(row.order);
                }
                row.orders.push(order);
                continue;
            }
            if joining.is_some() {
                self.reserved_rows
                    .insert(*ingredient, (cause.user, self.ledger.len()));
            } else {
                self.reserved_rows.remove(ingredient);
            }
            self.ledger.push(LedgerRow::new(
                *ingredient,
                LedgerKind::Reservation,
                (0, *qty),
                after,
                cause,
            ));
        }
        Ok(())
    }

    /// Writes what [`Movements::reserve_held`] reserved with `script`, in one guarded
    /// statement. The guard still holds in the database: should a level not be what `held`
    /// says, the script fails and the caller rolls back.
    pub fn write_held(&self, conn: &sqlx::AnyConnection, script: &mut Script<'_>, held: &Held) {
        db::reserve_many(conn, script, self.shop, &held.moved);
    }

    /// Gives back reserved quantities.
    pub async fn release(
        &mut self,
        tx: &mut Tx,
        needs: &Needs,
        cause: Cause<'_>,
    ) -> sqlx::Result<()> {
        for (ingredient, qty) in needs {
            self.apply(tx, *ingredient, LedgerKind::Release, 0, -qty, cause)
                .await?;
        }
        Ok(())
    }

    /// Turns reserved quantities into consumption (the kitchen started the order).
    pub async fn consume(
        &mut self,
        tx: &mut Tx,
        needs: &Needs,
        cause: Cause<'_>,
    ) -> sqlx::Result<()> {
        for (ingredient, qty) in needs {
            self.apply(tx, *ingredient, LedgerKind::Consumption, -qty, -qty, cause)
                .await?;
        }
        Ok(())
    }

    /// Writes the ledger rows, and queues the `stock_changed` event and the availability
    /// refresh, if anything moved. Every transaction that moves stock ends with this.
    pub async fn finish(mut self, tx: &mut Tx, outbox: &mut Outbox) -> sqlx::Result<()> {
        let mut script = Script::new();
        db::insert_ledger(tx, &mut script, self.shop, std::mem::take(&mut self.ledger));
        script.run(tx).await?;
        if self.changed.is_empty() {
            return Ok(());
        }
        let items: Vec<StockLevel> = db::levels(&mut **tx, self.shop)
            .await?
            .into_iter()
            .filter(|l| self.changed.contains(&l.ingredient_id))
            .collect();
        self.publish(items, outbox, true);
        Ok(())
    }

    /// [`Movements::finish`] for movements made on `held` (and written by
    /// [`Movements::write_held`]), the ledger rows left in `script`: the levels the event
    /// gives are those held, not read again.
    ///
    /// `catalogue` (its recipes) tells whether the menu's availability may have moved: when
    /// no band can have, its refresh is left out.
    pub fn finish_held(
        mut self,
        conn: &sqlx::AnyConnection,
        script: &mut Script<'_>,
        outbox: &mut Outbox,
        held: &Held,
        catalogue: &[PizzaSpec],
    ) {
        let ledger = std::mem::take(&mut self.ledger);
        db::insert_ledger(conn, script, self.shop, ledger);
        if self.changed.is_empty() {
            return;
        }
        let mut items: Vec<StockLevel> = self
            .changed
            .iter()
            .filter_map(|id| held.levels.get(id).cloned())
            .collect();
        // As [`db::levels`] gives them.
        items.sort_by(|a, b| a.name.cmp(&b.name));
        let refresh = held.may_move_bands(catalogue);
        self.publish(items, outbox, refresh);
    }

    /// Queues the `stock_changed` event of `items`, and the availability refresh if asked.
    fn publish(self, items: Vec<StockLevel>, outbox: &mut Outbox, refresh: bool) {
        outbox.push(
            vec![Stream::ShopStock(self.shop)],
            Event::StockChanged {
                shop_id: self.shop,
                items,
            },
        );
        if refresh {
            outbox.refresh_availability(self.shop);
        }
    }
}

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/shops/{id}/stock", get(list))
        .route("/api/v1/shops/{id}/stock/restock", post(restock))
        .route("/api/v1/shops/{id}/stock/waste", post(waste))
        .route("/api/v1/shops/{id}/stock/correction", post(correction))
        .route("/api/v1/shops/{id}/stock/ledger", get(ledger))
}

/// Stock levels of a shop (its managers and cooks, admin).
#[utoipa::path(get, path = "/api/v1/shops/{id}/stock", tag = "stock", params(("id" = i64, Path)),
    responses((status = 200, body = StockList),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not a manager or cook of this shop", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such shop", body = ocpizza_proto::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<StockList>> {
    let shop = ShopId(id);
    caller.staff(shop, &[StaffRole::Manager, StaffRole::Cook])?;
    crate::shops::require(&state, shop).await?;
    let pool = state.db.pool();
    let stream_seq = crate::events::db::head(pool, &Stream::ShopStock(shop).to_string()).await?;
    Ok(Json(StockList {
        shop_id: shop,
        stream_seq,
        items: db::levels(pool, shop).await?,
    }))
}

/// A manager's stock operation.
#[derive(Debug, Clone, Copy)]
enum Op {
    Restock(i64),
    Waste(i64),
    Count {
        on_hand: i64,
        low_threshold: Option<i64>,
    },
}

impl Op {
    fn kind(self) -> LedgerKind {
        match self {
            Op::Restock(_) => LedgerKind::Restock,
            Op::Waste(_) => LedgerKind::Waste,
            Op::Count { .. } => LedgerKind::Correction,
        }
    }

    async fn apply(
        self,
        tx: &mut Tx,
        moves: &mut Movements,
        ingredient: IngredientId,
        cause: Cause<'_>,
    ) -> ApiResult<()> {
        let kind = self.kind();
        match self {
            Op::Restock(qty) => {
                moves.apply(tx, ingredient, kind, qty, 0, cause).await?;
            }
            Op::Waste(qty) => {
                if !moves.apply(tx, ingredient, kind, -qty, 0, cause).await? {
                    return Err(ApiError::Conflict(
                        "cannot waste more than the free stock (on hand minus reserved)".into(),
                    ));
                }
            }
            Op::Count {
                on_hand,
                low_threshold,
            } => {
                // Lock the row and read its level, then move it to the counted quantity.
                let (current, reserved) = db::apply(tx, moves.shop, ingredient, 0, 0)
                    .await?
                    .ok_or(ApiError::NotFound("stock"))?;
                if on_hand < reserved {
                    return Err(ApiError::field(
                        "on_hand",
                        format!("{reserved} are reserved by placed orders; count at least that"),
                    ));
                }
                moves
                    .apply(tx, ingredient, kind, on_hand - current, 0, cause)
                    .await?;
                if let Some(t) = low_threshold {
                    db::set_threshold(tx, moves.shop, ingredient, t).await?;
                    moves.changed.insert(ingredient);
                }
            }
        }
        Ok(())
    }
}

/// Runs one manager operation in its own transaction, with its events.
async fn operate(
    state: &AppState,
    caller: &Caller,
    shop: ShopId,
    ingredient: IngredientId,
    op: Op,
    reason: Option<&str>,
) -> ApiResult<Json<StockLevel>> {
    let user = caller.staff(shop, &[StaffRole::Manager])?;
    crate::shops::require(state, shop).await?;
    if db::ingredient_name(state.db.pool(), ingredient)
        .await?
        .is_none()
    {
        return Err(ApiError::field("ingredient_id", "no such ingredient"));
    }
    let cause = Cause {
        order: None,
        user: Some(user.id),
        reason,
    };
    let mut tx = state.db.begin().await?;
    db::ensure_row(&mut tx, shop, ingredient).await?;
    let before = db::apply(&mut tx, shop, ingredient, 0, 0).await?;
    let mut moves = Movements::new(shop);
    op.apply(&mut tx, &mut moves, ingredient, cause).await?;
    let mut outbox = Outbox::new(Some(user.id));
    moves.finish(&mut tx, &mut outbox).await?;
    let published = outbox.write(&mut tx).await?;
    let level = db::levels(&mut *tx, shop)
        .await?
        .into_iter()
        .find(|l| l.ingredient_id == ingredient)
        .ok_or(ApiError::NotFound("stock"))?;
    let entry = crate::audit::Entry::new(
        match op.kind() {
            LedgerKind::Restock => "stock.restock",
            LedgerKind::Waste => "stock.waste",
            _ => "stock.correction",
        },
        format!("ingredient:{}", ingredient.0),
    )
    .shop(shop)
    .reason(reason.map(str::to_owned))
    .change(
        before.map(
            |(on_hand, reserved)| serde_json::json!({ "on_hand": on_hand, "reserved": reserved }),
        ),
        Some(serde_json::json!({
            "on_hand": level.on_hand,
            "reserved": level.reserved,
            "low_threshold": level.low_threshold,
            "ingredient": level.name,
        })),
    );
    crate::audit::record(&mut tx, Some(user.id), &[entry]).await?;
    crate::events::commit(tx, published, &state.bus).await?;
    tracing::info!(shop = %shop, ingredient = %ingredient, kind = op.kind().as_str(), "stock moved");
    Ok(Json(level))
}

fn positive(quantity: i64) -> ApiResult<i64> {
    if (1..=10_000_000).contains(&quantity) {
        Ok(quantity)
    } else {
        Err(ApiError::field(
            "quantity",
            "must be between 1 and 10000000",
        ))
    }
}

/// Restock and waste: a positive quantity of one ingredient, with an optional reason.
async fn movement(
    state: &AppState,
    caller: &Caller,
    shop: i64,
    req: StockMovement,
    op: fn(i64) -> Op,
) -> ApiResult<Json<StockLevel>> {
    let op = op(positive(req.quantity)?);
    let reason = validate::optional_text("reason", req.reason.as_deref(), 200)?;
    operate(
        state,
        caller,
        ShopId(shop),
        req.ingredient_id,
        op,
        reason.as_deref(),
    )
    .await
}

/// Goods received (manager of the shop, admin).
#[utoipa::path(post, path = "/api/v1/shops/{id}/stock/restock", tag = "stock",
    params(("id" = i64, Path)), request_body = StockMovement, responses((status = 200, body = StockLevel),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not a manager of this shop", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such shop", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "a field is invalid, or no such ingredient", body = ocpizza_proto::ErrorBody)))]
pub async fn restock(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<StockMovement>,
) -> ApiResult<Json<StockLevel>> {
    movement(&state, &caller, id, req, Op::Restock).await
}

/// Thrown away (manager of the shop, admin). Reserved stock cannot be wasted.
#[utoipa::path(post, path = "/api/v1/shops/{id}/stock/waste", tag = "stock",
    params(("id" = i64, Path)), request_body = StockMovement, responses((status = 200, body = StockLevel),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not a manager of this shop", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such shop", body = ocpizza_proto::ErrorBody),
              (status = 409, description = "more than the free stock (on hand minus reserved)", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "a field is invalid, or no such ingredient", body = ocpizza_proto::ErrorBody)))]
pub async fn waste(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<StockMovement>,
) -> ApiResult<Json<StockLevel>> {
    movement(&state, &caller, id, req, Op::Waste).await
}

/// Inventory count: sets on-hand to what was counted (manager of the shop, admin).
#[utoipa::path(post, path = "/api/v1/shops/{id}/stock/correction", tag = "stock",
    params(("id" = i64, Path)), request_body = StockCorrection, responses((status = 200, body = StockLevel),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not a manager of this shop", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such shop", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "a field is invalid, or no such ingredient", body = ocpizza_proto::ErrorBody)))]
pub async fn correction(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<StockCorrection>,
) -> ApiResult<Json<StockLevel>> {
    if !(0..=10_000_000).contains(&req.on_hand) {
        return Err(ApiError::field("on_hand", "must be between 0 and 10000000"));
    }
    if req
        .low_threshold
        .is_some_and(|t| !(0..=10_000_000).contains(&t))
    {
        return Err(ApiError::field(
            "low_threshold",
            "must be between 0 and 10000000",
        ));
    }
    let reason = validate::text("reason", &req.reason, 1, 200)?;
    let op = Op::Count {
        on_hand: req.on_hand,
        low_threshold: req.low_threshold,
    };
    operate(
        &state,
        &caller,
        ShopId(id),
        req.ingredient_id,
        op,
        Some(&reason),
    )
    .await
}

/// Filters of the ledger.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LedgerQuery {
    /// Only this ingredient.
    pub ingredient_id: Option<i64>,
    /// Rows with an id below this (paging).
    pub before: Option<i64>,
    /// At most this many rows (default 100, max 500).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// Stock movements of a shop, newest first (manager of the shop, admin).
#[utoipa::path(get, path = "/api/v1/shops/{id}/stock/ledger", tag = "stock",
    params(("id" = i64, Path), LedgerQuery), responses((status = 200, body = Vec<LedgerEntry>),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not a manager of this shop", body = ocpizza_proto::ErrorBody),
              (status = 422, description = "`limit` is out of range", body = ocpizza_proto::ErrorBody)))]
pub async fn ledger(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<LedgerQuery>,
) -> ApiResult<Json<Vec<LedgerEntry>>> {
    let shop = ShopId(id);
    caller.staff(shop, &[StaffRole::Manager])?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("query.limit", "must be between 1 and 500"));
    }
    Ok(Json(
        db::ledger(
            state.db.pool(),
            shop,
            q.ingredient_id.map(IngredientId),
            q.before,
            limit,
        )
        .await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::menu::db::{Portion, SizeSpec};
    use ocpizza_proto::api::Unit;
    use ocpizza_proto::api::menu::MANY;
    use ocpizza_proto::{Money, OrderId, PizzaId};

    const DOUGH: IngredientId = IngredientId(1);
    const BASIL: IngredientId = IngredientId(2);
    const EGG: IngredientId = IngredientId(3);

    /// A shop holding `free` of each ingredient (none reserved).
    fn held(free: &[(IngredientId, i64)]) -> Held {
        let levels = free
            .iter()
            .map(|(id, qty)| {
                let level = StockLevel {
                    ingredient_id: *id,
                    name: format!("ingredient {id}"),
                    unit: Unit::G,
                    on_hand: *qty,
                    reserved: 0,
                    low_threshold: 0,
                    low: false,
                };
                (*id, level)
            })
            .collect();
        Held {
            levels,
            moved: Needs::new(),
        }
    }

    /// One pizza, one size, taking `recipe`.
    fn pizza(recipe: &[(IngredientId, i64)]) -> PizzaSpec {
        PizzaSpec {
            id: PizzaId(1),
            name: "Margherita".into(),
            description: String::new(),
            oven_minutes: 8,
            oven_temp_c: 300,
            sizes: vec![SizeSpec {
                code: "medium".into(),
                label: "Moyenne".into(),
                price: Money(1000),
            }],
            recipe: recipe
                .iter()
                .map(|(id, qty)| Portion {
                    size: "medium".into(),
                    ingredient_id: *id,
                    name: String::new(),
                    unit: Unit::G,
                    quantity: *qty,
                    price: Money(0),
                    allergens: "[]".into(),
                })
                .collect(),
            extras: Vec::new(),
        }
    }

    fn reserve(held: &mut Held, needs: &[(IngredientId, i64)]) {
        let needs: Needs = needs.iter().copied().collect();
        Movements::new(ShopId(1))
            .reserve_held(held, &needs, Cause::default())
            .expect("enough stock");
    }

    #[test]
    fn only_a_size_left_with_few_portions_of_what_moved_can_move_a_band() {
        let catalogue = [pizza(&[(DOUGH, 250), (BASIL, 4)])];
        let mut plenty = held(&[(DOUGH, 250 * 100), (BASIL, 4 * 100), (EGG, 10)]);
        reserve(&mut plenty, &[(DOUGH, 250), (BASIL, 4)]);
        assert!(!plenty.may_move_bands(&catalogue), "99 left: many still");

        let mut few = held(&[(DOUGH, 250 * 100), (BASIL, 4 * (MANY + 1)), (EGG, 10)]);
        reserve(&mut few, &[(DOUGH, 250), (BASIL, 4)]);
        assert!(!few.may_move_bands(&catalogue), "exactly many left");
        reserve(&mut few, &[(DOUGH, 250), (BASIL, 4)]);
        assert!(few.may_move_bands(&catalogue), "few left now");

        // An extra moves no size's count; the short basil did not move.
        let mut extra = held(&[(DOUGH, 250 * 100), (BASIL, 4), (EGG, 10)]);
        reserve(&mut extra, &[(EGG, 1)]);
        assert!(!extra.may_move_bands(&catalogue));
        // Dough moved, but the size it goes in is short of basil: still one, nothing moved.
        reserve(&mut extra, &[(DOUGH, 250)]);
        assert!(
            !extra.may_move_bands(&catalogue),
            "one left, for want of basil"
        );

        // Until the dough is what runs out.
        let mut last = held(&[(DOUGH, 250 * 2), (BASIL, 4), (EGG, 10)]);
        reserve(&mut last, &[(DOUGH, 250)]);
        assert!(!last.may_move_bands(&catalogue), "one portion of each left");
        reserve(&mut last, &[(DOUGH, 250)]);
        assert!(last.may_move_bands(&catalogue), "no dough left: none");
    }

    #[test]
    fn orders_reserved_together_share_a_ledger_row_per_ingredient_while_one_account_follows_another()
     {
        let mut stock = held(&[(DOUGH, 10_000), (BASIL, 100)]);
        let mut moves = Movements::new(ShopId(1));
        let cook = Some(UserId(7));
        let orders = [
            (OrderId(11), None, vec![(DOUGH, 250), (BASIL, 4)]),
            (OrderId(12), cook, vec![(DOUGH, 500)]),
            (OrderId(13), None, vec![(DOUGH, 250), (BASIL, 8)]),
        ];
        for (order, user, needs) in &orders {
            let needs: Needs = needs.iter().copied().collect();
            let cause = Cause {
                order: Some(*order),
                user: *user,
                reason: None,
            };
            moves.reserve_held(&mut stock, &needs, cause).unwrap();
        }
        let rows: Vec<_> = moves
            .ledger
            .iter()
            .map(|r| {
                (
                    r.ingredient,
                    r.user,
                    r.delta_reserved,
                    r.after,
                    r.order,
                    r.orders.clone(),
                )
            })
            .collect();
        let (guests, them) = (None, vec![OrderId(11), OrderId(13)]);
        assert_eq!(
            rows,
            [
                (DOUGH, guests, 250, (10_000, 250), Some(OrderId(11)), vec![]),
                (BASIL, guests, 12, (100, 12), Some(OrderId(11)), them),
                (DOUGH, cook, 500, (10_000, 750), Some(OrderId(12)), vec![]),
                (
                    DOUGH,
                    guests,
                    250,
                    (10_000, 1_000),
                    Some(OrderId(13)),
                    vec![]
                ),
            ],
            "the dough's rows give its levels in turn: the cook's order came between"
        );
        // A movement with its own reason (an edit) keeps its own row.
        let edit = Cause {
            order: Some(OrderId(11)),
            user: None,
            reason: Some("order edited"),
        };
        let more: Needs = [(DOUGH, 250)].into_iter().collect();
        moves.reserve_held(&mut stock, &more, edit).unwrap();
        let guest = Cause {
            order: Some(OrderId(14)),
            ..Cause::default()
        };
        moves.reserve_held(&mut stock, &more, guest).unwrap();
        let last: Vec<_> = moves.ledger[4..]
            .iter()
            .map(|r| (r.delta_reserved, r.after.1, r.order, r.orders.len()))
            .collect();
        assert_eq!(
            last,
            [
                (250, 1_250, Some(OrderId(11)), 0),
                (250, 1_500, Some(OrderId(14)), 0)
            ]
        );
    }
}
