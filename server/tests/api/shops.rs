//! Shops: listing, pause/resume, opening hours and delivery area as order rules.

use crate::helpers::*;
use ocpizza_proto::api::shops::Shop;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_five_shops_are_listed_with_their_state() {
    let app = TestApp::spawn().await;
    let shops: Vec<Shop> = app.anonymous().get_json("/api/v1/shops").await;
    assert_eq!(shops.len(), 5);
    assert!(shops[0].open_now, "the first demo shop never closes");
    assert!(
        shops
            .iter()
            .all(|s| s.postcode.len() == 5 && !s.hours.0.is_empty())
    );
    let one: Shop = app.anonymous().get_json("/api/v1/shops/3").await;
    assert_eq!(one.id.0, 3);
    assert_eq!(
        app.anonymous().get("/api/v1/shops/99").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_paused_shop_refuses_orders_until_it_resumes() {
    let app = TestApp::spawn().await;
    let manager = app.as_demo("manager").await;
    let r = manager
        .post(
            &format!("/api/v1/shops/{SHOP}/pause"),
            &json!({"reason": "rupture de gaz"}),
        )
        .await;
    let shop: Shop = r.json().await.unwrap();
    assert!(shop.paused);
    let r = app
        .anonymous()
        .post("/api/v1/orders", &delivery(MARGHERITA, "medium", 1))
        .await;
    let (code, body) = error_code(r, StatusCode::CONFLICT).await;
    assert_eq!(code, "shop_paused");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("rupture de gaz")
    );
    let r = manager
        .post(&format!("/api/v1/shops/{SHOP}/resume"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    app.anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
}

#[tokio::test]
async fn a_closed_shop_refuses_orders_and_hours_are_validated() {
    let app = TestApp::spawn().await;
    let manager = app.as_demo("manager").await;
    let path = format!("/api/v1/shops/{SHOP}");
    let r = manager
        .patch(
            &path,
            &json!({"hours": [{"weekday": 9, "opens": "10:00", "closes": "11:00"}]}),
        )
        .await;
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await.0,
        "invalid_input"
    );
    let r = manager.patch(&path, &json!({"hours": []})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .anonymous()
        .post("/api/v1/orders", &delivery(MARGHERITA, "medium", 1))
        .await;
    assert_eq!(error_code(r, StatusCode::CONFLICT).await.0, "shop_closed");
    let always: Vec<_> = (1..=7)
        .map(|d| json!({"weekday": d, "opens": "00:00", "closes": "24:00"}))
        .collect();
    assert_eq!(
        manager
            .patch(&path, &json!({"hours": always}))
            .await
            .status(),
        StatusCode::OK
    );
    app.anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
}

#[tokio::test]
async fn deliveries_outside_the_area_are_refused_with_the_postcode_named() {
    let app = TestApp::spawn().await;
    let mut body = delivery(MARGHERITA, "medium", 1);
    body["address"]["postcode"] = json!("69001");
    let r = app.anonymous().post("/api/v1/orders", &body).await;
    let (_, err) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        err["error"]["fields"]["address.postcode"]
            .as_str()
            .unwrap()
            .contains("69001")
    );
}

#[tokio::test]
async fn the_recipe_book_holds_every_pizza_of_the_menu_with_its_full_card() {
    let app = TestApp::spawn().await;
    let cook = app.as_demo("cook").await;
    let book: ocpizza_proto::api::menu::RecipeBook = cook.get_json("/api/v1/recipes").await;
    let menu = app.menu(SHOP).await;
    assert_eq!(
        book.recipes.iter().map(|r| r.pizza_id).collect::<Vec<_>>(),
        menu.pizzas.iter().map(|p| p.id).collect::<Vec<_>>(),
        "one card per pizza, in menu order"
    );
    for card in &book.recipes {
        assert!(!card.steps.is_empty() && card.oven_minutes > 0 && card.oven_temp_c > 0);
        assert!(card.sizes.iter().all(|s| !s.items.is_empty()));
        let single: ocpizza_proto::api::menu::Recipe = cook
            .get_json(&format!("/api/v1/pizzas/{}/recipe", card.pizza_id.0))
            .await;
        assert_eq!(&single, card, "the book and the single card agree");
    }
}
