//! Project tasks, so that nothing but cargo is needed:
//!
//! - `cargo xtask run`: builds the PWA and runs the server with it (the README's run command);
//! - `cargo xtask pwa`: builds the PWA into `pwa/dist`;
//! - `cargo xtask test`: every check CI runs (format, lints, wasm build of `proto`, the whole
//!   test suite on SQLite and on PostgreSQL, the end-to-end tests in Chromium);
//! - `cargo xtask e2e`: the end-to-end tests alone;
//! - `cargo xtask fuzz`: the API fuzzed from its OpenAPI document (schemathesis);
//! - `cargo xtask faults`: the server binary through kill -9, Redis and PostgreSQL outages, a
//!   full disk and a stalled WebSocket client, nothing acknowledged lost or duplicated;
//! - `cargo xtask nginx-check`: the nginx site file checked by nginx and run in front of a
//!   real server (TLS, redirects, WebSockets, limits, the maintenance page);
//! - `cargo xtask cluster`: nginx in front of two instances on PostgreSQL and Redis, through
//!   a kill -9 and a rolling update under load, with a kitchen display in Chromium;
//! - `cargo xtask systemd-check`: the units in `systemd/` verified by `systemd-analyze`, each
//!   service's exposure at most 1.5;
//! - `cargo xtask manual`: the operations manual `docs/exploitation.md` carried out, every
//!   command block in order, on a Debian 12 machine booted with systemd;
//! - `cargo xtask monitoring-check`: the alert rules checked and unit-tested by promtool, and
//!   every metric they and the Grafana dashboard use present in a real server's scrape;
//! - `cargo xtask backup-s3`: `ocpizza backup create` copying off-site to a local S3 fake (moto);
//! - `cargo xtask handover`: the single-instance update on a socket held as systemd holds it
//!   (`ocpizza.socket`), under load: no connection refused, nothing lost;
//! - `cargo xtask dist`: the release archive and the Debian package, into `target/dist/`;
//! - `cargo xtask deb-check`: that package installed on a clean Debian 12 (a cached
//!   `debootstrap` chroot), then `ocpizza check` run there, the package removed and purged;
//! - `cargo xtask screenshots`: the product's screenshots into `docs/screenshots/`;
//! - `cargo xtask bench`: the order-placement benchmark against a real server;
//! - `cargo xtask ws-bench`: the live-hub load test (WebSocket clients, delivery latency).

mod backup_s3;
mod bench;
mod cluster;
mod container;
mod deb;
mod dist;
mod e2e;
mod faults;
mod fuzz;
mod handover;
mod host;
mod localstripe;
mod manual;
mod monitoring;
mod nginx;
mod pwa;
mod server;
mod systemd;
mod test;
mod wsbench;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the PWA, then run the server serving it (arguments go to `ocpizza serve`).
    Run {
        /// Passed to `ocpizza serve` (e.g. `--bind 0.0.0.0:8080`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Build the PWA into `pwa/dist`.
    Pwa(pwa::Args),
    /// Run every check and the whole test suite on both databases.
    Test(test::Args),
    /// Run the end-to-end tests in headless Chromium (default: every ready test file).
    E2e(e2e::Args),
    /// Fuzz the API from its OpenAPI document against a real server (fails on any 5xx).
    Fuzz(fuzz::Args),
    /// Put the server through faults (kill -9, Redis and PostgreSQL outages, full disk, a
    /// stalled client); fails if anything acknowledged is lost or duplicated.
    Faults(faults::Args),
    /// Check `nginx/ocpizza.conf` with `nginx -t`, then run it in front of a real server.
    NginxCheck,
    /// Two instances behind nginx (TLS) on PostgreSQL and Redis: kill -9 and a rolling update
    /// under load, live clients and a kitchen display in Chromium; nothing lost or duplicated.
    Cluster,
    /// Check the units in `systemd/`: `systemd-analyze verify` silent, exposure at most 1.5.
    SystemdCheck(systemd::Args),
    /// Carry out the operations manual (docs/exploitation.md) on a Debian 12 booted with systemd.
    Manual(manual::Args),
    /// Check `monitoring/`: promtool on the alert rules and their tests, and every metric
    /// they and the dashboard use exported by a real server.
    MonitoringCheck,
    /// Back up with the off-site copy going to S3 (a local moto server): the objects must be
    /// the local backup and manifest, byte for byte.
    BackupS3,
    /// Update a single instance on a socket held as systemd holds it, under load: no
    /// connection refused, no request failed, no order or live event lost.
    Handover(handover::Args),
    /// Build the release archive and the Debian package into `target/dist/`.
    Dist(dist::Args),
    /// Install the Debian package on a clean Debian 12 chroot and check it (needs root).
    DebCheck(deb::Args),
    /// Write the product's screenshots (phone and kitchen screens) into `docs/screenshots/`.
    Screenshots(e2e::ScreenshotArgs),
    /// Benchmark order placement against a real server on SQLite and PostgreSQL.
    Bench(bench::Args),
    /// Load the live hub: thousands of WebSocket clients, events through the real write path.
    WsBench(wsbench::Args),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Run { args } => pwa::serve(&args),
        Command::Pwa(args) => pwa::run(&args),
        Command::Test(args) => test::run(&args),
        Command::E2e(args) => e2e::run(&args),
        Command::Fuzz(args) => fuzz::run(&args),
        Command::Faults(args) => faults::run(&args),
        Command::NginxCheck => nginx::run(),
        Command::Cluster => cluster::run(None),
        Command::SystemdCheck(args) => systemd::run(&args),
        Command::Manual(args) => manual::run(&args),
        Command::MonitoringCheck => monitoring::run(),
        Command::BackupS3 => backup_s3::run(),
        Command::Handover(args) => handover::run(&args),
        Command::Dist(args) => dist::run(&args),
        Command::DebCheck(args) => deb::run(&args),
        Command::Screenshots(args) => e2e::screenshots(&args),
        Command::Bench(args) => bench::run(&args),
        Command::WsBench(args) => wsbench::run(&args),
    }
}
