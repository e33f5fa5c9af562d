//! Backups of the embedded SQLite database.
//!
//! - Taken with `VACUUM INTO`: one read transaction, so the copy is consistent while the
//!   server keeps writing (WAL lets readers and the writer run together).
//! - Checked by opening the copy read-only and immutable (nothing touches the file, so its
//!   checksum stays), `PRAGMA integrity_check`, then the contents compared with the manifest.
//! - Restored into the live file, not by replacing it: a scratch copy of the backup is
//!   migrated to this binary's level, attached to the write connection, and every table copied
//!   over in one `BEGIN IMMEDIATE` transaction (foreign keys checked at commit). A running
//!   server's connections stay valid and see the restored data at their next read; a failure
//!   leaves the database as it was.

use super::manifest::Contents;
use crate::db::Db;
use anyhow::{Context, bail};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Connection, Row};
use std::path::Path;

/// Writes a consistent copy of the database to `target` (which must not exist).
pub async fn dump(db: &Db, target: &Path) -> anyhow::Result<()> {
    let path = target.to_str().context("the backup path is not UTF-8")?;
    sqlx::query("VACUUM INTO $1")
        .bind(path)
        .execute(db.pool())
        .await
        .with_context(|| format!("VACUUM INTO {}", target.display()))?;
    Ok(())
}

/// Opens an SQLite backup read-only, without any lock or change to the file.
async fn open_read_only(file: &Path) -> anyhow::Result<AnyPool> {
    sqlx::any::install_default_drivers();
    let path = file.to_str().context("the backup path is not UTF-8")?;
    AnyPoolOptions::new()
        .max_connections(1)
        .connect(&format!("sqlite://{path}?mode=ro&immutable=true"))
        .await
        .with_context(|| format!("opening {} as an SQLite database", file.display()))
}

/// `PRAGMA integrity_check`, then what the backup holds.
pub async fn inspect(file: &Path) -> anyhow::Result<Contents> {
    let pool = open_read_only(file).await?;
    let result = async {
        let mut conn = pool.acquire().await?;
        let problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&mut *conn)
            .await
            .context("PRAGMA integrity_check")?;
        if problems != ["ok"] {
            bail!("integrity check failed: {}", problems.join("; "));
        }
        super::inspect::contents(&mut conn)
            .await
            .context("reading the backup's contents")
    }
    .await;
    pool.close().await;
    result
}

/// Tables copied by a restore: every table but SQLite's own, the migrations' record (the
/// levels are equal by then) and the record of backup runs (the live one is kept).
async fn tables(conn: &mut sqlx::AnyConnection) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name NOT IN ('_sqlx_migrations', 'backup_runs') \
         ORDER BY name",
    )
    .fetch_all(conn)
    .await
}

/// Replaces the contents of `db` with the backup `file`, in one transaction; also writes a
/// new event-log generation in it.
pub async fn restore(db: &Db, file: &Path, scratch_dir: &Path) -> anyhow::Result<()> {
    let scratch = scratch_dir.join(format!(".restore-{}.sqlite", crate::auth::random_token(6)));
    std::fs::copy(file, &scratch)
        .with_context(|| format!("copying {} to {}", file.display(), scratch.display()))?;
    let result = restore_from(db, &scratch).await;
    for suffix in ["", "-wal", "-shm"] {
        let mut p = scratch.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    result
}

async fn restore_from(db: &Db, scratch: &Path) -> anyhow::Result<()> {
    let path = scratch.to_str().context("the scratch path is not UTF-8")?;
    {
        let copy = Db::connect_sqlite(path).await?;
        copy.migrate()
            .await
            .context("bringing the backup to this version's migration level")?;
        copy.close().await;
    }
    let mut conn = db.writer().await?;
    sqlx::query("ATTACH DATABASE $1 AS restored")
        .bind(path)
        .execute(&mut *conn)
        .await
        .context("attaching the backup")?;
    let copied = copy_tables(&mut conn).await;
    // The connection is given back without the attachment, or closed.
    let detached = sqlx::query("DETACH DATABASE restored")
        .execute(&mut *conn)
        .await;
    if detached.is_err() {
        conn.close().await?;
    }
    copied
}

async fn copy_tables(conn: &mut sqlx::AnyConnection) -> anyhow::Result<()> {
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query("PRAGMA defer_foreign_keys = ON")
        .execute(&mut *tx)
        .await?;
    let tables = tables(&mut tx).await?;
    // Every table is emptied before any is filled: deleting a parent row cascades (`ON DELETE
    // CASCADE`) to its children, which must not happen to rows already copied.
    for table in &tables {
        // Table names come from the database's own catalogue.
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM main.\"{table}\"")))
            .execute(&mut *tx)
            .await?;
    }
    for table in &tables {
        let columns: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
            "PRAGMA main.table_info(\"{table}\")"
        )))
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>("name").map(|c| format!("\"{c}\"")))
        .collect::<Result<_, _>>()?;
        let columns = columns.join(", ");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO main.\"{table}\" ({columns}) SELECT {columns} FROM restored.\"{table}\""
        )))
        .execute(&mut *tx)
        .await
        .with_context(|| format!("restoring table {table}"))?;
    }
    sqlx::query("UPDATE main.event_log_generation SET generation = $1 WHERE id = 1")
        .bind(crate::auth::random_token(16))
        .execute(&mut *tx)
        .await?;
    tx.commit()
        .await
        .context("committing the restore (foreign keys are checked here)")?;
    Ok(())
}
