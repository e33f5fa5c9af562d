//! The managers' dashboard: their shops only, open orders, today's figures.

use crate::helpers::*;
use ocpizza_proto::api::dashboard::Dashboard;
use reqwest::StatusCode;

#[tokio::test]
async fn a_manager_sees_their_shop_with_its_open_orders_and_todays_figures() {
    let app = TestApp::spawn().await;
    let manager = app.as_demo("manager").await;
    let before: Dashboard = manager.get_json("/api/v1/group/dashboard").await;
    assert_eq!(before.shops.len(), 1, "the demo manager runs shop 1 only");
    let shop = &before.shops[0];
    assert_eq!(shop.shop_id, SHOP);
    assert!(shop.accepting_orders);

    let order = app
        .anonymous()
        .place(&delivery(MARGHERITA, "medium", 2))
        .await;
    let after: Dashboard = manager.get_json("/api/v1/group/dashboard").await;
    assert!(after.stream_seq > before.stream_seq);
    let shop_after = &after.shops[0];
    assert!(shop_after.open_orders.iter().any(|o| o.id == order.id));
    assert_eq!(shop_after.today.orders, shop.today.orders + 1);
    assert_eq!(shop_after.today.revenue, shop.today.revenue + order.total);
}

#[tokio::test]
async fn the_admin_sees_every_shop_and_others_are_refused() {
    let app = TestApp::spawn().await;
    let all: Dashboard = app
        .as_demo("admin")
        .await
        .get_json("/api/v1/group/dashboard")
        .await;
    assert_eq!(all.shops.len(), 5);
    for who in ["cook", "customer"] {
        let r = app.as_demo(who).await.get("/api/v1/group/dashboard").await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{who}");
    }
    let r = app.anonymous().get("/api/v1/group/dashboard").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
