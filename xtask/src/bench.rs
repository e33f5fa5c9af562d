//! `cargo xtask bench`: the order-placement benchmark against a real release server.
//!
//! Builds `ocpizza` in release mode once, then for each database (SQLite in a fresh temporary
//! folder, PostgreSQL in a fresh `ocpizza_bench_<pid>` database): starts `ocpizza serve` on a
//! free port, makes the stock of the measured shops effectively unlimited (admin restocks),
//! places 200 warm-up orders, then measures N guest orders placed by C concurrent workers
//! (spread over `--shops` shops) and 50,000 menu reads, and prints throughput, latency
//! percentiles, the server's CPU time per request and the hypervisor's steal during each run.

use crate::server::{
    ScratchDir, Server, build_server, free_port, log_tail, ocpizza_command, start_server_under,
    wait_ready, workspace_root,
};
use anyhow::{Context, bail};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Options of `cargo xtask bench`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Orders placed in the measured run (after 200 warm-up orders). Some ten seconds at
    /// today's rates: a run of a second or two misses what builds up over a rush (SQLite's
    /// log, the kitchen queue the estimates read) and has too few orders for its 99th
    /// percentile to say much.
    #[arg(long, default_value_t = 30_000, value_parser = clap::value_parser!(u64).range(1..))]
    orders: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=4096))]
    concurrency: u64,
    /// Menu reads in the read-path measurement.
    #[arg(long, default_value_t = 50_000, value_parser = clap::value_parser!(u64).range(1..))]
    reads: u64,
    /// Shops the orders are spread over, round robin (shops 1 to N of the demo data).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=5))]
    shops: u64,
    /// Which database(s) to measure.
    #[arg(long, value_enum, default_value_t = DbChoice::Both)]
    db: DbChoice,
    /// The port of the PostgreSQL server on 127.0.0.1 to measure on (trust authentication for
    /// `postgres`). With `pg_stat_statements` in its `shared_preload_libraries`, the run also
    /// lists the statements of the measured orders: calls and database time per order.
    #[arg(long, default_value_t = 5432)]
    postgres_port: u16,
    /// Measure this server binary instead of building the workspace's (to compare two builds
    /// in interleaved runs: keep a copy of each).
    #[arg(long)]
    binary: Option<std::path::PathBuf>,
    /// Also count the server's instructions per order placed and per menu read, with
    /// valgrind's callgrind (the same count for the same build and load whatever else the
    /// machine does), and list where they go. The server then runs some 50 times slower: use
    /// a few hundred orders and a few thousand reads.
    #[arg(long)]
    callgrind: bool,
}

/// `--db`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DbChoice {
    Sqlite,
    Postgres,
    Both,
}

/// One database under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

const WARMUP_ORDERS: usize = 200;
const WARMUP_READS: usize = 1_000;
/// The shop whose menu is read.
const SHOP: i64 = 1;
const ADMIN_LOGIN: &str = r#"{"email":"admin@demo.ocpizza.fr","password":"demo-pizza"}"#;
/// What benchmark order `n` is: a guest pickup of two pizzas at `shop`, paid at the counter,
/// by a customer of their own (each phone number has a few open orders at most, as in life).
fn order_body(shop: i64, n: usize) -> String {
    let phone = format!(
        "06 {:02} {:02} {:02} {:02}",
        n / 1_000_000 % 100,
        n / 10_000 % 100,
        n / 100 % 100,
        n % 100
    );
    format!(
        r#"{{"shop_id":{shop},"fulfilment":"pickup","contact":{{"name":"Bench Client","phone":"{phone}"}},"lines":[{{"pizza_id":1,"size":"medium","quantity":1}},{{"pizza_id":2,"size":"large","quantity":1,"extras":[]}}],"payment_method":"at_counter"}}"#
    )
}
/// Added to every ingredient per restock call (the API allows up to 10,000,000 per call).
const RESTOCK_QUANTITY: i64 = 5_000_000;
/// Orders covered by one round of restocks (generous: two pizzas use far less than 1 kg).
const ORDERS_PER_RESTOCK_ROUND: usize = 2_000;
/// CPU use by other processes above which the numbers are flagged as unreliable.
const BUSY_WARNING_PERCENT: f64 = 15.0;
/// CPU use by other processes during a run above which its numbers are flagged.
const OTHER_WARNING_PERCENT: f64 = 10.0;
/// How long to wait for a busy machine to calm down before measuring anyway.
const QUIET_WAIT: Duration = Duration::from_mins(5);
const REQUEST_TIMEOUT: Duration = Duration::from_mins(1);

/// Runs the benchmark.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let orders = usize::try_from(args.orders).context("--orders")?;
    let concurrency = usize::try_from(args.concurrency).context("--concurrency")?;
    let reads = usize::try_from(args.reads).context("--reads")?;
    let shops = i64::try_from(args.shops).context("--shops")?;
    let root = workspace_root();
    println!("== Machine\n{}", machine_context());

    let binary = match &args.binary {
        Some(path) => path.clone(),
        None => build_server(&root)?,
    };
    println!("server: {}", binary.display());
    let backends: &[Backend] = match args.db {
        DbChoice::Sqlite => &[Backend::Sqlite],
        DbChoice::Postgres => &[Backend::Postgres],
        DbChoice::Both => &[Backend::Sqlite, Backend::Postgres],
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    let plan = Plan {
        orders,
        concurrency,
        reads,
        shops,
        callgrind: args.callgrind,
        postgres_port: args.postgres_port,
        database: None,
    };

    let mut results: Vec<(Backend, Outcome, Option<f64>)> = Vec::new();
    for &backend in backends {
        println!("\n== {}", backend.name());
        let busy_before = machine_load_before_run();
        let outcome = match backend {
            Backend::Sqlite => bench_sqlite(&runtime, &binary, &plan),
            Backend::Postgres => bench_postgres(&runtime, &binary, &plan),
        };
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => Outcome::Failed(format!("{e:#}")),
        };
        match &outcome {
            Outcome::Measured(r) => print_one(r),
            Outcome::Skipped(why) => {
                println!("\n!!!!!!!! SKIPPED {}: {why} !!!!!!!!\n", backend.name());
            }
            Outcome::Failed(why) => {
                println!("\n!!!!!!!! FAILED {}: {why} !!!!!!!!\n", backend.name());
            }
        }
        results.push((backend, outcome, busy_before));
    }

    println!(
        "\n== Summary ({orders} orders over {shops} shop(s) + {WARMUP_ORDERS} warm-up, {reads} \
         menu reads, concurrency {concurrency}, release build, client and server on the same \
         machine)\n"
    );
    print!("{}", summary_table(&results));
    if results
        .iter()
        .any(|(_, o, _)| matches!(o, Outcome::Failed(_)))
    {
        bail!("at least one database could not be measured");
    }
    Ok(())
}

#[derive(Debug, Clone)]
struct Plan {
    orders: usize,
    concurrency: usize,
    reads: usize,
    shops: i64,
    callgrind: bool,
    /// Where PostgreSQL listens (on 127.0.0.1).
    postgres_port: u16,
    /// The PostgreSQL database under test, whose rows the measured orders wrote are counted.
    database: Option<String>,
}

#[derive(Debug)]
enum Outcome {
    Measured(Box<Report>),
    Skipped(String),
    Failed(String),
}

#[derive(Debug)]
struct Report {
    orders: Stats,
    menu: Stats,
    /// With `--callgrind`: instructions per order and per read, and where they went.
    instructions: Option<Instructions>,
}

/// What callgrind counted in the server during the measured runs.
#[derive(Debug)]
struct Instructions {
    per_order: f64,
    per_read: f64,
    /// `callgrind_annotate`'s list of the functions that executed the most, for each run.
    orders_profile: String,
    menu_profile: String,
}

/// The results of one load run.
#[derive(Debug)]
struct Stats {
    /// Latency of every request (successful or not), sorted.
    latencies: Vec<Duration>,
    ok: usize,
    errors: usize,
    first_error: Option<String>,
    wall: Duration,
    /// How busy the whole machine's CPUs were during the run, in percent (Linux only).
    cpu_busy: Option<f64>,
    /// The part of that used by anything but the client, the server and PostgreSQL.
    cpu_other: Option<f64>,
    /// The part of the machine's CPU time the hypervisor gave to other guests, in percent.
    steal: Option<f64>,
    /// CPU time (user and system) the server process used during the run.
    server_cpu: Option<Duration>,
    /// CPU time the load generator (this process) and PostgreSQL's processes used.
    load_and_database_cpu: Option<(Duration, Duration)>,
}

impl Stats {
    fn per_second(&self) -> f64 {
        count(self.ok) / self.wall.as_secs_f64()
    }

    /// Nearest-rank percentile (`percent` of 100) in milliseconds.
    fn percentile_ms(&self, percent: usize) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let n = self.latencies.len();
        let rank = (n * percent).div_ceil(100).clamp(1, n);
        ms(self.latencies[rank - 1])
    }

    fn max_ms(&self) -> f64 {
        self.latencies.last().map_or(f64::NAN, |d| ms(*d))
    }

    /// The server's CPU time per successful request, in microseconds.
    fn server_us_per_request(&self) -> Option<f64> {
        self.us_per_request(self.server_cpu?)
    }

    fn us_per_request(&self, cpu: Duration) -> Option<f64> {
        (self.ok > 0).then(|| cpu.as_secs_f64() * 1e6 / count(self.ok))
    }

    /// The CPU time per successful request of PostgreSQL's processes and of the load
    /// generator, in microseconds, as printed.
    fn others_per_request(&self) -> String {
        match self.load_and_database_cpu {
            Some((load, database)) => format!(
                "PostgreSQL {} µs, load generator {} µs",
                micros(self.us_per_request(database)),
                micros(self.us_per_request(load))
            ),
            None => "others not measured".to_owned(),
        }
    }
}

/// Cumulative CPU time of the whole machine (first line of `/proc/stat`) and of the
/// benchmark's own processes (this one, the server, PostgreSQL), in clock ticks.
#[derive(Debug, Clone, Copy)]
struct CpuTimes {
    busy: u64,
    total: u64,
    steal: u64,
    ours: u64,
    server: Option<u64>,
    /// This process: the load generator.
    load: u64,
    /// Every `postgres` process.
    database: u64,
}

impl CpuTimes {
    fn now(server: Option<u32>) -> Option<CpuTimes> {
        let cpu = crate::host::cpu_counters()?;
        let (load, server_ticks, database) = own_ticks(server);
        Some(CpuTimes {
            busy: cpu.busy,
            total: cpu.total,
            steal: cpu.steal,
            ours: load + server_ticks + database,
            server: server.and_then(process_ticks),
            load,
            database,
        })
    }

    /// CPU time the load generator and PostgreSQL used between `self` and `later`.
    fn load_and_database_time(&self, later: &CpuTimes) -> (Duration, Duration) {
        let time = |ticks: u64| Duration::from_secs_f64(ratio(ticks, clock_ticks_per_second()));
        (
            time(later.load.saturating_sub(self.load)),
            time(later.database.saturating_sub(self.database)),
        )
    }

    /// Percent of CPU time the hypervisor gave to other guests between `self` and `later`.
    fn steal_percent(&self, later: &CpuTimes) -> f64 {
        let total = later.total.saturating_sub(self.total).max(1);
        ratio(later.steal.saturating_sub(self.steal), total) * 100.0
    }

    /// CPU time the server used between `self` and `later`.
    fn server_time(&self, later: &CpuTimes) -> Option<Duration> {
        let ticks = later.server?.saturating_sub(self.server?);
        Some(Duration::from_secs_f64(ratio(
            ticks,
            clock_ticks_per_second(),
        )))
    }

    /// Percent of CPU time spent busy between `self` and `later`.
    fn busy_percent(&self, later: &CpuTimes) -> f64 {
        let total = later.total.saturating_sub(self.total).max(1);
        let busy = later.busy.saturating_sub(self.busy);
        ratio(busy, total) * 100.0
    }

    /// Percent of CPU time used by anything else (other processes, the hypervisor's steal)
    /// between `self` and `later`.
    fn other_percent(&self, later: &CpuTimes) -> f64 {
        let total = later.total.saturating_sub(self.total).max(1);
        let busy = later.busy.saturating_sub(self.busy);
        let ours = later.ours.saturating_sub(self.ours);
        ratio(busy.saturating_sub(ours), total) * 100.0
    }
}

/// `sysconf(_SC_CLK_TCK)`, the unit of `/proc/<pid>/stat`'s times (100 on Linux).
fn clock_ticks_per_second() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100)
    })
}

/// User and system CPU ticks used so far by process `pid` (fields 14 and 15 of its stat).
fn process_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok());
    Some(ticks(11)? + ticks(12)?)
}

/// CPU ticks used so far by this process, the server and every `postgres` process.
fn own_ticks(server: Option<u32>) -> (u64, u64, u64) {
    let me = std::process::id();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return (0, 0, 0);
    };
    let (mut load, mut server_ticks, mut database) = (0, 0, 0);
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state … utime stime …`: utime and stime are fields 14 and 15.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let comm = head.split_once('(').map_or("", |(_, c)| c);
        let sum = if pid == me {
            &mut load
        } else if Some(pid) == server {
            &mut server_ticks
        } else if comm == "postgres" {
            &mut database
        } else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok());
        *sum += ticks(11).unwrap_or(0) + ticks(12).unwrap_or(0);
    }
    (load, server_ticks, database)
}

/// Measures how busy the machine is before a run; waits (up to [`QUIET_WAIT`]) for other work
/// to finish, and warns when it did not, since it competes with the benchmark for the CPUs.
fn machine_load_before_run() -> Option<f64> {
    let sample = || -> Option<f64> {
        let before = CpuTimes::now(None)?;
        std::thread::sleep(Duration::from_secs(1));
        Some(before.busy_percent(&CpuTimes::now(None)?))
    };
    let start = Instant::now();
    let mut busy = sample()?;
    if busy > BUSY_WARNING_PERCENT {
        println!(
            "the machine is {busy:.0}% busy: waiting up to {} s for other work to finish",
            QUIET_WAIT.as_secs()
        );
        while busy > BUSY_WARNING_PERCENT && start.elapsed() < QUIET_WAIT {
            busy = sample()?;
        }
    }
    if busy > BUSY_WARNING_PERCENT {
        println!(
            "\n!!!!!!!! WARNING: the machine is still {busy:.0}% busy before the run: other \
             processes compete for the CPUs and the numbers below will be too low !!!!!!!!\n"
        );
    } else {
        println!("machine idle before the run ({busy:.0}% CPU busy)");
    }
    Some(busy)
}

#[allow(clippy::cast_precision_loss)]
fn ratio(a: u64, b: u64) -> f64 {
    a as f64 / b as f64
}

/// A count as a float (exact below 2^53, far beyond any benchmark size).
#[allow(clippy::cast_precision_loss)]
fn count(n: usize) -> f64 {
    n as f64
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn machine_context() -> String {
    let nproc = Command::new("nproc")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .or_else(|| {
            std::thread::available_parallelism()
                .ok()
                .map(|n| n.to_string())
        })
        .unwrap_or_else(|| "?".into());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    format!("nproc: {nproc}\nCPU:   {cpu}\n{}", crate::host::wake_ups())
}

/// A PostgreSQL database dropped (forcibly) on drop.
#[derive(Debug)]
struct BenchDatabase {
    port: u16,
    name: String,
}

impl Drop for BenchDatabase {
    fn drop(&mut self) {
        if let Err(e) = psql(
            self.port,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        ) {
            eprintln!("warning: could not drop database {}: {e:#}", self.name);
        }
    }
}

/// Runs one SQL statement as `postgres` on the local server listening on `port` (trust
/// authentication).
fn psql(port: u16, sql: &str) -> anyhow::Result<()> {
    psql_in(port, "postgres", sql).map(drop)
}

/// Runs one SQL statement in `database`; its rows, unaligned (`a|b` per line).
fn psql_in(port: u16, database: &str, sql: &str) -> anyhow::Result<String> {
    let out = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "postgres",
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-X",
            "-q",
            "-A",
            "-t",
            "-c",
            sql,
        ])
        .stdin(Stdio::null())
        .output()
        .context("running psql (is the PostgreSQL client installed?)")?;
    if !out.status.success() {
        bail!(
            "psql -c {sql:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The tables an order writes rows to, as [`written_rows`] and [`index_entries`] count them
/// (`order_reservations` in builds before migration 0021, which moved them onto the orders).
const WRITTEN: [&str; 6] = [
    "orders",
    "order_lines",
    "order_reservations",
    "stock_ledger",
    "events",
    "audit_log",
];

/// Rows of the [`WRITTEN`] tables in `database`, with the events of the menu streams after
/// the events.
fn written_rows(port: u16, database: &str) -> anyhow::Result<Vec<(String, i64)>> {
    let present = psql_in(
        port,
        database,
        "SELECT 0, tablename FROM pg_tables WHERE schemaname = current_schema()",
    )?;
    let present: Vec<&str> = present
        .lines()
        .filter_map(|l| l.split('|').nth(1))
        .map(str::trim)
        .collect();
    let mut counts: Vec<String> = Vec::new();
    for table in WRITTEN.into_iter().filter(|t| present.contains(t)) {
        let i = counts.len();
        counts.push(format!(
            "SELECT {i} AS i, '{table}' AS t, COUNT(*) FROM {table}"
        ));
        if table == "events" {
            let i = counts.len();
            counts.push(format!(
                "SELECT {i}, 'of which menu', COUNT(*) FROM events WHERE stream LIKE 'shop:%:menu'"
            ));
        }
    }
    let sql = format!(
        "SELECT * FROM ({}) AS counts ORDER BY i",
        counts.join(" UNION ALL ")
    );
    psql_in(port, database, &sql)?
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut fields = l.split('|').skip(1);
            let (Some(table), Some(n)) = (fields.next(), fields.next()) else {
                bail!("not a row of counts: {l}");
            };
            Ok((table.to_owned(), n.trim().parse()?))
        })
        .collect()
}

/// Entries in the indexes of the [`WRITTEN`] tables, table by table: each index's rows, those
/// its predicate holds for when it is partial.
fn index_entries(port: u16, database: &str) -> anyhow::Result<Vec<(String, i64)>> {
    let tables = WRITTEN.map(|t| format!("'{t}'")).join(", ");
    let indexes = psql_in(
        port,
        database,
        &format!(
            "SELECT c.relname, COALESCE(pg_get_expr(i.indpred, i.indrelid), 'true') \
             FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid \
             WHERE c.relname IN ({tables}) ORDER BY c.relname"
        ),
    )?;
    let counts: Vec<String> = indexes
        .lines()
        .filter_map(|l| l.split_once('|'))
        .map(|(table, predicate)| {
            format!("SELECT '{table}', COUNT(*) FROM {table} WHERE {predicate}")
        })
        .collect();
    // The tables that have indexes, which every table of [`WRITTEN`] has when it exists.
    let mut entries: Vec<(String, i64)> = WRITTEN
        .iter()
        .filter(|t| indexes.lines().any(|l| l.split('|').next() == Some(**t)))
        .map(|t| ((*t).to_owned(), 0))
        .collect();
    for line in psql_in(port, database, &counts.join(" UNION ALL "))?.lines() {
        let Some((table, n)) = line.split_once('|') else {
            continue;
        };
        if let Some(slot) = entries.iter_mut().find(|(t, _)| t == table) {
            slot.1 += n.trim().parse::<i64>()?;
        }
    }
    Ok(entries)
}

/// Prints what was written per order between two counts of [`written_rows`] (or of
/// [`index_entries`]): the work each order gives the database, the same on any machine.
fn print_written(what: &str, before: &[(String, i64)], after: &[(String, i64)], orders: usize) {
    let per_order: Vec<String> = before
        .iter()
        .zip(after)
        .map(|((table, b), (_, a))| format!("{table} {:.2}", (a - b) as f64 / count(orders.max(1))))
        .collect();
    // A part ("of which …") is already in its table's count.
    let sum = |counts: &[(String, i64)]| -> i64 {
        counts
            .iter()
            .filter(|(t, _)| !t.starts_with("of which"))
            .map(|(_, n)| n)
            .sum()
    };
    let total = sum(after) - sum(before);
    println!(
        "{what} per order: {:.2} ({})",
        total as f64 / count(orders.max(1)),
        per_order.join(", ")
    );
}

/// `pg_stat_statements` in the database under test, when the server loads it: what each
/// statement the orders sent cost PostgreSQL.
struct Statements {
    port: u16,
    database: String,
}

/// The statements that took the most of PostgreSQL's time (the same statement with more or
/// fewer rows counted as one, by its first words): calls, rows, milliseconds executing
/// (waits for locks included) and planning, and the words.
const TOP_STATEMENTS: &str = "\
SELECT SUM(calls), SUM(rows), round(SUM(total_exec_time)::numeric, 1), \
round(SUM(total_plan_time)::numeric, 1), words FROM ( \
SELECT calls, rows, total_exec_time, total_plan_time, \
left(regexp_replace(query, '\\s+', ' ', 'g'), 72) AS words FROM pg_stat_statements \
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())) AS s \
GROUP BY words ORDER BY SUM(total_exec_time) DESC LIMIT 16";

impl Statements {
    /// Clears the statistics, or `None` when the server does not collect them.
    fn reset(port: u16, database: &str) -> anyhow::Result<Option<Statements>> {
        let loaded = psql_in(port, database, "SHOW shared_preload_libraries")?;
        if !loaded.contains("pg_stat_statements") {
            return Ok(None);
        }
        psql_in(
            port,
            database,
            "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()",
        )?;
        Ok(Some(Statements {
            port,
            database: database.to_owned(),
        }))
    }

    /// Prints the costliest statements per order placed.
    fn print(&self, orders: usize) -> anyhow::Result<()> {
        let per = count(orders.max(1));
        println!("statements (pg_stat_statements), per order: calls, rows, exec µs, plan µs");
        for line in psql_in(self.port, &self.database, TOP_STATEMENTS)?.lines() {
            let f: Vec<&str> = line.splitn(5, '|').collect();
            let [calls, rows, exec, plan, query] = f.as_slice() else {
                continue;
            };
            let num = |s: &str| s.trim().parse::<f64>().unwrap_or(0.0);
            println!(
                "  {:>6.3} {:>7.2} {:>8.1} {:>6.1}  {query}",
                num(calls) / per,
                num(rows) / per,
                num(exec) * 1000.0 / per,
                num(plan) * 1000.0 / per
            );
        }
        Ok(())
    }
}

fn bench_sqlite(
    runtime: &tokio::runtime::Runtime,
    binary: &Path,
    plan: &Plan,
) -> anyhow::Result<Outcome> {
    let scratch = ScratchDir::new("sqlite")?;
    let data = scratch.0.join("data");
    println!("OCPIZZA_DATA_DIR={}", data.display());
    let env = [("OCPIZZA_DATA_DIR", data.display().to_string())];
    let mut server = start(binary, &env, &scratch, plan)?;
    let report = runtime.block_on(measure(&mut server, plan, &scratch.0));
    drop(server);
    drop(scratch);
    report.map(|r| Outcome::Measured(Box::new(r)))
}

fn bench_postgres(
    runtime: &tokio::runtime::Runtime,
    binary: &Path,
    plan: &Plan,
) -> anyhow::Result<Outcome> {
    let name = format!("ocpizza_bench_{}", std::process::id());
    let port = plan.postgres_port;
    if let Err(e) = psql(
        port,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .and_then(|()| psql(port, &format!("CREATE DATABASE {name}")))
    {
        return Ok(Outcome::Skipped(format!("{e:#}")));
    }
    let database = BenchDatabase { port, name };
    let url = format!("postgres://postgres@127.0.0.1:{port}/{}", database.name);
    println!("DATABASE_URL={url}");
    let env = [("DATABASE_URL", url)];

    let seed = ocpizza_command(binary, &env)
        .args(["seed", "--demo"])
        .output()
        .context("running ocpizza seed --demo")?;
    if !seed.status.success() {
        bail!(
            "ocpizza seed --demo failed ({}): {}{}",
            seed.status,
            String::from_utf8_lossy(&seed.stdout).trim(),
            String::from_utf8_lossy(&seed.stderr).trim()
        );
    }
    println!("{}", String::from_utf8_lossy(&seed.stdout).trim());

    let scratch = ScratchDir::new("postgres")?;
    let plan = Plan {
        database: Some(database.name.clone()),
        ..plan.clone()
    };
    let mut server = start(binary, &env, &scratch, &plan)?;
    let report = runtime.block_on(measure(&mut server, &plan, &scratch.0));
    drop(server);
    drop(database);
    drop(scratch);
    report.map(|r| Outcome::Measured(Box::new(r)))
}

/// Starts the server (under callgrind, instruments off, with `--callgrind`), its files in
/// `scratch`.
fn start(
    binary: &Path,
    env: &[(&str, String)],
    scratch: &ScratchDir,
    plan: &Plan,
) -> anyhow::Result<Server> {
    let under: Vec<String> = if plan.callgrind {
        vec![
            "valgrind".into(),
            "--tool=callgrind".into(),
            "--instr-atstart=no".into(),
            format!(
                "--callgrind-out-file={}",
                scratch.0.join(CALLGRIND_OUT).display()
            ),
        ]
    } else {
        Vec::new()
    };
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], free_port()?));
    start_server_under(&under, binary, env, scratch.0.join("server.log"), addr)
}

/// Everything measured against one running server (whose files are in `scratch`).
async fn measure(server: &mut Server, plan: &Plan, scratch: &Path) -> anyhow::Result<Report> {
    wait_ready(server).await?;
    let result = measure_ready(server, plan, scratch).await;
    if let Ok(Some(status)) = server.child.try_wait() {
        bail!(
            "the server exited ({status}) during the benchmark; last log lines:\n{}",
            log_tail(&server.log)
        );
    }
    result
}

async fn measure_ready(server: &Server, plan: &Plan, scratch: &Path) -> anyhow::Result<Report> {
    let base = server.base.as_str();
    let pid = server.child.id();
    let restock_rounds = (plan.orders + WARMUP_ORDERS).div_ceil(ORDERS_PER_RESTOCK_ROUND);
    for shop in 1..=plan.shops {
        make_stock_unlimited(base, shop, restock_rounds).await?;
    }

    let client: Arc<str> = server.addr.to_string().into();
    let orders = Load::Orders(plan.shops);
    let menu = Load::Menu;

    println!("warm-up: {WARMUP_ORDERS} orders");
    let warm = run_load(&client, &orders, WARMUP_ORDERS, plan.concurrency, pid).await;
    if warm.errors > 0 {
        println!(
            "warning: {} of {WARMUP_ORDERS} warm-up orders failed; first: {}",
            warm.errors,
            warm.first_error.as_deref().unwrap_or("?")
        );
    }
    if let Some(database) = &plan.database {
        // Statistics, as a database in service has them (autovacuum gathers them within a
        // minute of a table's growth): without, the planner takes the tables, filled seconds
        // ago, for nearly empty, and may plan a scan of every waiting order where an index
        // finds one phone's.
        psql_in(plan.postgres_port, database, "ANALYZE")?;
    }
    println!(
        "measuring: {} orders over {} shop(s), {} concurrent clients",
        plan.orders, plan.shops, plan.concurrency
    );
    let counting = plan.callgrind.then(|| Callgrind {
        pid,
        out: scratch.join(CALLGRIND_OUT),
    });
    if let Some(c) = &counting {
        c.control(&["--instr=on"])?;
    }
    let port = plan.postgres_port;
    let rows_before = plan
        .database
        .as_deref()
        .map(|d| anyhow::Ok((written_rows(port, d)?, index_entries(port, d)?)))
        .transpose()?;
    let statements = match &plan.database {
        Some(database) => Statements::reset(port, database)?,
        None => None,
    };
    let placed = run_load(&client, &orders, plan.orders, plan.concurrency, pid).await;
    if let Some(e) = &placed.first_error {
        println!("first order error: {e}");
    }
    if let (Some(database), Some((rows, entries))) = (&plan.database, rows_before) {
        print_written(
            "rows written",
            &rows,
            &written_rows(port, database)?,
            placed.ok,
        );
        let now = index_entries(port, database)?;
        print_written("index entries written", &entries, &now, placed.ok);
    }
    if let Some(statements) = statements {
        statements.print(placed.ok)?;
    }
    let orders_counted = match &counting {
        Some(c) => Some(c.dump_and_stop("orders")?),
        None => None,
    };

    let _ = run_load(&client, &menu, WARMUP_READS, plan.concurrency, pid).await;
    println!(
        "measuring: {} menu reads, {} concurrent clients",
        plan.reads, plan.concurrency
    );
    if let Some(c) = &counting {
        c.control(&["--zero"])?;
        c.control(&["--instr=on"])?;
    }
    let read = run_load(&client, &menu, plan.reads, plan.concurrency, pid).await;
    if let Some(e) = &read.first_error {
        println!("first menu error: {e}");
    }
    let instructions = match (&counting, orders_counted) {
        (Some(c), Some((orders_ir, orders_profile))) => {
            let (reads_ir, menu_profile) = c.dump_and_stop("menu-reads")?;
            Some(Instructions {
                per_order: orders_ir as f64 / count(placed.ok.max(1)),
                per_read: reads_ir as f64 / count(read.ok.max(1)),
                orders_profile,
                menu_profile,
            })
        }
        _ => None,
    };
    Ok(Report {
        orders: placed,
        menu: read,
        instructions,
    })
}

/// Where callgrind writes its counts (dumps get `.1`, `.2`, … appended).
const CALLGRIND_OUT: &str = "callgrind.out";

/// The server running under callgrind.
struct Callgrind {
    pid: u32,
    out: std::path::PathBuf,
}

impl Callgrind {
    fn control(&self, args: &[&str]) -> anyhow::Result<()> {
        let done = Command::new("callgrind_control")
            .args(args)
            .arg(self.pid.to_string())
            .stdout(Stdio::null())
            .status()
            .context("running callgrind_control (Debian package valgrind)")?;
        if !done.success() {
            bail!("callgrind_control {} failed ({done})", args.join(" "));
        }
        Ok(())
    }

    /// Writes the counts since the last dump or zeroing, stops counting, and returns the
    /// instructions executed and the functions that executed the most.
    fn dump_and_stop(&self, name: &str) -> anyhow::Result<(u64, String)> {
        let dir = self.out.parent().context("callgrind's folder")?;
        let before = dumps(dir)?.len();
        self.control(&["--dump"])?;
        self.control(&["--instr=off"])?;
        let deadline = Instant::now() + Duration::from_mins(1);
        let file = loop {
            let files = dumps(dir)?;
            if files.len() > before {
                break files.last().cloned().context("a dump")?;
            }
            if Instant::now() > deadline {
                bail!("callgrind wrote no dump in {}", dir.display());
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        // The dump is complete once its totals line is written.
        let text = loop {
            let text = std::fs::read_to_string(&file)?;
            if text.lines().any(|l| l.starts_with("totals:")) || Instant::now() > deadline {
                break text;
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        let total = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("totals:")
                    .or_else(|| l.strip_prefix("summary:"))
            })
            .and_then(|n| n.split_whitespace().next()?.parse::<u64>().ok())
            .with_context(|| format!("no instruction total in {}", file.display()))?;
        // Kept for a closer look (`callgrind_annotate --inclusive=yes --tree=caller FILE`).
        let kept = workspace_root()
            .join("target")
            .join("callgrind")
            .join(format!("{}-{name}.out", self.pid));
        std::fs::create_dir_all(kept.parent().context("target/callgrind")?)?;
        std::fs::copy(&file, &kept).with_context(|| format!("keeping {}", kept.display()))?;
        println!("callgrind counts of the {name} kept in {}", kept.display());
        let annotated = Command::new("callgrind_annotate")
            .arg(&file)
            .output()
            .context("running callgrind_annotate")?;
        let profile = String::from_utf8_lossy(&annotated.stdout)
            .lines()
            .skip_while(|l| !l.trim_start().starts_with("Ir"))
            .skip(2)
            .take(25)
            .collect::<Vec<_>>()
            .join("\n");
        Ok((total, profile))
    }
}

/// Callgrind's dumps in `dir` (`callgrind.out.1`, …), in the order they were written.
fn dumps(dir: &Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let mut found: Vec<(u64, std::path::PathBuf)> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let n = name
                .strip_prefix(&format!("{CALLGRIND_OUT}."))?
                .parse()
                .ok()?;
            Some((n, e.path()))
        })
        .collect();
    found.sort();
    Ok(found.into_iter().map(|(_, p)| p).collect())
}

/// Logs in as the demo admin, opens `shop` around the clock and restocks every ingredient of
/// it `rounds` times.
async fn make_stock_unlimited(base: &str, shop: i64, rounds: usize) -> anyhow::Result<()> {
    let admin = reqwest::Client::builder()
        .cookie_store(true)
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let r = admin
        .post(format!("{base}/api/v1/auth/login"))
        .header(CONTENT_TYPE, "application/json")
        .body(ADMIN_LOGIN)
        .send()
        .await
        .context("POST /api/v1/auth/login")?;
    let status = r.status();
    if !status.is_success() {
        bail!(
            "admin login: {status} {}",
            r.text().await.unwrap_or_default()
        );
    }
    // Open around the clock, so that the measure does not depend on the hour it runs at.
    let hours: Vec<serde_json::Value> = (1..=7)
        .map(|d| serde_json::json!({"weekday": d, "opens": "00:00", "closes": "24:00"}))
        .collect();
    let r = admin
        .patch(format!("{base}/api/v1/shops/{shop}"))
        .json(&serde_json::json!({ "hours": hours }))
        .send()
        .await
        .context("PATCH shop")?;
    if !r.status().is_success() {
        bail!(
            "PATCH /api/v1/shops/{shop} (opening hours): {} {}",
            r.status(),
            r.text().await.unwrap_or_default()
        );
    }
    let r = admin
        .get(format!("{base}/api/v1/shops/{shop}/stock"))
        .send()
        .await
        .context("GET stock")?;
    let status = r.status();
    let text = r.text().await?;
    if status != StatusCode::OK {
        bail!("GET /api/v1/shops/{shop}/stock: {status} {text}");
    }
    let stock: serde_json::Value = serde_json::from_str(&text).context("GET stock: not JSON")?;
    let ids: Vec<i64> = stock["items"]
        .as_array()
        .context("GET stock: no `items` array")?
        .iter()
        .filter_map(|item| item["ingredient_id"].as_i64())
        .collect();
    if ids.is_empty() {
        bail!("GET /api/v1/shops/{shop}/stock lists no ingredient: {text}");
    }
    for _ in 0..rounds {
        for id in &ids {
            let body = serde_json::json!({
                "ingredient_id": id,
                "quantity": RESTOCK_QUANTITY,
                "reason": "benchmark",
            });
            let r = admin
                .post(format!("{base}/api/v1/shops/{shop}/stock/restock"))
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
        "shop {shop}: restocked {} ingredients with {} each",
        ids.len(),
        group_digits(RESTOCK_QUANTITY * rounds as i64)
    );
    Ok(())
}

/// What the workers send.
#[derive(Debug, Clone, Copy)]
enum Load {
    /// `POST /api/v1/orders`, expecting 201, spread round robin over shops 1 to N.
    Orders(i64),
    /// `GET /api/v1/shops/1/menu`, expecting 200.
    Menu,
}

impl Load {
    /// Request number `n`, for the server at `host`, and the status it should get.
    fn request(self, host: &str, n: usize) -> (hyper::Request<Full<Bytes>>, StatusCode) {
        let (builder, body, expected) = match self {
            Load::Orders(shops) => (
                hyper::Request::post("/api/v1/orders").header(CONTENT_TYPE, "application/json"),
                Bytes::from(order_body(1 + (n as i64) % shops, n)),
                StatusCode::CREATED,
            ),
            Load::Menu => (
                hyper::Request::get(format!("/api/v1/shops/{SHOP}/menu")),
                Bytes::new(),
                StatusCode::OK,
            ),
        };
        let request = builder
            .header(hyper::header::HOST, host)
            .body(Full::new(body))
            .expect("a request made of constants");
        (request, expected)
    }
}

/// One client's keep-alive HTTP/1.1 connection to the server.
struct Connection {
    send: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
}

impl Connection {
    async fn open(host: &str) -> Result<Connection, String> {
        let stream = tokio::net::TcpStream::connect(host)
            .await
            .map_err(|e| format!("connecting to {host}: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let (send, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| format!("HTTP/1.1 handshake: {e}"))?;
        tokio::spawn(connection);
        Ok(Connection { send })
    }

    /// Sends request number `n` of `load` (on a new connection if the last one broke) and
    /// reads the whole answer.
    async fn once(
        slot: &mut Option<Connection>,
        host: &str,
        load: Load,
        n: usize,
    ) -> Result<(), String> {
        let conn = match slot {
            Some(c) if !c.send.is_closed() => c,
            _ => slot.insert(Connection::open(host).await?),
        };
        let (request, expected) = load.request(host, n);
        let exchange = async {
            conn.send.ready().await.map_err(|e| e.to_string())?;
            let response = conn
                .send
                .send_request(request)
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| e.to_string())?
                .to_bytes();
            Ok::<_, String>((status, body))
        };
        let result = match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
            Ok(result) => result,
            Err(_) => Err(format!("no answer within {} s", REQUEST_TIMEOUT.as_secs())),
        };
        match result {
            Ok((status, _)) if status == expected => Ok(()),
            Ok((status, body)) => Err(format!("{status}: {}", String::from_utf8_lossy(&body))),
            Err(e) => {
                *slot = None;
                Err(e)
            }
        }
    }
}

/// Sends `total` requests from `concurrency` tasks pulling from a shared counter.
async fn run_load(
    host: &Arc<str>,
    load: &Load,
    total: usize,
    concurrency: usize,
    server_pid: u32,
) -> Stats {
    let next = Arc::new(AtomicUsize::new(0));
    let cpu_before = CpuTimes::now(Some(server_pid));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency.min(total) {
        let host = host.clone();
        let load = *load;
        let next = Arc::clone(&next);
        tasks.push(tokio::spawn(async move {
            let mut connection = None;
            let mut latencies = Vec::with_capacity(total / concurrency + 1);
            let mut errors = 0usize;
            let mut first_error = None;
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    break;
                }
                let t = Instant::now();
                let result = Connection::once(&mut connection, &host, load, n).await;
                latencies.push(t.elapsed());
                if let Err(e) = result {
                    errors += 1;
                    first_error.get_or_insert(e);
                }
            }
            (latencies, errors, first_error)
        }));
    }
    let mut stats = Stats {
        latencies: Vec::with_capacity(total),
        ok: 0,
        errors: 0,
        first_error: None,
        wall: Duration::ZERO,
        cpu_busy: None,
        cpu_other: None,
        steal: None,
        server_cpu: None,
        load_and_database_cpu: None,
    };
    for task in tasks {
        match task.await {
            Ok((latencies, errors, first_error)) => {
                stats.latencies.extend(latencies);
                stats.errors += errors;
                if stats.first_error.is_none() {
                    stats.first_error = first_error;
                }
            }
            Err(e) => {
                stats.errors += 1;
                stats
                    .first_error
                    .get_or_insert_with(|| format!("worker failed: {e}"));
            }
        }
    }
    stats.wall = start.elapsed();
    if let Some((a, b)) = cpu_before.zip(CpuTimes::now(Some(server_pid))) {
        stats.cpu_busy = Some(a.busy_percent(&b));
        stats.cpu_other = Some(a.other_percent(&b));
        stats.steal = Some(a.steal_percent(&b));
        stats.server_cpu = a.server_time(&b);
        stats.load_and_database_cpu = Some(a.load_and_database_time(&b));
    }
    stats.ok = stats.latencies.len().saturating_sub(stats.errors);
    stats.latencies.sort_unstable();
    stats
}

fn print_one(r: &Report) {
    let o = &r.orders;
    println!(
        "orders: {:.0}/s  p50 {:.1} ms  p90 {:.1} ms  p99 {:.1} ms  max {:.1} ms  errors {}  \
         ({} in {:.2} s; server CPU {} µs per order ({}); CPU {}% busy, {}% by other \
         processes, {}% stolen)",
        o.per_second(),
        o.percentile_ms(50),
        o.percentile_ms(90),
        o.percentile_ms(99),
        o.max_ms(),
        o.errors,
        o.ok,
        o.wall.as_secs_f64(),
        micros(o.server_us_per_request()),
        o.others_per_request(),
        percent(o.cpu_busy),
        percent(o.cpu_other),
        percent(o.steal)
    );
    let m = &r.menu;
    println!(
        "menu:   {:.0}/s  p50 {:.1} ms  p99 {:.1} ms  errors {}  \
         (server CPU {} µs per read; CPU {}% busy, {}% by other processes, {}% stolen)",
        m.per_second(),
        m.percentile_ms(50),
        m.percentile_ms(99),
        m.errors,
        micros(m.server_us_per_request()),
        percent(m.cpu_busy),
        percent(m.cpu_other),
        percent(m.steal)
    );
    if let Some(i) = &r.instructions {
        println!(
            "callgrind: {} instructions per order placed, {} per menu read (the whole server \
             process: handlers, database driver, SQLite, background tasks)",
            group_digits(i.per_order.round() as i64),
            group_digits(i.per_read.round() as i64)
        );
        println!(
            "\nwhere the orders' instructions went (self cost):\n{}",
            i.orders_profile
        );
        println!(
            "\nwhere the menu reads' instructions went (self cost):\n{}",
            i.menu_profile
        );
    }
}

fn summary_table(results: &[(Backend, Outcome, Option<f64>)]) -> String {
    const HEADER: [&str; 14] = [
        "Database",
        "orders/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "errors",
        "CPU %",
        "steal %",
        "server µs/order",
        "menu reads/s",
        "menu p50 ms",
        "menu p99 ms",
        "server µs/read",
    ];
    let mut rows: Vec<Vec<String>> = vec![HEADER.iter().map(|s| (*s).to_owned()).collect()];
    for (backend, outcome, _) in results {
        let mut row = vec![backend.name().to_owned()];
        match outcome {
            Outcome::Measured(r) => {
                let (o, m) = (&r.orders, &r.menu);
                row.extend([
                    format!("{:.0}", o.per_second()),
                    format!("{:.1}", o.percentile_ms(50)),
                    format!("{:.1}", o.percentile_ms(90)),
                    format!("{:.1}", o.percentile_ms(99)),
                    format!("{:.1}", o.max_ms()),
                    o.errors.to_string(),
                    percent(o.cpu_busy),
                    percent(o.steal),
                    micros(o.server_us_per_request()),
                    format!("{:.0}", m.per_second()),
                    format!("{:.1}", m.percentile_ms(50)),
                    format!("{:.1}", m.percentile_ms(99)),
                    micros(m.server_us_per_request()),
                ]);
            }
            Outcome::Skipped(_) => row.push("SKIPPED".into()),
            Outcome::Failed(_) => row.push("FAILED".into()),
        }
        rows.push(row);
    }
    let mut out = crate::host::table(&rows);
    out.push_str(
        "\nCPU %: how busy both CPUs of the machine were (server, database, load generator and \
         anything else) while orders were placed; steal %: the part of the machine's CPU time \
         the hypervisor gave to other guests meanwhile; server µs: the server process's CPU \
         time (user and system, database excluded) per request.\n",
    );
    for (backend, outcome, busy) in results {
        if let Some(busy) = busy.filter(|b| *b > BUSY_WARNING_PERCENT) {
            let _ = writeln!(
                out,
                "WARNING: {} ran on a machine already {busy:.0}% busy: its numbers are too low.",
                backend.name()
            );
        }
        if let Outcome::Measured(r) = outcome {
            for (what, stats) in [("orders", &r.orders), ("menu reads", &r.menu)] {
                if let Some(other) = stats.cpu_other.filter(|o| *o > OTHER_WARNING_PERCENT) {
                    let _ = writeln!(
                        out,
                        "WARNING: other processes used {other:.0}% of the CPUs during the {} {what} \
                         run: its numbers are too low.",
                        backend.name()
                    );
                }
            }
        }
    }
    out
}

fn micros(us: Option<f64>) -> String {
    us.map_or_else(|| "?".into(), |us| format!("{us:.0}"))
}

fn percent(p: Option<f64>) -> String {
    p.map_or_else(|| "?".into(), |p| format!("{p:.0}"))
}

fn group_digits(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}
