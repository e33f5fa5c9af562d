//! The printed report: one line per phase, a table per bus and the summary against the floor.

use super::floor::Floor;
use super::machine::{CpuUse, kib_text};
use super::{
    BUSY_WARNING_PERCENT, FLOOR_CLIENTS, FLOOR_DELIVERIES, FLOOR_KIB_PER_CONNECTION, FLOOR_P99_MS,
    Mode, ModeResult, Outcome, PhaseResult, Plan,
};
use crate::host::table;
use std::fmt::Write as _;

fn opt_ms(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.1}"))
}

pub(super) fn phase_line(p: &PhaseResult) -> String {
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
            "; CPU server {:.0}% (live threads {:.0}%) bench {:.0}% others {:.0}% (machine {:.0}% \
             busy, {:.1}% stolen by the hypervisor)",
            c.server, c.live, c.bench, c.others, c.machine_busy, c.steal
        );
    }
    if let Some(e) = &p.first_order_error {
        let _ = write!(line, "\n  first order error: {e}");
    }
    line
}

/// CPU time per delivered event, in µs, of the process `f` picks.
fn per_delivery_us(p: &PhaseResult, f: fn(&CpuUse) -> f64) -> Option<f64> {
    match &p.cpu {
        Some(c) if p.events > 0 => Some(f(c) / 100.0 * c.secs / p.events as f64 * 1e6),
        _ => None,
    }
}

fn per_delivery(p: &PhaseResult, f: fn(&CpuUse) -> f64) -> String {
    per_delivery_us(p, f).map_or_else(|| "?".into(), |us| format!("{us:.1}"))
}

/// What `f` counts over the phase, per order placed, with `decimals`.
fn per_order(p: &PhaseResult, f: fn(&CpuUse) -> f64, decimals: usize) -> String {
    match &p.cpu {
        Some(c) if p.orders_ok > 0 => format!("{:.decimals$}", f(c) / p.orders_ok as f64),
        _ => "?".into(),
    }
}

/// The CPU per delivery of the server's part `f` picks over the loopback floor's CPU per write.
fn over_floor(p: &PhaseResult, floor: Option<&Floor>, f: fn(&CpuUse) -> f64) -> String {
    per_delivery_us(p, f)
        .zip(floor)
        .map_or_else(|| "?".into(), |(us, f)| format!("{:.2}", us / f.sender_us))
}

pub(super) fn mode_report(mode: Mode, plan: &Plan, r: &ModeResult, busy: Option<f64>) -> String {
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
        "   server VmRSS: {} with the first {} idle clients, {} with {} → {:.1} KiB per idle \
         connection added; {} after the load; {} open files",
        kib_text(r.rss_before_kib),
        r.first_wave,
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
            "paced spread p99",
            "lost",
            "dup",
            "reord",
            "behind",
            "CPU srv %",
            "CPU bench %",
            "CPU other %",
            "srv µs/deliv",
            "× floor",
            "live µs/deliv",
            "live × floor",
            "paced floor µs",
            "paced × floor",
            "live × paced",
            "bench µs/deliv",
            "rest ms/order",
            "rest switches/order",
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
            opt_ms(
                p.paced
                    .and_then(|f| f.paced)
                    .map(|paced| paced.spread_ms[1]),
            ),
            p.lost.to_string(),
            p.duplicates.to_string(),
            p.reordered.to_string(),
            p.behind.to_string(),
            cpu(|c| c.server),
            cpu(|c| c.bench),
            cpu(|c| c.others),
            per_delivery(p, |c| c.server),
            over_floor(p, r.floor.as_ref(), |c| c.server),
            per_delivery(p, |c| c.live),
            over_floor(p, r.floor.as_ref(), |c| c.live),
            p.paced
                .as_ref()
                .map_or_else(|| "?".into(), |f| format!("{:.2}", f.sender_us)),
            match (&p.paced, &r.floor) {
                (Some(paced), Some(floor)) if floor.sender_us > 0.0 => {
                    format!("{:.2}", paced.sender_us / floor.sender_us)
                }
                _ => "?".into(),
            },
            over_floor(p, p.paced.as_ref(), |c| c.live),
            per_delivery(p, |c| c.bench),
            per_order(p, |c| (c.server - c.live) / 100.0 * c.secs * 1e3, 2),
            per_order(p, |c| c.other_switches as f64, 1),
        ]);
    }
    out.push('\n');
    out.push_str(&table(&rows));
    match &r.floor {
        Some(f) => {
            let _ = writeln!(
                out,
                "{}; \"× floor\" = server CPU per delivery / that; \"live\" = the server's live \
                 threads alone, which write the deliveries (the rest is the orders' requests and \
                 database work, and the other connections' housekeeping); \"rest ms/order\", \
                 \"rest switches/order\" = that rest's CPU time and thread switches per order \
                 placed (at a low rate an order costs mostly its threads' wake-ups)",
                f.line()
            );
            let _ = writeln!(
                out,
                "\"paced floor\" = the same writes at each phase's own rate, one round over all \
                 sockets at each tick split between one sender per CPU, senders and reader \
                 asleep between rounds, as the hub and its clients are between events; \"paced \
                 × floor\" = that over the back-to-back floor: a hub that writes each event as \
                 it comes spends at least the paced floor, so where this is above 1.5 no such \
                 hub is within 1.5× of the back-to-back floor at that rate; \"paced spread\" = a \
                 frame's arrival minus the first arrival of its round there"
            );
            for p in &r.phases {
                if let Some(paced) = &p.paced {
                    let _ = writeln!(out, "  {}: {}", p.label, paced.line());
                }
            }
        }
        None => {
            let _ = writeln!(out, "loopback floor: not measured");
        }
    }
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

pub(super) fn summary(plan: &Plan, results: &[(Mode, Outcome)]) -> String {
    let mut rows = vec![
        [
            "bus",
            "clients held",
            "KiB/idle conn",
            "main deliveries/s",
            "main p99 ms",
            "best deliv/s @p99≤20ms",
            "best deliv/s @p99≤50ms",
            "main srv µs/deliv",
            "floor µs/write",
            "× floor",
            "main live µs/deliv",
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
                    main.map_or("-".into(), |p| per_delivery(p, |c| c.server)),
                    r.floor
                        .as_ref()
                        .map_or("-".into(), |f| format!("{:.2}", f.sender_us)),
                    main.map_or("-".into(), |p| {
                        over_floor(p, r.floor.as_ref(), |c| c.server)
                    }),
                    main.map_or("-".into(), |p| per_delivery(p, |c| c.live)),
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
