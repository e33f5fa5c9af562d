//! `cargo xtask fuzz`: the public API fuzzed from its own OpenAPI document by schemathesis (from
//! PyPI, installed once into a virtual environment under `target/`), against the real server
//! (debug build, fresh embedded database with the demo data), as a guest and as the group's
//! administrator. Runs every schemathesis check but those in [`EXCLUDED_CHECKS`]: fails on any
//! server error (5xx), on an answer the document does not describe (status, content type,
//! headers, body schema), on schema-violating input the server accepts, or if the server stops
//! answering.

use crate::server::{ScratchDir, build_debug_server, start_server, wait_ready, workspace_root};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The schemathesis release the pass is written for.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// Checks left out, each because the API deliberately does what it flags.
///
/// `positive_data_acceptance` expects every schema-valid request to be accepted, but the server
/// is stricter than JSON Schema can say: `1.0` is an integer to JSON Schema and not to serde;
/// text is trimmed before its length is checked and refused with control or invisible
/// characters; e-mails, phone numbers (6 to 15 digits) and dates are checked for meaning; ids
/// in a body must name existing things. Those answers are 422 by design.
const EXCLUDED_CHECKS: &str = "positive_data_acceptance";

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
    pip_install(&venv, SCHEMATHESIS)?;
    Ok(st)
}

/// Makes the virtual environment `venv` (if needed) and installs `requirement` into it from
/// PyPI; for the Python tools the checks run (schemathesis, moto).
pub fn pip_install(venv: &Path, requirement: &str) -> anyhow::Result<()> {
    println!("installing {requirement} into {}", venv.display());
    let created = Command::new("python3")
        .args(["-m", "venv"])
        .arg(venv)
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
            requirement,
        ])
        .status()
        .with_context(|| format!("pip install {requirement}"))?;
    if !installed.success() {
        bail!("pip could not install {requirement}");
    }
    Ok(())
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
        cmd.args(["run", &schema, "--checks", "all"])
            .args(["--exclude-checks", EXCLUDED_CHECKS])
            .args(["--max-examples", &args.max_examples.to_string()])
            // One worker: hypothesis parses lambda sources with `ast` while generating, and
            // CPython before 3.11.8 can fail that from two threads at once with "AST
            // constructor recursion depth mismatch" (cpython gh-106905).
            .args(["--workers", "1", "--generation-deterministic", "--no-color"])
            .args(["-H", &origin])
            .current_dir(&scratch.0);
        if let Some(header) = extra {
            // Logging out would turn the rest of the pass into a guest's.
            cmd.args(["-H", header, "--exclude-path", "/api/v1/auth/logout"]);
        }
        let status = cmd.status().context("running schemathesis")?;
        if !status.success() {
            bail!(
                "schemathesis found failures as {who}; server log:\n{}",
                crate::server::log_tail(&server.log)
            );
        }
    }
    if let Some(status) = server.child.try_wait()? {
        bail!("the server died during the fuzzing pass ({status})");
    }
    runtime.block_on(wait_ready(&mut server))?;
    println!("\nfuzzing: the server answered as its document says, and is still ready");
    Ok(())
}
