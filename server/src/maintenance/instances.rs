//! The serving processes: each writes a heartbeat row every second while it serves and removes
//! it when it stops gracefully, so that `migrate` (and the backups' `restore`) can tell a live
//! database from an idle one and ask for maintenance mode first.

use super::Switch;
use super::db::{self, InstanceRow};
use crate::db::{Db, now_ms};
use anyhow::bail;

/// A heartbeat older than this is a process that died without saying so.
pub const ALIVE_WITHIN_MS: i64 = 5_000;

/// This machine's host name.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// Makes this process a serving instance listening on `bind`: writes its heartbeat row now,
/// then the maintenance task refreshes it every second. Returns its id for [`deregister`].
pub async fn register(switch: &Switch, database: &Db, bind: &str) -> anyhow::Result<String> {
    let me = InstanceRow {
        id: crate::auth::random_token(8),
        host: host_name(),
        pid: i64::from(std::process::id()),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        bind: bind.to_owned(),
        started_at: now_ms(),
        last_seen: now_ms(),
    };
    db::heartbeat(&mut *database.writer().await?, &me).await?;
    let id = me.id.clone();
    *switch.instance.lock().expect("instance lock") = Some(me);
    Ok(id)
}

/// Removes this process's heartbeat row (graceful stop).
pub async fn deregister(switch: &Switch, database: &Db, id: &str) {
    switch.instance.lock().expect("instance lock").take();
    if let Err(e) = async { db::remove(&mut *database.writer().await?, id).await }.await {
        tracing::warn!(error = %e, "could not remove this instance's heartbeat");
    }
}

/// The processes serving this database now (heartbeat within [`ALIVE_WITHIN_MS`]).
pub async fn serving_instances(database: &Db) -> anyhow::Result<Vec<InstanceRow>> {
    Ok(db::alive(database.pool(), now_ms() - ALIVE_WITHIN_MS).await?)
}

/// One line about an instance, for operators.
pub fn describe(i: &InstanceRow) -> String {
    format!(
        "{} (pid {}, {} on {}, seen {:.1} s ago)",
        i.host,
        i.pid,
        i.version,
        i.bind,
        (now_ms() - i.last_seen) as f64 / 1000.0
    )
}

/// Succeeds when nobody is using the database live: maintenance mode is on, or no instance
/// serves it. Otherwise says which instances serve and what to do.
pub async fn ensure_maintenance_or_idle(database: &Db) -> anyhow::Result<()> {
    if db::get(database.pool()).await?.on {
        return Ok(());
    }
    let serving = serving_instances(database).await?;
    if serving.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = serving.iter().map(describe).collect();
    bail!(
        "the database is live: {} instance(s) serve it with maintenance mode off: {}. Turn \
         maintenance on first (`ocpizza maintenance on --message \"…\"`), or stop them",
        serving.len(),
        list.join("; ")
    )
}
