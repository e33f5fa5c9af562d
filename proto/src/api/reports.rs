//! Managers' reports over a day, a week or a month of one shop or of the whole group
//! (`GET /api/v1/reports`), and the same tables as CSV (`GET /api/v1/reports.csv`).
//!
//! Days are the shop's local days: a week or a month of a shop in Paris starts at its
//! midnight, whatever the server's clock. Durations are in whole seconds.

use crate::ids::{IngredientId, ShopId};
use crate::money::Money;
use crate::status::OrderStatus;
use serde::{Deserialize, Serialize};

/// The length of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// The local day of `date`.
    Day,
    /// The week (Monday to Sunday) that holds `date`.
    Week,
    /// The calendar month that holds `date`.
    Month,
}

impl Period {
    /// Every period, shortest first.
    pub const ALL: [Period; 3] = [Period::Day, Period::Week, Period::Month];

    /// The name used in the query string.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    /// Parses [`Period::as_str`] back.
    pub fn parse(s: &str) -> Option<Period> {
        Period::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The first and last local dates of the period that holds `date`.
    pub fn dates(self, date: jiff::civil::Date) -> Option<(jiff::civil::Date, jiff::civil::Date)> {
        match self {
            Period::Day => Some((date, date)),
            Period::Week => {
                let back = i64::from(date.weekday().to_monday_zero_offset());
                let first = date.checked_sub(jiff::Span::new().days(back)).ok()?;
                Some((first, first.checked_add(jiff::Span::new().days(6)).ok()?))
            }
            Period::Month => Some((date.first_of_month(), date.last_of_month())),
        }
    }
}

/// A stage of an order whose time is measured: from entering a status to leaving it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Placed → the kitchen starts it.
    Placed,
    /// Preparing → ready.
    Preparing,
    /// Ready → out for delivery (a driver took it) or collected (pickup).
    Ready,
    /// Out for delivery → delivered.
    OutForDelivery,
    /// The whole order: placed → delivered or collected.
    Whole,
}

impl Stage {
    /// Every stage, in the order's order, the whole last.
    pub const ALL: [Stage; 5] = [
        Stage::Placed,
        Stage::Preparing,
        Stage::Ready,
        Stage::OutForDelivery,
        Stage::Whole,
    ];

    /// The snake_case name used on the wire and in CSV files.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Placed => "placed",
            Stage::Preparing => "preparing",
            Stage::Ready => "ready",
            Stage::OutForDelivery => "out_for_delivery",
            Stage::Whole => "whole",
        }
    }

    /// The order status an order is in during this stage (`None` for the whole order).
    pub fn status(self) -> Option<OrderStatus> {
        match self {
            Stage::Placed => Some(OrderStatus::Placed),
            Stage::Preparing => Some(OrderStatus::Preparing),
            Stage::Ready => Some(OrderStatus::Ready),
            Stage::OutForDelivery => Some(OrderStatus::OutForDelivery),
            Stage::Whole => None,
        }
    }
}

/// `GET /api/v1/reports`: one report per shop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Report {
    /// The period asked for.
    pub period: Period,
    /// The date asked for (each shop's own today when none was given).
    pub date: Option<jiff::civil::Date>,
    /// The shops, by id.
    pub shops: Vec<ShopReport>,
}

/// The figures of one shop over the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ShopReport {
    /// The shop.
    pub shop_id: ShopId,
    /// Its name.
    pub name: String,
    /// Its time zone, in which the days are counted.
    pub timezone: String,
    /// First local day of the period.
    pub first_day: jiff::civil::Date,
    /// Last local day of the period (included).
    pub last_day: jiff::civil::Date,
    /// The period's first instant (midnight of `first_day` in the shop's zone).
    pub starts_at: jiff::Timestamp,
    /// The first instant after the period.
    pub ends_at: jiff::Timestamp,
    /// Totals.
    pub summary: Summary,
    /// Orders and revenue per channel (web, phone, counter), every channel listed.
    pub channels: Vec<SalesRow>,
    /// Orders and revenue per payment method, every method listed.
    pub payments: Vec<SalesRow>,
    /// Time spent in each stage, every stage listed.
    pub stages: Vec<StageRow>,
    /// Pizzas sold, most sold first.
    pub pizzas: Vec<PizzaRow>,
    /// Waste and inventory corrections per ingredient (those with any), by name.
    pub stock: Vec<StockRow>,
    /// Orders per local hour of the day (0 to 23, all listed), summed over the period's days.
    pub hours: Vec<HourRow>,
    /// Each local day of the period: its orders and the mean time of each stage.
    pub days: Vec<DayRow>,
}

/// The totals of a shop's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Summary {
    /// Orders placed in the period and not cancelled.
    pub orders: i64,
    /// Their total.
    pub revenue: Money,
    /// Orders placed in the period then cancelled.
    pub cancelled: i64,
    /// Mean basket of the orders counted.
    pub average_basket: Money,
    /// Orders that stayed too long in at least one stage (see `dashboard::LATE_AFTER_MINUTES`).
    pub late_orders: i64,
    /// Pizzas sold (quantities of the orders counted).
    pub pizzas: i64,
}

/// Orders and revenue of one channel or one payment method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SalesRow {
    /// The channel (`web`, `phone`, `counter`) or payment method (`online`, …).
    pub key: String,
    /// Orders counted.
    pub orders: i64,
    /// Their total.
    pub revenue: Money,
}

/// How long orders stayed in one stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StageRow {
    /// The stage.
    pub stage: Stage,
    /// Orders that went through it in the period.
    pub orders: i64,
    /// Mean time in it, in seconds (`None` when no order went through it).
    pub mean_s: Option<i64>,
    /// 90th percentile (nearest rank), in seconds.
    pub p90_s: Option<i64>,
    /// Orders that stayed longer than its limit (none for the whole order).
    pub late: i64,
}

/// One pizza and size sold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PizzaRow {
    /// The pizza's name when ordered.
    pub pizza: String,
    /// Size code.
    pub size: String,
    /// How many.
    pub quantity: i64,
    /// Their total (lines with their extras).
    pub revenue: Money,
}

/// Waste and corrections of one ingredient, in its unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StockRow {
    /// The ingredient.
    pub ingredient_id: IngredientId,
    /// Its name.
    pub name: String,
    /// Its unit (`g`, `ml`, `piece`).
    pub unit: String,
    /// Quantity thrown away (positive).
    pub waste: i64,
    /// Waste movements.
    pub waste_count: i64,
    /// Net change of the inventory corrections (negative: less was found than expected).
    pub correction: i64,
    /// Inventory corrections.
    pub correction_count: i64,
}

/// Orders placed in one local hour of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct HourRow {
    /// 0 to 23, the shop's local time.
    pub hour: i8,
    /// Orders counted.
    pub orders: i64,
    /// Their total.
    pub revenue: Money,
}

/// One local day of the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DayRow {
    /// The day.
    pub day: jiff::civil::Date,
    /// Orders counted.
    pub orders: i64,
    /// Their total.
    pub revenue: Money,
    /// Mean time per stage (every stage listed, `None` when no order went through it).
    pub stages: Vec<DayStage>,
}

/// The mean time of a stage on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DayStage {
    /// The stage.
    pub stage: Stage,
    /// Orders that went through it that day.
    pub orders: i64,
    /// Mean time in it, in seconds.
    pub mean_s: Option<i64>,
}

/// The tables `GET /api/v1/reports.csv?table=…` serves.
pub const CSV_TABLES: [&str; 8] = [
    "summary", "channels", "payments", "stages", "pizzas", "stock", "hours", "days",
];

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_week_runs_from_monday_to_sunday() {
        // 2026-12-03 is a Thursday.
        let (first, last) = Period::Week.dates(date(2026, 12, 3)).unwrap();
        assert_eq!((first, last), (date(2026, 11, 30), date(2026, 12, 6)));
        let (first, _) = Period::Week.dates(date(2026, 11, 30)).unwrap();
        assert_eq!(first, date(2026, 11, 30));
        let (_, last) = Period::Week.dates(date(2026, 12, 6)).unwrap();
        assert_eq!(last, date(2026, 12, 6));
    }

    #[test]
    fn a_month_is_the_calendar_month() {
        let (first, last) = Period::Month.dates(date(2028, 2, 10)).unwrap();
        assert_eq!((first, last), (date(2028, 2, 1), date(2028, 2, 29)));
    }
}
