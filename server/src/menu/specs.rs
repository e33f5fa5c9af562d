//! The catalogue's pizzas (sizes, prices, recipes, extras) in memory, for pricing orders
//! without reading them again for each: dropped when a `catalogue_changed` event is published
//! (see [`crate::memo`]).

use super::db::PizzaSpec;
use crate::events::Bus;
use crate::memo::{Memo, is_of_type};
use ocpizza_proto::PizzaId;
use sqlx::AnyPool;
use std::sync::Arc;

/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Specs {
    memo: Memo<Arc<Vec<PizzaSpec>>>,
}

impl Specs {
    /// An empty cache that forgets the catalogue whenever `bus` carries a change of it.
    pub fn watching(bus: &Bus) -> Specs {
        Specs {
            memo: Memo::watching(bus, |event| is_of_type(event, "catalogue_changed")),
        }
    }

    /// Every pizza of the catalogue, in menu order.
    pub async fn all(&self, pool: &AnyPool) -> sqlx::Result<Arc<Vec<PizzaSpec>>> {
        self.memo
            .get(|| async {
                let mut conn = pool.acquire().await?;
                Ok(Arc::new(super::db::specs(&mut conn, None).await?))
            })
            .await
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
