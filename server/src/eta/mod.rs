//! Estimated times: what a shop promises to a new order, and the live estimate of each order
//! as it moves. The estimate itself is [`model`], a pure function; this module reads its
//! inputs (the shop's recent stage times and its kitchen queue) and serves
//! `GET /api/v1/shops/{id}/eta`.
//!
//! Menu and checkout views ask for the shop's estimate often, so its inputs are cached per shop
//! for a few seconds and dropped whenever an order of the shop changes. A status change
//! computes its order's estimate inside its own transaction instead, from what it just wrote.

pub mod db;
pub mod model;

use crate::error::ApiResult;
use crate::extract::{Json, Path};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use db::KitchenQueue;
use jiff::Timestamp;
use model::{Durations, Queue, Stage};
use ocpizza_proto::api::eta::ShopEta;
use ocpizza_proto::api::orders::Order;
use ocpizza_proto::{Fulfilment, OrderStatus, ShopId};
use sqlx::AnyConnection;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/shops/{id}/eta", get(shop_eta))
}

/// What the estimate of a shop's orders needs: its usual durations and its kitchen queue.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// Usual stage durations over the recent window.
    pub durations: Durations,
    /// Orders waiting and being prepared.
    pub queue: KitchenQueue,
}

impl Inputs {
    /// Reads the inputs of `shop` as of `now`.
    pub async fn load(ex: &mut AnyConnection, shop: ShopId, now: Timestamp) -> sqlx::Result<Self> {
        let since = now.as_millisecond() - db::WINDOW_MS;
        let history = db::history(ex, shop, since).await?;
        Ok(Inputs {
            durations: Durations::from_history(&history, Durations::DEFAULT),
            queue: db::queue(ex, shop).await?,
        })
    }

    /// When an order placed now would be ready (pickup) or delivered.
    pub fn new_order(&self, fulfilment: Fulfilment, now: Timestamp) -> Timestamp {
        let queue = Queue {
            preparing_since: self.queue.preparing_since.clone(),
            waiting_ahead: self.queue.waiting.len(),
        };
        let stage = Stage::Waiting { placed_at: now };
        model::estimate(stage, &queue, &self.durations, now, fulfilment)
    }

    /// The current estimate of `order`, `None` once it is finished.
    pub fn order(&self, order: &Order, now: Timestamp) -> Option<Timestamp> {
        if order.status.is_terminal() {
            return None;
        }
        let waiting_ahead = match order.status {
            OrderStatus::AwaitingPayment => self.queue.waiting.len(),
            // `waiting` is in id order.
            _ => self.queue.waiting.partition_point(|id| *id < order.id),
        };
        let queue = Queue {
            preparing_since: self.queue.preparing_since.clone(),
            waiting_ahead,
        };
        let stage = model::stage_of(&order.times, now);
        Some(model::estimate(
            stage,
            &queue,
            &self.durations,
            now,
            order.fulfilment,
        ))
    }
}

/// How long a shop's inputs are used before they are read again (in the background: callers
/// meanwhile keep the ones they have) when no order of the shop changed.
const FRESH_FOR: Duration = Duration::from_secs(5);

/// A shop's inputs as last read.
#[derive(Debug)]
struct Entry {
    read: Instant,
    inputs: Arc<Inputs>,
    /// Whether a task is reading them again.
    refreshing: bool,
}

/// What the cache knows of each shop.
#[derive(Debug, Default)]
struct Shops {
    entries: HashMap<ShopId, Entry>,
    /// Bumped when a shop's inputs are dropped: a read begun before does not store its result.
    generations: HashMap<ShopId, u64>,
    /// One read of a shop's inputs at a time: the requests that find none wait for it instead
    /// of each reading the whole kitchen queue.
    loading: HashMap<ShopId, Arc<tokio::sync::Mutex<()>>>,
}

/// Each shop's inputs as last read; a cheap handle shared by the app.
#[derive(Debug, Clone, Default)]
pub struct Cache(Arc<Mutex<Shops>>);

impl Cache {
    /// The shop's inputs: read when the cache has none (one read at a time per shop), read
    /// again in the background when older than a few seconds.
    pub async fn inputs(&self, state: &AppState, shop: ShopId) -> sqlx::Result<Arc<Inputs>> {
        if let Some(inputs) = self.cached(state, shop) {
            return Ok(inputs);
        }
        let gate = self.gate(shop);
        let _one_at_a_time = gate.lock().await;
        // The read this one waited for may have brought them.
        if let Some(inputs) = self.cached(state, shop) {
            return Ok(inputs);
        }
        self.load(state, shop).await
    }

    /// The shop's inputs if there are any, starting a background read when they are old.
    fn cached(&self, state: &AppState, shop: ShopId) -> Option<Arc<Inputs>> {
        let mut shops = self.lock();
        let entry = shops.entries.get_mut(&shop)?;
        if entry.read.elapsed() >= FRESH_FOR && !entry.refreshing {
            entry.refreshing = true;
            let (cache, state) = (self.clone(), state.clone());
            tokio::spawn(async move {
                let gate = cache.gate(shop);
                let _one_at_a_time = gate.lock().await;
                if let Err(e) = cache.load(&state, shop).await {
                    tracing::warn!(error = %e, shop = shop.0, "reading the kitchen queue for estimates failed");
                    if let Some(entry) = cache.lock().entries.get_mut(&shop) {
                        entry.refreshing = false;
                    }
                }
            });
        }
        Some(entry.inputs.clone())
    }

    /// What a read of the shop's inputs holds while it runs.
    fn gate(&self, shop: ShopId) -> Arc<tokio::sync::Mutex<()>> {
        self.lock().loading.entry(shop).or_default().clone()
    }

    /// Reads the shop's inputs and keeps them, unless they were dropped meanwhile.
    async fn load(&self, state: &AppState, shop: ShopId) -> sqlx::Result<Arc<Inputs>> {
        let generation = self.lock().generations.get(&shop).copied();
        let mut conn = state.db.pool().acquire().await?;
        let inputs = Arc::new(Inputs::load(&mut conn, shop, Timestamp::now()).await?);
        let mut shops = self.lock();
        if shops.generations.get(&shop).copied() == generation {
            let entry = Entry {
                read: Instant::now(),
                inputs: inputs.clone(),
                refreshing: false,
            };
            shops.entries.insert(shop, entry);
        }
        Ok(inputs)
    }

    /// Drops the shop's inputs: one of its orders changed.
    pub fn forget(&self, shop: ShopId) {
        let mut shops = self.lock();
        shops.entries.remove(&shop);
        *shops.generations.entry(shop).or_default() += 1;
    }

    /// Counts new orders of the shop waiting for the kitchen (placed, not awaiting payment) in
    /// its inputs, instead of reading its whole queue again: a busy shop takes many.
    pub fn placed(&self, shop: ShopId, orders: impl IntoIterator<Item = ocpizza_proto::OrderId>) {
        if let Some(entry) = self.lock().entries.get_mut(&shop) {
            let waiting = &mut Arc::make_mut(&mut entry.inputs).queue.waiting;
            for id in orders {
                // New orders have the highest ids: appended, in order, almost always.
                match waiting.last() {
                    Some(last) if *last >= id => {
                        if let Err(at) = waiting.binary_search(&id) {
                            waiting.insert(at, id);
                        }
                    }
                    _ => waiting.push(id),
                }
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shops> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The estimate of `order` within the transaction that just changed it.
pub async fn in_transaction(
    ex: &mut AnyConnection,
    order: &Order,
) -> sqlx::Result<Option<Timestamp>> {
    if order.status.is_terminal() {
        return Ok(None);
    }
    let now = Timestamp::now();
    Ok(Inputs::load(ex, order.shop_id, now)
        .await?
        .order(order, now))
}

/// What the shop would promise to an order placed now, for pickup and for delivery (public):
/// the estimate with its margin, rounded up to five minutes ([`model::promise`]).
#[utoipa::path(get, path = "/api/v1/shops/{id}/eta", tag = "shops", params(("id" = i64, Path)),
    responses((status = 200, body = ShopEta), (status = 404, body = ocpizza_proto::ErrorBody)))]
pub async fn shop_eta(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<ShopEta>> {
    let shop = crate::shops::require(&state, ShopId(id)).await?;
    let inputs = state.eta.inputs(&state, shop.id).await?;
    let now = Timestamp::now();
    Ok(Json(ShopEta {
        shop_id: shop.id,
        pickup_at: model::promise(now, inputs.new_order(Fulfilment::Pickup, now)),
        delivery_at: model::promise(now, inputs.new_order(Fulfilment::Delivery, now)),
        orders_waiting: u32::try_from(inputs.queue.waiting.len()).unwrap_or(u32::MAX),
        timezone: shop.timezone,
    }))
}
