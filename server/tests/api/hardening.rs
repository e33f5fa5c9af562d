//! What an attacker or a failing environment must not break: snapshot building that cannot
//! starve the pool, the group stream scoped to a manager's shops, live connections that end
//! with their session or role, and clear 503 answers when the database is lost.

use crate::helpers::*;
use crate::ws::{WAIT, Ws};
use ocpizza_proto::ws::{ServerMsg, Snapshot};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// Logs in with a plain client and returns the `ocpizza_session=…` pair.
async fn session_cookie(app: &TestApp, email: &str, password: &str) -> String {
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), StatusCode::OK, "login {email}");
    r.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned()
}

/// Asks for a pong: every frame queued for this connection before it comes first.
async fn nothing_queued(ws: &mut Ws) {
    ws.send(json!({"type": "ping", "id": 77})).await;
    match ws.recv().await {
        ServerMsg::Pong { id } => assert_eq!(id, Some(77)),
        other => panic!("nothing expected before the pong, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_more_snapshot_requests_than_pool_connections_never_freeze_reads() {
    let app = TestApp::spawn().await;
    let mut drivers = Vec::new();
    for _ in 0..8 {
        let me: Value = app
            .staff(SHOP, "driver")
            .await
            .get_json("/api/v1/auth/me")
            .await;
        drivers.push(me["id"].as_i64().expect("id"));
    }
    let admin = app.cookie("admin").await;
    // 48 connections at once, six times the read pool, on 13 different streams whose
    // snapshots each take several queries: the five shops' menus and eight drivers' lists.
    let mut sockets = Vec::new();
    for i in 0..48usize {
        let (cookie, stream) = if i % 2 == 0 {
            (None, format!("shop:{}:menu", i / 2 % 5 + 1))
        } else {
            (
                Some(admin.as_str()),
                format!("driver:{}", drivers[i / 2 % 8]),
            )
        };
        sockets.push((Ws::connect(&app, cookie).await, stream));
    }
    let subscribed = futures::future::join_all(
        sockets
            .iter_mut()
            .map(|(ws, stream)| async move { ws.subscribe(stream, None).await }),
    );
    let menu = async {
        let r = app.anonymous().get("/api/v1/shops/1/menu").await;
        assert_eq!(r.status(), StatusCode::OK);
    };
    let (all, ()) = tokio::time::timeout(WAIT, futures::future::join(subscribed, menu))
        .await
        .expect("every snapshot and the menu in time, no pool starvation");
    for msgs in all {
        assert!(matches!(&msgs[0], ServerMsg::Snapshot { .. }), "{msgs:?}");
    }
    let r = app.anonymous().get("/api/v1/shops/1/menu").await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_manager_follows_only_the_orders_of_their_own_shops_on_the_group_stream() {
    let app = TestApp::spawn().await;
    let placed = app
        .anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
    let other = app.staff(OTHER_SHOP, "manager").await;
    let me: Value = other.get_json("/api/v1/auth/me").await;
    let email = me["email"].as_str().expect("email").to_owned();
    let other_cookie = session_cookie(&app, &email, "long-enough-pw").await;
    let mut outsider = Ws::connect(&app, Some(&other_cookie)).await;
    let msgs = outsider.subscribe("group:orders", None).await;
    match &msgs[0] {
        ServerMsg::Snapshot {
            state: Snapshot::Orders { orders },
            ..
        } => assert!(
            orders.is_empty(),
            "another shop's orders leaked: {orders:?}"
        ),
        other => panic!("snapshot expected, got {other:?}"),
    }
    let manager_cookie = app.cookie("manager").await;
    let mut manager = Ws::connect(&app, Some(&manager_cookie)).await;
    let msgs = manager.subscribe("group:orders", None).await;
    match &msgs[0] {
        ServerMsg::Snapshot {
            state: Snapshot::Orders { orders },
            ..
        } => assert!(orders.iter().any(|o| o.id == placed.id)),
        other => panic!("snapshot expected, got {other:?}"),
    }
    // A later order of shop 1 reaches its manager, not the other shop's.
    let second = app
        .anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
    let events = manager.events(1).await;
    assert!(
        matches!(&events[0].2, ocpizza_proto::events::Event::OrderPlaced { order } if order.id == second.id)
    );
    nothing_queued(&mut outsider).await;
    // Resuming from the log is scoped too.
    let msgs = outsider.subscribe("group:orders", Some(0)).await;
    assert!(
        msgs.iter().all(|m| !matches!(m, ServerMsg::Event { .. })),
        "replayed another shop's events: {msgs:?}"
    );
    // The admin sees the whole group.
    let mut admin = Ws::connect(&app, Some(&app.cookie("admin").await)).await;
    let msgs = admin.subscribe("group:orders", Some(0)).await;
    let replayed = msgs
        .iter()
        .filter(|m| matches!(m, ServerMsg::Event { .. }))
        .count();
    assert!(replayed >= 2, "{msgs:?}");
}

#[tokio::test]
async fn a_live_connection_closes_when_its_session_logs_out() {
    let app = TestApp::spawn().await;
    let cookie = app.cookie("cook").await;
    let mut ws = Ws::connect(&app, Some(&cookie)).await;
    ws.subscribe("shop:1:orders", None).await;
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/auth/logout"))
        .header("cookie", &cookie)
        .header("origin", &app.base)
        .send()
        .await
        .expect("logout");
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(ws.closed().await, ocpizza_proto::ws::CLOSE_SESSION_ENDED);
}

#[tokio::test]
async fn a_cook_whose_role_is_taken_away_stops_receiving_the_shops_orders_at_once() {
    let app = TestApp::spawn().await;
    let cook = app.staff(SHOP, "cook").await;
    let me: Value = cook.get_json("/api/v1/auth/me").await;
    let (id, email) = (
        me["id"].as_i64().expect("id"),
        me["email"].as_str().expect("email").to_owned(),
    );
    let cookie = session_cookie(&app, &email, "long-enough-pw").await;
    let mut ws = Ws::connect(&app, Some(&cookie)).await;
    let msgs = ws.subscribe("shop:1:orders", None).await;
    assert!(matches!(msgs[0], ServerMsg::Snapshot { .. }));
    let manager = app.as_demo("manager").await;
    let r = manager
        .delete(&format!("/api/v1/shops/{SHOP}/staff/{id}/cook"))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // Orders placed from now on, even while the connection is still checking its access, never
    // reach it: the first thing it gets is the end of the subscription.
    for _ in 0..3 {
        app.anonymous()
            .place(&delivery(MARGHERITA, "medium", 1))
            .await;
    }
    match ws.recv().await {
        ServerMsg::Error {
            stream: Some(s), ..
        } => assert_eq!(s, "shop:1:orders"),
        other => panic!("the subscription should end, got {other:?}"),
    }
    // The new orders are not delivered, and subscribing again is refused with the fresh roles.
    let msgs = ws.subscribe("shop:1:orders", None).await;
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(matches!(&msgs[0], ServerMsg::Error { .. }), "{msgs:?}");
    // The menu, public, still works on the same connection.
    let msgs = ws.subscribe("shop:1:menu", None).await;
    assert!(matches!(msgs[0], ServerMsg::Snapshot { .. }));
}

#[tokio::test]
async fn refused_subscriptions_count_toward_the_error_limit() {
    let app = TestApp::spawn().await;
    let mut ws = Ws::connect(&app, None).await;
    for _ in 0..20 {
        let msgs = ws.subscribe("shop:1:orders", None).await;
        assert!(matches!(&msgs[0], ServerMsg::Error { .. }));
    }
    ws.send(json!({"type": "subscribe", "stream": "shop:1:orders"}))
        .await;
    assert_eq!(ws.closed().await, 1008);
}

#[tokio::test]
async fn the_internal_access_stream_cannot_be_followed() {
    let app = TestApp::spawn().await;
    let cookie = app.cookie("cook").await;
    let me: Value = app.as_demo("cook").await.get_json("/api/v1/auth/me").await;
    let mut ws = Ws::connect(&app, Some(&cookie)).await;
    let msgs = ws.subscribe(&format!("user:{}", me["id"]), None).await;
    assert!(matches!(&msgs[0], ServerMsg::Error { .. }), "{msgs:?}");
}

/// A PostgreSQL database that stops taking connections (as when the server is down) and
/// whose open connections are cut: answers are quick, clear 503s, and service comes back by
/// itself. SQLite has no such outage; there the test only checks readiness.
#[tokio::test]
async fn a_lost_database_gets_a_quick_503_with_retry_after_and_service_comes_back() {
    let app = TestApp::spawn().await;
    let ready = app.anonymous().get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    let Some(url) = app
        .state
        .config
        .database_url
        .as_ref()
        .map(|u| u.expose().to_owned())
    else {
        eprintln!("SQLite pass: the PostgreSQL outage is exercised on the PostgreSQL pass");
        return;
    };
    let (base, name) = url.rsplit_once('/').expect("database name");
    let admin = ocpizza::db::Db::connect_postgres(&format!("{base}/postgres"), 1)
        .await
        .expect("admin connection");
    let exec = |sql: String| {
        let admin = admin.clone();
        async move {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(admin.pool())
                .await
                .expect("admin statement");
        }
    };
    exec(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false")).await;
    exec(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
    ))
    .await;
    let started = std::time::Instant::now();
    let r = app.anonymous().get("/api/v1/shops/1/menu").await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"));
    let (code, _) = error_code(r, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(code, "unavailable");
    let r = app.anonymous().get("/readyz").await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    // Well under the 30 s request timeout: the pool gives up first.
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "{:?}",
        started.elapsed()
    );
    exec(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).await;
    let mut back = false;
    for _ in 0..50 {
        if app.anonymous().get("/readyz").await.status() == StatusCode::OK {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(back, "ready again once the database is back");
    let order = app
        .anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
    assert_eq!(order.status, ocpizza_proto::OrderStatus::Placed);
}

/// A small tmpfs mounted for one test, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// `None` when this process may not mount (not root): the caller says so loudly.
    fn mount(megabytes: u32) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().expect("mount point");
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(SmallDisk { dir })
    }

    /// Fills the disk with a file; returns its path.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.dir.path().join("filler");
        let mut file = std::fs::File::create(&path).expect("filler");
        let chunk = vec![0u8; 16 * 1024];
        while file.write_all(&chunk).is_ok() {}
        let _ = file.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

#[tokio::test]
async fn a_full_disk_gets_503_loses_nothing_and_the_writer_recovers_once_space_is_back() {
    if std::env::var("OCPIZZA_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        eprintln!("PostgreSQL pass: the full-disk case concerns the embedded SQLite writer");
        return;
    }
    let Some(disk) = SmallDisk::mount(16) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must be able to mount a tmpfs (run as root)"
        );
        eprintln!(
            "\n!!! SKIPPED: mounting a tmpfs needs root; the full-disk test did not run !!!\n"
        );
        return;
    };
    let app = TestApp::spawn_sqlite_in(disk.dir.path()).await;
    let guest = app.anonymous();
    let before = guest.place(&delivery(MARGHERITA, "medium", 1)).await;
    let filler = disk.fill();
    let mut refused = 0;
    for _ in 0..40 {
        let r = guest
            .post("/api/v1/orders", &delivery(MARGHERITA, "medium", 1))
            .await;
        match r.status() {
            StatusCode::CREATED => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(r.headers().contains_key("retry-after"));
                let (code, body) = error_code(r, StatusCode::SERVICE_UNAVAILABLE).await;
                assert_eq!(code, "unavailable", "{body}");
                refused += 1;
                if refused >= 3 {
                    break;
                }
            }
            other => panic!(
                "a full disk must answer 503, got {other}: {}",
                r.text().await.unwrap_or_default()
            ),
        }
    }
    assert!(refused >= 3, "the disk never filled up");
    let r = guest.get("/readyz").await;
    assert_eq!(
        r.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "not ready while the disk is full"
    );
    std::fs::remove_file(filler).expect("free the disk");
    let r = guest.get("/readyz").await;
    assert_eq!(r.status(), StatusCode::OK, "ready again once space is back");
    let after = guest.place(&delivery(MARGHERITA, "medium", 1)).await;
    assert!(after.id.0 > before.id.0);
    // What was acknowledged is still there.
    let r = guest
        .get(&format!(
            "/api/v1/track/{}",
            before.tracking_token.as_deref().expect("token")
        ))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_shops_order_list_says_when_it_was_cut_and_pages_on() {
    let app = TestApp::spawn().await;
    let mut placed = Vec::new();
    for _ in 0..3 {
        placed.push(
            app.as_demo("counter")
                .await
                .place(&pickup(MARGHERITA, "medium", 1))
                .await
                .id,
        );
    }
    let cook = app.as_demo("cook").await;
    let first: ocpizza_proto::api::orders::OrderList = cook
        .get_json(&format!("/api/v1/shops/{SHOP}/orders?status=all&limit=2"))
        .await;
    assert_eq!(first.orders.len(), 2);
    assert!(first.truncated);
    assert_eq!(first.next_after, Some(placed[1]));
    let rest: ocpizza_proto::api::orders::OrderList = cook
        .get_json(&format!(
            "/api/v1/shops/{SHOP}/orders?status=all&limit=2&after={}",
            placed[1].0
        ))
        .await;
    assert_eq!(
        rest.orders.iter().map(|o| o.id).collect::<Vec<_>>(),
        [placed[2]]
    );
    assert!(!rest.truncated);
    assert_eq!(rest.next_after, None);
    let open: ocpizza_proto::api::orders::OrderList =
        cook.get_json(&format!("/api/v1/shops/{SHOP}/orders")).await;
    assert_eq!(open.orders.len(), 3);
    assert!(!open.truncated);
    for q in ["limit=0", "limit=501", "after=-1", "limit=x"] {
        let r = cook
            .get(&format!("/api/v1/shops/{SHOP}/orders?status=all&{q}"))
            .await;
        let (code, body) = error_code(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(code, "invalid_input", "{q}: {body}");
    }
}
