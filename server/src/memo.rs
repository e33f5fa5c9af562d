//! A value read from the database once and kept in memory until an event says it changed: it is
//! dropped the moment such an event is published, here or (through Redis) by another instance,
//! so whatever is done after a change was announced sees it; and it is read again once older
//! than [`MAX_AGE`], the bound on staleness while the link to the other instances is down (their
//! changes then reach this one only through the log).

use crate::events::{Bus, Published};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a value is kept when no event says it changed.
pub const MAX_AGE: Duration = Duration::from_secs(2);

/// Cheap to clone: clones share the value.
#[derive(Debug)]
pub struct Memo<T> {
    inner: Arc<Mutex<Inner<T>>>,
}

impl<T> Clone for Memo<T> {
    fn clone(&self) -> Self {
        Memo {
            inner: self.inner.clone(),
        }
    }
}

#[derive(Debug)]
struct Inner<T> {
    /// Moves on every change: a read keeps its result only if it did not move meanwhile (it
    /// may predate the change).
    generation: u64,
    loaded: Option<(T, Instant)>,
}

impl<T: Clone + Send + 'static> Memo<T> {
    /// An empty memo that forgets its value whenever `bus` carries an event for which
    /// `changes` is true, and when the bus says events of other instances may have been lost.
    pub fn watching(bus: &Bus, changes: fn(&Published) -> bool) -> Memo<T> {
        let memo = Memo {
            inner: Arc::new(Mutex::new(Inner {
                generation: 0,
                loaded: None,
            })),
        };
        let watcher = memo.clone();
        bus.watch(Arc::new(move |event: &Published| {
            if changes(event) {
                watcher.forget();
            }
        }));
        let (watcher, mut losses) = (memo.clone(), bus.losses());
        tokio::spawn(async move {
            while losses.changed().await.is_ok() {
                watcher.forget();
            }
        });
        memo
    }

    /// Drops the value.
    pub fn forget(&self) {
        let mut inner = self.inner.lock().expect("memo lock");
        inner.generation += 1;
        inner.loaded = None;
    }

    /// The value, from memory or read now by `load`.
    pub async fn get<F: Future<Output = sqlx::Result<T>>>(
        &self,
        load: impl FnOnce() -> F,
    ) -> sqlx::Result<T> {
        let generation = {
            let inner = self.inner.lock().expect("memo lock");
            match &inner.loaded {
                Some((value, at)) if at.elapsed() < MAX_AGE => return Ok(value.clone()),
                _ => inner.generation,
            }
        };
        let value = load().await?;
        let mut inner = self.inner.lock().expect("memo lock");
        if inner.generation == generation {
            inner.loaded = Some((value.clone(), Instant::now()));
        }
        Ok(value)
    }
}

/// Whether `event`'s payload is of type `kind`, or of a type starting with it (serde writes
/// the tag first).
pub fn is_of_type(event: &Published, kind: &str) -> bool {
    event
        .payload
        .strip_prefix(r#"{"type":""#)
        .is_some_and(|rest| rest.starts_with(kind))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpizza_proto::ShopId;
    use ocpizza_proto::events::Event;

    fn published(event: &Event) -> Published {
        Published {
            stream: "shop:2:menu".into(),
            seq: 1,
            payload: serde_json::to_string(event).unwrap().into(),
        }
    }

    #[test]
    fn an_event_is_recognised_by_the_type_its_payload_begins_with() {
        let changed = published(&Event::CatalogueChanged { shop_id: ShopId(2) });
        assert!(is_of_type(&changed, "catalogue_changed"));
        assert!(!is_of_type(&changed, "shop_"));
        let resumed = published(&Event::ShopResumed { shop_id: ShopId(2) });
        assert!(is_of_type(&resumed, "shop_"));
        assert!(!is_of_type(&resumed, "catalogue_changed"));
    }

    #[tokio::test]
    async fn a_value_is_read_once_until_forgotten_and_a_read_overtaken_by_a_change_is_not_kept() {
        let bus = Bus::new();
        let memo: Memo<u32> = Memo::watching(&bus, |_| false);
        assert_eq!(memo.get(|| async { Ok(1) }).await.unwrap(), 1);
        assert_eq!(memo.get(|| async { Ok(2) }).await.unwrap(), 1);
        memo.forget();
        // A change lands while this read is under way: its result answers but is not kept.
        let overtaken = memo
            .get(|| async {
                memo.forget();
                Ok(3)
            })
            .await
            .unwrap();
        assert_eq!(overtaken, 3);
        assert_eq!(memo.get(|| async { Ok(4) }).await.unwrap(), 4);
        assert_eq!(memo.get(|| async { Ok(5) }).await.unwrap(), 4);
    }
}
