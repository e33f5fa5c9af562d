//! One measurement against one server: warm-up, connecting the clients, memory, then the
//! publishing phases, each drained until every client has every event of its stream.

use super::clients::{ClientCtx, ClientSpec, Shared, Target, client_specs, client_task};
use super::http::{Heads, login, prepare_shops, read_heads};
use super::machine::{CpuSample, fd_count, kib_text, server_warnings, vm_rss_kib};
use super::publish::publish;
use super::report::phase_line;
use super::{
    CONNECT_PHASE_LIMIT, DRAIN_LIMIT, IDLE_BEFORE_MEMORY, MANAGER_LOGIN, ModeResult,
    ORDERS_PER_RESTOCK_ROUND, PhaseResult, Plan, QUIET_BETWEEN_PHASES, RAMP_GIVE_UP_P99_MS,
    REQUEST_TIMEOUT, WARMUP_ORDERS, WARMUP_RATE,
};
use crate::server::Server;
use anyhow::{Context, bail};
use reqwest::header::HeaderValue;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

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

pub(super) async fn measure(server: &Server, plan: &Plan) -> anyhow::Result<ModeResult> {
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
    println!(
        "server VmRSS before clients connect: {}",
        kib_text(vm_rss_kib(pid)?)
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
    // A first wave, measured apart: the memory per connection is what the others add to it,
    // not what the server's start-up left to its allocator or the runtime's first growth.
    let first_wave = (specs.len() / 10).max(1).min(specs.len());
    let mut rss_first_wave = None;
    for (i, spec) in specs.iter().enumerate().take(first_wave) {
        fleet
            .tasks
            .push(tokio::spawn(client_task(i, spec.clone(), ctx.clone())));
    }
    let mut next_report = Instant::now() + Duration::from_secs(2);
    loop {
        let connected = shared.connected.load(Ordering::Acquire);
        let failed = shared.failed.load(Ordering::Acquire);
        if rss_first_wave.is_none() && connected + failed >= first_wave {
            tokio::time::sleep(IDLE_BEFORE_MEMORY).await;
            let connected = shared.connected.load(Ordering::Acquire);
            rss_first_wave = Some((connected, vm_rss_kib(pid)?));
            for (i, spec) in specs.iter().enumerate().skip(first_wave) {
                fleet
                    .tasks
                    .push(tokio::spawn(client_task(i, spec.clone(), ctx.clone())));
            }
            continue;
        }
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
    let (first_wave, rss_before_kib) = rss_first_wave.unwrap_or((0, rss_idle_kib));
    println!(
        "server VmRSS with {connected} idle clients: {} ({} with the first {first_wave}) → \
         {:.1} KiB per connection; server open files: {}",
        kib_text(rss_idle_kib),
        kib_text(rss_before_kib),
        (rss_idle_kib as f64 - rss_before_kib as f64)
            / connected.saturating_sub(first_wave).max(1) as f64,
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
        first_wave,
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
        frame_bytes: shared.frame_bytes.load(Ordering::Relaxed),
        floor: None,
    };
    drop(fleet);
    Ok(result)
}

/// What a phase needs to know.
#[derive(Debug)]
struct PhaseEnv<'a> {
    pub(super) base: &'a str,
    pub(super) pid: u32,
    pub(super) http: &'a reqwest::Client,
    pub(super) cookie: &'a HeaderValue,
    pub(super) tokens: &'a [String],
    specs: &'a [Arc<ClientSpec>],
    pub(super) shared: &'a Arc<Shared>,
    pub(super) workers: usize,
    pub(super) shops: usize,
}

/// The sessions the clients and the checks use.
#[derive(Debug)]
pub(super) struct Cookies {
    /// The demo manager (rights on shop 1 only).
    pub(super) manager: HeaderValue,
    /// The demo admin (every shop).
    pub(super) admin: HeaderValue,
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
        paced: None,
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
