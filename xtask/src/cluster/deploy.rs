//! The deployment under test, started the way production starts it: each instance with the
//! command line and environment `systemd/ocpizza@.service` gives it (its `ExecStart=`, its
//! `Environment=`, then the environment file, which wins), the environment file being
//! `config/ocpizza.env.example` with its values filled in for this run. CI cannot run systemd
//! as PID 1, so the test starts, stops (SIGTERM, as `systemctl stop` does) and kills the
//! processes itself.

use crate::server::{Server, ocpizza_command, wait_ready, workspace_root};
use anyhow::{Context, bail, ensure};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use tokio::time::Instant;

/// How long a graceful stop may take: the unit's `TimeoutStopSec=`.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// The unit's command line and environment for one port.
#[derive(Debug, Clone)]
pub struct Unit {
    /// `ExecStart=`'s arguments (after the binary), `%i` replaced by the port.
    pub args: Vec<String>,
    /// `Environment=` lines, then the environment file's variables (later ones win).
    pub env: Vec<(String, String)>,
}

/// Reads `systemd/ocpizza@.service` for the instance on `port`, with `env_file` as its
/// `EnvironmentFile=` and `data_dir` for its state directory.
pub fn unit(port: u16, env_file: &[(String, String)], data_dir: &Path) -> anyhow::Result<Unit> {
    let path = workspace_root().join("systemd/ocpizza@.service");
    let text = std::fs::read_to_string(&path)?;
    let value = |key: &str| -> Vec<&str> {
        text.lines()
            .filter_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .collect()
    };
    let exec = value("ExecStart");
    let [exec] = exec.as_slice() else {
        bail!("{}: expected one ExecStart=", path.display());
    };
    let args: Vec<String> = exec
        .split_whitespace()
        .skip(1)
        .map(|a| a.replace("%i", &port.to_string()))
        .collect();
    ensure!(
        args.iter().any(|a| a.ends_with(&format!(":{port}"))),
        "ExecStart= does not bind the instance's port: {exec}"
    );
    let mut env = Vec::new();
    for line in value("Environment") {
        let (k, v) = line.split_once('=').context("Environment= without =")?;
        // The state directory (`StateDirectory=`) is the run's own folder.
        let v = if k == "OCPIZZA_DATA_DIR" {
            data_dir.display().to_string()
        } else {
            v.to_owned()
        };
        env.push((k.to_owned(), v));
    }
    env.extend(env_file.iter().cloned());
    Ok(Unit { args, env })
}

/// `config/ocpizza.env.example` with `values` filled in: a variable set in the example keeps
/// its value unless `values` gives one, a commented-out one is set only if `values` gives it.
/// Every key of `values` must appear in the example (so the test follows the file). Also
/// writes the result to `out` (what an operator would install as /etc/ocpizza/ocpizza.env).
pub fn env_file(values: &[(&str, String)], out: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let example = std::fs::read_to_string(workspace_root().join("config/ocpizza.env.example"))?;
    let mut vars: Vec<(String, String)> = Vec::new();
    for line in example.lines() {
        let commented = line.starts_with('#');
        let Some((key, value)) = line.trim_start_matches('#').split_once('=') else {
            continue;
        };
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
            continue;
        }
        match values.iter().find(|(k, _)| *k == key) {
            Some((_, v)) => vars.push((key.to_owned(), v.clone())),
            None if !commented => vars.push((key.to_owned(), value.to_owned())),
            None => {}
        }
    }
    for (key, _) in values {
        ensure!(
            vars.iter().any(|(k, _)| k == key),
            "config/ocpizza.env.example does not mention {key}"
        );
    }
    let mut text = String::new();
    for (k, v) in &vars {
        writeln!(text, "{k}={v}")?;
    }
    std::fs::write(out, text)?;
    Ok(vars)
}

/// One `ocpizza` instance of the deployment.
#[derive(Debug)]
pub struct Instance {
    /// Its name in the output (`A`, `B'`, …).
    pub name: String,
    /// The running process.
    pub server: Server,
}

impl Instance {
    /// Starts `binary` as `unit` says, logging to `log`, and waits until it is ready.
    pub async fn start(
        name: &str,
        binary: &Path,
        unit: &Unit,
        log: PathBuf,
    ) -> anyhow::Result<Instance> {
        let addr: SocketAddr = unit
            .args
            .iter()
            .find_map(|a| a.parse().ok())
            .context("no address in ExecStart=")?;
        let out = std::fs::File::create(&log)?;
        let env: Vec<(&str, String)> = unit
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        let child = ocpizza_command(binary, &env)
            .args(&unit.args)
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let mut server = Server {
            child,
            addr,
            base: format!("http://{addr}"),
            log,
        };
        let started = Instant::now();
        wait_ready(&mut server).await?;
        println!(
            "instance {name} ({}, pid {}) ready on {addr} in {:.1} s",
            binary.display(),
            server.child.id(),
            started.elapsed().as_secs_f64()
        );
        Ok(Instance {
            name: name.to_owned(),
            server,
        })
    }

    /// Stops it as `systemctl stop` does (SIGTERM, then SIGKILL after `TimeoutStopSec=`);
    /// returns how long it took to exit. Fails if it had to be killed or exited with an error.
    pub async fn stop(mut self) -> anyhow::Result<Duration> {
        let pid = self.server.child.id().to_string();
        let sent = Instant::now();
        let status = Command::new("kill")
            .args(["-TERM", &pid])
            .stdin(Stdio::null())
            .status()?;
        ensure!(status.success(), "kill -TERM {pid} failed");
        loop {
            if let Some(status) = self.server.child.try_wait()? {
                ensure!(
                    status.success(),
                    "instance {} exited with {status} after SIGTERM",
                    self.name
                );
                return Ok(sent.elapsed());
            }
            if sent.elapsed() > STOP_TIMEOUT {
                bail!(
                    "instance {} still running {} s after SIGTERM",
                    self.name,
                    STOP_TIMEOUT.as_secs()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// `kill -9`.
    pub fn kill(mut self) -> anyhow::Result<()> {
        self.server.child.kill().context("kill -9")?;
        self.server.child.wait()?;
        Ok(())
    }
}

/// Runs `ocpizza ARGS` to completion with the unit's environment (the operator's commands:
/// `seed`, `user create`), `stdin` written to its standard input.
pub fn ocpizza(binary: &Path, unit: &Unit, args: &[&str], stdin: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let env: Vec<(&str, String)> = unit
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let mut child = ocpizza_command(binary, &env)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    ensure!(
        out.status.success(),
        "ocpizza {} failed: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}
