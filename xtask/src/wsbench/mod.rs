//! `cargo xtask ws-bench`: the live-hub load test against a real release server.
//!
//! Builds `ocpizza` in release mode once, then for each bus (in-process, then Redis): starts
//! `ocpizza serve` on a fresh SQLite folder, opens the K shops of the group (`--shops`, 1..=K)
//! around the clock and makes their stock effectively unlimited, places a few warm-up orders,
//! and opens N WebSocket clients at a controlled pace, spread evenly over the shops as a real
//! group would: most are staff dashboards following `shop:{id}:orders` (the manager's session
//! on shop 1, the admin's elsewhere), the rest anonymous followers of `shop:{id}:menu`, plus a
//! few `order:{token}` followers. It records the server's memory before and after (idle
//! connections), then places guest orders round-robin over the shops through the real HTTP
//! path at fixed rates while every client checks its stream's sequences (lost, duplicated,
//! reordered events) and measures how long each `order_placed` took from the order's
//! `created_at` to its arrival. Only 127.0.0.0/8 is contacted; the server and its folder are
//! removed at the end.

use crate::server::{ScratchDir, build_server, log_tail, start_server, wait_ready, workspace_root};
use anyhow::{Context, bail};
use floor::{Floor, measure_floor, ws_frame_len};
use machine::{CpuUse, RedisTarget, machine_context, machine_load_before_run, rerun_optimised};
use measure::measure;
use report::{mode_report, summary};
use stats::MAX_SAMPLES;
use std::path::Path;
use std::time::Duration;

mod clients;
mod floor;
mod http;
mod machine;
mod measure;
mod publish;
mod report;
mod stats;

/// Options of `cargo xtask ws-bench`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// WebSocket clients held open at once.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    clients: u64,
    /// Shops 1..=K the clients and the orders are spread over (the demo group has 5); 1 = every
    /// client and every order on shop 1.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=255))]
    shops: u64,
    /// Percent of the clients that are staff dashboards on `shop:{id}:orders` (the others follow
    /// `shop:{id}:menu` anonymously, and a few `order:{token}`).
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u64).range(0..=100))]
    staff_percent: u64,
    /// Anonymous clients following `order:{token}` of warm-up orders (taken from the non-staff share).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(0..=200))]
    order_followers: u64,
    /// WebSocket handshakes in flight at once while connecting.
    #[arg(long, default_value_t = 250, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    connect_concurrency: u64,
    /// Source addresses 127.0.0.1 ..= 127.0.0.N the clients connect from (ephemeral ports are
    /// per address); 0 = one per 5,000 clients.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=250))]
    sources: u8,
    /// Orders per second placed in the main measurement.
    #[arg(long, default_value_t = 25.0)]
    rate: f64,
    /// Seconds of the main measurement.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=600))]
    seconds: u64,
    /// Order rates (orders/s, comma-separated) of the ramp after the main measurement, each
    /// held `--ramp-seconds`; `none` to skip it.
    #[arg(long, default_value = "6,12,25,35,50,100")]
    ramp: String,
    /// Seconds of each ramp step.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=600))]
    ramp_seconds: u64,
    /// Concurrent HTTP workers placing the orders.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=1024))]
    workers: u64,
    /// Which event bus(es) to measure.
    #[arg(long, value_enum, default_value_t = BusChoice::Both)]
    bus: BusChoice,
    /// Redis for the Redis run (must be on 127.0.0.0/8 or `localhost`).
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    redis_url: String,
    /// Have every client ask for a snapshot, as on a first visit, instead of resuming from
    /// the stream's current sequence (much slower to connect: one database read and one
    /// snapshot encoding per client).
    #[arg(long)]
    snapshots: bool,
    /// Extra server setting, `KEY=VALUE` (repeatable), e.g. `OCPIZZA_LIVE_THREADS=0` to run
    /// the connections on the request threads, or `OCPIZZA_LIVE_NICE=0`.
    #[arg(long = "server-env", value_name = "KEY=VALUE", value_parser = parse_server_env)]
    server_env: Vec<(String, String)>,
    /// Threads of the load tool's clients. They stand in for browsers on other machines; one
    /// thread that stays busy through a fan-out reads many sockets per wake-up, so it costs
    /// the server's cores about a quarter less per delivery than two that sleep and are woken.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=64))]
    client_threads: u64,
    /// Run this server binary instead of building `ocpizza` (e.g. a copy of an earlier build,
    /// to compare two versions in interleaved runs).
    #[arg(long, value_name = "PATH")]
    server_binary: Option<std::path::PathBuf>,
}

fn parse_server_env(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if k.starts_with("OCPIZZA_") => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("{s:?}: expected OCPIZZA_…=VALUE")),
    }
}

/// `--bus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum BusChoice {
    Local,
    Redis,
    Both,
}

/// One bus under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Local,
    Redis,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Local => "in-process bus",
            Mode::Redis => "Redis bus",
        }
    }

    fn short(self) -> &'static str {
        match self {
            Mode::Local => "local",
            Mode::Redis => "redis",
        }
    }
}

const ADMIN_LOGIN: &str = r#"{"email":"admin@demo.ocpizza.fr","password":"demo-pizza"}"#;
const MANAGER_LOGIN: &str = r#"{"email":"manager@demo.ocpizza.fr","password":"demo-pizza"}"#;
/// The `n`-th benchmark order, in `shop`: a guest pickup of one medium pizza, paid at the
/// counter, by a phone of its own (as in life, where a phone has an order or two waiting; one
/// phone for every order would have the server count a longer list of its waiting orders at
/// each new one).
fn order_body(shop: usize, n: usize) -> String {
    let (a, b, c) = (n / 10_000 % 100, n / 100 % 100, n % 100);
    format!(
        r#"{{"shop_id":{shop},"fulfilment":"pickup","contact":{{"name":"Bench","phone":"06 12 {a:02} {b:02} {c:02}"}},"lines":[{{"pizza_id":2,"size":"medium","quantity":1}}],"payment_method":"at_counter"}}"#
    )
}

/// The shop of the `i`-th order of a publishing run (round-robin over 1..=`shops`).
fn shop_of_order(i: usize, shops: usize) -> usize {
    i % shops.max(1) + 1
}
const WARMUP_ORDERS: usize = 40;
const WARMUP_RATE: f64 = 50.0;
/// Added to every ingredient per restock call (the API allows up to 10,000,000 per call).
const RESTOCK_QUANTITY: i64 = 5_000_000;
/// Orders covered by one round of restocks (generous: one pizza uses far less than 2.5 kg).
const ORDERS_PER_RESTOCK_ROUND: usize = 2_000;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// One client's TCP connect + upgrade + hello + subscribe.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_mins(1);
/// The whole connection phase.
const CONNECT_PHASE_LIMIT: Duration = Duration::from_mins(5);
const IDLE_BEFORE_MEMORY: Duration = Duration::from_secs(3);
/// After the last order of a phase: how long clients may take to receive everything.
const DRAIN_LIMIT: Duration = Duration::from_secs(20);
const QUIET_BETWEEN_PHASES: Duration = Duration::from_secs(2);
const CLIENT_READ_BUFFER: usize = 4 * 1024;
const MAX_RECONNECTS: u32 = 20;
/// Missing sequences remembered per client to tell late (reordered) events from lost ones.
const MAX_MISSING: usize = 10_000;
const BUSY_WARNING_PERCENT: f64 = 15.0;
/// A ramp step this slow makes faster ones pointless.
const RAMP_GIVE_UP_P99_MS: f64 = 2_000.0;

/// What the project must meet.
const FLOOR_CLIENTS: usize = 10_000;
const FLOOR_DELIVERIES: f64 = 50_000.0;
const FLOOR_P99_MS: f64 = 50.0;
const FLOOR_KIB_PER_CONNECTION: f64 = 16.0;

#[derive(Debug, Clone)]
struct Plan {
    clients: usize,
    shops: usize,
    staff: usize,
    followers: usize,
    menu: usize,
    connect_concurrency: usize,
    sources: u8,
    rate: f64,
    seconds: u64,
    ramp: Vec<f64>,
    ramp_seconds: u64,
    workers: usize,
    snapshots: bool,
    server_env: Vec<(String, String)>,
}

impl Plan {
    fn new(args: &Args) -> anyhow::Result<Plan> {
        let clients = usize::try_from(args.clients).context("--clients")?;
        let staff = clients * usize::try_from(args.staff_percent)? / 100;
        let followers = usize::try_from(args.order_followers)?.min(clients - staff);
        let menu = clients - staff - followers;
        let rate_ok = |r: f64| r.is_finite() && r > 0.0 && r <= 10_000.0;
        if !rate_ok(args.rate) {
            bail!("--rate must be between 0 and 10000 orders/s");
        }
        let ramp = match args.ramp.trim() {
            "" | "none" => Vec::new(),
            list => list
                .split(',')
                .map(|r| {
                    r.trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|r| rate_ok(*r))
                        .with_context(|| format!("--ramp: {r:?} is not a rate (orders/s)"))
                })
                .collect::<anyhow::Result<_>>()?,
        };
        let sources = if args.sources == 0 {
            u8::try_from(clients.div_ceil(5_000).clamp(1, 250)).unwrap_or(250)
        } else {
            args.sources
        };
        Ok(Plan {
            clients,
            shops: usize::try_from(args.shops).context("--shops")?,
            staff,
            followers,
            menu,
            connect_concurrency: usize::try_from(args.connect_concurrency)?,
            sources,
            rate: args.rate,
            seconds: args.seconds,
            ramp,
            ramp_seconds: args.ramp_seconds,
            workers: usize::try_from(args.workers)?,
            snapshots: args.snapshots,
            server_env: args.server_env.clone(),
        })
    }

    /// Room for every `order_placed` delivery of the largest phase.
    fn sample_capacity(&self) -> usize {
        let largest = self
            .ramp
            .iter()
            .map(|r| r * self.ramp_seconds as f64)
            .fold(self.rate * self.seconds as f64, f64::max);
        ((largest.ceil() as usize + 10) * self.staff.div_ceil(self.shops) * 11 / 10)
            .min(MAX_SAMPLES)
    }

    /// Staff clients following one shop's orders (the most loaded shop): each order reaches
    /// about this many of them.
    fn staff_per_shop(&self) -> usize {
        self.staff.div_ceil(self.shops)
    }

    /// Every order the run will place in one shop (for the restock).
    fn orders_per_shop(&self) -> usize {
        self.total_orders().div_ceil(self.shops)
    }

    /// Every order the run will place.
    fn total_orders(&self) -> usize {
        let phase = |rate: f64, secs: u64| (rate * secs as f64).ceil() as usize;
        WARMUP_ORDERS
            + phase(self.rate, self.seconds)
            + self
                .ramp
                .iter()
                .map(|r| phase(*r, self.ramp_seconds))
                .sum::<usize>()
    }
}

/// Set in the optimised copy of this tool that a debug build starts.
const RELEASE_CHILD: &str = "XTASK_WS_BENCH_RELEASE";

/// Runs the load test.
pub fn run(args: &Args) -> anyhow::Result<()> {
    if let Ok(spec) = std::env::var(floor::READER_ENV) {
        return floor::reader_main(&spec);
    }
    let plan = Plan::new(args)?;
    if cfg!(debug_assertions) && std::env::var_os(RELEASE_CHILD).is_none() {
        // An unoptimised load generator would spend more CPU than the server it measures.
        return rerun_optimised();
    }
    let redis = RedisTarget::parse(&args.redis_url)?;
    println!("== Machine\n{}", machine_context());
    let limit = rlimit::increase_nofile_limit(u64::MAX).context("raising the open files limit")?;
    println!("open files limit of the load generator: {limit}");
    if limit < plan.clients as u64 + 256 {
        bail!(
            "{} clients need {} open files but this process may have only {limit} \
             (raise the hard limit: ulimit -Hn)",
            plan.clients,
            plan.clients + 256
        );
    }

    let binary = match &args.server_binary {
        Some(path) if path.is_file() => {
            println!("\n== Server binary {} (not rebuilt)", path.display());
            path.clone()
        }
        Some(path) => bail!("--server-binary {}: no such file", path.display()),
        None => build_server(&workspace_root())?,
    };
    let modes: &[Mode] = match args.bus {
        BusChoice::Local => &[Mode::Local],
        BusChoice::Redis => &[Mode::Redis],
        BusChoice::Both => &[Mode::Local, Mode::Redis],
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(usize::try_from(args.client_threads)?)
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;

    println!(
        "\nplan: {} clients over {} shop(s) ({} staff on shop:{{1..={}}}:orders, {} anonymous on \
         shop:{{1..={}}}:menu, {} on order:{{token}}), from {} source address(es), {} handshakes \
         at once; orders round-robin over the shops; main {} orders/s for {} s; ramp {:?} \
         orders/s for {} s each; {} HTTP workers; {}",
        plan.clients,
        plan.shops,
        plan.staff,
        plan.shops,
        plan.menu,
        plan.shops,
        plan.followers,
        plan.sources,
        plan.connect_concurrency,
        plan.rate,
        plan.seconds,
        plan.ramp,
        plan.ramp_seconds,
        plan.workers,
        if plan.snapshots {
            "every client asks for a snapshot"
        } else {
            "clients resume from the current sequence (no snapshot)"
        }
    );

    let mut results: Vec<(Mode, Outcome)> = Vec::new();
    for &mode in modes {
        println!("\n== {}", mode.name());
        let busy = machine_load_before_run();
        let mut outcome = match runtime.block_on(run_mode(&binary, &plan, mode, &redis)) {
            Ok(o) => o,
            Err(e) => Outcome::Failed(format!("{e:#}")),
        };
        if let Outcome::Measured(r) = &mut outcome {
            // The server is gone: the floor has the machine to itself, as the hub had.
            r.floor = take_floor(r.connected, r.frame_bytes, None);
            // And each phase's writes again, at the rate it delivered them.
            let (sockets, frame_bytes) = (r.connected, r.frame_bytes);
            for p in r.phases.iter_mut().filter(|p| p.events > 0) {
                let rate = p.deliveries_per_s / sockets.max(1) as f64;
                if rate > 0.0 {
                    p.paced = take_floor(sockets, frame_bytes, Some(rate));
                }
            }
        }
        match &outcome {
            Outcome::Measured(r) => print!("{}", mode_report(mode, &plan, r, busy)),
            Outcome::Skipped(why) => {
                println!("\n!!!!!!!! SKIPPED {}: {why} !!!!!!!!\n", mode.name());
            }
            Outcome::Failed(why) => {
                println!("\n!!!!!!!! FAILED {}: {why} !!!!!!!!\n", mode.name());
            }
        }
        results.push((mode, outcome));
    }
    runtime.shutdown_timeout(Duration::from_secs(5));

    println!("\n== Summary\n");
    print!("{}", summary(&plan, &results));
    if results.iter().any(|(_, o)| matches!(o, Outcome::Failed(_))) {
        bail!("at least one mode could not be measured");
    }
    Ok(())
}

/// The loopback floor for the hub's socket count and frame size (`None`, said why, if it
/// could not be measured).
fn take_floor(sockets: usize, payload_bytes: usize, rounds_per_s: Option<f64>) -> Option<Floor> {
    if payload_bytes == 0 {
        println!("loopback floor: not measured (no event frame was received)");
        return None;
    }
    println!(
        "measuring the loopback floor ({sockets} sockets, {} bytes per write, {})…",
        ws_frame_len(payload_bytes),
        rounds_per_s.map_or_else(|| "back to back".to_owned(), |r| format!("{r:.1} rounds/s"))
    );
    match measure_floor(sockets, ws_frame_len(payload_bytes), rounds_per_s) {
        Ok(floor) => Some(floor),
        Err(e) => {
            println!("loopback floor: not measured ({e:#})");
            None
        }
    }
}

#[derive(Debug)]
enum Outcome {
    Measured(Box<ModeResult>),
    Skipped(String),
    Failed(String),
}

/// Everything measured against one server.
#[derive(Debug)]
struct ModeResult {
    connected: usize,
    failed: usize,
    first_error: Option<String>,
    connect_wall: Duration,
    /// Clients connected when `rss_before_kib` was read (the first tenth).
    first_wave: usize,
    /// The server's resident memory with the first wave of clients connected and idle.
    rss_before_kib: u64,
    rss_idle_kib: u64,
    rss_end_kib: Option<u64>,
    fds_idle: Option<usize>,
    phases: Vec<PhaseResult>,
    disconnects: u64,
    slow_kicks: u64,
    reconnects: u64,
    dead: u64,
    server_warnings: Vec<String>,
    /// Size of one `order_placed` frame's text, as received.
    frame_bytes: usize,
    /// Measured after the server stopped.
    floor: Option<Floor>,
}

impl ModeResult {
    fn kib_per_connection(&self) -> f64 {
        let added = self.connected.saturating_sub(self.first_wave).max(1);
        (self.rss_idle_kib as f64 - self.rss_before_kib as f64) / added as f64
    }

    /// Highest deliveries/s among phases whose p99 was at most `ms`.
    fn best_under(&self, ms: f64) -> Option<&PhaseResult> {
        self.phases
            .iter()
            .filter(|p| p.events > 0 && p.p99_ms.is_some_and(|p99| p99 <= ms))
            .max_by(|a, b| a.deliveries_per_s.total_cmp(&b.deliveries_per_s))
    }

    /// Events lost for good: gaps never filled, plus what clients still lacked at the end.
    fn total_loss(&self) -> i64 {
        self.phases.iter().map(|p| p.lost).sum::<i64>() + self.last_behind()
    }

    fn last_behind(&self) -> i64 {
        self.phases.last().map_or(0, |p| p.behind)
    }
}

/// One publishing phase.
#[derive(Debug, Clone)]
struct PhaseResult {
    label: String,
    target_rate: f64,
    orders_ok: usize,
    order_errors: usize,
    first_order_error: Option<String>,
    orders_per_s: f64,
    order_p50_ms: f64,
    order_p99_ms: f64,
    max_lag_ms: f64,
    events: u64,
    deliveries_per_s: f64,
    p50_ms: Option<f64>,
    p99_ms: Option<f64>,
    max_ms: Option<f64>,
    latency_samples: u64,
    /// Arrival minus the first arrival of the same order at any client: the fan-out alone.
    spread_p50_ms: Option<f64>,
    spread_p99_ms: Option<f64>,
    spread_max_ms: Option<f64>,
    /// Deliveries left out of the spread (sample buffer full).
    spread_dropped: u64,
    lost: i64,
    duplicates: u64,
    reordered: u64,
    /// Events the clients still had not received when the phase ended (after draining).
    behind: i64,
    drained_in: Duration,
    cpu: Option<CpuUse>,
    /// The floor paced at this phase's writes per socket and second (after the server stopped).
    paced: Option<Floor>,
}

async fn run_mode(
    binary: &Path,
    plan: &Plan,
    mode: Mode,
    redis: &RedisTarget,
) -> anyhow::Result<Outcome> {
    let scratch = ScratchDir::new(mode.short())?;
    let data = scratch.0.join("data");
    let mut env = vec![
        ("OCPIZZA_DATA_DIR", data.display().to_string()),
        ("OCPIZZA_WS_MAX_PER_IP", "1000000".to_owned()),
    ];
    for (k, v) in &plan.server_env {
        env.push((k.as_str(), v.clone()));
        println!("server setting {k}={v}");
    }
    if mode == Mode::Redis {
        if let Err(e) = redis.ping().await {
            return Ok(Outcome::Skipped(format!(
                "Redis at {} is unreachable: {e:#}",
                redis.url
            )));
        }
        env.push(("REDIS_URL", redis.url.clone()));
        env.push((
            "OCPIZZA_REDIS_CHANNEL",
            format!("ocpizza:bench:{}", std::process::id()),
        ));
        println!("REDIS_URL={} (Redis answers PING)", redis.url);
    }
    let mut server = start_server(binary, &env, scratch.0.join("server.log"))?;
    wait_ready(&mut server).await?;
    let result = measure(&server, plan).await;
    let exited = server.child.try_wait().ok().flatten();
    let log = server.log.clone();
    drop(server);
    if let Some(status) = exited {
        bail!(
            "the server exited ({status}) during the run; last log lines:\n{}",
            log_tail(&log)
        );
    }
    drop(scratch);
    result.map(|r| Outcome::Measured(Box::new(r)))
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_go_round_robin_over_the_shops() {
        let shops: Vec<usize> = (0..7).map(|i| shop_of_order(i, 5)).collect();
        assert_eq!(shops, [1, 2, 3, 4, 5, 1, 2]);
        assert!((0..4).all(|i| shop_of_order(i, 1) == 1));
        let body: serde_json::Value = serde_json::from_str(&order_body(3, 12_345)).expect("JSON");
        assert_eq!(body["shop_id"], 3);
        assert_eq!(body["lines"][0]["pizza_id"], 2);
        assert_eq!(body["contact"]["phone"], "06 12 01 23 45");
        let other: serde_json::Value = serde_json::from_str(&order_body(3, 12_346)).expect("JSON");
        assert_ne!(other["contact"]["phone"], body["contact"]["phone"]);
    }
}
