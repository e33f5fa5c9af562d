//! `ocpizza check`: "everything is in place", as a table of ✓ (fine), ! (works, but look) and
//! ✗ (broken) lines, each failure saying what to do; `--json` gives the same as one object.
//! The exit status is non-zero when any line is ✗ (2 when the configuration itself is invalid,
//! since nothing else can be checked).
//!
//! Lines that need the database are left out when it cannot be reached: its own line says why.

use crate::config::Config;
use crate::db::{Backend, Db};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// Below this much free space in a folder the server writes to, the check fails.
pub const MIN_FREE_BYTES: u64 = 100 * 1024 * 1024;
/// Below this much, it warns.
pub const LOW_FREE_BYTES: u64 = 1024 * 1024 * 1024;
/// Longest wait for the database or Redis to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// How a line went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// In place.
    Ok,
    /// Works, but deserves a look (maintenance on, little free space).
    Warn,
    /// Broken: the server cannot work as it should.
    Fail,
}

/// One line of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// What was checked.
    pub name: &'static str,
    /// How it went.
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// What to do about it, for anything but ✓.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Line {
    fn ok(name: &'static str, detail: impl Into<String>) -> Line {
        Line {
            name,
            status: Status::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    fn warn(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Line {
        Line {
            name,
            status: Status::Warn,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Line {
        Line {
            name,
            status: Status::Fail,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

/// Runs every check for `config` (or reports why the configuration is invalid), prints the
/// table (or JSON) and returns the exit status.
pub async fn run(config: anyhow::Result<Config>, json: bool) -> ExitCode {
    let (lines, code) = match config {
        Ok(config) => {
            let lines = lines(&config).await;
            let failed = lines.iter().any(|l| l.status == Status::Fail);
            (
                lines,
                if failed {
                    ExitCode::FAILURE
                } else {
                    ExitCode::SUCCESS
                },
            )
        }
        Err(e) => (
            vec![Line::fail(
                "configuration",
                format!("{e:#}"),
                "correct that variable in the environment file (/etc/ocpizza/ocpizza.env; every \
                 setting is described in config/ocpizza.env.example)",
            )],
            ExitCode::from(2),
        ),
    };
    print(&lines, json);
    code
}

/// Every line for a valid configuration.
pub async fn lines(config: &Config) -> Vec<Line> {
    let which = if config.is_embedded() {
        format!("embedded SQLite at {}", config.sqlite_path().display())
    } else {
        "PostgreSQL (DATABASE_URL)".to_owned()
    };
    let mut lines = vec![Line::ok("configuration", format!("valid; {which}"))];
    match tokio::time::timeout(TIMEOUT, connect(config)).await {
        Ok(Ok(db)) => {
            lines.push(Line::ok("database", "reachable"));
            lines.extend(database_lines(&db).await);
            db.close().await;
        }
        Ok(Err(e)) => lines.push(unreachable(config, &format!("{e:#}"))),
        Err(_) => lines.push(unreachable(config, "no answer within 10 s")),
    }
    lines.push(redis(config).await);
    lines.push(payments(config).await);
    lines.push(mail(config).await);
    lines.push(web_app(config.static_dir.as_deref()));
    lines.push(folder("data folder", &config.data_dir));
    lines.push(backup_folder(&crate::backup::backup_dir(config)));
    lines
}

/// The payment provider: reachable with the configured keys, webhooks verifiable.
async fn payments(config: &Config) -> Line {
    let payments = crate::payments::Payments::new(config.payments.clone());
    let (health, detail) = match tokio::time::timeout(TIMEOUT, payments.check()).await {
        Ok(checked) => checked,
        Err(_) => (
            crate::payments::Health::Fail,
            "the provider gave no answer within 10 s".to_owned(),
        ),
    };
    match health {
        crate::payments::Health::Ok => Line::ok("online payment", detail),
        crate::payments::Health::Warn => Line::warn(
            "online payment",
            detail,
            "set OCPIZZA_STRIPE_WEBHOOK_SECRET (Stripe) or OCPIZZA_PAYPAL_WEBHOOK_ID (PayPal) and \
             point the provider's webhook at https://SITE/api/v1/payments/<provider>/webhook",
        ),
        crate::payments::Health::Fail => Line::fail(
            "online payment",
            detail,
            "check the provider's keys and URL in the environment file, and that this host can \
             reach the provider (HTTPS out); until then, customers cannot pay online",
        ),
    }
}

/// E-mail: off, or the SMTP server reachable with the configured security and login.
async fn mail(config: &Config) -> Line {
    use crate::notify::mail::transport::{Health, check};
    let health = tokio::time::timeout(TIMEOUT, check(&config.mail))
        .await
        .unwrap_or_else(|_| Health::Unreachable("no answer within 10 s".to_owned()));
    match health {
        Health::Off => Line::warn(
            "e-mail",
            "off (OCPIZZA_SMTP_URL unset): no order confirmations, no password reset links",
            "set OCPIZZA_SMTP_URL and OCPIZZA_MAIL_FROM in the environment file (see \
             config/ocpizza.env.example)",
        ),
        Health::Reachable(detail) => Line::ok("e-mail", detail),
        Health::Unreachable(detail) => Line::fail(
            "e-mail",
            detail,
            "check OCPIZZA_SMTP_URL (host, port, smtp:// with STARTTLS or smtps://, user and \
             password) and that this host may connect to it; until then, messages wait and \
             are retried, and are dropped after a day",
        ),
    }
}

/// How old the last good backup may be before `check` warns: a day and two hours of slack
/// for the daily run.
const BACKUP_MAX_AGE: std::time::Duration = std::time::Duration::from_hours(26);

async fn last_backup(db: &Db) -> Line {
    let fix = "take one now (`systemctl start ocpizza-backup.service`, or `ocpizza backup create`) \
               and see why the daily run did not (`journalctl -u ocpizza-backup.service`)";
    let Some(run) = crate::backup::last_good(db).await else {
        return Line::warn("last backup", "no good backup yet", fix);
    };
    let Some(finished) = run.finished_at else {
        return Line::warn("last backup", "no good backup yet", fix);
    };
    let age = jiff::Timestamp::now().duration_since(finished);
    let hours = age.as_secs_f64() / 3600.0;
    let file = run.file.unwrap_or_default();
    if age.unsigned_abs() > BACKUP_MAX_AGE {
        Line::warn(
            "last backup",
            format!("{file}, {hours:.0} h ago (more than 26 h)"),
            fix,
        )
    } else {
        Line::ok("last backup", format!("{file}, {hours:.1} h ago"))
    }
}

async fn connect(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(config).await?;
    db.ping().await?;
    Ok(db)
}

fn unreachable(config: &Config, why: &str) -> Line {
    let fix = if config.is_embedded() {
        "check that OCPIZZA_DATA_DIR exists and belongs to the server's user"
    } else {
        "check DATABASE_URL (host, port, user, database) and that PostgreSQL runs and accepts \
         this host (pg_hba.conf)"
    };
    Line::fail("database", format!("cannot be reached: {why}"), fix)
}

/// The lines that read the database.
async fn database_lines(db: &Db) -> Vec<Line> {
    let mut lines = Vec::new();
    match db.pending_migrations().await {
        Ok(p) if p.is_empty() => lines.push(Line::ok("migrations", "current")),
        Ok(p) => {
            lines.push(Line::fail(
                "migrations",
                format!("{} pending ({p:?})", p.len()),
                "run `ocpizza migrate` (turn maintenance on first if instances serve)",
            ));
            // What follows reads tables the pending migrations may create.
            return lines;
        }
        Err(e) => {
            lines.push(Line::fail(
                "migrations",
                format!("{e:#}"),
                "see the error above",
            ));
            return lines;
        }
    }
    lines.push(match crate::shops::db::list(db.pool()).await {
        Ok(shops) if !shops.is_empty() => Line::ok("shops", format!("{} shops", shops.len())),
        Ok(_) => Line::fail("shops", "no shop yet", "run `ocpizza seed`"),
        Err(e) => Line::fail("shops", e.to_string(), "see the error above"),
    });
    lines.push(match crate::auth::db::any_admin(db.pool()).await {
        Ok(true) => Line::ok("administrator", "at least one"),
        Ok(false) => Line::fail(
            "administrator",
            "no administrator account",
            "create one: `ocpizza user create --role admin --email you@example.com --name \"…\"`",
        ),
        Err(e) => Line::fail("administrator", e.to_string(), "see the error above"),
    });
    lines.push(last_backup(db).await);
    if db.backend() == Backend::Postgres {
        lines.push(pg_dump(db).await);
    }
    lines.push(maintenance(db).await);
    lines
}

async fn maintenance(db: &Db) -> Line {
    let state = match crate::maintenance::db::get(db.pool()).await {
        Ok(s) => s,
        Err(e) => return Line::fail("maintenance", e.to_string(), "see the error above"),
    };
    let serving = crate::maintenance::serving_instances(db)
        .await
        .map_or(0, |s| s.len());
    let instances = format!("{serving} instance(s) serving");
    if !state.on {
        return Line::ok("maintenance", format!("off; {instances}"));
    }
    let mut detail = "ON: customers cannot order".to_owned();
    if let Some(since) = state.since {
        let _ = write!(detail, ", since {since}");
    }
    if let Some(until) = state.until {
        let _ = write!(detail, ", announced until {until}");
    }
    if let Some(message) = &state.message {
        let _ = write!(detail, ", message \"{message}\"");
    }
    Line::warn(
        "maintenance",
        format!("{detail}; {instances}"),
        "run `ocpizza maintenance off` once the work is done",
    )
}

/// `pg_dump` must be at least as new as the server, or it refuses to dump it.
async fn pg_dump(db: &Db) -> Line {
    let server: Result<String, _> = sqlx::query_scalar("SHOW server_version_num")
        .fetch_one(db.pool())
        .await;
    let server = match server.map(|v| v.trim().parse::<u32>().map(|n| n / 10_000)) {
        Ok(Ok(major)) => major,
        Ok(Err(e)) => return Line::fail("pg_dump", e.to_string(), "see the error above"),
        Err(e) => return Line::fail("pg_dump", e.to_string(), "see the error above"),
    };
    let install =
        format!("install the matching client: `apt-get install postgresql-client-{server}`");
    let output = tokio::task::spawn_blocking(|| {
        std::process::Command::new("pg_dump")
            .arg("--version")
            .output()
    })
    .await
    .unwrap_or_else(|e| Err(std::io::Error::other(e)));
    let text = match output {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        Ok(o) => {
            return Line::fail(
                "pg_dump",
                format!("`pg_dump --version` failed: {}", o.status),
                install,
            );
        }
        Err(e) => return Line::fail("pg_dump", format!("not found on PATH ({e})"), install),
    };
    match client_major(&text) {
        Some(client) if client == server => {
            Line::ok("pg_dump", format!("{client}, like the server ({text})"))
        }
        // `ocpizza backup create` wants the server's own major version: an older pg_dump
        // refuses to dump, and a newer one writes archives the server's pg_restore cannot read.
        Some(client) => Line::fail(
            "pg_dump",
            format!("{client}, but the server is {server}: backups would be refused"),
            install,
        ),
        None => Line::fail(
            "pg_dump",
            format!("unexpected version text {text:?}"),
            install,
        ),
    }
}

/// The major version in `pg_dump (PostgreSQL) 15.10 (Debian …)`.
pub fn client_major(text: &str) -> Option<u32> {
    let version = text
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))?;
    version.split('.').next()?.parse().ok()
}

async fn redis(config: &Config) -> Line {
    let Some(url) = &config.redis_url else {
        return Line::ok(
            "redis",
            "not configured (one instance, or events cross instances through the database only)",
        );
    };
    let ping = async {
        let client = redis::Client::open(url.expose().as_str())?;
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<String>(&mut conn).await
    };
    match tokio::time::timeout(TIMEOUT, ping).await {
        Ok(Ok(_)) => Line::ok("redis", "reachable"),
        Ok(Err(e)) => Line::fail(
            "redis",
            format!("cannot be reached: {e}"),
            "check REDIS_URL and that redis-server runs",
        ),
        Err(_) => Line::fail(
            "redis",
            "no answer within 10 s",
            "check REDIS_URL and that redis-server runs",
        ),
    }
}

/// The file the PWA build writes next to its pages: which server version it was built for.
pub const WEB_APP_STAMP: &str = "version.json";

#[derive(serde::Deserialize)]
struct Stamp {
    version: String,
}

fn web_app(dir: Option<&Path>) -> Line {
    let rebuild = "build it with `cargo xtask pwa` from this version's sources and point \
                   OCPIZZA_STATIC_DIR at its pwa/dist";
    let Some(dir) = dir else {
        return Line::fail(
            "web app",
            "not found (OCPIZZA_STATIC_DIR unset, no pwa/dist)",
            rebuild,
        );
    };
    let stamp = dir.join(WEB_APP_STAMP);
    let text = match std::fs::read_to_string(&stamp) {
        Ok(t) => t,
        Err(e) => {
            return Line::fail(
                "web app",
                format!(
                    "{} has no {WEB_APP_STAMP} ({e}): built by an older version",
                    dir.display()
                ),
                rebuild,
            );
        }
    };
    let server = env!("CARGO_PKG_VERSION");
    match serde_json::from_str::<Stamp>(&text) {
        Ok(s) if s.version == server => {
            Line::ok("web app", format!("{}, built for {server}", dir.display()))
        }
        Ok(s) => Line::fail(
            "web app",
            format!(
                "{} was built for {}, this server is {server}",
                dir.display(),
                s.version
            ),
            rebuild,
        ),
        Err(e) => Line::fail(
            "web app",
            format!("{} is unreadable: {e}", stamp.display()),
            rebuild,
        ),
    }
}

/// The backup folder is made by the first backup: until then its parent must be writable.
fn backup_folder(dir: &Path) -> Line {
    match dir.parent() {
        Some(parent) if !dir.exists() && parent.is_dir() => {
            let line = folder("backup folder", parent);
            if line.status == Status::Ok {
                Line::ok(
                    "backup folder",
                    format!("{} will be made by the first backup", dir.display()),
                )
            } else {
                line
            }
        }
        _ => folder("backup folder", dir),
    }
}

fn folder(name: &'static str, dir: &Path) -> Line {
    let fix_owner = format!(
        "create {} and give it to the server's user (systemd: StateDirectory does it)",
        dir.display()
    );
    if !dir.is_dir() {
        return Line::fail(name, format!("{} does not exist", dir.display()), fix_owner);
    }
    let probe = dir.join(format!(".ocpizza-check-{}", std::process::id()));
    if let Err(e) = std::fs::write(&probe, b"check").and_then(|()| std::fs::remove_file(&probe)) {
        return Line::fail(
            name,
            format!("{} is not writable: {e}", dir.display()),
            fix_owner,
        );
    }
    let free = free_bytes(dir);
    let mib = |b: u64| b / (1024 * 1024);
    match free {
        Some(f) if f < MIN_FREE_BYTES => Line::fail(
            name,
            format!("{}: only {} MiB free", dir.display(), mib(f)),
            "free some space on that file system (old logs, old backups) or move the folder",
        ),
        Some(f) if f < LOW_FREE_BYTES => Line::warn(
            name,
            format!("{}: writable, {} MiB free", dir.display(), mib(f)),
            "free some space soon",
        ),
        Some(f) => Line::ok(
            name,
            format!("{}: writable, {} MiB free", dir.display(), mib(f)),
        ),
        None => Line::ok(name, format!("{}: writable", dir.display())),
    }
}

fn free_bytes(dir: &Path) -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let st = rustix::fs::statvfs(dir).ok()?;
        Some(st.f_bavail.saturating_mul(st.f_frsize))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        None
    }
}

fn print(lines: &[Line], json: bool) {
    if json {
        let ok = !lines.iter().any(|l| l.status == Status::Fail);
        let doc = serde_json::json!({ "ok": ok, "checks": lines });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return;
    }
    let width = lines.iter().map(|l| l.name.len()).max().unwrap_or(0);
    for line in lines {
        let mark = match line.status {
            Status::Ok => "✓",
            Status::Warn => "!",
            Status::Fail => "✗",
        };
        println!("{mark} {:<width$}  {}", line.name, line.detail);
        if let Some(fix) = &line.fix {
            println!("  {:<width$}  → {fix}", "");
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_client_major_version_is_read_from_pg_dump_output() {
        assert_eq!(
            super::client_major("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"),
            Some(15)
        );
        assert_eq!(super::client_major("pg_dump (PostgreSQL) 9.6.24"), Some(9));
        assert_eq!(super::client_major("pg_dump"), None);
    }
}
