//! What this machine reports about itself, shared by the benchmarks: the CPU counters of
//! `/proc/stat`, what waking a sleeping thread costs, and a plain-text table for their
//! summaries.

use rustix::thread::{CpuSet, sched_setaffinity};
use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::os::unix::net::UnixStream;
use std::time::Instant;

/// Machine-wide CPU time since boot, in clock ticks (all CPUs together).
#[derive(Debug, Clone, Copy)]
pub struct CpuCounters {
    /// Everything but idle and iowait (steal included).
    pub busy: u64,
    /// Everything.
    pub total: u64,
    /// Time the hypervisor gave this machine's CPUs to other guests.
    pub steal: u64,
}

/// The first line of `/proc/stat`; `None` where there is none (not Linux).
pub fn cpu_counters() -> Option<CpuCounters> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().next()?.strip_prefix("cpu ")?;
    // user nice system idle iowait irq softirq steal (guest times are already in user).
    let fields: Vec<u64> = line
        .split_whitespace()
        .take(8)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let total: u64 = fields.iter().sum();
    let idle = fields.get(3)? + fields.get(4)?;
    Some(CpuCounters {
        busy: total - idle,
        total,
        steal: *fields.get(7)?,
    })
}

/// Pins the calling thread to `cpu`; false if this machine has fewer CPUs or refuses.
pub fn pin_to(cpu: usize) -> bool {
    if std::thread::available_parallelism().map_or(1, usize::from) <= cpu {
        return false;
    }
    let mut set = CpuSet::new();
    set.set(cpu);
    sched_setaffinity(None, &set).is_ok()
}

/// Round trips timed by [`wake_ups`] (after a tenth as many to warm up).
const ROUND_TRIPS: u32 = 4_000;

/// What a wake-up costs here: one byte sent back and forth between two threads, each asleep
/// until the other writes, with both on one CPU and on two CPUs. Each round trip is two
/// wake-ups; across two CPUs, each also wakes a CPU that went idle, which a hypervisor may
/// make far dearer than the switch itself. Every hand-off between threads (a request and the
/// database's thread, the server and PostgreSQL, the hub and a client) pays one, so a machine
/// where they are dear is slow at low load and with many small steps, whatever its speed.
pub fn wake_ups() -> String {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let same = round_trip_us(0, 0);
    let across = (cpus > 1).then(|| round_trip_us(0, 1));
    let us = |r: Option<f64>| r.map_or_else(|| "?".into(), |us| format!("{us:.1} µs"));
    format!(
        "wake-ups: a round trip between two sleeping threads takes {} on one CPU, {} across two \
         CPUs",
        us(same),
        across.map_or_else(|| "- (one CPU)".into(), us)
    )
}

/// Mean µs of a one-byte round trip between a thread on CPU `a` and one on CPU `b`; `None` if
/// they could not be pinned or a socket failed.
fn round_trip_us(a: usize, b: usize) -> Option<f64> {
    let (mut here, mut there) = UnixStream::pair().ok()?;
    let echo = std::thread::spawn(move || -> Option<()> {
        if !pin_to(b) {
            return None;
        }
        let mut byte = [0u8; 1];
        while there.read(&mut byte).ok()? == 1 {
            there.write_all(&byte).ok()?;
        }
        Some(())
    });
    let timed = std::thread::spawn(move || -> Option<f64> {
        if !pin_to(a) {
            return None;
        }
        let mut byte = [0u8; 1];
        let mut trip = |here: &mut UnixStream| -> Option<()> {
            here.write_all(&byte).ok()?;
            here.read_exact(&mut byte).ok()
        };
        for _ in 0..ROUND_TRIPS / 10 {
            trip(&mut here)?;
        }
        let started = Instant::now();
        for _ in 0..ROUND_TRIPS {
            trip(&mut here)?;
        }
        Some(started.elapsed().as_secs_f64() * 1e6 / f64::from(ROUND_TRIPS))
    });
    let us = timed.join().ok()?;
    // The timed thread's end closed its socket: the echo reads 0 and ends.
    echo.join().ok()??;
    us
}

/// Rows as aligned columns: the first left-aligned, the others right-aligned, a rule under the
/// first row (the header).
pub fn table(rows: &[Vec<String>]) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The probe times its round trips and both threads end (a socket closed ends the echo).
    #[test]
    fn a_wake_up_round_trip_is_timed_and_ends() {
        let us = round_trip_us(0, 0).expect("a thread pinned to the first CPU");
        assert!(us > 0.0 && us.is_finite(), "{us}");
        assert!(wake_ups().starts_with("wake-ups: a round trip"));
    }

    #[test]
    fn tables_align_numbers_right_under_a_rule() {
        let rows = vec![
            vec!["db".to_owned(), "orders/s".to_owned()],
            vec!["SQLite".to_owned(), "344".to_owned()],
        ];
        assert_eq!(
            table(&rows),
            "db      orders/s\n----------------\nSQLite       344\n"
        );
    }
}
