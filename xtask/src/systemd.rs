//! `cargo xtask systemd-check`: the units in `systemd/` pass `systemd-analyze verify` without a
//! single remark, and each service's exposure (`systemd-analyze security --offline=true`) is at
//! most 1.5 out of 10. PID 1 need not be systemd; `systemd-analyze` (Debian package `systemd`)
//! must be installed.
//!
//! The checks run on copies in a scratch folder: a template (`name@.service`) is instantiated
//! as `name@8080.service`, and the installed binary's path points at the freshly built debug
//! server, since `verify` refuses an `ExecStart=` whose program does not exist.

use crate::server::{ScratchDir, build_debug_server, workspace_root};
use anyhow::{Context, bail};
use std::path::Path;
use std::process::Command;

/// Where the units say the binary is installed (by the Debian package, `cargo xtask dist`).
pub const INSTALLED_BINARY: &str = "/usr/bin/ocpizza";
/// The instance a template unit is checked as.
const INSTANCE: &str = "8080";
/// Highest exposure allowed, on `systemd-analyze security`'s 0–100 `--threshold` scale (1.5).
const THRESHOLD: u32 = 15;

/// Options of `cargo xtask systemd-check`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: &Args) -> anyhow::Result<()> {
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        bail!("systemd-analyze is missing: apt-get install systemd");
    }
    let root = workspace_root();
    let binary = build_debug_server(&root)?;
    let binary = binary.to_str().context("the server's path is not UTF-8")?;
    let scratch = ScratchDir::new("systemd")?;
    let mut units = Vec::new();
    for entry in std::fs::read_dir(root.join("systemd")).context("reading systemd/")? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(kind) = [".service", ".timer", ".socket"]
            .into_iter()
            .find(|k| name.ends_with(k))
        else {
            continue;
        };
        let instance = name.replace("@.", &format!("@{INSTANCE}."));
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?
            .replace(INSTALLED_BINARY, binary);
        let copy = scratch.0.join(&instance);
        std::fs::write(&copy, text).with_context(|| format!("writing {}", copy.display()))?;
        units.push((name.to_owned(), copy, kind == ".service"));
    }
    if units.is_empty() {
        bail!("no unit in systemd/");
    }
    units.sort();
    for (name, copy, service) in &units {
        verify(name, copy)?;
        if *service {
            security(name, copy)?;
        }
    }
    println!("systemd units ok");
    Ok(())
}

/// `systemd-analyze verify`: any output at all is a failure, since most of its complaints
/// (unknown settings, bad values) do not change the exit status.
fn verify(name: &str, copy: &Path) -> anyhow::Result<()> {
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(copy)
        .current_dir(copy.parent().unwrap_or(copy))
        .output()
        .context("running systemd-analyze verify")?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() || !said.trim().is_empty() {
        bail!("systemd-analyze verify {name} ({}):\n{said}", out.status);
    }
    println!("ok    verify {name}");
    Ok(())
}

/// `systemd-analyze security --offline=true --threshold=15`: prints the exposure.
fn security(name: &str, copy: &Path) -> anyhow::Result<()> {
    let out = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--no-pager"])
        .arg(format!("--threshold={THRESHOLD}"))
        .arg(copy)
        .current_dir(copy.parent().unwrap_or(copy))
        .output()
        .context("running systemd-analyze security")?;
    let said = String::from_utf8_lossy(&out.stdout);
    let overall = said
        .lines()
        .find(|l| l.contains("Overall exposure level"))
        .map_or("no overall exposure printed", str::trim);
    if !out.status.success() {
        bail!(
            "systemd-analyze security {name}: above {}.{} ({}):\n{said}{}",
            THRESHOLD / 10,
            THRESHOLD % 10,
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    println!("ok    security {name}: {overall}");
    Ok(())
}
