//! The reconciler: carries out the money movements the provider has not confirmed, cancels
//! the orders whose payment was not authorised in time (after asking the provider one last
//! time), and asks the provider about attempts that went quiet — a lost webhook, a customer
//! who closed the tab after authenticating, a crash between the provider's answer and ours.

use super::{db, flow};
use crate::db::now_ms;
use crate::error::ApiResult;
use crate::state::AppState;
use std::time::Duration;

/// How long an attempt may stay quiet before the reconciler asks the provider about it.
pub const QUIET_MS: i64 = 60_000;

/// One round: due movements, expired orders, quiet attempts. Returns how many orders were
/// cancelled for want of payment.
pub async fn once(state: &AppState) -> ApiResult<usize> {
    // Also without a provider (switched off): unpaid orders still expire and free their stock.
    flow::run_due(state, None).await;
    let now = now_ms();
    let mut conn = state.db.pool().acquire().await?;
    let expired = db::expired_orders(&mut conn, now).await?;
    let quiet = db::stale_attempts(&mut conn, now - QUIET_MS).await?;
    drop(conn);
    for attempt in &quiet {
        if let Err(e) = flow::sync(state, attempt).await {
            tracing::warn!(error = %e, payment = attempt.id, "asking the provider failed");
        }
    }
    let mut cancelled = 0;
    for order in expired {
        // The customer may have authorised at the last moment, unseen.
        let mut conn = state.db.pool().acquire().await?;
        let last = db::attempts(&mut conn, order).await?.pop();
        drop(conn);
        if let Some(last) = last
            && let Err(e) = flow::sync(state, &last).await
        {
            tracing::warn!(error = %e, order = %order, "asking the provider failed");
        }
        let mut conn = state.db.pool().acquire().await?;
        let still = crate::orders::db::by_id(&mut conn, order)
            .await?
            .is_some_and(|r| r.order.status == ocpizza_proto::OrderStatus::AwaitingPayment);
        drop(conn);
        if still {
            flow::expire(state, order, "payment not completed in time").await?;
            cancelled += 1;
        }
    }
    flow::run_due(state, None).await;
    Ok(cancelled)
}

/// Runs [`once`] every `every`, and as soon as a movement is asked for.
pub fn spawn(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = once(&state).await {
                tracing::warn!(error = %e, "payment reconciliation failed");
            }
            let _ = tokio::time::timeout(every, state.payments.wake.notified()).await;
        }
    })
}
