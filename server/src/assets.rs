//! The PWA's static files, at the same origin as the API: content-hashed assets cached for a
//! year, the shell (`index.html`, the service worker, the manifest) revalidated every time,
//! gzip/brotli when the browser accepts it, and the app's page for every client-side route:
//! `staff.html` (the full bundle) under the staff screens' paths, `index.html` (the customers'
//! smaller bundle) everywhere else — with status 404 where the address is none of the app's
//! routes, so that crawlers and link checkers see a missing page while people still get the
//! app's own "page not found".

use axum::Router;
use axum::extract::Request;
use axum::handler::HandlerWithoutStateExt;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::path::{Path, PathBuf};
use tower::ServiceExt;
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

/// The customers' routes of the PWA (`pwa/src/app.rs`; a test below checks that every route
/// there is known here), `:name`
/// standing for one path segment. The staff screens are [`ocpizza_proto::STAFF_PATHS`].
pub const APP_ROUTES: &[&str] = &[
    "/",
    "/shops/:id",
    "/checkout/:shop",
    "/track/:token",
    "/login",
    "/forgot-password",
    "/reset-password",
    "/my-orders",
];

/// Whether `path` is an address the app has a screen for.
pub fn is_app_route(path: &str) -> bool {
    let matches = |route: &str| {
        let (mut want, mut got) = (route.split('/'), path.split('/'));
        loop {
            match (want.next(), got.next()) {
                (None, None) => return true,
                (Some(w), Some(g)) if w.starts_with(':') && !g.is_empty() => {}
                (Some(w), Some(g)) if w == g => {}
                _ => return false,
            }
        }
    };
    ocpizza_proto::is_staff_path(path) || APP_ROUTES.iter().any(|r| matches(r))
}

/// The app's page for an address that is no file: `index.html`, with 404 when the address is
/// not one of the app's routes (the app then shows its "page not found").
async fn app_page(index: PathBuf, req: Request) -> Response {
    let known = is_app_route(req.uri().path());
    let mut response = match ServeFile::new(index).oneshot(req).await {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    };
    if !known && response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    response
}

/// A router serving `dir`, falling back to its `staff.html` under the staff paths (when the
/// build has one) and to its `index.html` elsewhere.
pub fn router(dir: &Path) -> Router {
    let index = dir.join("index.html");
    let page = move |req: Request| app_page(index.clone(), req);
    let files = ServeDir::new(dir).fallback(page.into_service());
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
    use super::{is_app_route, is_hashed};

    #[test]
    fn the_apps_routes_are_known_and_other_addresses_are_not() {
        for path in [
            "/",
            "/shops/999",
            "/checkout/1",
            "/track/abc",
            "/login",
            "/kitchen",
            "/manage/shops/1/stock",
        ] {
            assert!(is_app_route(path), "{path}");
        }
        for path in [
            "/nope",
            "/shops",
            "/shops/",
            "/shops/1/extra",
            "/kitchenette",
            "/robots",
        ] {
            assert!(!is_app_route(path), "{path}");
        }
    }

    #[test]
    fn every_route_of_the_pwa_is_an_app_route() {
        let app = include_str!("../../pwa/src/app.rs");
        let routes: Vec<String> = app
            .lines()
            .filter_map(|l| l.trim().strip_prefix("#[at(\"")?.strip_suffix("\")]"))
            .filter(|r| *r != "/404")
            .map(|r| {
                r.split('/')
                    .map(|seg| if seg.starts_with(':') { "7" } else { seg })
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .collect();
        assert!(routes.len() >= 10, "{routes:?}");
        for route in routes {
            assert!(is_app_route(&route), "{route} would answer 404");
        }
    }

    #[test]
    fn robots_txt_keeps_crawlers_out_of_the_api_and_the_staff_screens() {
        let robots = include_str!("../../pwa/static/robots.txt");
        let disallowed: Vec<&str> = robots
            .lines()
            .filter_map(|l| l.strip_prefix("Disallow:"))
            .map(str::trim)
            .collect();
        assert!(disallowed.contains(&"/api/"), "{robots}");
        for path in ocpizza_proto::STAFF_PATHS {
            assert!(disallowed.contains(path), "{path} is not disallowed");
        }
        assert!(robots.contains("Allow: /shops/"), "{robots}");
    }

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
