//! SQL of the event log.

use crate::db::Tx;
use crate::db::script::{Script, Unbound};
use ocpizza_proto::UserId;
use sqlx::{AnyPool, Row};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Rows per multi-row statement: far below both databases' limits on bound parameters. The
/// statements below are assembled from placeholders only; every value is bound.
pub const BATCH_ROWS: usize = 200;

/// Moves each stream's head forward by its count of new events (a missing head starts at 0),
/// in name order, and returns the heads as moved. This locks the head rows until the
/// transaction ends (a count of 0 only locks). One statement per [`BATCH_ROWS`] streams.
pub async fn advance_heads(
    tx: &mut Tx,
    counts: &BTreeMap<String, i64>,
) -> sqlx::Result<HashMap<String, i64>> {
    let mut heads = HashMap::with_capacity(counts.len());
    let counts: Vec<(&String, &i64)> = counts.iter().collect();
    for chunk in counts.chunks(BATCH_ROWS) {
        let mut sql = heads_sql(tx, chunk.len());
        sql.push_str(" RETURNING stream, seq");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (stream, count) in chunk {
            query = query.bind(stream.as_str()).bind(**count);
        }
        for row in query.fetch_all(&mut **tx).await? {
            heads.insert(row.try_get("stream")?, row.try_get("seq")?);
        }
    }
    Ok(heads)
}

/// [`advance_heads`] with `script`, for a transaction that read the heads already and holds
/// them (see [`heads_beside_stock`]): nothing comes back, and the statement goes with the
/// transaction's other writes. Heads read before another write of the same transaction moved
/// them would number its events twice: the log's `UNIQUE (stream, seq)` then fails the script.
pub fn advance_heads_with(
    conn: &sqlx::AnyConnection,
    script: &mut Script<'_>,
    counts: &BTreeMap<String, i64>,
) {
    let counts: Vec<(String, i64)> = counts.iter().map(|(s, n)| (s.clone(), *n)).collect();
    for chunk in crate::db::script::chunks(counts, BATCH_ROWS) {
        let sql = heads_sql(conn, chunk.len());
        script.push(sql, chunk.len() as u64, move |mut query| {
            for (stream, count) in chunk {
                query = query.bind(stream).bind(count);
            }
            query
        });
    }
}

/// The statement that moves `streams` heads forward, each by its count (a missing head
/// starts at 0), without its `RETURNING`.
fn heads_sql(conn: &sqlx::AnyConnection, streams: usize) -> String {
    let mut sql = String::from("INSERT INTO stream_heads (stream, seq) VALUES ");
    sql.push_str(&crate::db::values(conn, streams, 2));
    sql.push_str(" ON CONFLICT (stream) DO UPDATE SET seq = stream_heads.seq + excluded.seq");
    sql
}

/// The heads of `streams`, read with the stock on SQLite (see [`crate::stock::db::Beside`]):
/// a row for each stream that has a head, `off`, its place in `streams` and its head (for
/// `on_hand`). A stream without a row has no event yet. [`heads_read`] reads them back.
pub fn heads_beside_stock(streams: &[String], off: i64) -> crate::stock::db::Beside {
    let mut sql = String::new();
    let mut digits = itoa::Buffer::new();
    for i in 0..streams.len() {
        if i > 0 {
            sql.push_str(" UNION ALL ");
        }
        sql.push_str("SELECT ");
        sql.push_str(digits.format(off));
        sql.push_str(", ");
        sql.push_str(digits.format(i));
        sql.push_str(", '', '', seq, 0, 0 FROM stream_heads WHERE stream = ?");
    }
    crate::stock::db::Beside {
        sql,
        binds: streams.to_vec(),
    }
}

/// Every stream of `streams` with its head, from the (place, head) pairs read by
/// [`heads_beside_stock`]; 0 for the streams without a row.
pub fn heads_read(streams: &[String], pairs: &[(i64, i64)]) -> sqlx::Result<HashMap<String, i64>> {
    let mut heads: HashMap<String, i64> = streams.iter().map(|s| (s.clone(), 0)).collect();
    for (i, seq) in pairs {
        let stream = usize::try_from(*i)
            .ok()
            .and_then(|i| streams.get(i))
            .ok_or_else(|| sqlx::Error::Protocol(format!("a head came back as branch {i}")))?;
        heads.insert(stream.clone(), *seq);
    }
    Ok(heads)
}

/// One event row to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Stream name.
    pub stream: String,
    /// Its sequence in the stream.
    pub seq: i64,
    /// `type` tag.
    pub kind: &'static str,
    /// JSON payload.
    pub payload: Arc<str>,
    /// Who caused it.
    pub actor: Option<UserId>,
}

/// Appends event rows, all at `at`, with `script`: one statement per [`BATCH_ROWS`] rows.
pub fn insert_events(
    conn: &sqlx::AnyConnection,
    script: &mut Script<'_>,
    events: Vec<NewEvent>,
    at: i64,
) {
    for chunk in crate::db::script::chunks(events, BATCH_ROWS) {
        let mut sql = String::from(INSERT);
        sql.push_str(&crate::db::values(conn, chunk.len(), COLUMNS));
        script.push(sql, chunk.len() as u64, move |query| bind(query, chunk, at));
    }
}

/// The start of a statement that appends events, [`COLUMNS`] values each.
const INSERT: &str = "INSERT INTO events (stream, seq, kind, payload, actor_id, at) VALUES ";
const COLUMNS: usize = 6;

/// Binds the [`COLUMNS`] values of each of `events` to `query`, in [`INSERT`]'s order.
fn bind(mut query: Unbound, events: Vec<NewEvent>, at: i64) -> Unbound {
    for e in events {
        query = query
            .bind(e.stream)
            .bind(e.seq)
            .bind(e.kind)
            .bind(e.payload.to_string())
            .bind(e.actor.map(|a| a.0))
            .bind(at);
    }
    query
}

/// Appends event rows and the audit entries `actor` made with them, all at `at`, in one
/// statement (PostgreSQL only: a data-modifying `WITH`; one round trip less while the shop's
/// rows are locked). At most [`BATCH_ROWS`] events and 100 entries, at least one event.
pub async fn insert_events_with_audit(
    tx: &mut Tx,
    events: Vec<NewEvent>,
    actor: Option<UserId>,
    entries: &[crate::audit::Entry],
    at: i64,
) -> sqlx::Result<()> {
    let name = crate::audit::db::actor_name(tx, actor).await?;
    let sql = format!(
        "WITH logged AS ({INSERT}{}) {}{}",
        crate::db::values(tx, events.len(), COLUMNS),
        crate::audit::db::INSERT,
        crate::db::pg_values_after(
            events.len() * COLUMNS,
            entries.len(),
            crate::audit::db::COLUMNS
        ),
    );
    let query = bind(sqlx::query(sqlx::AssertSqlSafe(sql)), events, at);
    crate::audit::db::bind(query, actor, name.as_deref(), entries, at)
        .execute(&mut **tx)
        .await?;
    Ok(())
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

/// The event log's generation, which a restore changes (`None` before migration 5): a live
/// hub that sees it change knows stream sequences went back.
pub async fn generation(pool: &AnyPool) -> sqlx::Result<Option<String>> {
    match sqlx::query_scalar("SELECT generation FROM event_log_generation WHERE id = 1")
        .fetch_optional(pool)
        .await
    {
        Err(sqlx::Error::Database(_)) => Ok(None),
        other => other,
    }
}

/// Deletes events older than `before_ms` (resuming from before then gets a snapshot), except
/// the audit trail of operations on the whole site (`group:audit`), kept for good.
pub async fn prune(conn: &mut sqlx::AnyConnection, before_ms: i64) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM events WHERE at < $1 AND stream <> $2")
        .bind(before_ms)
        .bind(ocpizza_proto::events::Stream::GroupAudit.to_string())
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected())
}
