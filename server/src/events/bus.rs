//! The event bus: committed events are broadcast to whoever listens in this process (the live
//! hub) and, with Redis, handed to the publisher that fans them out to the other instances.
//! Publishing never blocks and never fails a request: the event log is the truth, and a
//! listener that lagged or missed something catches up from it.

use super::Published;
use tokio::sync::{broadcast, mpsc};

/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Bus {
    local: broadcast::Sender<Published>,
    remote: Option<mpsc::Sender<Vec<Published>>>,
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
            let _ = self.local.send(event);
        }
    }

    /// Hands an event received from another instance to this process's listeners.
    pub fn publish_local(&self, event: Published) {
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
}
