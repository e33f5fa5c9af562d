//! The group's administration of its shops: opening one (stock at zero, orders once stocked,
//! live on the dashboard), every setting checked, retirement and reopening, closures, the
//! delivery's minimum and fee, and the audit trail of each change.

use crate::helpers::*;
use crate::ws::Ws;
use ocpizza_proto::api::dashboard::Dashboard;
use ocpizza_proto::api::orders::Order;
use ocpizza_proto::api::shops::Shop;
use ocpizza_proto::events::Event;
use ocpizza_proto::ws::ServerMsg;
use ocpizza_proto::{Money, ShopId};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn always_open() -> Value {
    (1..=7)
        .map(|d| json!({"weekday": d, "opens": "00:00", "closes": "24:00"}))
        .collect()
}

fn new_shop() -> Value {
    json!({
        "name": "OC Pizza Bastille",
        "street": "3 rue de la Roquette",
        "postcode": "75011",
        "city": "Paris",
        "phone": "01 43 00 00 00",
        "timezone": "Europe/Paris",
        "hours": always_open(),
        "delivery_postcodes": ["75011", "75012"],
    })
}

async fn create(app: &TestApp, body: &Value) -> Shop {
    let r = app.as_demo("admin").await.post("/api/v1/shops", body).await;
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    assert_eq!(status, StatusCode::CREATED, "create shop: {text}");
    serde_json::from_str(&text).expect("shop")
}

/// Gives the shop what `pizza` `size` needs, `times` over.
async fn stock_for(app: &TestApp, shop: ShopId, pizza: i64, size: &str, times: i64) {
    for (ingredient, quantity) in app.recipe(pizza, size).await {
        app.set_stock(shop, ingredient, quantity * times).await;
    }
}

fn delivery_to(shop: ShopId, pizza: i64, quantity: i64) -> Value {
    let mut body = delivery(pizza, "medium", quantity);
    body["shop_id"] = json!(shop);
    body
}

async fn shop_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM shops")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

/// `(action, before, after)` of the audit entries about `shop`, oldest first.
async fn audit(app: &TestApp, shop: ShopId) -> Vec<(String, Value, Value)> {
    let rows: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT action, before, after FROM audit_log WHERE subject = $1 ORDER BY id",
    )
    .bind(format!("shop:{}", shop.0))
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let parse = |v: Option<String>| v.map_or(Value::Null, |s| serde_json::from_str(&s).unwrap());
    rows.into_iter()
        .map(|(a, b, c)| (a, parse(b), parse(c)))
        .collect()
}

#[tokio::test]
async fn a_new_shop_takes_orders_once_stocked_and_appears_live_on_the_dashboard_and_the_list() {
    let app = TestApp::spawn().await;
    let cookie = app.cookie("admin").await;
    let mut ws = Ws::connect(&app, Some(&cookie)).await;
    ws.subscribe("group:orders", None).await;

    let shop = create(&app, &new_shop()).await;
    assert_eq!(shop.name, "OC Pizza Bastille");
    assert!(shop.open_now && !shop.retired);
    let [
        (
            stream,
            _,
            Event::ShopOpened {
                shop_id,
                shop: live,
            },
        ),
    ] = &ws.events(1).await[..]
    else {
        panic!("shop_opened on the dashboard's stream");
    };
    assert_eq!((stream.as_str(), *shop_id), ("group:orders", shop.id));
    assert_eq!(live.name, shop.name);

    let listed: Vec<Shop> = app.anonymous().get_json("/api/v1/shops").await;
    assert!(listed.iter().any(|s| s.id == shop.id));
    let board: Dashboard = app
        .as_demo("admin")
        .await
        .get_json("/api/v1/group/dashboard")
        .await;
    assert!(board.shops.iter().any(|s| s.shop_id == shop.id));

    let stock = app.stock(shop.id).await;
    assert_eq!(stock.items.len(), app.stock(SHOP).await.items.len());
    assert!(
        stock
            .items
            .iter()
            .all(|l| l.on_hand == 0 && l.reserved == 0)
    );
    let r = app
        .anonymous()
        .post("/api/v1/orders", &delivery_to(shop.id, MARGHERITA, 1))
        .await;
    assert_eq!(error_code(r, StatusCode::CONFLICT).await.0, "out_of_stock");

    stock_for(&app, shop.id, MARGHERITA, "medium", 1).await;
    let order = app
        .anonymous()
        .place(&delivery_to(shop.id, MARGHERITA, 1))
        .await;
    assert_eq!(order.shop_id, shop.id);
    // The new shop's menu stream exists and tells the order's reservation.
    let mut menu = Ws::connect(&app, None).await;
    let got = menu
        .subscribe(&format!("shop:{}:menu", shop.id), None)
        .await;
    assert!(matches!(got.last(), Some(ServerMsg::Subscribed { .. })));
}

#[tokio::test]
async fn invalid_settings_are_refused_with_each_field_named_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    let before = shop_count(&app).await;
    let mut body = new_shop();
    body["name"] = json!("  ");
    body["timezone"] = json!("Europe/Atlantis");
    body["postcode"] = json!("7501");
    body["hours"] = json!([{"weekday": 8, "opens": "10:00", "closes": "11:00"}]);
    body["delivery_postcodes"] = json!(["75011", "ABCDE"]);
    body["delivery_fee"] = json!(-100);
    let r = admin.post("/api/v1/shops", &body).await;
    let (code, err) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(code, "invalid_input");
    let fields = &err["error"]["fields"];
    for field in [
        "name",
        "timezone",
        "postcode",
        "hours",
        "delivery_postcodes[1]",
        "delivery_fee",
    ] {
        assert!(fields[field].is_string(), "{field} named in {err}");
    }
    assert_eq!(shop_count(&app).await, before, "no shop created");

    let path = format!("/api/v1/shops/{SHOP}");
    let was: Shop = app.anonymous().get_json(&path).await;
    for (patch, field) in [
        (json!({"timezone": "Paris"}), "timezone"),
        (json!({"name": ""}), "name"),
        (
            json!({"hours": [{"weekday": 1, "opens": "25:00", "closes": "26:00"}]}),
            "hours",
        ),
        (
            json!({"delivery_postcodes": ["750"]}),
            "delivery_postcodes[0]",
        ),
        (json!({"min_delivery_order": -1}), "min_delivery_order"),
    ] {
        // A valid field next to the bad one is not applied either.
        let mut patch = patch;
        patch["phone"] = json!("01 99 99 99 99");
        let r = admin.patch(&path, &patch).await;
        let (_, err) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(err["error"]["fields"][field].is_string(), "{field}: {err}");
    }
    let now: Shop = app.anonymous().get_json(&path).await;
    assert_eq!(now, was.clone().with_state_of(&now));
    assert_eq!(now.phone, was.phone);
}

trait SameState {
    fn with_state_of(self, other: &Shop) -> Shop;
}

impl SameState for Shop {
    /// This shop with the time-dependent fields of `other` (its state moves with the clock).
    fn with_state_of(self, other: &Shop) -> Shop {
        Shop {
            open_state: other.open_state.clone(),
            open_now: other.open_now,
            today_hours: other.today_hours.clone(),
            ..self
        }
    }
}

#[tokio::test]
async fn only_administrators_run_the_group_and_managers_read_their_own_settings() {
    let app = TestApp::spawn().await;
    let manager = app.as_demo("manager").await;
    let cook = app.as_demo("cook").await;
    let anonymous = app.anonymous();
    let posts = [
        "/api/v1/shops".to_owned(),
        format!("/api/v1/shops/{SHOP}/retire"),
        format!("/api/v1/shops/{SHOP}/reopen"),
    ];
    for path in &posts {
        let body = if path.ends_with("shops") {
            new_shop()
        } else {
            json!({})
        };
        error_code(anonymous.post(path, &body).await, StatusCode::UNAUTHORIZED).await;
        error_code(manager.post(path, &body).await, StatusCode::FORBIDDEN).await;
        error_code(cook.post(path, &body).await, StatusCode::FORBIDDEN).await;
    }
    let closures = format!("/api/v1/shops/{SHOP}/closures");
    let closure = json!({"starts_on": "2099-12-25", "reason": "Noël"});
    error_code(
        manager.post(&closures, &closure).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    error_code(
        anonymous.post(&closures, &closure).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let r = manager
        .patch(
            &format!("/api/v1/shops/{SHOP}"),
            &json!({"delivery_fee": 0}),
        )
        .await;
    error_code(r, StatusCode::FORBIDDEN).await;
    let r = manager
        .patch(
            &format!("/api/v1/shops/{OTHER_SHOP}"),
            &json!({"name": "Mine"}),
        )
        .await;
    error_code(r, StatusCode::FORBIDDEN).await;
    error_code(
        manager.get("/api/v1/group/shops").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    error_code(anonymous.get(&closures).await, StatusCode::UNAUTHORIZED).await;
    let r = manager
        .get(&format!("/api/v1/shops/{OTHER_SHOP}/closures"))
        .await;
    error_code(r, StatusCode::FORBIDDEN).await;

    let own: Vec<Value> = manager.get_json(&closures).await;
    assert!(own.is_empty());
    let settings: Shop = manager.get_json(&format!("/api/v1/shops/{SHOP}")).await;
    assert_eq!(settings.delivery_fee, Money::ZERO);
    assert_eq!(shop_count(&app).await, 5, "nothing was created");
}

#[tokio::test]
async fn a_retired_shop_takes_no_order_leaves_the_lists_and_keeps_its_history() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    let shop = create(&app, &new_shop()).await;
    stock_for(&app, shop.id, MARGHERITA, "medium", 2).await;
    let order = app
        .anonymous()
        .place(&delivery_to(shop.id, MARGHERITA, 1))
        .await;
    let retire = format!("/api/v1/shops/{}/retire", shop.id);
    let (code, err) = error_code(admin.post(&retire, &json!({})).await, StatusCode::CONFLICT).await;
    assert_eq!(code, "conflict");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unfinished")
    );
    let cancel = admin
        .post(
            &format!("/api/v1/orders/{}/cancel", order.id),
            &json!({"reason": "test"}),
        )
        .await;
    assert_eq!(cancel.status(), StatusCode::OK);

    let cookie = app.cookie("admin").await;
    let mut ws = Ws::connect(&app, Some(&cookie)).await;
    ws.subscribe("group:orders", None).await;
    let r = admin.post(&retire, &json!({})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let retired: Shop = r.json().await.unwrap();
    assert!(retired.retired);
    let [(_, _, Event::ShopRetired { shop_id })] = &ws.events(1).await[..] else {
        panic!("shop_retired on the dashboard's stream");
    };
    assert_eq!(*shop_id, shop.id);
    error_code(admin.post(&retire, &json!({})).await, StatusCode::CONFLICT).await;

    let r = app
        .anonymous()
        .post("/api/v1/orders", &delivery_to(shop.id, MARGHERITA, 1))
        .await;
    let (code, _) = error_code(r, StatusCode::CONFLICT).await;
    assert_eq!(code, "shop_closed");
    let listed: Vec<Shop> = app.anonymous().get_json("/api/v1/shops").await;
    assert!(listed.iter().all(|s| s.id != shop.id));
    let board: Dashboard = admin.get_json("/api/v1/group/dashboard").await;
    assert!(board.shops.iter().all(|s| s.shop_id != shop.id));
    let all: Vec<Shop> = admin.get_json("/api/v1/group/shops").await;
    assert!(all.iter().any(|s| s.id == shop.id && s.retired));
    // Its history stays.
    let kept: Order = admin
        .get_json(&format!("/api/v1/orders/{}", order.id))
        .await;
    assert_eq!(kept.shop_id, shop.id);
    assert_eq!(
        app.stock(shop.id).await.items.len(),
        app.stock(SHOP).await.items.len()
    );

    let r = admin
        .post(&format!("/api/v1/shops/{}/reopen", shop.id), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let [(_, _, Event::ShopOpened { .. })] = &ws.events(1).await[..] else {
        panic!("shop_opened on reopening");
    };
    app.anonymous()
        .place(&delivery_to(shop.id, MARGHERITA, 1))
        .await;
}

#[tokio::test]
async fn a_shop_closed_today_refuses_orders_saying_why_until_the_closure_is_removed() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    let today = jiff::Zoned::now()
        .with_time_zone(jiff::tz::TimeZone::get("Europe/Paris").unwrap())
        .date();
    let path = format!("/api/v1/shops/{SHOP}/closures");
    for (body, field) in [
        (
            json!({"starts_on": "2026-02-30", "reason": "x"}),
            "starts_on",
        ),
        (
            json!({"starts_on": today.to_string(), "ends_on": "2000-01-01", "reason": "x"}),
            "ends_on",
        ),
        (
            json!({"starts_on": today.to_string(), "reason": " "}),
            "reason",
        ),
    ] {
        let (_, err) = error_code(
            admin.post(&path, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(err["error"]["fields"][field].is_string(), "{field}: {err}");
    }
    let r = admin
        .post(
            &path,
            &json!({"starts_on": today.to_string(), "ends_on": today.tomorrow().unwrap().to_string(),
                    "reason": "inventaire annuel"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let shop: Shop = r.json().await.unwrap();
    let closure = shop.closed_today.clone().expect("closed today");
    assert_eq!(closure.reason, "inventaire annuel");
    assert!(!shop.open_now && shop.today_hours.is_empty());
    let ocpizza_proto::OpenState::Closed { next: Some(next) } = &shop.open_state else {
        panic!("closed with a next opening: {:?}", shop.open_state);
    };
    assert_eq!(next.in_days, 2, "opens again after the closure");

    let r = app
        .anonymous()
        .post("/api/v1/orders", &delivery(MARGHERITA, "medium", 1))
        .await;
    let (code, err) = error_code(r, StatusCode::CONFLICT).await;
    assert_eq!(code, "shop_closed");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("inventaire annuel")
    );
    let listed: Vec<Shop> = app.anonymous().get_json("/api/v1/shops").await;
    assert_eq!(
        listed[0].closed_today.as_ref().map(|c| c.id),
        Some(closure.id)
    );
    let manager: Vec<Value> = app.as_demo("manager").await.get_json(&path).await;
    assert_eq!(manager.len(), 1);

    let r = admin.delete(&format!("{path}/{}", closure.id)).await;
    assert_eq!(r.status(), StatusCode::OK);
    error_code(
        admin.delete(&format!("{path}/{}", closure.id)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    app.anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
    let actions: Vec<String> = audit(&app, SHOP)
        .await
        .into_iter()
        .map(|(a, ..)| a)
        .collect();
    assert_eq!(actions, ["shop.closure_added", "shop.closure_removed"]);
}

#[tokio::test]
async fn a_delivery_under_the_minimum_is_refused_and_a_fee_change_leaves_placed_orders_alone() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    let path = format!("/api/v1/shops/{SHOP}");
    let menu = app.menu(SHOP).await;
    let margherita = menu.pizzas.iter().find(|p| p.id.0 == MARGHERITA).unwrap();
    let price = margherita
        .sizes
        .iter()
        .find(|s| s.code == "medium")
        .unwrap()
        .price;
    let r = admin
        .patch(
            &path,
            &json!({"min_delivery_order": price.0 * 2, "delivery_fee": 250}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let shop: Shop = r.json().await.unwrap();
    assert_eq!(
        (shop.min_delivery_order, shop.delivery_fee),
        (price * 2, Money(250))
    );

    let r = app
        .anonymous()
        .post("/api/v1/orders", &delivery(MARGHERITA, "medium", 1))
        .await;
    let (_, err) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        err["error"]["fields"]["lines"]
            .as_str()
            .unwrap()
            .contains("at least")
    );
    let pickup = app
        .anonymous()
        .place(&pickup(MARGHERITA, "medium", 1))
        .await;
    assert_eq!((pickup.delivery_fee, pickup.total), (Money::ZERO, price));

    let placed = app
        .anonymous()
        .place(&delivery(MARGHERITA, "medium", 2))
        .await;
    assert_eq!(placed.delivery_fee, Money(250));
    assert_eq!(placed.total, price * 2 + Money(250));

    let r = admin.patch(&path, &json!({"delivery_fee": 400})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let kept: Order = admin
        .get_json(&format!("/api/v1/orders/{}", placed.id))
        .await;
    assert_eq!(
        (kept.delivery_fee, kept.total),
        (Money(250), price * 2 + Money(250))
    );
    let next = app
        .anonymous()
        .place(&delivery(MARGHERITA, "medium", 2))
        .await;
    assert_eq!(next.total, price * 2 + Money(400));
}

#[tokio::test]
async fn every_change_of_a_shop_is_in_the_audit_trail_with_before_and_after() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    let shop = create(&app, &new_shop()).await;
    let path = format!("/api/v1/shops/{}", shop.id);
    let r = admin
        .patch(
            &path,
            &json!({"name": "OC Pizza Roquette", "timezone": "Europe/Brussels"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // Saving the same again changes nothing and records nothing.
    let r = admin
        .patch(&path, &json!({"name": "OC Pizza Roquette"}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = admin.post(&format!("{path}/retire"), &json!({})).await;
    assert_eq!(r.status(), StatusCode::OK);

    let trail = audit(&app, shop.id).await;
    let actions: Vec<&str> = trail.iter().map(|(a, ..)| a.as_str()).collect();
    assert_eq!(actions, ["shop.created", "shop.updated", "shop.retired"]);
    let (_, before, after) = &trail[0];
    assert_eq!(*before, Value::Null);
    assert_eq!(after["name"], "OC Pizza Bastille");
    let (_, before, after) = &trail[1];
    assert_eq!(
        *before,
        json!({"name": "OC Pizza Bastille", "timezone": "Europe/Paris"})
    );
    assert_eq!(
        *after,
        json!({"name": "OC Pizza Roquette", "timezone": "Europe/Brussels"})
    );
    let (_, before, after) = &trail[2];
    assert_eq!(
        (before["retired"].clone(), after["retired"].clone()),
        (json!(false), json!(true))
    );
    let actor: Option<i64> =
        sqlx::query_scalar("SELECT actor_id FROM audit_log WHERE action = 'shop.created'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert!(actor.is_some(), "who did it is kept");
}
