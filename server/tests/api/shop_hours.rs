//! A shop's hours as the API tells them, in the shop's zone (Europe/Paris for the demo shops),
//! whatever the time the tests run: open until, closes soon, closed until a later day; and
//! the business day the dashboard and the cash count.

use crate::helpers::*;
use jiff::tz::TimeZone;
use jiff::{ToSpan, Zoned};
use ocpizza_proto::OpenState;
use ocpizza_proto::api::dashboard::Dashboard;
use ocpizza_proto::api::driver::CashReport;
use ocpizza_proto::api::shops::Shop;
use serde_json::{Value, json};

fn paris_now() -> Zoned {
    Zoned::now().with_time_zone(TimeZone::get("Europe/Paris").unwrap())
}

fn weekday(z: &Zoned) -> i8 {
    z.weekday().to_monday_one_offset()
}

/// Hours open from today's midnight until `minutes` from now (Paris), and that closing time.
fn open_for(minutes: i64) -> (Value, String) {
    let now = paris_now();
    let mut end = now.checked_add(minutes.minutes()).unwrap();
    if end.hour() == 0 && end.minute() == 0 {
        end = end.checked_add(1.minute()).unwrap();
    }
    let closes = end.strftime("%H:%M").to_string();
    let mut slots = vec![json!({"weekday": weekday(&end), "opens": "00:00", "closes": closes})];
    if end.date() != now.date() {
        slots.push(json!({"weekday": weekday(&now), "opens": "00:00", "closes": "24:00"}));
    }
    (json!({ "hours": slots }), closes)
}

async fn set_hours(app: &TestApp, hours: &Value) -> Shop {
    let manager = app.as_demo("manager").await;
    let r = manager.patch(&format!("/api/v1/shops/{SHOP}"), hours).await;
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let patched: Shop = r.json().await.unwrap();
    let listed: Vec<Shop> = app.anonymous().get_json("/api/v1/shops").await;
    assert_eq!(listed[0], patched, "the list and the shop agree");
    patched
}

#[tokio::test]
async fn an_open_shop_tells_until_when_and_that_it_closes_soon_in_its_last_half_hour() {
    let app = TestApp::spawn().await;
    let (hours, closes) = open_for(120);
    let shop = set_hours(&app, &hours).await;
    match &shop.open_state {
        OpenState::Open { until: Some(until) } => assert_eq!(until.time, closes),
        other => panic!("open for two more hours, got {other:?}"),
    }
    assert!(shop.open_now);
    let (hours, closes) = open_for(20);
    let shop = set_hours(&app, &hours).await;
    match &shop.open_state {
        OpenState::ClosesSoon { until } => assert_eq!(until.time, closes),
        other => panic!("closing in 20 minutes, got {other:?}"),
    }
    app.anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
}

#[tokio::test]
async fn a_closed_shop_tells_its_next_opening_days_ahead_and_has_no_hours_today() {
    let app = TestApp::spawn().await;
    let in_two_days = paris_now().checked_add(2.days()).unwrap();
    let opens_on = weekday(&in_two_days);
    let shop = set_hours(
        &app,
        &json!({"hours": [{"weekday": opens_on, "opens": "11:30", "closes": "14:30"}]}),
    )
    .await;
    assert!(!shop.open_now);
    assert!(shop.today_hours.is_empty());
    let OpenState::Closed { next: Some(next) } = &shop.open_state else {
        panic!("closed with a next opening, got {:?}", shop.open_state);
    };
    assert_eq!((next.weekday, next.in_days), (opens_on as u8, 2));
    assert_eq!(next.time, "11:30");
    let local = next.at.to_zoned(TimeZone::get("Europe/Paris").unwrap());
    assert_eq!(local.date(), in_two_days.date());
    let json: Value = app.anonymous().get_json("/api/v1/shops/1").await;
    assert_eq!(json["open_state"]["state"], "closed");
    assert_eq!(json["open_state"]["next"]["time"], "11:30");
}

#[tokio::test]
async fn the_dashboard_and_the_cash_count_the_shops_local_day_and_say_when_it_ends() {
    let app = TestApp::spawn().await;
    let now = paris_now();
    let midnight = now
        .date()
        .tomorrow()
        .unwrap()
        .to_zoned(now.time_zone().clone())
        .unwrap();
    let board: Dashboard = app
        .as_demo("manager")
        .await
        .get_json("/api/v1/group/dashboard")
        .await;
    let card = &board.shops[0];
    assert_eq!(card.day.day, now.date());
    assert_eq!(card.day.day_ends_at, midnight.timestamp());
    assert_eq!(card.open_state, OpenState::Open { until: None });
    let cash: CashReport = app
        .as_demo("driver")
        .await
        .get_json("/api/v1/driver/cash")
        .await;
    assert_eq!(cash.date, now.date());
    assert_eq!(cash.day_ends_at, midnight.timestamp());
}
