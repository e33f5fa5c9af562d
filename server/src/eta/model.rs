//! The estimate itself, a pure function of the shop's queue, its recent stage durations, the
//! time and the fulfilment: no database, no clock, so that it is unit-tested and replayed on a
//! generated evening (`cargo run -p ocpizza --example eta-eval`).
//!
//! The kitchen is a few parallel "slots" (how many orders it works at once). Each order being
//! prepared frees its slot when its usual preparation time has passed; the orders waiting ahead
//! take the slots in order; an order starts when a slot is free and the kitchen has had its
//! usual reaction time to look at it. From the start, the usual preparation time gives the
//! moment it is ready, then for a delivery the usual wait for a driver and the usual drive.

use jiff::{SignedDuration, Timestamp};
use ocpizza_proto::Fulfilment;
use ocpizza_proto::api::orders::StageTimes;

/// How long a shop usually takes for each stage, and how many orders its kitchen works at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Durations {
    /// Placed → preparing when the kitchen is free (its reaction time).
    pub react: SignedDuration,
    /// Preparing → ready.
    pub prepare: SignedDuration,
    /// Ready → out for delivery (waiting for a driver).
    pub dispatch: SignedDuration,
    /// Out for delivery → delivered.
    pub drive: SignedDuration,
    /// Orders the kitchen prepares at once.
    pub parallel: usize,
}

impl Durations {
    /// What a new shop with no history is assumed to take.
    pub const DEFAULT: Durations = Durations {
        react: SignedDuration::from_mins(3),
        prepare: SignedDuration::from_mins(12),
        dispatch: SignedDuration::from_mins(5),
        drive: SignedDuration::from_mins(15),
        parallel: 4,
    };
}

/// What a waiting order has in front of it in its shop.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Queue {
    /// When each order now being prepared was started.
    pub preparing_since: Vec<Timestamp>,
    /// Orders placed before it that the kitchen has not started.
    pub waiting_ahead: usize,
}

/// Where the order whose time is estimated stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Not started by the kitchen (or not placed yet: `placed_at` is now).
    Waiting {
        /// When it was placed.
        placed_at: Timestamp,
    },
    /// In the kitchen since then.
    Preparing(Timestamp),
    /// Ready since then.
    Ready(Timestamp),
    /// With a driver since then.
    OutForDelivery(Timestamp),
}

/// The least an order still in progress is expected to take from now: an order running late
/// is "a minute away", never in the past.
const SOON: SignedDuration = SignedDuration::from_mins(1);

/// When the order will be ready to collect (pickup) or at the customer's door (delivery).
pub fn estimate(
    stage: Stage,
    queue: &Queue,
    d: &Durations,
    now: Timestamp,
    fulfilment: Fulfilment,
) -> Timestamp {
    let later = |since: Timestamp, took: SignedDuration| (since + took).max(now + SOON);
    let ready = match stage {
        Stage::Waiting { placed_at } => start(placed_at, queue, d, now) + d.prepare,
        Stage::Preparing(since) => later(since, d.prepare),
        Stage::Ready(since) => since,
        Stage::OutForDelivery(since) => return later(since, d.drive),
    };
    match (fulfilment, stage) {
        (Fulfilment::Pickup, _) => ready,
        (Fulfilment::Delivery, Stage::Ready(since)) => later(since, d.dispatch) + d.drive,
        (Fulfilment::Delivery, _) => ready + d.dispatch + d.drive,
    }
}

/// When the kitchen starts a waiting order: each slot is free when its order's preparation is
/// over; the orders ahead take the earliest free slot one after the other.
fn start(placed_at: Timestamp, queue: &Queue, d: &Durations, now: Timestamp) -> Timestamp {
    // A kitchen seen working on more orders than usual can, for now, work on that many.
    let parallel = d.parallel.max(queue.preparing_since.len()).max(1);
    let mut free: Vec<Timestamp> = queue
        .preparing_since
        .iter()
        .map(|since| (*since + d.prepare).max(now + SOON))
        .collect();
    free.resize(parallel, now);
    next_free_slot(free, queue.waiting_ahead, d.prepare)
        .max(placed_at + d.react)
        .max(now)
}

/// The earliest free slot once `ahead` orders, each taking `prepare`, have each taken the
/// earliest free slot in turn. Without looping over the orders ahead (a busy evening can queue
/// hundreds): once no two slots are more than `prepare` apart, the earliest slot taken comes
/// back as the latest, so the slots are taken in turn, a round of `prepare` each.
fn next_free_slot(mut free: Vec<Timestamp>, ahead: usize, prepare: SignedDuration) -> Timestamp {
    free.sort_unstable();
    let earliest = free[0];
    if prepare <= SignedDuration::ZERO {
        return earliest;
    }
    let mut ahead = ahead;
    // Slots further apart than one preparation: the earliest takes orders until they are not.
    while ahead > 0 && free[free.len() - 1].duration_since(free[0]) > prepare {
        free[0] += prepare;
        free.sort_unstable();
        ahead -= 1;
    }
    let rounds = i32::try_from(ahead / free.len()).unwrap_or(i32::MAX);
    free[ahead % free.len()]
        .checked_add(prepare * rounds)
        .unwrap_or(Timestamp::MAX)
}

/// The stage an order in `times` stands at, by the latest stamp it has.
pub fn stage_of(times: &StageTimes, now: Timestamp) -> Stage {
    if let Some(at) = times.out_for_delivery_at {
        Stage::OutForDelivery(at)
    } else if let Some(at) = times.ready_at {
        Stage::Ready(at)
    } else if let Some(at) = times.preparing_at {
        Stage::Preparing(at)
    } else {
        Stage::Waiting {
            placed_at: times.placed_at.unwrap_or(now),
        }
    }
}

/// Samples needed before the history replaces a default.
const MIN_SAMPLES: usize = 5;

impl Durations {
    /// The shop's usual durations from the stage times of its recent orders, each stage
    /// falling back to `defaults` until it has a few samples.
    ///
    /// Preparation, dispatch and drive are medians. The reaction time is the first quartile of
    /// placed → preparing: that duration includes the wait behind other orders, which the
    /// queue already accounts for, and its quiet moments are what the kitchen takes when free.
    /// How many orders the kitchen works at once is the most it was seen preparing together
    /// (never below the default's half: a quiet evening says little about a rush).
    pub fn from_history(history: &[StageTimes], defaults: Durations) -> Durations {
        let between = |a: fn(&StageTimes) -> Option<Timestamp>,
                       b: fn(&StageTimes) -> Option<Timestamp>| {
            let mut v: Vec<SignedDuration> = history
                .iter()
                .filter_map(|t| Some(b(t)?.duration_since(a(t)?)))
                .filter(|d| !d.is_negative())
                .collect();
            v.sort_unstable();
            v
        };
        let pick = |v: Vec<SignedDuration>, q: usize, default: SignedDuration| {
            if v.len() < MIN_SAMPLES {
                default
            } else {
                v[(v.len() - 1) * q / 4]
            }
        };
        let parallel = most_at_once(history).map_or(defaults.parallel, |most| {
            most.max(defaults.parallel.div_ceil(2)).min(12)
        });
        Durations {
            react: pick(
                between(|t| t.placed_at, |t| t.preparing_at),
                1,
                defaults.react,
            ),
            prepare: pick(
                between(|t| t.preparing_at, |t| t.ready_at),
                2,
                defaults.prepare,
            ),
            dispatch: pick(
                between(|t| t.ready_at, |t| t.out_for_delivery_at),
                2,
                defaults.dispatch,
            ),
            drive: pick(
                between(|t| t.out_for_delivery_at, |t| t.delivered_at),
                2,
                defaults.drive,
            ),
            parallel,
        }
    }
}

/// The most orders seen in the kitchen (preparing → ready) at the same moment, once enough
/// orders went through it.
fn most_at_once(history: &[StageTimes]) -> Option<usize> {
    let mut edges: Vec<(Timestamp, i32)> = Vec::new();
    for t in history {
        if let (Some(start), Some(end)) = (t.preparing_at, t.ready_at) {
            edges.push((start, 1));
            edges.push((end, -1));
        }
    }
    if edges.len() < 2 * MIN_SAMPLES {
        return None;
    }
    // An order ready at the very moment another starts has left its slot first.
    edges.sort_unstable();
    let (mut now, mut most) = (0i32, 0i32);
    for (_, step) in edges {
        now += step;
        most = most.max(now);
    }
    usize::try_from(most).ok()
}

/// What to promise an order placed at `placed_at` and estimated at `estimate`: the estimate
/// with a margin for what nobody can foresee (a slow oven, a driver stuck in traffic) of a
/// sixth of the wait, at least three minutes, then rounded up to five minutes.
///
/// The estimate is right on average, so it is late for about half the orders; a promise is
/// kept for most of them. `cargo run -p ocpizza --example eta-eval` measures both.
pub fn promise(placed_at: Timestamp, estimate: Timestamp) -> Timestamp {
    let wait = estimate.duration_since(placed_at).max(SignedDuration::ZERO);
    let margin = (wait / 6).max(PROMISE_MARGIN);
    round_up_five(estimate + margin)
}

/// The least margin a promise keeps over the estimate.
const PROMISE_MARGIN: SignedDuration = SignedDuration::from_mins(3);

/// `at` rounded up to the next five minutes: what a pizzeria promises ("vers 20 h 15").
pub fn round_up_five(at: Timestamp) -> Timestamp {
    let step = 5 * 60 * 1000;
    let ms = at.as_millisecond();
    Timestamp::from_millisecond(ms + (step - ms.rem_euclid(step)) % step).unwrap_or(at)
}

#[cfg(test)]
mod tests;
