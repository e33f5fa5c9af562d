//! The state of a stream, sent when a client cannot (or need not) resume from the log.
//! The stream's sequence is read first, then the state (see `events::db::head`).
//!
//! Building one takes several queries. None of them holds a pooled connection while another
//! is acquired: with N builds each holding one connection of an N-connection pool and waiting
//! for a second, every reader of the pool would wait for the acquire timeout. [`Snapshots`]
//! also bounds how many builds run at once (half the read pool, so requests always find a
//! connection) and lets identical concurrent requests share one build, encoded once.

use super::authz::Scope;
use crate::error::{ApiError, ApiResult};
use axum::extract::ws::Utf8Bytes;
use ocpizza_proto::events::Stream;
use ocpizza_proto::ws::{ServerMsg, Snapshot};
use sqlx::AnyPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{OnceCell, Semaphore};

/// A built snapshot: its sequence and the `snapshot` server message, encoded.
#[derive(Debug, Clone)]
pub struct Built {
    /// Sequence of the stream the state corresponds to.
    pub seq: i64,
    /// `{"type":"snapshot",…}`, shared by every connection that asked at the same time.
    pub text: Utf8Bytes,
}

type Shared = Arc<OnceCell<Option<Built>>>;

/// Bounds and shares snapshot building.
#[derive(Debug)]
pub struct Snapshots {
    permits: Semaphore,
    inflight: Mutex<HashMap<String, Shared>>,
}

impl Snapshots {
    /// At most `concurrent` builds at once (at least one).
    pub fn new(concurrent: usize) -> Snapshots {
        Snapshots {
            permits: Semaphore::new(concurrent.max(1)),
            inflight: Mutex::new(HashMap::new()),
        }
    }

    /// The snapshot of `stream` as `scope` may see it: joins a build of the same already under
    /// way, or builds it once a permit is free. `None` if the build failed.
    pub async fn get(&self, pool: &AnyPool, stream: &Stream, scope: &Scope) -> Option<Built> {
        let key = format!("{stream}{}", scope.key());
        let cell: Shared = self
            .inflight
            .lock()
            .expect("snapshot lock")
            .entry(key.clone())
            .or_default()
            .clone();
        let built = cell
            .get_or_init(|| async {
                let _permit = self.permits.acquire().await.ok()?;
                match encode(pool, stream, scope).await {
                    Ok(built) => Some(built),
                    Err(e) => {
                        tracing::warn!(error = %e, stream = %stream, "building a snapshot");
                        None
                    }
                }
            })
            .await
            .clone();
        let mut inflight = self.inflight.lock().expect("snapshot lock");
        if inflight.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            inflight.remove(&key);
        }
        built
    }
}

async fn encode(pool: &AnyPool, stream: &Stream, scope: &Scope) -> ApiResult<Built> {
    let (seq, snapshot) = build(pool, stream, scope).await?;
    let msg = ServerMsg::Snapshot {
        stream: stream.to_string(),
        seq,
        state: snapshot,
    };
    let text = serde_json::to_string(&msg).map_err(|e| ApiError::Internal(e.into()))?;
    Ok(Built {
        seq,
        text: text.into(),
    })
}

/// `(sequence, state)` of `stream`, limited to what `scope` may see.
pub async fn build(pool: &AnyPool, stream: &Stream, scope: &Scope) -> ApiResult<(i64, Snapshot)> {
    let seq = crate::events::db::head(pool, &stream.to_string()).await?;
    let snapshot = match stream {
        Stream::ShopOrders(shop) => Snapshot::Orders {
            orders: open_orders(pool, Some(*shop)).await?,
        },
        Stream::GroupOrders => Snapshot::Orders {
            orders: open_orders(pool, None)
                .await?
                .into_iter()
                .filter(|o| scope.sees(o.shop_id))
                .collect(),
        },
        Stream::ShopStock(shop) => Snapshot::Stock {
            items: crate::stock::db::levels(pool, *shop).await?,
        },
        Stream::ShopMenu(shop) => Snapshot::Menu {
            shop: Box::new(
                crate::shops::db::get(pool, *shop)
                    .await?
                    .ok_or(ApiError::NotFound("shop"))?,
            ),
            menu: Box::new(crate::menu::build(pool, *shop, seq).await?),
        },
        Stream::Order(token) => {
            let found = {
                let mut conn = pool.acquire().await?;
                crate::orders::db::by_token(&mut conn, token).await?
            };
            Snapshot::Order {
                order: Box::new(crate::orders::public::order(
                    found.ok_or(ApiError::NotFound("order"))?.with_email(),
                )),
            }
        }
        Stream::Driver(id) => Snapshot::Deliveries {
            deliveries: Box::new(crate::orders::deliveries_of(pool, *id).await?),
        },
        Stream::User(_) => return Err(ApiError::NotFound("stream")),
        Stream::Site => Snapshot::Site {
            maintenance: crate::maintenance::db::get(pool).await?,
        },
        Stream::GroupAudit => Snapshot::Audit {
            switches: crate::maintenance::db::history(pool, crate::maintenance::router::HISTORY)
                .await?,
        },
    };
    Ok((seq, snapshot))
}

async fn open_orders(
    pool: &AnyPool,
    shop: Option<ocpizza_proto::ShopId>,
) -> ApiResult<Vec<ocpizza_proto::api::orders::Order>> {
    let mut conn = pool.acquire().await?;
    Ok(crate::orders::db::open(&mut conn, shop)
        .await?
        .into_iter()
        .map(|r| r.order)
        .collect())
}
