//! Serving the web app: the customers' page by default, the staff page under the staff
//! screens' addresses, hashed assets cached for good, the shell revalidated, the API untouched.

use crate::helpers::TestApp;
use reqwest::StatusCode;

fn built_app() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let write =
        |name: &str, text: &str| std::fs::write(dir.path().join(name), text).expect("write");
    write("index.html", "<p>customer bundle</p>");
    write("staff.html", "<p>staff bundle</p>");
    write("app-0123456789ab.js", "export default 1;");
    dir
}

#[tokio::test]
async fn staff_screens_get_the_staff_bundle_and_everything_else_the_customers_one() {
    let dist = built_app();
    let path = dist.path().to_path_buf();
    let app = TestApp::spawn_with(move |c| c.static_dir = Some(path)).await;
    let guest = app.anonymous();
    for (path, bundle) in [
        ("/", "customer"),
        ("/shops/1", "customer"),
        ("/track/abc", "customer"),
        ("/kitchen", "staff"),
        ("/driver", "staff"),
        ("/counter", "staff"),
        ("/recipes", "staff"),
        ("/manage", "staff"),
        ("/manage/shops/1/stock", "staff"),
    ] {
        let response = guest.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            response.headers()["cache-control"],
            "no-cache",
            "{path}: the shell is revalidated"
        );
        let body = response.text().await.expect("body");
        assert!(body.contains(&format!("{bundle} bundle")), "{path}: {body}");
    }
    let unknown = guest.get("/kitchenette").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let body = unknown.text().await.expect("body");
    assert!(body.contains("customer bundle"), "the app says so: {body}");
    let asset = guest.get("/app-0123456789ab.js").await;
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let api = guest.get("/api/v1/nothing-here").await;
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert!(
        api.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .contains("json")
    );
}

#[tokio::test]
async fn pages_and_api_answers_carry_the_security_headers() {
    let dist = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dist.path().join("index.html"),
        "<p>app</p><script type=\"module\">x()</script><script src=\"/r.js\"></script>",
    )
    .expect("write");
    let path = dist.path().to_path_buf();
    let app = TestApp::spawn_with(move |c| c.static_dir = Some(path)).await;
    let guest = app.anonymous();
    let page = guest.get("/").await;
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    for part in [
        "default-src 'self'",
        "'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
        "connect-src 'self'",
        // The page's inline script, by hash (sha256 of `x()`).
        "'sha256-D6IGS8VMvCoyaR/l0h9tERrBTATY01CoPS7l6xDv0kI='",
    ] {
        assert!(csp.contains(part), "{part} missing from {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert!(
        page.headers()["permissions-policy"]
            .to_str()
            .expect("policy")
            .contains("geolocation=(self)")
    );
    assert!(!page.headers().contains_key("strict-transport-security"));
    let api = guest.get("/api/v1/shops").await;
    assert_eq!(api.headers()["cache-control"], "no-store");
    assert!(api.headers().contains_key("content-security-policy"));
}

#[tokio::test]
async fn an_https_site_sends_hsts() {
    let app = TestApp::spawn_with(|c| c.public_url = "https://pizza.example".into()).await;
    let r = app.anonymous().get("/healthz").await;
    assert!(
        r.headers()["strict-transport-security"]
            .to_str()
            .expect("hsts")
            .starts_with("max-age=")
    );
}

#[tokio::test]
async fn unknown_addresses_answer_404_with_the_app_and_deep_links_200() {
    let dist = built_app();
    std::fs::write(
        dist.path().join("robots.txt"),
        "User-agent: *\nDisallow: /api/\n",
    )
    .expect("write");
    let path = dist.path().to_path_buf();
    let app = TestApp::spawn_with(move |c| c.static_dir = Some(path)).await;
    let guest = app.anonymous();
    for path in ["/nope", "/shops", "/shops/1/nope", "/index"] {
        let response = guest.get(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let body = response.text().await.expect("body");
        assert!(body.contains("customer bundle"), "{path}: {body}");
    }
    for path in [
        "/shops/999",
        "/checkout/1",
        "/track/abc",
        "/login",
        "/index.html",
    ] {
        assert_eq!(guest.get(path).await.status(), StatusCode::OK, "{path}");
    }
    let robots = guest.get("/robots.txt").await;
    assert_eq!(robots.status(), StatusCode::OK);
    assert!(
        robots.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/plain")
    );
    assert!(
        robots
            .text()
            .await
            .expect("body")
            .contains("Disallow: /api/")
    );
}
