//! The figures of a shop's report, computed from its rows (see `db.rs`): sales by channel and
//! payment method, time per stage (mean and 90th percentile), late orders, orders per local
//! hour and per local day.
//!
//! An order belongs to the period in which it was placed (reached the shop). Cancelled orders
//! are counted apart and left out of every other figure; an order still open counts in the
//! stages it has finished, and is late in its current stage when it has been there longer
//! than the limit at the time of the report.

use super::db::{LedgerSum, OrderRow, ShopRef};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use ocpizza_proto::api::dashboard::late_after_minutes;
use ocpizza_proto::api::orders::Channel;
use ocpizza_proto::api::reports::{
    DayRow, DayStage, HourRow, PizzaRow, SalesRow, ShopReport, Stage, StageRow, StockRow, Summary,
};
use ocpizza_proto::{IngredientId, Money, PaymentMethod};
use std::collections::BTreeMap;

/// A shop's period: its local days and the instants they span.
#[derive(Debug, Clone)]
pub struct Span {
    /// The shop's zone.
    pub tz: TimeZone,
    /// First local day.
    pub first: Date,
    /// Last local day (included).
    pub last: Date,
    /// Midnight of `first`.
    pub starts_at: Timestamp,
    /// Midnight after `last`.
    pub ends_at: Timestamp,
}

impl Span {
    /// `[start, end)` in Unix ms.
    pub fn bounds_ms(&self) -> (i64, i64) {
        (
            self.starts_at.as_millisecond(),
            self.ends_at.as_millisecond(),
        )
    }

    /// The local days of the period, in order.
    fn days(&self) -> Vec<Date> {
        self.first
            .series(1.day())
            .take_while(|d| *d <= self.last)
            .collect()
    }
}

/// What was read for one shop.
#[derive(Debug, Default)]
pub struct Rows {
    /// Orders placed in the period.
    pub orders: Vec<OrderRow>,
    /// `(pizza, size, quantity, revenue)`.
    pub pizzas: Vec<(String, String, i64, i64)>,
    /// Waste and corrections.
    pub losses: Vec<LedgerSum>,
}

/// When an order entered `stage` and, if it did, when it left it (Unix ms).
fn stage_bounds(o: &OrderRow, stage: Stage) -> Option<(i64, Option<i64>)> {
    match stage {
        Stage::Placed => Some((o.placed_at, o.preparing_at)),
        Stage::Preparing => o.preparing_at.map(|s| (s, o.ready_at)),
        Stage::Ready => o
            .ready_at
            .map(|s| (s, o.out_for_delivery_at.or(o.collected_at))),
        Stage::OutForDelivery => o.out_for_delivery_at.map(|s| (s, o.delivered_at)),
        Stage::Whole => Some((o.placed_at, o.delivered_at.or(o.collected_at))),
    }
}

/// Durations of one stage, for its mean and percentile.
#[derive(Debug, Default, Clone)]
struct Durations {
    ms: Vec<i64>,
    late: i64,
}

impl Durations {
    fn mean_s(&self) -> Option<i64> {
        let n = i64::try_from(self.ms.len()).ok().filter(|n| *n > 0)?;
        let sum: i64 = self.ms.iter().sum();
        Some(round_s(sum / n))
    }

    /// Nearest-rank 90th percentile: the smallest duration that at least 90 % of the orders
    /// did not exceed.
    fn p90_s(&mut self) -> Option<i64> {
        if self.ms.is_empty() {
            return None;
        }
        self.ms.sort_unstable();
        let rank = (self.ms.len() * 9).div_ceil(10);
        Some(round_s(self.ms[rank.max(1) - 1]))
    }

    fn count(&self) -> i64 {
        i64::try_from(self.ms.len()).unwrap_or(i64::MAX)
    }
}

/// Milliseconds to the nearest second.
fn round_s(ms: i64) -> i64 {
    (ms + 500).div_euclid(1000)
}

/// Per-stage durations of a set of orders.
#[derive(Debug, Default, Clone)]
struct Stages(BTreeMap<Stage, Durations>);

impl Stages {
    /// Adds an order's finished stages; says whether it was late in any stage at `now_ms`.
    fn add(&mut self, o: &OrderRow, now_ms: i64) -> bool {
        let mut late = false;
        for stage in Stage::ALL {
            let Some((start, end)) = stage_bounds(o, stage) else {
                continue;
            };
            let entry = self.0.entry(stage).or_default();
            let in_it = stage.status().is_some_and(|s| s.as_str() == o.status);
            let spent = match end {
                Some(end) => Some((end - start).max(0)),
                None if in_it => None,
                None => continue,
            };
            if let Some(ms) = spent {
                entry.ms.push(ms);
            }
            let limit = stage.status().and_then(late_after_minutes);
            let so_far = spent.unwrap_or(now_ms - start);
            if limit.is_some_and(|m| so_far > m * 60_000) {
                entry.late += 1;
                late = true;
            }
        }
        late
    }
}

fn cancelled(o: &OrderRow) -> bool {
    o.status == "cancelled"
}

/// Orders and revenue per key, every key of `known` listed first (zeros included), then any
/// other key found, by name.
fn sales_by(
    orders: &[&OrderRow],
    known: &[&str],
    key: impl Fn(&OrderRow) -> &str,
) -> Vec<SalesRow> {
    let mut by: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for o in orders {
        let e = by.entry(key(o).to_owned()).or_default();
        e.0 += 1;
        e.1 += o.total_cents;
    }
    let mut rows: Vec<SalesRow> = known
        .iter()
        .map(|k| {
            let (orders, cents) = by.remove(*k).unwrap_or_default();
            SalesRow {
                key: (*k).to_owned(),
                orders,
                revenue: Money(cents),
            }
        })
        .collect();
    rows.extend(by.into_iter().map(|(key, (orders, cents))| SalesRow {
        key,
        orders,
        revenue: Money(cents),
    }));
    rows
}

fn channels() -> [&'static str; 3] {
    [
        Channel::Web.as_str(),
        Channel::Phone.as_str(),
        Channel::Counter.as_str(),
    ]
}

fn payment_methods() -> [&'static str; 4] {
    [
        PaymentMethod::Online.as_str(),
        PaymentMethod::CashOnDelivery.as_str(),
        PaymentMethod::AtCounter.as_str(),
        PaymentMethod::CardOnDelivery.as_str(),
    ]
}

/// The report of one shop over `span` from its `rows`, lateness judged at `now_ms`.
pub fn shop_report(shop: &ShopRef, span: &Span, rows: Rows, now_ms: i64) -> ShopReport {
    let counted: Vec<&OrderRow> = rows.orders.iter().filter(|o| !cancelled(o)).collect();
    let revenue: i64 = counted.iter().map(|o| o.total_cents).sum();
    let n = i64::try_from(counted.len()).unwrap_or(i64::MAX);

    let days = span.days();
    let mut by_day: BTreeMap<Date, (i64, i64, Stages)> = days
        .iter()
        .map(|d| (*d, (0, 0, Stages::default())))
        .collect();
    let mut hours = [(0_i64, 0_i64); 24];
    let mut stages = Stages::default();
    let mut late_orders = 0;
    for o in &counted {
        if stages.add(o, now_ms) {
            late_orders += 1;
        }
        let Ok(at) = Timestamp::from_millisecond(o.placed_at) else {
            continue;
        };
        let local = at.to_zoned(span.tz.clone());
        let hour = &mut hours[usize::try_from(local.hour()).unwrap_or(0).min(23)];
        hour.0 += 1;
        hour.1 += o.total_cents;
        if let Some(day) = by_day.get_mut(&local.date()) {
            day.0 += 1;
            day.1 += o.total_cents;
            day.2.add(o, now_ms);
        }
    }

    let mut pizzas: Vec<PizzaRow> = rows
        .pizzas
        .into_iter()
        .map(|(pizza, size, quantity, cents)| PizzaRow {
            pizza,
            size,
            quantity,
            revenue: Money(cents),
        })
        .collect();
    pizzas.sort_by(|a, b| {
        b.quantity
            .cmp(&a.quantity)
            .then_with(|| a.pizza.cmp(&b.pizza))
            .then_with(|| a.size.cmp(&b.size))
    });

    ShopReport {
        shop_id: shop.id,
        name: shop.name.clone(),
        timezone: shop.timezone.clone(),
        first_day: span.first,
        last_day: span.last,
        starts_at: span.starts_at,
        ends_at: span.ends_at,
        summary: Summary {
            orders: n,
            revenue: Money(revenue),
            cancelled: i64::try_from(rows.orders.len() - counted.len()).unwrap_or(0),
            average_basket: Money(if n > 0 { revenue / n } else { 0 }),
            late_orders,
            pizzas: pizzas.iter().map(|p| p.quantity).sum(),
        },
        channels: sales_by(&counted, &channels(), |o| &o.channel),
        payments: sales_by(&counted, &payment_methods(), |o| &o.payment_method),
        stages: Stage::ALL
            .into_iter()
            .map(|stage| {
                let mut d = stages.0.remove(&stage).unwrap_or_default();
                StageRow {
                    stage,
                    orders: d.count(),
                    mean_s: d.mean_s(),
                    p90_s: d.p90_s(),
                    late: d.late,
                }
            })
            .collect(),
        pizzas,
        stock: stock_rows(rows.losses),
        hours: hours
            .iter()
            .zip(0_i8..)
            .map(|(&(orders, cents), hour)| HourRow {
                hour,
                orders,
                revenue: Money(cents),
            })
            .collect(),
        days: by_day
            .into_iter()
            .map(|(day, (orders, cents, st))| DayRow {
                day,
                orders,
                revenue: Money(cents),
                stages: Stage::ALL
                    .into_iter()
                    .map(|stage| {
                        let d = st.0.get(&stage).cloned().unwrap_or_default();
                        DayStage {
                            stage,
                            orders: d.count(),
                            mean_s: d.mean_s(),
                        }
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// One row per ingredient with waste or corrections, by name.
fn stock_rows(losses: Vec<LedgerSum>) -> Vec<StockRow> {
    let mut by: BTreeMap<(String, i64), StockRow> = BTreeMap::new();
    for l in losses {
        let row = by
            .entry((l.name.clone(), l.ingredient_id))
            .or_insert_with(|| StockRow {
                ingredient_id: IngredientId(l.ingredient_id),
                name: l.name.clone(),
                unit: l.unit.clone(),
                waste: 0,
                waste_count: 0,
                correction: 0,
                correction_count: 0,
            });
        if l.kind == "waste" {
            row.waste -= l.delta;
            row.waste_count += l.count;
        } else {
            row.correction += l.delta;
            row.correction_count += l.count;
        }
    }
    by.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn durations(ms: &[i64]) -> Durations {
        Durations {
            ms: ms.to_vec(),
            late: 0,
        }
    }

    #[test]
    fn the_90th_percentile_is_the_nearest_rank() {
        let mut ten = durations(&[
            10_000, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000, 8_000, 9_000,
        ]);
        assert_eq!(ten.p90_s(), Some(9));
        assert_eq!(ten.mean_s(), Some(6)); // 55 s / 10, rounded
        let mut one = durations(&[61_000]);
        assert_eq!(one.p90_s(), Some(61));
        let mut eleven = durations(&(1..=11).map(|s| s * 1000).collect::<Vec<_>>());
        assert_eq!(eleven.p90_s(), Some(10));
        assert_eq!(durations(&[]).mean_s(), None);
    }

    #[test]
    fn an_open_order_is_late_in_its_current_stage_only_when_past_the_limit() {
        let placed = 1_000_000;
        let o = OrderRow {
            status: "placed".into(),
            placed_at: placed,
            ..OrderRow::default()
        };
        let mut stages = Stages::default();
        assert!(!stages.add(&o, placed + 10 * 60_000));
        assert!(stages.add(&o, placed + 10 * 60_000 + 1));
        assert!(
            stages.0[&Stage::Placed].ms.is_empty(),
            "not finished: no duration"
        );
    }
}
