//! The event bus: committed events are broadcast to whoever listens in this process (the live
//! hub) and, with Redis, handed to the publisher that fans them out to the other instances.
//! Publishing never blocks and never fails a request: the event log is the truth, and a
//! listener that lagged or missed something catches up from it.
//!
//! The bus also carries word that its link to the other instances (the Redis bridge, see
//! [`super::redis`]) may have lost events: listeners that hear it ([`Bus::losses`]) catch up
//! from the log. The link's counters ([`Link`]) are read by the metrics endpoint.

use super::Published;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64};
use std::sync::{Arc, RwLock};
use tokio::sync::{broadcast, mpsc, watch};

/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Bus {
    local: broadcast::Sender<Published>,
    remote: Option<mpsc::Sender<Vec<Published>>>,
    link: Arc<Link>,
    watchers: Arc<Watchers>,
}

/// Called with every event as it is published, before any listener can see it: what a
/// request reads right after its own change must already reflect it (see `menu::cache`).
pub type Watcher = Arc<dyn Fn(&Published) + Send + Sync>;

#[derive(Default)]
struct Watchers(RwLock<Vec<Watcher>>);

impl std::fmt::Debug for Watchers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.read().map_or(0, |w| w.len());
        write!(f, "{n} watchers")
    }
}

/// The state of the link to the other instances (Redis); all zero without one.
#[derive(Debug)]
pub struct Link {
    /// 1 while the Redis subscription is up (stays 0 without Redis).
    pub connected: AtomicI64,
    /// Whether the Redis subscription was ever up (the first connection is no reconnect).
    pub ever_connected: AtomicBool,
    /// Times the Redis subscription was (re)established after the first.
    pub reconnects: AtomicU64,
    /// Batches of events that could not be published to Redis.
    pub publish_failures: AtomicU64,
    /// Changes each time the link may have lost events.
    lost: watch::Sender<()>,
}

impl Default for Bus {
    fn default() -> Self {
        Bus::new()
    }
}

impl Bus {
    /// An in-process bus with room for a burst of events per listener.
    pub fn new() -> Bus {
        Bus {
            local: broadcast::channel(8192).0,
            remote: None,
            link: Arc::new(Link {
                connected: AtomicI64::new(0),
                ever_connected: AtomicBool::new(false),
                reconnects: AtomicU64::new(0),
                publish_failures: AtomicU64::new(0),
                lost: watch::channel(()).0,
            }),
            watchers: Arc::default(),
        }
    }

    /// Calls `watcher` with every event published from now on, in this process or received
    /// from another instance, inline: it must be quick and never block.
    pub fn watch(&self, watcher: Watcher) {
        self.watchers
            .0
            .write()
            .expect("watchers lock")
            .push(watcher);
    }

    fn tell_watchers(&self, event: &Published) {
        for watcher in self.watchers.0.read().expect("watchers lock").iter() {
            watcher(event);
        }
    }

    /// The same bus, also sending every batch to `remote` (the Redis publisher).
    #[must_use]
    pub fn with_remote(mut self, remote: mpsc::Sender<Vec<Published>>) -> Bus {
        self.remote = Some(remote);
        self
    }

    /// Hands a transaction's committed events to the listeners and to the other instances.
    pub fn publish(&self, events: Vec<Published>) {
        if events.is_empty() {
            return;
        }
        if let Some(remote) = &self.remote
            && remote.try_send(events.clone()).is_err()
        {
            tracing::warn!(
                "redis publisher queue full: other instances will catch up from the log"
            );
        }
        for event in events {
            self.tell_watchers(&event);
            let _ = self.local.send(event);
        }
    }

    /// Hands an event received from another instance to this process's listeners.
    pub fn publish_local(&self, event: Published) {
        self.tell_watchers(&event);
        let _ = self.local.send(event);
    }

    /// Events published in this process that some listener has not taken yet.
    pub fn backlog(&self) -> usize {
        self.local.len()
    }

    /// Batches waiting for the Redis publisher (0 without Redis).
    pub fn remote_backlog(&self) -> usize {
        self.remote
            .as_ref()
            .map_or(0, |r| r.max_capacity() - r.capacity())
    }

    /// A new listener, receiving events published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Published> {
        self.local.subscribe()
    }

    /// The link to the other instances.
    pub fn link(&self) -> &Arc<Link> {
        &self.link
    }

    /// Changes each time the link to the other instances may have lost events (it was down,
    /// or just came up): whoever listens then catches up from the log.
    pub fn losses(&self) -> watch::Receiver<()> {
        self.link.lost.subscribe()
    }

    /// Says that events of other instances may have been lost on the way (see
    /// [`Bus::losses`]).
    pub fn lost_remote_events(&self) {
        self.link.lost.send_replace(());
    }
}
