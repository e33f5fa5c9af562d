//! `cargo xtask cluster`: the scale-out deployment proven with its real pieces. nginx, with
//! the production site file (`nginx/ocpizza.conf`, only its ports, certificate and webroots
//! swapped, see `nginx.rs`) and a certificate made for the run, in front of **two** instances
//! started as `systemd/ocpizza@.service` starts them (`deploy.rs`), on a fresh PostgreSQL
//! database and a private Redis. Every client goes through nginx over TLS:
//!
//! - order clients place guest orders, each with its `Idempotency-Key`, retried with the same
//!   key until acknowledged (`faults/api.rs`);
//! - live clients (cooks, managers, admins) follow their streams and resume through nginx
//!   when their connection ends (`follow.rs`);
//! - a cook's kitchen display runs in Chromium (`kitchen.rs`, `e2e/cluster_kitchen.mjs`).
//!
//! Two phases under a steady order load. **kill -9**: instance A is killed, and started again
//! 2 s later (the unit's `RestartSec=`); every acknowledged order must exist exactly once,
//! and every live client end with every event of its streams, no gap, no duplicate.
//! **Rolling update**: A is stopped with SIGTERM, A' started from another build of the server,
//! the release build (optimised, LTO: another binary at another path, as an upgrade installs;
//! same source, so what is proven is the hand-over between processes, not a schema change),
//! then the same for B; not one order request may fail, no
//! event be lost, and the kitchen display may show nothing but a brief "connecting".
//! At the end, nginx's access log tells which instance served each order and each live
//! connection: orders placed through one instance must have reached clients on the other.
//! The figures are printed (and copied by hand into `docs/performance.md`).

mod deploy;
mod follow;
mod kitchen;

use crate::faults::api::{Api, Clients, Ledger};
use crate::faults::guards::{PgDatabase, PrivateRedis};
use crate::faults::live::{Live, Target};
use crate::nginx::{Nginx, Site};
use crate::server::{ScratchDir, build_debug_server, free_port, workspace_root};
use anyhow::{bail, ensure};
use deploy::Instance;
use follow::{Followed, Follower, Logged};
use reqwest::header::HeaderValue;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// Longest the whole run may take, setup included.
const LIMIT: Duration = Duration::from_mins(4);
/// Clients placing orders at the same time.
const ORDER_CLIENTS: usize = 3;
/// Pause of each order client between two orders.
const ORDER_PAUSE: Duration = Duration::from_millis(150);
/// Orders acknowledged before each step of a phase.
const ORDERS_PER_STEP: usize = 20;
/// The unit's `RestartSec=`: how long after the kill the instance comes back.
const RESTART_SEC: Duration = Duration::from_secs(2);
/// How long the live clients may take to catch up once the load stopped.
const CATCH_UP: Duration = Duration::from_secs(15);
/// How long nginx may take to send requests to a restarted instance again (its
/// `fail_timeout` is 10 s).
const ROUTED_LIMIT: Duration = Duration::from_secs(30);
/// The accounts' password (the site is https: no demo accounts).
const PASSWORD: &str = "Rolling-update-under-load-42";
/// Accounts created with `ocpizza user create`: e-mail, name, role.
const ACCOUNTS: [(&str, &str, &str); 3] = [
    ("admin@cluster.ocpizza.example", "Alice Admin", "admin"),
    ("cook@cluster.ocpizza.example", "Carlo Cuoco", "cook"),
    (
        "manager@cluster.ocpizza.example",
        "Marie Gérante",
        "manager",
    ),
];
/// The streams every live client follows, by account.
const FOLLOWERS: [(&str, usize, &[&str]); 6] = [
    ("cook-1", 1, &["shop:1:orders"]),
    ("cook-2", 1, &["shop:1:orders"]),
    ("manager-1", 2, &["shop:1:orders", "shop:1:stock"]),
    ("manager-2", 2, &["shop:1:orders", "shop:1:stock"]),
    ("admin-1", 0, &["group:orders", "shop:1:menu"]),
    ("admin-2", 0, &["group:orders", "shop:1:orders"]),
];

/// What the run checks.
pub const CHECKS: &str = "nginx (TLS, the production site file) in front of two instances \
    started as the systemd unit starts them, on PostgreSQL and Redis; 3 order clients and 6 \
    live clients through nginx, and a kitchen display in Chromium. kill -9 of one instance \
    under load: every acknowledged order exists once, every client ends with every event of \
    its streams. Rolling update A → A', B → B' under load: no failed order request, no lost \
    event, the display shows only a brief \"connecting\". Orders placed through one instance \
    reach clients on the other.";

/// Runs the check; `dist` is the PWA when the caller has just built it.
pub fn run(dist: Option<&Path>) -> anyhow::Result<()> {
    println!("\n== cluster\n{CHECKS}");
    let ci = std::env::var_os("CI").is_some();
    if let Some(why) = missing() {
        ensure!(
            !ci,
            "the cluster check cannot run here ({why}); CI must run it"
        );
        eprintln!("\n{}", "!".repeat(78));
        eprintln!("!! SKIPPED: the cluster check (cargo xtask cluster) — {why}.");
        eprintln!("{}\n", "!".repeat(78));
        return Ok(());
    }
    let root = workspace_root();
    let binary = build_debug_server(&root)?;
    // The build the rolling update moves to (already built when the test command made the
    // Debian package before).
    let next = crate::server::build_server(&root)?;
    let dist = match dist {
        Some(d) => d.to_path_buf(),
        None => crate::pwa::build()?,
    };
    let chromium = crate::e2e::prerequisites()?;
    crate::faults::guards::sweep_stale();
    let started = std::time::Instant::now();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime
        .block_on(async {
            tokio::time::timeout(LIMIT, scenario(&binary, &next, &dist, chromium)).await
        })
        .map_err(|_| anyhow::anyhow!("the cluster check took more than {LIMIT:?}"))??;
    println!(
        "cluster check passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// What the machine lacks for the run, if anything.
fn missing() -> Option<String> {
    let has = |tool: &str| {
        std::process::Command::new("sh")
            .args([
                "-c",
                &format!("command -v {tool} || test -x /usr/sbin/{tool}"),
            ])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    for tool in ["nginx", "openssl", "redis-server", "psql"] {
        if !has(tool) {
            return Some(format!("{tool} is not installed"));
        }
    }
    if std::net::TcpStream::connect(("127.0.0.1", 5432)).is_err() {
        return Some("no PostgreSQL on 127.0.0.1:5432".into());
    }
    None
}

/// Order clients placing orders through nginx until stopped.
struct Load {
    stop: Arc<AtomicBool>,
    acked: Arc<AtomicUsize>,
    clients: Clients,
}

impl Load {
    /// Starts [`ORDER_CLIENTS`] clients; keys are `<phase>-<client>-<n>`.
    fn start(api: &Api, phase: &'static str) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(AtomicUsize::new(0));
        let clients = Clients::spawn(ORDER_CLIENTS, |c| {
            let (api, stop, acked) = (api.clone(), stop.clone(), acked.clone());
            async move {
                let deadline = Instant::now() + LIMIT;
                let mut ledger = Ledger::default();
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    api.place(&format!("{phase}-{c}-{i}"), deadline, &mut ledger)
                        .await?;
                    acked.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                    tokio::time::sleep(ORDER_PAUSE).await;
                }
                Ok(ledger)
            }
        });
        Load {
            stop,
            acked,
            clients,
        }
    }

    /// Waits until [`ORDERS_PER_STEP`] more orders are acknowledged.
    async fn step(&mut self) -> anyhow::Result<()> {
        let target = self.acked.load(Ordering::Relaxed) + ORDERS_PER_STEP;
        let start = Instant::now();
        while self.acked.load(Ordering::Relaxed) < target {
            if let Some(e) = self.failure().await {
                return Err(e);
            }
            ensure!(
                start.elapsed() < Duration::from_mins(1),
                "orders stopped being acknowledged ({} so far)",
                self.acked.load(Ordering::Relaxed)
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }

    /// The error of a client that stopped before being told to, if one has.
    async fn failure(&mut self) -> Option<anyhow::Error> {
        self.clients.failure().await
    }

    /// Stops the clients; their ledgers.
    async fn stop(self) -> anyhow::Result<Ledger> {
        self.stop.store(true, Ordering::Relaxed);
        self.clients.join().await
    }
}

/// The figures of one phase.
#[derive(Debug, Default)]
struct Figures {
    name: &'static str,
    placed: usize,
    failed: usize,
    duplicated: usize,
    retried_by_nginx: usize,
    events_lost: i64,
    events_duplicated: usize,
    /// Per live client, its longest time without its streams.
    longest: Vec<(String, Option<follow::Outage>)>,
    display: Option<kitchen::Window>,
}

/// Everything the scenario keeps running.
struct Deployment {
    binary: PathBuf,
    scratch: ScratchDir,
    site: Site,
    units: [deploy::Unit; 2],
    api: Api,
    admin: HeaderValue,
    target: Target,
    // Dropped last: the services under the instances.
    _db: PgDatabase,
    _redis: PrivateRedis,
}

async fn scenario(
    binary: &Path,
    next: &Path,
    dist: &Path,
    chromium: Option<PathBuf>,
) -> anyhow::Result<()> {
    let (d, [a, b], nginx) = deploy(binary, dist).await?;
    let cook = d.api.login_as(ACCOUNTS[1].0, PASSWORD).await?;
    let manager = d.api.login_as(ACCOUNTS[2].0, PASSWORD).await?;
    let cookies = [d.admin.clone(), cook, manager];
    let mut display = match chromium {
        Some(path) => Some(
            kitchen::Display::start(&path, &d.site.https_base(), ACCOUNTS[1].0, PASSWORD).await?,
        ),
        None => None,
    };
    let mut followers = Vec::new();
    for (name, account, streams) in FOLLOWERS {
        followers.push(Follower::start(name, d.target, cookies[account].clone(), streams).await?);
    }
    println!(
        "{} live clients and the kitchen display follow through nginx",
        followers.len()
    );

    // Phase 1: kill -9.
    let kill_from = Instant::now();
    mark(display.as_mut(), "kill")?;
    let mut load = Load::start(&d.api, "kill");
    load.step().await?;
    a.kill()?;
    println!("killed instance A (SIGKILL) under load");
    tokio::time::sleep(RESTART_SEC).await;
    let a = Instance::start(
        "A",
        &d.binary,
        &d.units[0],
        d.scratch.0.join("a-restarted.log"),
    )
    .await?;
    // So that the rolling update starts with A under load too.
    routed(&d, &a, &mut load).await?;
    load.step().await?;
    let kill = load.stop().await?;
    let kill_end = caught_up(&d, &followers).await?;
    let kill_to = Instant::now();
    mark(display.as_mut(), "kill-end")?;

    // Phase 2: rolling update.
    mark(display.as_mut(), "rolling")?;
    let roll_from = Instant::now();
    let mut load = Load::start(&d.api, "roll");
    load.step().await?;
    let a = update(&d, a, "A'", next, 0, &mut load).await?;
    load.step().await?;
    let b = update(&d, b, "B'", next, 1, &mut load).await?;
    load.step().await?;
    let roll = load.stop().await?;
    let roll_end = caught_up(&d, &followers).await?;
    let roll_to = Instant::now();
    mark(display.as_mut(), "rolling-end")?;

    let mut ids: Vec<i64> = kill
        .acked
        .values()
        .chain(roll.acked.values())
        .map(|o| o.id.0)
        .collect();
    ids.sort_unstable();
    let shown = match display {
        Some(display) => Some(display.check(&ids).await?),
        None => None,
    };
    let mut followed = Vec::new();
    for f in followers {
        followed.push(f.stop().await?);
    }
    let kill_stored = d.api.check_acked(&d.admin, "kill-", &kill).await?;
    let roll_stored = d.api.check_acked(&d.admin, "roll-", &roll).await?;
    println!(
        "{kill_stored} + {roll_stored} orders stored, one per key, each replayed to the same order"
    );
    // nginx logs a WebSocket when it ends: give it the clients' closes.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let logged = follow::access_log(&d.site.access_log())?;
    drop(nginx);
    drop((a, b));

    let mut phases = [
        figures(
            "kill -9",
            &kill,
            &logged,
            &followed,
            (kill_from, kill_to),
            &kill_end,
        ),
        figures(
            "rolling update",
            &roll,
            &logged,
            &followed,
            (roll_from, roll_to),
            &roll_end,
        ),
    ];
    if let Some(shown) = &shown {
        phases[0].display = Some(shown.window("kill", "kill-end"));
        phases[1].display = Some(shown.window("rolling", "rolling-end"));
    }
    print_figures(&phases);
    let cross = crossings(&logged, &followed, &kill, &roll);
    println!(
        "{cross} order_placed events reached a live client on the other instance than the one \
         that took the order"
    );
    judge(&phases, &followed, &roll_end.heads, shown.as_ref(), cross)
}

/// Starts everything; returns the deployment, the two instances and nginx.
async fn deploy(binary: &Path, dist: &Path) -> anyhow::Result<(Deployment, [Instance; 2], Nginx)> {
    let scratch = ScratchDir::new("cluster")?;
    let db = PgDatabase::create("ocpizza_cluster")?;
    let redis = PrivateRedis::start(free_port()?)?;
    let ports = [free_port()?, free_port()?];
    let addrs = ports.map(|p| SocketAddr::from(([127, 0, 0, 1], p)));
    let nginx_dir = scratch.0.join("nginx");
    std::fs::create_dir_all(&nginx_dir)?;
    let site = Site::prepare(&nginx_dir, addrs)?;
    let unthrottled = "100000000".to_owned();
    let values = [
        ("DATABASE_URL", db.url.clone()),
        ("REDIS_URL", format!("redis://127.0.0.1:{}", redis.port)),
        ("OCPIZZA_PUBLIC_URL", site.https_base()),
        ("OCPIZZA_STATIC_DIR", dist.display().to_string()),
        // Every order of the run comes from one address and one phone number.
        ("OCPIZZA_ORDERS_PER_IP_PER_MIN", unthrottled.clone()),
        ("OCPIZZA_ORDERS_PER_PHONE_PER_MIN", unthrottled.clone()),
        ("OCPIZZA_OPEN_ORDERS_PER_PHONE", unthrottled),
    ];
    let vars = deploy::env_file(&values, &scratch.0.join("ocpizza.env"))?;
    let data = scratch.0.join("state");
    std::fs::create_dir_all(&data)?;
    let units = [
        deploy::unit(ports[0], &vars, &data)?,
        deploy::unit(ports[1], &vars, &data)?,
    ];
    deploy::ocpizza(binary, &units[0], &["seed"], "")?;
    for (email, name, role) in ACCOUNTS {
        let mut args = vec![
            "user", "create", "--email", email, "--name", name, "--role", role,
        ];
        if role != "admin" {
            args.extend(["--shop", "1"]);
        }
        args.push("--password-stdin");
        deploy::ocpizza(binary, &units[0], &args, &format!("{PASSWORD}\n"))?;
    }
    println!(
        "database seeded, {} accounts created (ocpizza seed, ocpizza user create)",
        ACCOUNTS.len()
    );
    let (a, b) = tokio::try_join!(
        Instance::start("A", binary, &units[0], scratch.0.join("a.log")),
        Instance::start("B", binary, &units[1], scratch.0.join("b.log")),
    )?;
    let nginx = Nginx::start(&site)?;
    let api = Api::through_tls(&site.https_base())?;
    api.wait_ready(Duration::from_secs(10)).await?;
    let admin = api.login_as(ACCOUNTS[0].0, PASSWORD).await?;
    api.restock(&admin, 1_000_000).await?;
    println!(
        "nginx serves {} in front of {} and {}",
        site.https_base(),
        addrs[0],
        addrs[1]
    );
    let target = Target::Tls(SocketAddr::from(([127, 0, 0, 1], site.https)));
    let d = Deployment {
        binary: binary.to_owned(),
        scratch,
        site,
        units,
        api,
        admin,
        target,
        _db: db,
        _redis: redis,
    };
    Ok((d, [a, b], nginx))
}

impl Deployment {
    /// The last lines of every instance's log and of nginx's error log, for a failure.
    fn log_tails(&self) -> String {
        let mut logs: Vec<PathBuf> = std::fs::read_dir(&self.scratch.0)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "log"))
            .collect();
        logs.push(self.site.prefix.join("error.log"));
        let mut tails = String::new();
        for p in &logs {
            let _ = writeln!(
                tails,
                "--- {} ---\n{}",
                p.display(),
                crate::server::log_tail(p)
            );
        }
        tails
    }
}

fn mark(display: Option<&mut kitchen::Display>, name: &str) -> anyhow::Result<()> {
    display.map_or(Ok(()), |d| d.mark(name))
}

/// Stops `old` gracefully, starts `name` from `binary` on its port, and waits until nginx
/// sends it requests again.
async fn update(
    d: &Deployment,
    old: Instance,
    name: &str,
    binary: &Path,
    unit: usize,
    load: &mut Load,
) -> anyhow::Result<Instance> {
    let addr = old.server.addr;
    let took = old.stop().await?;
    println!(
        "instance on {addr} stopped by SIGTERM in {:.1} s",
        took.as_secs_f64()
    );
    let log = d
        .scratch
        .0
        .join(format!("{}.log", name.replace('\'', "-next")));
    let new = Instance::start(name, binary, &d.units[unit], log).await?;
    routed(d, &new, load).await?;
    Ok(new)
}

/// Waits until nginx's access log shows a request `instance` (started and ready, its
/// predecessor gone) answered (nginx leaves an instance it could not reach out for
/// `fail_timeout`). WebSockets are logged when they end, so they do not count. The order
/// clients of `load` make those requests: one that stopped on an error ends the wait with it.
async fn routed(d: &Deployment, instance: &Instance, load: &mut Load) -> anyhow::Result<()> {
    let (addr, name) = (instance.server.addr.to_string(), &instance.name);
    let logged_before = follow::access_log(&d.site.access_log())?.len();
    let started = Instant::now();
    loop {
        let logged = follow::access_log(&d.site.access_log())?;
        let since = &logged[logged_before.min(logged.len())..];
        let served = since.iter().any(|l| {
            l.status < 400 && l.uri != "/api/v1/ws" && l.served_by() == Some(addr.as_str())
        });
        if served {
            println!(
                "nginx sends requests to {name} again, {:.1} s after it was ready",
                started.elapsed().as_secs_f64()
            );
            return Ok(());
        }
        if let Some(e) = load.failure().await {
            return Err(e.context(format!(
                "an order client stopped while waiting for nginx to use {name}\n{}",
                d.log_tails()
            )));
        }
        if started.elapsed() >= ROUTED_LIMIT {
            let mut answered: BTreeMap<String, usize> = BTreeMap::new();
            for l in since.iter().filter(|l| l.uri != "/api/v1/ws") {
                let by = l.upstreams.join(" → ");
                *answered.entry(format!("{} by {by}", l.status)).or_default() += 1;
            }
            bail!(
                "nginx sent nothing to {name} ({addr}) within {ROUTED_LIMIT:?}; what it logged \
                 meanwhile (status by upstreams: requests): {answered:?}\n{}",
                d.log_tails()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Where the live clients stood when a phase ended.
#[derive(Debug, Clone)]
struct PhaseEnd {
    /// Each stream's last sequence, read from a fresh connection through nginx.
    heads: BTreeMap<String, i64>,
    /// Events of the clients' streams up to `heads` they had not read (gaps included).
    lost: i64,
    /// Events they had read twice.
    duplicated: usize,
}

/// Waits until every live client read every event of its streams (at most [`CATCH_UP`]).
async fn caught_up(d: &Deployment, followers: &[Follower]) -> anyhow::Result<PhaseEnd> {
    let streams: BTreeSet<&str> = FOLLOWERS
        .iter()
        .flat_map(|(_, _, s)| s.iter().copied())
        .collect();
    // Subscribing after what the clients already read: the server replays the few events
    // after it and says where the stream stands, without a snapshot of every open order.
    let wanted: Vec<(&str, Option<i64>)> = streams
        .iter()
        .map(|s| (*s, followers.iter().filter_map(|f| f.last(s)).min()))
        .collect();
    let heads = match Live::connect_to(d.target, &d.admin, &wanted, None).await {
        Ok(live) => live.at,
        Err(e) => return Err(e.context(format!("reading the stream heads\n{}", d.log_tails()))),
    };
    let start = Instant::now();
    let tally = |heads: &BTreeMap<String, i64>| {
        followers
            .iter()
            .map(|f| f.lost_and_duplicated(heads))
            .fold((0, 0), |(l, d), (l2, d2)| (l + l2, d + d2))
    };
    while start.elapsed() < CATCH_UP && tally(&heads).0 > 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (lost, duplicated) = tally(&heads);
    println!(
        "live clients caught up in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    Ok(PhaseEnd {
        heads,
        lost,
        duplicated,
    })
}

/// The figures of the phase whose order keys start with `name`'s key prefix.
fn figures(
    name: &'static str,
    ledger: &Ledger,
    logged: &[Logged],
    followed: &[Followed],
    (from, to): (Instant, Instant),
    end: &PhaseEnd,
) -> Figures {
    let keys: BTreeSet<&str> = ledger.acked.keys().map(String::as_str).collect();
    let ours = |l: &&Logged| l.key.as_deref().is_some_and(|k| keys.contains(k));
    let mut f = Figures {
        name,
        placed: ledger.acked.len(),
        failed: ledger.unavailable + ledger.unreachable,
        retried_by_nginx: logged
            .iter()
            .filter(ours)
            .filter(|l| l.upstreams.len() > 1)
            .count(),
        events_lost: end.lost,
        events_duplicated: end.duplicated,
        ..Figures::default()
    };
    for client in followed {
        f.longest.push((
            client.name.clone(),
            client.longest_outage(from, to).cloned(),
        ));
    }
    f
}

fn print_figures(phases: &[Figures]) {
    println!(
        "\n| phase | orders placed | failed requests | duplicated | retried by nginx | events lost | events duplicated | longest without stream (worst client) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for p in phases {
        let worst = p
            .longest
            .iter()
            .filter_map(|(n, o)| Some((n, o.as_ref()?.lasted)))
            .max_by_key(|(_, d)| *d);
        let worst = worst.map_or(
            "0 s (no client lost its connection)".to_owned(),
            |(n, d)| format!("{:.2} s ({n})", d.as_secs_f64()),
        );
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {worst} |",
            p.name,
            p.placed,
            p.failed,
            p.duplicated,
            p.retried_by_nginx,
            p.events_lost,
            p.events_duplicated
        );
    }
    for p in phases {
        let each: Vec<String> = p
            .longest
            .iter()
            .map(|(n, o)| match o {
                None => format!("{n} never cut"),
                Some(o) => format!(
                    "{n} {:.2} s ({} failed attempts{})",
                    o.lasted.as_secs_f64(),
                    o.failed_attempts,
                    o.last_failure
                        .as_ref()
                        .map_or(String::new(), |e| format!(", last: {e}"))
                ),
            })
            .collect();
        println!(
            "{}: longest without stream per client: {}",
            p.name,
            each.join(", ")
        );
        if let Some(w) = &p.display {
            let states: Vec<String> = w
                .states
                .iter()
                .map(|(s, l)| format!("{s} \"{l}\""))
                .collect();
            println!(
                "{}: kitchen display showed {}; not live for at most {:.2} s; alerts: {:?}",
                p.name,
                states.join(", "),
                w.longest_not_online.as_secs_f64(),
                w.alerts
            );
        }
    }
    println!();
}

/// How many `order_placed` events a live client read on a connection served by another
/// instance than the one that acknowledged the order (from nginx's access log).
fn crossings(logged: &[Logged], followed: &[Followed], kill: &Ledger, roll: &Ledger) -> usize {
    let mut placed_on: BTreeMap<i64, &str> = BTreeMap::new();
    for l in logged
        .iter()
        .filter(|l| l.method == "POST" && l.status == 201)
    {
        let order = l
            .key
            .as_deref()
            .and_then(|k| kill.acked.get(k).or_else(|| roll.acked.get(k)));
        if let (Some(order), Some(up)) = (order, l.served_by()) {
            placed_on.insert(order.id.0, up);
        }
    }
    let ws_on: BTreeMap<u16, &str> = logged
        .iter()
        .filter(|l| l.uri == "/api/v1/ws" && l.status == 101)
        .filter_map(|l| Some((l.remote_port, l.served_by()?)))
        .collect();
    let mut cross = 0;
    for conn in followed.iter().flat_map(|f| &f.connections) {
        let Some(on) = ws_on.get(&conn.local_port) else {
            continue;
        };
        cross += conn
            .placed
            .iter()
            .filter(|id| placed_on.get(id).is_some_and(|p| p != on))
            .count();
    }
    cross
}

/// Fails unless every promise held.
fn judge(
    phases: &[Figures],
    followed: &[Followed],
    heads: &BTreeMap<String, i64>,
    shown: Option<&kitchen::Shown>,
    cross: usize,
) -> anyhow::Result<()> {
    for client in followed {
        let (lost, dup) = client.lost_and_duplicated(heads);
        let problems = &client
            .seen
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .problems;
        ensure!(
            lost == 0 && dup == 0 && problems.is_empty() && client.snapshots_on_resume == 0,
            "{}: {lost} events lost, {dup} read twice, {} resumed from a snapshot: {problems:?}",
            client.name,
            client.snapshots_on_resume
        );
    }
    for p in phases {
        ensure!(
            p.events_lost == 0 && p.events_duplicated == 0,
            "{}: {} events lost, {} duplicated",
            p.name,
            p.events_lost,
            p.events_duplicated
        );
    }
    ensure!(
        phases[1].failed == 0,
        "rolling update: {} order requests failed",
        phases[1].failed
    );
    ensure!(
        cross > 0,
        "no order placed through one instance reached a client on the other"
    );
    if let Some(shown) = shown {
        ensure!(shown.same_document, "the kitchen display was reloaded");
        ensure!(
            shown.missing.is_empty(),
            "orders never shown on the kitchen display: {:?}",
            shown.missing
        );
        let w = phases[1].display.clone().unwrap_or_default();
        ensure!(
            w.alerts.is_empty(),
            "the kitchen display showed an error: {:?}",
            w.alerts
        );
        if let Some((state, label)) = w
            .states
            .iter()
            .find(|(s, _)| s != "online" && s != "connecting")
        {
            bail!("during the rolling update the kitchen display showed {state} ({label:?})");
        }
    }
    Ok(())
}
