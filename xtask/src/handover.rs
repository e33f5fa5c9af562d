//! `cargo xtask handover`: updating the single instance of an embedded (SQLite) install
//! loses nothing and refuses nobody. The task plays systemd with `ocpizza.socket`: it holds
//! the listening socket and starts each server with it as fd 3 (`LISTEN_FDS`, `LISTEN_PID`),
//! then restarts as `systemctl restart` does (SIGTERM to the old process, wait for its exit,
//! start the new one on the same socket) under a steady load:
//!
//! - probes: `GET /api/v1/shops` every 20 ms, each on a new connection, so that a refusal
//!   would show, and each in a task of its own, so that they keep coming while the server is
//!   away;
//! - clients placing orders, each with its own `Idempotency-Key` retried until acknowledged;
//! - live WebSocket followers checking every stream's sequence, resuming with `since` when the
//!   old process closes them with 1012.
//!
//! Before that, `systemd-socket-activate` (systemd's own tool, no systemd as PID 1 needed)
//! checks that the server takes a socket from systemd's real code, started on demand by the
//! first connection, which waits for it.

use crate::faults::api::{Api, Clients, Ledger};
use crate::faults::live::{Live, Next, Sequences};
use crate::faults::slow::{STREAMS, heads};
use crate::server::{
    ScratchDir, Server, build_debug_server, free_port, log_tail, start_server_with_socket,
    wait_ready, workspace_root,
};
use anyhow::{Context, bail};
use reqwest::header::HeaderValue;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;
use tokio::time::Instant;

/// Longest the whole scenario may take.
const LIMIT: Duration = Duration::from_mins(3);
/// A probe starts this often, whether the earlier ones were answered or not.
const PROBE_EVERY: Duration = Duration::from_millis(20);
/// Fewest probes that must have been sent while the server was switching.
const MIN_DURING: usize = 5;
/// Longest a probe may wait for its answer (it may sit in the backlog during the switch).
const PROBE_TIMEOUT: Duration = Duration::from_secs(20);
/// Clients placing orders.
const ORDER_CLIENTS: usize = 3;
/// Load before the update, and after the new process is ready.
const STEADY: Duration = Duration::from_secs(2);
/// How long the followers may take to reach the streams' heads once the load stopped.
const CATCH_UP: Duration = Duration::from_secs(15);
/// The live followers: who, and which streams.
const FOLLOWERS: [(&str, &[&str]); 2] = [("cook", &["shop:1:orders"]), ("admin", &STREAMS)];

/// What the scenario checks.
pub const CHECKS: &str = "systemd-socket-activate holds a socket and starts the server on the \
    first connection, which is answered. Then, holding the listening socket as systemd does, \
    the task runs a server on it under load (probes on new connections, orders with \
    Idempotency-Keys, WebSocket followers) and updates it as `systemctl restart` with \
    ocpizza.socket would: SIGTERM, wait for the exit, start the new process on the same socket. \
    No connection is refused, no probe fails, every acknowledged order is stored once, the \
    followers are told 1012 and resume with `since`, getting every event once and in order.";

/// Options of `cargo xtask handover`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the checks; fails on the first that does not hold.
pub fn run(_args: &Args) -> anyhow::Result<()> {
    if Command::new("systemd-socket-activate")
        .arg("--version")
        .output()
        .is_err()
    {
        bail!("systemd-socket-activate is missing: apt-get install systemd");
    }
    let binary = build_debug_server(&workspace_root())?;
    println!("\n== handover\n{CHECKS}");
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        tokio::time::timeout(LIMIT, async {
            on_demand(&binary).await?;
            update(&binary).await
        })
        .await
        .with_context(|| format!("not done within {} s", LIMIT.as_secs()))?
    })?;
    println!("handover ok");
    Ok(())
}

/// The server's environment: its data folder.
fn env(scratch: &ScratchDir) -> Vec<(&'static str, String)> {
    vec![(
        "OCPIZZA_DATA_DIR",
        scratch.0.join("data").display().to_string(),
    )]
}

/// `systemd-socket-activate -l ADDR ocpizza serve`: the tool listens, and on the first
/// connection execs the server with the socket; that first request is answered.
async fn on_demand(binary: &Path) -> anyhow::Result<()> {
    let scratch = ScratchDir::new("handover-activate")?;
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()?));
    let log = scratch.0.join("server.log");
    let out = std::fs::File::create(&log)?;
    let mut cmd = Command::new("systemd-socket-activate");
    cmd.arg("-l").arg(addr.to_string());
    for (key, value) in env(&scratch) {
        cmd.arg("-E").arg(format!("{key}={value}"));
    }
    let child = cmd
        .args(["-E", "RUST_LOG=info"])
        .arg(binary)
        .args(["serve", "--bind", &addr.to_string()])
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out)
        .spawn()
        .context("running systemd-socket-activate (Debian package systemd)")?;
    let mut server = Server {
        child,
        addr,
        base: format!("http://{addr}"),
        log,
    };
    let start = Instant::now();
    let mut listening = false;
    while start.elapsed() < Duration::from_secs(10) && !listening {
        listening = std::fs::read_to_string(&server.log)
            .is_ok_and(|l| l.contains(&format!("Listening on {addr}")));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if !listening {
        bail!(
            "systemd-socket-activate is not listening on {addr}:\n{}",
            log_tail(&server.log)
        );
    }
    let sent = Instant::now();
    let answer = probe(addr).await;
    if !matches!(answer, Probe::Ok) {
        bail!(
            "the first request, which starts the server, got {answer:?}:\n{}",
            log_tail(&server.log)
        );
    }
    let log = std::fs::read_to_string(&server.log)?;
    if !log.contains("listening on the socket passed by systemd") {
        bail!("the server did not say it serves systemd's socket:\n{log}");
    }
    println!(
        "socket activation: the first request started the server and was answered after {:.1} s",
        sent.elapsed().as_secs_f64()
    );
    terminate(&mut server).await?;
    Ok(())
}

/// What one probe got.
#[derive(Debug)]
enum Probe {
    Ok,
    Refused,
    Failed(String),
}

/// `GET /api/v1/shops` on a new connection, `Connection: close`, read to the end.
async fn probe(addr: SocketAddr) -> Probe {
    let mut tcp = match tokio::net::TcpStream::connect(addr).await {
        Ok(tcp) => tcp,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => return Probe::Refused,
        Err(e) => return Probe::Failed(format!("connect: {e}")),
    };
    let request =
        format!("GET /api/v1/shops HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let exchange = async {
        tcp.write_all(request.as_bytes()).await?;
        let mut answer = Vec::new();
        tcp.read_to_end(&mut answer).await?;
        Ok::<_, std::io::Error>(answer)
    };
    match tokio::time::timeout(PROBE_TIMEOUT, exchange).await {
        Err(_) => Probe::Failed(format!("no answer within {} s", PROBE_TIMEOUT.as_secs())),
        Ok(Err(e)) => Probe::Failed(e.to_string()),
        Ok(Ok(answer)) if answer.starts_with(b"HTTP/1.1 200 ") => Probe::Ok,
        Ok(Ok(answer)) => Probe::Failed(format!(
            "answer {:?}",
            String::from_utf8_lossy(&answer[..answer.len().min(60)])
        )),
    }
}

/// Sends SIGTERM to `server` and waits for its exit, which must be clean; returns how long
/// it took.
async fn terminate(server: &mut Server) -> anyhow::Result<Duration> {
    let at = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()?;
    if !status.success() {
        bail!("kill -TERM {} failed", server.child.id());
    }
    loop {
        if let Some(status) = server.child.try_wait()? {
            if !status.success() {
                bail!(
                    "the server stopped with {status}:\n{}",
                    log_tail(&server.log)
                );
            }
            return Ok(at.elapsed());
        }
        if at.elapsed() > Duration::from_secs(30) {
            bail!("the server still runs 30 s after SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The probes' results: when each was sent and how long it waited, and what went wrong.
#[derive(Debug, Default)]
struct Probes {
    /// (sent, waited) of each answered probe.
    answered: Vec<(Instant, Duration)>,
    refused: usize,
    failed: Vec<String>,
}

/// Probes `addr` every [`PROBE_EVERY`] until `stop`, each probe in a task of its own: the
/// rate does not drop while the server is away, so connections pile up in the backlog then.
fn spawn_probes(addr: SocketAddr, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<Probes> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PROBE_EVERY);
        let mut tasks = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            tick.tick().await;
            tasks.push(tokio::spawn(async move {
                let sent = Instant::now();
                (sent, probe(addr).await, sent.elapsed())
            }));
        }
        let mut all = Probes::default();
        for task in tasks {
            match task.await {
                Ok((sent, Probe::Ok, waited)) => all.answered.push((sent, waited)),
                Ok((_, Probe::Refused, _)) => all.refused += 1,
                Ok((_, Probe::Failed(why), _)) => all.failed.push(why),
                Err(e) => all.failed.push(format!("probe task: {e}")),
            }
        }
        all
    })
}

/// What a live follower saw.
#[derive(Debug)]
struct Followed {
    who: &'static str,
    seen: Sequences,
    /// Close codes of the connections that ended, in order.
    closes: Vec<Option<u16>>,
    /// How long each resumption took, from the close to the subscriptions confirmed.
    resumes: Vec<Duration>,
    events: usize,
}

/// Subscribes to `streams` as `cookie`, from now on.
async fn subscribe(
    addr: SocketAddr,
    cookie: &HeaderValue,
    streams: &'static [&'static str],
) -> anyhow::Result<Live> {
    let from: Vec<(&str, Option<i64>)> = streams.iter().map(|s| (*s, None)).collect();
    Live::connect(addr, cookie, &from, None).await
}

/// Follows `streams` on `live` until every stream reached the heads sent on `heads`; after a
/// close, reconnects as `cookie` and resumes with `since` the last sequence seen.
async fn follow(
    addr: SocketAddr,
    mut live: Live,
    who: &'static str,
    cookie: HeaderValue,
    streams: &'static [&'static str],
    mut heads: watch::Receiver<Option<BTreeMap<String, i64>>>,
) -> anyhow::Result<Followed> {
    let mut followed = Followed {
        who,
        seen: Sequences::new(live.at.clone()),
        closes: Vec::new(),
        resumes: Vec::new(),
        events: 0,
    };
    loop {
        let target = heads.borrow_and_update().clone();
        if let Some(target) = target
            && target
                .iter()
                .filter(|(s, _)| streams.contains(&s.as_str()))
                .all(|(s, head)| followed.seen.last.get(s).is_some_and(|l| l >= head))
        {
            return Ok(followed);
        }
        let next = tokio::select! {
            next = live.next() => next?,
            _ = heads.changed() => continue,
        };
        match next {
            Next::Event {
                stream,
                seq,
                placed,
            } => {
                followed.seen.on(&stream, seq, placed);
                followed.events += 1;
            }
            Next::Closed(code) => {
                let closed = Instant::now();
                followed.closes.push(code);
                let since: Vec<(&str, Option<i64>)> = streams
                    .iter()
                    .map(|s| (*s, followed.seen.last.get(*s).copied()))
                    .collect();
                live = Live::connect(addr, &cookie, &since, None)
                    .await
                    .with_context(|| format!("{who} resuming after close {code:?}"))?;
                followed.resumes.push(closed.elapsed());
            }
        }
    }
}

/// The update under load.
async fn update(binary: &Path) -> anyhow::Result<()> {
    let scratch = ScratchDir::new("handover")?;
    let env = env(&scratch);
    // systemd's part: the socket, open for as long as the "unit" is.
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let socket = socket.listen(4096)?.into_std()?;
    let addr = socket.local_addr()?;
    let mut old = start_server_with_socket(binary, &env, scratch.0.join("old.log"), &socket)?;
    wait_ready(&mut old).await?;
    let api = Api::new(&old.base)?;
    let admin = api.login("admin").await?;
    api.restock(&admin, 1_000_000).await?;

    let (heads_tx, heads_rx) = watch::channel(None);
    let mut followers = Vec::new();
    for (who, streams) in FOLLOWERS {
        let cookie = api.login(who).await?;
        // Subscribed before the first order, so that every order is the followers' to see.
        let live = subscribe(addr, &cookie, streams).await?;
        followers.push(tokio::spawn(follow(
            addr,
            live,
            who,
            cookie,
            streams,
            heads_rx.clone(),
        )));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let probes = spawn_probes(addr, stop.clone());
    let deadline = Instant::now() + crate::faults::RETRY_LIMIT;
    let orders = Clients::spawn(ORDER_CLIENTS, |c| {
        let (api, stop) = (api.clone(), stop.clone());
        async move {
            let mut ledger = Ledger::default();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                api.place(&format!("handover-{c}-{i}"), deadline, &mut ledger)
                    .await?;
                i += 1;
            }
            Ok(ledger)
        }
    });
    tokio::time::sleep(STEADY).await;

    // `systemctl restart`: stop the old process, then start the new one on the same socket.
    let switch = Instant::now();
    let drained = terminate(&mut old).await?;
    drop(old);
    let mut new = start_server_with_socket(binary, &env, scratch.0.join("new.log"), &socket)?;
    wait_ready(&mut new).await?;
    let switched = switch.elapsed();
    println!(
        "update: the old process drained and exited in {:.2} s; the new one was ready {:.2} s \
         after the SIGTERM",
        drained.as_secs_f64(),
        switched.as_secs_f64()
    );
    tokio::time::sleep(STEADY).await;
    stop.store(true, Ordering::Relaxed);
    let ledger = orders.join().await?;
    let probes = probes.await?;

    let heads = heads(&api, &admin).await?;
    heads_tx.send_replace(Some(heads.clone()));
    let mut seen = Vec::new();
    for follower in followers {
        seen.push(
            tokio::time::timeout(CATCH_UP, follower)
                .await
                .with_context(|| {
                    format!("a follower did not reach {heads:?} within {CATCH_UP:?}")
                })???,
        );
    }
    report(&probes, &ledger, &seen, switch, switched);
    check(&probes, &seen, &ledger, switch, switched)?;
    let stored = api.check_acked(&admin, "handover-", &ledger).await?;
    println!("{stored} orders stored, one per key, each replayed to the same order");
    terminate(&mut new).await?;
    drop(socket);
    Ok(())
}

/// Prints the figures.
fn report(probes: &Probes, ledger: &Ledger, seen: &[Followed], switch: Instant, took: Duration) {
    let longest = probes
        .answered
        .iter()
        .map(|(_, waited)| *waited)
        .max()
        .unwrap_or_default();
    let during = probes
        .answered
        .iter()
        .filter(|(sent, _)| *sent >= switch && *sent <= switch + took)
        .count();
    println!(
        "probes: {} answered ({during} sent during the update), {} refused, {} failed; \
         longest wait {:.2} s",
        probes.answered.len(),
        probes.refused,
        probes.failed.len(),
        longest.as_secs_f64()
    );
    println!(
        "orders: {} acknowledged; {} attempts without an answer and {} answered 503, each \
         retried with the same key",
        ledger.acked.len(),
        ledger.unreachable,
        ledger.unavailable
    );
    for f in seen {
        let resume = f.resumes.iter().max().copied().unwrap_or_default();
        println!(
            "follower {}: {} events, closes {:?}, resumed in {:.2} s",
            f.who,
            f.events,
            f.closes,
            resume.as_secs_f64()
        );
    }
}

/// The assertions.
fn check(
    probes: &Probes,
    seen: &[Followed],
    ledger: &Ledger,
    switch: Instant,
    took: Duration,
) -> anyhow::Result<()> {
    if probes.refused > 0 {
        bail!("{} probes were refused", probes.refused);
    }
    if let Some(first) = probes.failed.first() {
        bail!("{} probes failed, first: {first}", probes.failed.len());
    }
    let during = probes
        .answered
        .iter()
        .filter(|(sent, _)| *sent >= switch && *sent <= switch + took)
        .count();
    if during < MIN_DURING {
        bail!("only {during} probes were sent during the update: the load did not cover it");
    }
    let mut acked: Vec<i64> = ledger.acked.values().map(|o| o.id.0).collect();
    acked.sort_unstable();
    if acked.is_empty() {
        bail!("no order was acknowledged");
    }
    for f in seen {
        if !f.seen.problems.is_empty() {
            bail!(
                "follower {}: sequence broken: {}",
                f.who,
                f.seen.problems.join("; ")
            );
        }
        if f.closes != [Some(ocpizza_proto::ws::CLOSE_SERVICE_RESTART)] {
            bail!(
                "follower {}: connections ended with {:?}, expected one 1012",
                f.who,
                f.closes
            );
        }
        let mut placed = f.seen.placed.clone();
        placed.sort_unstable();
        if placed != acked {
            bail!(
                "follower {}: order_placed events for {placed:?}, acknowledged orders {acked:?}",
                f.who
            );
        }
    }
    Ok(())
}
