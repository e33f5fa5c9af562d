//! The driver's position: shared with the customer during the delivery, never kept after it.

use crate::driver::{action, ready_delivery, send};
use crate::helpers::*;
use ocpizza_proto::api::orders::{Order, TrackedOrder};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn at(order: &Order, lat: f64, lon: f64) -> Value {
    json!({"order_id": order.id, "lat": lat, "lon": lon, "accuracy_m": 15.0,
           "device_at": jiff::Timestamp::now().to_string()})
}

async fn positions(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM driver_positions")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn tracked(app: &TestApp, order: &Order) -> TrackedOrder {
    app.anonymous()
        .get_json(&format!(
            "/api/v1/track/{}",
            app.tracking_token(order).await
        ))
        .await
}

#[tokio::test]
async fn the_customer_follows_the_driver_during_the_delivery_and_the_position_is_then_forgotten() {
    let app = TestApp::spawn().await;
    let order = ready_delivery(&app).await;
    let driver = app.as_demo("driver").await;
    let order = driver.transition(&order, "out_for_delivery").await;
    assert_eq!(tracked(&app, &order).await.driver_position, None);
    for (lat, lon) in [(48.8650, 2.3790), (48.8661, 2.3812)] {
        let r = driver
            .post("/api/v1/driver/location", &at(&order, lat, lon))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let seen = tracked(&app, &order).await;
    let p = seen
        .driver_position
        .expect("position while out for delivery");
    assert_eq!((p.lat, p.lon, p.accuracy_m), (48.8661, 2.3812, 15.0));
    assert_eq!(positions(&app).await, 1, "only the latest is kept");
    let stream = format!("order:{}", app.tracking_token(&order).await);
    let published: Vec<String> = sqlx::query_scalar(
        "SELECT payload FROM events WHERE stream = $1 AND kind = 'driver_position' ORDER BY seq",
    )
    .bind(&stream)
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(published.len(), 2);
    let last: Value = serde_json::from_str(&published[1]).unwrap();
    assert_eq!(last["type"], "driver_position");
    assert_eq!(last["lat"], 48.8661);
    assert_eq!(last["shop_id"], order.shop_id.0);

    driver.transition(&order, "delivered").await;
    assert_eq!(positions(&app).await, 0, "deleted with the delivery");
    assert_eq!(tracked(&app, &order).await.driver_position, None);
    let r = driver
        .post("/api/v1/driver/location", &at(&order, 48.86, 2.38))
        .await;
    assert_eq!(
        error_code(r, StatusCode::CONFLICT).await.0,
        "not_out_for_delivery"
    );
    assert_eq!(positions(&app).await, 0);
}

#[tokio::test]
async fn a_failed_delivery_forgets_the_position_too() {
    let app = TestApp::spawn().await;
    let order = ready_delivery(&app).await;
    let driver = app.as_demo("driver").await;
    send(&driver, &action("pick", &order, "picked_up", 3)).await;
    let r = driver
        .post("/api/v1/driver/location", &at(&order, 48.86, 2.38))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let mut failed = action("fail", &order, "failed", 1);
    failed["reason"] = json!("personne à l'interphone");
    send(&driver, &failed).await;
    assert_eq!(positions(&app).await, 0);
}

#[tokio::test]
async fn only_the_assigned_driver_sends_positions_in_range_during_the_delivery() {
    let app = TestApp::spawn().await;
    let order = ready_delivery(&app).await;
    let driver = app.as_demo("driver").await;
    let r = driver
        .post("/api/v1/driver/location", &at(&order, 48.86, 2.38))
        .await;
    assert_eq!(
        error_code(r, StatusCode::CONFLICT).await.0,
        "not_out_for_delivery"
    );
    let order = driver.transition(&order, "out_for_delivery").await;
    for (body, field) in [
        (at(&order, 91.0, 2.38), "lat"),
        (at(&order, 48.86, -180.5), "lon"),
        (
            json!({"order_id": order.id, "lat": 48.8, "lon": 2.3, "accuracy_m": -1.0,
                "device_at": jiff::Timestamp::now().to_string()}),
            "accuracy_m",
        ),
        (
            json!({"order_id": order.id, "lat": "north", "lon": 2.3, "accuracy_m": 1.0,
                "device_at": jiff::Timestamp::now().to_string()}),
            "lat",
        ),
    ] {
        let r = driver.post("/api/v1/driver/location", &body).await;
        let (_, err) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(err["error"]["fields"][field].is_string(), "{field}: {err}");
    }
    let denied = [
        (app.anonymous(), StatusCode::UNAUTHORIZED),
        (app.as_demo("customer").await, StatusCode::NOT_FOUND),
        (app.staff(OTHER_SHOP, "driver").await, StatusCode::NOT_FOUND),
        (app.staff(SHOP, "driver").await, StatusCode::FORBIDDEN),
        (app.as_demo("manager").await, StatusCode::FORBIDDEN),
    ];
    for (api, status) in denied {
        let r = api
            .post("/api/v1/driver/location", &at(&order, 48.86, 2.38))
            .await;
        error_code(r, status).await;
    }
    assert_eq!(positions(&app).await, 0);
}

#[tokio::test]
async fn the_customer_s_live_stream_carries_the_driver_position() {
    let app = TestApp::spawn().await;
    let order = ready_delivery(&app).await;
    let driver = app.as_demo("driver").await;
    let order = driver.transition(&order, "out_for_delivery").await;
    let mut ws = crate::ws::Ws::connect(&app, None).await;
    let stream = format!("order:{}", app.tracking_token(&order).await);
    let since = tracked(&app, &order).await.stream_seq;
    ws.subscribe(&stream, Some(since)).await;
    let r = driver
        .post("/api/v1/driver/location", &at(&order, 48.8655, 2.3801))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let got = ws.events(1).await;
    assert_eq!(got[0].0, stream);
    assert_eq!(got[0].1, since + 1);
    assert!(matches!(
        &got[0].2,
        ocpizza_proto::events::Event::DriverPosition { order_id, lat, .. }
            if *order_id == order.id && (*lat - 48.8655).abs() < 1e-9
    ));
}
