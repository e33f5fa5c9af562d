//! Bad input gets a 4xx with the JSON error body naming the problem, and changes nothing.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn invalid(app: &TestApp, body: Value) -> Value {
    let r = app.anonymous().post("/api/v1/orders", &body).await;
    let status = r.status();
    assert!(status.is_client_error(), "{status} for {body}");
    r.json().await.expect("JSON error body")
}

#[tokio::test]
async fn malformed_or_mistyped_order_fields_are_named() {
    let app = TestApp::spawn().await;
    let base = delivery(MARGHERITA, "medium", 1);
    let cases: Vec<(Value, &str)> = vec![
        (json!({"lines": []}), "body"),
        (
            {
                let mut b = base.clone();
                b["lines"][0]["quantity"] = json!("two");
                b
            },
            "lines[0].quantity",
        ),
        (
            {
                let mut b = base.clone();
                b["lines"][0]["quantity"] = json!(0);
                b
            },
            "lines[0].quantity",
        ),
        (
            {
                let mut b = base.clone();
                b["lines"][0]["quantity"] = json!(21);
                b
            },
            "lines[0].quantity",
        ),
        (
            {
                let mut b = base.clone();
                b["lines"][0]["size"] = json!("xxl");
                b
            },
            "lines[0].size",
        ),
        (
            {
                let mut b = base.clone();
                b["lines"][0]["pizza_id"] = json!(9999);
                b
            },
            "lines[0].pizza_id",
        ),
        (
            {
                let mut b = base.clone();
                b["lines"][0]["extras"] = json!([9999]);
                b
            },
            "lines[0].extras[0]",
        ),
        (
            {
                let mut b = base.clone();
                b["lines"] = json!([]);
                b
            },
            "lines",
        ),
        (
            {
                let mut b = base.clone();
                b["shop_id"] = json!(42);
                b
            },
            "shop_id",
        ),
        (
            {
                let mut b = base.clone();
                b["fulfilment"] = json!("drone");
                b
            },
            "fulfilment",
        ),
        (
            {
                let mut b = base.clone();
                b["contact"]["phone"] = json!("call me");
                b
            },
            "contact.phone",
        ),
        (
            {
                let mut b = base.clone();
                b.as_object_mut().unwrap().remove("address");
                b
            },
            "address",
        ),
        (
            {
                let mut b = base.clone();
                b["payment_method"] = json!("online");
                b
            },
            "payment_method",
        ),
        (
            {
                let mut b = base.clone();
                b["payment_method"] = json!("at_counter");
                b
            },
            "payment_method",
        ),
        (
            {
                let mut b = base.clone();
                b["surprise"] = json!(true);
                b
            },
            "surprise",
        ),
        (
            {
                let mut b = base.clone();
                b["channel"] = json!("counter");
                b
            },
            "",
        ),
    ];
    for (body, field) in cases {
        let err = invalid(&app, body.clone()).await;
        if field.is_empty() {
            continue;
        }
        let fields = &err["error"]["fields"];
        let named = fields.get(field).is_some()
            || fields
                .as_object()
                .is_some_and(|f| f.keys().any(|k| k.contains(field)))
            || err["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains(field);
        assert!(named, "{field} not named in {err} for {body}");
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing was written");
}

#[tokio::test]
async fn broken_json_wrong_content_type_and_oversized_bodies_are_refused_cleanly() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let post = |body: Vec<u8>, ct: &'static str| {
        http.post(app.url("/api/v1/orders"))
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let r = post(b"{\"shop_id\": 1,".to_vec(), "application/json")
        .await
        .unwrap();
    let (code, _) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(code, "invalid_input");
    let r = post(b"shop_id=1".to_vec(), "application/x-www-form-urlencoded")
        .await
        .unwrap();
    assert_eq!(
        error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await.0,
        "invalid_input"
    );
    let huge = format!("{{\"note\": \"{}\"}}", "a".repeat(200_000));
    let r = post(huge.into_bytes(), "application/json").await.unwrap();
    assert_eq!(
        error_code(r, StatusCode::PAYLOAD_TOO_LARGE).await.0,
        "payload_too_large"
    );
}

#[tokio::test]
async fn unknown_ids_routes_and_query_values_are_4xx_json() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    for path in [
        "/api/v1/orders/999999",
        "/api/v1/orders/abc",
        "/api/v1/shops/1/menux",
        "/api/v1/pizzas/777/recipe",
    ] {
        let r = admin.get(path).await;
        assert_eq!(
            error_code(r, StatusCode::NOT_FOUND).await.0,
            "not_found",
            "{path}"
        );
    }
    let r = admin.get("/api/v1/shops/1/orders?status=baking").await;
    let (_, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(body["error"]["fields"]["query.status"].is_string());
    let r = admin.get("/api/v1/shops/1/stock/ledger?limit=-3").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin.get("/api/v1/shops/1/stock/ledger?limit=abc").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .post(
            "/api/v1/shops/1/stock/restock",
            &json!({"ingredient_id": 1, "quantity": -5}),
        )
        .await;
    let (_, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(body["error"]["fields"]["quantity"].is_string());
    let r = admin
        .post(
            "/api/v1/shops/1/stock/restock",
            &json!({"ingredient_id": 4242, "quantity": 5}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .http
        .delete(app.url("/api/v1/shops/1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.json::<Value>().await.unwrap()["error"]["code"].is_string());
}

#[tokio::test]
async fn the_openapi_document_describes_every_endpoint() {
    let app = TestApp::spawn().await;
    let doc: Value = app.anonymous().get_json("/api/openapi.json").await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/orders",
        "/api/v1/orders/{id}/transition",
        "/api/v1/shops/{id}/menu",
        "/api/v1/shops/{id}/stock/ledger",
        "/api/v1/track/{token}",
        "/api/v1/auth/login",
    ] {
        assert!(paths.contains_key(p), "{p} missing");
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    assert_eq!(
        app.anonymous().get("/healthz").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.anonymous().get("/readyz").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_openapi_document_puts_query_parameters_in_the_query_and_lists_error_answers() {
    let app = TestApp::spawn().await;
    let doc: Value = app.anonymous().get_json("/api/openapi.json").await;
    let ledger = &doc["paths"]["/api/v1/shops/{id}/stock/ledger"]["get"];
    let limit = ledger["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .expect("limit documented");
    assert_eq!(limit["in"], "query");
    assert_eq!(limit["required"], false);
    assert_eq!(limit["schema"]["maximum"], 500);
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("503"), "{method} {path}: 503");
            if method != "get" {
                assert!(responses.contains_key("403"), "{method} {path}: 403");
            }
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{method} {path}: 404");
            }
        }
    }
    let orders = &doc["paths"]["/api/v1/shops/{id}/orders"]["get"]["responses"];
    for status in ["401", "403", "404", "422"] {
        assert_eq!(
            orders[status]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody",
            "{status}"
        );
    }
}

#[tokio::test]
async fn a_body_that_is_a_json_array_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    let path = format!("/api/v1/shops/{}", SHOP.0);
    let before: Value = admin.get_json(&path).await;
    let r = admin
        .patch(&path, &json!(["Renamed by position", null]))
        .await;
    let (code, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(code, "invalid_input");
    assert!(body["error"]["fields"]["body"].is_string());
    let after: Value = admin.get_json(&path).await;
    assert_eq!(after["name"], before["name"]);
}

#[tokio::test]
async fn names_and_notes_with_direction_overrides_or_invisible_characters_are_refused() {
    let app = TestApp::spawn().await;
    let before = app.menu(SHOP).await;
    for (path, text) in [
        ("contact.name", "Jeanne \u{202E}nitraM"),
        ("contact.name", "Jeanne\u{200B}Martin"),
        ("note", "sonnez \u{2066}2e étage\u{2069}"),
        ("address.street", "12 rue\u{FEFF} Oberkampf"),
    ] {
        let mut body = delivery(MARGHERITA, "medium", 1);
        let (parent, key) = path.split_once('.').unwrap_or(("", path));
        if parent.is_empty() {
            body[key] = json!(text);
        } else {
            body[parent][key] = json!(text);
        }
        let r = app.anonymous().post("/api/v1/orders", &body).await;
        let (code, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(code, "invalid_input");
        assert!(
            body["error"]["fields"][path]
                .as_str()
                .is_some_and(|m| m.contains("invisible")),
            "{path}: {body}"
        );
    }
    assert_eq!(
        app.menu(SHOP).await.pizzas,
        before.pizzas,
        "nothing reserved"
    );
    // Accented letters, apostrophes and line breaks stay welcome.
    let mut body = delivery(MARGHERITA, "medium", 1);
    body["note"] = json!("Code 4B, 2ᵉ étage\nL'interphone ne marche pas");
    app.anonymous().place(&body).await;
}

#[tokio::test]
async fn switching_a_pizza_with_a_negative_or_unknown_id_is_404_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let manager = app.as_demo("manager").await;
    let before = app.menu(SHOP).await;
    for id in ["-9223372036854775807", "-1", "0", "999999"] {
        let r = manager
            .http
            .put(app.url(&format!("/api/v1/shops/{SHOP}/pizzas/{id}/enabled")))
            .header("origin", &app.base)
            .json(&json!({"enabled": false}))
            .send()
            .await
            .expect("request");
        error_code(r, StatusCode::NOT_FOUND).await;
    }
    assert_eq!(app.menu(SHOP).await.pizzas, before.pizzas);
}
