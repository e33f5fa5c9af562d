//! Maintenance mode: customers' new orders are refused with 503 while staff keep working,
//! every instance follows a switch, open screens hear of it live, and each switch is in the
//! audit trail.

use crate::helpers::*;
use crate::ws::Ws;
use ocpizza_proto::api::maintenance::{Maintenance, MaintenanceHistory};
use ocpizza_proto::events::Event;
use ocpizza_proto::ws::{ServerMsg, Snapshot};
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

fn in_minutes(minutes: i64) -> String {
    jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_mins(minutes))
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn customers_orders_get_503_with_retry_after_while_staff_keep_working() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    let guest = app.anonymous();
    let in_flight = guest.place(&delivery(MARGHERITA, "medium", 1)).await;

    let r = admin
        .put(
            "/api/v1/maintenance",
            &json!({"message": "Mise à jour du site", "until": in_minutes(10)}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let on: Maintenance = r.json().await.unwrap();
    assert!(on.on && on.since.is_some());
    let public: Maintenance = guest.get_json("/api/v1/maintenance").await;
    assert_eq!(public, on, "anyone reads the state");

    let r = guest
        .post("/api/v1/orders", &delivery(MARGHERITA, "medium", 1))
        .await;
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (590..=600).contains(&retry),
        "until the announced end: {retry}"
    );
    let (code, body) = error_code(r, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(code, "maintenance");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("Mise à jour du site"), "{message}");

    let customer = app.customer().await;
    let r = customer
        .post("/api/v1/orders", &delivery(MARGHERITA, "medium", 1))
        .await;
    assert_eq!(
        error_code(r, StatusCode::SERVICE_UNAVAILABLE).await.0,
        "maintenance"
    );

    // Staff keep working: managers log in, the counter takes phone orders, the kitchen
    // finishes the orders in flight.
    let manager = app.as_demo("manager").await;
    let r = manager.get(&format!("/api/v1/shops/{SHOP}/orders")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let counter = app.as_demo("counter").await;
    let mut phoned = delivery(MARGHERITA, "medium", 1);
    phoned["channel"] = json!("phone");
    assert_eq!(counter.place(&phoned).await.shop_id, SHOP);
    let cook = app.as_demo("cook").await;
    let started = cook.transition(&in_flight, "preparing").await;
    assert_eq!(started.status, ocpizza_proto::OrderStatus::Preparing);

    let r = admin.delete("/api/v1/maintenance").await;
    assert_eq!(r.status(), StatusCode::OK);
    let off: Maintenance = r.json().await.unwrap();
    assert_eq!(off, Maintenance::default());
    guest.place(&delivery(MARGHERITA, "medium", 1)).await;
}

#[tokio::test]
async fn without_an_announced_end_a_refused_order_retries_after_five_minutes() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    assert_eq!(
        admin.put("/api/v1/maintenance", &json!({})).await.status(),
        StatusCode::OK
    );
    let r = app
        .anonymous()
        .post("/api/v1/orders", &pickup(MARGHERITA, "medium", 1))
        .await;
    assert_eq!(r.headers()["retry-after"], "300");
    assert_eq!(
        error_code(r, StatusCode::SERVICE_UNAVAILABLE).await.0,
        "maintenance"
    );
}

#[tokio::test]
async fn only_admins_switch_maintenance_or_read_its_history() {
    let app = TestApp::spawn().await;
    let guest = app.anonymous();
    let r = guest.put("/api/v1/maintenance", &json!({})).await;
    assert_eq!(
        error_code(r, StatusCode::UNAUTHORIZED).await.0,
        "unauthenticated"
    );
    for who in ["manager", "customer", "cook"] {
        let api = app.as_demo(who).await;
        let r = api.put("/api/v1/maintenance", &json!({})).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{who} PUT");
        let r = api.delete("/api/v1/maintenance").await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{who} DELETE");
        let r = api.get("/api/v1/maintenance/history").await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{who} history");
    }
    let r = guest.get("/api/v1/maintenance/history").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let state: Maintenance = guest.get_json("/api/v1/maintenance").await;
    assert!(!state.on, "nothing was switched");
}

#[tokio::test]
async fn a_past_end_or_a_control_character_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    let r = admin
        .put("/api/v1/maintenance", &json!({"until": in_minutes(-1)}))
        .await;
    let (code, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(code, "invalid_input");
    assert!(body["error"]["fields"]["until"].is_string(), "{body}");
    let r = admin
        .put("/api/v1/maintenance", &json!({"message": "a\u{202e}b"}))
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await.0,
        "invalid_input"
    );
    let state: Maintenance = admin.get_json("/api/v1/maintenance").await;
    assert!(!state.on);
}

#[tokio::test]
async fn each_switch_is_in_the_audit_trail_with_who_when_and_the_message() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    admin
        .put("/api/v1/maintenance", &json!({"message": "Migration"}))
        .await;
    admin.delete("/api/v1/maintenance").await;
    let history: MaintenanceHistory = admin.get_json("/api/v1/maintenance/history").await;
    assert_eq!(history.switches.len(), 2);
    let (off, on) = (&history.switches[0], &history.switches[1]);
    assert!(!off.on && on.on, "newest first");
    assert_eq!(on.message.as_deref(), Some("Migration"));
    assert!(on.by.contains("(account "), "{}", on.by);
    assert!(on.at <= off.at);
    let actor: Option<i64> = sqlx::query_scalar(
        "SELECT actor_id FROM events WHERE stream = 'group:audit' ORDER BY seq LIMIT 1",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert!(actor.is_some(), "the admin is the event's actor");

    // The audit trail outlives the retention window of the other events.
    sqlx::query("UPDATE events SET at = 0")
        .execute(app.db.pool())
        .await
        .unwrap();
    ocpizza::events::db::prune(&mut app.db.writer().await.unwrap(), ocpizza::db::now_ms())
        .await
        .unwrap();
    let left: Vec<String> = sqlx::query_scalar("SELECT DISTINCT stream FROM events")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert_eq!(left, vec!["group:audit".to_owned()]);
    let history: MaintenanceHistory = admin.get_json("/api/v1/maintenance/history").await;
    assert_eq!(history.switches.len(), 2);
}

#[tokio::test]
async fn open_screens_hear_of_a_switch_live_and_only_admins_follow_the_audit_stream() {
    let app = TestApp::spawn().await;
    let mut screen = Ws::connect(&app, None).await;
    let got = screen.subscribe("site", None).await;
    assert!(
        matches!(&got[0], ServerMsg::Snapshot { state: Snapshot::Site { maintenance }, .. } if !maintenance.on),
        "{got:?}"
    );
    let denied = screen.subscribe("group:audit", None).await;
    assert!(
        matches!(denied.last(), Some(ServerMsg::Error { .. })),
        "{denied:?}"
    );
    let cookie = app.cookie("admin").await;
    let mut admin_screen = Ws::connect(&app, Some(&cookie)).await;
    let got = admin_screen.subscribe("group:audit", None).await;
    assert!(matches!(
        &got[0],
        ServerMsg::Snapshot {
            state: Snapshot::Audit { .. },
            ..
        }
    ));

    let admin = app.as_demo("admin").await;
    admin
        .put(
            "/api/v1/maintenance",
            &json!({"message": "Pause technique"}),
        )
        .await;
    let (stream, _, event) = screen.events(1).await.remove(0);
    assert_eq!(stream, "site");
    let Event::MaintenanceChanged { maintenance } = event else {
        panic!("maintenance_changed expected, got {event:?}")
    };
    assert!(maintenance.on);
    assert_eq!(maintenance.message.as_deref(), Some("Pause technique"));
    let (_, _, event) = admin_screen.events(1).await.remove(0);
    let Event::MaintenanceSwitched { switch } = event else {
        panic!("maintenance_switched expected, got {event:?}")
    };
    assert!(switch.on && switch.by.contains("(account "));

    admin.delete("/api/v1/maintenance").await;
    let (_, _, event) = screen.events(1).await.remove(0);
    assert!(matches!(event, Event::MaintenanceChanged { maintenance } if !maintenance.on));
}

#[tokio::test]
async fn an_instance_that_did_not_make_the_switch_follows_it_within_two_seconds() {
    let (a, b) = TestApp::spawn_pair(|_| {}).await;
    let mut screen_on_b = Ws::connect(&b, None).await;
    screen_on_b.subscribe("site", None).await;
    let admin = a.as_demo("admin").await;
    admin.put("/api/v1/maintenance", &json!({})).await;
    let switched = Instant::now();
    let guest_on_b = b.anonymous();
    loop {
        let state: Maintenance = guest_on_b.get_json("/api/v1/maintenance").await;
        if state.on {
            break;
        }
        assert!(
            switched.elapsed() < Duration::from_secs(2),
            "B still serves orders"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = guest_on_b
        .post("/api/v1/orders", &delivery(MARGHERITA, "medium", 1))
        .await;
    assert_eq!(
        error_code(r, StatusCode::SERVICE_UNAVAILABLE).await.0,
        "maintenance"
    );
    // Without Redis, B's screens get the event from the log.
    let (stream, _, event) = screen_on_b.events(1).await.remove(0);
    assert_eq!(stream, "site");
    assert!(matches!(event, Event::MaintenanceChanged { maintenance } if maintenance.on));
}

#[tokio::test]
async fn migrating_a_live_database_asks_for_maintenance_first() {
    let app = TestApp::spawn().await;
    let db = &app.db;
    ocpizza::maintenance::ensure_maintenance_or_idle(db)
        .await
        .expect("no instance serves yet");
    let switch = &app.state.maintenance;
    let id = ocpizza::maintenance::instances::register(switch, db, "127.0.0.1:1")
        .await
        .unwrap();
    assert_eq!(
        ocpizza::maintenance::serving_instances(db)
            .await
            .unwrap()
            .len(),
        1
    );
    let err = ocpizza::maintenance::ensure_maintenance_or_idle(db)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("maintenance on") && err.contains("127.0.0.1:1"),
        "{err}"
    );
    let admin = app.as_demo("admin").await;
    admin.put("/api/v1/maintenance", &json!({})).await;
    ocpizza::maintenance::ensure_maintenance_or_idle(db)
        .await
        .expect("maintenance is on");
    admin.delete("/api/v1/maintenance").await;
    ocpizza::maintenance::instances::deregister(switch, db, &id).await;
    assert!(
        ocpizza::maintenance::serving_instances(db)
            .await
            .unwrap()
            .is_empty()
    );
    ocpizza::maintenance::ensure_maintenance_or_idle(db)
        .await
        .expect("the instance stopped");
}
