//! The event log (outbox). A change collects its events in an [`Outbox`] and writes them with
//! [`Outbox::write`] inside its own transaction, so an event exists if and only if its change
//! committed. Each stream has a contiguous sequence: the stream's head row is moved forward by
//! the number of its new events (which locks it until the commit) and the events numbered up to
//! it, all before commit. [`Outbox::commit`] ends a change:
//! it writes the events, commits, and hands them to the bus; a change that must do more
//! between writing its events and committing calls [`Outbox::write`], then [`commit`].

pub mod bus;
pub mod db;
pub mod follow;
pub mod redis;

use crate::db::Tx;
use crate::db::script::Script;
use crate::error::ApiError;
use ocpizza_proto::events::{Event, Stream};
use ocpizza_proto::{ShopId, UserId};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

pub use bus::Bus;

/// An event as committed: its stream, its sequence and its JSON payload, encoded once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// Stream name (`shop:1:orders`).
    pub stream: String,
    /// Position in the stream, from 1, contiguous.
    pub seq: i64,
    /// The event as JSON, shared by every recipient.
    pub payload: Arc<str>,
}

/// Events collected during one transaction.
#[derive(Debug, Default)]
pub struct Outbox {
    actor: Option<UserId>,
    items: Vec<Item>,
    availability: BTreeSet<ShopId>,
    /// Heads this transaction read and holds already (see [`Outbox::heads_known`]).
    known: Option<HashMap<String, i64>>,
}

/// One event, the streams it goes to, and who caused it.
#[derive(Debug)]
struct Item {
    streams: Vec<Stream>,
    event: Event,
    actor: Option<UserId>,
}

impl Outbox {
    /// An empty outbox for changes made by `actor` (none for guests and the system).
    pub fn new(actor: Option<UserId>) -> Outbox {
        Outbox {
            actor,
            ..Outbox::default()
        }
    }

    /// Adds `event` to every stream of `streams`.
    pub fn push(&mut self, streams: Vec<Stream>, event: Event) {
        self.items.push(Item {
            streams,
            event,
            actor: self.actor,
        });
    }

    /// Adds every event of `other` after those already here, each still by its own actor.
    pub fn append(&mut self, other: Outbox) {
        self.items.extend(other.items);
        self.availability.extend(other.availability);
    }

    /// Whether no event is queued.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Asks for the shop's availability to be recomputed when the outbox is written, and an
    /// `availability_changed` event for the sizes whose count moved.
    pub fn refresh_availability(&mut self, shop: ShopId) {
        self.availability.insert(shop);
    }

    /// Says that the transaction the outbox is written in read these heads of its streams
    /// and holds them (SQLite's writer holds the whole file): when they are all its streams'
    /// heads, they are moved by a statement of the script, which returns nothing, instead of
    /// one that returns them (one hand-off to the database's thread less). Only valid until
    /// something else in the transaction moves them (see [`db::advance_heads_with`]).
    pub fn heads_known(&mut self, heads: HashMap<String, i64>) {
        self.known = Some(heads);
    }

    /// Writes the events within `tx`, commits, and publishes them: the end of a change.
    pub async fn commit(self, mut tx: Tx, bus: &Bus) -> Result<(), ApiError> {
        let mut script = Script::new();
        let published = self.write_into(&mut tx, &mut script).await?;
        commit_with(tx, script, published, bus).await
    }

    /// Writes the events into the log within `tx` and returns them numbered.
    ///
    /// Each stream's head row is moved by the number of events it gets, which locks it until
    /// the commit: the streams of one shop, one order or one person first, in name order, then
    /// the group-wide ones (`group:orders`, `group:audit`, `site`), in name order, as late as
    /// possible. Concurrent writers queue on the same rows in the same order (no deadlock), and
    /// the shops' transactions hold the rows they all share only for their last statements.
    /// Availability is computed once this transaction holds its shop's menu head, so the
    /// published counts always reflect every earlier commit.
    pub async fn write(self, tx: &mut Tx) -> Result<Vec<Published>, ApiError> {
        let mut script = Script::new();
        let published = self.write_into(tx, &mut script).await?;
        script.run(tx).await?;
        Ok(published)
    }

    /// [`Outbox::write`] for a change whose other writes wait in `script` (statements that
    /// return nothing): on PostgreSQL they are run first, before any head is taken, and so
    /// they are before an availability refresh, which must see them. Otherwise, on SQLite,
    /// the rows of the events and of their audit trail join them, and the caller runs the
    /// whole script before it commits, in one hand-off to the database's thread; SQLite's
    /// writer holds the whole file, so there every head is moved by one statement as well.
    #[tracing::instrument(name = "events.write", skip_all, fields(events = self.items.len()))]
    pub async fn write_into(
        mut self,
        tx: &mut Tx,
        script: &mut Script<'_>,
    ) -> Result<Vec<Published>, ApiError> {
        let postgres = crate::db::is_postgres(tx);
        // The availability refresh reads the stock the script may move.
        if postgres || !self.availability.is_empty() {
            std::mem::take(script).run(tx).await?;
        }
        // Events per stream, the group-wide streams apart.
        let mut own: BTreeMap<String, i64> = BTreeMap::new();
        let mut shared: BTreeMap<String, i64> = BTreeMap::new();
        for stream in self.items.iter().flat_map(|item| item.streams.iter()) {
            let counts = if is_group_wide(stream) {
                &mut shared
            } else {
                &mut own
            };
            *counts.entry(stream.to_string()).or_default() += 1;
        }
        for shop in &self.availability {
            own.entry(Stream::ShopMenu(*shop).to_string()).or_default();
        }
        let in_one = !postgres && self.availability.is_empty();
        if in_one {
            own.append(&mut shared);
        }
        // Heads read already, when they are all the heads to move in one statement.
        let known = self
            .known
            .take()
            .filter(|known| in_one && own.keys().all(|s| known.contains_key(s)));
        let mut next = match known {
            Some(known) => {
                db::advance_heads_with(tx, script, &own);
                own.keys().map(|s| (s.clone(), known[s] + 1)).collect()
            }
            None => first_seqs(db::advance_heads(tx, &own).await?, &own),
        };
        let mut late = shared;
        for shop in std::mem::take(&mut self.availability) {
            let items = crate::menu::availability::refresh(tx, shop).await?;
            if !items.is_empty() {
                let event = Event::AvailabilityChanged {
                    shop_id: shop,
                    items,
                };
                // Its head is held already: moved again with the group-wide ones.
                *late.entry(Stream::ShopMenu(shop).to_string()).or_default() += 1;
                self.push(vec![Stream::ShopMenu(shop)], event);
            }
        }
        if !late.is_empty() {
            let moved = db::advance_heads(tx, &late).await?;
            for (stream, seq) in first_seqs(moved, &late) {
                // A stream of the first statement keeps counting from where its events end.
                next.entry(stream).or_insert(seq);
            }
        }
        let mut published = Vec::new();
        let mut rows_of = Vec::new();
        for item in &self.items {
            let payload: Arc<str> = serde_json::to_string(&item.event)
                .map_err(|e| ApiError::Internal(e.into()))?
                .into();
            for stream in &item.streams {
                let name = stream.to_string();
                let seq = next
                    .get_mut(&name)
                    .expect("every stream's head moved above");
                rows_of.push((item.event.kind(), item.actor));
                published.push(Published {
                    stream: name,
                    seq: *seq,
                    payload: payload.clone(),
                });
                *seq += 1;
            }
        }
        let now = crate::db::now_ms();
        // An order's event goes out twice, to staff and in its public form (masked) to the
        // order's own stream: the staff copy is the one kept, once.
        let mut trail: Vec<(Option<UserId>, crate::audit::Entry)> = Vec::new();
        for (actor, entry) in self
            .items
            .iter()
            .filter(|item| !item.streams.iter().all(|s| matches!(s, Stream::Order(_))))
            .filter_map(|item| Some((item.actor, crate::audit::from_event(&item.event)?)))
        {
            if !trail.iter().any(|(a, e)| *a == actor && *e == entry) {
                trail.push((actor, entry));
            }
        }
        // One statement per run of entries by the same actor (a batch of orders has several);
        // on PostgreSQL, a single run goes with the events.
        let runs: Vec<&[(Option<UserId>, crate::audit::Entry)]> =
            trail.chunk_by(|a, b| a.0 == b.0).collect();
        let entries_of =
            |run: &[(Option<UserId>, crate::audit::Entry)]| -> Vec<crate::audit::Entry> {
                run.iter().map(|(_, e)| e.clone()).collect()
            };
        let rows: Vec<db::NewEvent> = published
            .iter()
            .zip(rows_of)
            .map(|(p, (kind, actor))| db::NewEvent {
                stream: p.stream.clone(),
                seq: p.seq,
                kind,
                payload: p.payload.clone(),
                actor,
            })
            .collect();
        match runs.as_slice() {
            [run]
                if postgres
                    && !rows.is_empty()
                    && rows.len() <= db::BATCH_ROWS
                    && run.len() <= 100 =>
            {
                db::insert_events_with_audit(tx, rows, run[0].0, &entries_of(run), now).await?;
            }
            _ => {
                db::insert_events(tx, script, rows, now);
                for run in runs {
                    crate::audit::db::insert(tx, script, run[0].0, entries_of(run), now).await?;
                }
            }
        }
        Ok(published)
    }
}

/// Whether every shop's changes may write to `stream`: its head is taken last.
fn is_group_wide(stream: &Stream) -> bool {
    matches!(
        stream,
        Stream::GroupOrders | Stream::GroupAudit | Stream::Site
    )
}

/// The sequence of the first of `counts` events per stream, from the heads they moved to.
fn first_seqs(heads: HashMap<String, i64>, counts: &BTreeMap<String, i64>) -> HashMap<String, i64> {
    heads
        .into_iter()
        .map(|(stream, head)| {
            let first = head - counts.get(&stream).copied().unwrap_or(0) + 1;
            (stream, first)
        })
        .collect()
}

/// Commits `tx`, whose events `published` are, then hands them to `bus`.
pub async fn commit(tx: Tx, published: Vec<Published>, bus: &Bus) -> Result<(), ApiError> {
    commit_with(tx, Script::new(), published, bus).await
}

/// Runs `script` and commits `tx` (on SQLite in one hand-off, see [`Script::commit`]), then
/// hands the events `published` to `bus`.
pub async fn commit_with(
    tx: Tx,
    script: Script<'_>,
    published: Vec<Published>,
    bus: &Bus,
) -> Result<(), ApiError> {
    script.commit(tx).await?;
    bus.publish(published);
    Ok(())
}
