//! `ocpizza check` and the operator's `maintenance` and `migrate` commands, run as the real
//! binary: every piece that can be missing or broken makes its own ✗ line with what to do.

use crate::cli::{Served, command, ocpizza, text};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A built web app for this server version (what `cargo xtask pwa` writes, reduced to what
/// `check` reads), in `dir/web`.
fn web_app(dir: &Path, version: Option<&str>) -> PathBuf {
    let web = dir.join("web");
    std::fs::create_dir_all(&web).unwrap();
    std::fs::write(web.join("index.html"), "<!doctype html>").unwrap();
    if let Some(v) = version {
        std::fs::write(web.join("version.json"), format!(r#"{{"version":"{v}"}}"#)).unwrap();
    }
    web
}

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `ocpizza check [--json]` on the SQLite database in `dir/data`, with `env` added.
fn check(dir: &Path, json: bool, env: &[(&str, &str)]) -> Output {
    let args: &[&str] = if json {
        &["check", "--json"]
    } else {
        &["check"]
    };
    command(&dir.join("data"), args, env)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// The line of the table about `name`.
fn line<'a>(out: &'a str, name: &str) -> &'a str {
    out.lines()
        .find(|l| {
            l.split_once(' ')
                .is_some_and(|(mark, rest)| mark.chars().count() == 1 && rest.starts_with(name))
        })
        .unwrap_or_else(|| panic!("no line for {name} in:\n{out}"))
}

/// `(status, detail, fix)` of `name` in the JSON report.
fn entry(out: &Output, name: &str) -> (String, String, String) {
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let e = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {doc}"));
    let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
    (s("status"), s("detail"), s("fix"))
}

fn ready(dir: &Path) -> PathBuf {
    let seed = ocpizza(&dir.join("data"), &["seed", "--demo"], None);
    assert!(seed.status.success(), "{}", text(&seed));
    web_app(dir, Some(VERSION))
}

#[test]
fn check_passes_when_everything_is_in_place_in_a_table_and_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let web = ready(dir.path());
    let env = [("OCPIZZA_STATIC_DIR", web.to_str().unwrap())];
    let out = check(dir.path(), false, &env);
    let table = text(&out);
    assert!(out.status.success(), "{table}");
    for name in [
        "configuration",
        "database",
        "migrations",
        "shops",
        "administrator",
        "maintenance",
        "redis",
        "web app",
        "data folder",
    ] {
        assert!(line(&table, name).starts_with('✓'), "{name}:\n{table}");
    }
    assert!(!table.contains('✗'));
    let json = check(dir.path(), true, &env);
    assert!(json.status.success());
    let doc: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["ok"], true, "{doc}");
    assert_eq!(entry(&json, "web app").0, "ok");
}

#[test]
fn check_fails_on_pending_migrations_then_without_shops_then_without_an_administrator() {
    let dir = tempfile::tempdir().unwrap();
    let web = web_app(dir.path(), Some(VERSION));
    let env = [("OCPIZZA_STATIC_DIR", web.to_str().unwrap())];
    let data = dir.path().join("data");

    let out = check(dir.path(), false, &env);
    assert_eq!(out.status.code(), Some(1));
    let l = line(&text(&out), "migrations").to_owned();
    assert!(l.starts_with('✗') && l.contains("pending"), "{l}");
    assert!(text(&out).contains("run `ocpizza migrate`"));

    assert!(ocpizza(&data, &["migrate"], None).status.success());
    let out = check(dir.path(), true, &env);
    assert!(!out.status.success());
    assert_eq!(entry(&out, "migrations").0, "ok");
    let (status, detail, fix) = entry(&out, "shops");
    assert_eq!((status.as_str(), detail.as_str()), ("fail", "no shop yet"));
    assert!(fix.contains("ocpizza seed"), "{fix}");

    assert!(ocpizza(&data, &["seed"], None).status.success());
    let out = check(dir.path(), true, &env);
    assert!(!out.status.success());
    assert_eq!(entry(&out, "shops").0, "ok");
    let (status, _, fix) = entry(&out, "administrator");
    assert_eq!(status, "fail");
    assert!(fix.contains("ocpizza user create --role admin"), "{fix}");

    let admin = ocpizza(
        &data,
        &[
            "user",
            "create",
            "--email",
            "boss@ocpizza.fr",
            "--name",
            "Boss",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("a-long-password-for-the-boss\n"),
    );
    assert!(admin.status.success(), "{}", text(&admin));
    let out = check(dir.path(), false, &env);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn check_fails_when_the_configuration_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let out = check(dir.path(), false, &[("OCPIZZA_SESSION_HOURS", "forever")]);
    assert_eq!(out.status.code(), Some(2));
    let l = line(&text(&out), "configuration").to_owned();
    assert!(
        l.starts_with('✗') && l.contains("OCPIZZA_SESSION_HOURS"),
        "{l}"
    );
    assert!(text(&out).contains("ocpizza.env"), "says where to fix it");
    let json = check(dir.path(), true, &[("OCPIZZA_SESSION_HOURS", "forever")]);
    assert_eq!(json.status.code(), Some(2));
    assert_eq!(entry(&json, "configuration").0, "fail");
}

#[test]
fn check_fails_when_the_database_cannot_be_reached() {
    let dir = tempfile::tempdir().unwrap();
    let web = web_app(dir.path(), Some(VERSION));
    let env = [
        ("OCPIZZA_STATIC_DIR", web.to_str().unwrap()),
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/ocpizza"),
    ];
    let out = check(dir.path(), true, &env);
    assert_eq!(out.status.code(), Some(1));
    let (status, detail, fix) = entry(&out, "database");
    assert_eq!(status, "fail");
    assert!(detail.contains("cannot be reached"), "{detail}");
    assert!(fix.contains("DATABASE_URL"), "{fix}");
    assert!(
        !detail.contains("postgres@"),
        "the URL is a secret: {detail}"
    );
}

#[test]
fn check_fails_when_redis_cannot_be_reached() {
    let dir = tempfile::tempdir().unwrap();
    let web = ready(dir.path());
    let env = [
        ("OCPIZZA_STATIC_DIR", web.to_str().unwrap()),
        ("REDIS_URL", "redis://127.0.0.1:1"),
    ];
    let out = check(dir.path(), true, &env);
    assert_eq!(out.status.code(), Some(1));
    let (status, detail, fix) = entry(&out, "redis");
    assert_eq!(status, "fail", "{detail}");
    assert!(fix.contains("REDIS_URL"), "{fix}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let failed: Vec<&Value> = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .collect();
    assert_eq!(failed.len(), 1, "only Redis is broken: {doc}");
}

#[test]
fn check_fails_when_the_web_app_is_missing_or_built_for_another_version() {
    let dir = tempfile::tempdir().unwrap();
    ready(dir.path());
    let out = check(dir.path(), true, &[]);
    assert_eq!(out.status.code(), Some(1));
    let (status, detail, fix) = entry(&out, "web app");
    assert_eq!(status, "fail");
    assert!(detail.contains("not found"), "{detail}");
    assert!(fix.contains("cargo xtask pwa"), "{fix}");

    let other = tempfile::tempdir().unwrap();
    let unstamped = web_app(other.path(), None);
    let out = check(
        dir.path(),
        true,
        &[("OCPIZZA_STATIC_DIR", unstamped.to_str().unwrap())],
    );
    let (status, detail, _) = entry(&out, "web app");
    assert_eq!(status, "fail");
    assert!(detail.contains("version.json"), "{detail}");

    let old = tempfile::tempdir().unwrap();
    let stale = web_app(old.path(), Some("0.0.1"));
    let out = check(
        dir.path(),
        true,
        &[("OCPIZZA_STATIC_DIR", stale.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(1));
    let (status, detail, _) = entry(&out, "web app");
    assert_eq!(status, "fail");
    assert!(
        detail.contains("built for 0.0.1") && detail.contains(VERSION),
        "{detail}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn check_fails_when_the_data_folder_is_not_writable() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let web = ready(dir.path());
    let data = dir.path().join("data");
    let open = std::fs::Permissions::from_mode(0o755);
    std::fs::set_permissions(dir.path(), open.clone()).unwrap();
    std::fs::set_permissions(&web, open).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o555)).unwrap();
    let mut cmd = command(
        &data,
        &["check", "--json"],
        &[("OCPIZZA_STATIC_DIR", web.to_str().unwrap())],
    );
    cmd.current_dir(dir.path());
    // Root writes anywhere: the check runs as nobody, as a service account would.
    if rustix::process::geteuid().is_root() {
        cmd.uid(65534).gid(65534);
    }
    let out = cmd.output().unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let (status, detail, fix) = entry(&out, "data folder");
    assert_eq!(status, "fail");
    assert!(detail.contains("not writable"), "{detail}");
    assert!(fix.contains("server's user"), "{fix}");
}

#[test]
fn check_shows_maintenance_on_as_a_warning_and_maintenance_commands_switch_it() {
    let dir = tempfile::tempdir().unwrap();
    let web = ready(dir.path());
    let env = [("OCPIZZA_STATIC_DIR", web.to_str().unwrap())];
    let data = dir.path().join("data");
    let on = ocpizza(
        &data,
        &[
            "maintenance",
            "on",
            "--message",
            "Mise à jour",
            "--until",
            "45m",
        ],
        None,
    );
    assert!(on.status.success(), "{}", text(&on));
    let status = ocpizza(&data, &["maintenance", "status"], None);
    let said = text(&status);
    assert!(
        said.contains("maintenance on") && said.contains("Mise à jour"),
        "{said}"
    );
    assert!(said.contains("0 instance(s) serving"), "{said}");

    let out = check(dir.path(), false, &env);
    assert!(
        out.status.success(),
        "a warning is no failure: {}",
        text(&out)
    );
    let l = line(&text(&out), "maintenance").to_owned();
    assert!(
        l.starts_with('!') && l.contains("ON") && l.contains("Mise à jour"),
        "{l}"
    );
    let json = check(dir.path(), true, &env);
    let (status, _, fix) = entry(&json, "maintenance");
    assert_eq!(status, "warn");
    assert!(fix.contains("ocpizza maintenance off"), "{fix}");

    let history = rusqlite_free_history(&data);
    assert!(
        history.contains("cli ("),
        "the operator is named: {history}"
    );

    assert!(
        ocpizza(&data, &["maintenance", "off"], None)
            .status
            .success()
    );
    let json = check(dir.path(), true, &env);
    assert_eq!(entry(&json, "maintenance").0, "ok");
    let bad = ocpizza(
        &data,
        &["maintenance", "on", "--until", "yesterday-ish"],
        None,
    );
    assert!(!bad.status.success());
    assert!(text(&bad).contains("--until"), "{}", text(&bad));
}

/// The audit stream's payloads, read with the binary's own SQLite file through sqlx.
fn rusqlite_free_history(data: &Path) -> String {
    let path = data.join("ocpizza.db");
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let db = ocpizza::db::Db::connect_sqlite(path.to_str().unwrap())
            .await
            .unwrap();
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT payload FROM events WHERE stream = 'group:audit'")
                .fetch_all(db.pool())
                .await
                .unwrap();
        db.close().await;
        rows.join("\n")
    })
}

#[tokio::test]
async fn migrate_and_serve_refuse_pending_migrations_while_an_instance_serves_without_maintenance()
{
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(ocpizza(&data, &["seed", "--demo"], None).status.success());
    let first = Served::start(&data, &[], &[]);
    // A rolling restart with nothing to apply is never refused.
    Served::start(&data, &[], &[]).stop().await;

    // The next version brings a migration: here, migration 4 made pending again.
    let db = ocpizza::db::Db::connect_sqlite(data.join("ocpizza.db").to_str().unwrap())
        .await
        .unwrap();
    sqlx::query("DROP TABLE staff_invitations")
        .execute(&mut *db.writer().await.unwrap())
        .await
        .unwrap();
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = 4")
        .execute(&mut *db.writer().await.unwrap())
        .await
        .unwrap();
    let status = text(&ocpizza(&data, &["maintenance", "status"], None));
    assert!(status.contains("1 instance(s) serving"), "{status}");

    let refused = ocpizza(&data, &["migrate"], None);
    assert!(!refused.status.success());
    let said = text(&refused);
    assert!(
        said.contains("refusing to apply 1 pending migration"),
        "{said}"
    );
    assert!(said.contains("maintenance on"), "says what to do: {said}");
    assert!(
        said.contains(&first.base.replace("http://", "")),
        "names the instance: {said}"
    );
    let mut cmd = command(&data, &["serve", "--bind", "127.0.0.1:0"], &[]);
    let refused = cmd.output().unwrap();
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("refusing to apply"),
        "{}",
        text(&refused)
    );

    assert!(
        ocpizza(&data, &["maintenance", "on"], None)
            .status
            .success()
    );
    let applied = ocpizza(&data, &["migrate"], None);
    assert!(applied.status.success(), "{}", text(&applied));
    assert!(
        text(&applied).contains("migrations applied: 1"),
        "{}",
        text(&applied)
    );
    assert!(
        ocpizza(&data, &["maintenance", "off"], None)
            .status
            .success()
    );

    // A graceful stop removes the instance's heartbeat at once.
    first.stop().await;
    let status = text(&ocpizza(&data, &["maintenance", "status"], None));
    assert!(status.contains("0 instance(s) serving"), "{status}");
    db.close().await;
}

#[cfg(unix)]
#[tokio::test]
async fn on_postgresql_check_fails_when_pg_dump_is_missing_or_older_than_the_server() {
    use std::os::unix::fs::PermissionsExt;
    if !std::env::var("OCPIZZA_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        // The SQLite pass: `cargo xtask test` runs this one in its PostgreSQL pass (and fails
        // under CI when PostgreSQL is missing).
        eprintln!(
            "note: the pg_dump check runs in the PostgreSQL pass (OCPIZZA_TEST_DATABASE_URL)"
        );
        return;
    }
    let (db, config, _) = crate::helpers::fresh_db().await;
    ocpizza::seed::run(&db, &ocpizza::events::Bus::new(), config.hashing, true)
        .await
        .unwrap();
    db.close().await;
    let url = config.database_url.unwrap().expose().clone();
    let dir = tempfile::tempdir().unwrap();
    let web = web_app(dir.path(), Some(VERSION));
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let fake = dir.path().join("bin");
    std::fs::create_dir_all(&fake).unwrap();
    let script = fake.join("pg_dump");
    std::fs::write(&script, "#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let web = web.to_str().unwrap();
    let run = |path: &str| {
        check(
            dir.path(),
            true,
            &[
                ("OCPIZZA_STATIC_DIR", web),
                ("DATABASE_URL", &url),
                ("PATH", path),
            ],
        )
    };

    let out = run(fake.to_str().unwrap());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let (status, detail, fix) = entry(&out, "pg_dump");
    assert_eq!(status, "fail");
    assert!(detail.contains("9, but the server is"), "{detail}");
    assert!(fix.contains("postgresql-client-"), "{fix}");

    let out = run(dir.path().join("nothing").to_str().unwrap());
    let (status, detail, _) = entry(&out, "pg_dump");
    assert_eq!(status, "fail");
    assert!(detail.contains("not found"), "{detail}");

    // The machine's own client, installed with its server, matches it.
    let out = run("/usr/bin:/bin");
    let (status, detail, _) = entry(&out, "pg_dump");
    assert_eq!(status, "ok", "{detail}");
    assert!(out.status.success(), "{}", text(&out));
}

#[tokio::test]
async fn check_warns_until_a_good_backup_is_younger_than_26_hours() {
    let dir = tempfile::tempdir().unwrap();
    let web = ready(dir.path());
    let env = [("OCPIZZA_STATIC_DIR", web.to_str().unwrap())];
    let out = check(dir.path(), false, &env);
    let table = text(&out);
    assert!(out.status.success(), "a warning only: {table}");
    assert!(line(&table, "last backup").starts_with('!'), "{table}");
    assert!(table.contains("no good backup yet"), "{table}");
    assert!(
        table.contains("systemctl start ocpizza-backup.service"),
        "says what to do: {table}"
    );
    assert!(line(&table, "backup folder").starts_with('✓'), "{table}");

    let data = dir.path().join("data");
    let taken = ocpizza(&data, &["backup", "create"], None);
    assert!(taken.status.success(), "{}", text(&taken));
    let table = text(&check(dir.path(), false, &env));
    assert!(line(&table, "last backup").starts_with('✓'), "{table}");
    assert!(line(&table, "backup folder").starts_with('✓'), "{table}");

    // The daily run stopped a day and a half ago.
    let db = ocpizza::db::Db::connect_sqlite(data.join("ocpizza.db").to_str().unwrap())
        .await
        .unwrap();
    let ago = jiff::Timestamp::now().as_millisecond() - 36 * 3600 * 1000;
    sqlx::query("UPDATE backup_runs SET finished_at = $1")
        .bind(ago)
        .execute(&mut *db.writer().await.unwrap())
        .await
        .unwrap();
    db.close().await;
    let out = check(dir.path(), true, &env);
    assert!(out.status.success());
    let (status, detail, _) = entry(&out, "last backup");
    assert_eq!(status, "warn", "{detail}");
    assert!(detail.contains("36 h ago"), "{detail}");
}
