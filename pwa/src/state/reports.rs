//! The reports page's choices (period, date, shop) and the addresses they make, and the
//! geometry of its two charts (time per stage per day as stacked bars, orders per hour as
//! bars), drawn as inline SVG without any charting library.

use ocpizza_proto::api::reports::{DayRow, HourRow, Period, Stage};

/// What the manager asked to see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// Day, week or month.
    pub period: Period,
    /// `YYYY-MM-DD`, or empty for each shop's today.
    pub date: String,
    /// One shop, or every shop the account may see.
    pub shop: Option<i64>,
}

impl Default for Choice {
    fn default() -> Choice {
        Choice {
            period: Period::Week,
            date: String::new(),
            shop: None,
        }
    }
}

impl Choice {
    /// The query string shared by the JSON report and its CSV tables.
    pub fn query(&self) -> String {
        let mut q = format!("period={}", self.period.as_str());
        if !self.date.is_empty() {
            q.push_str("&date=");
            q.push_str(&self.date);
        }
        if let Some(shop) = self.shop {
            q = format!("{q}&shop={shop}");
        }
        q
    }

    /// `GET` address of the report.
    pub fn path(&self) -> String {
        format!("/api/v1/reports?{}", self.query())
    }

    /// Address of one table as CSV.
    pub fn csv(&self, table: &str) -> String {
        format!("/api/v1/reports.csv?table={table}&{}", self.query())
    }
}

/// The stages drawn in the daily chart, stacked from the bottom.
pub const CHART_STAGES: [Stage; 4] = [
    Stage::Placed,
    Stage::Preparing,
    Stage::Ready,
    Stage::OutForDelivery,
];

/// Width and height of a chart's drawing area (the SVG's `viewBox`, plus margins).
pub const CHART_W: f64 = 600.0;
/// See [`CHART_W`].
pub const CHART_H: f64 = 200.0;

/// A rectangle of a chart, in `viewBox` units.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
    /// Which stage (daily chart) or `None` (hours chart).
    pub stage: Option<Stage>,
    /// The value drawn, for its tooltip: minutes or orders.
    pub value: f64,
    /// The column's label (day of the month, or hour).
    pub label: String,
}

/// A round top for an axis that holds `max` (1, 2, 5 × 10ⁿ), never below 1.
pub fn nice_max(max: f64) -> f64 {
    if max <= 1.0 {
        return 1.0;
    }
    let magnitude = 10_f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|top| *top >= max)
        .unwrap_or(10.0 * magnitude)
}

fn minutes(seconds: Option<i64>) -> f64 {
    seconds.unwrap_or(0) as f64 / 60.0
}

/// The daily chart: for each day a column of the mean minutes of each stage, stacked; the
/// axis top in minutes.
pub fn day_bars(days: &[DayRow]) -> (Vec<Bar>, f64) {
    let totals = days.iter().map(|d| {
        d.stages
            .iter()
            .filter(|s| CHART_STAGES.contains(&s.stage))
            .map(|s| minutes(s.mean_s))
            .sum::<f64>()
    });
    let top = nice_max(totals.fold(0.0, f64::max));
    let slot = CHART_W / days.len().max(1) as f64;
    let mut bars = Vec::new();
    for (i, day) in days.iter().enumerate() {
        let mut y = CHART_H;
        for stage in CHART_STAGES {
            let value = minutes(
                day.stages
                    .iter()
                    .find(|s| s.stage == stage)
                    .and_then(|s| s.mean_s),
            );
            if value <= 0.0 {
                continue;
            }
            let h = value / top * CHART_H;
            y -= h;
            bars.push(Bar {
                x: i as f64 * slot + slot * 0.15,
                y,
                w: slot * 0.7,
                h,
                stage: Some(stage),
                value,
                label: day.day.day().to_string(),
            });
        }
    }
    (bars, top)
}

/// The hours chart: one bar per hour of the day; the axis top in orders.
pub fn hour_bars(hours: &[HourRow]) -> (Vec<Bar>, f64) {
    let top = nice_max(hours.iter().map(|h| h.orders as f64).fold(0.0, f64::max));
    let slot = CHART_W / hours.len().max(1) as f64;
    let bars = hours
        .iter()
        .enumerate()
        .filter(|(_, h)| h.orders > 0)
        .map(|(i, h)| {
            let value = h.orders as f64;
            let height = value / top * CHART_H;
            Bar {
                x: i as f64 * slot + slot * 0.1,
                y: CHART_H - height,
                w: slot * 0.8,
                h: height,
                stage: None,
                value,
                label: h.hour.to_string(),
            }
        })
        .collect();
    (bars, top)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpizza_proto::Money;
    use ocpizza_proto::api::reports::DayStage;

    fn day(d: i8, means: [Option<i64>; 4]) -> DayRow {
        DayRow {
            day: format!("2026-12-{d:02}").parse().unwrap(),
            orders: 1,
            revenue: Money(0),
            stages: CHART_STAGES
                .iter()
                .zip(means)
                .map(|(stage, mean_s)| DayStage {
                    stage: *stage,
                    orders: 1,
                    mean_s,
                })
                .collect(),
        }
    }

    fn near(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn the_axis_ends_on_a_round_value() {
        assert!(near(nice_max(0.0), 1.0));
        assert!(near(nice_max(3.0), 5.0));
        assert!(near(nice_max(17.0), 20.0));
        assert!(near(nice_max(50.0), 50.0));
        assert!(near(nice_max(51.0), 100.0));
    }

    #[test]
    fn a_day_stacks_its_stages_from_the_bottom() {
        let days = [
            day(1, [Some(300), Some(600), None, Some(900)]),
            day(2, [None, None, None, None]),
        ];
        let (bars, top) = day_bars(&days);
        assert!(near(top, 50.0)); // 5 + 10 + 15 = 30 minutes
        assert_eq!(bars.len(), 3, "nothing drawn for an empty stage or day");
        assert_eq!(bars[0].stage, Some(Stage::Placed));
        assert!((bars[0].y + bars[0].h - CHART_H).abs() < 1e-9);
        assert!((bars[1].y + bars[1].h - bars[0].y).abs() < 1e-9);
        assert!((bars[2].h - 15.0 / 50.0 * CHART_H).abs() < 1e-9);
    }

    #[test]
    fn the_query_names_what_was_chosen() {
        let c = Choice {
            period: Period::Day,
            date: "2026-12-03".into(),
            shop: Some(2),
        };
        assert_eq!(
            c.path(),
            "/api/v1/reports?period=day&date=2026-12-03&shop=2"
        );
        assert_eq!(
            Choice::default().csv("hours"),
            "/api/v1/reports.csv?table=hours&period=week"
        );
    }
}
