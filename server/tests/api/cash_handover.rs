//! The drivers' cash hand-over: a manager records what a driver handed in, against the cash the
//! server expects from that driver's deliveries of the day; corrections supersede and are kept,
//! and every record is in the audit trail with who made it.

use crate::driver::{action, ready_delivery, send};
use crate::helpers::*;
use crate::ws::Ws;
use ocpizza_proto::api::auth::Me;
use ocpizza_proto::api::cash::{CashHandover, CashHandoverList};
use ocpizza_proto::api::driver::{CashReport, ShopCashReport};
use ocpizza_proto::events::Event;
use ocpizza_proto::ws::ServerMsg;
use reqwest::StatusCode;
use serde_json::{Value, json};

const HANDOVERS: &str = "/api/v1/shops/1/cash/handovers";

/// Delivers a new order of `SHOP` by `driver`, declaring `cash` collected.
async fn deliver(app: &TestApp, driver: &Api, tag: &str, cash: i64) {
    let order = ready_delivery(app).await;
    send(
        driver,
        &action(&format!("{tag}-pick"), &order, "picked_up", 2),
    )
    .await;
    let mut done = action(&format!("{tag}-done"), &order, "delivered", 1);
    done["cash_collected"] = json!(cash);
    send(driver, &done).await;
}

async fn me(api: &Api) -> Me {
    api.get_json("/api/v1/auth/me").await
}

/// Records a hand-over and expects 201.
async fn record(api: &Api, body: &Value) -> CashHandover {
    let r = api.post(HANDOVERS, body).await;
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    assert_eq!(status, StatusCode::CREATED, "hand-over: {text}");
    serde_json::from_str(&text).expect("hand-over")
}

/// The 422 of `body`, with the field it names.
async fn refused_field(api: &Api, body: &Value, field: &str) {
    let r = api.post(HANDOVERS, body).await;
    let (code, error) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(code, "invalid_input");
    assert!(
        error["error"]["fields"][field].is_string(),
        "{field} expected in {error}"
    );
}

#[tokio::test]
async fn the_manager_records_what_a_driver_handed_in_against_the_cash_of_their_deliveries() {
    let app = TestApp::spawn().await;
    let driver = app.as_demo("driver").await;
    let colleague = app.staff(SHOP, "driver").await;
    deliver(&app, &driver, "a1", 2000).await;
    deliver(&app, &driver, "a2", 1500).await;
    deliver(&app, &colleague, "b1", 1250).await;
    let manager = app.as_demo("manager").await;
    let (dounia, marie) = (me(&driver).await, me(&manager).await);

    let handover = record(
        &manager,
        &json!({"driver_id": dounia.id, "counted": 3050,
                "comment": "Monnaie rendue en trop sur une commande"}),
    )
    .await;
    assert_eq!(handover.expected.0, 3500, "the sum of her deliveries' cash");
    assert_eq!(handover.counted.0, 3050);
    assert_eq!(handover.difference.0, -450);
    assert_eq!(handover.driver.id, dounia.id);
    assert_eq!(handover.recorded_by.id, marie.id);
    assert_eq!(handover.recorded_by.name, marie.name);
    assert_eq!(handover.corrections, 0);
    assert_eq!(handover.replaces, None);
    assert!(handover.recorded_at <= jiff::Timestamp::now());

    let shop: ShopCashReport = manager.get_json("/api/v1/shops/1/cash").await;
    assert_eq!(handover.date, shop.date, "the shop's today by default");
    let hers = shop.drivers.iter().find(|d| d.driver.id == dounia.id);
    assert_eq!(hers.and_then(|d| d.handover.as_ref()), Some(&handover));
    let theirs = shop.drivers.iter().find(|d| d.driver.id != dounia.id);
    assert!(theirs.is_some_and(|d| d.total_cash.0 == 1250 && d.handover.is_none()));

    let mine: CashReport = driver.get_json("/api/v1/driver/cash").await;
    assert_eq!(mine.handovers, vec![handover]);
    let theirs: CashReport = colleague.get_json("/api/v1/driver/cash").await;
    assert!(theirs.handovers.is_empty());
}

#[tokio::test]
async fn a_count_that_differs_needs_a_comment_and_an_exact_one_does_not() {
    let app = TestApp::spawn().await;
    let driver = app.as_demo("driver").await;
    deliver(&app, &driver, "c1", 2200).await;
    let manager = app.as_demo("manager").await;
    let id = me(&driver).await.id;

    refused_field(
        &manager,
        &json!({"driver_id": id, "counted": 2000}),
        "comment",
    )
    .await;
    refused_field(
        &manager,
        &json!({"driver_id": id, "counted": 2400, "comment": "   "}),
        "comment",
    )
    .await;
    refused_field(
        &manager,
        &json!({"driver_id": id, "counted": 2000, "comment": "x".repeat(301)}),
        "comment",
    )
    .await;
    refused_field(
        &manager,
        &json!({"driver_id": id, "counted": -100, "comment": "?"}),
        "counted",
    )
    .await;
    let r = manager
        .post(
            HANDOVERS,
            &json!({"driver_id": id, "counted": 2200, "expected": 0}),
        )
        .await;
    error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let list: CashHandoverList = manager.get_json(HANDOVERS).await;
    assert!(list.handovers.is_empty(), "nothing half-written");

    let exact = record(&manager, &json!({"driver_id": id, "counted": 2200})).await;
    assert_eq!((exact.expected.0, exact.difference.0), (2200, 0));
    assert_eq!(exact.comment, None);
}

#[tokio::test]
async fn only_the_shops_managers_and_admins_record_a_hand_over() {
    let app = TestApp::spawn().await;
    let driver = app.as_demo("driver").await;
    let id = me(&driver).await.id;
    let body = json!({"driver_id": id, "counted": 0});

    let r = app.anonymous().post(HANDOVERS, &body).await;
    error_code(r, StatusCode::UNAUTHORIZED).await;
    for api in [
        driver.clone(),
        app.as_demo("cook").await,
        app.as_demo("counter").await,
        app.as_demo("customer").await,
        app.staff(OTHER_SHOP, "manager").await,
    ] {
        let r = api.post(HANDOVERS, &body).await;
        error_code(r, StatusCode::FORBIDDEN).await;
        let r = api.get(HANDOVERS).await;
        error_code(r, StatusCode::FORBIDDEN).await;
    }
    let admin = app.as_demo("admin").await;
    let r = admin.post("/api/v1/shops/99/cash/handovers", &body).await;
    error_code(r, StatusCode::NOT_FOUND).await;
    let recorded = record(&admin, &body).await;
    assert_eq!(recorded.recorded_by.id, me(&admin).await.id);
}

#[tokio::test]
async fn the_hand_over_is_of_a_driver_of_the_shop() {
    let app = TestApp::spawn().await;
    let manager = app.as_demo("manager").await;
    let cook = me(&app.as_demo("cook").await).await.id;
    let elsewhere = me(&app.staff(OTHER_SHOP, "driver").await).await.id;
    for id in [json!(999_999), json!(cook), json!(elsewhere), json!(-1)] {
        refused_field(
            &manager,
            &json!({"driver_id": id, "counted": 0}),
            "driver_id",
        )
        .await;
    }
}

#[tokio::test]
async fn a_correction_supersedes_the_count_and_the_history_keeps_both() {
    let app = TestApp::spawn().await;
    let driver = app.as_demo("driver").await;
    deliver(&app, &driver, "d1", 8950).await;
    let manager = app.as_demo("manager").await;
    let id = me(&driver).await.id;
    let first = record(
        &manager,
        &json!({"driver_id": id, "counted": 8500, "comment": "Il manque un billet ?"}),
    )
    .await;

    // A second count without saying which one it corrects is refused, as is a stale one.
    let again = json!({"driver_id": id, "counted": 8950});
    let r = manager.post(HANDOVERS, &again).await;
    let (code, body) = error_code(r, StatusCode::CONFLICT).await;
    assert_eq!(code, "conflict");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(&format!("replaces = {}", first.id))),
        "{body}"
    );
    let mut correction_body = again.clone();
    correction_body["replaces"] = json!(first.id);
    let correction = record(&manager, &correction_body).await;
    assert_eq!(correction.corrections, 1);
    assert_eq!(correction.replaces, Some(first.id));
    assert_eq!((correction.counted.0, correction.difference.0), (8950, 0));
    assert_eq!(correction.comment, None);
    let r = manager.post(HANDOVERS, &correction_body).await;
    error_code(r, StatusCode::CONFLICT).await;

    let history: CashHandoverList = manager
        .get_json(&format!("{HANDOVERS}?driver_id={id}"))
        .await;
    assert_eq!(history.handovers, vec![first, correction.clone()]);
    let shop: ShopCashReport = manager.get_json("/api/v1/shops/1/cash").await;
    let hers = shop.drivers.iter().find(|d| d.driver.id == id);
    assert_eq!(hers.and_then(|d| d.handover.as_ref()), Some(&correction));
    let mine: CashReport = driver.get_json("/api/v1/driver/cash").await;
    assert_eq!(mine.handovers, vec![correction]);
}

#[tokio::test]
async fn each_hand_over_is_in_the_audit_trail_and_reaches_the_driver_live() {
    let app = TestApp::spawn().await;
    let driver = app.as_demo("driver").await;
    deliver(&app, &driver, "e1", 1800).await;
    let id = me(&driver).await.id;
    let manager = app.as_demo("manager").await;
    let marie = me(&manager).await;

    let mut phone = Ws::connect(&app, Some(&app.cookie("driver").await)).await;
    phone.subscribe(&format!("driver:{id}"), None).await;
    let mut office = Ws::connect(&app, Some(&app.cookie("manager").await)).await;
    office.subscribe("group:orders", None).await;
    let mut cook = Ws::connect(&app, Some(&app.cookie("cook").await)).await;
    cook.subscribe("shop:1:orders", None).await;

    let handover = record(
        &manager,
        &json!({"driver_id": id, "counted": 1600, "comment": "Billet de 20 € manquant"}),
    )
    .await;
    for screen in [&mut phone, &mut office] {
        let (_, _, event) = screen.events(1).await.remove(0);
        let Event::CashHandedOver {
            shop_id,
            handover: heard,
        } = event
        else {
            panic!("cash_handed_over expected, got {event:?}")
        };
        assert_eq!(shop_id, SHOP);
        assert_eq!(*heard, handover);
    }

    let rows: Vec<(String, Option<i64>, String)> = sqlx::query_as(
        "SELECT stream, actor_id, payload FROM events WHERE kind = 'cash_handed_over' \
         ORDER BY stream",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let streams: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        streams,
        vec![
            format!("driver:{id}").as_str(),
            "group:audit",
            "group:orders"
        ]
    );
    let (_, actor, payload) = &rows[1];
    assert_eq!(*actor, Some(marie.id.0), "the manager is the event's actor");
    let audit: Value = serde_json::from_str(payload).unwrap();
    assert_eq!(audit["handover"]["recorded_by"]["name"], json!(marie.name));
    assert_eq!(audit["handover"]["expected"], 1800);
    assert_eq!(audit["handover"]["counted"], 1600);
    assert_eq!(audit["handover"]["difference"], -200);
    assert_eq!(audit["handover"]["comment"], "Billet de 20 € manquant");

    // The kitchen's stream never carries a colleague's count: the next thing a cook hears of
    // is the next order.
    let order = ready_delivery(&app).await;
    loop {
        if let ServerMsg::Event { event, .. } = cook.recv().await {
            assert!(!matches!(event, Event::CashHandedOver { .. }), "{event:?}");
            if matches!(&event, Event::OrderPlaced { order: o } if o.id == order.id) {
                break;
            }
        }
    }
}

#[tokio::test]
async fn a_hand_over_is_for_a_past_or_present_day_written_yyyy_mm_dd() {
    let app = TestApp::spawn().await;
    let driver = app.as_demo("driver").await;
    deliver(&app, &driver, "f1", 1000).await;
    let id = me(&driver).await.id;
    let manager = app.as_demo("manager").await;
    for bad in ["2024-13-01", "yesterday", "2024-1-5", "02/12/2026"] {
        refused_field(
            &manager,
            &json!({"driver_id": id, "counted": 0, "date": bad}),
            "date",
        )
        .await;
    }
    let today: ShopCashReport = manager.get_json("/api/v1/shops/1/cash").await;
    let tomorrow = today.date.tomorrow().unwrap().to_string();
    refused_field(
        &manager,
        &json!({"driver_id": id, "counted": 0, "date": tomorrow}),
        "date",
    )
    .await;
    let r = manager.get(&format!("{HANDOVERS}?date=demain")).await;
    error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;

    // Yesterday she delivered nothing: nothing was expected, and today's count is apart.
    let yesterday = today.date.yesterday().unwrap();
    let late = record(
        &manager,
        &json!({"driver_id": id, "counted": 0, "date": yesterday.to_string()}),
    )
    .await;
    assert_eq!((late.date, late.expected.0), (yesterday, 0));
    let now = record(&manager, &json!({"driver_id": id, "counted": 1000})).await;
    assert_eq!(
        (now.date, now.expected.0, now.corrections),
        (today.date, 1000, 0)
    );
    let then: CashReport = driver
        .get_json(&format!("/api/v1/driver/cash?date={yesterday}"))
        .await;
    assert_eq!(then.handovers, vec![late]);
}
