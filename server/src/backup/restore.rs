//! `ocpizza backup restore`: checks and refusals around the database-specific restores of
//! [`super::sqlite`] and [`super::postgres`], the safety backup, and the run record.

use super::manifest::{Kind, Manifest};
use super::runs::{self, BackupRun, Outcome, RunKind};
use super::{backup_dir, create, postgres, sqlite, verify_file};
use crate::config::Config;
use crate::db::{Backend, Db};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    /// The backup's manifest.
    pub manifest: Manifest,
    /// The safety backup taken of the replaced database, if it held data.
    pub safety: Option<PathBuf>,
}

/// Rows that make a database "not empty" for a restore: shops, accounts, orders.
pub async fn holds_data(db: &Db) -> anyhow::Result<Option<String>> {
    let n: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM shops), (SELECT COUNT(*) FROM users), \
         (SELECT COUNT(*) FROM orders)",
    )
    .fetch_one(db.pool())
    .await?;
    Ok((n != (0, 0, 0)).then(|| format!("{} shops, {} accounts, {} orders", n.0, n.1, n.2)))
}

/// Restores `file` into `db`: verified first; refused into a database holding data unless
/// `force`, and then a safety backup of it is taken first. Recorded as a run.
pub async fn restore(
    config: &Config,
    db: &Db,
    file: &Path,
    force: bool,
) -> anyhow::Result<Restored> {
    let manifest = verify_file(file)
        .await
        .context("the backup did not verify; nothing was changed")?;
    let (kind, level) = (manifest.kind, manifest.contents.migration_level);
    match (db.backend(), kind) {
        (Backend::Sqlite, Kind::Sqlite) | (Backend::Postgres, Kind::Postgres) => {}
        _ => bail!(
            "{} is a {kind:?} backup, and the configured database is {:?}",
            file.display(),
            db.backend()
        ),
    }
    let known = db.known_migration_level();
    let fits = match kind {
        Kind::Sqlite => level <= known,
        Kind::Postgres => level == known,
    };
    if !fits {
        bail!(
            "this backup is at migration level {level} (ocpizza {}) and this ocpizza at {known}: \
             restore it with the version that took it, then update",
            manifest.server_version
        );
    }
    db.migrate().await?;
    // Replacing the data under serving instances is refused unless the site is in maintenance.
    crate::maintenance::instances::ensure_maintenance_or_idle(db).await?;
    let mut safety = None;
    if let Some(what) = holds_data(db).await? {
        if !force {
            bail!(
                "the database is not empty ({what}): add --force to replace it (a safety backup \
                 of it is taken first)"
            );
        }
        let copy = create(config, db, Some("safety copy before restore"))
            .await
            .context("taking the safety backup; nothing was restored")?;
        safety = Some(copy.path);
    }
    let name = file.file_name().and_then(|n| n.to_str()).map(str::to_owned);
    let run = runs::start(db, RunKind::Restore, name.as_deref()).await?;
    let saved = runs::all(db.pool()).await?;
    let result = match kind {
        Kind::Sqlite => sqlite::restore(db, file, &backup_dir(config)).await,
        Kind::Postgres => {
            let url = config
                .database_url
                .as_ref()
                .context("no DATABASE_URL for pg_restore")?;
            restore_postgres(db, url.expose(), file, &saved).await
        }
    };
    let outcome = Outcome {
        file: name,
        size_bytes: Some(manifest.size_bytes),
        sha256: Some(manifest.sha256.clone()),
        error: result.as_ref().err().map(|e| format!("{e:#}")),
        ..Outcome::default()
    };
    if let Err(e) = runs::finish(db, run, &outcome).await {
        tracing::warn!(error = %e, "recording the restore failed");
    }
    result?;
    Ok(Restored { manifest, safety })
}

async fn restore_postgres(
    db: &Db,
    url: &str,
    file: &Path,
    saved: &[BackupRun],
) -> anyhow::Result<()> {
    postgres::restore(db, url, file).await?;
    // The dump brought its own record of runs, which stops at the backup: the replaced
    // database's record (this restore included) is the one that goes on.
    runs::replace_all(db, saved).await?;
    db.migrate().await?;
    runs::new_generation(db).await?;
    Ok(())
}
