//! The in-process event bus: committed events are broadcast to whoever listens (the live hub).
//! Publishing never blocks and never fails a request: the event log is the truth, and a
//! listener that lagged catches up from it.

use super::Published;
use tokio::sync::broadcast;

/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Bus {
    tx: broadcast::Sender<Published>,
}

impl Default for Bus {
    fn default() -> Self {
        Bus::new()
    }
}

impl Bus {
    /// A bus with room for a burst of events per listener.
    pub fn new() -> Bus {
        Bus {
            tx: broadcast::channel(4096).0,
        }
    }

    /// Hands committed events to the listeners (none is fine).
    pub fn publish(&self, events: Vec<Published>) {
        for event in events {
            let _ = self.tx.send(event);
        }
    }

    /// A new listener, receiving events published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Published> {
        self.tx.subscribe()
    }
}
