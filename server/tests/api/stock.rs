//! Stock arithmetic: reserve on placing, re-reserve the difference on edit, release on
//! cancel, consume on `preparing`; manager movements and the ledger; availability.

use crate::helpers::*;
use ocpizza_proto::api::menu::MANY;
use ocpizza_proto::api::orders::Order;
use ocpizza_proto::api::stock::{LedgerEntry, LedgerKind, StockLevel};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn placing_reserves_editing_re_reserves_the_difference_and_cancelling_releases() {
    let app = TestApp::spawn().await;
    let recipe = app.recipe(MARGHERITA, "medium").await;
    let (dough, per_pizza) = recipe[0];
    let (on_hand, reserved) = app.level(SHOP, dough).await;
    assert_eq!(reserved, 0);

    let customer = app.customer().await;
    let order = customer.place(&delivery(MARGHERITA, "medium", 2)).await;
    assert_eq!(app.level(SHOP, dough).await, (on_hand, 2 * per_pizza));

    let r = customer
        .patch(
            &format!("/api/v1/orders/{}", order.id),
            &json!({"version": order.version, "lines": [{"pizza_id": MARGHERITA, "size": "medium", "quantity": 3}]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let edited: Order = r.json().await.unwrap();
    assert_eq!(app.level(SHOP, dough).await, (on_hand, 3 * per_pizza));

    // The ledger shows the edit reserved only the one extra pizza.
    let admin = app.as_demo("admin").await;
    let ledger: Vec<LedgerEntry> = admin
        .get_json(&format!(
            "/api/v1/shops/{SHOP}/stock/ledger?ingredient_id={dough}"
        ))
        .await;
    let deltas: Vec<(LedgerKind, i64)> =
        ledger.iter().map(|e| (e.kind, e.delta_reserved)).collect();
    assert_eq!(
        deltas[0],
        (LedgerKind::Reservation, per_pizza),
        "newest first: the difference"
    );
    assert_eq!(deltas[1], (LedgerKind::Reservation, 2 * per_pizza));
    assert_eq!(ledger[0].order_id, Some(order.id));

    let r = customer
        .post(
            &format!("/api/v1/orders/{}/cancel", order.id),
            &json!({"version": edited.version}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        app.level(SHOP, dough).await,
        (on_hand, 0),
        "everything released"
    );
}

#[tokio::test]
async fn starting_an_order_consumes_what_it_reserved_and_a_later_cancel_gives_nothing_back() {
    let app = TestApp::spawn().await;
    let recipe = app.recipe(REGINA, "large").await;
    let (ingredient, qty) = recipe[1];
    let (on_hand, _) = app.level(SHOP, ingredient).await;
    let order = app.anonymous().place(&pickup(REGINA, "large", 2)).await;
    let order = app
        .as_demo("cook")
        .await
        .transition(&order, "preparing")
        .await;
    assert_eq!(app.level(SHOP, ingredient).await, (on_hand - 2 * qty, 0));
    let r = app
        .as_demo("manager")
        .await
        .post(
            &format!("/api/v1/orders/{}/cancel", order.id),
            &json!({"reason": "client parti"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        app.level(SHOP, ingredient).await,
        (on_hand - 2 * qty, 0),
        "the dough is gone"
    );
}

#[tokio::test]
async fn extras_are_priced_and_reserved_too() {
    let app = TestApp::spawn().await;
    let menu = app.menu(SHOP).await;
    let pizza = &menu.pizzas[0];
    let extra = &pizza.extras[0];
    let recipe = app.recipe(pizza.id.0, "medium").await;
    let base = recipe
        .iter()
        .find(|(i, _)| *i == extra.ingredient_id)
        .map_or(0, |(_, q)| *q);
    let body = json!({
        "shop_id": SHOP, "fulfilment": "pickup", "payment_method": "at_counter",
        "contact": {"name": "A", "phone": "0612345678"},
        "lines": [{"pizza_id": pizza.id, "size": "medium", "quantity": 2, "extras": [extra.ingredient_id]}]
    });
    let order = app.anonymous().place(&body).await;
    let size_price = pizza
        .sizes
        .iter()
        .find(|s| s.code == "medium")
        .unwrap()
        .price
        .0;
    let extra_price = extra
        .prices
        .iter()
        .find(|p| p.size == "medium")
        .unwrap()
        .price
        .0;
    assert_eq!(order.total.0, 2 * (size_price + extra_price));
    let (_, reserved) = app.level(SHOP, extra.ingredient_id).await;
    assert!(
        reserved > 2 * base,
        "the extra's quantity is reserved on top of the recipe"
    );
}

#[tokio::test]
async fn running_out_names_the_pizza_and_the_ingredient_and_reserves_nothing() {
    let app = TestApp::spawn().await;
    let recipe = app.recipe(MARGHERITA, "medium").await;
    let (scarce, qty) = *recipe.last().unwrap();
    app.set_stock(SHOP, scarce, qty).await;
    let before = app.stock(SHOP).await;
    let body = json!({
        "shop_id": SHOP, "fulfilment": "pickup", "payment_method": "at_counter",
        "contact": {"name": "A", "phone": "0612345678"},
        "lines": [{"pizza_id": REGINA, "size": "medium", "quantity": 1},
                  {"pizza_id": MARGHERITA, "size": "medium", "quantity": 2}]
    });
    let r = app.anonymous().post("/api/v1/orders", &body).await;
    let (code, err) = error_code(r, StatusCode::CONFLICT).await;
    assert_eq!(code, "out_of_stock");
    let message = err["error"]["message"].as_str().unwrap();
    let name = before
        .items
        .iter()
        .find(|l| l.ingredient_id == scarce)
        .unwrap()
        .name
        .clone();
    assert!(
        message.contains("Margherita") && message.contains(&name),
        "{message}"
    );
    assert!(err["error"]["fields"]["lines[1]"].is_string());
    assert_eq!(
        app.stock(SHOP).await.items,
        before.items,
        "no half-written reservation"
    );
    assert_eq!(app.available(SHOP, MARGHERITA, "medium").await, 1);
}

#[tokio::test]
async fn availability_drops_as_orders_reserve_and_comes_back_after_a_restock() {
    let app = TestApp::spawn().await;
    let recipe = app.recipe(MARGHERITA, "medium").await;
    let (scarce, qty) = recipe[2];
    app.set_stock(SHOP, scarce, qty * 3).await;
    assert_eq!(app.available(SHOP, MARGHERITA, "medium").await, 3);
    app.anonymous()
        .place(&delivery(MARGHERITA, "medium", 2))
        .await;
    assert_eq!(app.available(SHOP, MARGHERITA, "medium").await, 1);
    let manager = app.as_demo("manager").await;
    let r = manager
        .post(
            &format!("/api/v1/shops/{SHOP}/stock/restock"),
            &json!({"ingredient_id": scarce, "quantity": qty * 10}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let level: StockLevel = r.json().await.unwrap();
    assert_eq!(level.on_hand, qty * 13);
    assert_eq!(app.makeable(SHOP, MARGHERITA, "medium").await, 11);
    assert_eq!(
        app.available(SHOP, MARGHERITA, "medium").await,
        MANY,
        "more than a few: the menu says many"
    );
}

#[tokio::test]
async fn a_pizza_switched_off_by_the_manager_shows_zero_and_cannot_be_ordered() {
    let app = TestApp::spawn().await;
    let manager = app.as_demo("manager").await;
    let path = format!("/api/v1/shops/{SHOP}/pizzas/{MARGHERITA}/enabled");
    let r = manager
        .http
        .put(app.url(&path))
        .json(&json!({"enabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.available(SHOP, MARGHERITA, "medium").await, 0);
    assert!(
        app.available(OTHER_SHOP, MARGHERITA, "medium").await > 0,
        "other shops unaffected"
    );
    let r = app
        .anonymous()
        .post("/api/v1/orders", &delivery(MARGHERITA, "medium", 1))
        .await;
    assert_eq!(error_code(r, StatusCode::CONFLICT).await.0, "out_of_stock");
    let r = manager
        .http
        .put(app.url(&path))
        .json(&json!({"enabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(app.available(SHOP, MARGHERITA, "medium").await > 0);
}

#[tokio::test]
async fn waste_and_inventory_corrections_never_touch_reserved_stock() {
    let app = TestApp::spawn().await;
    let (dough, per) = app.recipe(MARGHERITA, "medium").await[0];
    app.set_stock(SHOP, dough, per * 2).await;
    app.anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
    let manager = app.as_demo("manager").await;
    let stock = format!("/api/v1/shops/{SHOP}/stock");
    let r = manager
        .post(
            &format!("{stock}/waste"),
            &json!({"ingredient_id": dough, "quantity": per + 1}),
        )
        .await;
    assert_eq!(error_code(r, StatusCode::CONFLICT).await.0, "conflict");
    let r = manager
        .post(
            &format!("{stock}/correction"),
            &json!({"ingredient_id": dough, "on_hand": per - 1, "reason": "inventaire"}),
        )
        .await;
    let (_, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        body["error"]["fields"]["on_hand"]
            .as_str()
            .unwrap()
            .contains("reserved")
    );
    let r = manager
        .post(
            &format!("{stock}/waste"),
            &json!({"ingredient_id": dough, "quantity": per, "reason": "tombée"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.level(SHOP, dough).await, (per, per));
    let ledger: Vec<LedgerEntry> = manager.get_json(&format!("{stock}/ledger?limit=1")).await;
    assert_eq!(ledger[0].kind, LedgerKind::Waste);
    assert_eq!(ledger[0].reason.as_deref(), Some("tombée"));
    assert!(ledger[0].user_id.is_some(), "who did it is recorded");
}

#[tokio::test]
async fn the_menu_says_which_ingredient_is_short_when_a_pizza_runs_out() {
    let app = TestApp::spawn().await;
    let size = |menu: &ocpizza_proto::api::menu::Menu, pizza: i64| {
        menu.pizzas
            .iter()
            .find(|p| p.id.0 == pizza)
            .and_then(|p| p.sizes.iter().find(|s| s.code == "medium"))
            .cloned()
            .expect("size")
    };
    let before = size(&app.menu(SHOP).await, MARGHERITA);
    assert!(before.available > 0);
    assert_eq!(before.limited_by, None);
    let raw: serde_json::Value = app
        .anonymous()
        .get_json(&format!("/api/v1/shops/{SHOP}/menu"))
        .await;
    assert!(
        raw["pizzas"][0]["sizes"][0].get("limited_by").is_none(),
        "absent while available"
    );

    let recipe = app.recipe(MARGHERITA, "medium").await;
    let (scarce, qty) = *recipe.last().unwrap();
    app.set_stock(SHOP, scarce, qty - 1).await;
    let after = size(&app.menu(SHOP).await, MARGHERITA);
    assert_eq!(after.available, 0);
    let name = app
        .stock(SHOP)
        .await
        .items
        .into_iter()
        .find(|l| l.ingredient_id == scarce)
        .unwrap()
        .name;
    assert_eq!(after.limited_by, Some(name));

    let r = app
        .as_demo("manager")
        .await
        .http
        .put(app.url(&format!("/api/v1/shops/{SHOP}/pizzas/{REGINA}/enabled")))
        .json(&json!({"enabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let off = size(&app.menu(SHOP).await, REGINA);
    assert_eq!(
        (off.available, off.limited_by),
        (0, None),
        "switched off, not short"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rush_reserves_in_rows_shared_by_the_orders_taken_together_and_every_order_is_in_one() {
    let app = TestApp::spawn().await;
    let recipe = app.recipe(MARGHERITA, "medium").await;
    let (dough, per_pizza) = recipe[0];
    for (ingredient, qty) in &recipe {
        app.set_stock(SHOP, *ingredient, qty * 100).await;
    }
    let guest = app.anonymous();
    let rush = (0..40).map(|_| {
        let guest = guest.clone();
        async move { guest.place(&pickup(MARGHERITA, "medium", 1)).await }
    });
    let placed: Vec<Order> = futures::future::join_all(rush).await;
    let (on_hand, reserved) = app.level(SHOP, dough).await;
    assert_eq!(reserved, 40 * per_pizza);

    let admin = app.as_demo("admin").await;
    let ledger: Vec<LedgerEntry> = admin
        .get_json(&format!(
            "/api/v1/shops/{SHOP}/stock/ledger?ingredient_id={dough}&limit=500"
        ))
        .await;
    let rows: Vec<&LedgerEntry> = ledger
        .iter()
        .filter(|e| e.kind == LedgerKind::Reservation)
        .collect();
    // Newest first: each row gives the levels it left, the newest those of the stock now.
    assert_eq!(
        (rows[0].on_hand_after, rows[0].reserved_after),
        (on_hand, reserved)
    );
    for pair in rows.windows(2) {
        assert_eq!(
            pair[0].reserved_after - pair[0].delta_reserved,
            pair[1].reserved_after,
            "row {} follows row {}",
            pair[0].id,
            pair[1].id
        );
    }
    let mut seen: Vec<i64> = Vec::new();
    for row in &rows {
        let orders = if row.orders.is_empty() {
            row.order_id.into_iter().collect()
        } else {
            assert_eq!(row.order_id, Some(row.orders[0]), "the first order");
            row.orders.clone()
        };
        assert_eq!(row.delta_reserved, orders.len() as i64 * per_pizza);
        seen.extend(orders.iter().map(|o| o.0));
    }
    seen.sort_unstable();
    let mut expected: Vec<i64> = placed.iter().map(|o| o.id.0).collect();
    expected.sort_unstable();
    assert_eq!(seen, expected, "every order reserved once");
    assert!(
        rows.iter().any(|r| r.orders.len() > 1),
        "40 orders sent at once: some were taken together ({} rows)",
        rows.len()
    );
}
