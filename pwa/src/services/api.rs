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

impl ApiFailure {
    /// The server's error body, when the server answered with one.
    pub fn body(&self) -> Option<&ErrorBody> {
        match self {
            ApiFailure::Server(_, body) => Some(body),
            _ => None,
        }
    }
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

/// `POST path` with a JSON body and extra headers (such as `Idempotency-Key`).
pub async fn post_with_headers<B: Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
    headers: &[(&str, &str)],
) -> Result<T, ApiFailure> {
    let builder = headers
        .iter()
        .fold(Request::post(path), |b, (name, value)| {
            b.header(name, value)
        });
    let request = builder
        .json(body)
        .map_err(|e| ApiFailure::Decode(e.to_string()))?;
    read(request.send().await).await
}

/// `PATCH path` with a JSON body.
pub async fn patch<B: Serialize, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, ApiFailure> {
    let request = Request::patch(path)
        .json(body)
        .map_err(|e| ApiFailure::Decode(e.to_string()))?;
    read(request.send().await).await
}

/// A fresh `Idempotency-Key`: 32 random hexadecimal digits. It only has to be unique per
/// attempt, not secret, so `Math.random` is enough.
pub fn new_idempotency_key() -> String {
    use std::fmt::Write;
    (0..4).fold(String::with_capacity(32), |mut key, _| {
        let part = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
        let _ = write!(key, "{part:08x}");
        key
    })
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

/// An answer without body (204): success, or the server's error body.
async fn read_empty(response: Result<Response, gloo_net::Error>) -> Result<(), ApiFailure> {
    let response = response.map_err(|e| ApiFailure::Network(e.to_string()))?;
    if response.ok() {
        return Ok(());
    }
    let status = response.status();
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(ApiFailure::Server(status, body)),
        Err(e) => Err(ApiFailure::Decode(format!("{status}: {e}"))),
    }
}

/// `PUT path` with a JSON body, expecting no answer body.
pub async fn put_no_content<B: Serialize>(path: &str, body: &B) -> Result<(), ApiFailure> {
    let request = Request::put(path)
        .json(body)
        .map_err(|e| ApiFailure::Decode(e.to_string()))?;
    read_empty(request.send().await).await
}

/// `POST path` with a JSON body, expecting no answer body (204): success, or the server's
/// error.
pub async fn post_json_no_content<B: Serialize>(path: &str, body: &B) -> Result<(), ApiFailure> {
    let request = Request::post(path)
        .json(body)
        .map_err(|e| ApiFailure::Decode(e.to_string()))?;
    read_empty(request.send().await).await
}

/// `POST path` without body, expecting no answer body (204): success, or the server's error.
pub async fn post_no_content(path: &str) -> Result<(), ApiFailure> {
    read_empty(Request::post(path).send().await).await
}

/// `DELETE path`, expecting no answer body.
pub async fn delete(path: &str) -> Result<(), ApiFailure> {
    read_empty(Request::delete(path).send().await).await
}

/// `PUT path` with a JSON body.
pub async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiFailure> {
    let request = Request::put(path)
        .json(body)
        .map_err(|e| ApiFailure::Decode(e.to_string()))?;
    read(request.send().await).await
}

/// `PUT path` with a file as the body, sent with the file's own type.
pub async fn put_file<T: DeserializeOwned>(
    path: &str,
    file: &web_sys::File,
) -> Result<T, ApiFailure> {
    let request = Request::put(path)
        .header("Content-Type", &file.type_())
        .body(wasm_bindgen::JsValue::from(file.clone()))
        .map_err(|e| ApiFailure::Decode(e.to_string()))?;
    read(request.send().await).await
}

/// `DELETE path` with a JSON body (a confirmation), expecting no answer body.
pub async fn delete_json<B: Serialize>(path: &str, body: &B) -> Result<(), ApiFailure> {
    let request = Request::delete(path)
        .json(body)
        .map_err(|e| ApiFailure::Decode(e.to_string()))?;
    read_empty(request.send().await).await
}
