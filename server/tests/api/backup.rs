//! Backups on the database under test (SQLite, or PostgreSQL with `pg_dump`/`pg_restore`): the
//! restore drill (orders flowing while the backup is taken, wipe, restore, verify, the same
//! orders, stock and ledger served as before), the refusals of restore, tampering caught by
//! verify, the off-site copy, the record of runs, and live streams resyncing after a restore.

use crate::helpers::*;
use crate::ws::Ws;
use ocpizza::backup::{self, manifest::Manifest, policy::Policy};
use ocpizza::db::{Backend, Db};
use ocpizza_proto::events::Event;
use ocpizza_proto::ws::{ServerMsg, Snapshot};
use reqwest::StatusCode;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// An app whose backups go to `dir/backups` and are copied to `dir/offsite`.
async fn app_backing_up_to(dir: &Path) -> TestApp {
    let (local, offsite) = (dir.join("backups"), dir.join("offsite"));
    TestApp::spawn_with(move |c| {
        c.backup.dir = Some(local);
        c.backup.copy_to =
            Some(backup::copy::Target::parse(&format!("file://{}", offsite.display())).unwrap());
    })
    .await
}

/// What the API serves of shop 1: every order, the stock, the ledger.
async fn served(app: &TestApp) -> (Value, Value, Value) {
    let admin = app.as_demo("admin").await;
    let orders: Value = admin
        .get_json("/api/v1/shops/1/orders?status=all&limit=500")
        .await;
    assert_eq!(orders["truncated"], false);
    let stock: Value = admin.get_json("/api/v1/shops/1/stock").await;
    let ledger: Value = admin
        .get_json("/api/v1/shops/1/stock/ledger?limit=500")
        .await;
    assert!(ledger.as_array().unwrap().len() < 500, "ledger page full");
    (orders, stock, ledger)
}

/// Drops every table, as a lost disk or a dropped database would leave it.
async fn wipe(db: &Db) {
    match db.backend() {
        Backend::Postgres => {
            for sql in ["DROP SCHEMA public CASCADE", "CREATE SCHEMA public"] {
                sqlx::query(sql)
                    .execute(&mut *db.writer().await.unwrap())
                    .await
                    .unwrap();
            }
        }
        Backend::Sqlite => {
            let mut conn = db.writer().await.unwrap();
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(&mut *conn)
            .await
            .unwrap();
            sqlx::query("PRAGMA foreign_keys = OFF")
                .execute(&mut *conn)
                .await
                .unwrap();
            for t in tables {
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE \"{t}\"")))
                    .execute(&mut *conn)
                    .await
                    .unwrap();
            }
            sqlx::query("PRAGMA foreign_keys = ON")
                .execute(&mut *conn)
                .await
                .unwrap();
        }
    }
}

/// Places pickup orders one after another until `stop`, or until the shop runs out of what
/// they need; returns how many.
fn keep_ordering(app: &TestApp, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<usize> {
    let api = app.anonymous();
    tokio::spawn(async move {
        let mut n = 0;
        while !stop.load(Ordering::Relaxed) {
            let r = api
                .post("/api/v1/orders", &pickup(REGINA, "medium", 1))
                .await;
            match r.status() {
                StatusCode::CREATED => n += 1,
                // The shop's ham ran out (some 60 orders): the flow ends there.
                StatusCode::CONFLICT => break,
                other => panic!("place order: {other}: {}", r.text().await.unwrap()),
            }
        }
        n
    })
}

#[tokio::test]
async fn the_restore_drill_brings_back_the_same_orders_stock_and_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_backing_up_to(dir.path()).await;
    let cook = app.as_demo("cook").await;
    for _ in 0..3 {
        let o = app
            .anonymous()
            .place(&delivery(MARGHERITA, "medium", 2))
            .await;
        cook.transition(&o, "preparing").await;
    }
    // Orders keep coming while a backup is taken: it is consistent and verifies.
    let stop = Arc::new(AtomicBool::new(false));
    let flow = keep_ordering(&app, stop.clone());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let during = backup::create(&app.state.config, &app.db, None)
        .await
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    let placed_meanwhile = flow.await.unwrap();
    assert!(placed_meanwhile > 0);
    let m = backup::verify(Some(&app.db), &during.path).await.unwrap();
    assert_eq!(m, during.manifest);
    assert!(m.contents.row_counts["orders"] >= 3);
    // Then the state to come back to, and its backup.
    let before = served(&app).await;
    let taken = backup::create(&app.state.config, &app.db, None)
        .await
        .unwrap();
    assert_eq!(
        taken.manifest.contents.row_counts["orders"],
        before.0["orders"].as_array().unwrap().len() as i64
    );
    // Life goes on after the backup, then the database is lost.
    let late = app.anonymous().place(&pickup(MARGHERITA, "large", 1)).await;
    assert_ne!(served(&app).await, before);
    wipe(&app.db).await;

    let restored = backup::restore(&app.state.config, &app.db, &taken.path, false)
        .await
        .unwrap();
    assert!(
        restored.safety.is_none(),
        "an empty database needs no safety copy"
    );
    backup::verify(Some(&app.db), &taken.path).await.unwrap();
    let after = served(&app).await;
    assert_eq!(after.0, before.0, "orders");
    assert_eq!(after.1, before.1, "stock");
    assert_eq!(after.2, before.2, "ledger");
    let r = app
        .as_demo("admin")
        .await
        .get(&format!("/api/v1/orders/{}", late.id))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "the order placed after the backup"
    );
    // A new order works, and the kitchen can start it.
    let fresh = app
        .anonymous()
        .place(&delivery(MARGHERITA, "medium", 1))
        .await;
    cook.transition(&fresh, "preparing").await;
}

#[tokio::test]
async fn restore_refuses_a_database_with_data_unless_forced_and_then_keeps_a_safety_copy() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_backing_up_to(dir.path()).await;
    let taken = backup::create(&app.state.config, &app.db, None)
        .await
        .unwrap();
    let order = app.anonymous().place(&pickup(REGINA, "medium", 1)).await;

    let err = backup::restore(&app.state.config, &app.db, &taken.path, false)
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("--force"), "{err:#}");
    let r = app
        .as_demo("admin")
        .await
        .get(&format!("/api/v1/orders/{}", order.id))
        .await;
    assert_eq!(r.status(), StatusCode::OK, "nothing changed");

    let restored = backup::restore(&app.state.config, &app.db, &taken.path, true)
        .await
        .unwrap();
    let safety = restored.safety.expect("a safety backup");
    let safety_manifest = backup::verify(None, &safety).await.unwrap();
    assert_eq!(
        safety_manifest.reason.as_deref(),
        Some("safety copy before restore")
    );
    assert_eq!(
        safety_manifest.contents.row_counts["orders"],
        taken.manifest.contents.row_counts["orders"] + 1
    );
    let r = app
        .as_demo("admin")
        .await
        .get(&format!("/api/v1/orders/{}", order.id))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "restored to before the order"
    );
    // The run record survived the restore and counts it.
    let runs = backup::runs::all(app.db.pool()).await.unwrap();
    let kinds: Vec<&str> = runs.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds, ["create", "create", "restore"]);
    assert!(runs.iter().all(|r| r.ok && r.finished_at.is_some()));
}

#[tokio::test]
async fn verify_catches_a_damaged_file_and_a_manifest_that_does_not_match() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_backing_up_to(dir.path()).await;
    let taken = backup::create(&app.state.config, &app.db, None)
        .await
        .unwrap();
    backup::verify_file(&taken.path).await.unwrap();

    let copy = dir
        .path()
        .join("backups")
        .join(taken.manifest.file.replace("ocpizza-", "ocpizza-1"));
    let mut bytes = std::fs::read(&taken.path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&copy, &bytes).unwrap();
    std::fs::copy(Manifest::path_for(&taken.path), Manifest::path_for(&copy)).unwrap();
    let err = backup::verify(Some(&app.db), &copy).await.unwrap_err();
    assert!(format!("{err:#}").contains("checksum mismatch"), "{err:#}");

    // A manifest that claims another order count, with the file's own checksum.
    let mut m = taken.manifest.clone();
    *m.contents.row_counts.get_mut("orders").unwrap() += 1;
    std::fs::write(
        Manifest::path_for(&taken.path),
        serde_json::to_vec(&m).unwrap(),
    )
    .unwrap();
    let err = backup::verify_file(&taken.path).await.unwrap_err();
    assert!(format!("{err:#}").contains("orders: manifest"), "{err:#}");

    let runs = backup::runs::all(app.db.pool()).await.unwrap();
    let verify = runs.iter().find(|r| r.kind == "verify").unwrap();
    assert!(!verify.ok);
    assert!(
        verify
            .error
            .as_deref()
            .unwrap()
            .contains("checksum mismatch")
    );
}

#[tokio::test]
async fn each_backup_is_copied_off_site_and_every_run_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_backing_up_to(dir.path()).await;
    assert!(backup::last_good(&app.db).await.is_none());
    let taken = backup::create(&app.state.config, &app.db, None)
        .await
        .unwrap();
    let offsite = dir.path().join("offsite");
    assert_eq!(
        std::fs::read(offsite.join(&taken.manifest.file)).unwrap(),
        std::fs::read(&taken.path).unwrap()
    );
    let copied: Manifest = serde_json::from_slice(
        &std::fs::read(Manifest::path_for(&offsite.join(&taken.manifest.file))).unwrap(),
    )
    .unwrap();
    assert_eq!(copied, taken.manifest);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in [taken.path.clone(), Manifest::path_for(&taken.path)] {
            let mode = std::fs::metadata(&f).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", f.display());
        }
    }
    let good = backup::last_good(&app.db).await.expect("a good backup");
    assert_eq!(good.file.as_deref(), Some(taken.manifest.file.as_str()));
    assert_eq!(good.sha256.as_deref(), Some(taken.manifest.sha256.as_str()));
    assert_eq!(
        good.copied_to.as_deref(),
        Some(format!("file://{}", offsite.display()).as_str())
    );

    // A run that fails (the off-site target is a file, not a folder) is recorded as failed,
    // and the last good backup is still the one before.
    std::fs::write(dir.path().join("not-a-dir"), b"x").unwrap();
    let mut config = (*app.state.config).clone();
    config.backup.copy_to = Some(
        backup::copy::Target::parse(&format!("file://{}/not-a-dir/sub", dir.path().display()))
            .unwrap(),
    );
    let err = backup::create(&config, &app.db, None).await.unwrap_err();
    let runs = backup::runs::all(app.db.pool()).await.unwrap();
    let failed = runs.last().unwrap();
    assert!(!failed.ok && failed.finished_at.is_some());
    assert_eq!(failed.error.as_deref(), Some(format!("{err:#}").as_str()));
    let still = backup::last_good(&app.db).await.unwrap();
    assert_eq!(still.id, good.id);

    let listed = backup::list(&app.state.config, &app.db).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].taken_ok, Some(true));
    assert_eq!(listed[1].taken_ok, Some(false));
    assert!(listed.iter().all(|l| l.manifest && l.verified.is_none()));
}

#[tokio::test]
async fn prune_deletes_what_the_policy_no_longer_keeps() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "ocpizza-20261101T030000Z.sqlite",
        "ocpizza-20261201T020000Z.sqlite",
        "ocpizza-20261201T030000Z.sqlite",
        "notes.txt",
    ] {
        std::fs::write(dir.path().join(name), b"x").unwrap();
        std::fs::write(dir.path().join(format!("{name}.manifest.json")), b"{}").unwrap();
    }
    let policy = Policy::parse("all=1d,daily=3m").unwrap();
    let now = "2026-12-10T00:00:00Z".parse().unwrap();
    let dry = backup::prune(dir.path(), &policy, now, true).unwrap();
    assert_eq!(dry.len(), 3);
    assert!(dir.path().join("ocpizza-20261201T020000Z.sqlite").exists());
    let done = backup::prune(dir.path(), &policy, now, false).unwrap();
    assert_eq!(done, dry);
    let left: Vec<String> = backup::files(dir.path())
        .unwrap()
        .into_iter()
        .map(|(_, n, _)| n)
        .collect();
    assert_eq!(
        left,
        [
            "ocpizza-20261101T030000Z.sqlite",
            "ocpizza-20261201T030000Z.sqlite"
        ]
    );
    assert!(
        !dir.path()
            .join("ocpizza-20261201T020000Z.sqlite.manifest.json")
            .exists()
    );
    assert!(dir.path().join("notes.txt").exists());
}

#[tokio::test]
async fn live_streams_resync_after_a_restore_without_duplicate_or_phantom_events() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_backing_up_to(dir.path()).await;
    let cookie = app.cookie("manager").await;
    let kept = app.anonymous().place(&pickup(REGINA, "medium", 1)).await;
    let taken = backup::create(&app.state.config, &app.db, None)
        .await
        .unwrap();
    let head_at_backup = taken.manifest.contents.event_log.heads["shop:1:orders"];

    let mut ws = Ws::connect(&app, Some(&cookie)).await;
    let msgs = ws.subscribe("shop:1:orders", None).await;
    let Some(ServerMsg::Subscribed { seq, .. }) = msgs.last() else {
        panic!("subscribed expected, got {msgs:?}")
    };
    assert_eq!(*seq, head_at_backup);
    // Orders after the backup: the client sees them, then they are undone by the restore.
    let mut undone = Vec::new();
    for _ in 0..3 {
        undone.push(app.anonymous().place(&pickup(REGINA, "medium", 1)).await.id);
    }
    let seen = ws.events(3).await;
    assert_eq!(seen.last().unwrap().1, head_at_backup + 3);

    backup::restore(&app.state.config, &app.db, &taken.path, true)
        .await
        .unwrap();
    // The next message is a fresh snapshot of the restored state, at the restored head.
    match ws.recv().await {
        ServerMsg::Snapshot {
            stream,
            seq,
            state: Snapshot::Orders { orders },
        } => {
            assert_eq!(stream, "shop:1:orders");
            assert_eq!(seq, head_at_backup);
            let ids: Vec<_> = orders.iter().map(|o| o.id).collect();
            assert_eq!(ids, [kept.id], "the restored open orders, no phantom");
        }
        other => panic!("expected a snapshot, got {other:?}"),
    }
    // Then live events continue from there, each once.
    let next = app
        .anonymous()
        .place(&pickup(MARGHERITA, "medium", 1))
        .await;
    let events = ws.events(1).await;
    assert_eq!(events[0].1, head_at_backup + 1);
    assert!(matches!(&events[0].2, Event::OrderPlaced { order } if order.id == next.id));
    let more = app
        .anonymous()
        .place(&pickup(MARGHERITA, "medium", 1))
        .await;
    let events = ws.events(1).await;
    assert_eq!(events[0].1, head_at_backup + 2);
    assert!(matches!(&events[0].2, Event::OrderPlaced { order } if order.id == more.id));
}

/// `ocpizza ARGS` on the SQLite database in `data_dir`, in a clean environment.
fn ocpizza(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (bool, i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ocpizza"))
        .args(args)
        .env_clear()
        .env("OCPIZZA_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .output()
        .expect("run ocpizza");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), out.status.code().unwrap_or(-1), text)
}

#[test]
fn the_backup_commands_of_the_binary_take_list_verify_prune_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let (ok, _, out) = ocpizza(data, &["seed"], &[]);
    assert!(ok, "{out}");
    let (ok, _, out) = ocpizza(data, &["backup", "create"], &[]);
    assert!(ok, "{out}");
    let files = backup::files(&data.join("backups")).unwrap();
    assert_eq!(files.len(), 1, "{out}");
    let name = files[0].1.clone();
    assert!(out.contains(&name), "{out}");
    let file = data.join("backups").join(&name);
    let file = file.to_str().unwrap();

    let (ok, _, out) = ocpizza(data, &["backup", "verify", file], &[]);
    assert!(ok, "{out}");
    assert!(out.starts_with("ok "), "{out}");
    let (ok, _, out) = ocpizza(data, &["backup", "list"], &[]);
    assert!(ok, "{out}");
    let line = out.lines().find(|l| l.contains(&name)).expect("listed");
    assert!(line.contains(" ok "), "{line}");
    assert!(out.contains(&format!("last good backup: {name}")), "{out}");

    let (ok, _, out) = ocpizza(
        data,
        &[
            "backup",
            "prune",
            "--dry-run",
            "--now",
            "2099-01-01T00:00:00Z",
        ],
        &[],
    );
    assert!(ok, "{out}");
    assert_eq!(out.trim(), format!("{name}  kept: newest backup"));

    let (ok, code, out) = ocpizza(data, &["backup", "restore", file], &[]);
    assert!(!ok && code == 1, "{out}");
    assert!(out.contains("--force"), "{out}");
    let (ok, _, out) = ocpizza(data, &["backup", "restore", "--force", file], &[]);
    assert!(ok, "{out}");
    assert!(out.contains("safety backup"), "{out}");
    assert_eq!(backup::files(&data.join("backups")).unwrap().len(), 2);

    let (ok, code, out) = ocpizza(
        data,
        &["backup", "list"],
        &[("OCPIZZA_BACKUP_KEEP", "daily")],
    );
    assert!(!ok && code == 2, "{out}");
    assert!(out.contains("OCPIZZA_BACKUP_KEEP"), "{out}");
}

#[tokio::test]
async fn a_restore_under_a_serving_instance_waits_for_maintenance_mode() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_backing_up_to(dir.path()).await;
    let taken = backup::create(&app.state.config, &app.db, None)
        .await
        .unwrap();
    let order = app.anonymous().place(&pickup(REGINA, "medium", 1)).await;
    // This test's app serves the database, as a running instance does.
    ocpizza::maintenance::instances::register(&app.state.maintenance, &app.db, &app.base)
        .await
        .unwrap();

    let err = backup::restore(&app.state.config, &app.db, &taken.path, true)
        .await
        .unwrap_err();
    let said = format!("{err:#}");
    assert!(said.contains("maintenance on"), "says what to do: {said}");
    let admin = app.as_demo("admin").await;
    let path = format!("/api/v1/orders/{}", order.id);
    assert_eq!(
        admin.get(&path).await.status(),
        StatusCode::OK,
        "nothing restored"
    );

    let r = admin
        .put(
            "/api/v1/maintenance",
            &serde_json::json!({"message": "restauration"}),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    backup::restore(&app.state.config, &app.db, &taken.path, true)
        .await
        .unwrap();
    // The session was opened after the backup: log in again.
    let admin = app.as_demo("admin").await;
    assert_eq!(
        admin.get(&path).await.status(),
        StatusCode::NOT_FOUND,
        "restored to before the order"
    );
}
