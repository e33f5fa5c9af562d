//! localstripe, a local stand-in for Stripe's API and Stripe.js (from PyPI, installed once
//! into a virtual environment under the target directory, like schemathesis for the fuzzing
//! pass). The browser tests of online payment start one per server; see `e2e/harness.mjs`.

use crate::fuzz::pip_install;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The localstripe release the tests are written for.
const LOCALSTRIPE: &str = "localstripe==1.15.10";

/// The target directory (`CARGO_TARGET_DIR`, or `target/` of the workspace).
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .filter(|v| !v.is_empty())
        .map_or_else(|| root.join("target"), |dir| root.join(PathBuf::from(dir)))
}

/// The `localstripe` command, installed on first use.
pub fn command(root: &Path) -> anyhow::Result<PathBuf> {
    let venv = target_dir(root).join("localstripe-venv");
    let bin = venv.join("bin").join("localstripe");
    let wanted = LOCALSTRIPE.rsplit('=').next().unwrap_or_default();
    let current = Command::new(venv.join("bin").join("pip"))
        .args(["show", "localstripe"])
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == format!("Version: {wanted}"))
        });
    if !(current && bin.is_file()) {
        pip_install(&venv, LOCALSTRIPE)?;
    }
    Ok(bin)
}
