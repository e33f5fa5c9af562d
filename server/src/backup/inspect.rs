//! Reads what a database holds ([`Contents`]) with plain SQL that both databases run: on the
//! live database inside the snapshot a dump is taken from, and on an SQLite backup file.

use super::manifest::{Contents, EventLog, FORMER_TABLES, MAIN_TABLES, shared_stream};
use sqlx::{AnyConnection, Row};

/// Counts, migration level and event-log heads, read on `conn` (inside the caller's
/// transaction, if any, so that they describe one instant).
pub async fn contents(conn: &mut AnyConnection) -> sqlx::Result<Contents> {
    let migration_level: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_one(&mut *conn)
            .await?;
    let mut row_counts = std::collections::BTreeMap::new();
    let mut tables: Vec<&str> = MAIN_TABLES.to_vec();
    for table in FORMER_TABLES {
        if has_table(conn, table).await? {
            tables.push(table);
        }
    }
    for table in tables {
        // The names come from the constant lists of `manifest`, never from input.
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&mut *conn)
                .await?;
        row_counts.insert(table.to_owned(), n);
    }
    let mut event_log = EventLog::default();
    for row in sqlx::query("SELECT stream, seq FROM stream_heads")
        .fetch_all(&mut *conn)
        .await?
    {
        let (stream, seq): (String, i64) = (row.try_get("stream")?, row.try_get("seq")?);
        event_log.streams += 1;
        event_log.seq_total += seq;
        if shared_stream(&stream) {
            event_log.heads.insert(stream, seq);
        }
    }
    event_log.last_event_id = sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM events")
        .fetch_one(&mut *conn)
        .await?
        .unwrap_or(0);
    Ok(Contents {
        migration_level: migration_level.unwrap_or(0),
        row_counts,
        event_log,
    })
}

/// Whether the database has a table of that name (in its default schema, on PostgreSQL).
async fn has_table(conn: &mut AnyConnection, table: &str) -> sqlx::Result<bool> {
    let sql = if crate::db::is_postgres(conn) {
        "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1"
    } else {
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1"
    };
    let n: i64 = sqlx::query_scalar(sql)
        .bind(table)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}
