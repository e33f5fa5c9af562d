//! The record of every backup run (`backup_runs`), failed or not, and [`last_good`], which
//! `ocpizza check`, the metrics and the managers' dashboard read.

use crate::db::{Db, now_ms, ts};
use sqlx::{AnyPool, Row};

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// `backup create` (or a safety copy before a restore, or the in-process schedule).
    Create,
    /// `backup verify`.
    Verify,
    /// `backup restore`.
    Restore,
}

impl RunKind {
    fn as_str(self) -> &'static str {
        match self {
            RunKind::Create => "create",
            RunKind::Verify => "verify",
            RunKind::Restore => "restore",
        }
    }
}

/// One recorded run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupRun {
    /// Row id.
    pub id: i64,
    /// `create`, `verify` or `restore`.
    pub kind: String,
    /// When it started.
    pub started_at: jiff::Timestamp,
    /// When it ended (`None`: still running, or the process died).
    pub finished_at: Option<jiff::Timestamp>,
    /// Whether it succeeded.
    pub ok: bool,
    /// The backup's file name.
    pub file: Option<String>,
    /// Its size in bytes.
    pub size_bytes: Option<i64>,
    /// Its SHA-256.
    pub sha256: Option<String>,
    /// Where the off-site copy went.
    pub copied_to: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

/// Records the start of a run; its id, to [`finish`] it.
pub async fn start(db: &Db, kind: RunKind, file: Option<&str>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO backup_runs (kind, started_at, ok, file) VALUES ($1, $2, 0, $3) RETURNING id",
    )
    .bind(kind.as_str())
    .bind(now_ms())
    .bind(file)
    .fetch_one(&mut *db.writer().await?)
    .await
}

/// How a run ended.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The backup's file name.
    pub file: Option<String>,
    /// Its size.
    pub size_bytes: Option<u64>,
    /// Its SHA-256.
    pub sha256: Option<String>,
    /// Where it was copied.
    pub copied_to: Option<String>,
    /// `None` = success.
    pub error: Option<String>,
}

/// Records the end of run `id`.
pub async fn finish(db: &Db, id: i64, outcome: &Outcome) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE backup_runs SET finished_at = $2, ok = $3, file = COALESCE($4, file), \
         size_bytes = $5, sha256 = $6, copied_to = $7, error = $8 WHERE id = $1",
    )
    .bind(id)
    .bind(now_ms())
    .bind(i64::from(outcome.error.is_none()))
    .bind(outcome.file.as_deref())
    .bind(outcome.size_bytes.map(|n| n as i64))
    .bind(outcome.sha256.as_deref())
    .bind(outcome.copied_to.as_deref())
    .bind(outcome.error.as_deref())
    .execute(&mut *db.writer().await?)
    .await
    .map(|_| ())
}

const COLUMNS: &str =
    "id, kind, started_at, finished_at, ok, file, size_bytes, sha256, copied_to, error";

fn from_row(r: &sqlx::any::AnyRow) -> sqlx::Result<BackupRun> {
    Ok(BackupRun {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        started_at: ts(r.try_get("started_at")?),
        finished_at: r.try_get::<Option<i64>, _>("finished_at")?.map(ts),
        ok: r.try_get::<i64, _>("ok")? != 0,
        file: r.try_get("file")?,
        size_bytes: r.try_get("size_bytes")?,
        sha256: r.try_get("sha256")?,
        copied_to: r.try_get("copied_to")?,
        error: r.try_get("error")?,
    })
}

/// Every recorded run, oldest first.
pub async fn all(pool: &AnyPool) -> sqlx::Result<Vec<BackupRun>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM backup_runs ORDER BY id"
    )))
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The last backup that was taken (and copied off-site, when configured) without error;
/// `None` when there is none, or when the record cannot be read (logged).
pub async fn last_good(db: &Db) -> Option<BackupRun> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM backup_runs WHERE kind = 'create' AND ok = 1 \
         ORDER BY finished_at DESC, id DESC LIMIT 1"
    )))
    .fetch_optional(db.pool())
    .await;
    match row.and_then(|r| r.as_ref().map(from_row).transpose()) {
        Ok(run) => run,
        Err(e) => {
            tracing::warn!(error = %e, "reading the last good backup failed");
            None
        }
    }
}

/// Puts back `runs` (read before a restore) as the whole record: the restored database's own
/// record stops at the backup, the replaced one's goes on to now.
pub async fn replace_all(db: &Db, runs: &[BackupRun]) -> sqlx::Result<()> {
    if runs.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM backup_runs")
        .execute(&mut *tx)
        .await?;
    for r in runs {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO backup_runs ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        )))
        .bind(r.id)
        .bind(&r.kind)
        .bind(r.started_at.as_millisecond())
        .bind(r.finished_at.map(jiff::Timestamp::as_millisecond))
        .bind(i64::from(r.ok))
        .bind(r.file.as_deref())
        .bind(r.size_bytes)
        .bind(r.sha256.as_deref())
        .bind(r.copied_to.as_deref())
        .bind(r.error.as_deref())
        .execute(&mut *tx)
        .await?;
    }
    if db.backend() == crate::db::Backend::Postgres {
        sqlx::query(
            "SELECT setval(pg_get_serial_sequence('backup_runs', 'id'), \
             (SELECT MAX(id) FROM backup_runs))",
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Writes a new event-log generation: every live hub on this database resyncs its clients.
pub async fn new_generation(db: &Db) -> sqlx::Result<String> {
    let generation = crate::auth::random_token(16);
    sqlx::query("UPDATE event_log_generation SET generation = $1 WHERE id = 1")
        .bind(&generation)
        .execute(&mut *db.writer().await?)
        .await?;
    Ok(generation)
}

/// A run's finish time as text for tables.
pub fn when(run: &BackupRun) -> String {
    run.finished_at
        .unwrap_or(run.started_at)
        .strftime("%Y-%m-%d %H:%M:%SZ")
        .to_string()
}
