//! `cargo xtask faults`: the real server binary (debug build) put through the faults it must
//! survive on its own, each scenario checking that nothing acknowledged is lost or duplicated
//! and that the server recovers without being restarted:
//!
//! - `kill`: kill -9 under load, clients retrying with their idempotency keys (`kill.rs`);
//! - `redis`: two instances on PostgreSQL, their private Redis stopped for longer than the
//!   hub's log check looks back (`redis.rs`);
//! - `postgres`: a private PostgreSQL cluster restarted, then down for a while, under load
//!   (`postgres.rs`);
//! - `slow`: a WebSocket client that stops reading while orders flow (`slow.rs`);
//! - `disk`: the SQLite folder on a small tmpfs that fills up (`disk.rs`).
//!
//! Each scenario has a time limit and fails cleanly; the processes, databases, clusters and
//! mounts it starts are undone by guards (`guards.rs`) even when it fails, and what an
//! interrupted run left is undone by the next one. Only loopback addresses are used, and the
//! shared PostgreSQL and Redis are never stopped. A scenario that needs what the machine lacks
//! (root, the PostgreSQL cluster tools, `redis-server`) is skipped with a loud banner, except
//! under CI (`CI` set), where that is a failure.

pub mod api;
mod disk;
pub mod guards;
mod kill;
pub mod live;
mod postgres;
mod redis;
pub mod slow;
mod smtp;

use crate::server::{build_debug_server, workspace_root};
use anyhow::bail;
use ocpizza_proto::api::stock::StockList;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// Options of `cargo xtask faults`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Run only these scenarios (`kill`, `redis`, `postgres`, `slow`, `disk`); default: all.
    pub only: Vec<String>,
}

/// Longest a scenario may take, setup included.
const SCENARIO_LIMIT: Duration = Duration::from_secs(90);
/// How long a scenario's clients may go on retrying an order, from the start of its load.
pub const RETRY_LIMIT: Duration = Duration::from_mins(1);

/// One scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Kill,
    Redis,
    Postgres,
    Slow,
    Disk,
}

impl Scenario {
    const ALL: [Scenario; 5] = [
        Scenario::Kill,
        Scenario::Redis,
        Scenario::Postgres,
        Scenario::Slow,
        Scenario::Disk,
    ];

    fn name(self) -> &'static str {
        match self {
            Scenario::Kill => "kill",
            Scenario::Redis => "redis",
            Scenario::Postgres => "postgres",
            Scenario::Slow => "slow",
            Scenario::Disk => "disk",
        }
    }

    fn checks(self) -> &'static str {
        match self {
            Scenario::Kill => kill::CHECKS,
            Scenario::Redis => redis::CHECKS,
            Scenario::Postgres => postgres::CHECKS,
            Scenario::Slow => slow::CHECKS,
            Scenario::Disk => disk::CHECKS,
        }
    }

    /// Why it cannot run on this machine, if it cannot.
    fn missing(self) -> Option<String> {
        let root = || {
            std::process::Command::new("id")
                .arg("-u")
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        };
        let has = |tool: &str| {
            std::process::Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .is_ok_and(|o| o.status.success())
        };
        let postgres = || std::net::TcpStream::connect(("127.0.0.1", 5432)).is_ok();
        match self {
            Scenario::Kill | Scenario::Slow => None,
            Scenario::Redis if !has("redis-server") => Some("redis-server is not installed".into()),
            Scenario::Redis if !postgres() => Some("no PostgreSQL on 127.0.0.1:5432".into()),
            Scenario::Redis => None,
            Scenario::Postgres if !root() => {
                Some("creating a PostgreSQL cluster needs root".into())
            }
            Scenario::Postgres if !has("pg_createcluster") || guards::pg_version().is_none() => {
                Some("pg_createcluster is missing (apt-get install postgresql)".into())
            }
            Scenario::Postgres => None,
            Scenario::Disk if !root() => Some("mounting a tmpfs needs root".into()),
            Scenario::Disk => None,
        }
    }

    async fn run(self, binary: &Path) -> anyhow::Result<()> {
        match self {
            Scenario::Kill => kill::run(binary).await,
            Scenario::Redis => redis::run(binary).await,
            Scenario::Postgres => postgres::run(binary).await,
            Scenario::Slow => slow::run(binary).await,
            Scenario::Disk => disk::run(binary).await,
        }
    }
}

/// Runs the scenarios; fails if any failed (or, under CI, could not run).
pub fn run(args: &Args) -> anyhow::Result<()> {
    let chosen: Vec<Scenario> = Scenario::ALL
        .into_iter()
        .filter(|s| args.only.is_empty() || args.only.iter().any(|o| o == s.name()))
        .collect();
    if chosen.is_empty() {
        bail!("no scenario named {:?}", args.only);
    }
    let binary = build_debug_server(&workspace_root())?;
    let ci = std::env::var_os("CI").is_some();
    guards::sweep_stale();
    let runtime = tokio::runtime::Runtime::new()?;
    let started = Instant::now();
    let mut failed = Vec::new();
    for scenario in chosen {
        let name = scenario.name();
        println!("\n== faults: {name}\n{}", scenario.checks());
        if let Some(why) = scenario.missing() {
            if ci {
                println!("FAIL {name}: cannot run here ({why}); CI must run every scenario");
                failed.push(name);
            } else {
                eprintln!("\n{}", "!".repeat(78));
                eprintln!("!!! SKIPPED: the `{name}` fault scenario — {why}.");
                eprintln!("{}\n", "!".repeat(78));
            }
            continue;
        }
        let at = Instant::now();
        let outcome = runtime
            .block_on(async { tokio::time::timeout(SCENARIO_LIMIT, scenario.run(&binary)).await });
        let took = at.elapsed().as_secs_f64();
        match outcome {
            Ok(Ok(())) => println!("PASS {name} ({took:.1} s)"),
            Ok(Err(e)) => {
                println!("FAIL {name} ({took:.1} s): {e:#}");
                failed.push(name);
            }
            Err(_) => {
                println!(
                    "FAIL {name}: not done within {} s",
                    SCENARIO_LIMIT.as_secs()
                );
                failed.push(name);
            }
        }
    }
    println!(
        "\nfault scenarios done in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    if !failed.is_empty() {
        bail!("fault scenarios failed: {}", failed.join(", "));
    }
    Ok(())
}

/// Per ingredient, how much `on_hand` and `reserved` moved from `before` to `after`.
fn stock_delta(before: &StockList, after: &StockList) -> BTreeMap<i64, (i64, i64)> {
    after
        .items
        .iter()
        .map(|a| {
            let b = before
                .items
                .iter()
                .find(|b| b.ingredient_id == a.ingredient_id);
            let (on_hand, reserved) = b.map_or((0, 0), |b| (b.on_hand, b.reserved));
            (
                a.ingredient_id.0,
                (a.on_hand - on_hand, a.reserved - reserved),
            )
        })
        .collect()
}
