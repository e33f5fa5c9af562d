//! The alerts of the managers' dashboard: an ingredient that falls below its low-stock
//! threshold is listed on its shop's card and said live on the shop's stock stream until it is
//! restocked; open orders late in a stage are counted per stage with the limits of
//! `ocpizza_proto::api::dashboard::LATE_AFTER_MINUTES`. (The push alert to the managers when
//! a threshold is crossed is tested in `push.rs`.)

use crate::helpers::*;
use crate::ws::Ws;
use ocpizza_proto::OrderStatus;
use ocpizza_proto::api::dashboard::{Dashboard, LATE_AFTER_MINUTES, ShopDashboard};
use ocpizza_proto::events::Event;
use ocpizza_proto::ws::ServerMsg;
use reqwest::StatusCode;
use serde_json::json;

async fn card(api: &Api) -> ShopDashboard {
    let board: Dashboard = api.get_json("/api/v1/group/dashboard").await;
    board
        .shops
        .into_iter()
        .find(|s| s.shop_id == SHOP)
        .expect("shop 1 on the board")
}

#[tokio::test]
async fn an_ingredient_below_its_threshold_is_an_alert_until_it_is_restocked() {
    let app = TestApp::spawn().await;
    let manager = app.as_demo("manager").await;
    let (dough, per) = app.recipe(MARGHERITA, "medium").await[0];
    // Free stock just above the threshold: three pizzas' worth over it.
    let r = manager
        .post(
            &format!("/api/v1/shops/{SHOP}/stock/correction"),
            &json!({"ingredient_id": dough, "on_hand": 1000 + 3 * per,
                    "reason": "inventaire", "low_threshold": 1000}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let before = card(&manager).await;
    assert!(before.low_stock.iter().all(|l| l.ingredient_id != dough));

    let mut ws = Ws::connect(&app, Some(&app.cookie("manager").await)).await;
    let got = ws
        .subscribe(&format!("shop:{SHOP}:stock"), Some(before.stock_seq))
        .await;
    assert!(
        matches!(got.last(), Some(ServerMsg::Subscribed { .. })),
        "{got:?}"
    );

    // An order of four takes the free stock below the threshold.
    app.anonymous()
        .place(&delivery(MARGHERITA, "medium", 4))
        .await;
    let levels = stock_event(&mut ws).await;
    let dough_level = levels.iter().find(|l| l.ingredient_id == dough).unwrap();
    assert!(dough_level.low, "said live: {dough_level:?}");
    let after = card(&manager).await;
    let alert = after
        .low_stock
        .iter()
        .find(|l| l.ingredient_id == dough)
        .expect("the dough is an alert on the card");
    assert_eq!(alert.on_hand - alert.reserved, 1000 - per);
    assert!(after.stock_seq > before.stock_seq);

    let r = manager
        .post(
            &format!("/api/v1/shops/{SHOP}/stock/restock"),
            &json!({"ingredient_id": dough, "quantity": 5000, "reason": "livraison"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let levels = stock_event(&mut ws).await;
    assert!(
        levels.iter().any(|l| l.ingredient_id == dough && !l.low),
        "cleared live"
    );
    let restocked = card(&manager).await;
    assert!(restocked.low_stock.iter().all(|l| l.ingredient_id != dough));
}

/// The levels of the next `stock_changed` event (other events of the stream skipped).
async fn stock_event(ws: &mut Ws) -> Vec<ocpizza_proto::api::stock::StockLevel> {
    loop {
        if let ServerMsg::Event {
            event: Event::StockChanged { items, .. },
            ..
        } = ws.recv().await
        {
            return items;
        }
    }
}

#[tokio::test]
async fn late_orders_are_counted_per_stage_with_the_shared_limits() {
    let app = TestApp::spawn().await;
    let customer = app.anonymous();
    let waiting = customer.place(&pickup(MARGHERITA, "medium", 1)).await;
    let fresh = customer.place(&pickup(MARGHERITA, "medium", 1)).await;
    let cooking = customer.place(&delivery(REGINA, "medium", 1)).await;
    let cook = app.as_demo("cook").await;
    cook.transition(&cooking, "preparing").await;
    let now = jiff::Timestamp::now().as_millisecond();
    let limit = |status: OrderStatus| {
        LATE_AFTER_MINUTES
            .iter()
            .find(|(s, _)| *s == status)
            .unwrap()
            .1
            * 60_000
    };
    // One placed order just past its limit, one in preparation past its limit; the fresh one
    // just inside.
    for (order, column, age) in [
        (&waiting, "placed_at", limit(OrderStatus::Placed) + 60_000),
        (&fresh, "placed_at", limit(OrderStatus::Placed) - 60_000),
        (
            &cooking,
            "preparing_at",
            limit(OrderStatus::Preparing) + 60_000,
        ),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE orders SET {column} = $1 WHERE id = $2"
        )))
        .bind(now - age)
        .bind(order.id.0)
        .execute(app.db.pool())
        .await
        .unwrap();
    }
    let board = card(&app.as_demo("manager").await).await;
    let late: Vec<(OrderStatus, i64)> = board.late.iter().map(|l| (l.status, l.orders)).collect();
    assert_eq!(
        late,
        [
            (OrderStatus::Placed, 1),
            (OrderStatus::Preparing, 1),
            (OrderStatus::Ready, 0),
            (OrderStatus::OutForDelivery, 0),
        ]
    );
    // The admin's board says the same of that shop.
    let admin = card(&app.as_demo("admin").await).await;
    assert_eq!(admin.late, board.late);
}

#[tokio::test]
async fn the_stock_stream_behind_the_alerts_is_for_the_shops_managers() {
    let app = TestApp::spawn().await;
    let stream = format!("shop:{SHOP}:stock");
    for who in ["driver", "customer"] {
        let mut ws = Ws::connect(&app, Some(&app.cookie(who).await)).await;
        let got = ws.subscribe(&stream, None).await;
        assert!(
            matches!(got.last(), Some(ServerMsg::Error { .. })),
            "{who}: {got:?}"
        );
    }
    let other = app.staff(OTHER_SHOP, "manager").await;
    let board: Dashboard = other.get_json("/api/v1/group/dashboard").await;
    assert!(
        board.shops.iter().all(|s| s.shop_id != SHOP),
        "not their shop"
    );
}
