//! Notifications: what leaves the system when something happens — web push to phones and
//! e-mail.
//!
//! Two workers, both safe to run on every instance at once:
//! - the **follower** reads the event log through a durable [`Cursor`] named `notify`. It reads
//!   the next events of every stream behind at once, lets every [`Planner`] turn them into
//!   [`Delivery`] rows and moves the cursor in each of those streams, all in one transaction: a
//!   crash before the commit plans the events again after restart, a crash after it finds the
//!   rows waiting. An instance that finds the cursor already moved by another, in any of the
//!   streams, rolls back.
//! - the **sender** leases due rows of each channel and hands them to that channel's
//!   [`Sender`]; a failure is retried with backoff, a row past its `expires_at` is dropped
//!   unsent (nobody wants "your pizza is out" three hours late), a recipient that no longer
//!   exists is dropped for good.
//!
//! Each row's dedupe key is unique, so one event planned twice (or a request repeated) sends
//! one message per recipient. The follower reads the database, not the bus: with Redis down,
//! or an instance killed between an order's commit and its message, nothing is lost.

pub mod db;
pub mod mail;
mod notable;
pub mod push;

pub use notable::Notable;

use crate::config::Config;
use crate::db::script::{self, Script};
use crate::db::{Db, Tx, now_ms};
use crate::error::ApiResult;
use crate::events::follow::{self, Cursor, Selector};
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use ocpizza_proto::UserId;
use ocpizza_proto::events::Stream;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The follower's name in `event_consumers`.
pub const CONSUMER: &str = "notify";
/// How long a sender holds a row before another instance may take it over.
pub const LEASE_MS: i64 = 60_000;
/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i32 = 8;
/// Longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_mins(10);
/// Rows leased per round and channel.
const BATCH: i64 = 64;
/// How long the workers let events gather after being woken by one. A round is a transaction
/// on the writer and some hand-offs to it, whatever its number of events: at a quiet
/// evening's 20 orders a second, half a second puts ten orders' events in a round (twenty,
/// within [`FEW_BEHIND`]), and a message half a second late is not noticed on a phone.
const GATHER: Duration = Duration::from_millis(500);
/// Deliveries in flight at once per channel.
const IN_FLIGHT: usize = 8;
/// Events planned per transaction. Planning reads the database and the transaction holds
/// SQLite's single writer: a few dozen events keep new orders from waiting behind it for more
/// than a millisecond or two, where a page of 500 at rush hour held them some 20 ms.
const PLANNED_TOGETHER: usize = 32;

/// Whether a round looks for due deliveries when its events planned none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Due {
    /// Always: woken by a delivery enqueued elsewhere, or by the clock (retries come due,
    /// another instance's leases run out).
    Always,
    /// Only if it planned some: a round woken by events that planned nothing (most orders'
    /// events, at rush hour) leaves the rest to the clock's next round.
    IfPlanned,
}

/// On SQLite, the most events behind that a round reads while holding the writer: those of
/// a quiet evening's few orders (see `Notify::follow`).
const FEW_BEHIND: i64 = PLANNED_TOGETHER as i64;

/// How a delivery travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// Web push to one subscription.
    Push,
    /// E-mail to one address.
    Mail,
}

impl Channel {
    /// The name stored in `notifications.channel`.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Push => "push",
            Channel::Mail => "mail",
        }
    }
}

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Unique over all deliveries (`push:{subscription}:{stream}:{seq}`): planning the same
    /// thing again adds nothing.
    pub key: String,
    /// How it travels.
    pub channel: Channel,
    /// The subscription's id (push) or the address (mail).
    pub recipient: String,
    /// What the channel's sender needs, as it defines it.
    pub payload: String,
    /// When what it tells happened (ms).
    pub event_at: i64,
    /// Not sent after this (ms).
    pub expires_at: i64,
}

/// Adds `deliveries` within `tx`, ignoring keys already there.
pub async fn enqueue(tx: &mut Tx, deliveries: &[Delivery]) -> sqlx::Result<()> {
    db::insert(tx, deliveries, now_ms()).await
}

/// One event of the log, as the follower hands it over.
#[derive(Debug, Clone)]
pub struct Followed {
    /// Its stream.
    pub stream: String,
    /// Its sequence there.
    pub seq: i64,
    /// When it was written (ms).
    pub at: i64,
    /// Who made the change, if someone did.
    pub actor: Option<UserId>,
    /// What the planners read of the event.
    pub event: Notable,
}

/// Turns events into deliveries, inside the follower's transaction.
pub trait Planner: Send + Sync + 'static {
    /// The deliveries `event` calls for (none for most).
    fn plan<'a>(
        &'a self,
        tx: &'a mut Tx,
        event: &'a Followed,
    ) -> BoxFuture<'a, ApiResult<Vec<Delivery>>>;

    /// The deliveries of several events, each stream's in their order. One by one unless the
    /// planner reads what they all need at once.
    fn plan_all<'a>(
        &'a self,
        tx: &'a mut Tx,
        events: &'a [Followed],
    ) -> BoxFuture<'a, ApiResult<Vec<Delivery>>> {
        Box::pin(async move {
            let mut planned = Vec::new();
            for event in events {
                planned.extend(self.plan(tx, event).await?);
            }
            Ok(planned)
        })
    }
}

/// Events of one stream planned together, and the move of the stream's position they make.
struct Part {
    stream: String,
    /// The position before them.
    from: i64,
    /// Their last event's sequence.
    to: i64,
    entries: Vec<follow::Entry>,
}

/// A delivery to carry out now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// Its row.
    pub id: i64,
    /// Its dedupe key (a stable message id).
    pub key: String,
    /// The subscription's id (push) or the address (mail).
    pub recipient: String,
    /// What the planner wrote.
    pub payload: String,
    /// When what it tells happened (ms).
    pub event_at: i64,
    /// Attempts made before this one.
    pub attempts: i32,
}

/// How an attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Handed over.
    Sent,
    /// The recipient no longer exists (push service 404/410): never again.
    Gone(String),
    /// A passing failure: tried again later.
    Retry(String),
    /// Refused for good (a malformed message).
    Failed(String),
}

/// Carries out the deliveries of one channel.
pub trait Sender: Send + Sync + 'static {
    /// One attempt.
    fn send<'a>(&'a self, delivery: &'a Pending) -> BoxFuture<'a, Outcome>;
}

struct Inner {
    db: Db,
    cursor: Cursor,
    planners: Vec<Arc<dyn Planner>>,
    senders: HashMap<Channel, Arc<dyn Sender>>,
    retry: Duration,
    wake: tokio::sync::Notify,
    /// Whether the follower is known to exist in the database.
    registered: AtomicBool,
}

/// The notification workers. Cheap to clone.
#[derive(Clone)]
pub struct Notify {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Notify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notify")
            .field("planners", &self.inner.planners.len())
            .field("channels", &self.inner.senders.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The streams the follower reads: every order change of the group, every shop's stock.
pub fn followed() -> Vec<Selector> {
    vec![
        Selector::One(Stream::GroupOrders.to_string()),
        Selector::Family {
            prefix: "shop:",
            suffix: ":stock",
        },
    ]
}

impl Notify {
    /// Workers on `db` with no planner and no channel yet; a failed attempt is first retried
    /// after `retry`.
    pub fn new(db: Db, retry: Duration) -> Notify {
        Notify {
            inner: Arc::new(Inner {
                db,
                cursor: Cursor::new(CONSUMER, followed()),
                planners: Vec::new(),
                senders: HashMap::new(),
                retry,
                wake: tokio::sync::Notify::new(),
                registered: AtomicBool::new(false),
            }),
        }
    }

    fn inner_mut(&mut self) -> &mut Inner {
        Arc::get_mut(&mut self.inner).expect("channels register before the workers start")
    }

    /// Adds a planner.
    #[must_use]
    pub fn with_planner(mut self, planner: Arc<dyn Planner>) -> Notify {
        self.inner_mut().planners.push(planner);
        self
    }

    /// Sends `channel`'s deliveries with `sender`.
    #[must_use]
    pub fn with_sender(mut self, channel: Channel, sender: Arc<dyn Sender>) -> Notify {
        self.inner_mut().senders.insert(channel, sender);
        self
    }

    /// Whether `channel` has a sender (e-mail is off without SMTP settings).
    pub fn sends(&self, channel: Channel) -> bool {
        self.inner.senders.contains_key(&channel)
    }

    /// Wakes the workers (after an [`enqueue`] outside the follower, or a commit).
    pub fn kick(&self) {
        self.inner.wake.notify_one();
    }

    /// One round: follows every pending event, then sends every due delivery.
    pub async fn run_once(&self) -> anyhow::Result<()> {
        self.round(Due::Always).await
    }

    /// Follows every pending event, then sends what is due unless `due` says this round may
    /// leave it to the next.
    async fn round(&self, due: Due) -> anyhow::Result<()> {
        if !self.inner.registered.load(Ordering::Acquire) {
            self.inner.cursor.register(&self.inner.db).await?;
            self.inner.registered.store(true, Ordering::Release);
        }
        let planned = self.follow().await?;
        if planned > 0 || due == Due::Always {
            self.send_due().await?;
        }
        Ok(())
    }

    /// Plans the deliveries of every event not followed yet; returns how many it planned.
    /// The events of all the streams behind are read together, a page of each at a time, and
    /// planned together, up to [`PLANNED_TOGETHER`] in one transaction with the moves of their
    /// streams' positions. Stops at the first move another instance made first.
    ///
    /// On SQLite, whose one writer holds the whole file, the read of which streams are behind
    /// begins the transaction that plans them, and when only a few events are behind
    /// ([`FEW_BEHIND`]) they are read in it too: no read connection's thread is woken for
    /// them, and none is checked on its return to the pool. More are read from the pool, as
    /// on PostgreSQL, so that orders do not wait for the writer while pages are read.
    async fn follow(&self) -> anyhow::Result<usize> {
        let db = &self.inner.db;
        let cursor = &self.inner.cursor;
        let mut planned = 0;
        loop {
            let (mut tx, behind) = if db.backend() == crate::db::Backend::Sqlite {
                let (tx, behind) = cursor.begin_behind(db).await?;
                if behind.iter().map(|b| b.head - b.at).sum::<i64>() > FEW_BEHIND {
                    // A rush's pages are read without holding the writer, which the orders
                    // are waiting for.
                    tx.rollback().await?;
                    (None, behind)
                } else {
                    (Some(tx), behind)
                }
            } else {
                (None, cursor.behind(db.pool()).await?)
            };
            let from: Vec<(&str, i64)> = behind.iter().map(|b| (b.stream.as_str(), b.at)).collect();
            // Events pruned from the log before this consumer got to them are not there: the
            // stream's position jumps over them.
            let entries = match &mut tx {
                Some(tx) => follow::read_many(&mut **tx, &from, follow::PAGE).await?,
                None => follow::read_many(db.pool(), &from, follow::PAGE).await?,
            };
            let mut at: HashMap<String, (i64, i64)> = behind
                .iter()
                .map(|b| (b.stream.clone(), (b.at, 0)))
                .collect();
            let mut parts: Vec<Part> = Vec::new();
            let mut taken = 0;
            for entry in entries {
                let Some((position, read)) = at.get_mut(&entry.stream) else {
                    continue;
                };
                *read += 1;
                if taken == PLANNED_TOGETHER {
                    match self.plan(tx.take(), std::mem::take(&mut parts)).await? {
                        Some(n) => planned += n,
                        None => return Ok(planned),
                    }
                    taken = 0;
                }
                match parts.last_mut() {
                    Some(part) if part.stream == entry.stream => part.to = entry.seq,
                    _ => parts.push(Part {
                        stream: entry.stream.clone(),
                        from: *position,
                        to: entry.seq,
                        entries: Vec::new(),
                    }),
                }
                *position = entry.seq;
                parts.last_mut().expect("just pushed").entries.push(entry);
                taken += 1;
            }
            if parts.is_empty() {
                if let Some(tx) = tx {
                    tx.rollback().await?;
                }
            } else {
                match self.plan(tx, parts).await? {
                    Some(n) => planned += n,
                    None => return Ok(planned),
                }
            }
            // A full page of a stream: there may be more of it.
            if !at.values().any(|(_, read)| *read == follow::PAGE) {
                return Ok(planned);
            }
        }
    }

    /// Plans a few events of some streams and moves each stream's position from its part's
    /// `from` to its `to`, in one transaction (`tx` if one is begun already); the number of
    /// deliveries planned, or `None` when another instance had moved one of the positions
    /// (nothing is then written).
    async fn plan(&self, tx: Option<Tx>, parts: Vec<Part>) -> anyhow::Result<Option<usize>> {
        let mut tx = match tx {
            Some(tx) => tx,
            None => self.inner.db.begin().await?,
        };
        let mut followed = Vec::new();
        for entry in parts.iter().flat_map(|p| &p.entries) {
            let event = match Notable::parse(&entry.kind, &entry.payload) {
                Ok(Notable::Other) => continue,
                Ok(event) => event,
                Err(e) => {
                    tracing::warn!(error = %e, stream = entry.stream, seq = entry.seq, "event not understood: skipped");
                    continue;
                }
            };
            followed.push(Followed {
                stream: entry.stream.clone(),
                seq: entry.seq,
                at: entry.at,
                actor: entry.actor.map(UserId),
                event,
            });
        }
        let mut planned = Vec::new();
        for planner in &self.inner.planners {
            planned.extend(planner.plan_all(&mut tx, &followed).await?);
        }
        let planned: Vec<Delivery> = planned
            .into_iter()
            .filter(|d| self.inner.senders.contains_key(&d.channel))
            .collect();
        enqueue(&mut tx, &planned).await?;
        let moves: Vec<(&str, i64, i64)> = parts
            .iter()
            .map(|p| (p.stream.as_str(), p.from, p.to))
            .collect();
        // On SQLite the kept positions move with the commit, in one hand-off to its thread.
        let mut script = Script::new();
        if !self
            .inner
            .cursor
            .advance_all_with(&mut tx, &mut script, &moves)
            .await?
        {
            tx.rollback().await?;
            return Ok(None);
        }
        match script.commit(tx).await {
            // Rolled back as it was dropped.
            Err(e) if script::changed_other_rows(&e) => Ok(None),
            done => done.map(|()| Some(planned.len())).map_err(Into::into),
        }
    }

    /// Sends what is due, channel by channel.
    async fn send_due(&self) -> anyhow::Result<()> {
        for (channel, sender) in &self.inner.senders {
            loop {
                let now = now_ms();
                let leased =
                    db::lease(&self.inner.db, *channel, now, now + LEASE_MS, BATCH).await?;
                let count = leased.len();
                let outcomes: Vec<(Pending, Option<Outcome>)> =
                    futures_util::stream::iter(leased.into_iter().map(|row| async move {
                        let outcome = if row.expires_at <= now_ms() {
                            None
                        } else {
                            Some(sender.send(&row.pending).await)
                        };
                        (row.pending, outcome)
                    }))
                    .buffer_unordered(IN_FLIGHT)
                    .collect()
                    .await;
                let settled: Vec<db::Settled<'_>> = outcomes
                    .iter()
                    .map(|(pending, outcome)| self.settle(*channel, pending, outcome.as_ref()))
                    .collect();
                db::settle(&self.inner.db, &settled, now_ms()).await?;
                if (count as i64) < BATCH {
                    break;
                }
            }
        }
        Ok(())
    }

    /// How an attempt went (`None`: not attempted, past its expiry), as it is to be recorded.
    fn settle<'a>(
        &self,
        channel: Channel,
        pending: &'a Pending,
        outcome: Option<&'a Outcome>,
    ) -> db::Settled<'a> {
        let now = now_ms();
        let attempts = pending.attempts + 1;
        let (state, error, next_at) = match outcome {
            None => ("expired", None, now),
            Some(Outcome::Sent) => ("sent", None, now),
            Some(Outcome::Gone(why)) => ("gone", Some(why.as_str()), now),
            Some(Outcome::Failed(why)) => ("failed", Some(why.as_str()), now),
            Some(Outcome::Retry(why)) if attempts >= MAX_ATTEMPTS => {
                ("failed", Some(why.as_str()), now)
            }
            Some(Outcome::Retry(why)) => (
                "pending",
                Some(why.as_str()),
                now + backoff_ms(self.inner.retry, attempts),
            ),
        };
        match state {
            "sent" => tracing::debug!(
                channel = channel.as_str(),
                key = pending.key,
                "notification sent"
            ),
            "pending" | "expired" | "gone" => tracing::info!(
                channel = channel.as_str(),
                key = pending.key,
                state,
                error,
                "notification not sent"
            ),
            _ => tracing::warn!(
                channel = channel.as_str(),
                key = pending.key,
                error,
                "notification given up"
            ),
        }
        db::Settled {
            id: pending.id,
            state,
            attempts,
            error,
            next_at,
        }
    }

    /// Runs the workers: at once when woken or when this instance commits an event, and at
    /// least every `every` (events of other instances with Redis down, retries coming due).
    /// A round woken by events looks for due deliveries only if it planned some (see [`Due`]).
    pub fn spawn(&self, bus: &crate::events::Bus, every: Duration) {
        let notify = self.clone();
        let mut events = bus.subscribe();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                let due = tokio::select! {
                    () = notify.inner.wake.notified() => Due::Always,
                    received = events.recv() => {
                        if matches!(received, Err(tokio::sync::broadcast::error::RecvError::Closed)) {
                            return;
                        }
                        // Let the rest of a burst arrive; one round takes all of it. A
                        // phone may hear of an order half a second later; at rush hour that
                        // makes two rounds a second instead of one per event.
                        tokio::time::sleep(GATHER).await;
                        while events.try_recv().is_ok() {}
                        Due::IfPlanned
                    }
                    _ = tick.tick() => Due::Always,
                };
                if let Err(e) = notify.round(due).await {
                    tracing::warn!(error = %e, "notifications: round failed, retrying later");
                }
            }
        });
    }
}

/// The wait before attempt `attempts + 1`: `first`, then three times longer each time, at
/// most [`MAX_BACKOFF`].
pub fn backoff_ms(first: Duration, attempts: i32) -> i64 {
    let factor = 3u32.saturating_pow(u32::try_from(attempts - 1).unwrap_or(0));
    let wait = first.saturating_mul(factor).min(MAX_BACKOFF);
    i64::try_from(wait.as_millis()).unwrap_or(i64::MAX)
}

/// The workers with every channel the configuration turns on. The follower is registered
/// here, at the server's first start, so that it covers every event from then on even before
/// its workers first run.
pub async fn from_config(config: &Config, db: &Db) -> anyhow::Result<Notify> {
    let notify = Notify::new(
        db.clone(),
        Duration::from_secs(u64::from(config.notify_retry_secs)),
    );
    notify.inner.cursor.register(db).await?;
    let notify = mail::register(notify, config)?;
    let notify = push::register(notify, config, db).await?;
    Ok(notify)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_triples_up_to_ten_minutes() {
        let first = Duration::from_secs(5);
        assert_eq!(backoff_ms(first, 1), 5_000);
        assert_eq!(backoff_ms(first, 2), 15_000);
        assert_eq!(backoff_ms(first, 3), 45_000);
        assert_eq!(backoff_ms(first, 7), 600_000);
    }
}
