//! Typed configuration, read from environment variables (optionally pre-loaded from a
//! `KEY=VALUE` file named by `OCPIZZA_CONFIG_FILE`). Secrets are wrapped in [`Secret`] so that
//! printing the configuration never leaks them.

use crate::hub::threads::LiveThreads;
use anyhow::{Context, bail};
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// A value that must never appear in logs: `Debug` and `Display` print `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Cost of argon2id password hashing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingCost {
    /// Memory in KiB (OWASP: 19456).
    pub memory_kib: u32,
    /// Iterations (OWASP: 2).
    pub iterations: u32,
}

impl Default for HashingCost {
    fn default() -> Self {
        HashingCost {
            memory_kib: 19_456,
            iterations: 2,
        }
    }
}

/// Everything the server needs to know at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (`OCPIZZA_BIND`).
    pub bind: SocketAddr,
    /// `DATABASE_URL` (PostgreSQL); `None` means the embedded SQLite file.
    pub database_url: Option<Secret<String>>,
    /// Where the SQLite file lives (`OCPIZZA_DATA_DIR`).
    pub data_dir: PathBuf,
    /// The site's public URL (`OCPIZZA_PUBLIC_URL`): Origin checks and the `Secure` cookie flag.
    pub public_url: String,
    /// `OCPIZZA_LOG_FORMAT` = `text` | `json`.
    pub log_format: LogFormat,
    /// Take the client address from `X-Forwarded-For` (behind nginx).
    pub trust_proxy: bool,
    /// Session lifetime in hours (`OCPIZZA_SESSION_HOURS`).
    pub session_hours: i64,
    /// Password hashing cost (`OCPIZZA_ARGON2_MEMORY_KIB`, `OCPIZZA_ARGON2_ITERATIONS`).
    pub hashing: HashingCost,
    /// Login attempts allowed per minute per client address (`OCPIZZA_LOGIN_PER_IP_PER_MIN`).
    pub login_per_ip_per_min: u32,
    /// Failed logins on one account from one address before each further attempt from there
    /// waits 1 s, 2 s, 4 s … up to 5 minutes (`OCPIZZA_LOGIN_FAILURES_BEFORE_BACKOFF`).
    pub login_failures_before_backoff: u32,
    /// Registrations allowed per hour per client address (`OCPIZZA_REGISTER_PER_IP_PER_HOUR`).
    pub register_per_ip_per_hour: u32,
    /// Orders allowed per minute per client address, staff orders excepted
    /// (`OCPIZZA_ORDERS_PER_IP_PER_MIN`).
    pub orders_per_ip_per_min: u32,
    /// Orders allowed per minute per contact phone, staff orders excepted
    /// (`OCPIZZA_ORDERS_PER_PHONE_PER_MIN`).
    pub orders_per_phone_per_min: u32,
    /// Online orders one phone number may have waiting for a shop to start them, across the
    /// group (`OCPIZZA_OPEN_ORDERS_PER_PHONE`).
    pub open_orders_per_phone: u32,
    /// Minutes after which an order no shop started is cancelled and its stock released
    /// (`OCPIZZA_UNSTARTED_ORDER_MINUTES`).
    pub unstarted_order_minutes: u32,
    /// `REDIS_URL`: fan events out through Redis pub/sub to every server instance.
    pub redis_url: Option<Secret<String>>,
    /// Redis channel the instances share (`OCPIZZA_REDIS_CHANNEL`).
    pub redis_channel: String,
    /// Live connections allowed per client address (`OCPIZZA_WS_MAX_PER_IP`).
    pub ws_max_per_ip: u32,
    /// Seconds between WebSocket pings (`OCPIZZA_WS_HEARTBEAT_SECS`).
    pub ws_heartbeat_secs: u32,
    /// Threads and priority of the live connections (`OCPIZZA_LIVE_THREADS`, 0 = on the
    /// request threads; `OCPIZZA_LIVE_NICE`, 0–19).
    pub live_threads: LiveThreads,
    /// Hours of events kept for resuming streams, at least 24 (`OCPIZZA_EVENT_RETENTION_HOURS`).
    pub event_retention_hours: u32,
    /// Days the audit trail is kept, at least 1 (`OCPIZZA_AUDIT_RETENTION_DAYS`, default two
    /// years).
    pub audit_retention_days: u32,
    /// Days after which a guest order's contact details are anonymised, at least 1
    /// (`OCPIZZA_ANONYMISE_AFTER_DAYS`, default a year).
    pub anonymise_after_days: u32,
    /// Hours after an order is finished (delivered, collected, failed, cancelled) during which
    /// its tracking link still works (`OCPIZZA_TRACKING_HOURS`).
    pub tracking_hours: u32,
    /// The built PWA to serve (`OCPIZZA_STATIC_DIR`; otherwise the first of
    /// [`default_static_dirs`] holding an `index.html`).
    pub static_dir: Option<PathBuf>,
    /// Where Prometheus scrapes `GET /metrics` (`OCPIZZA_METRICS_BIND`); `None`: no metrics
    /// listener. Never the public port.
    pub metrics_bind: Option<SocketAddr>,
    /// `SENTRY_DSN`: report panics and errors to Sentry; `None`: nothing is loaded or sent.
    pub sentry_dsn: Option<Secret<sentry::types::Dsn>>,
    /// `SENTRY_ENVIRONMENT` sent with every report (default `production`).
    pub sentry_environment: String,
    /// Backups (`OCPIZZA_BACKUP_DIR`, `OCPIZZA_BACKUP_COPY_TO`, `OCPIZZA_BACKUP_KEEP`,
    /// `OCPIZZA_BACKUP_AT`).
    pub backup: crate::backup::Settings,
    /// Online payment (`OCPIZZA_PAYMENT_PROVIDER` and the provider's keys, see
    /// [`crate::payments::settings`]).
    pub payments: crate::payments::settings::Settings,
    /// Seconds before a failed notification is first tried again; each later wait is three
    /// times longer, at most 10 minutes (`OCPIZZA_NOTIFY_RETRY_SECS`, default 5).
    pub notify_retry_secs: u32,
    /// E-mail (`OCPIZZA_SMTP_URL`, `OCPIZZA_MAIL_FROM`, see [`crate::notify::mail::settings`]).
    pub mail: crate::notify::mail::settings::Settings,
}

impl Config {
    /// A configuration with every default: embedded SQLite under `./data`, port 8080.
    pub fn defaults() -> Self {
        let bind: SocketAddr = ([127, 0, 0, 1], 8080).into();
        Config {
            bind,
            database_url: None,
            data_dir: PathBuf::from("data"),
            public_url: format!("http://{bind}"),
            log_format: LogFormat::Text,
            trust_proxy: false,
            session_hours: 24 * 30,
            hashing: HashingCost::default(),
            login_per_ip_per_min: 30,
            login_failures_before_backoff: 5,
            register_per_ip_per_hour: 10,
            orders_per_ip_per_min: 10,
            orders_per_phone_per_min: 5,
            open_orders_per_phone: 3,
            unstarted_order_minutes: 90,
            redis_url: None,
            redis_channel: "ocpizza:events".to_owned(),
            ws_max_per_ip: 200,
            ws_heartbeat_secs: 25,
            live_threads: LiveThreads::default(),
            event_retention_hours: 72,
            audit_retention_days: 730,
            anonymise_after_days: 365,
            tracking_hours: 24,
            static_dir: None,
            metrics_bind: None,
            sentry_dsn: None,
            sentry_environment: "production".to_owned(),
            backup: crate::backup::Settings::default(),
            payments: crate::payments::settings::Settings::default(),
            notify_retry_secs: 5,
            mail: crate::notify::mail::settings::Settings::default(),
        }
    }

    /// Reads the process environment (after loading `OCPIZZA_CONFIG_FILE` if set).
    pub fn from_env() -> anyhow::Result<Self> {
        let mut vars: HashMap<String, String> = HashMap::new();
        if let Ok(path) = std::env::var("OCPIZZA_CONFIG_FILE") {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading OCPIZZA_CONFIG_FILE {path}"))?;
            vars.extend(parse_env_file(&text).with_context(|| format!("in {path}"))?);
        }
        vars.extend(std::env::vars());
        Config::from_vars(&vars)
    }

    /// Builds a configuration from a set of variables; unknown `OCPIZZA_*` names are errors so
    /// that a typo does not silently fall back to a default.
    pub fn from_vars(vars: &HashMap<String, String>) -> anyhow::Result<Self> {
        const KNOWN: &[&str] = &[
            "OCPIZZA_BIND",
            "OCPIZZA_DATA_DIR",
            "OCPIZZA_PUBLIC_URL",
            "OCPIZZA_LOG_FORMAT",
            "OCPIZZA_TRUST_PROXY",
            "OCPIZZA_SESSION_HOURS",
            "OCPIZZA_ARGON2_MEMORY_KIB",
            "OCPIZZA_ARGON2_ITERATIONS",
            "OCPIZZA_LOGIN_PER_IP_PER_MIN",
            "OCPIZZA_LOGIN_FAILURES_BEFORE_BACKOFF",
            "OCPIZZA_REGISTER_PER_IP_PER_HOUR",
            "OCPIZZA_ORDERS_PER_IP_PER_MIN",
            "OCPIZZA_ORDERS_PER_PHONE_PER_MIN",
            "OCPIZZA_OPEN_ORDERS_PER_PHONE",
            "OCPIZZA_UNSTARTED_ORDER_MINUTES",
            "OCPIZZA_CONFIG_FILE",
            "OCPIZZA_REDIS_CHANNEL",
            "OCPIZZA_WS_MAX_PER_IP",
            "OCPIZZA_WS_HEARTBEAT_SECS",
            "OCPIZZA_LIVE_THREADS",
            "OCPIZZA_LIVE_NICE",
            "OCPIZZA_EVENT_RETENTION_HOURS",
            "OCPIZZA_AUDIT_RETENTION_DAYS",
            "OCPIZZA_ANONYMISE_AFTER_DAYS",
            "OCPIZZA_TRACKING_HOURS",
            "OCPIZZA_STATIC_DIR",
            "OCPIZZA_METRICS_BIND",
            "OCPIZZA_BACKUP_DIR",
            "OCPIZZA_BACKUP_COPY_TO",
            "OCPIZZA_BACKUP_KEEP",
            "OCPIZZA_BACKUP_AT",
            "OCPIZZA_NOTIFY_RETRY_SECS",
        ];
        if vars.contains_key("OCPIZZA_LOGIN_PER_ACCOUNT_PER_MIN") {
            bail!(
                "OCPIZZA_LOGIN_PER_ACCOUNT_PER_MIN is gone: failed logins now back off per account \
                 and address (OCPIZZA_LOGIN_FAILURES_BEFORE_BACKOFF), so that nobody can lock \
                 another person out"
            );
        }
        if let Some(unknown) = vars.keys().find(|k| {
            k.starts_with("OCPIZZA_")
                && !KNOWN.contains(&k.as_str())
                && !crate::payments::settings::VARIABLES.contains(&k.as_str())
                && !crate::notify::mail::settings::VARIABLES.contains(&k.as_str())
        }) {
            bail!("unknown configuration variable {unknown}");
        }
        let mut c = Config::defaults();
        let get = |k: &str| vars.get(k).filter(|v| !v.is_empty());
        if let Some(v) = get("OCPIZZA_BIND") {
            c.bind = v
                .parse()
                .with_context(|| format!("OCPIZZA_BIND={v}: expected IP:PORT"))?;
            c.public_url = format!("http://{}", c.bind);
        }
        if let Some(v) = get("DATABASE_URL") {
            if !(v.starts_with("postgres://") || v.starts_with("postgresql://")) {
                bail!("DATABASE_URL must be a postgres:// URL (leave it unset for SQLite)");
            }
            c.database_url = Some(Secret::new(v.clone()));
        }
        if let Some(v) = get("OCPIZZA_DATA_DIR") {
            c.data_dir = PathBuf::from(v);
        }
        if let Some(v) = get("OCPIZZA_PUBLIC_URL") {
            if !(v.starts_with("http://") || v.starts_with("https://")) {
                bail!("OCPIZZA_PUBLIC_URL={v}: expected http(s)://host[:port]");
            }
            v.trim_end_matches('/').clone_into(&mut c.public_url);
        }
        if let Some(v) = get("OCPIZZA_LOG_FORMAT") {
            c.log_format = match v.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                _ => bail!("OCPIZZA_LOG_FORMAT={v}: expected text or json"),
            };
        }
        if let Some(v) = get("OCPIZZA_TRUST_PROXY") {
            c.trust_proxy = parse_bool("OCPIZZA_TRUST_PROXY", v)?;
        }
        let num = |k: &str, default: u32| -> anyhow::Result<u32> {
            get(k).map_or(Ok(default), |v| {
                v.parse::<u32>()
                    .ok()
                    .filter(|n| *n > 0)
                    .with_context(|| format!("{k}={v}: expected a positive integer"))
            })
        };
        c.session_hours = i64::from(num("OCPIZZA_SESSION_HOURS", 24 * 30)?);
        c.hashing.memory_kib = num("OCPIZZA_ARGON2_MEMORY_KIB", c.hashing.memory_kib)?;
        c.hashing.iterations = num("OCPIZZA_ARGON2_ITERATIONS", c.hashing.iterations)?;
        c.login_per_ip_per_min = num("OCPIZZA_LOGIN_PER_IP_PER_MIN", c.login_per_ip_per_min)?;
        c.login_failures_before_backoff = num(
            "OCPIZZA_LOGIN_FAILURES_BEFORE_BACKOFF",
            c.login_failures_before_backoff,
        )?;
        c.register_per_ip_per_hour = num(
            "OCPIZZA_REGISTER_PER_IP_PER_HOUR",
            c.register_per_ip_per_hour,
        )?;
        c.orders_per_ip_per_min = num("OCPIZZA_ORDERS_PER_IP_PER_MIN", c.orders_per_ip_per_min)?;
        c.orders_per_phone_per_min = num(
            "OCPIZZA_ORDERS_PER_PHONE_PER_MIN",
            c.orders_per_phone_per_min,
        )?;
        c.open_orders_per_phone = num("OCPIZZA_OPEN_ORDERS_PER_PHONE", c.open_orders_per_phone)?;
        c.unstarted_order_minutes =
            num("OCPIZZA_UNSTARTED_ORDER_MINUTES", c.unstarted_order_minutes)?;
        c.static_dir = find_static_dir(get("OCPIZZA_STATIC_DIR"), &default_static_dirs())?;
        if let Some(v) = get("REDIS_URL") {
            if !(v.starts_with("redis://") || v.starts_with("rediss://")) {
                bail!("REDIS_URL must be a redis:// URL");
            }
            c.redis_url = Some(Secret::new(v.clone()));
        }
        if let Some(v) = get("OCPIZZA_REDIS_CHANNEL") {
            c.redis_channel.clone_from(v);
        }
        c.ws_max_per_ip = num("OCPIZZA_WS_MAX_PER_IP", c.ws_max_per_ip)?;
        c.ws_heartbeat_secs = num("OCPIZZA_WS_HEARTBEAT_SECS", c.ws_heartbeat_secs)?;
        let up_to = |k: &str, default: u32, max: u32| -> anyhow::Result<u32> {
            get(k).map_or(Ok(default), |v| {
                v.parse::<u32>()
                    .ok()
                    .filter(|n| *n <= max)
                    .with_context(|| format!("{k}={v}: expected an integer from 0 to {max}"))
            })
        };
        let threads = u32::try_from(c.live_threads.threads).unwrap_or(2);
        c.live_threads.threads = up_to("OCPIZZA_LIVE_THREADS", threads, 256)? as usize;
        c.live_threads.nice = up_to("OCPIZZA_LIVE_NICE", c.live_threads.nice as u32, 19)? as i32;
        c.event_retention_hours = num("OCPIZZA_EVENT_RETENTION_HOURS", c.event_retention_hours)?;
        if c.event_retention_hours < 24 {
            bail!("OCPIZZA_EVENT_RETENTION_HOURS must be at least 24");
        }
        c.audit_retention_days = num("OCPIZZA_AUDIT_RETENTION_DAYS", c.audit_retention_days)?;
        if c.audit_retention_days == 0 {
            bail!("OCPIZZA_AUDIT_RETENTION_DAYS must be at least 1");
        }
        c.anonymise_after_days = num("OCPIZZA_ANONYMISE_AFTER_DAYS", c.anonymise_after_days)?;
        if c.anonymise_after_days == 0 {
            bail!("OCPIZZA_ANONYMISE_AFTER_DAYS must be at least 1");
        }
        c.tracking_hours = num("OCPIZZA_TRACKING_HOURS", c.tracking_hours)?;
        c.notify_retry_secs = num("OCPIZZA_NOTIFY_RETRY_SECS", c.notify_retry_secs)?;
        if let Some(v) = get("OCPIZZA_METRICS_BIND") {
            let addr: SocketAddr = v
                .parse()
                .with_context(|| format!("OCPIZZA_METRICS_BIND={v}: expected IP:PORT"))?;
            if addr == c.bind {
                bail!(
                    "OCPIZZA_METRICS_BIND={v} is the public address: give metrics their own port"
                );
            }
            c.metrics_bind = Some(addr);
        }
        if let Some(v) = get("SENTRY_DSN") {
            // Parsed here: the Sentry client panics on a DSN it cannot read.
            let dsn: sentry::types::Dsn = v.parse().map_err(|e| {
                anyhow::anyhow!(
                    "SENTRY_DSN: not a Sentry DSN ({e}); expected https://KEY@HOST/PROJECT"
                )
            })?;
            c.sentry_dsn = Some(Secret::new(dsn));
        }
        if let Some(v) = get("SENTRY_ENVIRONMENT") {
            c.sentry_environment.clone_from(v);
        }
        c.backup = crate::backup::Settings::from_vars(|k| get(k).cloned())?;
        c.payments = crate::payments::settings::Settings::from_vars(|k| get(k).cloned())?;
        c.mail = crate::notify::mail::settings::Settings::from_vars(|k| get(k).cloned())?;
        Ok(c)
    }

    /// Whether the site is served over TLS (then cookies get `Secure`).
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// Where the SQLite database file lives.
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("ocpizza.db")
    }

    /// Runs on the embedded SQLite database.
    pub fn is_embedded(&self) -> bool {
        self.database_url.is_none()
    }
}

/// Where the Debian package installs the built web app.
pub const PACKAGED_STATIC_DIR: &str = "/usr/share/ocpizza/pwa";

/// Where the server looks for the built web app when `OCPIZZA_STATIC_DIR` is unset, in this
/// order: `pwa/dist` under the current folder (a source tree after `cargo xtask pwa`), `pwa/`
/// next to the binary (the release archive), then [`PACKAGED_STATIC_DIR`] (the Debian package).
pub fn default_static_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from("pwa/dist")];
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|p| p.join("pwa")))
    {
        dirs.push(dir);
    }
    dirs.push(PathBuf::from(PACKAGED_STATIC_DIR));
    dirs
}

/// The web app's folder: `explicit` (`OCPIZZA_STATIC_DIR`), which must hold an `index.html`,
/// or else the first of `candidates` that does; `None` (API only) when none does.
pub fn find_static_dir(
    explicit: Option<&String>,
    candidates: &[PathBuf],
) -> anyhow::Result<Option<PathBuf>> {
    let has_index = |dir: &Path| dir.join("index.html").is_file();
    if let Some(v) = explicit {
        let dir = PathBuf::from(v);
        if !has_index(&dir) {
            bail!("OCPIZZA_STATIC_DIR={v}: no index.html there (run `cargo xtask pwa`)");
        }
        return Ok(Some(dir));
    }
    Ok(candidates.iter().find(|d| has_index(d)).cloned())
}

fn parse_bool(key: &str, v: &str) -> anyhow::Result<bool> {
    match v {
        "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" => Ok(false),
        _ => bail!("{key}={v}: expected true or false"),
    }
}

/// Parses `KEY=VALUE` lines; blank lines and `#` comments are skipped, values may be quoted.
fn parse_env_file(text: &str) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            bail!("line {}: expected KEY=VALUE", n + 1);
        };
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v);
        out.push((k.trim().to_owned(), v.to_owned()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    #[test]
    fn the_database_password_never_shows_in_debug_output() {
        let c = Config::from_vars(&vars(&[("DATABASE_URL", "postgres://u:hunter2@db/x")])).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn typos_and_bad_values_are_refused_with_the_variable_named() {
        let err = Config::from_vars(&vars(&[("OCPIZZA_BINDD", "x")])).unwrap_err();
        assert!(err.to_string().contains("OCPIZZA_BINDD"));
        let err = Config::from_vars(&vars(&[("OCPIZZA_BIND", "nope")])).unwrap_err();
        assert!(err.to_string().contains("OCPIZZA_BIND"));
        assert!(Config::from_vars(&vars(&[("DATABASE_URL", "mysql://x")])).is_err());
        let err = Config::from_vars(&vars(&[("OCPIZZA_STATIC_DIR", "/no/such/dir")])).unwrap_err();
        assert!(err.to_string().contains("OCPIZZA_STATIC_DIR"));
        let err = Config::from_vars(&vars(&[("REDIS_URL", "http://x")])).unwrap_err();
        assert!(err.to_string().contains("REDIS_URL"));
        let err = Config::from_vars(&vars(&[("OCPIZZA_EVENT_RETENTION_HOURS", "3")])).unwrap_err();
        assert!(err.to_string().contains("at least 24"));
        let err = Config::from_vars(&vars(&[("OCPIZZA_ORDERS_PER_IP_PER_MIN", "0")])).unwrap_err();
        assert!(err.to_string().contains("OCPIZZA_ORDERS_PER_IP_PER_MIN"));
        let err =
            Config::from_vars(&vars(&[("OCPIZZA_REGISTER_PER_IP_PER_HOUR", "x")])).unwrap_err();
        assert!(err.to_string().contains("OCPIZZA_REGISTER_PER_IP_PER_HOUR"));
        let err =
            Config::from_vars(&vars(&[("OCPIZZA_LOGIN_PER_ACCOUNT_PER_MIN", "10")])).unwrap_err();
        assert!(
            err.to_string()
                .contains("OCPIZZA_LOGIN_FAILURES_BEFORE_BACKOFF")
        );
        let err = Config::from_vars(&vars(&[("OCPIZZA_LIVE_NICE", "20")])).unwrap_err();
        assert!(err.to_string().contains("OCPIZZA_LIVE_NICE"));
    }

    #[test]
    fn the_web_app_is_found_in_the_first_folder_holding_one_unless_named() {
        let root = tempfile::tempdir().unwrap();
        let dirs: Vec<PathBuf> = ["tree", "archive", "package"]
            .iter()
            .map(|d| root.path().join(d))
            .collect();
        for d in &dirs {
            std::fs::create_dir_all(d).unwrap();
        }
        // No folder holds a built app: the server runs API only.
        assert_eq!(find_static_dir(None, &dirs).unwrap(), None);
        // Only the packaged one: found without any setting.
        std::fs::write(dirs[2].join("index.html"), "<html>").unwrap();
        assert_eq!(find_static_dir(None, &dirs).unwrap(), Some(dirs[2].clone()));
        // A folder earlier in the order wins over it.
        std::fs::write(dirs[1].join("index.html"), "<html>").unwrap();
        assert_eq!(find_static_dir(None, &dirs).unwrap(), Some(dirs[1].clone()));
        // An explicit folder wins over every candidate, and must hold an app.
        let named = root.path().join("named");
        std::fs::create_dir_all(&named).unwrap();
        let v = named.to_str().unwrap().to_owned();
        let err = find_static_dir(Some(&v), &dirs).unwrap_err();
        assert!(err.to_string().contains("OCPIZZA_STATIC_DIR"));
        std::fs::write(named.join("index.html"), "<html>").unwrap();
        assert_eq!(find_static_dir(Some(&v), &dirs).unwrap(), Some(named));
    }

    #[test]
    fn the_default_search_ends_with_the_packaged_web_app() {
        let dirs = default_static_dirs();
        assert_eq!(dirs.first(), Some(&PathBuf::from("pwa/dist")));
        assert_eq!(dirs.last(), Some(&PathBuf::from(PACKAGED_STATIC_DIR)));
        let exe = std::env::current_exe().unwrap();
        assert!(dirs.contains(&exe.parent().unwrap().join("pwa")));
    }

    #[test]
    fn the_live_threads_can_be_moved_and_reprioritised() {
        let c = Config::from_vars(&vars(&[
            ("OCPIZZA_LIVE_THREADS", "0"),
            ("OCPIZZA_LIVE_NICE", "0"),
        ]))
        .unwrap();
        assert_eq!(
            c.live_threads,
            LiveThreads {
                threads: 0,
                nice: 0
            }
        );
        let c = Config::from_vars(&vars(&[("OCPIZZA_LIVE_THREADS", "3")])).unwrap();
        assert_eq!(c.live_threads.threads, 3);
        assert_eq!(c.live_threads.nice, LiveThreads::default().nice);
    }

    #[test]
    fn the_tracking_link_lifetime_is_configurable_and_never_zero() {
        assert_eq!(Config::defaults().tracking_hours, 24);
        let c = Config::from_vars(&vars(&[("OCPIZZA_TRACKING_HOURS", "48")])).unwrap();
        assert_eq!(c.tracking_hours, 48);
        let err = Config::from_vars(&vars(&[("OCPIZZA_TRACKING_HOURS", "0")])).unwrap_err();
        assert!(err.to_string().contains("OCPIZZA_TRACKING_HOURS"));
    }

    #[test]
    fn metrics_get_their_own_port_and_a_bad_sentry_dsn_is_a_configuration_error() {
        assert_eq!(Config::defaults().metrics_bind, None);
        let c = Config::from_vars(&vars(&[("OCPIZZA_METRICS_BIND", "127.0.0.1:9464")])).unwrap();
        assert_eq!(c.metrics_bind, Some("127.0.0.1:9464".parse().unwrap()));
        let err = Config::from_vars(&vars(&[("OCPIZZA_METRICS_BIND", "9464")])).unwrap_err();
        assert!(err.to_string().contains("OCPIZZA_METRICS_BIND"));
        let err = Config::from_vars(&vars(&[
            ("OCPIZZA_BIND", "127.0.0.1:8080"),
            ("OCPIZZA_METRICS_BIND", "127.0.0.1:8080"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("public address"));

        assert!(Config::defaults().sentry_dsn.is_none());
        let err = Config::from_vars(&vars(&[("SENTRY_DSN", "not a dsn")])).unwrap_err();
        assert!(err.to_string().contains("SENTRY_DSN"));
        let c = Config::from_vars(&vars(&[(
            "SENTRY_DSN",
            "https://abc123@o1.ingest.example/42",
        )]))
        .unwrap();
        assert_eq!(c.sentry_dsn.unwrap().expose().project_id().value(), "42");
        assert!(
            !format!(
                "{:?}",
                Config::from_vars(&vars(&[(
                    "SENTRY_DSN",
                    "https://abc123@o1.ingest.example/42"
                )]))
                .unwrap()
            )
            .contains("abc123")
        );
    }

    #[test]
    fn an_env_file_is_read_with_comments_and_quotes() {
        let parsed = parse_env_file("# c\nOCPIZZA_BIND=\"0.0.0.0:80\"\n\nA = b\n").unwrap();
        assert_eq!(parsed[0], ("OCPIZZA_BIND".into(), "0.0.0.0:80".into()));
        assert_eq!(parsed[1], ("A".into(), "b".into()));
        assert!(parse_env_file("garbage").is_err());
    }
}
