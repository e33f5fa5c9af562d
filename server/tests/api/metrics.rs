//! Prometheus metrics: their own listener only, and values that move with what happens.

// Samples compared here are counts: small integers, exact in an f64.
#![allow(clippy::float_cmp)]

use crate::helpers::{MARGHERITA, REGINA, SHOP, TestApp, delivery, error_code, pickup};
use crate::ws::Ws;
use reqwest::StatusCode;

/// The value of the sample `name` whose labels include every pair of `labels`; `None` when
/// there is no such sample.
fn sample(scrape: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape.lines().find_map(|line| {
        if line.starts_with('#') {
            return None;
        }
        let (series, value) = line.rsplit_once(' ')?;
        let (metric, rest) = series.split_once('{').unwrap_or((series, "}"));
        if metric != name {
            return None;
        }
        let set = rest.strip_suffix('}')?;
        let all = labels
            .iter()
            .all(|(k, v)| set.split(',').any(|pair| pair == format!("{k}=\"{v}\"")));
        all.then(|| match value {
            "+Inf" => f64::INFINITY,
            v => v.parse().expect("sample value"),
        })
    })
}

fn value(scrape: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    sample(scrape, name, labels).unwrap_or(0.0)
}

async fn scrape(app: &TestApp) -> String {
    ocpizza::metrics::render(&app.state).await
}

/// Starts the metrics listener as `serve` does, on a free port; its base URL.
async fn metrics_listener(app: &TestApp) -> String {
    let mut config = (*app.state.config).clone();
    config.metrics_bind = Some("127.0.0.1:0".parse().unwrap());
    let listener = ocpizza::metrics::bind(&config)
        .await
        .expect("bind")
        .expect("a listener when OCPIZZA_METRICS_BIND is set");
    let addr = listener.local_addr().unwrap();
    tokio::spawn(ocpizza::metrics::serve(
        listener,
        app.state.clone(),
        std::future::pending(),
    ));
    format!("http://{addr}")
}

#[tokio::test]
async fn without_a_metrics_address_there_is_no_listener_and_the_public_port_has_no_metrics() {
    let app = TestApp::spawn().await;
    assert_eq!(app.state.config.metrics_bind, None);
    assert!(
        ocpizza::metrics::bind(&app.state.config)
            .await
            .unwrap()
            .is_none()
    );
    let r = app.anonymous().get("/metrics").await;
    error_code(r, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn the_metrics_listener_serves_metrics_and_nothing_else_and_the_public_port_still_does_not() {
    let app = TestApp::spawn().await;
    app.anonymous().get("/api/v1/shops").await;
    let base = metrics_listener(&app).await;
    let http = reqwest::Client::new();
    let r = http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = r.text().await.unwrap();
    assert!(text.trim_end().ends_with("# EOF"), "{text}");
    assert!(text.contains("# TYPE ocpizza_http_requests counter"));
    assert!(sample(&text, "ocpizza_live_connections", &[]).is_some());
    for other in ["/", "/api/v1/shops", "/metrics/x", "/healthz"] {
        let r = http.get(format!("{base}{other}")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{other}");
    }
    let r = app.anonymous().get("/metrics").await;
    error_code(r, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn placing_orders_moves_the_order_counters_and_latency_by_exactly_what_was_placed() {
    let app = TestApp::spawn().await;
    let before = scrape(&app).await;
    let web = [("shop", "1"), ("channel", "web")];
    let phone = [("shop", "1"), ("channel", "phone")];
    let placed = "ocpizza_orders_placed_total";
    let latency = "ocpizza_order_placement_duration_seconds_count";

    let customer = app.customer().await;
    customer.place(&delivery(MARGHERITA, "medium", 1)).await;
    customer.place(&delivery(REGINA, "large", 2)).await;
    // A replay of an Idempotency-Key answers the first result and places nothing.
    let body = delivery(MARGHERITA, "medium", 1);
    for _ in 0..2 {
        let r = customer
            .post_idem("/api/v1/orders", "replayed-key-1", &body)
            .await;
        let status = r.status();
        assert_eq!(status, StatusCode::CREATED, "{}", r.text().await.unwrap());
    }
    let counter = app.as_demo("counter").await;
    counter.place(&pickup(REGINA, "medium", 1)).await;
    // A refused order counts nowhere.
    let r = customer
        .post("/api/v1/orders", &delivery(MARGHERITA, "medium", 21))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let after = scrape(&app).await;
    assert_eq!(
        value(&after, placed, &web) - value(&before, placed, &web),
        3.0
    );
    assert_eq!(
        value(&after, placed, &phone) - value(&before, placed, &phone),
        1.0
    );
    let web_channel = [("channel", "web")];
    assert_eq!(
        value(&after, latency, &web_channel) - value(&before, latency, &web_channel),
        3.0
    );
    let sum = "ocpizza_order_placement_duration_seconds_sum";
    assert!(value(&after, sum, &web_channel) > value(&before, sum, &web_channel));
    let placed_now = [("shop", "1"), ("channel", "web"), ("status", "placed")];
    assert_eq!(
        value(&after, "ocpizza_orders", &placed_now)
            - value(&before, "ocpizza_orders", &placed_now),
        3.0
    );
    // The order moves through the kitchen: the gauge by status follows.
    let order = counter.place(&pickup(MARGHERITA, "medium", 1)).await;
    app.as_demo("cook")
        .await
        .transition(&order, "preparing")
        .await;
    let later = scrape(&app).await;
    let preparing = [("shop", "1"), ("channel", "phone"), ("status", "preparing")];
    assert_eq!(
        value(&later, "ocpizza_orders", &preparing) - value(&after, "ocpizza_orders", &preparing),
        1.0
    );
}

#[tokio::test]
async fn an_http_error_is_counted_by_route_template_and_status_never_by_raw_path() {
    let app = TestApp::spawn().await;
    let admin = app.as_demo("admin").await;
    for id in [987_654, 987_655] {
        let r = admin.get(&format!("/api/v1/orders/{id}")).await;
        error_code(r, StatusCode::NOT_FOUND).await;
    }
    let r = app.anonymous().get("/no/such/page/12345").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let text = scrape(&app).await;
    let labels = [
        ("method", "GET"),
        ("route", "/api/v1/orders/{id}"),
        ("status", "404"),
    ];
    assert_eq!(value(&text, "ocpizza_http_requests_total", &labels), 2.0);
    let timed = [("method", "GET"), ("route", "/api/v1/orders/{id}")];
    assert_eq!(
        value(&text, "ocpizza_http_request_duration_seconds_count", &timed),
        2.0
    );
    assert!(
        !text.contains("987654") && !text.contains("12345"),
        "{text}"
    );
    assert!(
        value(
            &text,
            "ocpizza_http_requests_total",
            &[("route", "unmatched"), ("status", "404")]
        ) >= 1.0
    );
    // The login succeeded, under its own route.
    assert!(
        value(
            &text,
            "ocpizza_http_requests_total",
            &[("route", "/api/v1/auth/login"), ("status", "200")]
        ) >= 1.0
    );
}

#[tokio::test]
async fn a_kitchen_display_is_counted_per_shop_while_a_cook_follows_its_orders() {
    let app = TestApp::spawn().await;
    let displays = "ocpizza_kitchen_displays";
    let text = scrape(&app).await;
    assert_eq!(sample(&text, displays, &[("shop", "1")]), Some(0.0));
    assert_eq!(sample(&text, displays, &[("shop", "2")]), Some(0.0));
    assert_eq!(
        sample(&text, "ocpizza_shop_open", &[("shop", "1")]),
        Some(1.0)
    );

    let cook = app.cookie("cook").await;
    let mut kitchen = Ws::connect(&app, Some(&cook)).await;
    kitchen.subscribe("shop:1:orders", None).await;
    // A manager watching the same stream is no kitchen display.
    let manager = app.cookie("manager").await;
    let mut office = Ws::connect(&app, Some(&manager)).await;
    office.subscribe("shop:1:orders", None).await;
    let text = scrape(&app).await;
    assert_eq!(sample(&text, displays, &[("shop", "1")]), Some(1.0));
    assert_eq!(sample(&text, displays, &[("shop", "2")]), Some(0.0));
    assert_eq!(value(&text, "ocpizza_live_connections", &[]), 2.0);
    assert_eq!(
        value(
            &text,
            "ocpizza_live_subscriptions",
            &[("kind", "shop_orders")]
        ),
        2.0
    );

    drop(kitchen);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let text = scrape(&app).await;
        if sample(&text, displays, &[("shop", "1")]) == Some(0.0) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "display still counted"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn late_orders_and_ingredients_below_threshold_are_counted_per_shop() {
    let app = TestApp::spawn().await;
    let text = scrape(&app).await;
    assert_eq!(
        sample(&text, "ocpizza_late_orders", &[("shop", "1")]),
        Some(0.0)
    );
    let low_before = value(
        &text,
        "ocpizza_ingredients_below_threshold",
        &[("shop", "1")],
    );

    let counter = app.as_demo("counter").await;
    let fresh = counter.place(&pickup(MARGHERITA, "medium", 1)).await;
    let old = counter.place(&pickup(MARGHERITA, "medium", 1)).await;
    // Placed eleven minutes ago and still not started: late (the limit is ten).
    let eleven_minutes_ago = ocpizza::db::now_ms() - 11 * 60_000;
    sqlx::query("UPDATE orders SET placed_at = $1 WHERE id = $2")
        .bind(eleven_minutes_ago)
        .bind(old.id.0)
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_ne!(fresh.id, old.id);

    let recipe = app.recipe(MARGHERITA, "medium").await;
    let (ingredient, _) = recipe[0];
    sqlx::query(
        "UPDATE stock SET low_threshold = 1000000 WHERE shop_id = $1 AND ingredient_id = $2",
    )
    .bind(SHOP.0)
    .bind(ingredient.0)
    .execute(app.db.pool())
    .await
    .unwrap();

    let text = scrape(&app).await;
    assert_eq!(
        sample(&text, "ocpizza_late_orders", &[("shop", "1")]),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "ocpizza_late_orders", &[("shop", "2")]),
        Some(0.0)
    );
    assert_eq!(
        value(
            &text,
            "ocpizza_ingredients_below_threshold",
            &[("shop", "1")]
        ),
        low_before + 1.0
    );
}

#[tokio::test]
async fn backup_age_maintenance_and_disks_come_from_their_probes() {
    let app = TestApp::spawn().await;
    let text = scrape(&app).await;
    // No backup probe wired: no good backup is known, and its age says so.
    assert_eq!(
        sample(&text, "ocpizza_backup_last_good_age_seconds", &[]),
        Some(f64::INFINITY)
    );
    assert_eq!(
        sample(&text, "ocpizza_backup_last_good_timestamp_seconds", &[]),
        Some(0.0)
    );
    assert_eq!(sample(&text, "ocpizza_maintenance", &[]), Some(0.0));
    assert!(value(&text, "ocpizza_disk_free_bytes", &[("dir", "data")]) > 0.0);
    assert!(
        value(&text, "ocpizza_disk_size_bytes", &[("dir", "data")])
            >= value(&text, "ocpizza_disk_free_bytes", &[("dir", "data")])
    );

    let an_hour_ago = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
    app.state
        .metrics
        .probe_last_good_backup(move |_| async move { Ok(Some(an_hour_ago)) });
    app.state.metrics.probe_maintenance(|_| async { Ok(true) });
    let backups = tempfile::tempdir().unwrap();
    app.state.metrics.watch_disk("backup", backups.path());
    let text = scrape(&app).await;
    let age = value(&text, "ocpizza_backup_last_good_age_seconds", &[]);
    assert!((3600.0..3700.0).contains(&age), "{age}");
    assert_eq!(sample(&text, "ocpizza_maintenance", &[]), Some(1.0));
    assert!(value(&text, "ocpizza_disk_free_bytes", &[("dir", "backup")]) > 0.0);

    // A probe that fails is counted, and its value is not made up.
    app.state
        .metrics
        .probe_last_good_backup(|_| async { Err(anyhow::anyhow!("backup folder unreadable")) });
    let text = scrape(&app).await;
    assert_eq!(
        sample(&text, "ocpizza_backup_last_good_age_seconds", &[]),
        Some(f64::INFINITY)
    );
    assert_eq!(
        value(
            &text,
            "ocpizza_metrics_collect_errors_total",
            &[("source", "backup")]
        ),
        1.0
    );
}

#[tokio::test]
async fn the_database_pools_are_reported() {
    let app = TestApp::spawn().await;
    app.anonymous().get("/api/v1/shops").await;
    let text = scrape(&app).await;
    assert!(
        value(
            &text,
            "ocpizza_db_pool_max_connections",
            &[("pool", "read")]
        ) >= 1.0
    );
    assert!(
        sample(
            &text,
            "ocpizza_db_pool_connections",
            &[("pool", "read"), ("state", "idle")]
        )
        .is_some()
    );
    if app.db.backend() == ocpizza::db::Backend::Sqlite {
        // SQLite's single writer: one connection, idle or lent (a background task may be
        // writing at the moment of the scrape).
        let write = |state| {
            sample(
                &text,
                "ocpizza_db_pool_connections",
                &[("pool", "write"), ("state", state)],
            )
            .expect("the writer's gauge")
        };
        assert_eq!(write("idle") + write("in_use"), 1.0);
        assert_eq!(
            value(
                &text,
                "ocpizza_db_pool_max_connections",
                &[("pool", "write")]
            ),
            1.0
        );
    }
}
