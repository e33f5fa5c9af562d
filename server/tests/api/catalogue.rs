//! The catalogue's administration: pizzas and ingredients edited by the group's admins, each
//! change checked, written whole, audited and pushed live to open menus; imports all or
//! nothing with a dry run; placed orders untouched by later changes; the command line.

use crate::cli::{ocpizza, text};
use crate::helpers::*;
use crate::ws::Ws;
use ocpizza_proto::api::Allergen;
use ocpizza_proto::api::catalogue::{Catalogue, CataloguePizza, ImportReport};
use ocpizza_proto::api::menu::Recipe;
use ocpizza_proto::api::orders::Order;
use ocpizza_proto::events::Event;
use ocpizza_proto::ws::ServerMsg;
use ocpizza_proto::{Money, ShopId};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Row;

async fn export(api: &Api) -> Catalogue {
    api.get_json("/api/v1/catalogue/export").await
}

fn pesto() -> Value {
    json!({
        "key": "pesto", "name": "Pesto genovese", "unit": "g",
        "allergens": ["nuts", "milk"],
        "low_thresholds": [{"shop_id": 1, "low_threshold": 150}]
    })
}

fn genovese(price: i64, pesto_g: i64) -> Value {
    json!({
        "key": "genovese", "name": "Genovese", "description": "Pesto, mozzarella, roquette",
        "available": true,
        "sizes": [
            {"code": "medium", "label": "Moyenne 29 cm", "price": price,
             "recipe": [{"ingredient": "pate", "quantity": 250},
                        {"ingredient": "pesto", "quantity": pesto_g},
                        {"ingredient": "mozzarella", "quantity": 100}]}
        ],
        "steps": ["Étaler la pâte", "Napper de pesto", "Enfourner"],
        "oven_minutes": 8, "oven_temp_c": 280,
        "extras": [{"ingredient": "roquette", "sizes": [{"size": "medium", "quantity": 20, "price": 150}]}]
    })
}

/// An admin with the pesto ingredient and the Genovese pizza created.
async fn with_genovese(app: &TestApp) -> Api {
    let admin = app.as_demo("admin").await;
    let r = admin.post("/api/v1/catalogue/ingredients", &pesto()).await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let r = admin
        .post("/api/v1/catalogue/pizzas", &genovese(1400, 60))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    admin
}

fn size_price(p: &CataloguePizza, code: &str) -> Money {
    p.sizes.iter().find(|s| s.code == code).expect("size").price
}

#[tokio::test]
async fn an_admin_creates_and_edits_a_pizza_and_an_ingredient_and_menus_and_recipes_follow() {
    let app = TestApp::spawn().await;
    let admin = with_genovese(&app).await;
    // Every shop has a stock line for the new ingredient; shop 1 its threshold.
    app.set_stock(SHOP, ingredient_id(&app, "pesto").await, 1_000)
        .await;

    let menu = app.menu(SHOP).await;
    let pizza = menu
        .pizzas
        .iter()
        .find(|p| p.name == "Genovese")
        .expect("on the menu");
    assert_eq!(pizza.sizes[0].price, Money(1400));
    assert!(pizza.sizes[0].available > 0, "{pizza:?}");
    for a in [Allergen::Gluten, Allergen::Milk, Allergen::Nuts] {
        assert!(pizza.allergens.contains(&a), "{:?}", pizza.allergens);
    }
    let id = pizza.id;
    let stock = app.stock(SHOP).await;
    let line = stock
        .items
        .iter()
        .find(|l| l.name == "Pesto genovese")
        .expect("stock line");
    assert_eq!(line.low_threshold, 150);

    // Edit: new price, more pesto, a step changed.
    let mut edited = genovese(1550, 70);
    edited["steps"][1] = json!("Napper de pesto, sans le bord");
    let r = admin
        .put("/api/v1/catalogue/pizzas/genovese", &edited)
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let saved: CataloguePizza = r.json().await.unwrap();
    assert_eq!(size_price(&saved, "medium"), Money(1550));
    assert_eq!(saved.id, Some(id));

    let menu = app.menu(SHOP).await;
    let pizza = menu.pizzas.iter().find(|p| p.id == id).unwrap();
    assert_eq!(pizza.sizes[0].price, Money(1550));
    let cook = app.as_demo("cook").await;
    let recipe: Recipe = cook.get_json(&format!("/api/v1/pizzas/{id}/recipe")).await;
    assert_eq!(recipe.steps[1], "Napper de pesto, sans le bord");
    let pesto = recipe.sizes[0]
        .items
        .iter()
        .find(|i| i.name == "Pesto genovese")
        .unwrap();
    assert_eq!(pesto.quantity, 70);

    // The ingredient renamed, its allergens changed: the recipe card and menu follow.
    let mut ingredient = pesto_json_renamed();
    ingredient["low_thresholds"] = json!([{"shop_id": 2, "low_threshold": 90}]);
    let r = admin
        .put("/api/v1/catalogue/ingredients/pesto", &ingredient)
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let recipe: Recipe = cook.get_json(&format!("/api/v1/pizzas/{id}/recipe")).await;
    assert!(
        recipe.sizes[0]
            .items
            .iter()
            .any(|i| i.name == "Pesto maison")
    );
    let menu = app.menu(SHOP).await;
    let pizza = menu.pizzas.iter().find(|p| p.id == id).unwrap();
    assert!(!pizza.allergens.contains(&Allergen::Nuts));
    let other = app.stock(OTHER_SHOP).await;
    let line = other
        .items
        .iter()
        .find(|l| l.name == "Pesto maison")
        .unwrap();
    assert_eq!(line.low_threshold, 90);

    // Switched off for every shop: off every menu, and no order takes it.
    let r = admin
        .put(
            "/api/v1/catalogue/pizzas/genovese/available",
            &json!({"available": false}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    for shop in [SHOP, OTHER_SHOP] {
        let menu = app.menu(shop).await;
        let pizza = menu.pizzas.iter().find(|p| p.id == id).unwrap();
        assert!(!pizza.enabled);
        assert_eq!(pizza.sizes[0].available, 0);
    }
    let r = app
        .anonymous()
        .post("/api/v1/orders", &pickup(id.0, "medium", 1))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

fn pesto_json_renamed() -> Value {
    json!({"key": "pesto", "name": "Pesto maison", "unit": "g", "allergens": ["milk"]})
}

async fn ingredient_id(app: &TestApp, key: &str) -> ocpizza_proto::IngredientId {
    let id: i64 = sqlx::query_scalar("SELECT id FROM ingredients WHERE key = $1")
        .bind(key)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    ocpizza_proto::IngredientId(id)
}

#[tokio::test]
async fn invalid_items_are_refused_with_the_field_named_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let admin = with_genovese(&app).await;
    let before = export(&admin).await;
    let cases: Vec<(Value, &str)> = vec![
        (
            {
                let mut p = genovese(0, 60);
                p["key"] = json!("zero");
                p
            },
            "sizes[0].price",
        ),
        (
            {
                let mut p = genovese(1400, 60);
                p["key"] = json!("truffe");
                p["sizes"][0]["recipe"][1]["ingredient"] = json!("truffe_noire");
                p
            },
            "sizes[0].recipe[1].ingredient",
        ),
        (
            {
                let mut p = genovese(1400, 0);
                p["key"] = json!("sans_pesto");
                p
            },
            "sizes[0].recipe[1].quantity",
        ),
        (
            {
                let mut p = genovese(1400, 60);
                p["key"] = json!("Pas Une Clé");
                p
            },
            "key",
        ),
        (
            {
                let mut p = genovese(1400, 60);
                p["key"] = json!("vide");
                p["name"] = json!("  ");
                p
            },
            "name",
        ),
        (
            {
                let mut p = genovese(1400, 60);
                p["key"] = json!("xl");
                p["extras"][0]["sizes"][0]["size"] = json!("xl");
                p
            },
            "extras[0].sizes[0].size",
        ),
        (
            {
                let mut p = genovese(1400, 60);
                p["key"] = json!("tiede");
                p["oven_temp_c"] = json!(9000);
                p
            },
            "oven_temp_c",
        ),
    ];
    for (body, field) in cases {
        let r = admin.post("/api/v1/catalogue/pizzas", &body).await;
        let (code, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(code, "invalid_input");
        assert!(
            body["error"]["fields"][field].is_string(),
            "{field}: {body}"
        );
    }
    let r = admin
        .post(
            "/api/v1/catalogue/ingredients",
            &json!({"key": "sel", "name": "Sel", "unit": "kg", "allergens": []}),
        )
        .await;
    let (_, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(body["error"]["fields"]["unit"].is_string(), "{body}");
    let r = admin
        .post(
            "/api/v1/catalogue/ingredients",
            &json!({"key": "sel", "name": "Sel", "unit": "g", "allergens": [],
                    "low_thresholds": [{"shop_id": 99, "low_threshold": 1}]}),
        )
        .await;
    let (_, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        body["error"]["fields"]["low_thresholds[0].shop_id"].is_string(),
        "{body}"
    );
    // A taken key, a missing pizza, a key that would change.
    let r = admin
        .post("/api/v1/catalogue/pizzas", &genovese(1400, 60))
        .await;
    assert_eq!(error_code(r, StatusCode::CONFLICT).await.0, "conflict");
    let r = admin
        .put("/api/v1/catalogue/pizzas/inconnue", &{
            let mut p = genovese(1400, 60);
            p["key"] = json!("inconnue");
            p
        })
        .await;
    assert_eq!(error_code(r, StatusCode::NOT_FOUND).await.0, "not_found");
    let r = admin
        .put("/api/v1/catalogue/pizzas/margherita", &genovese(1400, 60))
        .await;
    error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    // An ingredient a pizza uses cannot be removed.
    let r = admin.delete("/api/v1/catalogue/ingredients/pesto").await;
    assert_eq!(error_code(r, StatusCode::CONFLICT).await.0, "conflict");
    assert_eq!(export(&admin).await, before, "nothing was written");
}

#[tokio::test]
async fn only_administrators_edit_the_catalogue_and_managers_keep_their_shop_switch() {
    let app = TestApp::spawn().await;
    let anonymous = app.anonymous();
    let customer = app.as_demo("customer").await;
    let manager = app.as_demo("manager").await;
    let cook = app.as_demo("cook").await;
    let catalogue = export(&app.as_demo("admin").await).await;
    let catalogue = serde_json::to_value(&catalogue).unwrap();
    for (api, status) in [
        (&anonymous, StatusCode::UNAUTHORIZED),
        (&customer, StatusCode::FORBIDDEN),
        (&manager, StatusCode::FORBIDDEN),
        (&cook, StatusCode::FORBIDDEN),
    ] {
        for r in [
            api.get("/api/v1/catalogue").await,
            api.get("/api/v1/catalogue/export").await,
            api.post("/api/v1/catalogue/import?dry_run=true", &catalogue)
                .await,
            api.post("/api/v1/catalogue/pizzas", &genovese(1400, 60))
                .await,
            api.put(
                "/api/v1/catalogue/pizzas/margherita",
                &catalogue["pizzas"][0],
            )
            .await,
            api.put(
                "/api/v1/catalogue/pizzas/margherita/available",
                &json!({"available": false}),
            )
            .await,
            api.delete("/api/v1/catalogue/pizzas/margherita").await,
            api.post("/api/v1/catalogue/ingredients", &pesto()).await,
            api.delete("/api/v1/catalogue/ingredients/origan").await,
            api.delete("/api/v1/catalogue/pizzas/margherita/photo")
                .await,
        ] {
            error_code(r, status).await;
        }
    }
    // The manager's own switch, in the shop managed only.
    let r = manager
        .put(
            &format!("/api/v1/shops/{SHOP}/pizzas/{MARGHERITA}/enabled"),
            &json!({"enabled": false}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = manager
        .put(
            &format!("/api/v1/shops/{OTHER_SHOP}/pizzas/{MARGHERITA}/enabled"),
            &json!({"enabled": false}),
        )
        .await;
    error_code(r, StatusCode::FORBIDDEN).await;
    assert!(
        app.menu(SHOP)
            .await
            .pizzas
            .iter()
            .any(|p| p.id.0 == MARGHERITA),
        "the pizza is still in the catalogue"
    );
}

fn set_price(c: &mut Catalogue, pizza: &str, size: &str, cents: i64) {
    let p = c.pizzas.iter_mut().find(|p| p.key == pizza).unwrap();
    p.sizes.iter_mut().find(|s| s.code == size).unwrap().price = Money(cents);
}

#[tokio::test]
async fn an_import_that_fails_half_way_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    let before = export(&admin).await;

    // Valid changes first, an invalid quantity in the last pizza.
    let mut bad = before.clone();
    set_price(&mut bad, "margherita", "medium", 1190);
    let last = bad.pizzas.len() - 1;
    bad.pizzas[last].sizes[0].recipe[0].quantity = -5;
    let r = admin
        .post(
            "/api/v1/catalogue/import",
            &serde_json::to_value(&bad).unwrap(),
        )
        .await;
    let (_, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        body["error"]["fields"][format!("pizzas[{last}].sizes[0].recipe[0].quantity")].is_string(),
        "{body}"
    );
    assert_eq!(export(&admin).await, before);

    // Written rows first, then a refusal while writing: an ingredient to remove is held by
    // an open order. Everything rolls back.
    app.anonymous()
        .place(&pickup(MARGHERITA, "medium", 1))
        .await;
    let held = before.pizzas[0].sizes[0]
        .recipe
        .last()
        .unwrap()
        .ingredient
        .clone();
    let mut bad = before.clone();
    set_price(&mut bad, "regina", "medium", 1290);
    bad.ingredients.retain(|i| i.key != held);
    bad.pizzas.retain(|p| {
        !p.sizes
            .iter()
            .any(|s| s.recipe.iter().any(|i| i.ingredient == held))
            && !p.extras.iter().any(|e| e.ingredient == held)
    });
    let r = admin
        .post(
            "/api/v1/catalogue/import",
            &serde_json::to_value(&bad).unwrap(),
        )
        .await;
    let (code, body) = error_code(r, StatusCode::CONFLICT).await;
    assert_eq!(code, "conflict");
    assert!(
        body["error"]["message"].as_str().unwrap().contains(&held),
        "{body}"
    );
    assert_eq!(export(&admin).await, before, "nothing half-written");
}

#[tokio::test]
async fn a_dry_run_reports_the_differences_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    let before = export(&admin).await;
    let mut next = before.clone();
    set_price(&mut next, "margherita", "medium", 1100);
    let removed = next.pizzas.pop().unwrap().key;
    let mut sel = next.ingredients[0].clone();
    sel.key = "sel_de_guerande".into();
    sel.name = "Sel de Guérande".into();
    sel.allergens = vec![];
    next.ingredients.push(sel);
    let body = serde_json::to_value(&next).unwrap();

    let report: ImportReport = {
        let r = admin
            .post("/api/v1/catalogue/import?dry_run=true", &body)
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    };
    assert!(report.dry_run);
    assert_eq!(report.pizzas.changed, vec!["margherita"]);
    assert_eq!(report.pizzas.removed, vec![removed.clone()]);
    assert_eq!(report.ingredients.added, vec!["sel_de_guerande"]);
    let price = report
        .prices
        .iter()
        .find(|p| p.pizza == "margherita" && p.size == "medium" && p.extra.is_none())
        .expect("price change reported");
    assert_eq!(
        (price.before, price.after),
        (Some(Money(1050)), Some(Money(1100)))
    );
    assert!(
        report
            .prices
            .iter()
            .any(|p| p.pizza == removed && p.after.is_none())
    );
    assert_eq!(export(&admin).await, before, "a dry run changes nothing");
    assert!(app.available(SHOP, MARGHERITA, "medium").await > 0);

    // The real import does what the dry run said.
    let r = admin.post("/api/v1/catalogue/import", &body).await;
    assert_eq!(r.status(), StatusCode::OK);
    let done: ImportReport = r.json().await.unwrap();
    assert_eq!(
        ImportReport {
            dry_run: true,
            ..done
        },
        report
    );
    let after = export(&admin).await;
    assert!(!after.pizzas.iter().any(|p| p.key == removed));
    assert_eq!(size_price(&after.pizzas[0], "medium"), Money(1100));
    let menu = app.menu(SHOP).await;
    assert_eq!(menu.pizzas.len(), before.pizzas.len() - 1);
}

#[tokio::test]
async fn an_export_imported_on_a_fresh_database_gives_the_same_catalogue() {
    let first = TestApp::spawn().await;
    let admin = with_genovese(&first).await;
    let r = admin
        .put("/api/v1/catalogue/pizzas/genovese", &genovese(1490, 65))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let exported = export(&admin).await;

    let fresh = TestApp::spawn().await;
    let other = fresh.as_demo("admin").await;
    assert_ne!(export(&other).await, exported);
    let r = other
        .post(
            "/api/v1/catalogue/import",
            &serde_json::to_value(&exported).unwrap(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert_eq!(export(&other).await, exported);
    // Importing it again changes nothing.
    let again: ImportReport = other
        .post(
            "/api/v1/catalogue/import",
            &serde_json::to_value(&exported).unwrap(),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(again.is_empty(), "{again:?}");
    assert!(
        fresh
            .menu(SHOP)
            .await
            .pizzas
            .iter()
            .any(|p| p.name == "Genovese" && p.sizes[0].price == Money(1490))
    );
}

#[tokio::test]
async fn a_placed_order_keeps_its_names_prices_and_what_it_holds_after_a_catalogue_change() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    let recipe = app.recipe(MARGHERITA, "medium").await;
    let (dough, per_pizza) = recipe[0];
    let (on_hand, _) = app.level(SHOP, dough).await;
    let customer = app.customer().await;
    let order = customer.place(&delivery(MARGHERITA, "medium", 2)).await;
    assert_eq!(order.total, Money(2 * 1050));
    assert_eq!(app.level(SHOP, dough).await, (on_hand, 2 * per_pizza));

    // Renamed, dearer, more dough.
    let mut margherita = export(&admin)
        .await
        .pizzas
        .into_iter()
        .find(|p| p.key == "margherita")
        .unwrap();
    margherita.name = "Margherita DOP".into();
    margherita.sizes[0].price = Money(1500);
    margherita.sizes[0].recipe[0].quantity = per_pizza + 50;
    let r = admin
        .put(
            "/api/v1/catalogue/pizzas/margherita",
            &serde_json::to_value(&margherita).unwrap(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());

    let placed: Order = customer
        .get_json(&format!("/api/v1/orders/{}", order.id))
        .await;
    assert_eq!(placed.lines[0].pizza_name, "Margherita");
    assert_eq!(placed.lines[0].unit_price, Money(1050));
    assert_eq!(placed.total, order.total);
    assert_eq!(app.level(SHOP, dough).await, (on_hand, 2 * per_pizza));
    let menu = app.menu(SHOP).await;
    let now = menu.pizzas.iter().find(|p| p.id.0 == MARGHERITA).unwrap();
    assert_eq!(
        (now.name.as_str(), now.sizes[0].price),
        ("Margherita DOP", Money(1500))
    );

    // Cancelling releases exactly what was reserved at the old quantity.
    let r = customer
        .post(
            &format!("/api/v1/orders/{}/cancel", order.id),
            &json!({"version": placed.version}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.level(SHOP, dough).await, (on_hand, 0));
}

#[tokio::test]
async fn a_catalogue_change_reaches_every_open_menu_live() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    let mut ws = Ws::connect(&app, None).await;
    let streams = [
        format!("shop:{SHOP}:menu"),
        format!("shop:{OTHER_SHOP}:menu"),
    ];
    for s in &streams {
        ws.subscribe(s, None).await;
    }
    let mut c = export(&admin).await;
    set_price(&mut c, "regina", "large", 1690);
    let regina = c.pizzas.iter().find(|p| p.key == "regina").unwrap();
    let r = admin
        .put(
            "/api/v1/catalogue/pizzas/regina",
            &serde_json::to_value(regina).unwrap(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let mut seen: Vec<ShopId> = Vec::new();
    while seen.len() < 2 {
        if let ServerMsg::Event {
            event: Event::CatalogueChanged { shop_id },
            stream,
            ..
        } = ws.recv().await
        {
            assert_eq!(stream, format!("shop:{shop_id}:menu"));
            seen.push(shop_id);
        }
    }
    seen.sort();
    assert_eq!(seen, vec![SHOP, OTHER_SHOP]);
    // The menu a client loads again shows the new price.
    let menu = app.menu(OTHER_SHOP).await;
    let regina = menu.pizzas.iter().find(|p| p.id.0 == REGINA).unwrap();
    assert_eq!(regina.sizes[1].price, Money(1690));
}

#[tokio::test]
async fn every_change_is_in_the_audit_trail_with_before_and_after() {
    let app = TestApp::spawn().await;
    let admin = with_genovese(&app).await;
    let r = admin
        .put("/api/v1/catalogue/pizzas/genovese", &genovese(1600, 60))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = admin
        .put("/api/v1/catalogue/ingredients/pesto", &pesto_json_renamed())
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let rows = sqlx::query(
        "SELECT action, subject, before, after, actor_id FROM audit_log \
         WHERE subject IN ('pizza:genovese', 'ingredient:pesto') ORDER BY id",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let entries: Vec<(String, Option<Value>, Option<Value>)> = rows
        .iter()
        .map(|r| {
            let json = |c: &str| {
                r.get::<Option<String>, _>(c)
                    .map(|t| serde_json::from_str::<Value>(&t).unwrap())
            };
            assert!(r.get::<Option<i64>, _>("actor_id").is_some());
            (r.get::<String, _>("action"), json("before"), json("after"))
        })
        .collect();
    let actions: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        actions,
        [
            "ingredient.created",
            "pizza.created",
            "pizza.updated",
            "pizza.price_changed",
            "ingredient.updated",
        ]
    );
    let (_, before, after) = &entries[3];
    assert_eq!(before.as_ref().unwrap()["price_cents"], 1400);
    assert_eq!(after.as_ref().unwrap()["price_cents"], 1600);
    let (_, before, after) = &entries[2];
    assert_eq!(before.as_ref().unwrap()["sizes"][0]["price"], 1400);
    assert_eq!(after.as_ref().unwrap()["sizes"][0]["price"], 1600);
    let (_, before, after) = &entries[4];
    assert_eq!(before.as_ref().unwrap()["name"], "Pesto genovese");
    assert_eq!(after.as_ref().unwrap()["name"], "Pesto maison");
}

#[tokio::test]
async fn a_photo_is_type_and_size_checked_stored_and_served_back() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    let png: Vec<u8> = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]
        .into_iter()
        .chain(std::iter::repeat_n(7u8, 70_000))
        .collect();
    let upload = |api: &Api, kind: &str, bytes: Vec<u8>| {
        api.http
            .put(app.url("/api/v1/catalogue/pizzas/margherita/photo"))
            .header("content-type", kind)
            .body(bytes)
            .send()
    };
    let r = upload(&admin, "image/png", png.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let pizza: CataloguePizza = r.json().await.unwrap();
    let url = pizza.photo.expect("photo address");
    let menu = app.menu(SHOP).await;
    let on_menu = menu.pizzas.iter().find(|p| p.id.0 == MARGHERITA).unwrap();
    assert_eq!(
        on_menu.photo.as_deref(),
        Some(url.as_str()),
        "customers see it"
    );
    let r = app.anonymous().get(&url).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().to_vec(), png);

    let r = upload(&admin, "image/jpeg", png.clone()).await.unwrap();
    let (_, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(body["error"]["fields"]["photo"].is_string(), "{body}");
    let r = upload(&admin, "text/html", b"<script>".to_vec())
        .await
        .unwrap();
    error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let r = upload(&admin, "image/png", vec![0x89; 1024 * 1024 + 1])
        .await
        .unwrap();
    error_code(r, StatusCode::PAYLOAD_TOO_LARGE).await;
    let r = upload(&app.as_demo("manager").await, "image/png", png.clone())
        .await
        .unwrap();
    error_code(r, StatusCode::FORBIDDEN).await;

    let r = admin
        .delete("/api/v1/catalogue/pizzas/margherita/photo")
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = app
        .anonymous()
        .get(&format!("/api/v1/pizzas/{MARGHERITA}/photo"))
        .await;
    error_code(r, StatusCode::NOT_FOUND).await;
}

#[test]
fn the_command_line_exports_dry_runs_and_imports_the_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    assert!(ocpizza(dir.path(), &["seed"], None).status.success());
    let file = dir.path().join("carte.json");
    let file_arg = file.to_str().unwrap();
    let out = ocpizza(dir.path(), &["catalogue", "export", file_arg], None);
    assert!(out.status.success(), "{}", text(&out));
    let original = std::fs::read_to_string(&file).unwrap();
    let stdout = ocpizza(dir.path(), &["catalogue", "export", "-"], None);
    assert_eq!(String::from_utf8_lossy(&stdout.stdout), original);
    let mut c: Catalogue = serde_json::from_str(&original).unwrap();
    set_price(&mut c, "margherita", "medium", 1100);
    std::fs::write(&file, serde_json::to_string(&c).unwrap()).unwrap();

    let out = ocpizza(
        dir.path(),
        &["catalogue", "import", file_arg, "--dry-run"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("pizzas changed: margherita"),
        "{}",
        text(&out)
    );
    assert!(
        text(&out).contains("price margherita medium: 10.50 € -> 11.00 €"),
        "{}",
        text(&out)
    );
    let check = dir.path().join("check.json");
    let check_arg = check.to_str().unwrap();
    ocpizza(dir.path(), &["catalogue", "export", check_arg], None);
    assert_eq!(
        std::fs::read_to_string(&check).unwrap(),
        original,
        "dry run"
    );

    // A broken file is refused whole.
    let mut broken = c.clone();
    broken.pizzas[1].sizes[0].label = String::new();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, serde_json::to_string(&broken).unwrap()).unwrap();
    let out = ocpizza(
        dir.path(),
        &["catalogue", "import", bad.to_str().unwrap()],
        None,
    );
    assert!(!out.status.success());
    assert!(
        text(&out).contains("pizzas[1].sizes[0].label"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("nothing was changed"), "{}", text(&out));

    // Through standard input, as `ocpizza-admin` passes it.
    let out = ocpizza(
        dir.path(),
        &["catalogue", "import", "-"],
        Some(&serde_json::to_string(&c).unwrap()),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("imported"), "{}", text(&out));
    ocpizza(dir.path(), &["catalogue", "export", check_arg], None);
    let now: Catalogue = serde_json::from_str(&std::fs::read_to_string(&check).unwrap()).unwrap();
    assert_eq!(now, c);
}
