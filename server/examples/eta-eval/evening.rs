//! A generated evening of one shop: orders arriving from 18:00, ramping to a rush at 20:00,
//! a kitchen of a few slots working in order of arrival, and a few drivers. Every duration is
//! random, from a seeded generator: the same seed gives the same evening.

use jiff::{SignedDuration, Timestamp};
use ocpizza_proto::Fulfilment;
use ocpizza_proto::api::orders::StageTimes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How the shop really works (unknown to the estimator, which only sees stage times).
#[derive(Debug, Clone, Copy)]
pub struct Shop {
    /// Orders the kitchen prepares at once.
    pub slots: usize,
    /// Drivers on the road.
    pub drivers: usize,
    /// Orders per minute at the peak of the rush (on top of the quiet rate).
    pub rush: f64,
}

/// One order as it really went.
#[derive(Debug, Clone)]
pub struct Order {
    /// Delivery or pickup.
    pub fulfilment: Fulfilment,
    /// Its stage times.
    pub times: StageTimes,
}

impl Order {
    /// When it was ready (pickup) or delivered.
    pub fn done(&self) -> Timestamp {
        match self.fulfilment {
            Fulfilment::Pickup => self.times.ready_at,
            Fulfilment::Delivery => self.times.delivered_at,
        }
        .expect("every generated order is finished")
    }
}

fn minutes(m: f64) -> SignedDuration {
    SignedDuration::from_secs_f64(m * 60.0)
}

/// A normal sample (Box–Muller), cut below at `min`.
fn normal(rng: &mut StdRng, mean: f64, sd: f64, min: f64) -> f64 {
    let (u, v): (f64, f64) = (rng.random_range(f64::EPSILON..1.0), rng.random());
    (mean + sd * (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()).max(min)
}

/// Arrival times from 18:00 to 22:30: a quiet rate plus a rush centred on 20:00.
fn arrivals(rng: &mut StdRng, start: Timestamp, rush: f64) -> Vec<Timestamp> {
    let rate = |m: f64| 0.1 + rush * (-((m - 120.0) / 40.0).powi(2)).exp();
    let mut out = Vec::new();
    for minute in 0..270 {
        // Thinned Poisson arrivals, second by second.
        for second in 0..60 {
            if rng.random::<f64>() < rate(f64::from(minute)) / 60.0 {
                out.push(start + minutes(f64::from(minute)) + SignedDuration::from_secs(second));
            }
        }
    }
    out
}

/// The whole evening, orders in order of arrival.
pub fn generate(seed: u64, start: Timestamp, shop: Shop) -> Vec<Order> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut slots = vec![start; shop.slots];
    let mut drivers = vec![start; shop.drivers];
    let mut last_start = start;
    let mut orders = Vec::new();
    for placed in arrivals(&mut rng, start, shop.rush) {
        let pizzas = rng.random_range(1..=4);
        let fulfilment = if rng.random::<f64>() < 0.6 {
            Fulfilment::Delivery
        } else {
            Fulfilment::Pickup
        };
        // The cook notices the ticket, takes the first free slot; tickets go in order.
        let slot = (0..slots.len()).min_by_key(|i| slots[*i]).expect("slots");
        let react = minutes(rng.random_range(0.5..4.0));
        let started = (placed + react).max(slots[slot]).max(last_start);
        let prepare = minutes(normal(&mut rng, 7.0 + 1.5 * f64::from(pizzas), 2.5, 5.0));
        let ready = started + prepare;
        slots[slot] = ready;
        last_start = started;
        let mut times = StageTimes {
            placed_at: Some(placed),
            preparing_at: Some(started),
            ready_at: Some(ready),
            ..StageTimes::default()
        };
        if fulfilment == Fulfilment::Delivery {
            let driver = (0..drivers.len())
                .min_by_key(|i| drivers[*i])
                .expect("drivers");
            let out = ready.max(drivers[driver]) + minutes(rng.random_range(1.0..4.0));
            let drive = minutes(normal(&mut rng, 10.0, 4.0, 3.0));
            times.out_for_delivery_at = Some(out);
            times.delivered_at = Some(out + drive);
            // Back at the shop after the same road home.
            drivers[driver] = out + drive + drive;
        }
        orders.push(Order { fulfilment, times });
    }
    orders
}
