//! Backups of a PostgreSQL database with `pg_dump -Fc` and `pg_restore`.
//!
//! The dump and its manifest describe the same instant: a repeatable-read transaction exports
//! its snapshot, the manifest's counts and heads are read in it, and `pg_dump --snapshot` dumps
//! exactly that snapshot while the transaction stays open. Orders keep flowing meanwhile.
//! The password never appears on a command line (it goes to `PGPASSWORD`).
//!
//! A dump is checked without any database: `pg_restore --list` reads its table of contents,
//! and `pg_restore --data-only -f -` turns its data back into `COPY` text, whose lines are
//! counted per table (one line per row: COPY escapes newlines) and whose `stream_heads` and
//! `_sqlx_migrations` rows are read, to compare with the manifest.

use super::manifest::{Contents, MAIN_TABLES, shared_stream};
use crate::db::Db;
use anyhow::{Context, bail};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// The major version in `pg_dump --version` / `pg_restore --version` output
/// (`pg_dump (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)` → 15).
pub fn client_major(version_output: &str) -> Option<u32> {
    let after = version_output
        .split(')')
        .nth(1)?
        .split_whitespace()
        .next()?;
    after
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// The major version of a `server_version_num` (`150014` → 15; `90624` → 9).
pub fn server_major(version_num: i64) -> u32 {
    (version_num / 10_000) as u32
}

/// Refuses a client tool whose major version is not the server's.
pub fn check_versions(tool: &str, client: u32, server: u32) -> anyhow::Result<()> {
    if client != server {
        bail!(
            "{tool} is version {client} but the PostgreSQL server is version {server}: install \
             the matching client (Debian: apt-get install postgresql-client-{server}) and put \
             its bin directory first in PATH"
        );
    }
    Ok(())
}

fn tool_major(tool: &str) -> anyhow::Result<u32> {
    let out = Command::new(tool)
        .arg("--version")
        .output()
        .with_context(|| format!("running {tool} (is the PostgreSQL client installed?)"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    client_major(&text).with_context(|| format!("unexpected `{tool} --version`: {text}"))
}

/// The server's `server_version_num`.
pub async fn server_version(db: &Db) -> anyhow::Result<i64> {
    let v: String = sqlx::query_scalar("SHOW server_version_num")
        .fetch_one(db.pool())
        .await
        .context("SHOW server_version_num")?;
    v.trim()
        .parse()
        .with_context(|| format!("server_version_num {v:?}"))
}

/// A libpq connection string without the password, and the password for `PGPASSWORD`.
fn connection(url: &str) -> anyhow::Result<(String, Option<String>)> {
    let mut parsed = url::Url::parse(url).context("DATABASE_URL is not a URL")?;
    let password = parsed.password().map(percent_decode);
    let _ = parsed.set_password(None);
    Ok((parsed.to_string(), password))
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("p={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map_or_else(|| s.to_owned(), |(_, v)| v.into_owned())
}

fn tool(name: &str, url: &str) -> anyhow::Result<Command> {
    let (dbname, password) = connection(url)?;
    let mut cmd = Command::new(name);
    cmd.arg("--dbname").arg(dbname);
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    Ok(cmd)
}

fn run(mut cmd: Command, what: &str) -> anyhow::Result<()> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Dumps the database to `target` and returns what the dump holds, read in the same snapshot.
pub async fn dump(db: &Db, url: &str, target: &Path) -> anyhow::Result<(Contents, i64)> {
    let version = server_version(db).await?;
    check_versions("pg_dump", tool_major("pg_dump")?, server_major(version))?;
    let mut conn = db.pool().acquire().await?;
    sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *conn)
        .await?;
    let result = async {
        let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
            .fetch_one(&mut *conn)
            .await?;
        let contents = super::inspect::contents(&mut conn).await?;
        let mut cmd = tool("pg_dump", url)?;
        cmd.args(["--format=custom", "--no-owner", "--snapshot"])
            .arg(&snapshot)
            .arg("--file")
            .arg(target);
        tokio::task::spawn_blocking(move || run(cmd, "pg_dump")).await??;
        anyhow::Ok(contents)
    }
    .await;
    let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
    Ok((result?, version))
}

/// `pg_restore --list`: the archive's table of contents is readable and has every table's data.
pub fn list(file: &Path) -> anyhow::Result<()> {
    check_versions_of_restore()?;
    let out = Command::new("pg_restore")
        .arg("--list")
        .arg(file)
        .output()
        .context("running pg_restore --list")?;
    if !out.status.success() {
        bail!(
            "pg_restore --list: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let toc = String::from_utf8_lossy(&out.stdout);
    for table in MAIN_TABLES {
        let needle = format!(" TABLE DATA public {table} ");
        if !toc.lines().any(|l| l.contains(&needle)) {
            bail!("the dump has no data for table {table}");
        }
    }
    Ok(())
}

fn check_versions_of_restore() -> anyhow::Result<()> {
    tool_major("pg_restore").map(|_| ())
}

/// Reads the dump's data back (no database needed) and returns what it holds.
pub fn inspect(file: &Path) -> anyhow::Result<Contents> {
    let mut child = Command::new("pg_restore")
        .args(["--data-only", "--file", "-"])
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running pg_restore --data-only")?;
    let stdout = child.stdout.take().context("pg_restore's output")?;
    let contents = parse_data(BufReader::new(stdout));
    let out = child.wait_with_output().context("waiting for pg_restore")?;
    if !out.status.success() {
        bail!(
            "pg_restore --data-only: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    contents
}

/// Counts the rows of each `COPY public.<table> (…) FROM stdin;` block of a data-only script.
pub fn parse_data(input: impl BufRead) -> anyhow::Result<Contents> {
    let mut contents = Contents::default();
    let mut current: Option<(String, Vec<String>)> = None;
    for line in input.lines() {
        let line = line.context("reading pg_restore's output")?;
        match &current {
            None => {
                if let Some(rest) = line.strip_prefix("COPY public.") {
                    let (table, cols) = rest.split_once(' ').unwrap_or((rest, ""));
                    let cols = cols
                        .trim_start_matches('(')
                        .split(')')
                        .next()
                        .unwrap_or("")
                        .split(", ")
                        .map(|c| c.trim_matches('"').to_owned())
                        .collect();
                    let table = table.trim_matches('"').to_owned();
                    contents.row_counts.entry(table.clone()).or_insert(0);
                    current = Some((table, cols));
                }
            }
            Some((table, cols)) => {
                if line == "\\." {
                    current = None;
                    continue;
                }
                *contents.row_counts.entry(table.clone()).or_insert(0) += 1;
                let fields: Vec<&str> = line.split('\t').collect();
                let get = |name: &str| {
                    cols.iter()
                        .position(|c| c == name)
                        .and_then(|i| fields.get(i).copied())
                };
                match table.as_str() {
                    "stream_heads" => {
                        let stream = get("stream").unwrap_or_default();
                        let seq: i64 = get("seq").and_then(|s| s.parse().ok()).unwrap_or(0);
                        contents.event_log.streams += 1;
                        contents.event_log.seq_total += seq;
                        if shared_stream(stream) {
                            contents.event_log.heads.insert(stream.to_owned(), seq);
                        }
                    }
                    "events" => {
                        let id: i64 = get("id").and_then(|s| s.parse().ok()).unwrap_or(0);
                        contents.event_log.last_event_id = contents.event_log.last_event_id.max(id);
                    }
                    "_sqlx_migrations" if get("success") == Some("t") => {
                        let v: i64 = get("version").and_then(|s| s.parse().ok()).unwrap_or(0);
                        contents.migration_level = contents.migration_level.max(v);
                    }
                    _ => {}
                }
            }
        }
    }
    contents
        .row_counts
        .retain(|t, _| super::manifest::counted(t));
    Ok(contents)
}

/// `pg_restore --clean --if-exists --single-transaction` of `file` into the database: all or
/// nothing. Waits for the live server's open transactions on the tables it replaces.
pub async fn restore(db: &Db, url: &str, file: &Path) -> anyhow::Result<()> {
    let version = server_version(db).await?;
    check_versions(
        "pg_restore",
        tool_major("pg_restore")?,
        server_major(version),
    )?;
    let mut cmd = tool("pg_restore", url)?;
    cmd.args([
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
    ])
    .arg(file);
    tokio::task::spawn_blocking(move || run(cmd, "pg_restore")).await??;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_and_server_versions_are_read_and_a_mismatch_is_refused() {
        let debian = "pg_dump (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)\n";
        assert_eq!(client_major(debian), Some(15));
        assert_eq!(client_major("pg_restore (PostgreSQL) 16.4\n"), Some(16));
        assert_eq!(client_major("pg_dump (PostgreSQL) 9.6.24\n"), Some(9));
        assert_eq!(client_major("something else"), None);
        assert_eq!(server_major(150_014), 15);
        assert_eq!(server_major(170_000), 17);
        assert_eq!(server_major(90_624), 9);
        assert!(check_versions("pg_dump", 15, 15).is_ok());
        let err = check_versions("pg_dump", 15, 16).unwrap_err().to_string();
        assert!(err.contains("pg_dump is version 15"), "{err}");
        assert!(err.contains("server is version 16"), "{err}");
        assert!(err.contains("postgresql-client-16"), "{err}");
        assert!(check_versions("pg_restore", 16, 15).is_err());
    }

    #[test]
    fn the_password_goes_to_the_environment_not_the_command_line() {
        let (dbname, password) = connection("postgres://app:s3cr%40t@db:5432/ocpizza").unwrap();
        assert_eq!(dbname, "postgres://app@db:5432/ocpizza");
        assert_eq!(password.as_deref(), Some("s3cr@t"));
        let (dbname, password) = connection("postgres://postgres@127.0.0.1/x").unwrap();
        assert_eq!(dbname, "postgres://postgres@127.0.0.1/x");
        assert_eq!(password, None);
    }

    #[test]
    fn a_data_only_script_is_counted_per_table() {
        let script = "--\n-- Data for Name: stream_heads\n--\n\n\
            COPY public.stream_heads (stream, seq) FROM stdin;\n\
            shop:1:orders\t4\norder:abc\t2\n\\.\n\n\
            COPY public.events (id, stream, seq, kind, payload, actor_id, at) FROM stdin;\n\
            1\tshop:1:orders\t1\tk\t{\"a\":\"line\\\\nbreak\"}\t\\N\t5\n7\tx\t1\tk\t{}\t\\N\t5\n\\.\n\
            COPY public._sqlx_migrations (version, description, installed_on, success, checksum, execution_time) FROM stdin;\n\
            1\ts\t2026\tt\t\\\\x00\t1\n5\tb\t2026\tt\t\\\\x00\t1\n\\.\n\
            COPY public.users (id) FROM stdin;\n\\.\n";
        let c = parse_data(script.as_bytes()).unwrap();
        assert_eq!(c.row_counts["stream_heads"], 2);
        assert_eq!(c.row_counts["events"], 2);
        assert_eq!(c.row_counts["users"], 0);
        assert!(!c.row_counts.contains_key("_sqlx_migrations"));
        assert_eq!(c.event_log.streams, 2);
        assert_eq!(c.event_log.seq_total, 6);
        assert_eq!(c.event_log.last_event_id, 7);
        assert_eq!(c.event_log.heads.len(), 1);
        assert_eq!(c.migration_level, 5);
    }
}
