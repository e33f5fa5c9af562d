//! localstripe (PyPI), a third-party fake of Stripe's API: the payment tests and the browser
//! tests start their own instances of it. Installed in a virtual environment under `target/`
//! on first use; its binary is handed to the tests in `OCPIZZA_LOCALSTRIPE`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The localstripe release the tests are written for.
const LOCALSTRIPE: &str = "localstripe==1.15.10";

/// The `localstripe` command of its virtual environment, installed if needed.
pub fn binary(root: &Path) -> anyhow::Result<PathBuf> {
    let venv = root.join("target").join("localstripe-venv");
    let bin = venv.join("bin").join("localstripe");
    let wanted = LOCALSTRIPE.rsplit('=').next().unwrap_or_default();
    let current = Command::new(venv.join("bin").join("pip"))
        .args(["show", "localstripe"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(&format!("Version: {wanted}")));
    if current && bin.is_file() {
        return Ok(bin);
    }
    crate::fuzz::pip_install(&venv, LOCALSTRIPE)?;
    Ok(bin)
}
