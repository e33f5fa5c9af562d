//! Managers' reports: a week of chosen orders whose figures are known (counts, revenue by
//! channel and payment method, mean and 90th percentile per stage, late orders, local hours
//! and days), waste and corrections from the ledger, the CSV tables, and who may read what.

use crate::helpers::*;
use ocpizza_proto::api::orders::Order;
use ocpizza_proto::api::reports::{Report, ShopReport, Stage};
use ocpizza_proto::{Money, ShopId};
use reqwest::StatusCode;
use serde_json::json;

/// Milliseconds of a Paris wall-clock time (November: UTC+1).
fn paris(local: &str) -> i64 {
    local
        .parse::<jiff::civil::DateTime>()
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::get("Europe/Paris").unwrap())
        .unwrap()
        .timestamp()
        .as_millisecond()
}

const MIN: i64 = 60_000;

/// Rewrites an order placed through the API as if it had been placed at `placed` (Paris time)
/// on `channel`, paid by `method`, and spent `stages` minutes in placed, preparing, ready and
/// out for delivery (a pickup has three), ending delivered or collected.
async fn backdate(
    app: &TestApp,
    order: &Order,
    placed: &str,
    channel: &str,
    method: &str,
    stages: &[i64],
) {
    let mut at = paris(placed);
    let mut times = vec![at];
    for m in stages {
        at += m * MIN;
        times.push(at);
    }
    let t = |i: usize| times.get(i).copied();
    let pickup = stages.len() == 3;
    let (status, out, delivered, collected) = if pickup {
        ("collected", None, None, t(3))
    } else {
        ("delivered", t(3), t(4), None)
    };
    sqlx::query(
        "UPDATE orders SET status = $1, channel = $2, payment_method = $3, placed_at = $4, \
         preparing_at = $5, ready_at = $6, out_for_delivery_at = $7, delivered_at = $8, \
         collected_at = $9, created_at = $4 WHERE id = $10",
    )
    .bind(status)
    .bind(channel)
    .bind(method)
    .bind(t(0))
    .bind(t(1))
    .bind(t(2))
    .bind(out)
    .bind(delivered)
    .bind(collected)
    .bind(order.id.0)
    .execute(app.db.pool())
    .await
    .unwrap();
}

/// Five orders counted in the week of Monday 2 November 2026 in Paris, one cancelled, and one
/// placed ten minutes after the week ended in Paris (still Sunday in UTC).
struct Week {
    counted: Vec<Order>,
}

// The orders are a, b, c, d and g, as the comments and `a_week_of_known_orders…` name them.
#[allow(clippy::many_single_char_names)]
async fn a_known_week(app: &TestApp) -> Week {
    let customer = app.anonymous();
    let a = customer.place(&delivery(MARGHERITA, "medium", 2)).await;
    let b = customer.place(&delivery(REGINA, "large", 1)).await;
    let c = customer.place(&pickup(MARGHERITA, "medium", 1)).await;
    let d = customer.place(&pickup(REGINA, "medium", 3)).await;
    let g = customer.place(&delivery(MARGHERITA, "large", 1)).await;
    let cancelled = customer.place(&pickup(MARGHERITA, "medium", 1)).await;
    let next_week = customer.place(&pickup(MARGHERITA, "medium", 1)).await;
    backdate(
        app,
        &a,
        "2026-11-03T12:05",
        "web",
        "cash_on_delivery",
        &[4, 12, 6, 20],
    )
    .await;
    backdate(
        app,
        &b,
        "2026-11-03T12:40",
        "phone",
        "cash_on_delivery",
        &[8, 16, 2, 30],
    )
    .await;
    // Ready 14 minutes before it was collected: late in the ready stage (limit 10).
    backdate(
        app,
        &c,
        "2026-11-04T19:10",
        "counter",
        "at_counter",
        &[2, 10, 14],
    )
    .await;
    // Waited 12 minutes before the kitchen started it: late in the placed stage (limit 10).
    backdate(app, &d, "2026-11-04T19:20", "web", "online", &[12, 8, 4]).await;
    // Sunday 23:30 in Paris is 22:30 UTC: still in the week, at 23 h local.
    backdate(
        app,
        &g,
        "2026-11-08T23:30",
        "phone",
        "card_on_delivery",
        &[3, 9, 5, 15],
    )
    .await;
    backdate(
        app,
        &next_week,
        "2026-11-09T00:10",
        "web",
        "at_counter",
        &[1, 1, 1],
    )
    .await;
    backdate(
        app,
        &cancelled,
        "2026-11-04T20:00",
        "web",
        "at_counter",
        &[],
    )
    .await;
    sqlx::query("UPDATE orders SET status = 'cancelled' WHERE id = $1")
        .bind(cancelled.id.0)
        .execute(app.db.pool())
        .await
        .unwrap();
    Week {
        counted: vec![a, b, c, d, g],
    }
}

fn stage(report: &ShopReport, stage: Stage) -> (i64, Option<i64>, Option<i64>, i64) {
    let row = report.stages.iter().find(|s| s.stage == stage).unwrap();
    (row.orders, row.mean_s, row.p90_s, row.late)
}

#[tokio::test]
#[allow(clippy::many_single_char_names)]
async fn a_week_of_known_orders_gives_known_figures() {
    let app = TestApp::spawn().await;
    let week = a_known_week(&app).await;
    let manager = app.as_demo("manager").await;
    let report: Report = manager
        .get_json("/api/v1/reports?period=week&date=2026-11-04")
        .await;
    assert_eq!(report.shops.len(), 1, "the manager's own shop only");
    let r = &report.shops[0];
    assert_eq!(r.shop_id, SHOP);
    assert_eq!(r.first_day.to_string(), "2026-11-02");
    assert_eq!(r.last_day.to_string(), "2026-11-08");
    assert_eq!(r.starts_at.to_string(), "2026-11-01T23:00:00Z");
    assert_eq!(r.ends_at.to_string(), "2026-11-08T23:00:00Z");

    let total = |orders: &[&Order]| Money(orders.iter().map(|o| o.total.0).sum());
    let [a, b, c, d, g] = [0, 1, 2, 3, 4].map(|i| &week.counted[i]);
    assert_eq!(r.summary.orders, 5);
    assert_eq!(r.summary.cancelled, 1);
    assert_eq!(r.summary.revenue, total(&[a, b, c, d, g]));
    assert_eq!(r.summary.average_basket, Money(r.summary.revenue.0 / 5));
    assert_eq!(r.summary.late_orders, 2, "c (ready) and d (placed)");
    assert_eq!(r.summary.pizzas, 2 + 1 + 1 + 3 + 1);

    let sales = |rows: &[ocpizza_proto::api::reports::SalesRow]| -> Vec<(String, i64, Money)> {
        rows.iter()
            .map(|s| (s.key.clone(), s.orders, s.revenue))
            .collect()
    };
    assert_eq!(
        sales(&r.channels),
        [
            ("web".to_owned(), 2, total(&[a, d])),
            ("phone".to_owned(), 2, total(&[b, g])),
            ("counter".to_owned(), 1, total(&[c])),
        ]
    );
    assert_eq!(
        sales(&r.payments),
        [
            ("online".to_owned(), 1, total(&[d])),
            ("cash_on_delivery".to_owned(), 2, total(&[a, b])),
            ("at_counter".to_owned(), 1, total(&[c])),
            ("card_on_delivery".to_owned(), 1, total(&[g])),
        ]
    );

    // Placed: 4, 8, 2, 12, 3 min → mean 5.8 min, p90 (5th of 5) 12 min, d late.
    assert_eq!(stage(r, Stage::Placed), (5, Some(348), Some(720), 1));
    // Preparing: 12, 16, 10, 8, 9 → mean 11 min, p90 16 min.
    assert_eq!(stage(r, Stage::Preparing), (5, Some(660), Some(960), 0));
    // Ready: 6, 2, 14, 4, 5 → mean 6.2 min, p90 14 min, c late.
    assert_eq!(stage(r, Stage::Ready), (5, Some(372), Some(840), 1));
    // Out for delivery: 20, 30, 15 → mean 21 min 40 s, p90 (3rd of 3) 30 min.
    assert_eq!(
        stage(r, Stage::OutForDelivery),
        (3, Some(1300), Some(1800), 0)
    );
    // Whole: 42, 56, 26, 24, 32 → mean 36 min, p90 56 min.
    assert_eq!(stage(r, Stage::Whole), (5, Some(2160), Some(3360), 0));

    let hours: Vec<(i8, i64)> = r
        .hours
        .iter()
        .filter(|h| h.orders > 0)
        .map(|h| (h.hour, h.orders))
        .collect();
    assert_eq!(hours, [(12, 2), (19, 2), (23, 1)], "local hours");
    assert_eq!(r.hours.len(), 24);

    let days: Vec<(String, i64)> = r
        .days
        .iter()
        .map(|d| (d.day.to_string(), d.orders))
        .collect();
    assert_eq!(
        days,
        [
            ("2026-11-02".to_owned(), 0),
            ("2026-11-03".to_owned(), 2),
            ("2026-11-04".to_owned(), 2),
            ("2026-11-05".to_owned(), 0),
            ("2026-11-06".to_owned(), 0),
            ("2026-11-07".to_owned(), 0),
            ("2026-11-08".to_owned(), 1),
        ]
    );
    let tuesday = &r.days[1];
    let preparing = tuesday
        .stages
        .iter()
        .find(|s| s.stage == Stage::Preparing)
        .unwrap();
    assert_eq!((preparing.orders, preparing.mean_s), (2, Some(14 * 60)));
    assert_eq!(r.days[0].stages[0].mean_s, None, "no order that Monday");

    let sold: Vec<(String, String, i64)> = r
        .pizzas
        .iter()
        .map(|p| (p.pizza.clone(), p.size.clone(), p.quantity))
        .collect();
    // Most sold first, then by name.
    assert_eq!(sold[0], ("Margherita".to_owned(), "medium".to_owned(), 3));
    assert_eq!(sold[1], ("Regina".to_owned(), "medium".to_owned(), 3));
    assert_eq!(sold.iter().map(|p| p.2).sum::<i64>(), 8);
    let lines: i64 = week
        .counted
        .iter()
        .flat_map(|o| o.lines.iter().map(|l| l.total.0))
        .sum();
    assert_eq!(r.pizzas.iter().map(|p| p.revenue.0).sum::<i64>(), lines);
}

#[tokio::test]
async fn days_periods_and_months_follow_the_shops_local_calendar() {
    let app = TestApp::spawn().await;
    a_known_week(&app).await;
    let admin = app.as_demo("admin").await;
    let day: Report = admin
        .get_json("/api/v1/reports?period=day&date=2026-11-04&shop=1")
        .await;
    assert_eq!(day.shops.len(), 1);
    assert_eq!(day.shops[0].summary.orders, 2);
    assert_eq!(day.shops[0].summary.cancelled, 1);
    assert_eq!(day.shops[0].days.len(), 1);
    // Monday 9 November 00:10 in Paris: the next week, although still 8 November in UTC.
    let monday: Report = admin
        .get_json("/api/v1/reports?period=day&date=2026-11-09&shop=1")
        .await;
    assert_eq!(monday.shops[0].summary.orders, 1);
    let month: Report = admin
        .get_json("/api/v1/reports?period=month&date=2026-11-30&shop=1")
        .await;
    assert_eq!(month.shops[0].summary.orders, 6);
    assert_eq!(month.shops[0].days.len(), 30);
    let all: Report = admin
        .get_json("/api/v1/reports?period=week&date=2026-11-04")
        .await;
    assert_eq!(all.shops.len(), 5, "every shop for an administrator");
    assert_eq!(all.shops[0].summary.orders, 5);
    assert!(all.shops[1..].iter().all(|s| s.summary.orders == 0));
}

#[tokio::test]
async fn waste_and_corrections_are_summed_per_ingredient_for_the_day() {
    let app = TestApp::spawn().await;
    let (dough, _) = app.recipe(MARGHERITA, "medium").await[0];
    let manager = app.as_demo("manager").await;
    let stock = format!("/api/v1/shops/{SHOP}/stock");
    for quantity in [300, 200] {
        let r = manager
            .post(
                &format!("{stock}/waste"),
                &json!({"ingredient_id": dough, "quantity": quantity, "reason": "brûlée"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let (before, _) = app.level(SHOP, dough).await;
    app.set_stock(SHOP, dough, before - 40).await;
    let report: Report = manager.get_json("/api/v1/reports?period=day").await;
    let row = report.shops[0]
        .stock
        .iter()
        .find(|s| s.ingredient_id == dough)
        .expect("the dough's losses");
    assert_eq!((row.waste, row.waste_count), (500, 2));
    assert_eq!((row.correction, row.correction_count), (-40, 1));
    assert_eq!(
        report.shops[0].stock.len(),
        1,
        "only ingredients with losses"
    );
    // Another shop's report has none of it.
    let other: Report = app
        .as_demo("admin")
        .await
        .get_json(&format!("/api/v1/reports?period=day&shop={OTHER_SHOP}"))
        .await;
    assert!(other.shops[0].stock.is_empty());
}

#[tokio::test]
async fn every_table_comes_as_csv() {
    let app = TestApp::spawn().await;
    a_known_week(&app).await;
    let manager = app.as_demo("manager").await;
    let r = manager
        .get("/api/v1/reports.csv?table=stages&period=week&date=2026-11-04")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("ocpizza-stages-week-2026-11-04.csv")
    );
    let text = r.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "shop_id,shop,first_day,last_day,stage,orders,mean_s,p90_s,late"
    );
    assert!(lines[1].starts_with("1,"));
    assert!(
        lines[1].ends_with(",2026-11-02,2026-11-08,placed,5,348,720,1"),
        "{}",
        lines[1]
    );
    assert_eq!(lines.len(), 1 + 5);
    for table in ocpizza_proto::api::reports::CSV_TABLES {
        let r = manager
            .get(&format!(
                "/api/v1/reports.csv?table={table}&period=month&date=2026-11-04"
            ))
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{table}");
        let text = r.text().await.unwrap();
        assert!(
            text.starts_with("shop_id,shop,first_day,last_day,"),
            "{table}: {text}"
        );
    }
    let summary = manager
        .get("/api/v1/reports.csv?table=summary&period=week&date=2026-11-04")
        .await
        .text()
        .await
        .unwrap();
    let row: Vec<&str> = summary.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(row[4], "5", "orders");
    assert_eq!(row[6], "1", "cancelled");
}

#[tokio::test]
async fn bad_parameters_are_refused_with_the_error_body() {
    let app = TestApp::spawn().await;
    let manager = app.as_demo("manager").await;
    for (query, field) in [
        ("period=year", "query.period"),
        ("date=2026-13-01", "query.date"),
        ("date=03/12/2026", "query.date"),
        ("date=1850-01-01", "query.date"),
        ("shop=abc", "query.shop"),
    ] {
        let r = manager.get(&format!("/api/v1/reports?{query}")).await;
        let (code, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(code, "invalid_input", "{query}");
        assert!(
            body["error"]["fields"][field].is_string(),
            "{query}: {body}"
        );
    }
    let r = manager.get("/api/v1/reports?colour=red").await;
    error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    for query in ["", "table=everything&", "table=summary;drop&"] {
        let r = manager
            .get(&format!("/api/v1/reports.csv?{query}period=day"))
            .await;
        let (_, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(body["error"]["fields"]["query.table"].is_string(), "{body}");
    }
}

#[tokio::test]
async fn only_managers_of_the_shop_and_administrators_read_reports() {
    let app = TestApp::spawn().await;
    for path in ["/api/v1/reports", "/api/v1/reports.csv?table=summary"] {
        error_code(app.anonymous().get(path).await, StatusCode::UNAUTHORIZED).await;
        for who in ["cook", "driver"] {
            let r = app.as_demo(who).await.get(path).await;
            error_code(r, StatusCode::FORBIDDEN).await;
        }
        let r = app.customer().await.get(path).await;
        error_code(r, StatusCode::FORBIDDEN).await;
    }
    let taker = app.staff(SHOP, "order_taker").await;
    error_code(taker.get("/api/v1/reports").await, StatusCode::FORBIDDEN).await;
    let manager = app.as_demo("manager").await;
    let r = manager
        .get(&format!("/api/v1/reports?shop={OTHER_SHOP}"))
        .await;
    error_code(r, StatusCode::FORBIDDEN).await;
    let r = manager
        .get(&format!(
            "/api/v1/reports.csv?table=summary&shop={OTHER_SHOP}"
        ))
        .await;
    error_code(r, StatusCode::FORBIDDEN).await;
    // A manager of the other shop reads it, and only it.
    let other = app.staff(OTHER_SHOP, "manager").await;
    let report: Report = other.get_json("/api/v1/reports").await;
    let shops: Vec<ShopId> = report.shops.iter().map(|s| s.shop_id).collect();
    assert_eq!(shops, [OTHER_SHOP]);
    let admin = app.as_demo("admin").await;
    let (code, _) = error_code(
        admin.get("/api/v1/reports?shop=999").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(code, "not_found");
}
