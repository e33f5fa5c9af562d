//! The server process and the machine: Redis target, resident memory, open files, CPU use.

use super::{BUSY_WARNING_PERCENT, RELEASE_CHILD};
use crate::server::workspace_root;
use anyhow::{Context, bail};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Redis as given by `--redis-url`, checked to be on this machine.
#[derive(Debug, Clone)]
pub(super) struct RedisTarget {
    pub(super) url: String,
    pub(super) addr: SocketAddr,
}

impl RedisTarget {
    pub(super) fn parse(url: &str) -> anyhow::Result<RedisTarget> {
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
    pub(super) async fn ping(&self) -> anyhow::Result<()> {
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
pub(super) fn rerun_optimised() -> anyhow::Result<()> {
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
pub(super) fn server_warnings(path: &Path) -> Vec<String> {
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

pub(super) fn vm_rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS in /proc/PID/status")
}

pub(super) fn fd_count(pid: u32) -> Option<usize> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .ok()
        .map(Iterator::count)
}

pub(super) fn kib_text(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// CPU time of the server, of this process and of the whole machine at one instant.
#[derive(Debug, Clone, Copy)]
pub(super) struct CpuSample {
    at: Instant,
    server_ticks: u64,
    /// The server's live threads (`ocpizza-live*`), which write the deliveries.
    live_ticks: u64,
    /// Times the server's threads, and its live threads among them, were switched out.
    switches: Switches,
    own_ticks: u64,
    pub(super) machine_busy: u64,
    machine_total: u64,
    /// Time the hypervisor gave this machine's CPUs to someone else.
    machine_steal: u64,
}

/// CPU use over a phase, in percent of one CPU (`ps` style: 200 = two CPUs busy).
#[derive(Debug, Clone, Copy)]
pub(super) struct CpuUse {
    pub(super) server: f64,
    /// The server's live threads alone (part of `server`): the hub's own share, without the
    /// orders' requests and database work.
    pub(super) live: f64,
    pub(super) bench: f64,
    /// Everything else (Redis, other processes).
    pub(super) others: f64,
    /// The whole machine, in percent of all its CPUs.
    pub(super) machine_busy: f64,
    /// CPU time taken by the hypervisor for other guests, in percent of all CPUs (counted in
    /// `machine_busy` and `others`): a run with much of it measured a slower machine.
    pub(super) steal: f64,
    /// Length of the measurement.
    pub(super) secs: f64,
    /// Times the server's threads other than the live ones were switched out (voluntarily or
    /// not): each is a wake-up or a preemption, dear on a virtual machine. Threads that ended
    /// during the measurement are not counted.
    pub(super) other_switches: u64,
}

/// Context switches of the server's threads, from `/proc/<pid>/task/*/status`.
#[derive(Debug, Clone, Copy, Default)]
struct Switches {
    all: u64,
    live: u64,
}

impl CpuSample {
    pub(super) fn take(server: u32) -> Option<CpuSample> {
        let cpu = crate::host::cpu_counters()?;
        Some(CpuSample {
            at: Instant::now(),
            server_ticks: process_ticks(&server.to_string())?,
            live_ticks: live_thread_ticks(server),
            switches: thread_switches(server),
            own_ticks: process_ticks("self")?,
            machine_busy: cpu.busy,
            machine_total: cpu.total,
            machine_steal: cpu.steal,
        })
    }

    pub(super) fn usage(&self, later: &CpuSample) -> CpuUse {
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
        let steal = later.machine_steal.saturating_sub(self.machine_steal) as f64;
        CpuUse {
            server,
            live: pct(later.live_ticks.saturating_sub(self.live_ticks)),
            bench,
            others: (machine_busy * cpus - server - bench).max(0.0),
            machine_busy,
            steal: steal / total * 100.0,
            secs,
            other_switches: (later.switches.all.saturating_sub(later.switches.live))
                .saturating_sub(self.switches.all.saturating_sub(self.switches.live)),
        }
    }
}

/// utime + stime of the server's live threads (named `ocpizza-live…`); 0 if it runs none.
fn live_thread_ticks(server: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{server}/task")) else {
        return 0;
    };
    tasks
        .flatten()
        .filter(|task| is_live_thread(&task.path()))
        .filter_map(|task| stat_ticks(&task.path().join("stat")))
        .sum()
}

/// Context switches of each of the server's threads, summed: all of them, and the live ones.
fn thread_switches(server: u32) -> Switches {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{server}/task")) else {
        return Switches::default();
    };
    let mut sum = Switches::default();
    for task in tasks.flatten() {
        let Ok(status) = std::fs::read_to_string(task.path().join("status")) else {
            continue;
        };
        let switches = status_switches(&status);
        sum.all += switches;
        if is_live_thread(&task.path()) {
            sum.live += switches;
        }
    }
    sum
}

/// Whether the thread at `/proc/<pid>/task/<tid>` is one of the server's live threads.
fn is_live_thread(task: &Path) -> bool {
    std::fs::read_to_string(task.join("comm")).is_ok_and(|name| name.starts_with("ocpizza-live"))
}

/// Voluntary plus involuntary context switches in a thread's `status` file.
fn status_switches(status: &str) -> u64 {
    status
        .lines()
        .filter(|line| line.contains("ctxt_switches:"))
        .filter_map(|line| line.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum()
}

/// utime + stime of `/proc/<pid>/stat`.
fn process_ticks(pid: &str) -> Option<u64> {
    stat_ticks(Path::new(&format!("/proc/{pid}/stat")))
}

/// utime + stime of a process's or a thread's `stat` file.
fn stat_ticks(path: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
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

pub(super) fn machine_context() -> String {
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
        "nproc:  {nproc}\nCPU:    {cpu}\nmemory: {memory}\nephemeral ports: {ports}\n{}\n\
         (server and load generator share these CPUs)",
        crate::host::wake_ups()
    )
}

/// Measures how busy the machine is for a second; warns when other work competes.
pub(super) fn machine_load_before_run() -> Option<f64> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_threads_switches_are_its_voluntary_and_involuntary_ones() {
        let status = "Name:\tsqlx-sqlite-wor\nState:\tS (sleeping)\nThreads:\t14\n\
                      voluntary_ctxt_switches:\t2037\nnonvoluntary_ctxt_switches:\t12\n";
        assert_eq!(status_switches(status), 2049);
        assert_eq!(status_switches("Name:\tgone\n"), 0);
    }

    #[test]
    fn this_process_is_counted_as_it_switches() {
        let me = std::process::id();
        let before = thread_switches(me);
        for _ in 0..5 {
            std::thread::sleep(Duration::from_millis(2));
        }
        let after = thread_switches(me);
        assert!(
            after.all >= before.all + 5,
            "{} switches before, {} after five sleeps",
            before.all,
            after.all
        );
        assert_eq!(after.live, 0, "no thread here is named ocpizza-live");
    }
}
