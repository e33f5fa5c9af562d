//! Every change writes its events in the same transaction; a refused change writes none; the
//! log reads back page by page, in sequence.

use crate::helpers::*;
use ocpizza::events::Outbox;
use ocpizza::events::follow::{PAGE, Page, Walk, read};
use ocpizza_proto::ShopId;
use ocpizza_proto::api::menu::{FEW_LEFT, MANY};
use ocpizza_proto::events::{Event, Stream};
use reqwest::StatusCode;
use serde_json::json;

async fn events_of(app: &TestApp, stream: &str) -> Vec<Event> {
    read(app.db.pool(), stream, 0, 1000)
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
}

/// The availability events of `shop:1:menu` after `seq`, as (pizza, size, available) of
/// Margherita medium, one per event (`None` when an event leaves it out).
async fn margherita_on_menu_after(app: &TestApp, seq: i64) -> Vec<Option<i64>> {
    read(app.db.pool(), "shop:1:menu", seq, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| match serde_json::from_str(&e.payload).unwrap() {
            Event::AvailabilityChanged { items, .. } => Some(
                items
                    .iter()
                    .find(|a| a.pizza_id.0 == MARGHERITA && a.size == "medium")
                    .map(|a| a.available),
            ),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn menu_viewers_hear_of_orders_only_when_few_are_left_or_none() {
    let app = TestApp::spawn().await;
    // Basil: no other pizza of the demo takes it, so Margherita's sizes are all that moves.
    let scarce = app.ingredient(SHOP, "Basilic").await;
    let qty = app
        .leave_portions(SHOP, (MARGHERITA, "medium"), scarce, FEW_LEFT + 2)
        .await;
    let seq = app.menu(SHOP).await.stream_seq;
    assert_eq!(app.available(SHOP, MARGHERITA, "medium").await, MANY);

    let guest = app.anonymous();
    guest.place(&pickup(MARGHERITA, "medium", 1)).await;
    assert_eq!(app.makeable(SHOP, MARGHERITA, "medium").await, FEW_LEFT + 1);
    assert_eq!(
        app.menu(SHOP).await.stream_seq,
        seq,
        "still many: nothing sent to the menu's viewers"
    );
    assert!(margherita_on_menu_after(&app, seq).await.is_empty());

    guest.place(&pickup(MARGHERITA, "medium", 1)).await;
    assert_eq!(
        margherita_on_menu_after(&app, seq).await,
        [Some(FEW_LEFT)],
        "few left: the exact count"
    );
    guest.place(&pickup(MARGHERITA, "medium", 2)).await;
    guest
        .place(&pickup(MARGHERITA, "medium", FEW_LEFT - 2))
        .await;
    assert_eq!(
        margherita_on_menu_after(&app, seq).await,
        [Some(FEW_LEFT), Some(FEW_LEFT - 2), Some(0)]
    );
    let menu = app.menu(SHOP).await;
    assert_eq!(app.available(SHOP, MARGHERITA, "medium").await, 0);
    assert!(menu.stream_seq >= seq + 3, "the menu matches its stream");

    // A restock back above a few: one event, "many" again.
    let (on_hand, _) = app.level(SHOP, scarce).await;
    app.set_stock(SHOP, scarce, on_hand + qty * 100).await;
    assert_eq!(
        margherita_on_menu_after(&app, seq).await.last(),
        Some(&Some(MANY))
    );
}

#[tokio::test]
async fn a_refused_change_writes_no_event() {
    let app = TestApp::spawn().await;
    let recipe = app.recipe(MARGHERITA, "medium").await;
    app.set_stock(SHOP, recipe[0].0, 0).await;
    let before = read(app.db.pool(), "shop:1:orders", 0, 1000)
        .await
        .unwrap()
        .len();
    let r = app
        .anonymous()
        .post("/api/v1/orders", &delivery(MARGHERITA, "medium", 1))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let after = read(app.db.pool(), "shop:1:orders", 0, 1000)
        .await
        .unwrap()
        .len();
    assert_eq!(before, after);
}

#[tokio::test]
async fn snapshots_carry_the_sequence_of_their_stream() {
    let app = TestApp::spawn().await;
    let basil = app.ingredient(SHOP, "Basilic").await;
    app.leave_portions(SHOP, (MARGHERITA, "medium"), basil, FEW_LEFT + 1)
        .await;
    let menu = app.menu(SHOP).await;
    app.anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
    let after = app.menu(SHOP).await;
    assert_eq!(
        after.stream_seq,
        menu.stream_seq + 1,
        "one availability change: from many to few left"
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

/// Writes `n` events on the `site` stream in one change; returns the stream's head after it.
async fn write_site_events(app: &TestApp, n: usize) -> i64 {
    let mut outbox = Outbox::new(None);
    for _ in 0..n {
        outbox.push(
            vec![Stream::Site],
            Event::ShopResumed { shop_id: ShopId(1) },
        );
    }
    let mut tx = app.db.begin().await.unwrap();
    let published = outbox.write(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    published.last().map_or(0, |p| p.seq)
}

/// Every page `walk` reads of `site` until it ends: the pages' sequences, and how it ended.
async fn walk_site(app: &TestApp, mut walk: Walk) -> (Vec<Vec<i64>>, Page) {
    let mut pages = Vec::new();
    loop {
        match walk.next(app.db.pool(), "site").await.unwrap() {
            Page::Events(events) => pages.push(events.iter().map(|e| e.seq).collect()),
            end => return (pages, end),
        }
    }
}

#[tokio::test]
async fn a_walk_reads_a_stream_page_by_page_up_to_its_head_and_says_when_its_start_is_gone() {
    let app = TestApp::spawn().await;
    let before = ocpizza::events::db::head(app.db.pool(), "site")
        .await
        .unwrap();
    let head = write_site_events(&app, 2 * PAGE as usize + 1).await;
    assert_eq!(head, before + 2 * PAGE + 1);

    let (pages, end) = walk_site(&app, Walk::to(before, head)).await;
    assert_eq!(end, Page::End);
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        [PAGE as usize, PAGE as usize, 1]
    );
    assert_eq!(
        pages.concat(),
        (before + 1..=head).collect::<Vec<_>>(),
        "every event once, in order"
    );
    let (pages, end) = walk_site(&app, Walk::to(before + 10, before + 20)).await;
    assert_eq!(
        (pages, end),
        (vec![(before + 11..=before + 20).collect()], Page::End)
    );
    let (pages, end) = walk_site(&app, Walk::to_end(head - 3)).await;
    assert_eq!((pages, end), (vec![(head - 2..=head).collect()], Page::End));
    assert_eq!(
        walk_site(&app, Walk::to(head, head)).await,
        (vec![], Page::End)
    );

    // Pruned events cannot be walked through: the reader needs a snapshot instead.
    ocpizza::events::db::prune(
        &mut app.db.writer().await.unwrap(),
        ocpizza::db::now_ms() + 1,
    )
    .await
    .unwrap();
    let newest = write_site_events(&app, 2).await;
    assert_eq!(
        walk_site(&app, Walk::to(before, newest)).await,
        (vec![], Page::Missing)
    );
    assert_eq!(
        walk_site(&app, Walk::to_end(before)).await,
        (vec![], Page::Missing)
    );
    assert_eq!(
        walk_site(&app, Walk::to(head, newest)).await,
        (vec![vec![head + 1, head + 2]], Page::End),
        "what is still kept reads as before"
    );
}

#[tokio::test]
async fn placing_an_order_publishes_the_levels_the_stock_list_then_shows() {
    let app = TestApp::spawn().await;
    app.anonymous()
        .place(&delivery(MARGHERITA, "medium", 2))
        .await;
    let recipe = app.recipe(MARGHERITA, "medium").await;
    let stock = events_of(&app, "shop:1:stock").await;
    let [Event::StockChanged { items, .. }] = stock.as_slice() else {
        panic!("one stock event: {stock:?}")
    };
    let listed: Vec<_> = app
        .stock(SHOP)
        .await
        .items
        .into_iter()
        .filter(|l| {
            recipe
                .iter()
                .any(|(id, qty)| *id == l.ingredient_id && *qty > 0)
        })
        .collect();
    assert!(!listed.is_empty());
    assert_eq!(
        items, &listed,
        "the ingredients the order took, with the levels and in the order of the stock list"
    );
}
