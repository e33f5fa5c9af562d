//! What keeps one client from holding a shop's stock: online orders are throttled per client
//! address and per phone, one phone may have only a few orders waiting for a shop to start
//! them, orders no shop started in time are cancelled (their stock released), and a manager can
//! cancel every waiting order of one phone number at once.

use super::db;
use super::service::{self, Change, Who};
use crate::customers::national;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::StatusCode;
use ocpizza_proto::api::orders::Order;
use ocpizza_proto::{ErrorCode, OrderId, OrderStatus, ShopId};
use std::net::IpAddr;
use std::time::Duration;

/// The reason given to orders released because no shop started them.
pub const NOT_STARTED_REASON: &str = "not started by the shop in time";

/// Admits one online order from `ip` for contact `phone`, or refuses it (429) past either
/// throttle. Returns the phone in national form, whose allowance of orders waiting for a shop
/// the shop's writer checks (see [`open_allowance`]).
pub fn admit(state: &AppState, ip: IpAddr, phone: &str) -> ApiResult<String> {
    let limits = &state.order_limits;
    limits.check_ip(ip).map_err(|wait| {
        tracing::warn!(%ip, "order rate limit hit (address)");
        throttled("too many orders from your network", wait)
    })?;
    let key = national(phone);
    limits.check_phone(&key).map_err(|wait| {
        tracing::warn!("order rate limit hit (phone)");
        throttled("too many orders for this phone number", wait)
    })?;
    Ok(key)
}

/// How many web orders each phone of `phones` (national form) has waiting for a shop to
/// start them, in the whole group: one query for a batch of orders (see `batch`), read beside
/// the batch's own statements rather than in their chain.
pub async fn open_allowance(
    state: &AppState,
    phones: &[&str],
) -> ApiResult<std::collections::HashMap<String, usize>> {
    if phones.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let mut conn = state.db.pool().acquire().await?;
    Ok(db::placed_web_orders_per_phone(&mut conn, phones).await?)
}

/// The refusal of an order whose phone has `waiting` web orders no shop has started, its
/// allowance.
pub fn too_many_open(waiting: usize) -> ApiError {
    ApiError::Refused {
        code: ErrorCode::TooManyOpenOrders,
        message: format!(
            "this phone number already has {waiting} orders the shop has not started; \
             wait until they are under way, or call the shop"
        ),
    }
}

fn throttled(what: &str, wait: Duration) -> ApiError {
    let secs = wait.as_secs().max(1);
    ApiError::Throttled {
        message: format!("{what}; try again in {secs} s"),
        retry_after: wait,
    }
}

/// Cancels order `id` if it is still `placed`, through the normal cancel path: its stock is
/// released, the ledger and the events written. `None` when the kitchen started it (or it
/// changed) in the meantime.
async fn cancel_placed(
    state: &AppState,
    who: Who<'_>,
    id: OrderId,
    reason: &str,
) -> ApiResult<Option<Order>> {
    let mut tx = state.db.begin().await?;
    let Some(rec) = db::by_id(&mut tx, id).await? else {
        return Ok(None);
    };
    if rec.order.status != OrderStatus::Placed {
        return Ok(None);
    }
    let change = Change {
        to: OrderStatus::Cancelled,
        version: Some(rec.order.version),
        reason: Some(reason.to_owned()),
    };
    match service::transition_in(&mut tx, who, id, false, &change).await {
        Ok((order, outbox)) => {
            service::commit(state, tx, outbox, None, StatusCode::OK, &order).await?;
            Ok(Some(order))
        }
        Err(ApiError::StaleVersion { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Cancels every order still `placed` that was placed before `cutoff` (Unix ms), with
/// [`NOT_STARTED_REASON`]; returns them.
pub async fn cancel_unstarted(state: &AppState, cutoff: i64) -> ApiResult<Vec<Order>> {
    let ids = {
        let mut conn = state.db.pool().acquire().await?;
        db::placed_before(&mut conn, cutoff).await?
    };
    let mut cancelled = Vec::new();
    for id in ids {
        if let Some(order) = cancel_placed(state, Who::System, id, NOT_STARTED_REASON).await? {
            tracing::info!(order = %order.id, shop = %order.shop_id, "unstarted order released");
            cancelled.push(order);
        }
    }
    Ok(cancelled)
}

/// Cancels the orders of `shop` waiting with contact `phone` (any channel), as `who`.
pub async fn cancel_by_phone(
    state: &AppState,
    who: Who<'_>,
    shop: ShopId,
    phone: &str,
    reason: &str,
) -> ApiResult<Vec<Order>> {
    let key = national(phone);
    let ids = {
        let mut conn = state.db.pool().acquire().await?;
        db::placed_with_phone(&mut conn, shop, &key).await?
    };
    let mut cancelled = Vec::new();
    for id in ids {
        cancelled.extend(cancel_placed(state, who, id, reason).await?);
    }
    tracing::info!(%shop, count = cancelled.len(), "orders cancelled by phone");
    Ok(cancelled)
}
