//! The PWA's static files, at the same origin as the API: content-hashed assets cached for a
//! year, the shell (`index.html`, the service worker, the manifest) revalidated every time,
//! gzip/brotli when the browser accepts it, and the app's page for every client-side route:
//! `staff.html` (the full bundle) under the staff screens' paths, `index.html` (the customers'
//! smaller bundle) everywhere else.

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::path::Path;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};

/// Whether a file name carries a content hash (`app-1a2b3c4d5e6f.js`).
pub fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 12 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

async fn cache_headers(req: Request, next: Next) -> Response {
    let immutable = is_hashed(req.uri().path());
    let mut response = next.run(req).await;
    let value = if immutable && response.status().is_success() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

/// A router serving `dir`, falling back to its `staff.html` under the staff paths (when the
/// build has one) and to its `index.html` elsewhere.
pub fn router(dir: &Path) -> Router {
    let files = ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")));
    let mut router = Router::new();
    let staff = dir.join("staff.html");
    if staff.is_file() {
        for path in ocpizza_proto::STAFF_PATHS {
            router = router
                .route_service(path, ServeFile::new(&staff))
                .route_service(&format!("{path}/{{*rest}}"), ServeFile::new(&staff));
        }
    }
    router
        .fallback_service(files)
        .layer(axum::middleware::from_fn(cache_headers))
        .layer(CompressionLayer::new())
}

#[cfg(test)]
mod tests {
    use super::is_hashed;

    #[test]
    fn only_content_hashed_names_are_cached_forever() {
        assert!(is_hashed("/app-0123456789ab.wasm"));
        assert!(is_hashed("/style-a1b2c3d4e5f6.css"));
        assert!(!is_hashed("/index.html"));
        assert!(!is_hashed("/sw.js"));
        assert!(!is_hashed("/icons/icon-192.png"));
        assert!(!is_hashed("/shops/12"));
    }
}
