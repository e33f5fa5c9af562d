//! The manifest written beside each backup (`<file>.manifest.json`), what a backup is checked
//! against, and the backups' file names.
//!
//! A manifest names no person and no secret: row counts, the migration level, the checksum and
//! the heads of the shops', drivers' and group's streams (never `order:{token}` or `user:{id}`
//! streams, whose names hold tracking tokens and account ids: those are only counted).

use anyhow::Context;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The tables whose rows a manifest counts: the group's data, orders and their event log.
pub const MAIN_TABLES: &[&str] = &[
    "users",
    "shops",
    "staff",
    "ingredients",
    "stock",
    "stock_ledger",
    "pizzas",
    "pizza_sizes",
    "recipe_items",
    "orders",
    "order_lines",
    "driver_actions",
    "staff_invitations",
    "stream_heads",
    "events",
];

/// Tables an earlier migration level had and [`MAIN_TABLES`] counted, since dropped: counted
/// when a backup has them, so that a backup taken at that level still verifies against its
/// manifest.
pub const FORMER_TABLES: &[&str] = &["order_reservations"];

/// Whether a manifest counts `table`'s rows when a backup holds it.
pub fn counted(table: &str) -> bool {
    MAIN_TABLES.contains(&table) || FORMER_TABLES.contains(&table)
}

/// What the event log held when the backup was taken.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventLog {
    /// Streams with a head row.
    pub streams: i64,
    /// Sum of every stream's head: changes if any stream moved.
    pub seq_total: i64,
    /// Highest event id (0 when empty).
    pub last_event_id: i64,
    /// Heads of the shared streams (`shop:*`, `group:*`, `driver:*`).
    pub heads: BTreeMap<String, i64>,
}

/// What a database (or a backup of it) holds, as a manifest records it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contents {
    /// Highest migration applied.
    pub migration_level: i64,
    /// Rows per table of [`MAIN_TABLES`].
    pub row_counts: BTreeMap<String, i64>,
    /// The event log's heads.
    pub event_log: EventLog,
}

/// Which database a backup is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An SQLite file (`VACUUM INTO`).
    Sqlite,
    /// A PostgreSQL custom-format dump (`pg_dump -Fc`).
    Postgres,
}

impl Kind {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Sqlite => "sqlite",
            Kind::Postgres => "pgdump",
        }
    }
}

/// `<backup>.manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format of this file (1).
    pub format: u32,
    /// The backup's file name.
    pub file: String,
    /// Which database.
    pub kind: Kind,
    /// When the backup was taken.
    pub created_at: Timestamp,
    /// `ocpizza` version that took it.
    pub server_version: String,
    /// PostgreSQL's `server_version_num`, for dumps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres_version: Option<i64>,
    /// Why it was taken, when not by `backup create` (`safety copy before restore`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Size of the backup file in bytes.
    pub size_bytes: u64,
    /// SHA-256 of the backup file, hex.
    pub sha256: String,
    /// What it holds.
    #[serde(flatten)]
    pub contents: Contents,
}

impl Manifest {
    /// Where the manifest of `backup` lives.
    pub fn path_for(backup: &Path) -> PathBuf {
        let mut name = backup.file_name().unwrap_or_default().to_os_string();
        name.push(".manifest.json");
        backup.with_file_name(name)
    }

    /// Reads the manifest beside `backup`.
    pub fn read_for(backup: &Path) -> anyhow::Result<Manifest> {
        let path = Manifest::path_for(backup);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading the manifest {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }
}

/// `ocpizza-<YYYYmmddTHHMMSSZ>.<ext>`.
pub fn file_name(at: Timestamp, kind: Kind) -> String {
    format!(
        "ocpizza-{}.{}",
        at.strftime("%Y%m%dT%H%M%SZ"),
        kind.extension()
    )
}

/// The time and kind in a backup's file name; `None` for any other file.
pub fn parse_file_name(name: &str) -> Option<(Timestamp, Kind)> {
    let rest = name.strip_prefix("ocpizza-")?;
    let (stamp, ext) = rest.split_once('.')?;
    let kind = match ext {
        "sqlite" => Kind::Sqlite,
        "pgdump" => Kind::Postgres,
        _ => return None,
    };
    if stamp.len() != 16 {
        return None;
    }
    let at = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%SZ", stamp)
        .ok()?
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()?
        .timestamp();
    Some((at, kind))
}

/// SHA-256 (hex) and size of a file.
pub fn checksum(path: &Path) -> anyhow::Result<(String, u64)> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = file
            .read(&mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// Whether a stream's head may be named in a manifest (no token, no account id).
pub fn shared_stream(name: &str) -> bool {
    name.starts_with("shop:") || name.starts_with("group:") || name.starts_with("driver:")
}

/// Differences between what a manifest says and what was found, one line each.
pub fn differences(expected: &Contents, found: &Contents) -> Vec<String> {
    let mut out = Vec::new();
    if expected.migration_level != found.migration_level {
        out.push(format!(
            "migration level: manifest {}, backup {}",
            expected.migration_level, found.migration_level
        ));
    }
    for (table, n) in &expected.row_counts {
        match found.row_counts.get(table) {
            Some(m) if m == n => {}
            Some(m) => out.push(format!("{table}: manifest {n} rows, backup {m}")),
            None => out.push(format!("{table}: in the manifest, not in the backup")),
        }
    }
    let (e, f) = (&expected.event_log, &found.event_log);
    if (e.streams, e.seq_total, e.last_event_id) != (f.streams, f.seq_total, f.last_event_id) {
        out.push(format!(
            "event log: manifest {} streams / total seq {} / last event {}, backup {} / {} / {}",
            e.streams, e.seq_total, e.last_event_id, f.streams, f.seq_total, f.last_event_id
        ));
    }
    if e.heads != f.heads {
        out.push("event log: the shared streams' heads differ".to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_names_carry_their_utc_time_and_kind() {
        let at: Timestamp = "2026-12-02T03:00:07Z".parse().unwrap();
        let name = file_name(at, Kind::Postgres);
        assert_eq!(name, "ocpizza-20261202T030007Z.pgdump");
        assert_eq!(parse_file_name(&name), Some((at, Kind::Postgres)));
        assert_eq!(
            parse_file_name("ocpizza-20261202T030007Z.sqlite"),
            Some((at, Kind::Sqlite))
        );
        for other in [
            "ocpizza-20261202T030007Z.sqlite.manifest.json",
            "ocpizza-20261202T030007Z.sqlite.partial",
            ".ocpizza-20261202T030007Z.sqlite",
            "ocpizza-2026.sqlite",
            "notes.txt",
        ] {
            assert_eq!(parse_file_name(other), None, "{other}");
        }
        assert_eq!(
            Manifest::path_for(Path::new("/b/ocpizza-20261202T030007Z.sqlite")),
            Path::new("/b/ocpizza-20261202T030007Z.sqlite.manifest.json")
        );
    }

    #[test]
    fn only_shared_streams_are_named() {
        assert!(shared_stream("shop:1:orders"));
        assert!(shared_stream("group:orders"));
        assert!(shared_stream("driver:4"));
        assert!(!shared_stream("order:6f1c0a"));
        assert!(!shared_stream("user:3"));
    }
}
