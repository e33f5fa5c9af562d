//! Backups: `ocpizza backup create|list|verify|restore|prune`, on SQLite and on PostgreSQL.
//!
//! A backup is one file in `OCPIZZA_BACKUP_DIR` (default `<data dir>/backups`) named
//! `ocpizza-<UTC time>.<sqlite|pgdump>`, with its manifest beside it (see [`manifest`]). Both
//! are written under a temporary name and renamed once complete, so a file under a backup's
//! name is always whole. Every run, failed or not, is recorded in `backup_runs` ([`runs`]);
//! [`last_good`] says when the last good one was. A restore writes a new event-log
//! generation, which tells every live hub that stream sequences went back (see
//! [`crate::hub::Hub::check_generation`]).

mod command;
pub mod copy;
pub mod inspect;
pub mod manifest;
pub mod policy;
pub mod postgres;
mod restore;
pub mod runs;
pub mod schedule;
pub mod sqlite;

use crate::config::Config;
use crate::db::{Backend, Db};
use anyhow::{Context, bail};
use clap::Subcommand;
use jiff::Timestamp;
use manifest::{Kind, Manifest};
use runs::{Outcome, RunKind};
use std::path::{Path, PathBuf};

pub use command::run;
pub use restore::{Restored, holds_data, restore};
pub use runs::{BackupRun, last_good};

/// `ocpizza backup …`.
#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Take a consistent backup now (the server keeps taking orders), write its manifest, and
    /// copy both off-site when OCPIZZA_BACKUP_COPY_TO is set. Recorded, failed or not.
    Create,
    /// List the backups in OCPIZZA_BACKUP_DIR with their time, size, and whether they were
    /// taken and verified without error.
    List,
    /// Check a backup: checksum, opens it (SQLite integrity check; pg_restore --list), and
    /// compares what it holds with its manifest.
    Verify {
        /// The backup file.
        file: PathBuf,
    },
    /// Restore a backup into the configured database: an empty one, or with --force any
    /// (a safety backup of it is taken first). Connected live screens resync by themselves.
    Restore {
        /// The backup file.
        file: PathBuf,
        /// Replace a database that holds data (after a safety backup of it).
        #[arg(long)]
        force: bool,
    },
    /// Delete the backups the retention policy (OCPIZZA_BACKUP_KEEP, default
    /// all=7d,daily=3m,weekly=1y) no longer keeps; prints each file with the rule that keeps it.
    Prune {
        /// Only print what would be removed.
        #[arg(long)]
        dry_run: bool,
        /// Decide as if it were this time (RFC 3339, e.g. 2027-01-01T03:00:00Z).
        #[arg(long)]
        now: Option<String>,
    },
}

/// Backup settings: `OCPIZZA_BACKUP_DIR`, `OCPIZZA_BACKUP_COPY_TO`, `OCPIZZA_BACKUP_KEEP`,
/// `OCPIZZA_BACKUP_AT`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// Where backups go; `None`: `<data dir>/backups`.
    pub dir: Option<PathBuf>,
    /// Where each new backup is copied.
    pub copy_to: Option<copy::Target>,
    /// What `prune` keeps.
    pub keep: policy::Policy,
    /// Local time of the in-process daily backup (for installs without the systemd timer).
    pub at: Option<jiff::civil::Time>,
}

impl Settings {
    /// Reads the variables through `get` (unset or empty = default).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Settings> {
        let mut s = Settings::default();
        if let Some(v) = get("OCPIZZA_BACKUP_DIR") {
            s.dir = Some(PathBuf::from(v));
        }
        if let Some(v) = get("OCPIZZA_BACKUP_COPY_TO") {
            s.copy_to =
                Some(copy::Target::parse(&v).with_context(|| "OCPIZZA_BACKUP_COPY_TO".to_owned())?);
        }
        if let Some(v) = get("OCPIZZA_BACKUP_KEEP") {
            s.keep = policy::Policy::parse(&v).context("OCPIZZA_BACKUP_KEEP")?;
        }
        if let Some(v) = get("OCPIZZA_BACKUP_AT") {
            let t = jiff::civil::Time::strptime("%H:%M", &v)
                .with_context(|| format!("OCPIZZA_BACKUP_AT={v}: expected HH:MM"))?;
            s.at = Some(t);
        }
        Ok(s)
    }
}

/// Where backups go for this configuration.
pub fn backup_dir(config: &Config) -> PathBuf {
    config
        .backup
        .dir
        .clone()
        .unwrap_or_else(|| config.data_dir.join("backups"))
}

/// A backup just taken.
#[derive(Debug, Clone)]
pub struct Created {
    /// The backup file.
    pub path: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// Where it was copied.
    pub copied_to: Option<String>,
}

/// Takes a backup of `db` into the backup directory (and off-site), recording the run.
pub async fn create(config: &Config, db: &Db, reason: Option<&str>) -> anyhow::Result<Created> {
    let dir = backup_dir(config);
    let kind = match db.backend() {
        Backend::Sqlite => Kind::Sqlite,
        Backend::Postgres => Kind::Postgres,
    };
    let (at, name) = free_name(&dir, kind).await;
    let run = runs::start(db, RunKind::Create, Some(&name))
        .await
        .context("recording the backup run")?;
    let partial = dir.join(format!(".{name}.partial"));
    let result = take(config, db, &dir, &partial, &name, at, reason).await;
    let _ = std::fs::remove_file(&partial);
    let outcome = match &result {
        Ok(c) => Outcome {
            file: Some(name.clone()),
            size_bytes: Some(c.manifest.size_bytes),
            sha256: Some(c.manifest.sha256.clone()),
            copied_to: c.copied_to.clone(),
            error: None,
        },
        Err(e) => Outcome {
            file: Some(name.clone()),
            error: Some(format!("{e:#}")),
            ..Outcome::default()
        },
    };
    if let Err(e) = runs::finish(db, run, &outcome).await {
        tracing::warn!(error = %e, "recording the end of the backup run failed");
    }
    result
}

/// A name no backup has yet (two backups within one second wait for the next).
async fn free_name(dir: &Path, kind: Kind) -> (Timestamp, String) {
    loop {
        let at = Timestamp::from_second(Timestamp::now().as_second()).unwrap_or(Timestamp::now());
        let name = manifest::file_name(at, kind);
        if !dir.join(&name).exists() {
            return (at, name);
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

async fn take(
    config: &Config,
    db: &Db,
    dir: &Path,
    partial: &Path,
    name: &str,
    at: Timestamp,
    reason: Option<&str>,
) -> anyhow::Result<Created> {
    create_dir_private(dir)?;
    let _ = std::fs::remove_file(partial);
    let (contents, kind, postgres_version) = match db.backend() {
        Backend::Sqlite => {
            sqlite::dump(db, partial).await?;
            (sqlite::inspect(partial).await?, Kind::Sqlite, None)
        }
        Backend::Postgres => {
            let url = config
                .database_url
                .as_ref()
                .context("no DATABASE_URL for pg_dump")?;
            let (contents, version) = postgres::dump(db, url.expose(), partial).await?;
            (contents, Kind::Postgres, Some(version))
        }
    };
    let (sha256, size_bytes) = manifest::checksum(partial)?;
    private_file(partial)?;
    sync_file(partial)?;
    let path = dir.join(name);
    std::fs::rename(partial, &path).with_context(|| format!("renaming to {}", path.display()))?;
    let manifest = Manifest {
        format: 1,
        file: name.to_owned(),
        kind,
        created_at: at,
        server_version: env!("CARGO_PKG_VERSION").to_owned(),
        postgres_version,
        reason: reason.map(str::to_owned),
        size_bytes,
        sha256,
        contents,
    };
    let manifest_path = Manifest::path_for(&path);
    write_atomic(&manifest_path, &serde_json::to_vec_pretty(&manifest)?)?;
    sync_dir(dir);
    let copied_to = match &config.backup.copy_to {
        Some(target) => {
            target.upload(&[&path, &manifest_path]).await?;
            Some(target.as_str().to_owned())
        }
        None => None,
    };
    Ok(Created {
        path,
        manifest,
        copied_to,
    })
}

fn create_dir_private(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating the backup directory {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

/// Backups hold every customer's contact details: readable by the service's user only.
fn private_file(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("restricting {}", path.display()))?;
    }
    Ok(())
}

fn sync_file(path: &Path) -> anyhow::Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("syncing {}", path.display()))
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    private_file(&tmp)?;
    sync_file(&tmp)?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))
}

/// Checks `file` against its manifest: size and SHA-256, then opens it and compares what it
/// holds. Returns the manifest.
pub async fn verify_file(file: &Path) -> anyhow::Result<Manifest> {
    let manifest = Manifest::read_for(file)?;
    let (sha256, size) = manifest::checksum(file)?;
    if size != manifest.size_bytes || sha256 != manifest.sha256 {
        bail!(
            "checksum mismatch: the manifest says {} bytes, SHA-256 {}; the file has {size} \
             bytes, SHA-256 {sha256}",
            manifest.size_bytes,
            manifest.sha256
        );
    }
    let found = match manifest.kind {
        Kind::Sqlite => sqlite::inspect(file).await?,
        Kind::Postgres => {
            let file = file.to_path_buf();
            tokio::task::spawn_blocking(move || {
                postgres::list(&file)?;
                postgres::inspect(&file)
            })
            .await??
        }
    };
    let diffs = manifest::differences(&manifest.contents, &found);
    if !diffs.is_empty() {
        bail!("the backup differs from its manifest: {}", diffs.join("; "));
    }
    Ok(manifest)
}

/// [`verify_file`], recorded as a run when `db` is given.
pub async fn verify(db: Option<&Db>, file: &Path) -> anyhow::Result<Manifest> {
    let name = file.file_name().and_then(|n| n.to_str()).map(str::to_owned);
    let run = match db {
        Some(db) => runs::start(db, RunKind::Verify, name.as_deref()).await.ok(),
        None => None,
    };
    let result = verify_file(file).await;
    if let (Some(db), Some(run)) = (db, run) {
        let outcome = Outcome {
            file: name,
            size_bytes: result.as_ref().ok().map(|m| m.size_bytes),
            sha256: result.as_ref().ok().map(|m| m.sha256.clone()),
            error: result.as_ref().err().map(|e| format!("{e:#}")),
            ..Outcome::default()
        };
        if let Err(e) = runs::finish(db, run, &outcome).await {
            tracing::warn!(error = %e, "recording the verification failed");
        }
    }
    result
}

/// One line of `backup list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// When it was taken.
    pub at: Timestamp,
    /// File name.
    pub file: String,
    /// Size in bytes.
    pub size: u64,
    /// Whether a manifest sits beside it.
    pub manifest: bool,
    /// The run that took it: `Some(true)` ok, `Some(false)` failed, `None` unknown.
    pub taken_ok: Option<bool>,
    /// The last verification: `Some(true)` ok, `Some(false)` failed, `None` never.
    pub verified: Option<bool>,
}

/// The backups in the directory, oldest first.
pub fn files(dir: &Path) -> anyhow::Result<Vec<(Timestamp, String, u64)>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some((at, _)) = manifest::parse_file_name(&name) {
            out.push((at, name, entry.metadata()?.len()));
        }
    }
    out.sort();
    Ok(out)
}

/// The backups with what the run records say of them.
pub async fn list(config: &Config, db: &Db) -> anyhow::Result<Vec<Listed>> {
    let dir = backup_dir(config);
    let records = runs::all(db.pool()).await?;
    let last = |kind: &str, file: &str| {
        records
            .iter()
            .rev()
            .find(|r| r.kind == kind && r.file.as_deref() == Some(file) && r.finished_at.is_some())
            .map(|r| r.ok)
    };
    Ok(files(&dir)?
        .into_iter()
        .map(|(at, file, size)| Listed {
            at,
            manifest: Manifest::path_for(&dir.join(&file)).exists(),
            taken_ok: last("create", &file),
            verified: last("verify", &file),
            size,
            file,
        })
        .collect())
}

/// Applies the retention policy to the backup directory: each backup with its decision;
/// removed ones (and their manifests) are deleted unless `dry_run`.
pub fn prune(
    dir: &Path,
    policy: &policy::Policy,
    now: Timestamp,
    dry_run: bool,
) -> anyhow::Result<Vec<(String, policy::Decision)>> {
    let found = files(dir)?;
    let times: Vec<Timestamp> = found.iter().map(|(at, _, _)| *at).collect();
    let decisions = policy::decide(policy, &times, now);
    let mut out = Vec::new();
    for ((_, name, _), decision) in found.into_iter().zip(decisions) {
        if !decision.keeps() && !dry_run {
            let path = dir.join(&name);
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            let _ = std::fs::remove_file(Manifest::path_for(&path));
        }
        out.push((name, decision));
    }
    Ok(out)
}
