//! Menus served from memory. A shop's menu is built once (see [`super::build`]) and kept as
//! ready JSON bytes with an `ETag`; it is dropped the moment an event of the shop's menu or
//! stock stream is published, by this instance or (through Redis) by another, before anyone
//! can hear of that event, so a reader never gets a menu older than a change it was told
//! about. A menu older than [`MAX_AGE`] is rebuilt too: that bounds how stale it can be while
//! the link to the other instances is down and their changes reach this one only through
//! the log.
//!
//! One request per shop rebuilds; the others wait for its result. A change that lands while a
//! menu is being built makes that menu unfit to keep (it may predate the change), though it
//! still answers the request that built it, labelled with the sequence it was built at.

use crate::error::{ApiError, ApiResult};
use crate::events::{Bus, Published};
use crate::state::AppState;
use axum::body::Bytes;
use axum::http::HeaderValue;
use ocpizza_proto::ShopId;
use ocpizza_proto::events::Stream;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How long a menu is served without being rebuilt, when no event says it changed: as long
/// as any value kept in memory (see [`crate::memo`]).
pub use crate::memo::MAX_AGE;

/// Every shop's menu, ready to send. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct MenuCache {
    shops: Arc<Mutex<HashMap<ShopId, Slot>>>,
}

/// One shop's place in the cache (only shops that exist get one).
#[derive(Debug, Default)]
struct Slot {
    /// Moves on every change of the shop's menu: a build keeps its result only if it did
    /// not move meanwhile.
    generation: u64,
    ready: Option<Arc<Ready>>,
    /// Held by the request that rebuilds the menu.
    building: Arc<tokio::sync::Mutex<()>>,
}

/// A menu as sent.
#[derive(Debug)]
pub struct Ready {
    /// The sequence of the shop's menu stream the menu matches.
    pub stream_seq: i64,
    /// A strong validator of `body`.
    pub etag: HeaderValue,
    /// The menu as JSON.
    pub body: Bytes,
    built: Instant,
}

impl Ready {
    fn new(stream_seq: i64, body: Vec<u8>) -> Ready {
        let mut hasher = DefaultHasher::new();
        body.hash(&mut hasher);
        let etag = format!("\"{stream_seq:x}-{:016x}\"", hasher.finish());
        Ready {
            stream_seq,
            etag: HeaderValue::from_str(&etag).expect("hex digits and quotes"),
            body: Bytes::from(body),
            built: Instant::now(),
        }
    }

    /// Whether an `If-None-Match` header names this menu.
    pub fn matches(&self, if_none_match: &HeaderValue) -> bool {
        let Ok(tags) = if_none_match.to_str() else {
            return false;
        };
        let ours = self.etag.as_bytes();
        tags.split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag).as_bytes() == ours)
    }
}

/// The shop whose menu `stream` changes, if any: its menu stream, and its stock stream (a
/// sold-out size names the ingredient it lacks).
fn shop_of(stream: &str) -> Option<ShopId> {
    match Stream::parse(stream)? {
        Stream::ShopMenu(shop) | Stream::ShopStock(shop) => Some(shop),
        _ => None,
    }
}

impl MenuCache {
    /// An empty cache that forgets a shop's menu whenever `bus` carries a change of it, and
    /// every menu when the bus says events of other instances may have been lost.
    pub fn watching(bus: &Bus) -> MenuCache {
        let cache = MenuCache::default();
        let watcher = cache.clone();
        bus.watch(Arc::new(move |event: &Published| {
            if let Some(shop) = shop_of(&event.stream) {
                watcher.forget(Some(shop));
            }
        }));
        let (watcher, mut losses) = (cache.clone(), bus.losses());
        tokio::spawn(async move {
            while losses.changed().await.is_ok() {
                watcher.forget(None);
            }
        });
        cache
    }

    /// Drops the menu of `shop` (of every shop with `None`).
    pub fn forget(&self, shop: Option<ShopId>) {
        let mut shops = self.shops.lock().expect("menu cache lock");
        for (_, slot) in shops
            .iter_mut()
            .filter(|(id, _)| shop.is_none_or(|s| s == **id))
        {
            slot.generation += 1;
            slot.ready = None;
        }
    }

    /// What the cache holds for `shop`.
    fn lookup(&self, shop: ShopId) -> Lookup {
        let shops = self.shops.lock().expect("menu cache lock");
        let Some(slot) = shops.get(&shop) else {
            return Lookup::Unknown;
        };
        match &slot.ready {
            Some(ready) if ready.built.elapsed() < MAX_AGE => Lookup::Fresh(ready.clone()),
            _ => Lookup::Stale {
                building: slot.building.clone(),
                generation: slot.generation,
            },
        }
    }

    /// The menu of `shop`: from memory, or built now (404 when there is no such shop).
    pub async fn get(&self, state: &AppState, shop: ShopId) -> ApiResult<Arc<Ready>> {
        let building = match self.lookup(shop) {
            Lookup::Fresh(ready) => return Ok(ready),
            Lookup::Stale { building, .. } => building,
            Lookup::Unknown => {
                crate::shops::require(state, shop).await?;
                let mut shops = self.shops.lock().expect("menu cache lock");
                shops.entry(shop).or_default().building.clone()
            }
        };
        let _building = building.lock().await;
        // Another request may have built it while this one waited.
        let generation = match self.lookup(shop) {
            Lookup::Fresh(ready) => return Ok(ready),
            Lookup::Stale { generation, .. } => generation,
            Lookup::Unknown => 0,
        };
        // The sequence first, then the state: see `events::db::head`.
        let pool = state.db.pool();
        let stream_seq = crate::events::db::head(pool, &Stream::ShopMenu(shop).to_string()).await?;
        let menu = super::build(pool, shop, stream_seq).await?;
        let body = serde_json::to_vec(&menu).map_err(|e| ApiError::Internal(e.into()))?;
        let ready = Arc::new(Ready::new(stream_seq, body));
        let mut shops = self.shops.lock().expect("menu cache lock");
        if let Some(slot) = shops.get_mut(&shop)
            && slot.generation == generation
        {
            slot.ready = Some(ready.clone());
        }
        Ok(ready)
    }
}

/// What the cache holds for a shop.
enum Lookup {
    /// Its menu, fresh.
    Fresh(Arc<Ready>),
    /// Nothing fresh: the lock to take to build it, and the generation the build starts from.
    Stale {
        building: Arc<tokio::sync::Mutex<()>>,
        generation: u64,
    },
    /// No slot: the shop was never asked for (or does not exist).
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_menu_is_named_by_its_etag_in_any_form_of_if_none_match() {
        let ready = Ready::new(7, b"{\"pizzas\":[]}".to_vec());
        let etag = ready.etag.to_str().unwrap().to_owned();
        assert!(etag.starts_with("\"7-"), "{etag}");
        for header in [
            etag.clone(),
            format!("W/{etag}"),
            format!("\"other\", {etag}"),
            "*".to_owned(),
        ] {
            assert!(
                ready.matches(&HeaderValue::from_str(&header).unwrap()),
                "{header}"
            );
        }
        for header in ["\"other\"", "", "\"7-\""] {
            assert!(
                !ready.matches(&HeaderValue::from_str(header).unwrap()),
                "{header}"
            );
        }
        let changed = Ready::new(7, b"{\"pizzas\":[1]}".to_vec());
        assert_ne!(changed.etag, ready.etag);
    }

    #[test]
    fn only_a_shops_menu_and_stock_streams_change_its_menu() {
        assert_eq!(shop_of("shop:3:menu"), Some(ShopId(3)));
        assert_eq!(shop_of("shop:3:stock"), Some(ShopId(3)));
        assert_eq!(shop_of("shop:3:orders"), None);
        assert_eq!(shop_of("group:orders"), None);
        assert_eq!(shop_of("nonsense"), None);
    }
}
