//! The tracking token: only its order's placer gets it, it changes guest orders only, it stops
//! working some hours after the order is finished, and the tracker it opens masks the contact.

use crate::helpers::*;
use crate::ws::Ws;
use ocpizza_proto::api::orders::{Order, TrackedOrder};
use ocpizza_proto::events::Event;
use ocpizza_proto::ws::{ServerMsg, Snapshot};
use ocpizza_proto::{ErrorCode, OrderStatus};
use reqwest::StatusCode;
use serde_json::json;

/// The raw payloads of a stream's events, as subscribers receive them.
async fn payloads(app: &TestApp, stream: &str) -> Vec<String> {
    ocpizza::events::follow::read(app.db.pool(), stream, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.payload)
        .collect()
}

/// Moves the finish time of a cancelled order `hours` into the past.
async fn cancelled_hours_ago(app: &TestApp, order: &Order, hours: i64) {
    sqlx::query("UPDATE orders SET cancelled_at = $1 WHERE id = $2")
        .bind(ocpizza::db::now_ms() - hours * 3_600_000)
        .bind(order.id.0)
        .execute(app.db.pool())
        .await
        .unwrap();
}

#[tokio::test]
async fn staff_lists_snapshots_and_events_never_carry_the_tracking_token() {
    let app = TestApp::spawn().await;
    let order = crate::driver::ready_delivery(&app).await;
    let token = app.tracking_token(&order).await;
    let driver = app.as_demo("driver").await;
    let order = driver.transition(&order, "out_for_delivery").await;
    let driver_id = order.driver.as_ref().unwrap().id;
    assert_eq!(order.tracking_token, None, "the driver's answer");

    let manager = app.as_demo("manager").await;
    let one = format!("/api/v1/orders/{}", order.id);
    for (api, path) in [
        (&manager, "/api/v1/shops/1/orders?status=all"),
        (&manager, "/api/v1/group/dashboard"),
        (&manager, one.as_str()),
        (&driver, "/api/v1/driver/deliveries"),
    ] {
        let r = api.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let body = r.text().await.unwrap();
        assert!(!body.contains(&token), "{path} carries the token");
        assert!(!body.contains("tracking_token"), "{path}");
    }
    for stream in [
        "shop:1:orders".to_owned(),
        "group:orders".to_owned(),
        format!("driver:{driver_id}"),
    ] {
        let events = payloads(&app, &stream).await;
        assert!(!events.is_empty(), "{stream} has events");
        assert!(
            events.iter().all(|e| !e.contains(&token)),
            "{stream} carries the token"
        );
    }

    let cookie = app.cookie("cook").await;
    let mut ws = Ws::connect(&app, Some(&cookie)).await;
    let placed = app
        .anonymous()
        .place(&pickup(MARGHERITA, "medium", 1))
        .await;
    let msgs = ws.subscribe("shop:1:orders", None).await;
    let ServerMsg::Snapshot {
        state: Snapshot::Orders { orders },
        ..
    } = &msgs[0]
    else {
        panic!("snapshot expected, got {:?}", msgs[0])
    };
    assert!(orders.iter().any(|o| o.id == placed.id));
    assert!(orders.iter().all(|o| o.tracking_token.is_none()));
}

#[tokio::test]
async fn a_cook_holding_an_account_order_s_token_cannot_cancel_or_edit_it() {
    let app = TestApp::spawn().await;
    let customer = app.customer().await;
    let order = customer.place(&delivery(MARGHERITA, "medium", 1)).await;
    let token = order.tracking_token.clone().expect("the customer gets it");
    let cook = app.as_demo("cook").await;

    let r = cook
        .post(&format!("/api/v1/orders/{}/cancel", order.id), &json!({}))
        .await;
    error_code(r, StatusCode::FORBIDDEN).await;
    let r = cook
        .post(&format!("/api/v1/track/{token}/cancel"), &json!({}))
        .await;
    let (code, body) = error_code(r, StatusCode::FORBIDDEN).await;
    assert_eq!(code, "forbidden");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("log in to change it")
    );
    let r = cook
        .patch(
            &format!("/api/v1/track/{token}"),
            &json!({"version": order.version, "note": "sans fromage"}),
        )
        .await;
    error_code(r, StatusCode::FORBIDDEN).await;
    let r = app
        .anonymous()
        .post(&format!("/api/v1/track/{token}/cancel"), &json!({}))
        .await;
    error_code(r, StatusCode::FORBIDDEN).await;

    let tracked: TrackedOrder = app
        .anonymous()
        .get_json(&format!("/api/v1/track/{token}"))
        .await;
    assert!(
        tracked.account,
        "the tracker knows to send the customer to their account"
    );
    assert_eq!(tracked.order.status, OrderStatus::Placed, "nothing changed");

    // The customer changes it through their account.
    let r = customer
        .patch(
            &format!("/api/v1/orders/{}", order.id),
            &json!({"version": order.version, "note": "sans fromage"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let edited: Order = r.json().await.unwrap();
    let r = customer
        .post(
            &format!("/api/v1/orders/{}/cancel", order.id),
            &json!({"version": edited.version}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let mine: Vec<Order> = customer.get_json("/api/v1/me/orders").await;
    assert_eq!(mine[0].tracking_token.as_deref(), Some(token.as_str()));
}

#[tokio::test]
async fn a_guest_edits_and_cancels_their_order_by_token_and_the_counter_by_its_id() {
    let app = TestApp::spawn().await;
    let guest = app.anonymous();
    let order = guest.place(&delivery(MARGHERITA, "medium", 1)).await;
    let token = order.tracking_token.clone().expect("the guest gets it");
    let r = guest
        .patch(
            &format!("/api/v1/track/{token}"),
            &json!({"version": order.version, "note": "sonner deux fois"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let edited: Order = r.json().await.unwrap();
    assert_eq!(edited.note.as_deref(), Some("sonner deux fois"));
    assert_eq!(
        edited.contact.phone, "06 •• •• •• 78",
        "the answer to a token is the public tracker's"
    );
    let r = guest
        .post(
            &format!("/api/v1/track/{token}/cancel"),
            &json!({"version": edited.version}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let cancelled: Order = r.json().await.unwrap();
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(cancelled.contact.phone, "06 •• •• •• 78");

    // A phone order is changed by the shop's order taker through its id.
    let counter = app.as_demo("counter").await;
    let mut body = pickup(MARGHERITA, "medium", 1);
    body["channel"] = json!("phone");
    let phoned = counter.place(&body).await;
    let r = counter
        .patch(
            &format!("/api/v1/orders/{}", phoned.id),
            &json!({"version": phoned.version, "lines": [{"pizza_id": REGINA, "size": "large", "quantity": 1}]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let changed: Order = r.json().await.unwrap();
    assert_eq!(changed.lines[0].pizza_id.0, REGINA);
    assert_eq!(
        changed.contact.phone, "06 98 76 54 32",
        "staff see it in full"
    );
}

#[tokio::test]
async fn tracking_ends_some_hours_after_the_order_is_finished() {
    let app = TestApp::spawn().await;
    let order = app
        .anonymous()
        .place(&pickup(MARGHERITA, "medium", 1))
        .await;
    let token = order.tracking_token.clone().unwrap();
    let cancel = app
        .anonymous()
        .post(&format!("/api/v1/track/{token}/cancel"), &json!({}))
        .await;
    assert_eq!(cancel.status(), StatusCode::OK);
    let path = format!("/api/v1/track/{token}");
    let stream = format!("order:{token}");

    cancelled_hours_ago(&app, &order, 23).await;
    assert_eq!(app.anonymous().get(&path).await.status(), StatusCode::OK);
    let mut ws = Ws::connect(&app, None).await;
    let msgs = ws.subscribe(&stream, None).await;
    assert!(matches!(msgs.last(), Some(ServerMsg::Subscribed { .. })));

    cancelled_hours_ago(&app, &order, 25).await;
    let (code, _) = error_code(app.anonymous().get(&path).await, StatusCode::GONE).await;
    assert_eq!(code, "tracking_expired");
    let mut ws = Ws::connect(&app, None).await;
    let msgs = ws.subscribe(&stream, Some(1)).await;
    assert!(
        matches!(
            msgs.last(),
            Some(ServerMsg::Error {
                code: ErrorCode::TrackingExpired,
                ..
            })
        ),
        "{msgs:?}"
    );
    // The shop still sees it.
    let manager = app.as_demo("manager").await;
    let r = manager.get(&format!("/api/v1/orders/{}", order.id)).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_public_tracker_masks_the_phone_and_the_e_mail() {
    let app = TestApp::spawn().await;
    let mut body = delivery(MARGHERITA, "medium", 1);
    body["contact"] =
        json!({"name": "Claire Moreau", "phone": "06 12 34 56 78", "email": "claire@example.fr"});
    let order = app.anonymous().place(&body).await;
    assert_eq!(
        order.contact.phone, "06 12 34 56 78",
        "the placer sees what they typed"
    );
    let token = order.tracking_token.clone().unwrap();

    let tracked: TrackedOrder = app
        .anonymous()
        .get_json(&format!("/api/v1/track/{token}"))
        .await;
    let contact = &tracked.order.contact;
    assert_eq!(contact.name, "Claire Moreau");
    assert_eq!(contact.phone, "06 •• •• •• 78");
    assert_eq!(contact.email.as_deref(), Some("c•••@example.fr"));
    assert_eq!(
        tracked.order.address.as_ref().unwrap().street,
        "12 rue Oberkampf"
    );

    let mut ws = Ws::connect(&app, None).await;
    let msgs = ws.subscribe(&format!("order:{token}"), None).await;
    let ServerMsg::Snapshot {
        state: Snapshot::Order { order: snapshot },
        ..
    } = &msgs[0]
    else {
        panic!("snapshot expected, got {:?}", msgs[0])
    };
    assert_eq!(snapshot.contact, tracked.order.contact);

    let manager = app.as_demo("manager").await;
    let r = manager
        .patch(
            &format!("/api/v1/orders/{}", order.id),
            &json!({"version": order.version, "note": "interphone en panne"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let events = ws.events(1).await;
    let Event::OrderEdited { order: edited } = &events[0].2 else {
        panic!("edit expected, got {events:?}")
    };
    assert_eq!(edited.contact, tracked.order.contact);
    for p in payloads(&app, &format!("order:{token}")).await {
        assert!(!p.contains("12 34 56") && !p.contains("claire@"), "{p}");
    }
    let staff = payloads(&app, "shop:1:orders").await;
    assert!(
        staff.iter().all(|p| !p.contains('•')),
        "staff see the contact in full"
    );
    let last = staff.last().unwrap();
    assert!(last.contains("06 12 34 56 78"), "the phone in full: {last}");
    assert!(
        !last.contains("claire@"),
        "no e-mail on staff streams: {last}"
    );
}
