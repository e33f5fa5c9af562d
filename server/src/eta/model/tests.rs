//! Unit tests of the estimate and of the durations read from history.

use super::*;
use Fulfilment::{Delivery, Pickup};

const T0: i64 = 1_780_000_000_000;

fn at(min: i64) -> Timestamp {
    Timestamp::from_millisecond(T0 + min * 60_000).unwrap()
}

fn mins(a: Timestamp, b: Timestamp) -> i64 {
    b.duration_since(a).as_secs() / 60
}

const D: Durations = Durations {
    react: SignedDuration::from_mins(2),
    prepare: SignedDuration::from_mins(10),
    dispatch: SignedDuration::from_mins(5),
    drive: SignedDuration::from_mins(15),
    parallel: 2,
};

fn new_order(queue: &Queue, fulfilment: Fulfilment) -> i64 {
    let now = at(0);
    mins(
        now,
        estimate(
            Stage::Waiting { placed_at: now },
            queue,
            &D,
            now,
            fulfilment,
        ),
    )
}

#[test]
fn an_idle_kitchen_promises_reaction_plus_preparation_and_a_delivery_adds_the_road() {
    let empty = Queue::default();
    assert_eq!(new_order(&empty, Pickup), 2 + 10);
    assert_eq!(new_order(&empty, Delivery), 2 + 10 + 5 + 15);
}

#[test]
fn each_order_waiting_ahead_pushes_a_new_order_back_by_its_share_of_the_kitchen() {
    let waiting = |n| Queue {
        preparing_since: vec![],
        waiting_ahead: n,
    };
    // Two slots: the first two orders ahead take them, the third waits a full preparation.
    assert_eq!(new_order(&waiting(1), Pickup), 12);
    assert_eq!(new_order(&waiting(2), Pickup), 20);
    assert_eq!(new_order(&waiting(4), Pickup), 30);
}

#[test]
fn orders_in_the_oven_free_their_slot_when_their_usual_time_is_over() {
    // Both slots busy: one started 8 minutes ago (2 to go), one just now (10 to go).
    let queue = Queue {
        preparing_since: vec![at(-8), at(0)],
        waiting_ahead: 0,
    };
    assert_eq!(new_order(&queue, Pickup), 2 + 10);
    let queue = Queue {
        waiting_ahead: 1,
        ..queue
    };
    assert_eq!(new_order(&queue, Pickup), 10 + 10);
}

#[test]
fn a_kitchen_working_on_more_orders_than_usual_is_taken_at_its_word() {
    let queue = Queue {
        preparing_since: vec![at(0), at(0), at(0), at(0)],
        waiting_ahead: 0,
    };
    assert_eq!(new_order(&queue, Pickup), 20);
}

#[test]
fn an_order_moves_its_estimate_from_the_stage_it_reached() {
    let q = Queue::default();
    let now = at(30);
    let e = |stage, f| mins(at(0), estimate(stage, &q, &D, now, f));
    assert_eq!(e(Stage::Preparing(at(25)), Pickup), 35);
    assert_eq!(e(Stage::Preparing(at(25)), Delivery), 55);
    assert_eq!(e(Stage::Ready(at(28)), Pickup), 28);
    assert_eq!(e(Stage::Ready(at(28)), Delivery), 48);
    assert_eq!(e(Stage::OutForDelivery(at(29)), Delivery), 44);
}

#[test]
fn a_late_order_is_expected_a_minute_from_now_never_in_the_past() {
    let now = at(60);
    let e = |stage| mins(at(0), estimate(stage, &Queue::default(), &D, now, Pickup));
    assert_eq!(e(Stage::Preparing(at(0))), 61);
    let out = estimate(
        Stage::OutForDelivery(at(0)),
        &Queue::default(),
        &D,
        now,
        Delivery,
    );
    assert_eq!(mins(at(0), out), 61);
}

fn order(placed: i64, start: i64, ready: i64, out: Option<i64>, done: Option<i64>) -> StageTimes {
    StageTimes {
        placed_at: Some(at(placed)),
        preparing_at: Some(at(start)),
        ready_at: Some(at(ready)),
        out_for_delivery_at: out.map(at),
        delivered_at: done.map(at),
        ..StageTimes::default()
    }
}

#[test]
fn a_shop_without_history_uses_the_defaults() {
    assert_eq!(Durations::from_history(&[], D), D);
    let few = [order(0, 1, 11, None, None), order(0, 1, 11, None, None)];
    assert_eq!(Durations::from_history(&few, D), D);
    // Orders only placed say nothing of how many the kitchen works at once.
    let waiting = vec![
        StageTimes {
            placed_at: Some(at(0)),
            ..StageTimes::default()
        };
        8
    ];
    assert_eq!(Durations::from_history(&waiting, D), D);
}

#[test]
fn history_gives_median_stage_times_and_the_kitchens_parallelism() {
    // Six orders, three at a time in the kitchen, 14 minutes each (one slow at 30).
    let history = [
        order(0, 1, 15, Some(20), Some(40)),
        order(0, 1, 15, Some(20), Some(40)),
        order(0, 1, 15, Some(21), Some(41)),
        order(10, 15, 29, Some(34), Some(54)),
        order(10, 16, 30, Some(35), Some(55)),
        order(10, 16, 46, None, None),
    ];
    let d = Durations::from_history(&history, D);
    assert_eq!(d.prepare, SignedDuration::from_mins(14));
    assert_eq!(d.dispatch, SignedDuration::from_mins(5));
    assert_eq!(d.drive, SignedDuration::from_mins(20));
    assert_eq!(d.react, SignedDuration::from_mins(1));
    assert_eq!(d.parallel, 3);
}

#[test]
fn promises_are_rounded_up_to_five_minutes() {
    let base = round_up_five(at(0));
    assert_eq!(round_up_five(base), base);
    assert_eq!(
        round_up_five(base + SignedDuration::from_secs(1)),
        base + SignedDuration::from_mins(5)
    );
    assert_eq!(
        round_up_five(base + SignedDuration::from_mins(4)),
        base + SignedDuration::from_mins(5)
    );
}

#[test]
fn a_promise_keeps_a_margin_over_the_estimate_that_grows_with_the_wait() {
    let placed = round_up_five(at(0));
    let promised = |wait: i64| {
        mins(
            placed,
            promise(placed, placed + SignedDuration::from_mins(wait)),
        )
    };
    assert_eq!(promised(12), 15, "at least three minutes, rounded up");
    assert_eq!(promised(15), 20);
    assert_eq!(promised(60), 70, "a sixth of an hour's wait");
}

/// The slot an order gets when the orders ahead take the earliest free slot one at a time.
fn slot_taking_turns(mut free: Vec<Timestamp>, ahead: usize, prepare: SignedDuration) -> Timestamp {
    for _ in 0..ahead {
        *free.iter_mut().min().unwrap() += prepare;
    }
    free.into_iter().min().unwrap()
}

#[test]
fn a_long_queue_gets_the_slot_it_would_get_order_by_order() {
    // Slots free at scattered times (some further apart than a preparation), kitchens of one
    // to six slots, preparations from nothing to a quarter of an hour, up to 300 orders ahead.
    let mut seed: u64 = 0x5eed;
    let mut next = |below: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 33) % below
    };
    for _ in 0..2_000 {
        let slots = 1 + next(6) as usize;
        let free: Vec<Timestamp> = (0..slots)
            .map(|_| at(0) + SignedDuration::from_secs(next(3_600) as i64))
            .collect();
        let prepare = SignedDuration::from_secs(next(900) as i64);
        let ahead = next(300) as usize;
        assert_eq!(
            next_free_slot(free.clone(), ahead, prepare),
            slot_taking_turns(free.clone(), ahead, prepare),
            "slots {free:?}, {ahead} ahead, {prepare} each"
        );
    }
}
