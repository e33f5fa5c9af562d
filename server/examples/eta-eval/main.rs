//! How good the estimate is: generates evenings of orders (seeded), replays each through the
//! estimator exactly as the server would see it — only the stage times known at that moment,
//! the queue at that moment — and compares promised and estimated times with what happened.
//!
//! `cargo run -p ocpizza --example eta-eval` prints the table of `docs/performance.md`;
//! `-- <evenings> <first seed>` changes the sample (default: 20 evenings from seed 1).

mod evening;

use evening::{Order, Shop};
use jiff::{SignedDuration, Timestamp};
use ocpizza::eta::model::{self, Durations, Queue};
use ocpizza_proto::Fulfilment;
use ocpizza_proto::api::orders::StageTimes;

/// What the server would know of `o`'s stage times at `t`.
fn known(o: &StageTimes, t: Timestamp) -> StageTimes {
    let seen = |at: Option<Timestamp>| at.filter(|at| *at <= t);
    StageTimes {
        placed_at: seen(o.placed_at),
        preparing_at: seen(o.preparing_at),
        ready_at: seen(o.ready_at),
        out_for_delivery_at: seen(o.out_for_delivery_at),
        delivered_at: seen(o.delivered_at),
        ..StageTimes::default()
    }
}

/// The estimate of order `i` at `t`, with the inputs the server would have read at `t`.
fn estimate_at(orders: &[Order], i: usize, t: Timestamp) -> Timestamp {
    let window = SignedDuration::from_hours(3);
    let placed = |o: &Order| o.times.placed_at.expect("placed");
    let history: Vec<StageTimes> = orders
        .iter()
        .filter(|o| placed(o) <= t && placed(o) >= t - window)
        .map(|o| known(&o.times, t))
        .collect();
    let durations = Durations::from_history(&history, Durations::DEFAULT);
    let mut queue = Queue::default();
    for (j, o) in orders.iter().enumerate() {
        let (start, ready) = (o.times.preparing_at.expect("started"), o.times.ready_at);
        if j < i && placed(o) <= t && start > t {
            queue.waiting_ahead += 1;
        } else if j != i && start <= t && ready.is_some_and(|r| r > t) {
            queue.preparing_since.push(start);
        }
    }
    let stage = model::stage_of(&known(&orders[i].times, t), t);
    model::estimate(stage, &queue, &durations, t, orders[i].fulfilment)
}

/// Errors (actual − estimate, minutes) of one kind of estimate.
#[derive(Default)]
struct Errors(Vec<f64>);

impl Errors {
    fn add(&mut self, actual: Timestamp, estimate: Timestamp) {
        self.0
            .push(actual.duration_since(estimate).as_secs_f64() / 60.0);
    }

    fn row(&self, name: &str) -> String {
        let n = self.0.len().max(1) as f64;
        let mut abs: Vec<f64> = self.0.iter().map(|e| e.abs()).collect();
        abs.sort_by(f64::total_cmp);
        let p90 = abs.get((abs.len() * 9 / 10).min(abs.len().saturating_sub(1)));
        let share =
            |f: &dyn Fn(f64) -> bool| 100.0 * self.0.iter().filter(|e| f(**e)).count() as f64 / n;
        format!(
            "| {name} | {} | {:+.1} | {:.1} | {:.1} | {:.0} % | {:.0} % |",
            self.0.len(),
            self.0.iter().sum::<f64>() / n,
            abs.iter().sum::<f64>() / n,
            p90.copied().unwrap_or(0.0),
            share(&|e| e.abs() <= 10.0),
            share(&|e| e > 0.0),
        )
    }
}

/// One table: every kind of estimate for one fulfilment.
#[derive(Default)]
struct Table {
    fixed: Errors,
    promised: Errors,
    at_placing: Errors,
    at_start: Errors,
    at_ready: Errors,
}

impl Table {
    fn replay(&mut self, orders: &[Order], fulfilment: Fulfilment) {
        let fixed = match fulfilment {
            Fulfilment::Pickup => SignedDuration::from_mins(20),
            Fulfilment::Delivery => SignedDuration::from_mins(45),
        };
        for (i, o) in orders.iter().enumerate() {
            if o.fulfilment != fulfilment {
                continue;
            }
            let (placed, done) = (o.times.placed_at.expect("placed"), o.done());
            let first = estimate_at(orders, i, placed);
            self.fixed.add(done, placed + fixed);
            self.promised.add(done, model::promise(placed, first));
            self.at_placing.add(done, first);
            let started = o.times.preparing_at.expect("started");
            self.at_start.add(done, estimate_at(orders, i, started));
            if fulfilment == Fulfilment::Delivery {
                let ready = o.times.ready_at.expect("ready");
                self.at_ready.add(done, estimate_at(orders, i, ready));
            }
        }
    }

    fn print(&self, title: &str) {
        println!("\n{title}\n");
        println!(
            "| estimate | orders | bias (min) | mean abs. error (min) | p90 abs. error (min) | within ±10 min | later than it |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|");
        println!(
            "{}",
            self.fixed
                .row("fixed promise (pickup 20 min, delivery 45 min)")
        );
        println!(
            "{}",
            self.promised
                .row("**promised** at placing (estimate + margin, rounded up)")
        );
        println!("{}", self.at_placing.row("estimate at placing"));
        println!(
            "{}",
            self.at_start.row("live estimate when the kitchen starts")
        );
        if !self.at_ready.0.is_empty() {
            println!("{}", self.at_ready.row("live estimate when ready"));
        }
    }
}

/// Replays `evenings` evenings of `shop` from seed `first` and prints their tables.
fn evaluate(title: &str, shop: Shop, evenings: u64, first: u64) {
    let start: Timestamp = "2026-12-04T17:00:00Z".parse().expect("a timestamp");
    let (mut pickup, mut delivery, mut count) = (Table::default(), Table::default(), 0);
    for seed in first..first + evenings {
        let orders = evening::generate(seed, start, shop);
        count += orders.len();
        pickup.replay(&orders, Fulfilment::Pickup);
        delivery.replay(&orders, Fulfilment::Delivery);
    }
    println!("\n### {title}\n");
    println!(
        "{evenings} evenings (seeds {first}–{}), {count} orders; {} kitchen slots, {} drivers, \
         {:.2} orders/min at the 20:00 peak.",
        first + evenings - 1,
        shop.slots,
        shop.drivers,
        shop.rush + 0.1
    );
    pickup.print("Pickup (ready at the counter)");
    delivery.print("Delivery (at the door)");
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>());
    let evenings = args.next().and_then(Result::ok).unwrap_or(20);
    let first = args.next().and_then(Result::ok).unwrap_or(1);
    println!(
        "Error = actual − estimate, in minutes: positive when the order came later than said."
    );
    let busy = Shop {
        slots: 6,
        drivers: 6,
        rush: 0.45,
    };
    evaluate("A busy evening", busy, evenings, first);
    let overrun = Shop { rush: 0.75, ..busy };
    evaluate(
        "An evening beyond the kitchen's capacity",
        overrun,
        evenings,
        first,
    );
}
