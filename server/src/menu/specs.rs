//! The catalogue's pizzas (sizes, prices, recipes, extras) in memory, for pricing orders
//! without reading them again for each. Loaded on first use and dropped the moment a
//! `catalogue_changed` event is published, here or (through Redis) by another instance, so an
//! order placed after a change was announced is priced with it; reloaded too once older than
//! [`super::cache::MAX_AGE`], the bound on staleness while the link to the other instances is
//! down.

use super::db::PizzaSpec;
use crate::events::{Bus, Published};
use ocpizza_proto::PizzaId;
use sqlx::AnyPool;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How a `catalogue_changed` event's payload begins (serde writes the tag first).
const CATALOGUE_CHANGED: &str = r#"{"type":"catalogue_changed""#;

/// Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Specs {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Moves on every catalogue change: a load keeps its result only if it did not move.
    generation: u64,
    loaded: Option<(Arc<Vec<PizzaSpec>>, Instant)>,
}

impl Specs {
    /// An empty cache that forgets the catalogue whenever `bus` carries a change of it.
    pub fn watching(bus: &Bus) -> Specs {
        let specs = Specs::default();
        let watcher = specs.clone();
        bus.watch(Arc::new(move |event: &Published| {
            if event.payload.starts_with(CATALOGUE_CHANGED) {
                watcher.forget();
            }
        }));
        let (watcher, mut losses) = (specs.clone(), bus.losses());
        tokio::spawn(async move {
            while losses.changed().await.is_ok() {
                watcher.forget();
            }
        });
        specs
    }

    /// Drops what is loaded.
    pub fn forget(&self) {
        let mut inner = self.inner.lock().expect("specs lock");
        inner.generation += 1;
        inner.loaded = None;
    }

    /// Every pizza of the catalogue, in menu order.
    pub async fn all(&self, pool: &AnyPool) -> sqlx::Result<Arc<Vec<PizzaSpec>>> {
        let generation = {
            let inner = self.inner.lock().expect("specs lock");
            match &inner.loaded {
                Some((all, at)) if at.elapsed() < super::cache::MAX_AGE => {
                    return Ok(all.clone());
                }
                _ => inner.generation,
            }
        };
        let all = Arc::new(super::db::specs(pool, None).await?);
        let mut inner = self.inner.lock().expect("specs lock");
        if inner.generation == generation {
            inner.loaded = Some((all.clone(), Instant::now()));
        }
        Ok(all)
    }

    /// The pizzas of `ids` that exist, in menu order.
    pub async fn of(&self, pool: &AnyPool, ids: &[PizzaId]) -> sqlx::Result<Vec<PizzaSpec>> {
        Ok(self
            .all(pool)
            .await?
            .iter()
            .filter(|p| ids.contains(&p.id))
            .cloned()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpizza_proto::ShopId;
    use ocpizza_proto::events::Event;

    #[test]
    fn a_catalogue_change_is_recognised_by_its_payload_and_nothing_else_is() {
        let changed =
            serde_json::to_string(&Event::CatalogueChanged { shop_id: ShopId(2) }).unwrap();
        assert!(changed.starts_with(CATALOGUE_CHANGED), "{changed}");
        let other = serde_json::to_string(&Event::ShopResumed { shop_id: ShopId(2) }).unwrap();
        assert!(!other.starts_with(CATALOGUE_CHANGED), "{other}");
    }
}
