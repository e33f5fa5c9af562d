//! New orders of a shop written together. Every order of a shop reserves from the same stock
//! rows and appends to the same streams, so each waits for the previous one's commit; instead,
//! the orders that arrive while one transaction is being written share the next one: one
//! commit (one flush to disk) and one write of their events for the lot.
//!
//! Each order of a batch runs in its own savepoint, so that one order refused (out of stock, a
//! duplicate idempotency key) leaves the others alone. A batch is capped at [`MAX_BATCH`]
//! orders: PostgreSQL keeps the savepoints of a transaction in a small cache, beyond which
//! every session of the server slows down. Should the batch as a whole fail before its commit
//! (or at it), its orders are written again one by one, each with its own answer; an order
//! whose batch did commit although the commit reported an error is found by its tracking
//! token and not written twice.
//!
//! Nobody waits on a writer task that idles: the first order of a shop to find no batch under
//! way starts one, which keeps taking the queued orders until none is left.

use super::service::{Draft, write_placed};
use crate::db::Tx;
use crate::error::{ApiError, ApiResult};
use crate::events::Outbox;
use crate::state::AppState;
use crate::stock::Movements;
use ocpizza_proto::ShopId;
use ocpizza_proto::api::orders::Order;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// The most orders one transaction writes (one savepoint each).
pub const MAX_BATCH: usize = 48;

/// Each shop's queue of orders waiting to be written. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Batches {
    shops: Arc<Mutex<HashMap<ShopId, Queue>>>,
}

#[derive(Debug, Default)]
struct Queue {
    /// Orders ever handed to this queue.
    submitted: u64,
    waiting: Vec<Job>,
    /// Whether a task is writing this shop's orders (it takes the waiting ones next).
    writing: bool,
}

#[derive(Debug)]
struct Job {
    draft: Draft,
    answer: oneshot::Sender<ApiResult<Order>>,
}

/// Writes `draft` with the other orders of its shop waiting meanwhile; returns the order as
/// its placer gets it back once it is committed.
pub(super) async fn place(state: &AppState, draft: Draft) -> ApiResult<Order> {
    let shop = draft.order.shop_id;
    let (answer, answered) = oneshot::channel();
    let start = {
        let mut shops = state.batches.shops.lock().expect("batches lock");
        let queue = shops.entry(shop).or_default();
        queue.waiting.push(Job { draft, answer });
        queue.submitted += 1;
        !std::mem::replace(&mut queue.writing, true)
    };
    if start {
        tokio::spawn(write_queue(state.clone(), shop));
    }
    answered.await.map_err(|_| {
        ApiError::Internal(anyhow::anyhow!(
            "the order was dropped by its writer (see the log)"
        ))
    })?
}

impl Batches {
    /// Orders of `shop` waiting for the batch under way to end.
    pub fn waiting(&self, shop: ShopId) -> usize {
        let shops = self.shops.lock().expect("batches lock");
        shops.get(&shop).map_or(0, |q| q.waiting.len())
    }

    /// Orders of `shop` handed over to be written since the start (written or not yet).
    pub fn submitted(&self, shop: ShopId) -> u64 {
        let shops = self.shops.lock().expect("batches lock");
        shops.get(&shop).map_or(0, |q| q.submitted)
    }
}

/// Says the shop has no writer any more when its writer ends, even by a panic (its orders
/// then get an error; the next order starts a new writer).
struct Writing {
    batches: Batches,
    shop: ShopId,
}

impl Drop for Writing {
    fn drop(&mut self) {
        if let Ok(mut shops) = self.batches.shops.lock()
            && let Some(queue) = shops.get_mut(&self.shop)
        {
            queue.writing = false;
        }
    }
}

/// Writes the shop's waiting orders, batch after batch, until none is left.
async fn write_queue(state: AppState, shop: ShopId) {
    let _writing = Writing {
        batches: state.batches.clone(),
        shop,
    };
    loop {
        let jobs: Vec<Job> = {
            let mut shops = state.batches.shops.lock().expect("batches lock");
            let queue = shops.entry(shop).or_default();
            if queue.waiting.is_empty() {
                queue.writing = false;
                return;
            }
            let n = queue.waiting.len().min(MAX_BATCH);
            queue.waiting.drain(..n).collect()
        };
        let drafts: Vec<&Draft> = jobs.iter().map(|j| &j.draft).collect();
        state.metrics.order_batch(drafts.len());
        let results = match write(&state, &drafts).await {
            Ok(results) => results,
            // An order alone gets its transaction's error, as it would without batches.
            Err(e) if drafts.len() == 1 => vec![Err(e)],
            Err(e) => {
                tracing::warn!(error = %e, orders = drafts.len(), "a batch of orders failed: writing them one by one");
                let mut results = Vec::with_capacity(drafts.len());
                for draft in &drafts {
                    results.push(write_alone(&state, draft).await);
                }
                results
            }
        };
        for (job, result) in jobs.into_iter().zip(results) {
            // The placer may have gone (its client hung up): the order stands all the same.
            let _ = job.answer.send(result);
        }
    }
}

/// Writes one order of a failed batch in its own transaction, unless the batch committed
/// after all (its commit may report an error once done): then the order is there already.
async fn write_alone(state: &AppState, draft: &Draft) -> ApiResult<Order> {
    let mut conn = state.db.pool().acquire().await?;
    if let Some(rec) = super::db::by_token(&mut conn, &draft.token).await? {
        let mut order = rec.order;
        order.tracking_token = Some(rec.tracking_token);
        order.contact.email = rec.contact_email;
        return Ok(order);
    }
    drop(conn);
    let mut results = write(state, &[draft]).await?;
    results.pop().expect("one result per order")
}

/// Writes `drafts` in one transaction: each order's answer, or the error that failed the
/// whole transaction (nothing of it committed, unless the commit itself reported it).
async fn write(state: &AppState, drafts: &[&Draft]) -> ApiResult<Vec<ApiResult<Order>>> {
    let Some(first) = drafts.first() else {
        return Ok(Vec::new());
    };
    let shop = first.order.shop_id;
    let alone = drafts.len() == 1;
    let mut tx = state.db.begin().await?;
    if state.db.backend() == crate::db::Backend::Postgres {
        crate::stock::db::lock_shop(&mut tx, shop).await?;
    }
    let mut moves = Movements::new(shop);
    let mut outbox = Outbox::new(None);
    let mut results = Vec::with_capacity(drafts.len());
    for draft in drafts {
        if alone {
            results
                .push(write_placed(&mut tx, &state.payments, draft, &mut moves, &mut outbox).await);
            continue;
        }
        savepoint(&mut tx, "SAVEPOINT order_draft").await?;
        let (moved, mark) = (moves.clone(), outbox.len());
        match write_placed(&mut tx, &state.payments, draft, &mut moves, &mut outbox).await {
            Ok(order) => {
                savepoint(&mut tx, "RELEASE SAVEPOINT order_draft").await?;
                results.push(Ok(order));
            }
            Err(e) => {
                savepoint(&mut tx, "ROLLBACK TO SAVEPOINT order_draft").await?;
                savepoint(&mut tx, "RELEASE SAVEPOINT order_draft").await?;
                moves = moved;
                outbox.truncate(mark);
                results.push(Err(e));
            }
        }
    }
    if !results.iter().any(Result::is_ok) {
        return Ok(results);
    }
    moves.finish(&mut tx, &mut outbox).await?;
    let published = outbox.write(&mut tx).await?;
    crate::events::commit(tx, published, &state.bus).await?;
    state.eta.placed(
        shop,
        results
            .iter()
            .flatten()
            .filter(|o| o.status == ocpizza_proto::OrderStatus::Placed)
            .map(|o| o.id),
    );
    if results
        .iter()
        .flatten()
        .any(|o| o.payment_method == ocpizza_proto::PaymentMethod::Online)
    {
        state.payments.kick();
    }
    Ok(results)
}

async fn savepoint(tx: &mut Tx, sql: &'static str) -> sqlx::Result<()> {
    sqlx::query(sql).execute(&mut **tx).await.map(|_| ())
}
