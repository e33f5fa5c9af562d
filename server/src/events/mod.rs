//! The event log (outbox). A change collects its events in an [`Outbox`] and writes them with
//! [`Outbox::write`] inside its own transaction, so an event exists if and only if its change
//! committed. Each stream has a contiguous sequence: the stream's head row is locked, the events
//! numbered from it, and the head moved, all before commit. [`Outbox::commit`] ends a change:
//! it writes the events, commits, and hands them to the bus; a change that must do more
//! between writing its events and committing calls [`Outbox::write`], then [`commit`].

pub mod bus;
pub mod db;
pub mod follow;
pub mod redis;

use crate::db::Tx;
use crate::error::ApiError;
use ocpizza_proto::events::{Event, Stream};
use ocpizza_proto::{ShopId, UserId};
use std::collections::BTreeSet;
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

    /// Writes the events within `tx`, commits, and publishes them: the end of a change.
    pub async fn commit(self, mut tx: Tx, bus: &Bus) -> Result<(), ApiError> {
        let published = self.write(&mut tx).await?;
        commit(tx, published, bus).await
    }

    /// Writes the events into the log within `tx` and returns them numbered.
    ///
    /// Heads are locked in name order first: concurrent writers queue on the same rows in the
    /// same order (no deadlock), and availability is computed only once this transaction holds
    /// its shop's menu head, so the published counts always reflect every earlier commit.
    #[tracing::instrument(name = "events.write", skip_all, fields(events = self.items.len()))]
    pub async fn write(mut self, tx: &mut Tx) -> Result<Vec<Published>, ApiError> {
        let mut streams: BTreeSet<String> = self
            .items
            .iter()
            .flat_map(|item| item.streams.iter().map(ToString::to_string))
            .collect();
        streams.extend(
            self.availability
                .iter()
                .map(|s| Stream::ShopMenu(*s).to_string()),
        );
        let names: Vec<&str> = streams.iter().map(String::as_str).collect();
        let locked = db::lock_heads(tx, &names).await?;
        for shop in std::mem::take(&mut self.availability) {
            let items = crate::menu::availability::refresh(tx, shop).await?;
            if !items.is_empty() {
                let event = Event::AvailabilityChanged {
                    shop_id: shop,
                    items,
                };
                self.push(vec![Stream::ShopMenu(shop)], event);
            }
        }
        let mut heads = locked.clone();
        let mut published = Vec::new();
        let mut rows_of = Vec::new();
        for item in &self.items {
            let payload: Arc<str> = serde_json::to_string(&item.event)
                .map_err(|e| ApiError::Internal(e.into()))?
                .into();
            for stream in &item.streams {
                let name = stream.to_string();
                let seq = heads.get_mut(&name).expect("head locked above");
                *seq += 1;
                rows_of.push((item.event.kind(), item.actor));
                published.push(Published {
                    stream: name,
                    seq: *seq,
                    payload: payload.clone(),
                });
            }
        }
        let rows: Vec<db::NewEvent<'_>> = published
            .iter()
            .zip(&rows_of)
            .map(|(p, (kind, actor))| db::NewEvent {
                stream: &p.stream,
                seq: p.seq,
                kind,
                payload: &p.payload,
                actor: *actor,
            })
            .collect();
        let now = crate::db::now_ms();
        db::insert_events(tx, &rows, now).await?;
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
        // One statement per run of entries by the same actor (a batch of orders has several).
        for run in trail.chunk_by(|a, b| a.0 == b.0) {
            let entries: Vec<crate::audit::Entry> = run.iter().map(|(_, e)| e.clone()).collect();
            crate::audit::db::insert(tx, run[0].0, &entries, now).await?;
        }
        let moved: Vec<(&str, i64)> = names
            .iter()
            .filter_map(|name| {
                let seq = heads[*name];
                (seq != locked[*name]).then_some((*name, seq))
            })
            .collect();
        db::set_heads(tx, &moved).await?;
        Ok(published)
    }
}

/// Commits `tx`, whose events `published` are, then hands them to `bus`.
pub async fn commit(tx: Tx, published: Vec<Published>, bus: &Bus) -> Result<(), ApiError> {
    tx.commit().await?;
    bus.publish(published);
    Ok(())
}
