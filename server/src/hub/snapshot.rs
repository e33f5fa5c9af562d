//! The state of a stream, sent when a client cannot (or need not) resume from the log.
//! The stream's sequence is read first, then the state (see `events::db::head`).

use crate::error::ApiResult;
use crate::state::AppState;
use ocpizza_proto::events::Stream;
use ocpizza_proto::ws::Snapshot;

/// `(sequence, state)` of `stream`.
pub async fn build(state: &AppState, stream: &Stream) -> ApiResult<(i64, Snapshot)> {
    let pool = state.db.pool();
    let seq = crate::events::db::head(pool, &stream.to_string()).await?;
    let mut conn = pool.acquire().await?;
    let snapshot = match stream {
        Stream::ShopOrders(shop) => Snapshot::Orders {
            orders: crate::orders::db::open(&mut conn, Some(*shop))
                .await?
                .into_iter()
                .map(|r| r.order)
                .collect(),
        },
        Stream::GroupOrders => Snapshot::Orders {
            orders: crate::orders::db::open(&mut conn, None)
                .await?
                .into_iter()
                .map(|r| r.order)
                .collect(),
        },
        Stream::ShopStock(shop) => Snapshot::Stock {
            items: crate::stock::db::levels(pool, *shop).await?,
        },
        Stream::ShopMenu(shop) => Snapshot::Menu {
            shop: Box::new(crate::shops::require(state, *shop).await?),
            menu: Box::new(crate::menu::build(state, *shop, seq).await?),
        },
        Stream::Order(token) => Snapshot::Order {
            order: Box::new(crate::orders::public::order(
                crate::orders::db::by_token(&mut conn, token)
                    .await?
                    .ok_or(crate::error::ApiError::NotFound("order"))?
                    .order,
            )),
        },
        Stream::Driver(id) => Snapshot::Deliveries {
            deliveries: Box::new(crate::orders::deliveries_of(state, *id).await?),
        },
    };
    Ok((seq, snapshot))
}
