//! What the scenarios start outside the server, each undone when its guard drops (also when a
//! scenario fails or times out): a private Redis, a fresh database on the shared PostgreSQL, a
//! private PostgreSQL cluster, a small tmpfs. The shared services are never stopped.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The newest PostgreSQL installed (Debian's `/usr/lib/postgresql/<major>/bin/initdb`), whose
/// cluster tools create the private cluster.
pub fn pg_version() -> Option<String> {
    std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter(|e| e.path().join("bin").join("initdb").is_file())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .max()
        .map(|v| v.to_string())
}

/// Runs `cmd` to completion; fails with its output when it fails.
fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// Waits until something accepts connections on `127.0.0.1:port` (at most 10 s).
fn wait_listening(port: u16) -> anyhow::Result<()> {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if start.elapsed() > Duration::from_secs(10) {
            bail!("nothing listens on 127.0.0.1:{port} after 10 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// A `redis-server` of our own on a free loopback port, without persistence.
#[derive(Debug)]
pub struct PrivateRedis {
    /// Its port.
    pub port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    /// Starts it on `port`.
    pub fn start(port: u16) -> anyhow::Result<PrivateRedis> {
        let mut redis = PrivateRedis { port, child: None };
        redis.restart()?;
        Ok(redis)
    }

    /// Starts it again (on the same port) after [`PrivateRedis::stop`].
    pub fn restart(&mut self) -> anyhow::Result<()> {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .context("starting redis-server (apt-get install redis-server)")?;
        self.child = Some(child);
        wait_listening(self.port)
    }

    /// Kills it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `psql` on the shared cluster's `postgres` database.
fn psql(sql: &str) -> anyhow::Result<()> {
    run(Command::new("psql")
        .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres"])
        .args(["-v", "ON_ERROR_STOP=1", "-qAtc", sql]))
}

/// A fresh database on the shared PostgreSQL (127.0.0.1:5432), dropped on drop.
#[derive(Debug)]
pub struct PgDatabase {
    name: String,
    /// Its `DATABASE_URL`.
    pub url: String,
}

impl PgDatabase {
    /// Creates `<prefix>_<this process's id>` (one of [`DATABASE_PREFIXES`], so that
    /// [`sweep_stale`] drops it if the run is interrupted).
    pub fn create(prefix: &str) -> anyhow::Result<PgDatabase> {
        debug_assert!(DATABASE_PREFIXES.contains(&prefix));
        let name = format!("{prefix}_{}", std::process::id());
        psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
        psql(&format!("CREATE DATABASE {name}"))?;
        Ok(PgDatabase {
            url: format!("postgres://postgres@127.0.0.1:5432/{name}"),
            name,
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = psql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

/// A PostgreSQL cluster of our own (Debian's cluster tools), trust authentication on loopback,
/// dropped with its data on drop.
#[derive(Debug)]
pub struct PgCluster {
    version: String,
    name: String,
    /// Its port.
    pub port: u16,
}

impl PgCluster {
    /// Creates and starts it on `port`.
    pub fn create(port: u16) -> anyhow::Result<PgCluster> {
        let cluster = PgCluster {
            version: pg_version().context("no PostgreSQL under /usr/lib/postgresql")?,
            name: format!("faults_{}_{port}", std::process::id()),
            port,
        };
        run(Command::new("pg_createcluster")
            .args([&cluster.version, &cluster.name, "-p", &port.to_string()])
            .args(["--start-conf", "manual", "--", "--auth=trust", "--no-sync"]))?;
        cluster.ctl("start")?;
        Ok(cluster)
    }

    /// Its `DATABASE_URL` (the cluster is ours alone: its `postgres` database will do).
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// `pg_ctlcluster <action>` (`start`, `stop`, `restart`), waiting until it is done.
    pub fn ctl(&self, action: &str) -> anyhow::Result<()> {
        run(Command::new("pg_ctlcluster").args([
            "--skip-systemctl-redirect",
            &self.version,
            &self.name,
            action,
        ]))?;
        if action != "stop" {
            wait_listening(self.port)?;
        }
        Ok(())
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = run(Command::new("pg_dropcluster").args(["--stop", &self.version, &self.name]));
    }
}

/// Whether `pid` names no running process (what it left behind is ours to undo).
fn gone(pid: &str) -> bool {
    pid.parse::<u32>()
        .is_ok_and(|pid| !Path::new(&format!("/proc/{pid}")).exists())
}

/// What the databases of the fault scenarios and of the cluster test are called, before
/// `_<pid>` (never `ocpizza_test_`, which the test command drops wholesale).
pub const DATABASE_PREFIXES: [&str; 2] = ["ocpizza_faults", "ocpizza_cluster"];

/// Undoes what an interrupted earlier run left (its process is gone): clusters
/// `faults_<pid>_<port>`, databases `<prefix>_<pid>` ([`DATABASE_PREFIXES`]), tmpfs mounts
/// under its scratch folders. What a run still going on holds is left alone.
pub fn sweep_stale() {
    if let Some(version) = pg_version()
        && let Ok(clusters) = std::fs::read_dir(format!("/etc/postgresql/{version}"))
    {
        for cluster in clusters.flatten() {
            let name = cluster.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name
                .strip_prefix("faults_")
                .and_then(|r| r.split('_').next())
                && gone(pid)
            {
                println!("dropping cluster {name}, left by an interrupted run");
                let _ = run(Command::new("pg_dropcluster").args(["--stop", &version, &name]));
            }
        }
    }
    let listed = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-Atc",
        ])
        .arg("SELECT datname FROM pg_database WHERE datname LIKE 'ocpizza\\_%'")
        .output();
    for name in listed.iter().flat_map(|o| {
        String::from_utf8_lossy(&o.stdout)
            .into_owned()
            .lines()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    }) {
        let pid = DATABASE_PREFIXES
            .iter()
            .find_map(|p| name.strip_prefix(p)?.strip_prefix('_'));
        if pid.is_some_and(gone) {
            let _ = psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    for point in mounts.lines().filter_map(|l| l.split(' ').nth(1)) {
        let pid = point
            .split_once("/ocpizza-bench-faults-disk-")
            .and_then(|(_, rest)| rest.split('-').next());
        if pid.is_some_and(gone) {
            let _ = Command::new("umount").arg("-l").arg(point).status();
        }
    }
}

/// A small tmpfs mounted on a folder of ours, unmounted on drop.
#[derive(Debug)]
pub struct Tmpfs {
    /// The mount point.
    pub path: PathBuf,
}

impl Tmpfs {
    /// Mounts `megabytes` MiB on `path` (created).
    pub fn mount(path: &Path, megabytes: u32) -> anyhow::Result<Tmpfs> {
        std::fs::create_dir_all(path)?;
        run(Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(path))?;
        Ok(Tmpfs {
            path: path.to_owned(),
        })
    }

    /// Fills it with one file; returns the file's path.
    pub fn fill(&self) -> anyhow::Result<PathBuf> {
        use std::io::Write;
        let path = self.path.join("filler");
        let mut file = std::fs::File::create(&path)?;
        let chunk = vec![0u8; 16 * 1024];
        while file.write_all(&chunk).is_ok() {}
        let _ = file.sync_all();
        Ok(path)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}
