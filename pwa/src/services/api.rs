//! The REST client: same-origin JSON requests carrying the session cookie; failures keep the
//! server's error body so pages can show it next to what caused it.

use gloo_net::http::{Request, Response};
use ocpizza_proto::ErrorBody;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;

/// Why a request failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// No answer (offline, server down).
    Network(String),
    /// The server refused, with its explanation.
    Server(u16, ErrorBody),
    /// The answer was not what was expected.
    Decode(String),
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiFailure::Network(e) => write!(f, "network: {e}"),
            ApiFailure::Server(status, body) => write!(f, "{status}: {}", body.error.message),
            ApiFailure::Decode(e) => write!(f, "unexpected answer: {e}"),
        }
    }
}

async fn read<T: DeserializeOwned>(
    response: Result<Response, gloo_net::Error>,
) -> Result<T, ApiFailure> {
    let response = response.map_err(|e| ApiFailure::Network(e.to_string()))?;
    if response.ok() {
        return response
            .json()
            .await
            .map_err(|e| ApiFailure::Decode(e.to_string()));
    }
    let status = response.status();
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(ApiFailure::Server(status, body)),
        Err(e) => Err(ApiFailure::Decode(format!("{status}: {e}"))),
    }
}

/// `GET path`.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiFailure> {
    read(Request::get(path).send().await).await
}

/// `POST path` with a JSON body.
pub async fn post<B: Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiFailure> {
    let request = Request::post(path)
        .json(body)
        .map_err(|e| ApiFailure::Decode(e.to_string()))?;
    read(request.send().await).await
}

/// `POST path` without body, ignoring the answer's body.
pub async fn post_empty(path: &str) -> Result<(), ApiFailure> {
    let response = Request::post(path)
        .send()
        .await
        .map_err(|e| ApiFailure::Network(e.to_string()))?;
    if response.ok() {
        Ok(())
    } else {
        Err(ApiFailure::Decode(format!("status {}", response.status())))
    }
}
