//! SQL of maintenance mode and of the serving instances' heartbeats.

use crate::db::{Tx, now_ms, ts};
use ocpizza_proto::api::maintenance::Maintenance;
use sqlx::{AnyPool, Row};

/// The stored state. A database migrated before maintenance existed has none: it is off.
pub async fn get(pool: &AnyPool) -> sqlx::Result<Maintenance> {
    let row =
        sqlx::query("SELECT active, message, until_ms, since_ms FROM maintenance WHERE id = 1")
            .fetch_optional(pool)
            .await;
    let row = match row {
        Ok(row) => row,
        // No such table yet (migration 6 pending).
        Err(sqlx::Error::Database(_)) => None,
        Err(e) => return Err(e),
    };
    let Some(row) = row else {
        return Ok(Maintenance::default());
    };
    Ok(Maintenance {
        on: row.try_get::<i64, _>("active")? != 0,
        message: row.try_get("message")?,
        until: row.try_get::<Option<i64>, _>("until_ms")?.map(ts),
        since: row.try_get::<Option<i64>, _>("since_ms")?.map(ts),
    })
}

/// Stores `state`, switched by `by`.
pub async fn set(tx: &mut Tx, state: &Maintenance, by: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE maintenance SET active = $1, message = $2, until_ms = $3, since_ms = $4, \
         changed_by = $5, changed_at = $6 WHERE id = 1",
    )
    .bind(i64::from(state.on))
    .bind(state.message.as_deref())
    .bind(state.until.map(jiff::Timestamp::as_millisecond))
    .bind(state.since.map(jiff::Timestamp::as_millisecond))
    .bind(by)
    .bind(now_ms())
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// A serving process, as its heartbeat row says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceRow {
    /// Random id, new at each start.
    pub id: String,
    /// Host name.
    pub host: String,
    /// Process id.
    pub pid: i64,
    /// Server version.
    pub version: String,
    /// Address it listens on.
    pub bind: String,
    /// Started at (Unix ms).
    pub started_at: i64,
    /// Last heartbeat (Unix ms).
    pub last_seen: i64,
}

/// Writes (or refreshes) the heartbeat row of `me`.
pub async fn heartbeat(conn: &mut sqlx::AnyConnection, me: &InstanceRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO instances (id, host, pid, version, bind, started_at, last_seen) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen",
    )
    .bind(&me.id)
    .bind(&me.host)
    .bind(me.pid)
    .bind(&me.version)
    .bind(&me.bind)
    .bind(me.started_at)
    .bind(now_ms())
    .execute(&mut *conn)
    .await
    .map(|_| ())
}

/// Removes the heartbeat row `id` (graceful stop), and rows silent for an hour.
pub async fn remove(conn: &mut sqlx::AnyConnection, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM instances WHERE id = $1 OR last_seen < $2")
        .bind(id)
        .bind(now_ms() - 3_600_000)
        .execute(&mut *conn)
        .await
        .map(|_| ())
}

/// Rows refreshed since `since_ms`; none when the table does not exist yet.
pub async fn alive(pool: &AnyPool, since_ms: i64) -> sqlx::Result<Vec<InstanceRow>> {
    let rows = match sqlx::query(
        "SELECT id, host, pid, version, bind, started_at, last_seen FROM instances \
         WHERE last_seen >= $1 ORDER BY started_at",
    )
    .bind(since_ms)
    .fetch_all(pool)
    .await
    {
        Ok(rows) => rows,
        Err(sqlx::Error::Database(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    rows.iter()
        .map(|r| {
            Ok(InstanceRow {
                id: r.try_get("id")?,
                host: r.try_get("host")?,
                pid: r.try_get("pid")?,
                version: r.try_get("version")?,
                bind: r.try_get("bind")?,
                started_at: r.try_get("started_at")?,
                last_seen: r.try_get("last_seen")?,
            })
        })
        .collect()
}

/// The latest `limit` switches from the audit stream, newest first.
pub async fn history(
    pool: &AnyPool,
    limit: i64,
) -> sqlx::Result<Vec<ocpizza_proto::api::maintenance::MaintenanceSwitch>> {
    use ocpizza_proto::events::{Event, Stream};
    let payloads: Vec<String> = sqlx::query_scalar(
        "SELECT payload FROM events WHERE stream = $1 AND kind = $2 ORDER BY seq DESC LIMIT $3",
    )
    .bind(Stream::GroupAudit.to_string())
    .bind("maintenance_switched")
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(payloads
        .iter()
        .filter_map(|p| match serde_json::from_str(p) {
            Ok(Event::MaintenanceSwitched { switch }) => Some(switch),
            _ => None,
        })
        .collect())
}
