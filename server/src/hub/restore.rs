//! What a restore of the event log means for live streams.
//!
//! A restore puts an older event log back: sequences go back, and what a client saw after the
//! backup never happened. The restore writes a new log generation; the hub's periodic check
//! (and any gap it meets) notices it, sets every stream back to the log's head and queues a
//! [`Frame::resync`] to each subscriber, which then gets a fresh snapshot instead of events it
//! could not reconcile.

use super::{Frame, Hub, Refused};
use std::sync::Arc;
use std::sync::atomic::Ordering;

impl Hub {
    /// Reads the event log's generation; when a restore changed it, sets every stream back to
    /// the log's head and asks each subscriber to resync. True if it did.
    pub async fn check_generation(&self) -> bool {
        let pool = self.db().pool().clone();
        let read = self
            .on_requests(async move { crate::events::db::generation(&pool).await })
            .await;
        let current = match read {
            Some(Ok(Some(g))) => g,
            Some(Ok(None)) | None => return false,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "reading the event log's generation failed");
                return false;
            }
        };
        {
            let mut seen = self.inner.generation.lock().expect("generation lock");
            match seen.as_deref() {
                None => {
                    *seen = Some(current);
                    return false;
                }
                Some(g) if g == current => return false,
                Some(_) => *seen = Some(current),
            }
        }
        tracing::warn!("the event log was restored: resyncing every live stream");
        self.resync_restored().await;
        true
    }

    /// After a restore: every stream's delivered sequence becomes the log's head, and every
    /// subscriber is queued a [`Frame::resync`] (a full queue drops it, to resume later).
    async fn resync_restored(&self) {
        let names: Vec<Arc<str>> = {
            let streams = self.inner.streams.lock().expect("streams lock");
            streams.keys().cloned().collect()
        };
        for name in names {
            let Some(Ok(head)) = self.read_head(&name).await else {
                continue;
            };
            let frame = Arc::new(Frame::resync(name.clone()));
            let mut streams = self.inner.streams.lock().expect("streams lock");
            let Some(entry) = streams.get_mut(&name) else {
                continue;
            };
            entry.last_seq = head;
            Arc::make_mut(&mut entry.subscribers).retain(|conn| match conn.offer(&frame) {
                Ok(()) => true,
                Err(Refused::Slow) => {
                    conn.slow.store(true, Ordering::Release);
                    conn.kick.notify_one();
                    false
                }
                Err(Refused::Closed) => false,
            });
            if entry.subscribers.is_empty() {
                streams.remove(&name);
            }
        }
    }
}
