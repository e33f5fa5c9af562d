//! Cash reconciliation: what each driver collected on a day, for them and for the manager.

use crate::driver::{action, ready_delivery, send};
use crate::helpers::*;
use ocpizza_proto::api::driver::{CashReport, ShopCashReport};
use reqwest::StatusCode;
use serde_json::json;

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

#[tokio::test]
async fn a_driver_counts_the_days_cash_and_the_manager_sees_it_per_driver() {
    let app = TestApp::spawn().await;
    let driver = app.as_demo("driver").await;
    let colleague = app.staff(SHOP, "driver").await;
    deliver(&app, &driver, "a1", 2000).await;
    deliver(&app, &driver, "a2", 1500).await;
    deliver(&app, &colleague, "b1", 1250).await;

    let mine: CashReport = driver.get_json("/api/v1/driver/cash").await;
    assert_eq!(mine.deliveries.len(), 2);
    assert_eq!(mine.total_cash.0, 3500);
    assert_eq!(mine.deliveries[0].cash_collected.map(|m| m.0), Some(2000));
    let today = mine.date;
    let same: CashReport = driver
        .get_json(&format!("/api/v1/driver/cash?date={today}"))
        .await;
    assert_eq!(same, mine);
    let yesterday = today.yesterday().unwrap();
    let before: CashReport = driver
        .get_json(&format!("/api/v1/driver/cash?date={yesterday}"))
        .await;
    assert!(before.deliveries.is_empty());
    assert_eq!(before.total_cash.0, 0);

    let shop: ShopCashReport = app
        .as_demo("manager")
        .await
        .get_json(&format!("/api/v1/shops/{SHOP}/cash?date={today}"))
        .await;
    assert_eq!(shop.total_cash.0, 4750);
    let per: Vec<(usize, i64)> = shop
        .drivers
        .iter()
        .map(|d| (d.deliveries.len(), d.total_cash.0))
        .collect();
    assert!(
        per.contains(&(2, 3500)) && per.contains(&(1, 1250)),
        "{per:?}"
    );
    let other: ShopCashReport = app
        .as_demo("admin")
        .await
        .get_json(&format!("/api/v1/shops/{OTHER_SHOP}/cash"))
        .await;
    assert!(other.drivers.is_empty());
}

#[tokio::test]
async fn cash_reports_check_the_date_and_who_asks() {
    let app = TestApp::spawn().await;
    let driver = app.as_demo("driver").await;
    for bad in ["2024-13-01", "yesterday", "2024-1-5"] {
        let r = driver.get(&format!("/api/v1/driver/cash?date={bad}")).await;
        let (_, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(
            body["error"]["fields"]["query.date"].is_string(),
            "{bad}: {body}"
        );
    }
    let r = app
        .as_demo("manager")
        .await
        .get("/api/v1/shops/1/cash?date=1er-mai")
        .await;
    error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;

    error_code(
        app.anonymous().get("/api/v1/driver/cash").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    for who in ["customer", "cook", "manager"] {
        let r = app.as_demo(who).await.get("/api/v1/driver/cash").await;
        error_code(r, StatusCode::FORBIDDEN).await;
    }
    let shop = "/api/v1/shops/1/cash";
    error_code(app.anonymous().get(shop).await, StatusCode::UNAUTHORIZED).await;
    for api in [
        app.as_demo("driver").await,
        app.as_demo("counter").await,
        app.as_demo("customer").await,
        app.staff(OTHER_SHOP, "manager").await,
    ] {
        error_code(api.get(shop).await, StatusCode::FORBIDDEN).await;
    }
    let r = app
        .as_demo("admin")
        .await
        .get("/api/v1/shops/99/cash")
        .await;
    error_code(r, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_delivery_paid_with_less_cash_than_its_total_is_flagged_short_not_paid() {
    let app = TestApp::spawn().await;
    let driver = app.as_demo("driver").await;
    let manager = app.as_demo("manager").await;
    for (tag, missing, expected) in [
        ("short", 150, "short"),
        ("exact", 0, "paid"),
        ("tip", -200, "paid"),
    ] {
        let order = ready_delivery(&app).await;
        send(
            &driver,
            &action(&format!("{tag}-pick"), &order, "picked_up", 2),
        )
        .await;
        let mut done = action(&format!("{tag}-done"), &order, "delivered", 1);
        done["cash_collected"] = json!(order.total.0 - missing);
        send(&driver, &done).await;
        let seen: serde_json::Value = manager
            .get_json(&format!("/api/v1/orders/{}", order.id))
            .await;
        assert_eq!(seen["status"], "delivered", "{tag}");
        assert_eq!(seen["payment_status"], expected, "{tag}");
    }
}

#[tokio::test]
async fn cooks_and_drivers_never_see_the_customers_e_mail_managers_and_the_customer_do() {
    let app = TestApp::spawn().await;
    let mut body = delivery(MARGHERITA, "medium", 1);
    body["contact"]["email"] = json!("jeanne@example.fr");
    let placed = app.anonymous().place(&body).await;
    assert_eq!(
        placed.contact.email.as_deref(),
        Some("jeanne@example.fr"),
        "the guest sees what they gave"
    );
    let path = format!("/api/v1/orders/{}", placed.id);
    for who in ["cook", "counter", "driver"] {
        let seen: serde_json::Value = app
            .as_demo(who)
            .await
            .get_json(&format!("/api/v1/shops/{SHOP}/orders"))
            .await;
        assert!(
            !seen.to_string().contains("jeanne@example.fr"),
            "{who}: {seen}"
        );
    }
    let cook: serde_json::Value = app.as_demo("cook").await.get_json(&path).await;
    assert!(cook["contact"]["email"].is_null(), "{cook}");
    let manager: serde_json::Value = app.as_demo("manager").await.get_json(&path).await;
    assert_eq!(manager["contact"]["email"], "jeanne@example.fr");
    let dashboard: serde_json::Value = app
        .as_demo("manager")
        .await
        .get_json("/api/v1/group/dashboard")
        .await;
    assert!(!dashboard.to_string().contains("jeanne@example.fr"));
}
