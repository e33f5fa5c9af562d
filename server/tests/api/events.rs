//! Every change writes its events in the same transaction; a refused change writes none.

use crate::helpers::*;
use ocpizza::events::db::read_since;
use ocpizza_proto::events::Event;
use reqwest::StatusCode;
use serde_json::json;

async fn events_of(app: &TestApp, stream: &str) -> Vec<Event> {
    read_since(app.db.pool(), stream, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| serde_json::from_str(&e.payload).unwrap())
        .collect()
}

#[tokio::test]
async fn an_order_s_life_is_written_to_its_shop_its_customer_the_group_and_its_driver() {
    let app = TestApp::spawn().await;
    let order = app
        .anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
    let cook = app.as_demo("cook").await;
    let order = cook.transition(&order, "preparing").await;
    let order = cook.transition(&order, "ready").await;
    let order = app
        .as_demo("driver")
        .await
        .transition(&order, "out_for_delivery")
        .await;
    let driver = order.driver.as_ref().unwrap().id;

    let shop = events_of(&app, "shop:1:orders").await;
    let kinds: Vec<&str> = shop.iter().map(Event::kind).collect();
    assert_eq!(
        kinds,
        [
            "order_placed",
            "order_status_changed",
            "order_status_changed",
            "driver_assigned",
            "order_status_changed"
        ]
    );
    let Event::OrderPlaced { order: placed } = &shop[0] else {
        panic!("first event")
    };
    assert_eq!(placed.id, order.id);
    let token = events_of(&app, &format!("order:{}", app.tracking_token(&order).await)).await;
    assert_eq!(
        token.iter().map(Event::kind).collect::<Vec<_>>(),
        kinds,
        "the customer's stream follows the order as the shop's does"
    );
    assert_eq!(events_of(&app, "group:orders").await.len(), 5);
    let mine = events_of(&app, &format!("driver:{driver}")).await;
    assert!(
        matches!(mine.last(), Some(Event::OrderStatusChanged { status, .. }) if status.as_str() == "out_for_delivery")
    );

    let stock = events_of(&app, "shop:1:stock").await;
    assert_eq!(stock.len(), 2, "reserved on placing, consumed on preparing");
    let Event::StockChanged { items, .. } = &stock[1] else {
        panic!("stock event")
    };
    assert!(items.iter().all(|l| l.reserved == 0));
    let menu = events_of(&app, "shop:1:menu").await;
    assert!(matches!(
        menu.last(),
        Some(Event::AvailabilityChanged { .. })
    ));
}

#[tokio::test]
async fn a_refused_change_writes_no_event() {
    let app = TestApp::spawn().await;
    let recipe = app.recipe(MARGHERITA, "medium").await;
    app.set_stock(SHOP, recipe[0].0, 0).await;
    let before = read_since(app.db.pool(), "shop:1:orders", 0, 1000)
        .await
        .unwrap()
        .len();
    let r = app
        .anonymous()
        .post("/api/v1/orders", &delivery(MARGHERITA, "medium", 1))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let after = read_since(app.db.pool(), "shop:1:orders", 0, 1000)
        .await
        .unwrap()
        .len();
    assert_eq!(before, after);
}

#[tokio::test]
async fn snapshots_carry_the_sequence_of_their_stream() {
    let app = TestApp::spawn().await;
    let menu = app.menu(SHOP).await;
    app.anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
    let after = app.menu(SHOP).await;
    assert_eq!(
        after.stream_seq,
        menu.stream_seq + 1,
        "one availability change"
    );
    let staff = app.as_demo("manager").await;
    let list: serde_json::Value = staff
        .get_json(&format!("/api/v1/shops/{SHOP}/orders"))
        .await;
    assert_eq!(list["stream_seq"], 1);
    assert_eq!(list["orders"].as_array().unwrap().len(), 1);
    let r = staff
        .post(
            &format!("/api/v1/shops/{SHOP}/pause"),
            &json!({"reason": "four en panne"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let menu_events = events_of(&app, "shop:1:menu").await;
    assert!(
        matches!(menu_events.last(), Some(Event::ShopPaused { reason: Some(r), .. }) if r == "four en panne")
    );
}
