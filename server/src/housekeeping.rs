//! Periodic clean-up while the server runs: idempotency keys older than a week, expired
//! sessions, and events older than the retention window (resuming from before it gets a
//! snapshot). Failures are logged and retried at the next tick; they never stop the server.

use crate::db::{Db, now_ms};
use std::time::Duration;

/// How long an `Idempotency-Key` is remembered.
pub const IDEMPOTENCY_DAYS: i64 = 7;

/// Deletes what has expired; returns `(idempotency keys, sessions)` removed.
pub async fn sweep(db: &Db, event_retention_hours: u32) -> sqlx::Result<(u64, u64)> {
    let horizon = now_ms() - i64::from(event_retention_hours) * 3_600_000;
    crate::events::db::prune(db.writer(), horizon).await?;
    let keys = crate::idempotency::purge(db.writer(), IDEMPOTENCY_DAYS).await?;
    let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(now_ms())
        .execute(db.writer())
        .await?
        .rows_affected();
    Ok((keys, sessions))
}

/// Runs [`sweep`] every `every` until the process ends.
pub fn spawn(db: Db, every: Duration, event_retention_hours: u32) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            match sweep(&db, event_retention_hours).await {
                Ok((0, 0)) => {}
                Ok((keys, sessions)) => tracing::info!(keys, sessions, "expired data removed"),
                Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
            }
        }
    })
}
