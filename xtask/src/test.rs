//! `cargo xtask test`: everything CI checks, in order, stopping at the first failure:
//! formatting, lints (natively and for wasm32), the PWA build, then the whole test suite on SQLite and
//! again on PostgreSQL (each test on a fresh database), the server binary put through faults
//! (`faults/`), the nginx site file run in front of it (`nginx.rs`), two instances behind nginx
//! through a kill -9 and a rolling update (`cluster/`), the systemd units checked
//! (`systemd.rs`), the alert rules and dashboard checked against a real scrape
//! (`monitoring.rs`), the off-site copy of backups to S3 (`backup_s3.rs`), the update of a
//! single instance on a socket handed over (`handover.rs`), the Debian package installed and
//! checked in a clean Debian 12 chroot (`deb.rs`), the operations manual carried out on a
//! Debian 12 booted with systemd (`manual.rs`), the API fuzzed from its OpenAPI document
//! (`fuzz.rs`), and last the end-to-end
//! tests in Chromium. PostgreSQL is started if it is down; when it cannot be reached the
//! PostgreSQL pass is skipped with a loud warning, except under CI (`CI` set), where that is a
//! failure. The end-to-end tests follow the same rule for a missing browser (see `e2e.rs`).

use anyhow::{Context, bail};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

/// Options of `cargo xtask test`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Admin URL of the PostgreSQL server the tests create their databases on.
    #[arg(
        long,
        env = "OCPIZZA_TEST_POSTGRES",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres: String,
    /// Skip formatting and lint checks (tests only).
    #[arg(long)]
    tests_only: bool,
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn step(name: &str, mut cmd: Command) -> anyhow::Result<()> {
    println!("\n==> {name}");
    let started = Instant::now();
    let status = cmd.status().with_context(|| format!("starting: {name}"))?;
    if !status.success() {
        bail!("{name} failed ({status})");
    }
    println!("==> {name}: ok ({:.0?})", started.elapsed());
    Ok(())
}

fn has_nextest() -> bool {
    cargo()
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The test command: nextest when installed, `cargo test` otherwise.
fn test_command(args: &[&str]) -> Command {
    let mut cmd = cargo();
    if has_nextest() {
        cmd.args(["nextest", "run", "--no-fail-fast"]).args(args);
    } else {
        cmd.arg("test").args(args);
    }
    cmd
}

fn postgres_reachable() -> bool {
    TcpStream::connect_timeout(
        &"127.0.0.1:5432".parse().expect("address"),
        Duration::from_secs(2),
    )
    .is_ok()
}

/// Starts the machine's PostgreSQL cluster if it is installed but down.
fn start_postgres() {
    let Ok(versions) = std::fs::read_dir("/etc/postgresql") else {
        return;
    };
    for version in versions.flatten() {
        let v = version.file_name().to_string_lossy().into_owned();
        println!("PostgreSQL is down: starting cluster {v}/main");
        let _ = Command::new("pg_ctlcluster")
            .args(["--skip-systemctl-redirect", &v, "main", "start"])
            .status();
    }
    for _ in 0..20 {
        if postgres_reachable() {
            return;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Drops databases left by earlier test runs.
fn drop_old_test_databases() {
    let psql = |sql: &str| {
        Command::new("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-Atc",
                sql,
            ])
            .output()
    };
    let Ok(out) = psql("SELECT datname FROM pg_database WHERE datname LIKE 'ocpizza_test_%'")
    else {
        return;
    };
    for name in String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
    {
        let _ = psql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
    }
}

/// Runs every check.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let ci = std::env::var_os("CI").is_some();
    let mut dist = None;
    if !args.tests_only {
        let mut fmt = cargo();
        fmt.args(["fmt", "--all", "--check"]);
        step("format (cargo fmt --check)", fmt)?;
        let mut clippy = cargo();
        clippy.args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]);
        step("lints (cargo clippy -D warnings)", clippy)?;
        let mut wasm = cargo();
        wasm.args([
            "check",
            "-p",
            "ocpizza-proto",
            "--target",
            "wasm32-unknown-unknown",
        ]);
        step("proto builds for wasm32", wasm)?;
        let mut pwa = cargo();
        pwa.args([
            "clippy",
            "-p",
            "ocpizza-pwa",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ]);
        step("lints of the PWA for wasm32", pwa)?;
        let mut customer = cargo();
        customer.args([
            "clippy",
            "-p",
            "ocpizza-pwa",
            "--target",
            "wasm32-unknown-unknown",
            "--no-default-features",
            "--",
            "-D",
            "warnings",
        ]);
        step("lints of the customers' bundle for wasm32", customer)?;
        println!("\n==> PWA build (cargo xtask pwa)");
        dist = Some(crate::pwa::build()?);
    }
    // The Stripe payment tests start their own localstripe (a fake of Stripe's API).
    let localstripe = match crate::localstripe::binary(&crate::server::workspace_root()) {
        Ok(bin) => Some(bin),
        Err(e) if ci => return Err(e.context("CI must run the payment tests against localstripe")),
        Err(e) => {
            eprintln!("\n{}", "!".repeat(78));
            eprintln!("!! localstripe could not be installed ({e:#}):");
            eprintln!("!! the Stripe payment tests will be SKIPPED.");
            eprintln!("{}\n", "!".repeat(78));
            None
        }
    };
    let with_localstripe = |mut cmd: Command| {
        if let Some(bin) = &localstripe {
            cmd.env("OCPIZZA_LOCALSTRIPE", bin);
        }
        cmd
    };
    step(
        "tests on SQLite",
        with_localstripe(test_command(&["--workspace"])),
    )?;

    if !postgres_reachable() {
        start_postgres();
    }
    if postgres_reachable() {
        drop_old_test_databases();
        // Same package selection as the SQLite pass, so nothing is rebuilt: only the API
        // tests touch the database.
        let mut pg = with_localstripe(test_command(&["--workspace", "--test", "api"]));
        pg.env("OCPIZZA_TEST_DATABASE_URL", &args.postgres);
        step("tests on PostgreSQL", pg)?;
        drop_old_test_databases();
    } else if ci {
        bail!("PostgreSQL is not reachable on 127.0.0.1:5432; CI must run the PostgreSQL tests");
    } else {
        eprintln!("\n{}", "!".repeat(78));
        eprintln!("!! SKIPPED: the PostgreSQL test pass — no server on 127.0.0.1:5432.");
        eprintln!("!! Install and start it (see README) to run the suite on both databases.");
        eprintln!("{}\n", "!".repeat(78));
    }
    println!("\n==> fault injection (cargo xtask faults)");
    crate::faults::run(&crate::faults::Args { only: Vec::new() })?;
    println!("\n==> nginx in front of the server (cargo xtask nginx-check)");
    crate::nginx::run()?;
    println!("\n==> systemd units (cargo xtask systemd-check)");
    crate::systemd::run(&crate::systemd::Args {})?;
    println!("\n==> alert rules and dashboard (cargo xtask monitoring-check)");
    crate::monitoring::run()?;
    println!("\n==> backups copied to S3 (cargo xtask backup-s3)");
    crate::backup_s3::run()?;
    println!("\n==> single-instance update without downtime (cargo xtask handover)");
    crate::handover::run(&crate::handover::Args {})?;
    println!("\n==> the Debian package on a clean Debian 12 (cargo xtask deb-check)");
    crate::deb::run(&crate::deb::Args { deb: None })?;
    println!(
        "\n==> two instances behind nginx: kill -9, rolling update to the release build (cargo xtask cluster)"
    );
    crate::cluster::run(dist.as_deref())?;
    println!("\n==> the operations manual on Debian 12 with systemd (cargo xtask manual)");
    crate::manual::run(&crate::manual::Args { deb: None })?;
    println!("\n==> API fuzzing (cargo xtask fuzz)");
    crate::fuzz::run(&crate::fuzz::Args { max_examples: 20 })?;
    crate::e2e::run_suite(dist.as_deref(), crate::e2e::READY)?;
    println!("\nall checks passed");
    Ok(())
}
