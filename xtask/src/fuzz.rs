//! `cargo xtask fuzz`: the public API fuzzed from its own OpenAPI document by schemathesis (from
//! PyPI, installed once into a virtual environment under `target/`), against the real server
//! (debug build, fresh embedded database with the demo data), as a guest and as the group's
//! administrator. Fails on any server error (5xx) or if the server stops answering.

use crate::server::{ScratchDir, build_debug_server, start_server, wait_ready, workspace_root};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The schemathesis release the pass is written for.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// Options of `cargo xtask fuzz`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Examples generated per operation and phase (the budget).
    #[arg(long, default_value_t = 20)]
    pub max_examples: u32,
}

/// The `st` command of a virtual environment under `target/`, created on first use.
fn schemathesis(root: &Path) -> anyhow::Result<PathBuf> {
    let venv = root.join("target").join("schemathesis-venv");
    let st = venv.join("bin").join("st");
    let wanted = SCHEMATHESIS.rsplit('=').next().unwrap_or_default();
    let current = Command::new(&st)
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(wanted));
    if current {
        return Ok(st);
    }
    println!("installing {SCHEMATHESIS} into {}", venv.display());
    let created = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .context("python3 -m venv (Python 3 with venv is needed: apt-get install python3-venv)")?;
    if !created.success() {
        bail!("could not create {}", venv.display());
    }
    let installed = Command::new(venv.join("bin").join("pip"))
        .args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            SCHEMATHESIS,
        ])
        .status()
        .context("pip install schemathesis")?;
    if !installed.success() {
        bail!("pip could not install {SCHEMATHESIS}");
    }
    Ok(st)
}

async fn admin_cookie(base: &str) -> anyhow::Result<String> {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "admin@demo.ocpizza.fr", "password": "demo-pizza"}))
        .send()
        .await
        .context("logging in as the demo administrator")?;
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .context("no session cookie after login")?;
    Ok(cookie.to_owned())
}

/// Runs the pass.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let root = workspace_root();
    let st = schemathesis(&root)?;
    let binary = build_debug_server(&root)?;
    let scratch = ScratchDir::new("fuzz")?;
    let env = [(
        "OCPIZZA_DATA_DIR",
        scratch.0.join("data").display().to_string(),
    )];
    let mut server = start_server(&binary, &env, scratch.0.join("server.log"))?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(wait_ready(&mut server))?;
    let cookie = runtime.block_on(admin_cookie(&server.base))?;
    let schema = format!("{}/api/openapi.json", server.base);
    let origin = format!("Origin: {}", server.base);
    let admin = format!("Cookie: {cookie}");
    for (who, extra) in [
        ("a guest", None),
        ("the administrator", Some(admin.as_str())),
    ] {
        println!("\n--- schemathesis as {who}");
        let mut cmd = Command::new(&st);
        cmd.args(["run", &schema, "--checks", "not_a_server_error"])
            .args(["--max-examples", &args.max_examples.to_string()])
            .args(["--workers", "2", "--generation-deterministic", "--no-color"])
            .args(["-H", &origin])
            .current_dir(&scratch.0);
        if let Some(header) = extra {
            // Logging out would turn the rest of the pass into a guest's.
            cmd.args(["-H", header, "--exclude-path", "/api/v1/auth/logout"]);
        }
        let status = cmd.status().context("running schemathesis")?;
        if !status.success() {
            bail!(
                "schemathesis found server errors as {who}; server log:\n{}",
                crate::server::log_tail(&server.log)
            );
        }
    }
    if let Some(status) = server.child.try_wait()? {
        bail!("the server died during the fuzzing pass ({status})");
    }
    runtime.block_on(wait_ready(&mut server))?;
    println!("\nfuzzing: no server error, the server still ready");
    Ok(())
}
