//! A pizza's photo: uploaded by an admin as the request body (JPEG, PNG or WebP, at most
//! [`super::MAX_UPLOAD_BYTES`], the declared type checked against the file's first bytes),
//! stored in the database with the catalogue (so backups and every instance have it) and
//! served back to anyone at an address versioned by its upload time.

use super::{apply, db};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::events::Outbox;
use crate::extract::Path;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ocpizza_proto::PizzaId;
use ocpizza_proto::api::catalogue::CataloguePizza;

/// The image types accepted, with the bytes each file starts with.
const TYPES: &[(&str, &[u8])] = &[
    ("image/jpeg", &[0xFF, 0xD8, 0xFF]),
    (
        "image/png",
        &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A],
    ),
    ("image/webp", b"RIFF"),
];

/// The stored type of an upload, or what is wrong with it.
pub fn image_type(declared: Option<&str>, bytes: &[u8]) -> ApiResult<&'static str> {
    let declared = declared
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .unwrap_or_default();
    let Some((kind, magic)) = TYPES.iter().find(|(t, _)| t.eq_ignore_ascii_case(declared)) else {
        return Err(ApiError::field(
            "photo",
            "must be a JPEG, PNG or WebP image (Content-Type image/jpeg, image/png or image/webp)",
        ));
    };
    if bytes.is_empty() {
        return Err(ApiError::field("photo", "the file is empty"));
    }
    let webp = *kind != "image/webp" || bytes.get(8..12) == Some(b"WEBP".as_slice());
    if !bytes.starts_with(magic) || !webp {
        return Err(ApiError::field(
            "photo",
            format!("the file is not a {kind} image"),
        ));
    }
    Ok(kind)
}

async fn pizza_of(tx: &mut crate::db::Tx, key: &str) -> ApiResult<PizzaId> {
    db::pizza_id(tx, key)
        .await?
        .ok_or(ApiError::NotFound("pizza"))
}

/// Stores a pizza's photo, replacing the previous one (admin).
#[utoipa::path(put, path = "/api/v1/catalogue/pizzas/{key}/photo", tag = "catalogue",
    params(("key" = String, Path)),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 200, body = CataloguePizza),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such pizza", body = ocpizza_proto::ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<axum::Json<CataloguePizza>> {
    let user = caller.admin()?;
    let bytes = body.map_err(|_| ApiError::PayloadTooLarge)?;
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let kind = image_type(declared, &bytes)?;
    let mut tx = state.db.begin().await?;
    let id = pizza_of(&mut tx, &key).await?;
    db::set_photo(&mut tx, id, kind, &bytes, crate::db::now_ms()).await?;
    let entry = crate::audit::Entry::new("pizza.photo_changed", format!("pizza:{key}"))
        .after(serde_json::json!({ "content_type": kind, "bytes": bytes.len() }));
    let mut outbox = Outbox::new(Some(user.id));
    apply::publish(&mut tx, &mut outbox, Some(user.id), &[entry], false).await?;
    outbox.commit(tx, &state.bus).await?;
    super::read_pizza(&state, &key).await.map(axum::Json)
}

/// Removes a pizza's photo (admin).
#[utoipa::path(delete, path = "/api/v1/catalogue/pizzas/{key}/photo", tag = "catalogue",
    params(("key" = String, Path)),
    responses((status = 204, description = "removed"),
              (status = 401, description = "login required", body = ocpizza_proto::ErrorBody),
              (status = 403, description = "not an administrator", body = ocpizza_proto::ErrorBody),
              (status = 404, description = "no such pizza", body = ocpizza_proto::ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<StatusCode> {
    let user = caller.admin()?;
    let mut tx = state.db.begin().await?;
    let id = pizza_of(&mut tx, &key).await?;
    db::delete_photo(&mut tx, id).await?;
    let entry = crate::audit::Entry::new("pizza.photo_removed", format!("pizza:{key}"));
    let mut outbox = Outbox::new(Some(user.id));
    apply::publish(&mut tx, &mut outbox, Some(user.id), &[entry], false).await?;
    outbox.commit(tx, &state.bus).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A pizza's photo (public). Its address changes with each upload, so it is cached for good.
#[utoipa::path(get, path = "/api/v1/pizzas/{id}/photo", tag = "catalogue",
    params(("id" = i64, Path)),
    responses((status = 200, description = "the image", content_type = "image/jpeg"),
              (status = 404, description = "no such pizza or no photo", body = ocpizza_proto::ErrorBody)))]
pub async fn serve(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Response> {
    let (kind, bytes) = db::photo(state.db.pool(), PizzaId(id))
        .await?
        .ok_or(ApiError::NotFound("photo"))?;
    let kind = HeaderValue::from_str(&kind).map_err(|e| ApiError::Internal(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, kind),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_images_of_the_declared_type_are_accepted() {
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0];
        assert_eq!(image_type(Some("image/png"), &png).unwrap(), "image/png");
        assert!(image_type(Some("image/jpeg"), &png).is_err());
        assert!(image_type(Some("text/html"), b"<html>").is_err());
        assert!(image_type(None, &png).is_err());
        assert!(image_type(Some("image/webp"), b"RIFF\0\0\0\0WAVE").is_err());
        assert_eq!(
            image_type(Some("image/webp"), b"RIFF\0\0\0\0WEBPVP8 ").unwrap(),
            "image/webp"
        );
    }
}
