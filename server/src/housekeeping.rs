//! Periodic work while the server runs: every minute, orders no shop started in time are
//! cancelled and their stock released; every hour, idempotency keys older than a week, expired
//! sessions, and events and settled notifications older than the retention window (resuming from before it gets a
//! snapshot) are removed. Failures are logged and retried at the next tick; they never stop
//! the server.

use crate::db::{Db, now_ms};
use crate::error::ApiResult;
use crate::state::AppState;
use std::time::Duration;

/// How long an `Idempotency-Key` is remembered.
pub const IDEMPOTENCY_DAYS: i64 = 7;

/// Deletes what has expired; returns `(idempotency keys, sessions)` removed.
pub async fn sweep(
    db: &Db,
    event_retention_hours: u32,
    audit_days: u32,
) -> sqlx::Result<(u64, u64)> {
    let horizon = now_ms() - i64::from(event_retention_hours) * 3_600_000;
    crate::audit::db::prune(
        &mut *db.writer().await?,
        now_ms() - i64::from(audit_days) * 86_400_000,
    )
    .await?;
    crate::events::db::prune(&mut *db.writer().await?, horizon).await?;
    crate::notify::db::prune(db, horizon).await?;
    let keys = crate::idempotency::purge(&mut *db.writer().await?, IDEMPOTENCY_DAYS).await?;
    let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(now_ms())
        .execute(&mut *db.writer().await?)
        .await?
        .rows_affected();
    Ok((keys, sessions))
}

/// Cancels the orders still `placed` `OCPIZZA_UNSTARTED_ORDER_MINUTES` before `now` (Unix
/// ms), through the normal cancel path; returns how many.
pub async fn release_unstarted(state: &AppState, now: i64) -> ApiResult<usize> {
    let cutoff = now - i64::from(state.config.unstarted_order_minutes) * 60_000;
    Ok(crate::orders::guard::cancel_unstarted(state, cutoff)
        .await?
        .len())
}

/// Runs [`release_unstarted`] every minute and [`sweep`] every `every` until the process ends.
pub fn spawn(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    let releases = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_mins(1));
        loop {
            tick.tick().await;
            if let Err(e) = release_unstarted(&releases, now_ms()).await {
                tracing::warn!(error = %e, "releasing unstarted orders failed");
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        let retention = state.config.event_retention_hours;
        let audit_days = state.config.audit_retention_days;
        loop {
            tick.tick().await;
            match sweep(&state.db, retention, audit_days).await {
                Ok((0, 0)) => {}
                Ok((keys, sessions)) => tracing::info!(keys, sessions, "expired data removed"),
                Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
            }
            let horizon = now_ms() - i64::from(state.config.anonymise_after_days) * 86_400_000;
            match crate::privacy::anonymise_guest_orders(&state.db, horizon).await {
                Ok(0) => {}
                Ok(orders) => tracing::info!(orders, "old guest orders anonymised"),
                Err(e) => tracing::warn!(error = %e, "anonymising old guest orders failed"),
            }
        }
    })
}
