//! The audit trail as administrators and managers read it: what is recorded, who may read
//! what, the filters, the pages and the CSV file.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The entries `api` reads with `query` (`?…` or empty).
async fn trail(api: &Api, query: &str) -> Vec<Value> {
    let page: Value = api.get_json(&format!("/api/v1/audit{query}")).await;
    page["entries"].as_array().expect("entries").clone()
}

/// The first entry with `action`.
fn find<'a>(entries: &'a [Value], action: &str) -> &'a Value {
    entries
        .iter()
        .find(|e| e["action"] == action)
        .unwrap_or_else(|| panic!("no {action} in {entries:#?}"))
}

async fn my_id(api: &Api) -> i64 {
    let me: Value = api.get_json("/api/v1/auth/me").await;
    me["id"].as_i64().expect("id")
}

#[tokio::test]
async fn logins_failed_logins_and_logouts_are_recorded_without_the_password() {
    let app = TestApp::spawn().await;
    let manager = app.as_demo("manager").await;
    let manager_id = my_id(&manager).await;
    let wrong = "not-the-password-42";
    for email in ["manager@demo.ocpizza.fr", "nobody@example.org"] {
        let r = app
            .anonymous()
            .post(
                "/api/v1/auth/login",
                &json!({"email": email, "password": wrong}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = manager.post("/api/v1/auth/logout", &json!({})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    let admin = app.as_demo("admin").await;
    let entries = trail(&admin, "?action=auth").await;
    let subject = format!("user:{manager_id}");
    let login = entries
        .iter()
        .find(|e| e["action"] == "auth.login" && e["subject"] == subject.as_str())
        .expect("the manager's login");
    assert_eq!(login["actor_name"], "Marc Manager");
    assert!(login["after"]["ip"].is_string());
    let failed: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "auth.login_failed")
        .collect();
    assert_eq!(failed.len(), 2, "{failed:#?}");
    assert!(failed.iter().any(|e| e["subject"] == subject.as_str()));
    assert!(
        failed
            .iter()
            .any(|e| e["subject"] == "email:nobody@example.org")
    );
    let logout = find(&entries, "auth.logout");
    assert_eq!(logout["actor_id"], manager_id);
    let all = serde_json::to_string(&trail(&admin, "?limit=200").await).unwrap();
    assert!(!all.contains(wrong), "a password leaked into the trail");
    assert!(!all.contains(PASSWORD), "a password leaked into the trail");
}

#[tokio::test]
async fn role_changes_and_stock_movements_are_recorded_with_before_and_after() {
    let app = TestApp::spawn().await;
    let manager = app.as_demo("manager").await;
    let r = manager
        .post(
            "/api/v1/shops/1/staff",
            &json!({"email": "new.cook@test.ocpizza.fr", "role": "cook",
                    "name": "Nouveau Cuisinier", "password": "long-enough-pw"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let member: Value = r.json().await.unwrap();
    let cook = member["user_id"].as_i64().unwrap();
    let r = manager
        .delete(&format!("/api/v1/shops/1/staff/{cook}/cook"))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let ingredient = app.stock(SHOP).await.items[0].clone();
    let r = manager
        .post(
            "/api/v1/shops/1/stock/restock",
            &json!({"ingredient_id": ingredient.ingredient_id, "quantity": 250,
                    "reason": "livraison du matin"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    let entries = trail(&manager, &format!("?subject=user:{cook}")).await;
    let granted = find(&entries, "staff.role_granted");
    assert_eq!(granted["actor_name"], "Marc Manager");
    assert_eq!(granted["shop_id"], 1);
    assert_eq!(granted["after"]["role"], "cook");
    let removed = find(&entries, "staff.role_removed");
    assert_eq!(removed["before"]["role"], "cook");
    assert!(removed["after"].is_null());

    let entries = trail(&manager, "?action=stock.restock").await;
    let restock = &entries[0];
    assert_eq!(
        restock["subject"],
        format!("ingredient:{}", ingredient.ingredient_id)
    );
    assert_eq!(restock["reason"], "livraison du matin");
    assert_eq!(restock["before"]["on_hand"], ingredient.on_hand);
    assert_eq!(restock["after"]["on_hand"], ingredient.on_hand + 250);
    assert_eq!(restock["actor_name"], "Marc Manager");
}

#[tokio::test]
async fn an_orders_stages_and_its_cancellation_are_recorded_with_actor_and_reason() {
    let app = TestApp::spawn().await;
    let customer = app.customer().await;
    let cook = app.as_demo("cook").await;
    let manager = app.as_demo("manager").await;
    let cooked = customer.place(&delivery(MARGHERITA, "medium", 1)).await;
    cook.transition(&cooked, "preparing").await;
    let cancelled = customer.place(&pickup(REGINA, "medium", 1)).await;
    let r = manager
        .post(
            &format!("/api/v1/orders/{}/cancel", cancelled.id),
            &json!({"reason": "four en panne"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    let entries = trail(&manager, &format!("?order={}", cooked.id)).await;
    assert!(
        entries
            .iter()
            .all(|e| e["subject"] == format!("order:{}", cooked.id))
    );
    // One line per change, though each order event also goes to the order's own stream.
    for action in ["order.placed", "order.status_changed"] {
        let n = entries.iter().filter(|e| e["action"] == action).count();
        assert_eq!(n, 1, "{action}: {entries:#?}");
    }
    let placed = find(&entries, "order.placed");
    assert_eq!(placed["actor_name"], customer_name(&customer).await);
    let started = find(&entries, "order.status_changed");
    assert_eq!(started["after"]["status"], "preparing");
    assert_eq!(started["actor_name"], "Luigi Pizzaiolo");
    assert_eq!(
        started["shop_name"].as_str().map(str::is_empty),
        Some(false)
    );
    // Newest first.
    assert!(entries[0]["id"].as_i64() > entries[entries.len() - 1]["id"].as_i64());

    let entries = trail(&manager, &format!("?order={}", cancelled.id)).await;
    let cancel = find(&entries, "order.cancelled");
    assert_eq!(cancel["reason"], "four en panne");
    assert_eq!(cancel["actor_name"], "Marc Manager");
}

async fn customer_name(api: &Api) -> String {
    let me: Value = api.get_json("/api/v1/auth/me").await;
    me["name"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_manager_reads_their_shops_entries_only_and_other_roles_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    let customer = app.customer().await;
    customer.place(&delivery(MARGHERITA, "medium", 1)).await;
    let ingredient = app.stock(OTHER_SHOP).await.items[0].ingredient_id;
    let r = admin
        .post(
            &format!("/api/v1/shops/{OTHER_SHOP}/stock/restock"),
            &json!({"ingredient_id": ingredient, "quantity": 10}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let manager = app.as_demo("manager").await;

    let everything = trail(&admin, "?limit=200").await;
    assert!(everything.iter().any(|e| e["shop_id"] == OTHER_SHOP.0));
    assert!(everything.iter().any(|e| e["shop_id"].is_null()));
    let mine = trail(&manager, "?limit=200").await;
    assert!(!mine.is_empty());
    assert!(mine.iter().all(|e| e["shop_id"] == SHOP.0), "{mine:#?}");
    let r = manager
        .get(&format!("/api/v1/audit?shop_id={OTHER_SHOP}"))
        .await;
    error_code(r, StatusCode::FORBIDDEN).await;
    let r = manager
        .get(&format!("/api/v1/audit.csv?shop_id={OTHER_SHOP}"))
        .await;
    error_code(r, StatusCode::FORBIDDEN).await;
    let only_other = trail(&admin, &format!("?shop_id={OTHER_SHOP}")).await;
    assert!(!only_other.is_empty());
    assert!(only_other.iter().all(|e| e["shop_id"] == OTHER_SHOP.0));

    for who in ["cook", "driver", "counter", "customer"] {
        let api = app.as_demo(who).await;
        for path in ["/api/v1/audit", "/api/v1/audit.csv"] {
            let (code, _) = error_code(api.get(path).await, StatusCode::FORBIDDEN).await;
            assert_eq!(code, "forbidden", "{who} {path}");
        }
    }
    let r = app.anonymous().get("/api/v1/audit").await;
    error_code(r, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn filters_narrow_the_list_and_pages_follow_each_other_without_overlap() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    let admin_id = my_id(&admin).await;
    let customer = app.customer().await;
    for _ in 0..3 {
        customer.place(&delivery(MARGHERITA, "medium", 1)).await;
    }
    let by_admin = trail(&admin, &format!("?actor_id={admin_id}")).await;
    assert!(!by_admin.is_empty());
    assert!(by_admin.iter().all(|e| e["actor_id"] == admin_id));
    let by_name = trail(&admin, "?actor=alice").await;
    assert!(!by_name.is_empty());
    assert!(
        by_name
            .iter()
            .all(|e| e["actor_name"] == "Alice Administratrice")
    );
    let customer_id = my_id(&customer).await;
    let mine = format!("action=order.placed&actor_id={customer_id}");
    let placed = trail(&admin, &format!("?{mine}")).await;
    assert_eq!(placed.len(), 3);
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Europe/Paris").unwrap())
        .date();
    let dated = trail(&admin, &format!("?{mine}&from={today}&to={today}")).await;
    assert_eq!(dated.len(), 3);
    let yesterday = today.yesterday().unwrap();
    let none = trail(&admin, &format!("?{mine}&from={yesterday}&to={yesterday}")).await;
    assert!(none.is_empty());

    let first: Value = admin
        .get_json(&format!("/api/v1/audit?{mine}&limit=2"))
        .await;
    let cursor = first["next_before"].as_i64().expect("a next page");
    let second: Value = admin
        .get_json(&format!("/api/v1/audit?{mine}&limit=2&before={cursor}"))
        .await;
    let ids = |page: &Value| -> Vec<i64> {
        page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect()
    };
    let (a, b) = (ids(&first), ids(&second));
    assert_eq!(a.len(), 2);
    assert_eq!(b.len(), 1);
    assert!(a[0] > a[1] && a[1] > b[0], "{a:?} then {b:?}");
    assert!(second["next_before"].is_null());
}

#[tokio::test]
async fn bad_filters_are_refused_with_the_parameter_named() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    for (query, field) in [
        ("action=order;drop", "query.action"),
        ("subject=42", "query.subject"),
        ("order=0", "query.order"),
        ("order=4&subject=user:1", "query.order"),
        ("from=03/12/2026", "query.from"),
        ("from=2026-12-03&to=2026-12-01", "query.to"),
        ("limit=0", "query.limit"),
        ("limit=201", "query.limit"),
        ("before=abc", "query.before"),
        ("colour=red", "query"),
    ] {
        for path in ["/api/v1/audit", "/api/v1/audit.csv"] {
            if path == "/api/v1/audit.csv" && query == "limit=201" {
                continue;
            }
            let r = admin.get(&format!("{path}?{query}")).await;
            let (code, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
            assert_eq!(code, "invalid_input", "{query}");
            let fields = body["error"]["fields"].as_object().unwrap();
            assert!(
                fields.keys().any(|k| k.starts_with(field)),
                "{path}?{query}: {body}"
            );
        }
    }
}

#[tokio::test]
async fn the_csv_file_has_the_same_filters_french_columns_and_escaped_cells() {
    let app = TestApp::spawn().await;
    let manager = app.as_demo("manager").await;
    let customer = app.customer().await;
    let order = customer.place(&pickup(MARGHERITA, "medium", 1)).await;
    let reason = "client absent; a dit \"rappeler\"\npuis raccroché";
    let r = manager
        .post(
            &format!("/api/v1/orders/{}/cancel", order.id),
            &json!({"reason": reason}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    customer.place(&pickup(MARGHERITA, "medium", 1)).await;

    let r = manager
        .get(&format!("/api/v1/audit.csv?order={}", order.id))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let disposition = r.headers()["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment; filename=\"journal-audit-"));
    assert!(disposition.ends_with(".csv\""));
    let text = r.text().await.unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a byte order mark");
    let mut lines = text.split("\r\n");
    assert_eq!(
        lines.next().unwrap(),
        "Date et heure;Auteur;N° auteur;Boutique;Action;Objet;Motif;Avant;Après;N° entrée"
    );
    let quoted = "\"client absent; a dit \"\"rappeler\"\"\npuis raccroché\"";
    assert!(text.contains(quoted), "{text}");
    assert!(text.contains(";order.cancelled;"));
    assert!(text.contains(";order.placed;"));
    // Only that order: its placing and its cancellation, nothing of the other order.
    let rows = text.matches(&format!(";order:{};", order.id)).count();
    assert!(rows >= 2, "{text}");
    assert_eq!(text.matches(";order:").count(), rows, "{text}");
    assert!(text.contains("Marc Manager"));
}
