//! The manager's dashboard over the shops they run.

use crate::driver::{action, ready_delivery, send};
use crate::helpers::*;
use ocpizza_proto::api::dashboard::Dashboard;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn managers_see_their_shops_live_and_admins_the_whole_group() {
    let app = TestApp::spawn().await;
    let out = ready_delivery(&app).await;
    let driver = app.as_demo("driver").await;
    send(&driver, &action("pick", &out, "picked_up", 1)).await;
    let waiting = app.anonymous().place(&pickup(REGINA, "medium", 2)).await;
    let dropped = app.anonymous().place(&pickup(REGINA, "medium", 1)).await;
    let r = app
        .anonymous()
        .post(
            &format!(
                "/api/v1/track/{}/cancel",
                app.tracking_token(&dropped).await
            ),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    let manager: Dashboard = app
        .as_demo("manager")
        .await
        .get_json("/api/v1/group/dashboard")
        .await;
    let head: i64 =
        sqlx::query_scalar("SELECT seq FROM stream_heads WHERE stream = 'group:orders'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(manager.stream_seq, head);
    assert_eq!(manager.shops.len(), 1, "only the shop they manage");
    let shop = &manager.shops[0];
    assert_eq!(shop.shop_id, SHOP);
    assert!(shop.accepting_orders);
    let open: Vec<_> = shop.open_orders.iter().map(|o| o.id).collect();
    assert_eq!(open, [out.id, waiting.id]);
    assert_eq!(shop.today.orders, 2, "the cancelled order does not count");
    assert_eq!(shop.today.revenue, out.total + waiting.total);
    let drivers: Vec<&str> = shop.drivers_out.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(drivers, ["Dounia Livreuse"]);

    let admin: Dashboard = app
        .as_demo("admin")
        .await
        .get_json("/api/v1/group/dashboard")
        .await;
    assert_eq!(admin.shops.len(), 5);
    assert!(
        admin.shops[1..]
            .iter()
            .all(|s| s.open_orders.is_empty() && s.today.orders == 0)
    );
    let r = app
        .as_demo("admin")
        .await
        .post("/api/v1/shops/1/pause", &json!({"reason": "four en panne"}))
        .await;
    assert!(r.status().is_success());
    let paused: Dashboard = app
        .as_demo("manager")
        .await
        .get_json("/api/v1/group/dashboard")
        .await;
    assert!(!paused.shops[0].accepting_orders);
}

#[tokio::test]
async fn the_dashboard_is_for_managers_and_admins_only() {
    let app = TestApp::spawn().await;
    let path = "/api/v1/group/dashboard";
    error_code(app.anonymous().get(path).await, StatusCode::UNAUTHORIZED).await;
    for who in ["customer", "counter", "cook", "driver"] {
        error_code(
            app.as_demo(who).await.get(path).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let other: Dashboard = app.staff(OTHER_SHOP, "manager").await.get_json(path).await;
    let ids: Vec<_> = other.shops.iter().map(|s| s.shop_id).collect();
    assert_eq!(ids, [OTHER_SHOP]);
}
