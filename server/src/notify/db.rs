//! SQL of the notifications table.

use super::{Channel, Delivery, Pending};
use crate::db::{Db, Tx};
use sqlx::Row;

/// Adds deliveries, ignoring dedupe keys already there.
pub async fn insert(tx: &mut Tx, deliveries: &[Delivery], now: i64) -> sqlx::Result<()> {
    for d in deliveries {
        sqlx::query(
            "INSERT INTO notifications \
             (dedupe_key, channel, recipient, payload, event_at, expires_at, next_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(&d.key)
        .bind(d.channel.as_str())
        .bind(&d.recipient)
        .bind(&d.payload)
        .bind(d.event_at)
        .bind(d.expires_at)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A leased row: the delivery and its deadline.
#[derive(Debug, Clone)]
pub struct Leased {
    /// What to send.
    pub pending: Pending,
    /// Not sent after this (ms).
    pub expires_at: i64,
}

/// Takes up to `limit` due rows of `channel` until `until`; a row leased by another instance
/// and not yet expired is left to it.
pub async fn lease(
    db: &Db,
    channel: Channel,
    now: i64,
    until: i64,
    limit: i64,
) -> sqlx::Result<Vec<Leased>> {
    // Looked for on the readers first: most rounds find nothing, and take no write lock.
    let rows = sqlx::query(
        "SELECT id, dedupe_key, recipient, payload, event_at, expires_at, attempts \
         FROM notifications WHERE state = 'pending' AND channel = $1 AND next_at <= $2 \
         AND (lease_until IS NULL OR lease_until < $2) ORDER BY next_at, id LIMIT $3",
    )
    .bind(channel.as_str())
    .bind(now)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = db.begin().await?;
    let mut leased = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let taken = sqlx::query(
            "UPDATE notifications SET lease_until = $2 WHERE id = $1 AND state = 'pending' \
             AND (lease_until IS NULL OR lease_until < $3)",
        )
        .bind(id)
        .bind(until)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if taken == 1 {
            leased.push(Leased {
                pending: Pending {
                    id,
                    key: row.try_get("dedupe_key")?,
                    recipient: row.try_get("recipient")?,
                    payload: row.try_get("payload")?,
                    event_at: row.try_get("event_at")?,
                    attempts: row.try_get::<i32, _>("attempts")?,
                },
                expires_at: row.try_get("expires_at")?,
            });
        }
    }
    tx.commit().await?;
    Ok(leased)
}

/// How an attempt went, to record.
#[derive(Debug, Clone)]
pub struct Settled<'a> {
    /// The row.
    pub id: i64,
    /// Its new state.
    pub state: &'static str,
    /// Attempts made, this one included.
    pub attempts: i32,
    /// Why it was not sent.
    pub error: Option<&'a str>,
    /// When to try again, if it is still pending.
    pub next_at: i64,
}

/// Records attempts, in one transaction. A row settled for good loses its payload: what a
/// message said (an address, a reset link) is not kept once it is no longer needed.
pub async fn settle(db: &Db, rows: &[Settled<'_>], now: i64) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    for row in rows {
        sqlx::query(
            "UPDATE notifications SET state = $2, attempts = $3, last_error = $4, next_at = $5, \
             lease_until = NULL, sent_at = CASE WHEN $2 = 'sent' THEN $6 ELSE sent_at END, \
             payload = CASE WHEN $2 = 'pending' THEN payload ELSE '' END \
             WHERE id = $1",
        )
        .bind(row.id)
        .bind(row.state)
        .bind(row.attempts)
        .bind(row.error)
        .bind(row.next_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Rows of each state, for metrics and tests.
pub async fn counts(db: &Db) -> sqlx::Result<Vec<(String, String, i64)>> {
    let rows = sqlx::query(
        "SELECT channel, state, COUNT(*) AS n FROM notifications GROUP BY channel, state",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("channel")?, r.try_get("state")?, r.try_get("n")?)))
        .collect()
}

/// Deletes settled rows older than `before` (ms); pending ones stay.
pub async fn prune(db: &Db, before: i64) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM notifications WHERE state <> 'pending' AND created_at < $1")
        .bind(before)
        .execute(&mut *db.writer().await?)
        .await
        .map(|r| r.rows_affected())
}
