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
            _ => self
                .queue
                .waiting
                .iter()
                .filter(|id| **id < order.id)
                .count(),
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

/// How long a shop's inputs are reused when no order of the shop changed.
const FRESH_FOR: Duration = Duration::from_secs(5);

/// Each shop's inputs with when they were read.
type Shops = HashMap<ShopId, (Instant, Arc<Inputs>)>;

/// Each shop's inputs as last read; a cheap handle shared by the app.
#[derive(Debug, Clone, Default)]
pub struct Cache(Arc<Mutex<Shops>>);

impl Cache {
    /// The shop's inputs, read again when older than a few seconds or dropped.
    pub async fn inputs(&self, state: &AppState, shop: ShopId) -> sqlx::Result<Arc<Inputs>> {
        let cached = self
            .lock()
            .get(&shop)
            .filter(|(read, _)| read.elapsed() < FRESH_FOR)
            .map(|(_, inputs)| inputs.clone());
        if let Some(inputs) = cached {
            return Ok(inputs);
        }
        let mut conn = state.db.pool().acquire().await?;
        let inputs = Arc::new(Inputs::load(&mut conn, shop, Timestamp::now()).await?);
        self.lock().insert(shop, (Instant::now(), inputs.clone()));
        Ok(inputs)
    }

    /// Drops the shop's inputs: one of its orders changed.
    pub fn forget(&self, shop: ShopId) {
        self.lock().remove(&shop);
    }

    /// Counts new orders of the shop waiting for the kitchen (placed, not awaiting payment) in
    /// its inputs, instead of reading its whole queue again: a busy shop takes many.
    pub fn placed(&self, shop: ShopId, orders: impl IntoIterator<Item = ocpizza_proto::OrderId>) {
        if let Some((_, inputs)) = self.lock().get_mut(&shop) {
            let waiting = &mut Arc::make_mut(inputs).queue.waiting;
            waiting.extend(orders);
            waiting.sort_unstable();
            waiting.dedup();
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
