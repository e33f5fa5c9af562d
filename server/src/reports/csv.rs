//! A report's tables as CSV: a header line, then one line per shop and row, the shop's id
//! and name first. Money is in euros with a dot (`12.50`), durations in seconds, dates
//! `YYYY-MM-DD`: what a spreadsheet reads whatever its language.

use ocpizza_proto::Money;
use ocpizza_proto::api::reports::{Report, ShopReport, Stage};
use std::fmt::Write as _;

/// The cells of a table's lines for one shop.
type Rows = fn(&ShopReport) -> Vec<Vec<String>>;

/// The table `name` (one of `CSV_TABLES`) of `report`.
pub fn table(report: &Report, name: &str) -> String {
    let (header, rows): (&[&str], Rows) = match name {
        "summary" => (
            &[
                "orders",
                "revenue_eur",
                "cancelled",
                "average_basket_eur",
                "late_orders",
                "pizzas",
            ],
            summary,
        ),
        "channels" => (&["channel", "orders", "revenue_eur"], channels),
        "payments" => (&["payment_method", "orders", "revenue_eur"], payments),
        "stages" => (&["stage", "orders", "mean_s", "p90_s", "late"], stages),
        "pizzas" => (&["pizza", "size", "quantity", "revenue_eur"], pizzas),
        "stock" => (
            &[
                "ingredient_id",
                "ingredient",
                "unit",
                "waste",
                "waste_movements",
                "correction",
                "corrections",
            ],
            stock,
        ),
        "hours" => (&["hour", "orders", "revenue_eur"], hours),
        _ => (&[], days),
    };
    let mut out = String::new();
    let mut head = vec!["shop_id", "shop", "first_day", "last_day"];
    if name == "days" {
        head.extend(["day", "orders", "revenue_eur"]);
        head.extend(Stage::ALL.iter().map(|s| stage_header(*s)));
    } else {
        head.extend(header);
    }
    line(&mut out, head.iter().map(|h| (*h).to_owned()));
    for shop in &report.shops {
        let lead = [
            shop.shop_id.0.to_string(),
            text(&shop.name),
            shop.first_day.to_string(),
            shop.last_day.to_string(),
        ];
        for row in rows(shop) {
            line(&mut out, lead.iter().cloned().chain(row));
        }
    }
    out
}

fn stage_header(stage: Stage) -> &'static str {
    match stage {
        Stage::Placed => "placed_mean_s",
        Stage::Preparing => "preparing_mean_s",
        Stage::Ready => "ready_mean_s",
        Stage::OutForDelivery => "out_for_delivery_mean_s",
        Stage::Whole => "whole_mean_s",
    }
}

fn line(out: &mut String, cells: impl Iterator<Item = String>) {
    let cells: Vec<String> = cells.collect();
    let _ = writeln!(out, "{}", cells.join(","));
}

/// A text cell: quoted when it holds a separator, a quote or a line break; a leading `=`, `+`,
/// `-` or `@` is escaped so that a spreadsheet does not read a name as a formula.
fn text(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn euros(m: Money) -> String {
    let sign = if m.0 < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", m.0.abs() / 100, m.0.abs() % 100)
}

fn opt(v: Option<i64>) -> String {
    v.map_or_else(String::new, |v| v.to_string())
}

fn summary(s: &ShopReport) -> Vec<Vec<String>> {
    let t = &s.summary;
    vec![vec![
        t.orders.to_string(),
        euros(t.revenue),
        t.cancelled.to_string(),
        euros(t.average_basket),
        t.late_orders.to_string(),
        t.pizzas.to_string(),
    ]]
}

fn channels(s: &ShopReport) -> Vec<Vec<String>> {
    s.channels
        .iter()
        .map(|r| vec![text(&r.key), r.orders.to_string(), euros(r.revenue)])
        .collect()
}

fn payments(s: &ShopReport) -> Vec<Vec<String>> {
    s.payments
        .iter()
        .map(|r| vec![text(&r.key), r.orders.to_string(), euros(r.revenue)])
        .collect()
}

fn stages(s: &ShopReport) -> Vec<Vec<String>> {
    s.stages
        .iter()
        .map(|r| {
            vec![
                r.stage.as_str().to_owned(),
                r.orders.to_string(),
                opt(r.mean_s),
                opt(r.p90_s),
                r.late.to_string(),
            ]
        })
        .collect()
}

fn pizzas(s: &ShopReport) -> Vec<Vec<String>> {
    s.pizzas
        .iter()
        .map(|r| {
            vec![
                text(&r.pizza),
                text(&r.size),
                r.quantity.to_string(),
                euros(r.revenue),
            ]
        })
        .collect()
}

fn stock(s: &ShopReport) -> Vec<Vec<String>> {
    s.stock
        .iter()
        .map(|r| {
            vec![
                r.ingredient_id.0.to_string(),
                text(&r.name),
                text(&r.unit),
                r.waste.to_string(),
                r.waste_count.to_string(),
                r.correction.to_string(),
                r.correction_count.to_string(),
            ]
        })
        .collect()
}

fn hours(s: &ShopReport) -> Vec<Vec<String>> {
    s.hours
        .iter()
        .map(|r| vec![r.hour.to_string(), r.orders.to_string(), euros(r.revenue)])
        .collect()
}

fn days(s: &ShopReport) -> Vec<Vec<String>> {
    s.days
        .iter()
        .map(|d| {
            let mut row = vec![d.day.to_string(), d.orders.to_string(), euros(d.revenue)];
            row.extend(d.stages.iter().map(|st| opt(st.mean_s)));
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_look_like_formulas_or_hold_commas_are_escaped() {
        assert_eq!(text("Reine"), "Reine");
        assert_eq!(text("=1+1"), "'=1+1");
        assert_eq!(text("Bœuf, \"maison\""), "\"Bœuf, \"\"maison\"\"\"");
        assert_eq!(euros(Money(1250)), "12.50");
        assert_eq!(euros(Money(-5)), "-0.05");
    }
}
