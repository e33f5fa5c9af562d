//! The public menu served from memory: its validator, and a change seen on the next read by
//! the instance that made it and, through Redis, by another instance.

use crate::helpers::*;
use crate::ws::Ws;
use ocpizza_proto::api::menu::Menu;
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH};
use serde_json::json;

fn menu_path() -> String {
    format!("/api/v1/shops/{SHOP}/menu")
}

fn enabled(menu: &Menu, pizza: i64) -> bool {
    menu.pizzas
        .iter()
        .find(|p| p.id.0 == pizza)
        .expect("pizza on the menu")
        .enabled
}

/// The menu and its `ETag`.
async fn read(api: &Api) -> (Menu, String) {
    let r = api.get(&menu_path()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CACHE_CONTROL], "no-cache");
    let etag = r.headers()[ETAG].to_str().expect("ETag").to_owned();
    (r.json().await.expect("menu"), etag)
}

/// The menu asked for again with the validator `etag`.
async fn revalidate(app: &TestApp, api: &Api, etag: &str) -> reqwest::Response {
    api.http
        .get(app.url(&menu_path()))
        .header(IF_NONE_MATCH, etag)
        .send()
        .await
        .expect("GET")
}

async fn switch(app: &TestApp, pizza: i64, on: bool) {
    let manager = app.staff(SHOP, "manager").await;
    let r = manager
        .put(
            &format!("/api/v1/shops/{SHOP}/pizzas/{pizza}/enabled"),
            &json!({ "enabled": on }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_reader_revalidates_with_the_etag_and_sees_every_change_on_the_next_read() {
    let app = TestApp::spawn().await;
    let guest = app.anonymous();
    let (menu, etag) = read(&guest).await;
    assert!(enabled(&menu, MARGHERITA));

    let unchanged = revalidate(&app, &guest, &etag).await;
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(unchanged.headers()[ETAG], etag.as_str());
    assert!(unchanged.bytes().await.expect("body").is_empty());

    // The manager's switch is on the very next read, under a new validator.
    switch(&app, MARGHERITA, false).await;
    let changed = revalidate(&app, &guest, &etag).await;
    assert_eq!(changed.status(), StatusCode::OK);
    let new_etag = changed.headers()[ETAG].to_str().expect("ETag").to_owned();
    assert_ne!(new_etag, etag);
    let switched: Menu = changed.json().await.expect("menu");
    assert!(!enabled(&switched, MARGHERITA));
    assert!(switched.stream_seq > menu.stream_seq);

    // So is an order's reservation once few are left: one fewer can be made.
    let recipe = app.recipe(REGINA, "medium").await;
    let (scarce, quantity) = *recipe.last().expect("an ingredient");
    let (_, reserved) = app.level(SHOP, scarce).await;
    app.set_stock(SHOP, scarce, reserved + 4 * quantity).await;
    assert_eq!(app.available(SHOP, REGINA, "medium").await, 4);
    app.anonymous().place(&pickup(REGINA, "medium", 1)).await;
    assert_eq!(app.available(SHOP, REGINA, "medium").await, 3);
    // And a stock correction that leaves less than a portion.
    let (_, reserved) = app.level(SHOP, scarce).await;
    app.set_stock(SHOP, scarce, reserved + quantity - 1).await;
    assert_eq!(app.available(SHOP, REGINA, "medium").await, 0);
}

#[tokio::test]
async fn an_unknown_shop_has_no_menu() {
    let app = TestApp::spawn().await;
    let r = app.anonymous().get("/api/v1/shops/999/menu").await;
    let (code, _) = error_code(r, StatusCode::NOT_FOUND).await;
    assert_eq!(code, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_change_on_another_instance_is_in_this_ones_menu_once_its_event_arrived() {
    let channel = channel();
    let (a, b) = TestApp::spawn_pair(|c| {
        c.redis_url = Some(ocpizza::config::Secret::new(redis_url()));
        c.redis_channel.clone_from(&channel);
    })
    .await;
    let guest = b.anonymous();
    let (menu, _) = read(&guest).await;
    assert!(enabled(&menu, MARGHERITA), "B keeps this menu");
    let mut ws = Ws::connect(&b, None).await;
    ws.subscribe(&format!("shop:{SHOP}:menu"), Some(menu.stream_seq))
        .await;

    switch(&a, MARGHERITA, false).await;
    // B drops its menu before any of its clients can hear of the change.
    let heard = ws.events(1).await;
    assert!(heard[0].1 > menu.stream_seq);
    let (after, _) = read(&guest).await;
    assert!(!enabled(&after, MARGHERITA));
    assert!(after.stream_seq >= heard[0].1);
}
