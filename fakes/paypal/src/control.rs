//! The test controls under `/_test/`: never part of PayPal, always answered (even during a
//! simulated outage), no token needed.

use crate::state::Shared;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router, routing};
use serde_json::{Value, json};

pub(crate) fn router() -> Router<Shared> {
    Router::new()
        .route("/_test/unavailable", routing::post(outage_start))
        .route("/_test/available", routing::post(outage_end))
        .route("/_test/webhooks/pause", routing::post(webhooks_pause))
        .route("/_test/webhooks/resume", routing::post(webhooks_resume))
        .route("/_test/webhooks", routing::get(webhooks))
        .route("/_test/orders/{id}/decline", routing::post(decline))
        .route("/_test/tokens/revoke", routing::post(revoke_tokens))
        .route("/_test/state", routing::get(state))
}

async fn outage_start(State(shared): State<Shared>) -> StatusCode {
    shared.lock().unavailable = true;
    StatusCode::NO_CONTENT
}

async fn outage_end(State(shared): State<Shared>) -> StatusCode {
    shared.lock().unavailable = false;
    StatusCode::NO_CONTENT
}

async fn webhooks_pause(State(shared): State<Shared>) -> StatusCode {
    shared.lock().webhooks_paused = true;
    StatusCode::NO_CONTENT
}

async fn webhooks_resume(State(shared): State<Shared>) -> StatusCode {
    shared.lock().webhooks_paused = false;
    StatusCode::NO_CONTENT
}

async fn webhooks(State(shared): State<Shared>) -> Json<Value> {
    Json(json!(shared.lock().sent))
}

async fn decline(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    if crate::set_decline(&shared, &id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "unknown order"})),
        )
            .into_response()
    }
}

async fn revoke_tokens(State(shared): State<Shared>) -> StatusCode {
    shared.lock().tokens.clear();
    StatusCode::NO_CONTENT
}

async fn state(State(shared): State<Shared>) -> Json<Value> {
    Json(crate::snapshot(&shared))
}
