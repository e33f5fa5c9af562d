//! Deny by default: each endpoint against every kind of caller.

use crate::helpers::*;
use reqwest::{Response, StatusCode};
use serde_json::json;

struct Callers {
    names: Vec<&'static str>,
    apis: Vec<Api>,
}

async fn callers(app: &TestApp) -> Callers {
    let names = vec![
        "anonymous",
        "customer",
        "other_customer",
        "order_taker",
        "cook",
        "driver",
        "manager",
        "other_shop_manager",
        "admin",
    ];
    let apis = vec![
        app.anonymous(),
        app.as_demo("customer").await,
        app.customer().await,
        app.as_demo("counter").await,
        app.as_demo("cook").await,
        app.as_demo("driver").await,
        app.as_demo("manager").await,
        app.staff(OTHER_SHOP, "manager").await,
        app.as_demo("admin").await,
    ];
    Callers { names, apis }
}

async fn check(name: &str, endpoint: &str, allowed: bool, r: Response) {
    let status = r.status();
    if allowed {
        assert!(
            status.is_success(),
            "{name} should be allowed {endpoint}, got {status}"
        );
    } else {
        assert!(
            [
                StatusCode::UNAUTHORIZED,
                StatusCode::FORBIDDEN,
                StatusCode::NOT_FOUND
            ]
            .contains(&status),
            "{name} should be denied {endpoint}, got {status}"
        );
        let body: serde_json::Value = r.json().await.expect("JSON error");
        assert!(body["error"]["code"].is_string());
        if name == "anonymous" {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{endpoint}");
        }
    }
}

#[tokio::test]
async fn shop_endpoints_open_only_to_the_roles_that_need_them() {
    let app = TestApp::spawn().await;
    let c = callers(&app).await;
    // anonymous, customer, other customer, order taker, cook, driver, manager, other shop's manager, admin
    let matrix: [(&str, [bool; 9]); 6] = [
        (
            "/api/v1/shops/1/orders",
            [false, false, false, true, true, true, true, false, true],
        ),
        (
            "/api/v1/shops/1/stock",
            [false, false, false, false, true, false, true, false, true],
        ),
        (
            "/api/v1/shops/1/stock/ledger",
            [false, false, false, false, false, false, true, false, true],
        ),
        (
            "/api/v1/shops/1/staff",
            [false, false, false, false, false, false, true, false, true],
        ),
        (
            "/api/v1/pizzas/1/recipe",
            [false, false, false, true, true, true, true, true, true],
        ),
        (
            "/api/v1/recipes",
            [false, false, false, true, true, true, true, true, true],
        ),
    ];
    for (path, allowed) in matrix {
        for (i, api) in c.apis.iter().enumerate() {
            check(c.names[i], path, allowed[i], api.get(path).await).await;
        }
    }
    let writes: [(&str, serde_json::Value, [bool; 9]); 3] = [
        (
            "/api/v1/shops/1/stock/restock",
            json!({"ingredient_id": 1, "quantity": 10}),
            [false, false, false, false, false, false, true, false, true],
        ),
        (
            "/api/v1/shops/1/resume",
            json!({}),
            [false, false, false, false, false, false, true, false, true],
        ),
        (
            "/api/v1/shops/1/staff",
            json!({"email": "helper@test.fr", "role": "cook", "name": "H", "password": "long-enough-pw"}),
            [false, false, false, false, false, false, true, false, true],
        ),
    ];
    for (path, body, allowed) in writes {
        for (i, api) in c.apis.iter().enumerate() {
            check(c.names[i], path, allowed[i], api.post(path, &body).await).await;
        }
    }
    let deliveries = [false, false, false, false, false, true, false, false, false];
    for (i, api) in c.apis.iter().enumerate() {
        check(
            c.names[i],
            "deliveries",
            deliveries[i],
            api.get("/api/v1/driver/deliveries").await,
        )
        .await;
    }
}

#[tokio::test]
async fn an_order_is_seen_by_its_customer_and_its_shop_and_moved_only_by_allowed_roles() {
    let app = TestApp::spawn().await;
    let c = callers(&app).await;
    let order = c.apis[1].place(&delivery(MARGHERITA, "medium", 1)).await;
    let path = format!("/api/v1/orders/{}", order.id);
    let view = [false, true, false, true, true, true, true, false, true];
    for (i, api) in c.apis.iter().enumerate() {
        check(c.names[i], &path, view[i], api.get(&path).await).await;
    }
    // Starting an order: the kitchen (cook, manager) and admins; each allowed caller gets a
    // fresh order, since a start cannot happen twice.
    let start = [false, false, false, false, true, false, true, false, true];
    for (i, api) in c.apis.iter().enumerate() {
        let order = c.apis[1].place(&delivery(MARGHERITA, "medium", 1)).await;
        let r = api
            .post(
                &format!("/api/v1/orders/{}/transition", order.id),
                &json!({"to": "preparing"}),
            )
            .await;
        check(c.names[i], "start an order", start[i], r).await;
    }
    // Only managers of the shop, order takers and admins dispatch drivers.
    let dispatch = [false, false, false, true, false, false, true, false, true];
    for (i, api) in c.apis.iter().enumerate() {
        let r = api
            .post(&format!("{path}/driver"), &json!({"driver_id": null}))
            .await;
        check(c.names[i], "dispatch", dispatch[i], r).await;
    }
}

#[tokio::test]
async fn managers_cannot_appoint_managers_and_staff_of_other_shops_cannot_order_for_them() {
    let app = TestApp::spawn().await;
    let manager = app.as_demo("manager").await;
    let r = manager
        .post("/api/v1/shops/1/staff", &json!({"email": "boss@test.fr", "role": "manager", "name": "B", "password": "long-enough-pw"}))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = manager
        .post("/api/v1/shops/1/staff", &json!({"email": "aide@test.fr", "role": "cook", "name": "Aide", "password": "long-enough-pw"}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let member: serde_json::Value = r.json().await.unwrap();
    let path = format!("/api/v1/shops/1/staff/{}/cook", member["user_id"]);
    assert_eq!(
        app.as_demo("cook").await.delete(&path).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(manager.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(manager.delete(&path).await.status(), StatusCode::NOT_FOUND);
    let other_counter = app.staff(OTHER_SHOP, "order_taker").await;
    let mut body = pickup(MARGHERITA, "medium", 1);
    body["channel"] = json!("phone");
    assert_eq!(
        other_counter.post("/api/v1/orders", &body).await.status(),
        StatusCode::FORBIDDEN
    );
    let counter = app.as_demo("counter").await;
    let order = counter.place(&body).await;
    assert_eq!(order.channel.as_str(), "phone");
}
