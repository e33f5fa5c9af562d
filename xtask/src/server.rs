//! Starting the release server for the load tools: build it, run it on a free port with a
//! clean environment, wait until it is ready, kill it and remove its scratch folder on drop.
//! Also builds the debug server the end-to-end tests drive.

use anyhow::{Context, bail};
use reqwest::StatusCode;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the server may take to answer `/readyz`.
const READY_TIMEOUT: Duration = Duration::from_mins(1);

/// The workspace's root folder.
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// `cargo build --release -p ocpizza`; returns the binary's path.
pub fn build_server(root: &Path) -> anyhow::Result<PathBuf> {
    build(root, &["build", "--release", "-p", "ocpizza"], "release")
}

/// `cargo build -p ocpizza --bin ocpizza` (the debug binary the test pass builds anyway);
/// returns the binary's path.
pub fn build_debug_server(root: &Path) -> anyhow::Result<PathBuf> {
    build(
        root,
        &["build", "-p", "ocpizza", "--bin", "ocpizza"],
        "debug",
    )
}

fn build(root: &Path, args: &[&str], profile_dir: &str) -> anyhow::Result<PathBuf> {
    let line = format!("cargo {}", args.join(" "));
    println!("\n== Building the server ({line})");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(args)
        .current_dir(root)
        .stdin(Stdio::null())
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("{line} failed ({status})");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .filter(|v| !v.is_empty())
        .map_or_else(|| root.join("target"), |dir| root.join(PathBuf::from(dir)));
    let binary = target
        .join(profile_dir)
        .join(format!("ocpizza{}", std::env::consts::EXE_SUFFIX));
    if !binary.is_file() {
        bail!("built, but {} is missing", binary.display());
    }
    Ok(binary)
}

/// A scratch folder removed on drop.
#[derive(Debug)]
pub struct ScratchDir(pub PathBuf);

impl ScratchDir {
    /// A new empty folder under the temporary directory.
    pub fn new(label: &str) -> anyhow::Result<ScratchDir> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path = std::env::temp_dir().join(format!(
            "ocpizza-bench-{label}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(ScratchDir(path))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The running server, killed on drop.
#[derive(Debug)]
pub struct Server {
    /// The process.
    pub child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// `http://addr`.
    pub base: String,
    /// Its log file.
    pub log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An `ocpizza` command (or a wrapper that execs it) with nothing inherited from the
/// caller's configuration.
pub fn ocpizza_command(binary: &Path, env: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(binary);
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("OCPIZZA_") || key == "DATABASE_URL" || key == "REDIS_URL" {
            cmd.env_remove(key.as_ref());
        }
    }
    cmd.env("RUST_LOG", "warn").stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// The order throttles, lifted: the load tools place hundreds of orders a second from one
/// address and one phone number, and leave them waiting. `env` may still set them.
const UNTHROTTLED: [(&str, &str); 3] = [
    ("OCPIZZA_ORDERS_PER_IP_PER_MIN", "100000000"),
    ("OCPIZZA_ORDERS_PER_PHONE_PER_MIN", "100000000"),
    ("OCPIZZA_OPEN_ORDERS_PER_PHONE", "100000000"),
];

/// Runs `ocpizza serve --demo` on a free loopback port, logging to `log`, with the order
/// throttles lifted ([`UNTHROTTLED`]); the benchmarks log in with the demo accounts.
pub fn start_server(binary: &Path, env: &[(&str, String)], log: PathBuf) -> anyhow::Result<Server> {
    start_server_on(
        binary,
        env,
        log,
        SocketAddr::from(([127, 0, 0, 1], free_port()?)),
    )
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")
        .context("finding a free port")?
        .local_addr()?
        .port())
}

/// [`start_server`] on a given address (a restarted server takes its predecessor's).
pub fn start_server_on(
    binary: &Path,
    env: &[(&str, String)],
    log: PathBuf,
    addr: SocketAddr,
) -> anyhow::Result<Server> {
    start_server_under(&[], binary, env, log, addr)
}

/// [`start_server_on`], run by the program and arguments of `under` (a profiler: `valgrind
/// --tool=callgrind`, which runs the server in its own process, same pid) when not empty.
pub fn start_server_under(
    under: &[String],
    binary: &Path,
    env: &[(&str, String)],
    log: PathBuf,
    addr: SocketAddr,
) -> anyhow::Result<Server> {
    let out = std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
    let err = out.try_clone()?;
    let env: Vec<(&str, String)> = UNTHROTTLED
        .iter()
        .map(|(k, v)| (*k, (*v).to_owned()))
        .chain(env.iter().cloned())
        .collect();
    let mut cmd = match under.split_first() {
        Some((program, args)) => {
            let mut cmd = ocpizza_command(Path::new(program), &env);
            cmd.args(args).arg(binary);
            cmd
        }
        None => ocpizza_command(binary, &env),
    };
    let child = cmd
        .args(["serve", "--demo", "--bind", &addr.to_string()])
        .stdout(out)
        .stderr(err)
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    println!("server started on {addr} (pid {})", child.id());
    Ok(Server {
        child,
        addr,
        base: format!("http://{addr}"),
        log,
    })
}

/// How a process started by [`start_server_with_socket`] gets the socket, as systemd's socket
/// activation gives it: the socket arrives as standard input, `sh` moves it to fd 3, puts
/// `/dev/null` on standard input, sets `LISTEN_FDS=1` and `LISTEN_PID` to its own pid (`$$`),
/// then execs the server in its place (same pid). No `unsafe` `pre_exec` needed.
const SOCKET_ACTIVATION_SH: &str = r#"exec 3<&0 0</dev/null; LISTEN_FDS=1; LISTEN_PID=$$; export LISTEN_FDS LISTEN_PID; exec "$0" "$@""#;

/// [`start_server_on`], but serving `socket` (listening; it stays open here) passed as
/// systemd's socket activation passes it (fd 3, `LISTEN_FDS`, `LISTEN_PID`), with `--bind`
/// its address as the systemd unit says: successive servers share one socket.
pub fn start_server_with_socket(
    binary: &Path,
    env: &[(&str, String)],
    log: PathBuf,
    socket: &TcpListener,
) -> anyhow::Result<Server> {
    let addr = socket.local_addr()?;
    let out = std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
    let err = out.try_clone()?;
    let env: Vec<(&str, String)> = UNTHROTTLED
        .iter()
        .map(|(k, v)| (*k, (*v).to_owned()))
        .chain(env.iter().cloned())
        .collect();
    let fd: std::os::fd::OwnedFd = socket.try_clone().context("sharing the socket")?.into();
    let child = ocpizza_command(Path::new("sh"), &env)
        .args(["-c", SOCKET_ACTIVATION_SH])
        .arg(binary)
        .args(["serve", "--demo", "--bind", &addr.to_string()])
        .stdin(fd)
        .stdout(out)
        .stderr(err)
        .spawn()
        .with_context(|| format!("starting {} on a passed socket", binary.display()))?;
    println!(
        "server started on the socket {addr} passed as fd 3 (pid {})",
        child.id()
    );
    Ok(Server {
        child,
        addr,
        base: format!("http://{addr}"),
        log,
    })
}

/// Waits until `GET /readyz` answers 200 (or the server died, or a minute passed).
pub async fn wait_ready(server: &mut Server) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()?;
    let url = format!("{}/readyz", server.base);
    let start = Instant::now();
    loop {
        if let Some(status) = server.child.try_wait()? {
            bail!(
                "the server exited ({status}) before it was ready; last log lines:\n{}",
                log_tail(&server.log)
            );
        }
        if let Ok(r) = client.get(&url).send().await
            && r.status() == StatusCode::OK
        {
            println!("ready after {:.1} s", start.elapsed().as_secs_f64());
            return Ok(());
        }
        if start.elapsed() > READY_TIMEOUT {
            bail!(
                "GET /readyz did not answer 200 within {} s; last log lines:\n{}",
                READY_TIMEOUT.as_secs(),
                log_tail(&server.log)
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The last 20 lines of a log file.
pub fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
