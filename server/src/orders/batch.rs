//! New orders of a shop written together. Every order of a shop reserves from the same stock
//! rows and appends to the same streams, so each waits for the previous one's commit; instead,
//! the orders that arrive while one transaction is being written share the next one: one
//! commit (one flush to disk) and one write of their events for the lot.
//!
//! The shop's stock is read and held at the start of a batch, and which of its orders it allows
//! is decided in memory: out of stock, or past its phone's allowance of web orders waiting for
//! a shop (the batch's phones are counted once as the stock is taken, then counted on as the
//! batch accepts their orders, so that orders sent at once from one phone cannot each pass).
//! An order refused touches nothing, and the others are written together, one statement for
//! all their rows, one for their lines, one for their reservations, one guarded statement for
//! the stock they take. On SQLite, whose writer holds the whole file, the statement that reads
//! the stock also begins the transaction, counts the phones and reads the last order id and
//! the heads of the orders' streams; every write after it then goes to SQLite's thread in one
//! script, and the commit follows: three hand-offs to that thread for the whole batch. A batch
//! is capped at [`MAX_BATCH`] orders, which bounds its statements and how long it holds the
//! shop's rows.
//! Should the batch as a whole fail before its commit (or at it; a duplicate idempotency key
//! does that), its orders are written again one by one, each with its own answer; an order
//! whose batch did commit although the commit reported an error is found by its tracking
//! token and not written twice.
//!
//! Nobody waits on a writer task that idles: the first order of a shop to find no batch under
//! way starts one, which keeps taking the queued orders until none is left.

use super::db;
use super::service::Draft;
use crate::db::script::Script;
use crate::error::{ApiError, ApiResult};
use crate::events::Outbox;
use crate::state::AppState;
use crate::stock::{Held, Movements};
use ocpizza_proto::api::orders::Order;
use ocpizza_proto::events::Stream;
use ocpizza_proto::{OrderId, ShopId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// The most orders one transaction writes.
pub const MAX_BATCH: usize = 48;

/// The kinds of rows read with the stock on SQLite (see [`crate::stock::db::Beside`]): the
/// phones' waiting orders, the last order id, the heads of the streams.
const PHONES: i64 = 2;
const LAST_ID: i64 = 3;
const HEADS: i64 = 4;

/// The streams the events of `drafts` (new orders of `shop`) and of their stock go to, as far
/// as they can be told before they are written: those whose heads are read with the stock.
/// Should one of their events go elsewhere, the heads are moved by a statement of their own.
fn streams_of(shop: ShopId, drafts: &[&Draft]) -> Vec<String> {
    let mut streams: Vec<Stream> = vec![
        Stream::ShopOrders(shop),
        Stream::GroupOrders,
        Stream::ShopStock(shop),
    ];
    for draft in drafts {
        streams.push(Stream::Order(draft.token.clone()));
        if let Some(driver) = &draft.order.driver {
            streams.push(Stream::Driver(driver.id));
        }
    }
    let mut names: Vec<String> = streams.iter().map(Stream::to_string).collect();
    names.sort_unstable();
    names.dedup();
    names
}

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
///
/// The shop's stock is read and held first; which orders it allows is decided in memory, in
/// their order of arrival, so that an order refused leaves nothing behind and needs no
/// savepoint. The others are written together: their rows, their lines, their reservations
/// and the stock they take, one statement each whatever their number.
async fn write(state: &AppState, drafts: &[&Draft]) -> ApiResult<Vec<ApiResult<Order>>> {
    let Some(first) = drafts.first() else {
        return Ok(Vec::new());
    };
    let shop = first.order.shop_id;
    // The recipes, to tell whether the menu's bands may move (read before the transaction:
    // a read of the catalogue, if due, does not hold the shop's writer).
    let catalogue = state.specs.all(state.db.pool()).await?;
    // The web orders their phones have waiting: on PostgreSQL, read on another connection
    // while the shop's stock is taken, beside the writer's chain of statements, not in it.
    let mut phones: Vec<&str> = drafts
        .iter()
        .filter_map(|d| d.phone_key.as_deref())
        .collect();
    phones.sort_unstable();
    phones.dedup();
    // On SQLite, whose writer holds the whole file, the statement that reads the stock and
    // begins the transaction also counts them, and reads the last order id and the heads of
    // the streams the orders go to: the orders' rows and their events then need nothing
    // back from the database, and go with the batch's other writes (see `Script`).
    let sqlite = state.db.backend() == crate::db::Backend::Sqlite;
    let streams = if sqlite {
        streams_of(shop, drafts)
    } else {
        Vec::new()
    };
    let beside = sqlite.then(|| {
        db::placed_web_orders_beside_stock(&phones, PHONES)
            .and(db::last_id_beside_stock(LAST_ID))
            .and(crate::events::db::heads_beside_stock(&streams, HEADS))
    });
    let holding = async { ApiResult::Ok(Held::begin(&state.db, shop, beside.as_ref()).await?) };
    let allowance = async {
        match beside {
            Some(_) => Ok(None),
            None => super::guard::open_allowance(state, &phones).await.map(Some),
        }
    };
    let ((mut tx, mut held, holding), waiting) = tokio::try_join!(holding, allowance)?;
    let disabled = holding.disabled;
    let (mut counted, mut last_id, mut heads) = (Vec::new(), None, Vec::new());
    for row in holding.beside {
        match row.off {
            PHONES => counted.push((row.key, row.value)),
            LAST_ID => last_id = Some(OrderId(row.value)),
            HEADS => heads.push((row.key, row.value)),
            off => {
                return Err(ApiError::Internal(anyhow::anyhow!(
                    "a row read with the stock came back as branch {off}"
                )));
            }
        }
    }
    let mut waiting = match waiting {
        Some(waiting) => waiting,
        None => db::phone_counts(&phones, &counted)?,
    };
    let allowance = state.config.open_orders_per_phone as usize;

    let mut refused: Vec<Option<ApiError>> = Vec::with_capacity(drafts.len());
    let mut trial = (held.clone(), Movements::new(shop));
    for draft in drafts {
        let online = draft.order.payment_method == ocpizza_proto::PaymentMethod::Online;
        let offered = if online {
            crate::payments::flow::offered(&state.payments).err()
        } else {
            None
        };
        let switched_off =
            super::service::refuse_disabled(&draft.shop_name, &disabled, &draft.priced).err();
        // Counted in memory from there: orders of one phone in one batch add up.
        let phone = draft.phone_key.as_ref().map(|key| {
            let n = waiting.get(key).copied().unwrap_or(0);
            (key, n)
        });
        let too_many = phone
            .filter(|(_, n)| *n >= allowance)
            .map(|(_, n)| super::guard::too_many_open(n));
        let shortage = match offered.or(switched_off).or(too_many) {
            Some(e) => Some(e),
            None => match trial
                .1
                .reserve_held(&mut trial.0, &draft.priced.needs, draft.cause(None))
            {
                Ok(()) => {
                    if let Some((key, n)) = phone
                        && draft.order.status == ocpizza_proto::OrderStatus::Placed
                    {
                        waiting.insert(key.clone(), n + 1);
                    }
                    None
                }
                Err(missing) => {
                    let name = match held.name(missing) {
                        Some(name) => name.to_owned(),
                        // Not stocked in this shop at all.
                        None => crate::stock::db::ingredient_name(&mut *tx, missing)
                            .await?
                            .unwrap_or_else(|| format!("ingredient {missing}")),
                    };
                    Some(draft.priced.shortage(missing, &name))
                }
            },
        };
        refused.push(shortage);
    }
    let accepted: Vec<&Draft> = drafts
        .iter()
        .zip(&refused)
        .filter(|(_, r)| r.is_none())
        .map(|(d, _)| *d)
        .collect();
    if accepted.is_empty() {
        return Ok(refused.into_iter().flatten().map(Err).collect());
    }

    let rows: Vec<_> = accepted.iter().map(|d| d.row()).collect();
    // On SQLite the orders are numbered after the last one, as SQLite would number them.
    let numbered = last_id.is_some();
    let ids = match last_id {
        Some(last) => (1..=rows.len() as i64)
            .map(|i| OrderId(last.0 + i))
            .collect(),
        None => db::insert(&mut tx, &rows).await?,
    };
    let lines: Vec<_> = accepted
        .iter()
        .zip(&ids)
        .map(|(d, id)| (*id, d.order.lines.as_slice()))
        .collect();
    // The writes that return nothing go together, with the events (see `Outbox::write_into`).
    let mut script = Script::new();
    if numbered {
        db::insert_numbered(&tx, &mut script, &rows, &ids);
    }
    db::insert_lines(&tx, &mut script, &lines);
    // An online order's payment is written against its row: the rows go first.
    if accepted
        .iter()
        .any(|d| d.order.payment_method == ocpizza_proto::PaymentMethod::Online)
    {
        std::mem::take(&mut script).run(&mut tx).await?;
    }
    let mut moves = Movements::new(shop);
    let mut outbox = Outbox::new(None);
    if sqlite {
        outbox.heads_known(crate::events::db::heads_read(&streams, &heads)?);
    }
    let mut placed = Vec::with_capacity(accepted.len());
    for (draft, id) in accepted.iter().zip(&ids) {
        if draft.order.payment_method == ocpizza_proto::PaymentMethod::Online {
            crate::payments::flow::on_place(&state.payments, &mut tx, *id, draft.order.total)
                .await?;
        }
        moves
            .reserve_held(&mut held, &draft.priced.needs, draft.cause(Some(*id)))
            .map_err(|missing| {
                ApiError::Internal(anyhow::anyhow!(
                    "ingredient {missing} ran short on a second pass over the same stock"
                ))
            })?;
        placed.push(draft.placed(&tx, draft.stored(*id), &mut outbox, &mut script)?);
    }
    moves.write_held(&tx, &mut script, &held);
    moves.finish_held(&tx, &mut script, &mut outbox, &held, &catalogue);
    let published = outbox.write_into(&mut tx, &mut script).await?;
    crate::events::commit_with(tx, script, published, &state.bus).await?;
    state.eta.placed(
        shop,
        placed
            .iter()
            .filter(|o| o.status == ocpizza_proto::OrderStatus::Placed)
            .map(|o| o.id),
    );
    if placed
        .iter()
        .any(|o| o.payment_method == ocpizza_proto::PaymentMethod::Online)
    {
        state.payments.kick();
    }
    let mut placed = placed.into_iter();
    Ok(refused
        .into_iter()
        .map(|r| match r {
            Some(e) => Err(e),
            None => Ok(placed.next().expect("one order placed per draft accepted")),
        })
        .collect())
}
