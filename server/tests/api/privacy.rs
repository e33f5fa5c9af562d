//! Personal data rights: a customer's copy of their data, the deletion of their account, the
//! anonymisation of old guest orders, and an administrator's export and erasure on request.

use crate::helpers::*;
use ocpizza::db::now_ms;
use ocpizza_proto::api::orders::Order;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Row;

/// A delivery order of shop 1 given with this contact, a note on the order and on its line.
fn order_of(name: &str, phone: &str, email: Option<&str>) -> Value {
    let mut body = delivery(MARGHERITA, "medium", 2);
    body["contact"] = json!({"name": name, "phone": phone, "email": email});
    body["address"]["instructions"] = json!("code 1234B, 3e étage");
    body["note"] = json!("sonner deux fois");
    body["lines"][0]["note"] = json!("bien cuite");
    body
}

/// The stored contact fields of an order: name, phone, e-mail, street, postcode, note, total,
/// line note, anonymised.
async fn stored(app: &TestApp, id: i64) -> Value {
    let r = sqlx::query(
        "SELECT o.contact_name, o.contact_phone, o.contact_email, o.address_street, \
         o.address_postcode, o.address_instructions, o.note, o.total_cents, o.anonymised_at, \
         (SELECT l.note FROM order_lines l WHERE l.order_id = o.id AND l.position = 0) AS line_note, \
         (SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id) AS lines \
         FROM orders o WHERE o.id = $1",
    )
    .bind(id)
    .fetch_one(app.db.pool())
    .await
    .expect("order row");
    json!({
        "name": r.get::<String, _>("contact_name"),
        "phone": r.get::<String, _>("contact_phone"),
        "email": r.get::<Option<String>, _>("contact_email"),
        "street": r.get::<Option<String>, _>("address_street"),
        "postcode": r.get::<Option<String>, _>("address_postcode"),
        "instructions": r.get::<Option<String>, _>("address_instructions"),
        "note": r.get::<Option<String>, _>("note"),
        "line_note": r.get::<Option<String>, _>("line_note"),
        "total": r.get::<i64, _>("total_cents"),
        "lines": r.get::<i64, _>("lines"),
        "anonymised": r.get::<Option<i64>, _>("anonymised_at").is_some(),
    })
}

fn assert_anonymised(row: &Value, total: i64) {
    assert_eq!(row["name"], "Anonyme", "{row}");
    assert_eq!(row["phone"], "", "{row}");
    assert!(row["email"].is_null(), "{row}");
    assert_eq!(row["street"], "", "{row}");
    assert!(row["instructions"].is_null(), "{row}");
    assert!(row["note"].is_null(), "{row}");
    assert!(row["line_note"].is_null(), "{row}");
    assert_eq!(
        row["postcode"], "75011",
        "the postcode stays for the reports"
    );
    assert_eq!(row["total"], total, "the total stays for the accounts");
    assert_eq!(row["lines"], 1);
    assert_eq!(row["anonymised"], true);
}

async fn me(api: &Api) -> Value {
    api.get_json("/api/v1/auth/me").await
}

async fn audit(app: &TestApp, action: &str) -> Vec<Value> {
    let admin = app.as_demo("admin").await;
    let page: Value = admin
        .get_json(&format!("/api/v1/audit?action={action}"))
        .await;
    page["entries"].as_array().unwrap().clone()
}

async fn follow_by_push(app: &TestApp, order: &Order, user: Option<i64>) {
    sqlx::query(
        "INSERT INTO push_subscriptions (endpoint, p256dh, auth, lang, kind, order_id, user_id, \
         created_at) VALUES ($1, 'key', 'auth', 'fr', 'order', $2, $3, $4)",
    )
    .bind(format!("https://push.example.org/{}", order.id))
    .bind(order.id.0)
    .bind(user)
    .bind(now_ms())
    .execute(app.db.pool())
    .await
    .expect("subscription");
}

#[tokio::test]
async fn a_customer_downloads_their_orders_and_nothing_of_another_customer() {
    let app = TestApp::spawn().await;
    let claire = app.customer().await;
    let other = app.customer().await;
    let first = claire
        .place(&order_of("Claire Dupont", "06 11 22 33 44", None))
        .await;
    let second = claire.place(&pickup(REGINA, "medium", 1)).await;
    let theirs = other
        .place(&order_of(
            "Bruno Autre",
            "07 99 88 77 66",
            Some("bruno@example.org"),
        ))
        .await;
    follow_by_push(&app, &first, None).await;

    let r = claire.get("/api/v1/me/data").await;
    assert_eq!(r.status(), StatusCode::OK);
    let disposition = r.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\""),
        "{disposition}"
    );
    let text = r.text().await.unwrap();
    let data: Value = serde_json::from_str(&text).unwrap();
    let mine = me(&claire).await;
    assert_eq!(data["account"]["email"], mine["email"]);
    assert_eq!(data["account"]["name"], mine["name"]);
    assert_eq!(data["account"]["phone"], "06 11 22 33 44");
    let orders = data["orders"].as_array().unwrap();
    let ids: Vec<i64> = orders.iter().map(|o| o["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains(&first.id.0) && ids.contains(&second.id.0));
    let exported = orders.iter().find(|o| o["id"] == first.id.0).unwrap();
    assert_eq!(exported["lines"][0]["pizza_id"], MARGHERITA);
    assert_eq!(exported["lines"][0]["note"], "bien cuite");
    assert_eq!(exported["contact"]["name"], "Claire Dupont");
    assert_eq!(exported["total"], json!(first.total));
    assert_eq!(data["addresses"][0]["street"], "12 rue Oberkampf");
    assert_eq!(data["push_subscriptions"].as_array().unwrap().len(), 1);
    assert!(!data["sessions"].as_array().unwrap().is_empty());
    assert!(
        data["audit"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "auth.login")
    );
    for foreign in ["Bruno Autre", "bruno@example.org", "07 99 88 77 66"] {
        assert!(!text.contains(foreign), "{foreign} in another's export");
    }
    assert!(!ids.contains(&theirs.id.0));

    let r = app.anonymous().get("/api/v1/me/data").await;
    error_code(r, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn deleting_the_account_anonymises_its_orders_keeps_their_totals_and_ends_its_sessions() {
    let app = TestApp::spawn().await;
    let claire = app.customer().await;
    let email = me(&claire).await["email"].as_str().unwrap().to_owned();
    let id = me(&claire).await["id"].as_i64().unwrap();
    let other_device = app.login_with(&email, "long-enough-pw").await;
    let r = app
        .anonymous()
        .post(
            "/api/v1/auth/login",
            &json!({"email": email, "password": "a-wrong-guess"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let order = claire
        .place(&order_of("Claire Dupont", "06 11 22 33 44", Some(&email)))
        .await;
    follow_by_push(&app, &order, Some(id)).await;

    let r = claire
        .http
        .delete(app.url("/api/v1/me"))
        .json(&json!({"password": "not-my-password"}))
        .send()
        .await
        .unwrap();
    let (code, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(code, "invalid_input");
    assert!(body["error"]["fields"]["password"].is_string());
    let delete = |api: &Api| {
        api.http
            .delete(app.url("/api/v1/me"))
            .json(&json!({"password": "long-enough-pw"}))
            .send()
    };
    let (code, _) = error_code(delete(&claire).await.unwrap(), StatusCode::CONFLICT).await;
    assert_eq!(code, "conflict", "an order under way keeps the account");
    let r = claire
        .post(&format!("/api/v1/orders/{}/cancel", order.id), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    let r = delete(&claire).await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    for api in [&claire, &other_device] {
        let r = api.get("/api/v1/auth/me").await;
        error_code(r, StatusCode::UNAUTHORIZED).await;
    }
    let r = app
        .anonymous()
        .post(
            "/api/v1/auth/login",
            &json!({"email": email, "password": "long-enough-pw"}),
        )
        .await;
    error_code(r, StatusCode::UNAUTHORIZED).await;

    assert_anonymised(&stored(&app, order.id.0).await, order.total.0);
    let user = sqlx::query("SELECT email, name, phone, deleted_at FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_ne!(user.get::<String, _>("email"), email);
    assert_eq!(user.get::<String, _>("name"), "Anonyme");
    assert!(user.get::<Option<String>, _>("phone").is_none());
    assert!(user.get::<Option<i64>, _>("deleted_at").is_some());
    let subscriptions: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM push_subscriptions WHERE order_id = $1")
            .bind(order.id.0)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(subscriptions, 0);

    // The shop still has the order, its lines and its total.
    let admin = app.as_demo("admin").await;
    let kept: Order = admin
        .get_json(&format!("/api/v1/orders/{}", order.id))
        .await;
    assert_eq!(kept.total, order.total);
    assert_eq!(kept.lines.len(), 1);
    assert_eq!(kept.contact.name, "Anonyme");
    let failed: Vec<Value> = audit(&app, "auth.login_failed")
        .await
        .into_iter()
        .filter(|e| e["subject"] == format!("user:{id}"))
        .collect();
    assert_eq!(failed.len(), 1, "the failed login before the deletion");
    assert!(
        !failed[0].to_string().contains(&email),
        "the address typed is forgotten: {}",
        failed[0]
    );
    let entries = audit(&app, "privacy.account_deleted").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["subject"], format!("user:{id}"));
    assert_eq!(entries[0]["after"]["orders_anonymised"], 1);
}

#[tokio::test]
async fn a_staff_account_is_not_deleted_from_its_own_page() {
    let app = TestApp::spawn().await;
    let cook = app.as_demo("cook").await;
    let r = cook
        .http
        .delete(app.url("/api/v1/me"))
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    error_code(r, StatusCode::CONFLICT).await;
    assert_eq!(cook.get("/api/v1/auth/me").await.status(), StatusCode::OK);
    let r = app
        .anonymous()
        .http
        .delete(app.url("/api/v1/me"))
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    error_code(r, StatusCode::UNAUTHORIZED).await;
}

/// Moves an order's creation `days` back.
async fn age(app: &TestApp, order: &Order, days: i64) {
    sqlx::query("UPDATE orders SET created_at = $1 WHERE id = $2")
        .bind(now_ms() - days * 86_400_000)
        .bind(order.id.0)
        .execute(app.db.pool())
        .await
        .unwrap();
}

#[tokio::test]
async fn the_sweep_anonymises_old_guest_orders_only() {
    let app = TestApp::spawn().await;
    let guest = app.anonymous();
    let old = guest
        .place(&order_of(
            "Gérard Invité",
            "06 55 44 33 22",
            Some("gerard@example.org"),
        ))
        .await;
    let recent = guest
        .place(&order_of("Gina Récente", "06 55 44 33 11", None))
        .await;
    let customer = app.customer().await;
    let account = customer
        .place(&order_of("Claire Compte", "06 11 22 33 44", None))
        .await;
    age(&app, &old, 400).await;
    age(&app, &account, 400).await;
    age(&app, &recent, 300).await;

    let days = app.state.config.anonymise_after_days;
    assert_eq!(days, 365);
    let horizon = now_ms() - i64::from(days) * 86_400_000;
    let done = ocpizza::privacy::anonymise_guest_orders(&app.db, horizon)
        .await
        .unwrap();
    assert_eq!(done, 1);
    assert_anonymised(&stored(&app, old.id.0).await, old.total.0);
    let kept = stored(&app, recent.id.0).await;
    assert_eq!(kept["name"], "Gina Récente");
    assert_eq!(kept["note"], "sonner deux fois");
    assert_eq!(kept["anonymised"], false);
    let kept = stored(&app, account.id.0).await;
    assert_eq!(
        kept["name"], "Claire Compte",
        "account orders wait for the account"
    );
    let again = ocpizza::privacy::anonymise_guest_orders(&app.db, horizon)
        .await
        .unwrap();
    assert_eq!(again, 0);
    let entries = audit(&app, "privacy.guest_orders_anonymised").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["after"]["orders"], 1);
}

#[test]
fn the_anonymisation_age_is_configurable_and_at_least_a_day() {
    let vars = |v: &str| {
        std::collections::HashMap::from([("OCPIZZA_ANONYMISE_AFTER_DAYS".to_owned(), v.to_owned())])
    };
    let config = ocpizza::config::Config::from_vars(&vars("30")).unwrap();
    assert_eq!(config.anonymise_after_days, 30);
    assert!(ocpizza::config::Config::from_vars(&vars("0")).is_err());
    assert!(ocpizza::config::Config::from_vars(&vars("never")).is_err());
}

#[tokio::test]
async fn an_admin_exports_and_erases_a_persons_data_on_request_and_both_are_audited() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    let guest = app.anonymous();
    let order = guest
        .place(&order_of(
            "Gérard Invité",
            "06 55 44 33 22",
            Some("Gerard@Example.org"),
        ))
        .await;
    let stranger = guest
        .place(&order_of(
            "Autre Invité",
            "06 00 00 00 01",
            Some("autre@example.org"),
        ))
        .await;
    let export = "/api/v1/admin/customers/export?email=gerard@example.org";

    for who in ["manager", "customer"] {
        let api = app.as_demo(who).await;
        error_code(api.get(export).await, StatusCode::FORBIDDEN).await;
        let r = api
            .post(
                "/api/v1/admin/customers/erase",
                &json!({"email": "gerard@example.org", "reason": "demande"}),
            )
            .await;
        error_code(r, StatusCode::FORBIDDEN).await;
    }
    let r = admin
        .get("/api/v1/admin/customers/export?email=not-an-email")
        .await;
    error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let r = admin.get("/api/v1/admin/customers/export").await;
    error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let r = admin
        .get("/api/v1/admin/customers/export?email=personne@example.org")
        .await;
    error_code(r, StatusCode::NOT_FOUND).await;

    let data: Value = admin.get_json(export).await;
    assert!(data["account"].is_null());
    let ids: Vec<i64> = data["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [order.id.0]);
    let exported = audit(&app, "privacy.exported").await;
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0]["actor_name"], "Alice Administratrice");

    let r = admin
        .post(
            "/api/v1/admin/customers/erase",
            &json!({"email": "gerard@example.org", "reason": ""}),
        )
        .await;
    error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let erase = json!({"email": "gerard@example.org", "reason": "courrier du 2 décembre"});
    let r = admin.post("/api/v1/admin/customers/erase", &erase).await;
    error_code(r, StatusCode::CONFLICT).await;
    let manager = app.as_demo("manager").await;
    let r = manager
        .post(
            &format!("/api/v1/orders/{}/cancel", order.id),
            &json!({"reason": "annulée au téléphone"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = admin.post("/api/v1/admin/customers/erase", &erase).await;
    assert_eq!(r.status(), StatusCode::OK);
    let erased: Value = r.json().await.unwrap();
    assert_eq!(
        erased,
        json!({"account_deleted": false, "orders_anonymised": 1})
    );
    assert_anonymised(&stored(&app, order.id.0).await, order.total.0);
    assert_eq!(
        stored(&app, stranger.id.0).await["name"],
        "Autre Invité",
        "another person's order is left alone"
    );
    error_code(admin.get(export).await, StatusCode::NOT_FOUND).await;
    let entries = audit(&app, "privacy.erased").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["reason"], "courrier du 2 décembre");
    assert_eq!(entries[0]["actor_name"], "Alice Administratrice");

    // A customer's account: deleted, its session ended.
    let claire = app.customer().await;
    let email = me(&claire).await["email"].as_str().unwrap().to_owned();
    let r = admin
        .post(
            "/api/v1/admin/customers/erase",
            &json!({"email": email, "reason": "demande par e-mail"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let erased: Value = r.json().await.unwrap();
    assert_eq!(erased["account_deleted"], true);
    error_code(
        claire.get("/api/v1/auth/me").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;

    // Staff accounts are not erased this way.
    let r = admin
        .post(
            "/api/v1/admin/customers/erase",
            &json!({"email": "cook@demo.ocpizza.fr", "reason": "demande"}),
        )
        .await;
    error_code(r, StatusCode::CONFLICT).await;
}
