//! The live hub: carries committed events to WebSocket subscribers, and nothing else.
//!
//! Events reach the hub through the [`Bus`] (this instance's commits, and with Redis every
//! instance's). For each stream with subscribers the hub follows the log as
//! [`events::follow`](crate::events::follow) says, from the last sequence it delivered: a
//! duplicate (a Redis echo of our own event) is dropped, a jump fills the gap from the event
//! log first, and a periodic check of the log catches whatever the bus lost entirely (a
//! dropped message); when the bus says its link to the other instances lost events (Redis
//! came back), every stream catches up. Each event is encoded once into a [`Frame`] whose
//! bytes every recipient shares. The fan-out writes a frame straight into the socket of each
//! connection that is up to date on the stream, with nothing of it queued ([`link`]); the
//! others get it in their bounded queue, which their own task empties. A full queue is a slow
//! consumer, told to resume from its last sequence, so neither the publisher nor other clients
//! ever wait for it.
//!
//! What a stream is — who may follow it, its snapshot — the hub asks of the [`Catalogue`] it
//! was built with ([`crate::streams`]); it reads the configuration it needs once, as
//! [`Settings`].
//!
//! A restore puts an older event log back; the hub then starts every stream afresh
//! ([`restore`]).

pub mod catalogue;
pub mod conn;
pub mod link;
pub mod metrics;
pub mod restore;
pub mod threads;
pub mod wakes;

use crate::config::Config;
use crate::db::{Db, now_ms};
use crate::events::follow::{self, Page, Step, Walk};
use crate::events::{Bus, Published};
use axum::extract::ws::Utf8Bytes;
use bytes::Bytes;
use futures_util::future::Either;
use link::{Direct, Link};
use metrics::Metrics;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use threads::{LiveRuntime, LiveThreads};
use tokio::runtime::Handle;
use tokio::sync::{Notify, broadcast, mpsc, watch};

pub use catalogue::Catalogue;

/// Frames a connection may have queued before it counts as a slow consumer.
pub const QUEUE_FRAMES: usize = 256;
/// The sequence of a [`Frame::resync`]: no event has it.
pub const RESYNC_SEQ: i64 = -1;
/// The sequence of a [`Frame::flush`]: no event has it.
pub const FLUSH_SEQ: i64 = -2;
/// A fan-out to at least this many connections is shared by the live threads.
pub const SHARED_FAN_OUT: usize = 512;

/// One event of one stream, encoded once as the `event` server message.
#[derive(Debug)]
pub struct Frame {
    /// Stream name.
    pub stream: Arc<str>,
    /// Sequence in the stream.
    pub seq: i64,
    /// `{"type":"event","stream":…,"seq":…,"event":…}`, shared by every recipient.
    pub text: Utf8Bytes,
    /// The same as a whole WebSocket text frame, header and all (`text` is the end of it).
    pub wire: Bytes,
}

impl Frame {
    /// Wraps an event payload (already JSON) into the wire message.
    pub fn new(stream: Arc<str>, seq: i64, payload: &str) -> Frame {
        let text = Frame::event_text(&stream, seq, payload);
        let wire = link::text_frame(&text);
        let text = Utf8Bytes::try_from(wire.slice(wire.len() - text.len()..))
            .unwrap_or_else(|_| text.into());
        Frame {
            stream,
            seq,
            text,
            wire,
        }
    }

    /// The `event` server message alone, for one connection (a replay).
    pub fn event_text(stream: &str, seq: i64, payload: &str) -> String {
        let name = serde_json::to_string(stream).unwrap_or_else(|_| "\"\"".into());
        format!(r#"{{"type":"event","stream":{name},"seq":{seq},"event":{payload}}}"#)
    }

    /// Tells a subscriber that the stream's history was replaced (a restore): it sends its
    /// client a fresh snapshot and goes on from there.
    pub fn resync(stream: Arc<str>) -> Frame {
        Frame {
            stream,
            seq: RESYNC_SEQ,
            text: Utf8Bytes::from_static(""),
            wire: Bytes::new(),
        }
    }

    /// Whether this is a [`Frame::resync`].
    pub fn is_resync(&self) -> bool {
        self.seq == RESYNC_SEQ
    }

    /// Tells a connection to finish writing what the fan-out wrote into its socket
    /// ([`link`]).
    pub fn flush() -> Frame {
        Frame {
            stream: Arc::from(""),
            seq: FLUSH_SEQ,
            text: Utf8Bytes::from_static(""),
            wire: Bytes::new(),
        }
    }

    /// Whether this is a [`Frame::flush`].
    pub fn is_flush(&self) -> bool {
        self.seq == FLUSH_SEQ
    }
}

/// What the hub holds of a connection.
#[derive(Debug)]
pub struct ConnHandle {
    id: u64,
    tx: mpsc::Sender<Arc<Frame>>,
    link: Arc<Link>,
    slow: AtomicBool,
    kick: Notify,
}

/// Why a frame could not be handed to a connection.
enum Refused {
    /// Its queue is full (or its socket refused a direct write): a slow consumer.
    Slow,
    /// It is gone.
    Closed,
}

impl ConnHandle {
    /// The connection's socket.
    pub fn link(&self) -> &Arc<Link> {
        &self.link
    }

    /// Whether the hub dropped this connection as a slow consumer.
    pub fn is_slow(&self) -> bool {
        self.slow.load(Ordering::Acquire)
    }

    /// Resolves once the hub dropped this connection as a slow consumer.
    pub async fn kicked(&self) {
        if !self.is_slow() {
            self.kick.notified().await;
        }
    }

    fn queue(&self, frame: Arc<Frame>) -> Result<(), Refused> {
        self.tx.try_send(frame).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => Refused::Slow,
            mpsc::error::TrySendError::Closed(_) => Refused::Closed,
        })
    }
}

/// A subscriber of a stream as the fan-out holds it: the connection's link beside its handle,
/// so that a direct write goes to the link without reading the handle first (the fan-out
/// visits thousands of connections per event, each a cold cache line).
#[derive(Debug, Clone)]
struct Subscriber {
    link: Arc<Link>,
    conn: Arc<ConnHandle>,
}

impl Subscriber {
    fn of(conn: &Arc<ConnHandle>) -> Subscriber {
        Subscriber {
            link: conn.link.clone(),
            conn: conn.clone(),
        }
    }

    /// Writes `frame` straight into the socket when the connection is up to date on its stream
    /// ([`link`]); queues it otherwise.
    ///
    /// The queue is not looked at: a frame of its stream still queued keeps the link's last
    /// sequence sent behind, so the next one is queued too, and frames of different streams
    /// have no order to keep. Reading the queue's length is a cold cache line of its own at
    /// every delivery.
    fn offer(&self, frame: &Arc<Frame>) -> Result<(), Refused> {
        if !frame.is_resync() {
            match self.link.write_live(frame) {
                Direct::Sent => return Ok(()),
                Direct::Unflushed => return self.conn.queue(Arc::new(Frame::flush())),
                Direct::Queue => {}
            }
        }
        // Nothing of a stream's new history may overtake its fresh snapshot, and nothing may
        // go out directly while the caller's access is checked again.
        self.link.before_queueing(frame);
        self.conn.queue(frame.clone())
    }
}

impl std::ops::Deref for Subscriber {
    type Target = ConnHandle;

    fn deref(&self) -> &ConnHandle {
        &self.conn
    }
}

#[derive(Debug, Default)]
struct Entry {
    last_seq: i64,
    /// Shared with a fan-out under way, which writes without holding the hub's lock; changed
    /// in place otherwise.
    subscribers: Arc<Vec<Subscriber>>,
}

#[derive(Debug)]
struct Inner {
    db: Db,
    streams: Mutex<HashMap<Arc<str>, Entry>>,
    per_ip: Mutex<HashMap<IpAddr, u32>>,
    next_id: AtomicU64,
    metrics: Metrics,
    draining: watch::Sender<bool>,
    /// The runtime serving requests (where the hub was made).
    requests: Handle,
    /// Where connections run; `None`: on `requests`.
    live: Option<Arc<LiveRuntime>>,
    catalogue: Arc<dyn Catalogue>,
    settings: Settings,
    /// The event log's generation last seen (`None` until first read).
    generation: Mutex<Option<String>>,
}

/// What the hub reads of the configuration, once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Seconds between pings to each connection (also told to clients).
    pub heartbeat_secs: u32,
    /// The site's own origin: an upgrade asked by a page of another origin is refused.
    pub public_url: String,
    /// Most connections one address may hold.
    pub max_per_ip: u32,
    /// The threads connections run on.
    pub live: LiveThreads,
}

impl Settings {
    /// The hub's part of `config`.
    pub fn from_config(config: &Config) -> Settings {
        Settings {
            heartbeat_secs: config.ws_heartbeat_secs,
            public_url: config.public_url.clone(),
            max_per_ip: config.ws_max_per_ip,
            live: config.live_threads,
        }
    }
}

/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

/// Frees a connection's slot for its address when dropped.
#[derive(Debug)]
pub struct IpSlot {
    hub: Hub,
    ip: IpAddr,
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut map = self.hub.inner.per_ip.lock().expect("per-ip lock");
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

impl Hub {
    /// A hub reading the log from `db`, asking `catalogue` what streams are, with its
    /// connections on threads set up as `settings` say. Must be called inside the request
    /// runtime.
    pub fn new(db: Db, settings: Settings, catalogue: Arc<dyn Catalogue>) -> std::io::Result<Hub> {
        Ok(Hub {
            inner: Arc::new(Inner {
                streams: Mutex::new(HashMap::new()),
                per_ip: Mutex::new(HashMap::new()),
                next_id: AtomicU64::new(1),
                metrics: Metrics::default(),
                draining: watch::channel(false).0,
                requests: Handle::current(),
                live: LiveRuntime::start(settings.live)?,
                catalogue,
                settings,
                db,
                generation: Mutex::new(None),
            }),
        })
    }

    /// Runs a connection (on the live threads when there are any).
    pub fn spawn_connection(&self, conn: impl Future<Output = ()> + Send + 'static) {
        drop(self.spawn_live(conn));
    }

    /// Runs `work` on the live threads when there are any, else on the request runtime.
    fn spawn_live<T: Send + 'static>(
        &self,
        work: impl Future<Output = T> + Send + 'static,
    ) -> tokio::task::JoinHandle<T> {
        match &self.inner.live {
            Some(live) => live.handle().spawn(work),
            None => self.inner.requests.spawn(work),
        }
    }

    /// Runs `work` on the request runtime and waits for it; `None` if that runtime is
    /// shutting down. Connections send their database work here (see [`threads`]).
    ///
    /// `work` starts when this is called, not when the result is first polled: what the
    /// caller awaits is then a task handle (or a box), never `work` itself. A database
    /// query's state is large, and a connection's task would otherwise carry room for the
    /// largest of them its whole life.
    pub fn on_requests<T: Send + 'static>(
        &self,
        work: impl Future<Output = T> + Send + 'static,
    ) -> impl Future<Output = Option<T>> + Send + 'static {
        let started = match &self.inner.live {
            None => Either::Left(Box::pin(work)),
            Some(_) => Either::Right(self.inner.requests.spawn(work)),
        };
        async move {
            match started {
                Either::Left(work) => Some(work.await),
                Either::Right(task) => task.await.ok(),
            }
        }
    }

    /// What the hub knows of streams.
    pub fn catalogue(&self) -> &Arc<dyn Catalogue> {
        &self.inner.catalogue
    }

    /// What the hub read of the configuration.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The hub's counters.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The database (the event log).
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The next page of `stream`'s log on `walk`, read on the request runtime; `None` if that
    /// runtime is shutting down. The one way the hub and its connections read the log.
    pub async fn read_log(&self, stream: &str, walk: &mut Walk) -> Option<sqlx::Result<Page>> {
        let (pool, stream, mut moved) = (self.db().pool().clone(), stream.to_owned(), *walk);
        let (moved, page) = self
            .on_requests(async move {
                let page = moved.next(&pool, &stream).await;
                (moved, page)
            })
            .await?;
        *walk = moved;
        Some(page)
    }

    /// The current sequence of `stream`, read on the request runtime; `None` if that runtime
    /// is shutting down.
    pub async fn read_head(&self, stream: &str) -> Option<sqlx::Result<i64>> {
        let (pool, stream) = (self.db().pool().clone(), stream.to_owned());
        self.on_requests(async move { crate::events::db::head(&pool, &stream).await })
            .await
    }

    /// Takes a connection slot for `ip`, or `None` when it already has as many as allowed.
    pub fn admit(&self, ip: IpAddr) -> Option<IpSlot> {
        let mut map = self.inner.per_ip.lock().expect("per-ip lock");
        let n = map.entry(ip).or_insert(0);
        if *n >= self.inner.settings.max_per_ip {
            return None;
        }
        *n += 1;
        Some(IpSlot {
            hub: self.clone(),
            ip,
        })
    }

    /// A new connection handle on `link` and the queue it reads.
    pub fn connect(&self, link: Arc<Link>) -> (Arc<ConnHandle>, mpsc::Receiver<Arc<Frame>>) {
        let (tx, rx) = mpsc::channel(QUEUE_FRAMES);
        let handle = Arc::new(ConnHandle {
            id: self.inner.next_id.fetch_add(1, Ordering::Relaxed),
            tx,
            link,
            slow: AtomicBool::new(false),
            kick: Notify::new(),
        });
        (handle, rx)
    }

    /// `stream`'s name as the hub holds it while the stream is followed: the frames of its
    /// events carry this one, so the name every subscriber compares at each delivery is one
    /// copy, warm in the cache, instead of one cold copy per connection.
    pub fn stream_name(&self, stream: &str) -> Arc<str> {
        let streams = self.inner.streams.lock().expect("streams lock");
        match streams.get_key_value(stream) {
            Some((name, _)) => name.clone(),
            None => Arc::from(stream),
        }
    }

    /// Delivers `stream`'s future events to `conn`. `head` is the stream's current sequence,
    /// read by the caller before its replay or snapshot.
    pub fn subscribe(&self, stream: &Arc<str>, head: i64, conn: &Arc<ConnHandle>) {
        let mut streams = self.inner.streams.lock().expect("streams lock");
        let entry = streams.entry(stream.clone()).or_insert_with(|| Entry {
            last_seq: head,
            subscribers: Arc::default(),
        });
        if !entry.subscribers.iter().any(|c| Arc::ptr_eq(&c.conn, conn)) {
            Arc::make_mut(&mut entry.subscribers).push(Subscriber::of(conn));
        }
    }

    /// Stops delivering `stream` to `conn`.
    pub fn unsubscribe(&self, stream: &str, conn: &ConnHandle) {
        let mut streams = self.inner.streams.lock().expect("streams lock");
        if let Some(entry) = streams.get_mut(stream) {
            Arc::make_mut(&mut entry.subscribers).retain(|c| c.id != conn.id);
            if entry.subscribers.is_empty() {
                streams.remove(stream);
            }
        }
    }

    /// The last sequence of `stream` delivered, or `None` when nobody follows it.
    fn last_delivered(&self, stream: &str) -> Option<i64> {
        self.followed(stream).map(|(_, last)| last)
    }

    /// The hub's name of `stream` and the last sequence delivered, or `None` when nobody
    /// follows it.
    fn followed(&self, stream: &str) -> Option<(Arc<str>, i64)> {
        let streams = self.inner.streams.lock().expect("streams lock");
        streams
            .get_key_value(stream)
            .map(|(name, entry)| (name.clone(), entry.last_seq))
    }

    /// Hands a committed event to the subscribers of its stream, filling any gap first.
    pub async fn deliver(&self, event: &Published) {
        let Some((name, last)) = self.followed(&event.stream) else {
            return;
        };
        match follow::step(last, event.seq) {
            Step::Old => return,
            Step::Gap => {
                if self.check_generation().await {
                    return;
                }
                self.metrics().gaps_filled.fetch_add(1, Ordering::Relaxed);
                self.catch_up(&event.stream).await;
                return;
            }
            Step::Next => {}
        }
        let frame = Arc::new(Frame::new(name, event.seq, &event.payload));
        self.fan_out(&frame).await;
    }

    /// Sends `frame` to every subscriber of its stream if it is the next one: written
    /// straight into the sockets of those up to date, queued for the others. A full queue marks
    /// that subscriber slow and drops it. The writes happen outside the hub's lock, so that
    /// connections subscribing meanwhile do not wait for them, and a wide fan-out is shared by
    /// the live threads, each writing its part of the list.
    async fn fan_out(&self, frame: &Arc<Frame>) {
        let subscribers = {
            let mut streams = self.inner.streams.lock().expect("streams lock");
            let Some(entry) = streams.get_mut(&frame.stream) else {
                return;
            };
            if follow::step(entry.last_seq, frame.seq) != Step::Next {
                return;
            }
            entry.last_seq = frame.seq;
            entry.subscribers.clone()
        };
        let parts = match &self.inner.live {
            Some(_) if subscribers.len() >= SHARED_FAN_OUT => self.inner.settings.live.threads,
            _ => 1,
        };
        let mut dropped = HashSet::new();
        if parts <= 1 {
            self.offer_all(frame, &subscribers, &mut dropped);
        } else {
            // Each part is a task of its own, outside tokio's cooperative budget (a direct
            // write polls the socket, and a spent budget would turn the rest into queued
            // frames). The next event waits for them all, so events go out in order.
            let per_part = subscribers.len().div_ceil(parts);
            let mut tasks = Vec::with_capacity(parts);
            for start in (0..subscribers.len()).step_by(per_part) {
                let (hub, frame, subscribers) = (self.clone(), frame.clone(), subscribers.clone());
                let end = (start + per_part).min(subscribers.len());
                tasks.push(
                    self.spawn_live(tokio::task::coop::unconstrained(async move {
                        let mut dropped = HashSet::new();
                        hub.offer_all(&frame, &subscribers[start..end], &mut dropped);
                        dropped
                    })),
                );
            }
            for task in tasks {
                match task.await {
                    Ok(part) => dropped.extend(part),
                    // Its connections fill the gap from the log at the stream's next event.
                    Err(e) => {
                        let stream = &frame.stream;
                        tracing::error!(error = %e, %stream, "a part of a fan-out failed");
                    }
                }
            }
        }
        drop(subscribers);
        if dropped.is_empty() {
            return;
        }
        let mut streams = self.inner.streams.lock().expect("streams lock");
        if let Some(entry) = streams.get_mut(&frame.stream) {
            Arc::make_mut(&mut entry.subscribers).retain(|c| !dropped.contains(&c.id));
            if entry.subscribers.is_empty() {
                streams.remove(&frame.stream);
            }
        }
    }

    /// Offers `frame` to each of `subscribers`; those the hub gives up on go into `dropped`.
    fn offer_all(
        &self,
        frame: &Arc<Frame>,
        subscribers: &[Subscriber],
        dropped: &mut HashSet<u64>,
    ) {
        let metrics = &self.inner.metrics;
        // Counted once per part: the live threads would otherwise contend for the counter's
        // cache line at every delivery.
        let mut delivered = 0;
        for conn in subscribers {
            match conn.offer(frame) {
                Ok(()) => delivered += 1,
                Err(Refused::Slow) => {
                    conn.slow.store(true, Ordering::Release);
                    conn.kick.notify_one();
                    metrics.slow_consumers.fetch_add(1, Ordering::Relaxed);
                    dropped.insert(conn.id);
                }
                Err(Refused::Closed) => {
                    dropped.insert(conn.id);
                }
            }
        }
        metrics.delivered.fetch_add(delivered, Ordering::Relaxed);
    }

    /// Delivers, from the log, every event of `stream` after the last one delivered.
    pub async fn catch_up(&self, stream: &str) {
        let Some((name, last)) = self.followed(stream) else {
            return;
        };
        let mut walk = Walk::to_end(last);
        loop {
            let events = match self.read_log(stream, &mut walk).await {
                Some(Ok(Page::Events(events))) => events,
                None | Some(Ok(Page::End | Page::Missing)) => return,
                Some(Err(e)) => {
                    tracing::warn!(error = %e, stream, "reading the event log failed");
                    return;
                }
            };
            for e in &events {
                self.fan_out(&Arc::new(Frame::new(name.clone(), e.seq, &e.payload)))
                    .await;
            }
            if self.last_delivered(stream).is_none() {
                return;
            }
        }
    }

    /// Compares recently written streams with what was delivered and catches up.
    pub async fn check_log(&self, window: Duration) {
        if self.check_generation().await {
            return;
        }
        let since = now_ms() - i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
        let pool = self.db().pool().clone();
        let heads =
            self.on_requests(async move { crate::events::db::recent_heads(&pool, since).await });
        let heads = match heads.await {
            Some(Ok(h)) => h,
            None => return,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "periodic event-log check failed");
                return;
            }
        };
        let mut lag = 0;
        for (stream, head) in heads {
            let behind = {
                let streams = self.inner.streams.lock().expect("streams lock");
                streams
                    .get(stream.as_str())
                    .map_or(0, |e| (head - e.last_seq).max(0))
            };
            lag += behind;
            if behind > 0 {
                self.metrics().gaps_filled.fetch_add(1, Ordering::Relaxed);
                self.catch_up(&stream).await;
            }
        }
        self.metrics().log_lag.store(lag, Ordering::Relaxed);
    }

    /// Frames waiting in the connections' queues: the total, and the deepest queue.
    pub fn queued_frames(&self) -> (usize, usize) {
        let streams = self.inner.streams.lock().expect("streams lock");
        let mut seen = std::collections::HashSet::new();
        let (mut total, mut deepest) = (0, 0);
        for conn in streams.values().flat_map(|e| e.subscribers.iter()) {
            if seen.insert(conn.id) {
                let queued = conn.tx.max_capacity() - conn.tx.capacity();
                total += queued;
                deepest = deepest.max(queued);
            }
        }
        (total, deepest)
    }

    /// Catches up every subscribed stream (after the bus lost messages, e.g. Redis came back).
    pub async fn catch_up_all(&self) {
        let names: Vec<Arc<str>> = {
            let streams = self.inner.streams.lock().expect("streams lock");
            streams.keys().cloned().collect()
        };
        for stream in names {
            self.catch_up(&stream).await;
        }
    }

    /// Runs the hub where connections run (the live threads, when there are any): consumes
    /// `bus`, catches up when the bus says its link to the other instances lost events, and
    /// checks the log every `check_every`. Its fan-out writes into sockets, so it stays off
    /// the threads that serve requests; the connections it queues frames for write them on
    /// the other live threads while it goes on down the list.
    pub fn spawn(&self, bus: &Bus, check_every: Duration) {
        let hub = self.clone();
        let (mut events, mut losses) = (bus.subscribe(), bus.losses());
        // Outside tokio's cooperative budget: a fan-out's direct writes are one poll of this
        // task, and a budget spent after 128 sockets would turn the rest into queued frames.
        self.spawn_connection(tokio::task::coop::unconstrained(async move {
            let mut tick = tokio::time::interval(check_every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    received = events.recv() => match received {
                        Ok(event) => hub.deliver(&event).await,
                        Err(broadcast::error::RecvError::Lagged(n)) => {
                            hub.metrics().bus_lagged.fetch_add(n, Ordering::Relaxed);
                            tracing::warn!(missed = n, "hub lagged behind the bus; catching up from the log");
                            hub.catch_up_all().await;
                        }
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                    Ok(()) = losses.changed() => hub.catch_up_all().await,
                    _ = tick.tick() => hub.check_log(check_every * 5).await,
                }
            }
        }));
    }

    /// Tells every connection to close with "service restart" (1012).
    pub fn start_drain(&self) {
        self.inner.draining.send_replace(true);
    }

    /// A receiver that turns `true` when draining starts.
    pub fn draining(&self) -> watch::Receiver<bool> {
        self.inner.draining.subscribe()
    }

    /// Waits until every connection closed, at most `limit`.
    pub async fn drained(&self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while self.metrics().connections.load(Ordering::Relaxed) > 0
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
