//! `cargo xtask backup-s3`: the off-site copy of backups to S3, against a real S3 fake. moto's
//! server (from PyPI, installed once into a virtual environment under `target/`) listens on a
//! loopback port; the real binary (debug build) seeds an embedded database, then `ocpizza
//! backup create` runs with `OCPIZZA_BACKUP_COPY_TO=s3://…` and the endpoint in `AWS_*`
//! variables, as an operator would set them. The objects read back from the fake must be
//! byte for byte the local backup and its manifest.

use crate::server::{ScratchDir, build_debug_server, free_port, ocpizza_command, workspace_root};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The moto release the check is written for.
const MOTO: &str = "moto[server]==5.2.5";
const BUCKET: &str = "ocpizza-backups";
const PREFIX: &str = "nightly";

/// The Python of a virtual environment under `target/` holding moto, created on first use.
fn moto_python(root: &Path) -> anyhow::Result<PathBuf> {
    let venv = root.join("target").join("moto-venv");
    let python = venv.join("bin").join("python");
    let current = Command::new(&python)
        .args(["-c", "import moto.server, moto; print(moto.__version__)"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "5.2.5");
    if current {
        return Ok(python);
    }
    crate::fuzz::pip_install(&venv, MOTO)?;
    Ok(python)
}

/// The moto server, stopped on drop.
struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn run() -> anyhow::Result<()> {
    let root = workspace_root();
    let python = moto_python(&root)?;
    let binary = build_debug_server(&root)?;
    let port = free_port()?;
    let endpoint = format!("http://127.0.0.1:{port}");
    let _moto = Moto(
        Command::new(&python)
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p"])
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting moto's server")?,
    );
    let rt = tokio::runtime::Runtime::new()?;
    let http = reqwest::Client::new();
    rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(30);
        while http.get(&endpoint).send().await.is_err() {
            if Instant::now() > deadline {
                bail!("moto's server did not answer on {endpoint}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let r = http.put(format!("{endpoint}/{BUCKET}")).send().await?;
        if !r.status().is_success() {
            bail!("creating the bucket: {}", r.status());
        }
        anyhow::Ok(())
    })?;

    let scratch = ScratchDir::new("backup-s3")?;
    let env = [
        ("OCPIZZA_DATA_DIR", scratch.0.display().to_string()),
        ("OCPIZZA_BACKUP_COPY_TO", format!("s3://{BUCKET}/{PREFIX}")),
        ("AWS_ENDPOINT", endpoint.clone()),
        ("AWS_ALLOW_HTTP", "true".to_owned()),
        ("AWS_ACCESS_KEY_ID", "ocpizza-test".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "ocpizza-test-secret".to_owned()),
        ("AWS_REGION", "eu-west-3".to_owned()),
    ];
    for args in [&["seed"][..], &["backup", "create"][..]] {
        let out = ocpizza_command(&binary, &env)
            .args(args)
            .output()
            .with_context(|| format!("running ocpizza {}", args.join(" ")))?;
        if !out.status.success() {
            bail!(
                "ocpizza {} failed: {}{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let dir = scratch.0.join("backups");
    let backup = std::fs::read_dir(&dir)?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with(".sqlite"))
        .context("no backup in the backup directory")?;
    rt.block_on(async {
        for name in [backup.clone(), format!("{backup}.manifest.json")] {
            let local = std::fs::read(dir.join(&name))?;
            let r = http
                .get(format!("{endpoint}/{BUCKET}/{PREFIX}/{name}"))
                .send()
                .await?;
            if !r.status().is_success() {
                bail!("{name} is not in the bucket ({})", r.status());
            }
            let remote = r.bytes().await?;
            if remote.as_ref() != local.as_slice() {
                bail!("{name} in the bucket differs from the local file");
            }
            println!(
                "ok    s3://{BUCKET}/{PREFIX}/{name}: {} bytes, identical",
                local.len()
            );
        }
        anyhow::Ok(())
    })?;
    println!("backup copy to S3 ok");
    Ok(())
}
