//! The `ocpizza backup …` subcommands' output: what the operator reads.

use super::{BackupCommand, create, last_good, list, prune, restore, runs, verify};
use crate::config::Config;
use crate::db::Db;
use anyhow::Context;
use jiff::Timestamp;

fn human_size(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / f64::from(1u32 << 30)),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / f64::from(1u32 << 20)),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

/// Runs `ocpizza backup …`.
pub async fn run(config: &Config, command: BackupCommand) -> anyhow::Result<()> {
    match command {
        BackupCommand::Create => {
            let db = Db::connect(config).await?;
            db.migrate().await?;
            let result = create(config, &db, None).await;
            db.close().await;
            let c = result?;
            println!(
                "backup {} ({}, SHA-256 {})",
                c.path.display(),
                human_size(c.manifest.size_bytes),
                c.manifest.sha256
            );
            if let Some(to) = c.copied_to {
                println!("copied to {to}");
            }
        }
        BackupCommand::List => {
            let db = Db::connect(config).await?;
            db.migrate().await?;
            let listed = list(config, &db).await?;
            let last = last_good(&db).await;
            db.close().await;
            println!(
                "{:<22} {:<36} {:>10}  {:<6} {:<9} MANIFEST",
                "TIME (UTC)", "FILE", "SIZE", "TAKEN", "VERIFIED"
            );
            let word = |v: Option<bool>, yes: &'static str| match v {
                Some(true) => yes,
                Some(false) => "FAILED",
                None => "-",
            };
            for l in &listed {
                println!(
                    "{:<22} {:<36} {:>10}  {:<6} {:<9} {}",
                    l.at.strftime("%Y-%m-%d %H:%M:%S"),
                    l.file,
                    human_size(l.size),
                    word(l.taken_ok, "ok"),
                    word(l.verified, "ok"),
                    if l.manifest { "yes" } else { "MISSING" }
                );
            }
            match last {
                Some(run) => println!(
                    "last good backup: {} at {}",
                    run.file.clone().unwrap_or_default(),
                    runs::when(&run)
                ),
                None => println!("no good backup recorded yet"),
            }
        }
        BackupCommand::Verify { file } => {
            let db = Db::connect(config).await.ok();
            let m = verify(db.as_ref(), &file).await;
            if let Some(db) = db {
                db.close().await;
            }
            let m = m?;
            println!(
                "ok    {}: checksum, contents and manifest agree (migration level {}, {} orders, {} events)",
                file.display(),
                m.contents.migration_level,
                m.contents.row_counts.get("orders").copied().unwrap_or(0),
                m.contents.row_counts.get("events").copied().unwrap_or(0)
            );
        }
        BackupCommand::Restore { file, force } => {
            let db = Db::connect(config).await?;
            let result = restore(config, &db, &file, force).await;
            db.close().await;
            let r = result?;
            if let Some(safety) = r.safety {
                println!(
                    "safety backup of the replaced database: {}",
                    safety.display()
                );
            }
            println!(
                "restored {} (taken {}); connected screens resync by themselves",
                file.display(),
                r.manifest.created_at
            );
        }
        BackupCommand::Prune { dry_run, now } => {
            let now = match now {
                Some(t) => t
                    .parse::<Timestamp>()
                    .with_context(|| format!("--now {t}: expected e.g. 2027-01-01T03:00:00Z"))?,
                None => Timestamp::now(),
            };
            let dir = super::backup_dir(config);
            for (name, decision) in prune(&dir, &config.backup.keep, now, dry_run)? {
                let what = if dry_run && !decision.keeps() {
                    "would be removed".to_owned()
                } else {
                    decision.to_string()
                };
                println!("{name}  {what}");
            }
        }
    }
    Ok(())
}
