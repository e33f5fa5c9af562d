//! Counters and latency histograms, kept per load-tool thread and summed when read.

use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};

/// Counter sets per phase, one per thread (see [`shard`]), summed when the phase is read.
pub(super) const SHARDS: usize = 4;

static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static SHARD: usize = NEXT_SHARD.fetch_add(1, Ordering::Relaxed) % SHARDS;
}

/// The counter set of the calling thread. Every client of a worker thread counts into the
/// same set, so the two cores never fight over the cache lines of shared counters (which, at
/// tens of thousands of frames a second, costs the load tool time it steals from the server).
pub(super) fn shard() -> usize {
    SHARD.with(|s| *s)
}

/// Counters of one phase.
#[derive(Debug)]
pub(super) struct PhaseStats {
    pub(super) start_us: AtomicU64,
    pub(super) shards: Box<[PhaseShard]>,
}

/// One thread's counters of a phase (aligned so that two never share a cache line).
#[derive(Debug)]
#[repr(align(128))]
pub(super) struct PhaseShard {
    pub(super) events: AtomicU64,
    pub(super) latency: Histogram,
    pub(super) lost: AtomicI64,
    pub(super) duplicates: AtomicU64,
    pub(super) reordered: AtomicU64,
    pub(super) last_us: AtomicU64,
}

impl PhaseStats {
    pub(super) fn new() -> PhaseStats {
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

    pub(super) fn sum(&self, counter: fn(&PhaseShard) -> &AtomicU64) -> u64 {
        self.shards
            .iter()
            .map(|s| counter(s).load(Ordering::Acquire))
            .sum()
    }

    /// Lost events (a shard may be negative: a gap seen on one thread, filled on another).
    pub(super) fn lost(&self) -> i64 {
        self.shards
            .iter()
            .map(|s| s.lost.load(Ordering::Acquire))
            .sum()
    }

    pub(super) fn last_us(&self) -> u64 {
        self.shards
            .iter()
            .map(|s| s.last_us.load(Ordering::Acquire))
            .max()
            .unwrap_or(0)
    }

    /// Every shard's latencies in one histogram.
    pub(super) fn latency(&self) -> Histogram {
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
pub(super) struct SampleShard {
    pub(super) slots: Box<[AtomicU64]>,
    pub(super) len: AtomicUsize,
}

impl SampleShard {
    pub(super) fn new(capacity: usize) -> SampleShard {
        SampleShard {
            slots: (0..capacity).map(|_| AtomicU64::new(0)).collect(),
            len: AtomicUsize::new(0),
        }
    }
}

/// A sample: the order's key (its sequence and stream) above its latency in µs (up to 71 min).
pub(super) const LATENCY_BITS: u32 = 32;
pub(super) const LATENCY_MASK: u64 = (1 << LATENCY_BITS) - 1;
pub(super) const KEY_MASK: u64 = (1 << (64 - LATENCY_BITS)) - 1;
/// Low bits of the key that tell the streams apart (shops 1..=255).
pub(super) const STREAM_BITS: u32 = 8;
pub(super) const STREAM_MASK: u64 = (1 << STREAM_BITS) - 1;
/// At most this many deliveries per phase and thread are kept for the fan-out spread (8 bytes
/// each).
pub(super) const MAX_SAMPLES: usize = 16_000_000;

/// Latencies in microseconds: 10 µs buckets up to 100 ms, 1 ms buckets up to 10 s, and one
/// bucket beyond; the maximum is kept exactly.
#[derive(Debug)]
pub(super) struct Histogram {
    buckets: Box<[AtomicU64]>,
    pub(super) max: AtomicU64,
}

const FINE_STEP_US: u64 = 10;
const FINE_LIMIT_US: u64 = 100_000;
const COARSE_STEP_US: u64 = 1_000;
const COARSE_LIMIT_US: u64 = 10_000_000;
const FINE_BUCKETS: usize = (FINE_LIMIT_US / FINE_STEP_US) as usize;
const BUCKETS: usize =
    FINE_BUCKETS + ((COARSE_LIMIT_US - FINE_LIMIT_US) / COARSE_STEP_US) as usize + 1;

impl Histogram {
    pub(super) fn new() -> Histogram {
        Histogram {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            max: AtomicU64::new(0),
        }
    }

    pub(super) fn record(&self, us: u64) {
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

    pub(super) fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum()
    }

    /// Upper bound of the bucket holding the nearest-rank percentile (never above the max).
    pub(super) fn percentile_us(&self, percent: f64) -> Option<u64> {
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
