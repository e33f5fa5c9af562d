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

use crate::server::{
    ScratchDir, Server, build_server, log_tail, start_server, wait_ready, workspace_root,
};
use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use ocpizza_proto::ws::{CLOSE_SLOW_CONSUMER, ClientMsg, PROTOCOL_VERSION};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderValue, SET_COOKIE};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

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
/// One benchmark order in `shop`: a guest pickup of one medium pizza, paid at the counter.
fn order_body(shop: usize) -> String {
    format!(
        r#"{{"shop_id":{shop},"fulfilment":"pickup","contact":{{"name":"Bench","phone":"06 12 34 56 78"}},"lines":[{{"pizza_id":2,"size":"medium","quantity":1}}],"payment_method":"at_counter"}}"#
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

    let binary = build_server(&workspace_root())?;
    let modes: &[Mode] = match args.bus {
        BusChoice::Local => &[Mode::Local],
        BusChoice::Redis => &[Mode::Redis],
        BusChoice::Both => &[Mode::Local, Mode::Redis],
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
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
        let outcome = match runtime.block_on(run_mode(&binary, &plan, mode, &redis)) {
            Ok(o) => o,
            Err(e) => Outcome::Failed(format!("{e:#}")),
        };
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
}

impl ModeResult {
    fn kib_per_connection(&self) -> f64 {
        (self.rss_idle_kib as f64 - self.rss_before_kib as f64) / self.connected.max(1) as f64
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

/// Holds the client tasks; stops them (without reconnecting) when dropped.
#[derive(Debug)]
struct Fleet {
    shared: Arc<Shared>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Fleet {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::Release);
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn measure(server: &Server, plan: &Plan) -> anyhow::Result<ModeResult> {
    let base = server.base.as_str();
    let pid = server.child.id();
    let http = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .tcp_nodelay(true)
        .build()?;
    let admin = prepare_shops(
        base,
        plan.shops,
        plan.orders_per_shop().div_ceil(ORDERS_PER_RESTOCK_ROUND),
    )
    .await?;
    let manager = login(&http, base, MANAGER_LOGIN).await?;
    let cookies = Cookies { manager, admin };

    println!("warm-up: {WARMUP_ORDERS} orders");
    let warm = publish(
        base,
        WARMUP_RATE,
        WARMUP_ORDERS,
        plan.workers,
        plan.shops,
        true,
    )?
    .await
    .context("the publisher thread died")??;
    if warm.errors > 0 {
        bail!(
            "{} of {WARMUP_ORDERS} warm-up orders failed; first: {}",
            warm.errors,
            warm.first_error.as_deref().unwrap_or("?")
        );
    }
    let tokens: Vec<String> = warm.tokens.into_iter().take(plan.followers).collect();
    if tokens.len() < plan.followers {
        bail!("warm-up returned only {} tracking tokens", tokens.len());
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let heads = read_heads(&http, base, &cookies.admin, plan.shops, &tokens).await?;
    println!(
        "stream heads: {}",
        (0..plan.shops)
            .map(|s| format!(
                "shop:{id}:orders {}, shop:{id}:menu {}",
                heads.orders[s],
                heads.menu[s],
                id = s + 1
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let rss_before_kib = vm_rss_kib(pid)?;
    println!(
        "server VmRSS before clients connect: {}",
        kib_text(rss_before_kib)
    );

    // ---- connect
    let specs = client_specs(plan, &tokens, &cookies, &heads)?;
    let shared = Arc::new(Shared::new(
        specs.len(),
        2 + plan.ramp.len(),
        plan.sample_capacity(),
    ));
    let ctx = Arc::new(ClientCtx {
        server: server.addr,
        url: format!("ws://{}/api/v1/ws", server.addr),
        shared: shared.clone(),
        handshakes: Semaphore::new(plan.connect_concurrency),
        snapshots: plan.snapshots,
    });
    let started = Instant::now();
    let mut fleet = Fleet {
        shared: shared.clone(),
        tasks: Vec::with_capacity(specs.len()),
    };
    for (i, spec) in specs.iter().enumerate() {
        fleet
            .tasks
            .push(tokio::spawn(client_task(i, spec.clone(), ctx.clone())));
    }
    let mut next_report = Instant::now() + Duration::from_secs(2);
    loop {
        let connected = shared.connected.load(Ordering::Acquire);
        let failed = shared.failed.load(Ordering::Acquire);
        if connected + failed >= specs.len() {
            break;
        }
        if started.elapsed() > CONNECT_PHASE_LIMIT {
            println!(
                "warning: connection phase cut after {} s",
                CONNECT_PHASE_LIMIT.as_secs()
            );
            break;
        }
        if Instant::now() >= next_report {
            println!(
                "  connected {connected}/{} ({failed} failed) after {:.1} s",
                specs.len(),
                started.elapsed().as_secs_f64()
            );
            next_report += Duration::from_secs(2);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let connect_wall = started.elapsed();
    let connected = shared.connected.load(Ordering::Acquire);
    let failed = shared.failed.load(Ordering::Acquire);
    let first_error = shared.first_error.lock().expect("lock").clone();
    println!(
        "connected {connected}/{} clients in {:.1} s ({:.0} handshakes/s), {failed} failed{}",
        specs.len(),
        connect_wall.as_secs_f64(),
        connected as f64 / connect_wall.as_secs_f64(),
        first_error
            .as_deref()
            .map_or(String::new(), |e| format!(" (first: {e})"))
    );
    tokio::time::sleep(IDLE_BEFORE_MEMORY).await;
    let rss_idle_kib = vm_rss_kib(pid)?;
    let fds_idle = fd_count(pid);
    println!(
        "server VmRSS with {connected} idle clients: {} → {:.1} KiB per connection; \
         server open files: {}",
        kib_text(rss_idle_kib),
        (rss_idle_kib as f64 - rss_before_kib as f64) / connected.max(1) as f64,
        fds_idle.map_or_else(|| "?".into(), |n| n.to_string())
    );

    // ---- publish
    let env = PhaseEnv {
        base,
        pid,
        http: &http,
        cookie: &cookies.admin,
        tokens: &tokens,
        specs: &specs,
        shared: &shared,
        workers: plan.workers,
        shops: plan.shops,
    };
    let mut phases = Vec::new();
    let main = run_phase(&env, 1, "main".into(), plan.rate, plan.seconds).await?;
    println!("{}", phase_line(&main));
    phases.push(main);
    for (i, &rate) in plan.ramp.iter().enumerate() {
        tokio::time::sleep(QUIET_BETWEEN_PHASES).await;
        let step = run_phase(&env, 2 + i, format!("ramp {i}"), rate, plan.ramp_seconds).await?;
        println!("{}", phase_line(&step));
        let hopeless = step.p99_ms.is_none_or(|p| p > RAMP_GIVE_UP_P99_MS);
        phases.push(step);
        if hopeless && i + 1 < plan.ramp.len() {
            println!(
                "ramp stopped: p99 above {RAMP_GIVE_UP_P99_MS} ms, faster steps are pointless"
            );
            break;
        }
    }
    println!(
        "one order_placed event frame: {} bytes",
        shared.frame_bytes.load(Ordering::Relaxed)
    );
    let rss_end_kib = vm_rss_kib(pid).ok();
    let result = ModeResult {
        connected,
        failed,
        first_error,
        connect_wall,
        rss_before_kib,
        rss_idle_kib,
        rss_end_kib,
        fds_idle,
        phases,
        disconnects: shared.disconnects.load(Ordering::Relaxed),
        slow_kicks: shared.slow_kicks.load(Ordering::Relaxed),
        reconnects: shared.reconnects.load(Ordering::Relaxed),
        dead: shared.dead.load(Ordering::Relaxed),
        server_warnings: server_warnings(&server.log),
    };
    drop(fleet);
    Ok(result)
}

/// What a phase needs to know.
#[derive(Debug)]
struct PhaseEnv<'a> {
    base: &'a str,
    pid: u32,
    http: &'a reqwest::Client,
    cookie: &'a HeaderValue,
    tokens: &'a [String],
    specs: &'a [Arc<ClientSpec>],
    shared: &'a Arc<Shared>,
    workers: usize,
    shops: usize,
}

/// The sessions the clients and the checks use.
#[derive(Debug)]
struct Cookies {
    /// The demo manager (rights on shop 1 only).
    manager: HeaderValue,
    /// The demo admin (every shop).
    admin: HeaderValue,
}

async fn run_phase(
    env: &PhaseEnv<'_>,
    index: usize,
    label: String,
    rate: f64,
    seconds: u64,
) -> anyhow::Result<PhaseResult> {
    let count = (rate * seconds as f64).ceil() as usize;
    let staff = env
        .specs
        .iter()
        .filter(|s| matches!(s.target, Target::Orders(_)))
        .count();
    println!(
        "{label}: {count} orders at {rate} orders/s over {} shop(s) (≈ {:.0} order_placed \
         deliveries/s expected)",
        env.shops,
        rate * staff as f64 / env.shops as f64
    );
    let shared = env.shared;
    shared.clear_samples();
    shared.phase.store(index, Ordering::Release);
    let stats = &shared.phases[index];
    let cpu_before = CpuSample::take(env.pid);
    stats
        .start_us
        .store(shared.micros_since_epoch(), Ordering::Release);
    let placed = publish(env.base, rate, count, env.workers, env.shops, false)?
        .await
        .context("the publisher thread died")??;

    // Wait until every client has every event of its stream (or give up).
    let heads = read_heads(env.http, env.base, env.cookie, env.shops, env.tokens).await?;
    let drain_start = Instant::now();
    let mut behind = events_missing(env.specs, shared, &heads);
    let mut last_progress = (behind, Instant::now());
    while behind > 0 && drain_start.elapsed() < DRAIN_LIMIT {
        tokio::time::sleep(Duration::from_millis(50)).await;
        behind = events_missing(env.specs, shared, &heads);
        if behind < last_progress.0 {
            last_progress = (behind, Instant::now());
        } else if last_progress.1.elapsed() > Duration::from_secs(5) {
            break;
        }
    }
    let drained_in = drain_start.elapsed();
    let cpu = cpu_before
        .zip(CpuSample::take(env.pid))
        .map(|(a, b)| a.usage(&b));
    let events = stats.sum(|s| &s.events);
    let span_us = stats
        .last_us()
        .saturating_sub(stats.start_us.load(Ordering::Acquire))
        .max(1);
    let hist = &stats.latency();
    let (spread, spread_dropped) = shared.spread();
    let to_ms = |us: u64| us as f64 / 1000.0;
    Ok(PhaseResult {
        label,
        target_rate: rate,
        orders_ok: placed.ok,
        order_errors: placed.errors,
        first_order_error: placed.first_error.clone(),
        orders_per_s: placed.ok as f64 / placed.wall.as_secs_f64().max(1e-9),
        order_p50_ms: placed.percentile_ms(50),
        order_p99_ms: placed.percentile_ms(99),
        max_lag_ms: placed.max_lag.as_secs_f64() * 1000.0,
        events,
        deliveries_per_s: events as f64 / (span_us as f64 / 1e6),
        p50_ms: hist.percentile_us(50.0).map(to_ms),
        p99_ms: hist.percentile_us(99.0).map(to_ms),
        max_ms: (hist.count() > 0).then(|| to_ms(hist.max.load(Ordering::Acquire))),
        latency_samples: hist.count(),
        spread_p50_ms: spread.percentile_us(50.0).map(to_ms),
        spread_p99_ms: spread.percentile_us(99.0).map(to_ms),
        spread_max_ms: (spread.count() > 0).then(|| to_ms(spread.max.load(Ordering::Acquire))),
        spread_dropped,
        lost: stats.lost(),
        duplicates: stats.sum(|s| &s.duplicates),
        reordered: stats.sum(|s| &s.reordered),
        behind,
        drained_in,
        cpu,
    })
}

/// Events the clients have not received yet, given the streams' heads.
fn events_missing(specs: &[Arc<ClientSpec>], shared: &Shared, heads: &Heads) -> i64 {
    specs
        .iter()
        .zip(shared.lasts.iter())
        .map(|(spec, last)| (heads.of(spec.target) - last.load(Ordering::Acquire)).max(0))
        .sum()
}

// ---------------------------------------------------------------- clients

/// Which stream a client follows (shops by index: 0 is shop 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Orders(usize),
    Menu(usize),
    Order(usize),
}

impl Target {
    /// Tells apart the streams whose `order_placed` events are sampled for the spread (whose
    /// sequences are per stream): the shop's id for `shop:{id}:orders`.
    fn sample_key(self) -> u64 {
        match self {
            Target::Orders(shop) => shop as u64 + 1,
            Target::Menu(_) | Target::Order(_) => 0,
        }
    }
}

#[derive(Debug)]
struct ClientSpec {
    stream: String,
    target: Target,
    cookie: Option<HeaderValue>,
    source: Ipv4Addr,
    /// The sequence to resume from at the first connection.
    since: i64,
}

/// Mixes the kinds evenly (so that every batch of handshakes looks alike).
fn client_specs(
    plan: &Plan,
    tokens: &[String],
    cookies: &Cookies,
    heads: &Heads,
) -> anyhow::Result<Vec<Arc<ClientSpec>>> {
    let mut specs = Vec::with_capacity(plan.clients);
    let source = |i: usize| Ipv4Addr::new(127, 0, 0, 1 + (i % usize::from(plan.sources)) as u8);
    for (n, token) in tokens.iter().enumerate() {
        specs.push(ClientSpec {
            stream: format!("order:{token}"),
            target: Target::Order(n),
            cookie: None,
            source: source(specs.len()),
            since: heads.tokens[n],
        });
    }
    let rest = plan.staff + plan.menu;
    let (mut staff_n, mut menu_n) = (0, 0);
    for i in 0..rest {
        let staff = (i + 1) * plan.staff / rest.max(1) > i * plan.staff / rest.max(1);
        let (stream, target, cookie, since) = if staff {
            let shop = staff_n % plan.shops;
            staff_n += 1;
            // The manager has rights on shop 1 only; the admin follows the other shops.
            let cookie = if shop == 0 {
                &cookies.manager
            } else {
                &cookies.admin
            };
            (
                format!("shop:{}:orders", shop + 1),
                Target::Orders(shop),
                Some(cookie.clone()),
                heads.orders[shop],
            )
        } else {
            let shop = menu_n % plan.shops;
            menu_n += 1;
            (
                format!("shop:{}:menu", shop + 1),
                Target::Menu(shop),
                None,
                heads.menu[shop],
            )
        };
        specs.push(ClientSpec {
            stream,
            target,
            cookie,
            source: source(specs.len()),
            since,
        });
    }
    if specs.len() != plan.clients {
        bail!(
            "internal: {} client specs for {}",
            specs.len(),
            plan.clients
        );
    }
    Ok(specs.into_iter().map(Arc::new).collect())
}

/// What every client task shares.
#[derive(Debug)]
struct ClientCtx {
    server: SocketAddr,
    url: String,
    shared: Arc<Shared>,
    handshakes: Semaphore,
    snapshots: bool,
}

/// Counters of all clients.
#[derive(Debug)]
struct Shared {
    epoch: Instant,
    phase: AtomicUsize,
    phases: Vec<PhaseStats>,
    /// Last sequence each client has.
    lasts: Vec<AtomicI64>,
    connected: AtomicUsize,
    failed: AtomicUsize,
    first_error: Mutex<Option<String>>,
    disconnects: AtomicU64,
    slow_kicks: AtomicU64,
    reconnects: AtomicU64,
    dead: AtomicU64,
    stopping: AtomicBool,
    /// `order_placed` deliveries of the current phase, per [`shard`]: (sequence << 8 |
    /// stream) << 32 | latency in µs.
    samples: Box<[SampleShard]>,
    /// Size of one `order_placed` frame, as received.
    frame_bytes: AtomicUsize,
}

impl Shared {
    fn new(clients: usize, phases: usize, samples: usize) -> Shared {
        Shared {
            epoch: Instant::now(),
            phase: AtomicUsize::new(0),
            phases: (0..phases).map(|_| PhaseStats::new()).collect(),
            lasts: (0..clients).map(|_| AtomicI64::new(0)).collect(),
            connected: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            first_error: Mutex::new(None),
            disconnects: AtomicU64::new(0),
            slow_kicks: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            dead: AtomicU64::new(0),
            stopping: AtomicBool::new(false),
            samples: (0..SHARDS).map(|_| SampleShard::new(samples)).collect(),
            frame_bytes: AtomicUsize::new(0),
        }
    }

    /// One `order_placed` delivery of sequence `seq` on the stream `stream` (a
    /// [`Target::sample_key`]) after `us` µs.
    fn record_delivery(&self, stream: u64, seq: i64, us: u64) {
        self.current().latency.record(us);
        let samples = &self.samples[shard()];
        let i = samples.len.fetch_add(1, Ordering::Relaxed);
        if let Some(slot) = samples.slots.get(i) {
            let key = ((seq as u64) << STREAM_BITS | (stream & STREAM_MASK)) & KEY_MASK;
            slot.store(
                key << LATENCY_BITS | us.min(LATENCY_MASK),
                Ordering::Relaxed,
            );
        }
    }

    /// The spread of the current phase's deliveries of each order (arrival − that order's
    /// first arrival), and how many deliveries did not fit in the sample buffer.
    fn spread(&self) -> (Histogram, u64) {
        let mut dropped = 0;
        let mut samples: Vec<(u64, u64)> = Vec::new();
        for shard in &self.samples {
            let len = shard.len.load(Ordering::Acquire);
            let n = len.min(shard.slots.len());
            dropped += len - n;
            samples.extend(shard.slots[..n].iter().map(|s| {
                let v = s.load(Ordering::Acquire);
                (v >> LATENCY_BITS, v & LATENCY_MASK)
            }));
        }
        let mut first: std::collections::HashMap<u64, u64> = std::collections::HashMap::new();
        for &(key, us) in &samples {
            first
                .entry(key)
                .and_modify(|m| *m = (*m).min(us))
                .or_insert(us);
        }
        let hist = Histogram::new();
        for (key, us) in samples {
            hist.record(us - first[&key]);
        }
        (hist, dropped as u64)
    }

    /// Forgets the previous phase's samples.
    fn clear_samples(&self) {
        for shard in &self.samples {
            shard.len.store(0, Ordering::Release);
        }
    }

    fn micros_since_epoch(&self) -> u64 {
        self.epoch.elapsed().as_micros() as u64
    }

    /// This thread's counters of the current phase.
    fn current(&self) -> &PhaseShard {
        let i = self.phase.load(Ordering::Relaxed);
        &self.phases[i.min(self.phases.len() - 1)].shards[shard()]
    }

    fn note_error(&self, e: &anyhow::Error) {
        let mut first = self.first_error.lock().expect("lock");
        if first.is_none() {
            *first = Some(format!("{e:#}"));
        }
    }
}

/// Counter sets per phase, one per thread (see [`shard`]), summed when the phase is read.
const SHARDS: usize = 4;

static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static SHARD: usize = NEXT_SHARD.fetch_add(1, Ordering::Relaxed) % SHARDS;
}

/// The counter set of the calling thread. Every client of a worker thread counts into the
/// same set, so the two cores never fight over the cache lines of shared counters (which, at
/// tens of thousands of frames a second, costs the load tool time it steals from the server).
fn shard() -> usize {
    SHARD.with(|s| *s)
}

/// Counters of one phase.
#[derive(Debug)]
struct PhaseStats {
    start_us: AtomicU64,
    shards: Box<[PhaseShard]>,
}

/// One thread's counters of a phase (aligned so that two never share a cache line).
#[derive(Debug)]
#[repr(align(128))]
struct PhaseShard {
    events: AtomicU64,
    latency: Histogram,
    lost: AtomicI64,
    duplicates: AtomicU64,
    reordered: AtomicU64,
    last_us: AtomicU64,
}

impl PhaseStats {
    fn new() -> PhaseStats {
        PhaseStats {
            start_us: AtomicU64::new(0),
            shards: (0..SHARDS)
                .map(|_| PhaseShard {
                    events: AtomicU64::new(0),
                    latency: Histogram::new(),
                    lost: AtomicI64::new(0),
                    duplicates: AtomicU64::new(0),
                    reordered: AtomicU64::new(0),
                    last_us: AtomicU64::new(0),
                })
                .collect(),
        }
    }

    fn sum(&self, counter: fn(&PhaseShard) -> &AtomicU64) -> u64 {
        self.shards
            .iter()
            .map(|s| counter(s).load(Ordering::Acquire))
            .sum()
    }

    /// Lost events (a shard may be negative: a gap seen on one thread, filled on another).
    fn lost(&self) -> i64 {
        self.shards
            .iter()
            .map(|s| s.lost.load(Ordering::Acquire))
            .sum()
    }

    fn last_us(&self) -> u64 {
        self.shards
            .iter()
            .map(|s| s.last_us.load(Ordering::Acquire))
            .max()
            .unwrap_or(0)
    }

    /// Every shard's latencies in one histogram.
    fn latency(&self) -> Histogram {
        let all = Histogram::new();
        for shard in &self.shards {
            for (to, from) in all.buckets.iter().zip(shard.latency.buckets.iter()) {
                to.fetch_add(from.load(Ordering::Acquire), Ordering::Relaxed);
            }
            all.max
                .fetch_max(shard.latency.max.load(Ordering::Acquire), Ordering::Relaxed);
        }
        all
    }
}

/// One thread's `order_placed` samples of the current phase.
#[derive(Debug)]
#[repr(align(128))]
struct SampleShard {
    slots: Box<[AtomicU64]>,
    len: AtomicUsize,
}

impl SampleShard {
    fn new(capacity: usize) -> SampleShard {
        SampleShard {
            slots: (0..capacity).map(|_| AtomicU64::new(0)).collect(),
            len: AtomicUsize::new(0),
        }
    }
}

/// A sample: the order's key (its sequence and stream) above its latency in µs (up to 71 min).
const LATENCY_BITS: u32 = 32;
const LATENCY_MASK: u64 = (1 << LATENCY_BITS) - 1;
const KEY_MASK: u64 = (1 << (64 - LATENCY_BITS)) - 1;
/// Low bits of the key that tell the streams apart (shops 1..=255).
const STREAM_BITS: u32 = 8;
const STREAM_MASK: u64 = (1 << STREAM_BITS) - 1;
/// At most this many deliveries per phase and thread are kept for the fan-out spread (8 bytes
/// each).
const MAX_SAMPLES: usize = 16_000_000;

/// Latencies in microseconds: 10 µs buckets up to 100 ms, 1 ms buckets up to 10 s, and one
/// bucket beyond; the maximum is kept exactly.
#[derive(Debug)]
struct Histogram {
    buckets: Box<[AtomicU64]>,
    max: AtomicU64,
}

const FINE_STEP_US: u64 = 10;
const FINE_LIMIT_US: u64 = 100_000;
const COARSE_STEP_US: u64 = 1_000;
const COARSE_LIMIT_US: u64 = 10_000_000;
const FINE_BUCKETS: usize = (FINE_LIMIT_US / FINE_STEP_US) as usize;
const BUCKETS: usize =
    FINE_BUCKETS + ((COARSE_LIMIT_US - FINE_LIMIT_US) / COARSE_STEP_US) as usize + 1;

impl Histogram {
    fn new() -> Histogram {
        Histogram {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            max: AtomicU64::new(0),
        }
    }

    fn record(&self, us: u64) {
        let i = if us < FINE_LIMIT_US {
            (us / FINE_STEP_US) as usize
        } else if us < COARSE_LIMIT_US {
            FINE_BUCKETS + ((us - FINE_LIMIT_US) / COARSE_STEP_US) as usize
        } else {
            BUCKETS - 1
        };
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
        self.max.fetch_max(us, Ordering::Relaxed);
    }

    fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum()
    }

    /// Upper bound of the bucket holding the nearest-rank percentile (never above the max).
    fn percentile_us(&self, percent: f64) -> Option<u64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let rank = ((n as f64 * percent / 100.0).ceil() as u64).clamp(1, n);
        let mut seen = 0;
        for (i, b) in self.buckets.iter().enumerate() {
            seen += b.load(Ordering::Relaxed);
            if seen >= rank {
                let upper = if i < FINE_BUCKETS {
                    (i as u64 + 1) * FINE_STEP_US
                } else if i < BUCKETS - 1 {
                    FINE_LIMIT_US + ((i - FINE_BUCKETS) as u64 + 1) * COARSE_STEP_US
                } else {
                    u64::MAX
                };
                return Some(upper.min(self.max.load(Ordering::Relaxed)));
            }
        }
        Some(self.max.load(Ordering::Relaxed))
    }
}

/// One client's view of its stream.
#[derive(Debug)]
struct Track {
    index: usize,
    /// [`Target::sample_key`] of the client's stream.
    stream: u64,
    last: i64,
    missing: BTreeSet<i64>,
}

impl Track {
    fn on_event(&mut self, seq: i64, shared: &Shared) {
        let phase = shared.current();
        phase.events.fetch_add(1, Ordering::Relaxed);
        phase
            .last_us
            .fetch_max(shared.micros_since_epoch(), Ordering::Relaxed);
        if seq == self.last + 1 {
            self.last = seq;
        } else if seq > self.last + 1 {
            let gap = seq - self.last - 1;
            phase.lost.fetch_add(gap, Ordering::Relaxed);
            if self.missing.len() + (gap as usize) <= MAX_MISSING {
                self.missing.extend(self.last + 1..seq);
            }
            self.last = seq;
        } else if self.missing.remove(&seq) {
            phase.lost.fetch_sub(1, Ordering::Relaxed);
            phase.reordered.fetch_add(1, Ordering::Relaxed);
        } else {
            phase.duplicates.fetch_add(1, Ordering::Relaxed);
        }
        shared.lasts[self.index].store(self.last, Ordering::Release);
    }
}

/// How a connection ended.
#[derive(Debug)]
enum End {
    Stopping,
    Closed(Option<u16>),
}

async fn client_task(index: usize, spec: Arc<ClientSpec>, ctx: Arc<ClientCtx>) {
    let shared = &ctx.shared;
    let mut track = Track {
        index,
        stream: spec.target.sample_key(),
        last: spec.since,
        missing: BTreeSet::new(),
    };
    shared.lasts[index].store(spec.since, Ordering::Release);
    let mut first = true;
    let mut failures = 0u32;
    loop {
        let permit = if first {
            ctx.handshakes.acquire().await.ok()
        } else {
            None
        };
        let since = if first && ctx.snapshots {
            None
        } else {
            Some(track.last)
        };
        let opened =
            tokio::time::timeout(HANDSHAKE_TIMEOUT, open(&ctx, &spec, since, &mut track)).await;
        drop(permit);
        let opened = match opened {
            Ok(r) => r,
            Err(_) => Err(anyhow::anyhow!(
                "handshake timed out after {} s",
                HANDSHAKE_TIMEOUT.as_secs()
            )),
        };
        match opened {
            Ok(mut ws) => {
                if first {
                    shared.connected.fetch_add(1, Ordering::AcqRel);
                    first = false;
                } else {
                    shared.reconnects.fetch_add(1, Ordering::Relaxed);
                }
                failures = 0;
                match read_loop(&mut ws, &spec.stream, &mut track, shared).await {
                    End::Stopping => return,
                    End::Closed(code) => {
                        shared.disconnects.fetch_add(1, Ordering::Relaxed);
                        if code == Some(CLOSE_SLOW_CONSUMER) {
                            shared.slow_kicks.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
            Err(e) => {
                shared.note_error(&e);
                if first {
                    shared.failed.fetch_add(1, Ordering::AcqRel);
                    return;
                }
                failures += 1;
                if failures > MAX_RECONNECTS {
                    shared.dead.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            }
        }
        if shared.stopping.load(Ordering::Acquire) {
            return;
        }
        // Reconnect like a browser would: after a short, spread-out pause.
        let pause = 100 + (index as u64 * 7919) % 400 + 200 * u64::from(failures);
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }
}

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// Connects, says hello and subscribes; returns once the server confirmed the subscription.
async fn open(
    ctx: &ClientCtx,
    spec: &ClientSpec,
    since: Option<i64>,
    track: &mut Track,
) -> anyhow::Result<Ws> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket
        .bind(SocketAddr::new(IpAddr::V4(spec.source), 0))
        .with_context(|| format!("binding {}:0", spec.source))?;
    let stream = socket
        .connect(ctx.server)
        .await
        .with_context(|| format!("connecting from {}", spec.source))?;
    stream.set_nodelay(true)?;
    let mut request = ctx.url.as_str().into_client_request()?;
    if let Some(cookie) = &spec.cookie {
        request.headers_mut().insert(COOKIE, cookie.clone());
    }
    let config = WebSocketConfig::default()
        .read_buffer_size(CLIENT_READ_BUFFER)
        .write_buffer_size(0);
    let (mut ws, _) = tokio_tungstenite::client_async_with_config(request, stream, Some(config))
        .await
        .context("WebSocket upgrade")?;
    let hello = serde_json::to_string(&ClientMsg::Hello {
        protocol: PROTOCOL_VERSION,
    })?;
    let subscribe = serde_json::to_string(&ClientMsg::Subscribe {
        stream: spec.stream.clone(),
        since,
    })?;
    ws.send(Message::text(hello)).await?;
    ws.send(Message::text(subscribe)).await?;
    loop {
        let msg = ws
            .next()
            .await
            .context("closed before the subscription was confirmed")??;
        let text = match msg {
            Message::Text(text) => text,
            Message::Close(frame) => bail!("closed before subscribing: {frame:?}"),
            _ => continue,
        };
        if let Some((seq, after_seq)) = event_seq(text.as_str(), &spec.stream) {
            on_event(text.as_str(), seq, after_seq, track, &ctx.shared);
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(text.as_str()).context("a server message is not JSON")?;
        match value["type"].as_str() {
            Some("welcome" | "pong") => {}
            Some("snapshot") => {
                if let Some(seq) = value["seq"].as_i64() {
                    track.last = seq;
                    track.missing.clear();
                    ctx.shared.lasts[track.index].store(seq, Ordering::Release);
                }
            }
            Some("subscribed") => {
                let seq = value["seq"].as_i64().unwrap_or(track.last);
                if seq > track.last {
                    // The server says we have events we never saw.
                    ctx.shared
                        .current()
                        .lost
                        .fetch_add(seq - track.last, Ordering::Relaxed);
                    track.last = seq;
                    ctx.shared.lasts[track.index].store(seq, Ordering::Release);
                }
                return Ok(ws);
            }
            Some("error") => bail!("subscribing to {}: {text}", spec.stream),
            _ => bail!("unexpected message while subscribing: {text}"),
        }
    }
}

async fn read_loop(ws: &mut Ws, stream: &str, track: &mut Track, shared: &Shared) -> End {
    loop {
        let msg = ws.next().await;
        if shared.stopping.load(Ordering::Relaxed) {
            return End::Stopping;
        }
        match msg {
            None | Some(Err(_)) => return End::Closed(None),
            Some(Ok(Message::Close(frame))) => {
                return End::Closed(frame.map(|f| u16::from(f.code)));
            }
            Some(Ok(Message::Text(text))) => {
                if let Some((seq, after_seq)) = event_seq(text.as_str(), stream) {
                    on_event(text.as_str(), seq, after_seq, track, shared);
                } else {
                    let value: serde_json::Value =
                        serde_json::from_str(text.as_str()).unwrap_or_default();
                    if value["type"] == "event"
                        && let Some(seq) = value["seq"].as_i64()
                    {
                        on_event(text.as_str(), seq, "", track, shared);
                    }
                }
            }
            Some(Ok(_)) => {}
        }
    }
}

/// The sequence of an `event` frame, read without parsing the whole JSON (the server writes
/// `{"type":"event","stream":…,"seq":N,"event":…}`); `None` for anything else. With a
/// non-empty `stream`, the frame must be of that stream.
/// Returns the sequence and what follows its digits. Fixed offsets rather than searches:
/// this runs for every frame of every client, on the cores the server needs.
fn event_seq<'t>(text: &'t str, stream: &str) -> Option<(i64, &'t str)> {
    let rest = text.strip_prefix(r#"{"type":"event","stream":""#)?;
    let digits = if stream.is_empty() {
        let at = rest.find(r#"","seq":"#)?;
        &rest[at + 8..]
    } else {
        rest.strip_prefix(stream)?.strip_prefix(r#"","seq":"#)?
    };
    let end = digits
        .bytes()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    Some((digits[..end].parse().ok()?, &digits[end..]))
}

/// Counts an event frame; `after_seq` is what follows its sequence (where the event's own tag
/// comes first), empty when unknown.
fn on_event(text: &str, seq: i64, after_seq: &str, track: &mut Track, shared: &Shared) {
    track.on_event(seq, shared);
    let placed = after_seq.starts_with(r#","event":{"type":"order_placed""#);
    if placed && let Some(at) = text.rfind(r#""created_at":""#) {
        let value = &text[at + 14..];
        let Some(end) = value.find('"') else {
            return;
        };
        if let Ok(created) = value[..end].parse::<jiff::Timestamp>() {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_micros() as i64);
            let us = (now - created.as_microsecond()).max(0) as u64;
            shared.record_delivery(track.stream, seq, us);
            if shared.frame_bytes.load(Ordering::Relaxed) == 0 {
                shared.frame_bytes.store(text.len(), Ordering::Relaxed);
            }
        }
    }
}

// ---------------------------------------------------------------- publishing

/// What a publishing run did.
#[derive(Debug)]
struct Publication {
    ok: usize,
    errors: usize,
    first_error: Option<String>,
    /// Sorted request latencies.
    latencies: Vec<Duration>,
    wall: Duration,
    /// How late the most delayed order was sent compared with its slot.
    max_lag: Duration,
    tokens: Vec<String>,
}

impl Publication {
    fn percentile_ms(&self, percent: usize) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let n = self.latencies.len();
        let rank = (n * percent).div_ceil(100).clamp(1, n);
        self.latencies[rank - 1].as_secs_f64() * 1000.0
    }
}

/// Places `count` orders at `rate` per second, round-robin over shops 1..=`shops`, from its own
/// thread and runtime (so that the pacing does not depend on how busy the clients keep the
/// main runtime).
fn publish(
    base: &str,
    rate: f64,
    count: usize,
    workers: usize,
    shops: usize,
    keep_tokens: bool,
) -> anyhow::Result<tokio::sync::oneshot::Receiver<anyhow::Result<Publication>>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let base = base.to_owned();
    std::thread::Builder::new()
        .name("ws-bench-publisher".into())
        .spawn(move || {
            let result = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("starting the publisher runtime")
                .and_then(|rt| {
                    rt.block_on(publish_on(base, rate, count, workers, shops, keep_tokens))
                });
            let _ = tx.send(result);
        })
        .context("starting the publisher thread")?;
    Ok(rx)
}

async fn publish_on(
    base: String,
    rate: f64,
    count: usize,
    workers: usize,
    shops: usize,
    keep_tokens: bool,
) -> anyhow::Result<Publication> {
    let bodies: Arc<[String]> = (1..=shops.max(1)).map(order_body).collect();
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .tcp_nodelay(true)
        .pool_max_idle_per_host(workers)
        .build()?;
    let url: Arc<str> = format!("{base}/api/v1/orders").into();
    let next = Arc::new(AtomicUsize::new(0));
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers.min(count) {
        let client = client.clone();
        let url = url.clone();
        let next = next.clone();
        let bodies = bodies.clone();
        tasks.push(tokio::spawn(async move {
            let mut out = Publication {
                ok: 0,
                errors: 0,
                first_error: None,
                latencies: Vec::new(),
                wall: Duration::ZERO,
                max_lag: Duration::ZERO,
                tokens: Vec::new(),
            };
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return out;
                }
                let slot = start + Duration::from_secs_f64(i as f64 / rate);
                tokio::time::sleep_until(slot).await;
                let sent = tokio::time::Instant::now();
                out.max_lag = out.max_lag.max(sent - slot);
                let body = bodies[shop_of_order(i, shops) - 1].clone();
                match place_order(&client, &url, body, keep_tokens).await {
                    Ok(token) => {
                        out.ok += 1;
                        out.tokens.extend(token);
                    }
                    Err(e) => {
                        out.errors += 1;
                        out.first_error.get_or_insert(e);
                    }
                }
                out.latencies.push(sent.elapsed());
            }
        }));
    }
    let mut all = Publication {
        ok: 0,
        errors: 0,
        first_error: None,
        latencies: Vec::with_capacity(count),
        wall: Duration::ZERO,
        max_lag: Duration::ZERO,
        tokens: Vec::new(),
    };
    for task in tasks {
        let part = task.await.context("a publishing worker failed")?;
        all.ok += part.ok;
        all.errors += part.errors;
        if all.first_error.is_none() {
            all.first_error = part.first_error;
        }
        all.latencies.extend(part.latencies);
        all.max_lag = all.max_lag.max(part.max_lag);
        all.tokens.extend(part.tokens);
    }
    all.wall = start.elapsed();
    all.latencies.sort_unstable();
    Ok(all)
}

/// `POST /api/v1/orders`; the tracking token if asked for.
async fn place_order(
    client: &reqwest::Client,
    url: &str,
    body: String,
    keep_token: bool,
) -> Result<Option<String>, String> {
    let response = client
        .post(url)
        .header(CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| format!("{e:#}"))?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| format!("{e:#}"))?;
    if status != StatusCode::CREATED {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
    }
    if !keep_token {
        return Ok(None);
    }
    let order: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| format!("order is not JSON: {e}"))?;
    order["tracking_token"]
        .as_str()
        .map(|t| Some(t.to_owned()))
        .ok_or_else(|| "the order has no tracking_token".to_owned())
}

// ---------------------------------------------------------------- HTTP helpers

/// Stream heads, read over HTTP (shops by index: 0 is shop 1).
#[derive(Debug, Clone)]
struct Heads {
    orders: Vec<i64>,
    menu: Vec<i64>,
    tokens: Vec<i64>,
}

impl Heads {
    fn of(&self, target: Target) -> i64 {
        match target {
            Target::Orders(s) => self.orders[s],
            Target::Menu(s) => self.menu[s],
            Target::Order(i) => self.tokens[i],
        }
    }
}

/// The heads of `shop:{id}:orders` and `shop:{id}:menu` of shops 1..=`shops` (with a session
/// allowed on all of them) and of `order:{token}`.
async fn read_heads(
    http: &reqwest::Client,
    base: &str,
    cookie: &HeaderValue,
    shops: usize,
    tokens: &[String],
) -> anyhow::Result<Heads> {
    let seq = |v: serde_json::Value, what: &str| {
        v["stream_seq"]
            .as_i64()
            .with_context(|| format!("{what}: no stream_seq"))
    };
    let mut heads = Heads {
        orders: Vec::with_capacity(shops),
        menu: Vec::with_capacity(shops),
        tokens: Vec::with_capacity(tokens.len()),
    };
    for shop in 1..=shops {
        let orders = get_json(
            http.get(format!(
                "{base}/api/v1/shops/{shop}/orders?status=cancelled"
            ))
            .header(COOKIE, cookie.clone()),
            "GET shop orders",
        )
        .await?;
        let menu = get_json(
            http.get(format!("{base}/api/v1/shops/{shop}/menu")),
            "GET menu",
        )
        .await?;
        heads.orders.push(seq(orders, "shop orders")?);
        heads.menu.push(seq(menu, "menu")?);
    }
    for token in tokens {
        let tracked = get_json(
            http.get(format!("{base}/api/v1/track/{token}")),
            "GET track",
        )
        .await?;
        heads.tokens.push(seq(tracked, "track")?);
    }
    Ok(heads)
}

async fn get_json(
    request: reqwest::RequestBuilder,
    what: &str,
) -> anyhow::Result<serde_json::Value> {
    let r = request.send().await.with_context(|| what.to_owned())?;
    let status = r.status();
    let text = r.text().await?;
    if status != StatusCode::OK {
        bail!("{what}: {status} {text}");
    }
    serde_json::from_str(&text).with_context(|| format!("{what}: not JSON"))
}

/// Logs in; returns the `ocpizza_session=…` cookie.
async fn login(
    http: &reqwest::Client,
    base: &str,
    body: &'static str,
) -> anyhow::Result<HeaderValue> {
    let r = http
        .post(format!("{base}/api/v1/auth/login"))
        .header(CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .context("POST /api/v1/auth/login")?;
    let status = r.status();
    let cookie = r
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("ocpizza_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    if !status.is_success() {
        bail!("login: {status} {}", r.text().await.unwrap_or_default());
    }
    let cookie = cookie.context("login: no ocpizza_session cookie")?;
    Ok(HeaderValue::from_str(&cookie)?)
}

/// Logs in as the demo admin, opens shops 2..=`shops` around the clock (shop 1 already is) and
/// restocks every ingredient of shops 1..=`shops` `rounds` times; returns the admin's cookie.
async fn prepare_shops(base: &str, shops: usize, rounds: usize) -> anyhow::Result<HeaderValue> {
    let admin = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let cookie = login(&admin, base, ADMIN_LOGIN).await?;
    let hours: Vec<serde_json::Value> = (1..=7)
        .map(|weekday| serde_json::json!({"weekday": weekday, "opens": "00:00", "closes": "24:00"}))
        .collect();
    let hours = serde_json::json!({ "hours": hours });
    for shop in 2..=shops {
        let r = admin
            .patch(format!("{base}/api/v1/shops/{shop}"))
            .header(COOKIE, cookie.clone())
            .json(&hours)
            .send()
            .await
            .with_context(|| format!("PATCH /api/v1/shops/{shop}"))?;
        let status = r.status();
        if !status.is_success() {
            bail!(
                "PATCH /api/v1/shops/{shop} (hours around the clock): {status} {}",
                r.text().await.unwrap_or_default()
            );
        }
    }
    if shops > 1 {
        println!("opened shops 2..={shops} around the clock");
    }
    for shop in 1..=shops {
        restock_shop(&admin, base, &cookie, shop, rounds).await?;
    }
    Ok(cookie)
}

/// Restocks every ingredient of `shop` `rounds` times.
async fn restock_shop(
    admin: &reqwest::Client,
    base: &str,
    cookie: &HeaderValue,
    shop: usize,
    rounds: usize,
) -> anyhow::Result<()> {
    let stock = get_json(
        admin
            .get(format!("{base}/api/v1/shops/{shop}/stock"))
            .header(COOKIE, cookie.clone()),
        "GET stock",
    )
    .await?;
    let ids: Vec<i64> = stock["items"]
        .as_array()
        .context("GET stock: no `items` array")?
        .iter()
        .filter_map(|item| item["ingredient_id"].as_i64())
        .collect();
    if ids.is_empty() {
        bail!("GET /api/v1/shops/{shop}/stock lists no ingredient: {stock}");
    }
    for _ in 0..rounds.max(1) {
        for id in &ids {
            let body = serde_json::json!({
                "ingredient_id": id,
                "quantity": RESTOCK_QUANTITY,
                "reason": "bench",
            });
            let r = admin
                .post(format!("{base}/api/v1/shops/{shop}/stock/restock"))
                .header(COOKIE, cookie.clone())
                .json(&body)
                .send()
                .await
                .context("POST stock/restock")?;
            let status = r.status();
            if !status.is_success() {
                bail!(
                    "POST /api/v1/shops/{shop}/stock/restock {body}: {status} {}",
                    r.text().await.unwrap_or_default()
                );
            }
        }
    }
    println!(
        "restocked {} ingredients of shop {shop} with {} each",
        ids.len(),
        RESTOCK_QUANTITY * rounds.max(1) as i64
    );
    Ok(())
}

// ---------------------------------------------------------------- server

/// Redis as given by `--redis-url`, checked to be on this machine.
#[derive(Debug, Clone)]
struct RedisTarget {
    url: String,
    addr: SocketAddr,
}

impl RedisTarget {
    fn parse(url: &str) -> anyhow::Result<RedisTarget> {
        let rest = url
            .strip_prefix("redis://")
            .with_context(|| format!("--redis-url {url}: expected redis://HOST:PORT"))?;
        let hostport = rest.split('/').next().unwrap_or_default();
        if hostport.contains('@') {
            bail!("--redis-url {url}: credentials are not supported here");
        }
        let (host, port) = hostport.rsplit_once(':').unwrap_or((hostport, "6379"));
        let ip: IpAddr = if host == "localhost" {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            host.parse()
                .with_context(|| format!("--redis-url {url}: {host} is not an IP address"))?
        };
        if !ip.is_loopback() {
            bail!("--redis-url {url}: only a Redis on this machine (127.0.0.0/8) may be used");
        }
        let port: u16 = port
            .parse()
            .with_context(|| format!("--redis-url {url}: bad port"))?;
        Ok(RedisTarget {
            url: url.to_owned(),
            addr: SocketAddr::new(ip, port),
        })
    }

    /// `PING` → `+PONG`.
    async fn ping(&self) -> anyhow::Result<()> {
        let answer = tokio::time::timeout(Duration::from_secs(2), async {
            let mut s = tokio::net::TcpStream::connect(self.addr).await?;
            s.write_all(b"PING\r\n").await?;
            let mut buf = [0u8; 64];
            let n = s.read(&mut buf).await?;
            anyhow::Ok(String::from_utf8_lossy(&buf[..n]).into_owned())
        })
        .await
        .context("no answer within 2 s")??;
        if !answer.starts_with("+PONG") {
            bail!("PING answered {:?}", answer.trim());
        }
        Ok(())
    }
}

/// Runs this same command from an optimised build of xtask.
fn rerun_optimised() -> anyhow::Result<()> {
    println!(
        "== Running the load generator optimised (cargo run --release -p xtask -- ws-bench …)"
    );
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["run", "--quiet", "--release", "--package", "xtask", "--"])
        .args(std::env::args_os().skip(1))
        .env(RELEASE_CHILD, "1")
        .current_dir(workspace_root())
        .status()
        .context("running cargo run --release -p xtask")?;
    if !status.success() {
        bail!("the optimised ws-bench failed ({status})");
    }
    Ok(())
}

/// The server's warnings and errors (counted by message, first few kinds).
fn server_warnings(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut kinds: Vec<(String, usize)> = Vec::new();
    for line in text
        .lines()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
    {
        // Drop the timestamp so that repeated messages group together.
        let key = line
            .find(" WARN")
            .or_else(|| line.find(" ERROR"))
            .map_or(line, |at| &line[at + 1..])
            .chars()
            .take(200)
            .collect::<String>();
        match kinds.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => kinds.push((key, 1)),
        }
    }
    kinds
        .into_iter()
        .take(10)
        .map(|(k, n)| format!("{n} × {k}"))
        .collect()
}

// ---------------------------------------------------------------- machine

fn vm_rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS in /proc/PID/status")
}

fn fd_count(pid: u32) -> Option<usize> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .ok()
        .map(Iterator::count)
}

fn kib_text(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// CPU time of the server, of this process and of the whole machine at one instant.
#[derive(Debug, Clone, Copy)]
struct CpuSample {
    at: Instant,
    server_ticks: u64,
    own_ticks: u64,
    machine_busy: u64,
    machine_total: u64,
}

/// CPU use over a phase, in percent of one CPU (`ps` style: 200 = two CPUs busy).
#[derive(Debug, Clone, Copy)]
struct CpuUse {
    server: f64,
    bench: f64,
    /// Everything else (Redis, other processes).
    others: f64,
    /// The whole machine, in percent of all its CPUs.
    machine_busy: f64,
    /// Length of the measurement.
    secs: f64,
}

impl CpuSample {
    fn take(server: u32) -> Option<CpuSample> {
        let text = std::fs::read_to_string("/proc/stat").ok()?;
        let line = text.lines().next()?.strip_prefix("cpu ")?;
        let fields: Vec<u64> = line
            .split_whitespace()
            .take(8)
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?;
        let total: u64 = fields.iter().sum();
        let idle = fields.get(3)? + fields.get(4)?;
        Some(CpuSample {
            at: Instant::now(),
            server_ticks: process_ticks(&server.to_string())?,
            own_ticks: process_ticks("self")?,
            machine_busy: total - idle,
            machine_total: total,
        })
    }

    fn usage(&self, later: &CpuSample) -> CpuUse {
        let hz = clock_ticks_per_second();
        let secs = later.at.duration_since(self.at).as_secs_f64().max(1e-9);
        let pct = |ticks: u64| ticks as f64 / hz / secs * 100.0;
        let server = pct(later.server_ticks.saturating_sub(self.server_ticks));
        let bench = pct(later.own_ticks.saturating_sub(self.own_ticks));
        let busy = later.machine_busy.saturating_sub(self.machine_busy) as f64;
        let total = later
            .machine_total
            .saturating_sub(self.machine_total)
            .max(1) as f64;
        let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get) as f64;
        let machine_busy = busy / total * 100.0;
        CpuUse {
            server,
            bench,
            others: (machine_busy * cpus - server - bench).max(0.0),
            machine_busy,
            secs,
        }
    }
}

/// utime + stime of `/proc/<pid>/stat`.
fn process_ticks(pid: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    let after = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of the whole line are 12 and 13 here (state is field 3 → index 0).
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

fn clock_ticks_per_second() -> f64 {
    static HZ: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *HZ.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .filter(|hz: &f64| *hz > 0.0)
            .unwrap_or(100.0)
    })
}

fn machine_context() -> String {
    let nproc = std::thread::available_parallelism().map_or_else(|_| "?".into(), |n| n.to_string());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .map(|v| v.trim().to_owned())
        })
        .unwrap_or_else(|| "?".into());
    let ports = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").map_or_else(
        |_| "?".into(),
        |s| s.split_whitespace().collect::<Vec<_>>().join("-"),
    );
    format!(
        "nproc:  {nproc}\nCPU:    {cpu}\nmemory: {memory}\nephemeral ports: {ports}\n\
         (server and load generator share these CPUs)"
    )
}

/// Measures how busy the machine is for a second; warns when other work competes.
fn machine_load_before_run() -> Option<f64> {
    let before = CpuSample::take(std::process::id())?;
    std::thread::sleep(Duration::from_secs(1));
    let busy = before
        .usage(&CpuSample::take(std::process::id())?)
        .machine_busy;
    if busy > BUSY_WARNING_PERCENT {
        println!(
            "\n!!!!!!!! WARNING: the machine is already {busy:.0}% busy before the run: other \
             processes compete for the CPUs and the numbers below will be too low !!!!!!!!\n"
        );
    } else {
        println!("machine idle before the run ({busy:.0}% CPU busy)");
    }
    Some(busy)
}

// ---------------------------------------------------------------- report

fn opt_ms(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.1}"))
}

fn phase_line(p: &PhaseResult) -> String {
    let mut line = format!(
        "  → {} orders placed, {:.1}/s ({} errors), {:.0} deliveries/s, latency p50 {} ms p99 {} ms \
         max {} ms ({} samples), lost {} dup {} reordered {} behind {}, drained in {:.1} s",
        p.orders_ok,
        p.orders_per_s,
        p.order_errors,
        p.deliveries_per_s,
        opt_ms(p.p50_ms),
        opt_ms(p.p99_ms),
        opt_ms(p.max_ms),
        p.latency_samples,
        p.lost,
        p.duplicates,
        p.reordered,
        p.behind,
        p.drained_in.as_secs_f64()
    );
    let _ = write!(
        line,
        "; order HTTP p50 {:.1} ms p99 {:.1} ms; fan-out spread p50 {} ms p99 {} ms max {} ms",
        p.order_p50_ms,
        p.order_p99_ms,
        opt_ms(p.spread_p50_ms),
        opt_ms(p.spread_p99_ms),
        opt_ms(p.spread_max_ms)
    );
    if p.spread_dropped > 0 {
        let _ = write!(line, " ({} deliveries not sampled)", p.spread_dropped);
    }
    if let Some(c) = p.cpu {
        let _ = write!(
            line,
            "; CPU server {:.0}% bench {:.0}% others {:.0}% (machine {:.0}% busy)",
            c.server, c.bench, c.others, c.machine_busy
        );
    }
    if let Some(e) = &p.first_order_error {
        let _ = write!(line, "\n  first order error: {e}");
    }
    line
}

/// CPU time per delivered event, in µs, of the process `f` picks.
fn per_delivery(p: &PhaseResult, f: fn(&CpuUse) -> f64) -> String {
    match &p.cpu {
        Some(c) if p.events > 0 => format!("{:.1}", f(c) / 100.0 * c.secs / p.events as f64 * 1e6),
        _ => "?".into(),
    }
}

fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (n, row) in rows.iter().enumerate() {
        for (i, cell) in row.iter().enumerate() {
            if i == 0 {
                let _ = write!(out, "{cell:<w$}", w = widths[i]);
            } else {
                let _ = write!(out, "  {cell:>w$}", w = widths[i]);
            }
        }
        out.push('\n');
        if n == 0 {
            let width = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
            out.push_str(&"-".repeat(width));
            out.push('\n');
        }
    }
    out
}

fn mode_report(mode: Mode, plan: &Plan, r: &ModeResult, busy: Option<f64>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n-- {}: {} clients held ({} failed to connect, {} disconnects, {} slow-consumer \
         kicks, {} reconnects, {} gave up); connected in {:.1} s",
        mode.name(),
        r.connected,
        r.failed,
        r.disconnects,
        r.slow_kicks,
        r.reconnects,
        r.dead,
        r.connect_wall.as_secs_f64()
    );
    if let Some(e) = &r.first_error {
        let _ = writeln!(out, "   first client error: {e}");
    }
    let _ = writeln!(
        out,
        "   server VmRSS: {} before clients, {} with {} idle clients → {:.1} KiB per idle \
         connection; {} after the load; {} open files",
        kib_text(r.rss_before_kib),
        kib_text(r.rss_idle_kib),
        r.connected,
        r.kib_per_connection(),
        r.rss_end_kib.map_or_else(|| "?".into(), kib_text),
        r.fds_idle.map_or_else(|| "?".into(), |n| n.to_string())
    );
    let mut rows = vec![
        [
            "phase",
            "target/s",
            "orders/s",
            "order p50 ms",
            "order p99 ms",
            "lag max ms",
            "deliveries/s",
            "events",
            "p50 ms",
            "p99 ms",
            "max ms",
            "spread p50",
            "spread p99",
            "lost",
            "dup",
            "reord",
            "behind",
            "CPU srv %",
            "CPU bench %",
            "CPU other %",
            "srv µs/deliv",
            "bench µs/deliv",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect::<Vec<_>>(),
    ];
    for p in &r.phases {
        let cpu = |f: fn(&CpuUse) -> f64| {
            p.cpu
                .as_ref()
                .map_or("?".into(), |c| format!("{:.0}", f(c)))
        };
        rows.push(vec![
            p.label.clone(),
            format!("{}", p.target_rate),
            format!("{:.1}", p.orders_per_s),
            format!("{:.1}", p.order_p50_ms),
            format!("{:.1}", p.order_p99_ms),
            format!("{:.0}", p.max_lag_ms),
            format!("{:.0}", p.deliveries_per_s),
            p.events.to_string(),
            opt_ms(p.p50_ms),
            opt_ms(p.p99_ms),
            opt_ms(p.max_ms),
            opt_ms(p.spread_p50_ms),
            opt_ms(p.spread_p99_ms),
            p.lost.to_string(),
            p.duplicates.to_string(),
            p.reordered.to_string(),
            p.behind.to_string(),
            cpu(|c| c.server),
            cpu(|c| c.bench),
            cpu(|c| c.others),
            per_delivery(p, |c| c.server),
            per_delivery(p, |c| c.bench),
        ]);
    }
    out.push('\n');
    out.push_str(&table(&rows));
    for (limit, label) in [(20.0, "p99 ≤ 20 ms"), (FLOOR_P99_MS, "p99 ≤ 50 ms")] {
        let _ = match r.best_under(limit) {
            Some(p) => writeln!(
                out,
                "highest deliveries/s with {label}: {:.0} ({}, {} orders/s)",
                p.deliveries_per_s, p.label, p.target_rate
            ),
            None => writeln!(out, "highest deliveries/s with {label}: none"),
        };
    }
    let _ = writeln!(
        out,
        "{} staff clients over {} shop(s): each order reaches the ≈ {} following its shop \
         (plus its menu's followers on availability changes); deliveries/s = every event frame \
         received; latency = arrival − order.created_at (ms precision, so up to 1 ms too high; \
         includes the order's own transaction); spread = arrival − the first arrival of the \
         same order (the fan-out alone)",
        plan.staff,
        plan.shops,
        plan.staff_per_shop()
    );
    if !r.server_warnings.is_empty() {
        let _ = writeln!(out, "server warnings/errors:");
        for w in &r.server_warnings {
            let _ = writeln!(out, "  {w}");
        }
    }
    if let Some(busy) = busy.filter(|b| *b > BUSY_WARNING_PERCENT) {
        let _ = writeln!(
            out,
            "WARNING: the machine was already {busy:.0}% busy before this run"
        );
    }
    out
}

fn summary(plan: &Plan, results: &[(Mode, Outcome)]) -> String {
    let mut rows = vec![
        [
            "bus",
            "clients held",
            "KiB/idle conn",
            "main deliveries/s",
            "main p99 ms",
            "best deliv/s @p99≤20ms",
            "best deliv/s @p99≤50ms",
            "lost",
            "dup",
            "reord",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect::<Vec<_>>(),
    ];
    let mut out = String::new();
    let mut verdicts = Vec::new();
    for (mode, outcome) in results {
        let mut row = vec![mode.short().to_owned()];
        match outcome {
            Outcome::Measured(r) => {
                let main = r.phases.first();
                let best = |ms| {
                    r.best_under(ms)
                        .map_or_else(|| "none".into(), |p| format!("{:.0}", p.deliveries_per_s))
                };
                let lost = r.total_loss();
                let dup: u64 = r.phases.iter().map(|p| p.duplicates).sum();
                let reord: u64 = r.phases.iter().map(|p| p.reordered).sum();
                row.extend([
                    format!("{}/{}", r.connected, plan.clients),
                    format!("{:.1}", r.kib_per_connection()),
                    main.map_or("-".into(), |p| format!("{:.0}", p.deliveries_per_s)),
                    main.map_or("-".into(), |p| opt_ms(p.p99_ms)),
                    best(20.0),
                    best(FLOOR_P99_MS),
                    lost.to_string(),
                    dup.to_string(),
                    reord.to_string(),
                ]);
                let held = r.connected >= FLOOR_CLIENTS.min(plan.clients)
                    && r.dead == 0
                    && plan.clients >= FLOOR_CLIENTS;
                let fast = r
                    .best_under(FLOOR_P99_MS)
                    .is_some_and(|p| p.deliveries_per_s >= FLOOR_DELIVERIES);
                let whole = lost == 0 && dup == 0 && reord == 0;
                let small = r.kib_per_connection() <= FLOOR_KIB_PER_CONNECTION;
                let ok = |b: bool| if b { "met" } else { "MISSED" };
                verdicts.push(format!(
                    "{}: {FLOOR_CLIENTS} clients held: {}; p99 ≤ {FLOOR_P99_MS} ms at \
                     {FLOOR_DELIVERIES} deliveries/s: {}; zero loss: {}; ≤ \
                     {FLOOR_KIB_PER_CONNECTION} KiB per idle connection: {}",
                    mode.short(),
                    ok(held),
                    ok(fast),
                    ok(whole),
                    ok(small)
                ));
            }
            Outcome::Skipped(why) => {
                row.push(format!("SKIPPED ({why})"));
                verdicts.push(format!("{}: SKIPPED", mode.short()));
            }
            Outcome::Failed(why) => {
                row.push(format!("FAILED ({why})"));
                verdicts.push(format!("{}: FAILED", mode.short()));
            }
        }
        rows.push(row);
    }
    out.push_str(&table(&rows));
    out.push_str("\nFloors:\n");
    for v in verdicts {
        let _ = writeln!(out, "  {v}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_go_round_robin_over_the_shops() {
        let shops: Vec<usize> = (0..7).map(|i| shop_of_order(i, 5)).collect();
        assert_eq!(shops, [1, 2, 3, 4, 5, 1, 2]);
        assert!((0..4).all(|i| shop_of_order(i, 1) == 1));
        let body: serde_json::Value = serde_json::from_str(&order_body(3)).expect("JSON");
        assert_eq!(body["shop_id"], 3);
        assert_eq!(body["lines"][0]["pizza_id"], 2);
    }

    #[test]
    fn event_frames_are_read_at_fixed_offsets() {
        let frame =
            r#"{"type":"event","stream":"shop:1:orders","seq":42,"event":{"type":"order_placed"}}"#;
        let (seq, after) = event_seq(frame, "shop:1:orders").expect("an event");
        assert_eq!(seq, 42);
        assert!(after.starts_with(r#","event":{"type":"order_placed""#));
        assert_eq!(event_seq(frame, "").map(|(s, _)| s), Some(42));
        assert_eq!(event_seq(frame, "shop:2:orders"), None);
        assert_eq!(event_seq(r#"{"type":"subscribed","seq":3}"#, ""), None);
    }

    #[test]
    fn spread_samples_tell_the_shops_apart() {
        let shared = Shared::new(1, 1, 8);
        shared.record_delivery(Target::Orders(0).sample_key(), 7, 1_000);
        shared.record_delivery(Target::Orders(1).sample_key(), 7, 5_000);
        shared.record_delivery(Target::Orders(0).sample_key(), 7, 3_000);
        let (spread, dropped) = shared.spread();
        assert_eq!(dropped, 0);
        // Shop 2's only delivery is its own first: 0, 0 and 2,000 µs.
        assert_eq!(spread.max.load(Ordering::Relaxed), 2_000);
        assert_eq!(spread.count(), 3);
    }
}
