//! The counter: finding a caller by phone, and orders taken for a guest.

use crate::helpers::*;
use ocpizza_proto::OrderStatus;
use ocpizza_proto::api::customers::CustomerMatches;
use ocpizza_proto::api::orders::Channel;
use reqwest::StatusCode;
use serde_json::json;

fn for_caller(phone: &str, fulfilment: &str) -> serde_json::Value {
    let mut body = if fulfilment == "delivery" {
        delivery(MARGHERITA, "medium", 1)
    } else {
        pickup(MARGHERITA, "medium", 1)
    };
    body["contact"] = json!({"name": "Lucie Bernard", "phone": phone});
    body["channel"] = json!("phone");
    body
}

#[tokio::test]
async fn the_counter_finds_a_caller_by_a_few_digits_of_their_phone() {
    let app = TestApp::spawn().await;
    let counter = app.as_demo("counter").await;
    counter
        .place(&for_caller("06 21 43 65 87", "delivery"))
        .await;
    counter
        .place(&for_caller("+33 6 21 43 65 87", "pickup"))
        .await;
    counter.place(&for_caller("07 98 76 54 32", "pickup")).await;
    let r = app
        .anonymous()
        .post(
            "/api/v1/auth/register",
            &json!({"email": "hugo@test.ocpizza.fr", "password": "long-enough-pw",
                    "name": "Hugo Petit", "phone": "+33 6 55 44 33 22"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);

    let search = |q: &str| {
        format!(
            "/api/v1/shops/{SHOP}/customers?phone={}",
            q.replace('+', "%2B").replace(' ', "%20")
        )
    };
    let found: CustomerMatches = counter.get_json(&search("062143")).await;
    assert_eq!(found.customers.len(), 1, "{found:?}");
    let lucie = &found.customers[0];
    assert_eq!(lucie.name, "Lucie Bernard");
    assert_eq!(lucie.orders_count, 2, "both ways of writing the number");
    assert_eq!(lucie.phone, "+33 6 21 43 65 87", "as last given");
    assert_eq!(
        lucie.last_address.as_ref().map(|a| a.street.as_str()),
        Some("12 rue Oberkampf")
    );
    assert_eq!(lucie.user_id, None);
    let same: CustomerMatches = counter.get_json(&search("+33 6 21 43")).await;
    assert_eq!(same, found);
    let middle: CustomerMatches = counter.get_json(&search("43 65 87")).await;
    assert_eq!(middle.customers.len(), 1);

    // An account is found once it ordered at this shop, not before.
    let hugo: CustomerMatches = counter.get_json(&search("06.55.44")).await;
    assert!(hugo.customers.is_empty(), "{hugo:?}");
    let mut hugos = for_caller("+33 6 55 44 33 22", "pickup");
    hugos["contact"]["name"] = json!("Hugo Petit");
    let hugo_api = app
        .login_with("hugo@test.ocpizza.fr", "long-enough-pw")
        .await;
    hugos.as_object_mut().expect("body").remove("contact");
    hugos.as_object_mut().expect("body").remove("channel");
    hugo_api.place(&hugos).await;
    let hugo: CustomerMatches = counter.get_json(&search("06.55.44")).await;
    assert_eq!(hugo.customers.len(), 1);
    assert_eq!(hugo.customers[0].name, "Hugo Petit");
    assert!(hugo.customers[0].user_id.is_some());
    assert_eq!(
        hugo.customers[0].email.as_deref(),
        Some("hugo@test.ocpizza.fr")
    );
    assert_eq!(hugo.customers[0].orders_count, 1);

    let none: CustomerMatches = counter.get_json(&search("999999")).await;
    assert!(none.customers.is_empty());
    for q in ["06", "06214", "", "abc"] {
        let (_, body) = error_code(
            counter.get(&search(q)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(
            body["error"]["fields"]["query.phone"].is_string(),
            "{q}: {body}"
        );
    }
    let r = counter
        .get(&format!("/api/v1/shops/{SHOP}/customers"))
        .await;
    error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let elsewhere: CustomerMatches = app
        .as_demo("admin")
        .await
        .get_json(&format!(
            "/api/v1/shops/{OTHER_SHOP}/customers?phone=062143"
        ))
        .await;
    assert!(
        elsewhere.customers.is_empty(),
        "another shop's orders stay there"
    );
}

#[tokio::test]
async fn only_order_takers_and_managers_search_customers() {
    let app = TestApp::spawn().await;
    let path = format!("/api/v1/shops/{SHOP}/customers?phone=061234");
    error_code(app.anonymous().get(&path).await, StatusCode::UNAUTHORIZED).await;
    for api in [
        app.as_demo("customer").await,
        app.as_demo("cook").await,
        app.as_demo("driver").await,
        app.staff(OTHER_SHOP, "order_taker").await,
        app.staff(OTHER_SHOP, "manager").await,
    ] {
        error_code(api.get(&path).await, StatusCode::FORBIDDEN).await;
    }
    for who in ["counter", "manager", "admin"] {
        let _: CustomerMatches = app.as_demo(who).await.get_json(&path).await;
    }
}

#[tokio::test]
async fn the_counter_takes_an_order_for_a_walk_in_guest_and_cancels_it_with_a_reason() {
    let app = TestApp::spawn().await;
    let counter = app.as_demo("counter").await;
    let mut body = pickup(REGINA, "medium", 1);
    body["channel"] = json!("counter");
    body["contact"] = json!({"name": "Client de passage", "phone": "06 00 00 00 01"});
    let order = counter.place(&body).await;
    assert_eq!(order.channel, Channel::Counter);
    assert_eq!(order.contact.name, "Client de passage");
    let mut phoned = for_caller("06 00 00 00 02", "delivery");
    phoned["payment_method"] = json!("cash_on_delivery");
    assert_eq!(counter.place(&phoned).await.channel, Channel::Phone);

    let order = app
        .as_demo("cook")
        .await
        .transition(&order, "preparing")
        .await;
    let cancel = format!("/api/v1/orders/{}/cancel", order.id);
    let r = counter.post(&cancel, &json!({})).await;
    let (_, err) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(err["error"]["fields"]["reason"].is_string());
    let r = counter
        .post(&cancel, &json!({"reason": "le client est parti"}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let cancelled: ocpizza_proto::api::orders::Order = r.json().await.unwrap();
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(
        cancelled.cancel_reason.as_deref(),
        Some("le client est parti")
    );
}
