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
        ("/kitchenette", "customer"),
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
