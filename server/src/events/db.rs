//! SQL of the event log.

use crate::db::Tx;
use ocpizza_proto::UserId;
use sqlx::{AnyPool, Row};

/// Locks the head row of `stream` (creating it at 0) and returns its current sequence.
pub async fn lock_head(tx: &mut Tx, stream: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO stream_heads (stream, seq) VALUES ($1, 0) \
         ON CONFLICT (stream) DO UPDATE SET seq = stream_heads.seq RETURNING seq",
    )
    .bind(stream)
    .fetch_one(&mut **tx)
    .await
}

/// Moves the head of `stream` to `seq`.
pub async fn set_head(tx: &mut Tx, stream: &str, seq: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE stream_heads SET seq = $1 WHERE stream = $2")
        .bind(seq)
        .bind(stream)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Appends one event row.
pub async fn insert_event(
    tx: &mut Tx,
    stream: &str,
    seq: i64,
    kind: &str,
    payload: &str,
    actor: Option<UserId>,
    at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO events (stream, seq, kind, payload, actor_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(stream)
    .bind(seq)
    .bind(kind)
    .bind(payload)
    .bind(actor.map(|a| a.0))
    .bind(at)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// The current sequence of `stream` (0 when nothing was ever written to it).
///
/// Read it *before* the state it describes: a change committed in between is then sent again
/// to a client that subscribes `since` this sequence, and every event applies idempotently.
pub async fn head(pool: &AnyPool, stream: &str) -> sqlx::Result<i64> {
    let seq: Option<i64> = sqlx::query_scalar("SELECT seq FROM stream_heads WHERE stream = $1")
        .bind(stream)
        .fetch_optional(pool)
        .await?;
    Ok(seq.unwrap_or(0))
}

/// One stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Sequence in its stream.
    pub seq: i64,
    /// `type` tag.
    pub kind: String,
    /// JSON payload.
    pub payload: String,
}

/// Events of `stream` after `since`, oldest first, at most `limit`.
pub async fn read_since(
    pool: &AnyPool,
    stream: &str,
    since: i64,
    limit: i64,
) -> sqlx::Result<Vec<StoredEvent>> {
    let rows = sqlx::query(
        "SELECT seq, kind, payload FROM events WHERE stream = $1 AND seq > $2 \
         ORDER BY seq LIMIT $3",
    )
    .bind(stream)
    .bind(since)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StoredEvent {
                seq: r.try_get("seq")?,
                kind: r.try_get("kind")?,
                payload: r.try_get("payload")?,
            })
        })
        .collect()
}

/// Streams written since `since_ms`, with their highest sequence.
pub async fn recent_heads(pool: &AnyPool, since_ms: i64) -> sqlx::Result<Vec<(String, i64)>> {
    let rows =
        sqlx::query("SELECT stream, MAX(seq) AS seq FROM events WHERE at >= $1 GROUP BY stream")
            .bind(since_ms)
            .fetch_all(pool)
            .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("stream")?, r.try_get("seq")?)))
        .collect()
}

/// Deletes events older than `before_ms` (resuming from before then gets a snapshot).
pub async fn prune(pool: &AnyPool, before_ms: i64) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM events WHERE at < $1")
        .bind(before_ms)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
}
