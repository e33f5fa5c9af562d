//! The buyer's side: the page an order's `approve` link opens, where the buyer approves the
//! payment (or picks a card that will be declined) or cancels, and is sent back to the shop.

use crate::model::{format_value, new_id, now};
use crate::state::Shared;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::{Form, Router, routing};
use serde::Deserialize;

pub(crate) fn router() -> Router<Shared> {
    Router::new()
        .route("/checkoutnow", routing::get(page))
        .route("/checkoutnow/approve", routing::post(approve))
        .route("/checkoutnow/cancel", routing::get(cancel))
}

#[derive(Deserialize)]
struct Token {
    token: String,
}

#[derive(Deserialize)]
struct Decision {
    token: String,
    /// `approve`, or `decline`: approved, but the authorization will be declined.
    outcome: String,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn message(status: StatusCode, text: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"fr\"><meta charset=\"utf-8\"><title>PayPal (fake)</title><p>{}</p></html>",
        escape(text)
    );
    (status, Html(body)).into_response()
}

async fn page(State(shared): State<Shared>, Query(q): Query<Token>) -> Response {
    let s = shared.lock();
    let Some(order) = s.store.orders.get(&q.token) else {
        return message(StatusCode::NOT_FOUND, "Commande inconnue / Unknown order.");
    };
    if !matches!(order.status, "CREATED" | "PAYER_ACTION_REQUIRED") {
        return message(
            StatusCode::CONFLICT,
            "Ce paiement n'attend plus votre accord / This payment is no longer waiting for approval.",
        );
    }
    let token = escape(&order.id);
    let amount = format!(
        "{} {}",
        format_value(order.amount.cents).replace('.', ","),
        escape(&order.amount.currency)
    );
    let description = order.description.as_deref().map(escape).unwrap_or_default();
    Html(format!(
        r#"<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>PayPal (fake) – {token}</title></head>
<body>
<h1>PayPal (fake)</h1>
<p>{description}</p>
<p>Montant / Amount : <strong id="amount">{amount}</strong></p>
<form method="post" action="/checkoutnow/approve">
<input type="hidden" name="token" value="{token}">
<button type="submit" name="outcome" value="approve" id="approve">Payer avec PayPal / Pay with PayPal</button>
<button type="submit" name="outcome" value="decline" id="decline">Payer avec une carte qui sera refusée / Pay with a card that will be declined</button>
</form>
<p><a href="/checkoutnow/cancel?token={token}" id="cancel">Annuler et revenir au site / Cancel and return</a></p>
</body>
</html>"#
    ))
    .into_response()
}

/// `url` with `params` added to its query.
fn with_query(url: &str, params: &[(&str, &str)]) -> Option<String> {
    let mut url = url::Url::parse(url).ok()?;
    url.query_pairs_mut().extend_pairs(params);
    Some(url.into())
}

fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response()
}

async fn approve(State(shared): State<Shared>, Form(d): Form<Decision>) -> Response {
    let decided = shared.with(|s| {
        let order = s.store.orders.get_mut(&d.token)?;
        match order.status {
            "CREATED" | "PAYER_ACTION_REQUIRED" => {
                order.status = "APPROVED";
                order.decline = d.outcome == "decline";
                order.payer_id = Some(order.payer_id.clone().unwrap_or_else(new_id));
                order.update_time = now();
                let resource = s.store.order_json(&s.store.orders[&d.token]);
                s.emit("CHECKOUT.ORDER.APPROVED", "checkout-order", &resource);
            }
            // A second click on the button: nothing more to do.
            "APPROVED" => {}
            _ => return Some(Err(())),
        }
        let order = &s.store.orders[&d.token];
        Some(Ok((
            order.return_url.clone(),
            order.payer_id.clone().unwrap_or_default(),
        )))
    });
    match decided {
        None => message(StatusCode::NOT_FOUND, "Commande inconnue / Unknown order."),
        Some(Err(())) => message(
            StatusCode::CONFLICT,
            "Ce paiement n'attend plus votre accord / This payment is no longer waiting for approval.",
        ),
        Some(Ok((return_url, payer_id))) => {
            let params = [("token", d.token.as_str()), ("PayerID", payer_id.as_str())];
            match return_url.and_then(|u| with_query(&u, &params)) {
                Some(to) => see_other(&to),
                None => message(StatusCode::OK, "Paiement approuvé / Payment approved."),
            }
        }
    }
}

async fn cancel(State(shared): State<Shared>, Query(q): Query<Token>) -> Response {
    let cancel_url = shared
        .lock()
        .store
        .orders
        .get(&q.token)
        .map(|o| o.cancel_url.clone());
    match cancel_url {
        None => message(StatusCode::NOT_FOUND, "Commande inconnue / Unknown order."),
        Some(url) => match url.and_then(|u| with_query(&u, &[("token", q.token.as_str())])) {
            Some(to) => see_other(&to),
            None => message(StatusCode::OK, "Paiement annulé / Payment cancelled."),
        },
    }
}
