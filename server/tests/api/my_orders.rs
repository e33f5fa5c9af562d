//! A customer's own orders (`GET /api/v1/me/orders`, the app's "Mes commandes").

use crate::helpers::{MARGHERITA, TestApp, pickup};
use ocpizza_proto::api::orders::Order;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_customer_sees_their_newest_hundred_orders_newest_first_with_their_tracking_links() {
    let app = TestApp::spawn().await;
    let customer = app.customer().await;
    let other = app.customer().await;
    other.place(&pickup(MARGHERITA, "medium", 1)).await;
    let mut placed = Vec::new();
    for _ in 0..101 {
        let order = customer.place(&pickup(MARGHERITA, "medium", 1)).await;
        // Cancelled at once, so that the shop's stock lasts; past orders are listed too.
        let r = customer
            .post(&format!("/api/v1/orders/{}/cancel", order.id), &json!({}))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        placed.push(order.id);
    }
    let mine: Vec<Order> = customer.get_json("/api/v1/me/orders").await;
    let ids: Vec<_> = mine.iter().map(|o| o.id).collect();
    let newest: Vec<_> = placed.iter().rev().take(100).copied().collect();
    assert_eq!(
        ids, newest,
        "the newest hundred, newest first, none of another account"
    );
    assert!(mine.iter().all(|o| o.tracking_token.is_some()));
}
