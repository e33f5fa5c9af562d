//! SQLite's single write connection: lent to one task at a time, a write that waits too long
//! for it is answered 503 and leaves nothing, a writer given back inside a transaction is
//! replaced, once closed it lends nothing, and its statement journals stay in memory. SQLite is
//! built without memory statistics.

use crate::helpers::*;
use ocpizza::db::{Backend, Db};
use reqwest::StatusCode;
use sqlx::Executor;

/// Whether this pass runs on SQLite, saying so when it does not.
fn on_sqlite(app: &TestApp) -> bool {
    if app.db.backend() == Backend::Sqlite {
        return true;
    }
    eprintln!("PostgreSQL pass: this concerns SQLite's single writer");
    false
}

async fn orders(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM orders")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn an_order_that_waits_too_long_for_the_writer_gets_503_and_the_next_goes_through() {
    let app = TestApp::spawn().await;
    if !on_sqlite(&app) {
        return;
    }
    let guest = app.anonymous();
    let before = orders(&app).await;
    let held = app.db.writer().await.unwrap();
    let r = guest
        .post("/api/v1/orders", &delivery(MARGHERITA, "medium", 1))
        .await;
    assert!(r.headers().contains_key("retry-after"));
    let (code, body) = error_code(r, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(code, "unavailable", "{body}");
    assert_eq!(orders(&app).await, before, "nothing of the refused order");
    drop(held);
    guest.place(&delivery(MARGHERITA, "medium", 1)).await;
    assert_eq!(orders(&app).await, before + 1);
}

#[tokio::test]
async fn a_writer_given_back_inside_a_transaction_is_replaced_and_what_it_held_is_undone() {
    let app = TestApp::spawn().await;
    if !on_sqlite(&app) {
        return;
    }
    let guest = app.anonymous();
    let before = orders(&app).await;
    guest.place(&delivery(MARGHERITA, "medium", 1)).await;
    {
        // As a failure that could not roll back would leave it.
        let mut writer = app.db.writer().await.unwrap();
        sqlx::query("BEGIN").execute(&mut *writer).await.unwrap();
        sqlx::query("UPDATE orders SET contact_name = 'stray'")
            .execute(&mut *writer)
            .await
            .unwrap();
    }
    // The next transaction finds `BEGIN` refused, and begins on a fresh connection.
    guest.place(&delivery(MARGHERITA, "medium", 1)).await;
    let stray: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE contact_name = 'stray'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(stray, 0);
    assert_eq!(orders(&app).await, before + 2);
}

#[tokio::test]
async fn a_closed_database_lends_its_writer_no_more_and_leaves_no_log_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ocpizza.db");
    let db = Db::connect_sqlite(path.to_str().unwrap()).await.unwrap();
    db.migrate().await.unwrap();
    let wal = dir.path().join("ocpizza.db-wal");
    assert!(wal.exists(), "the write-ahead log while open");
    db.close().await;
    assert!(
        matches!(db.writer().await, Err(sqlx::Error::PoolClosed)),
        "the writer after close"
    );
    let refused = db.begin().await.unwrap_err();
    assert!(ocpizza::error::is_outage(&refused), "{refused}");
    assert!(
        !wal.exists(),
        "the log copied into the file and removed at close"
    );
}

/// The temporary files this process holds open (SQLite names its own `etilqs_…`).
fn sqlite_temp_files() -> Vec<String> {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .map(|target| target.display().to_string())
        .filter(|target| target.contains("etilqs_"))
        .collect()
}

#[tokio::test]
async fn a_write_transaction_that_rewrites_many_pages_keeps_its_statement_journal_in_memory() {
    let app = TestApp::spawn().await;
    if !on_sqlite(&app) {
        return;
    }
    let mut writer = app.db.writer().await.unwrap();
    writer
        .execute(
            "CREATE TABLE journal_probe (id INTEGER PRIMARY KEY, note TEXT NOT NULL);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
         INSERT INTO journal_probe SELECT i, printf('%.200c', 'x') FROM n;",
        )
        .await
        .unwrap();
    // Inside a transaction, a statement that may fail halfway (here on `NOT NULL`) journals
    // every page it changes, some 100 pages of 4 KiB here: past 64 KiB SQLite would spill
    // that journal to a temporary file.
    writer
        .execute("BEGIN IMMEDIATE; UPDATE journal_probe SET note = note || 'y';")
        .await
        .unwrap();
    let held = sqlite_temp_files();
    writer
        .execute("ROLLBACK; DROP TABLE journal_probe;")
        .await
        .unwrap();
    assert_eq!(held, Vec::<String>::new(), "temporary files of the writer");
}

#[tokio::test]
async fn sqlite_is_built_without_memory_statistics() {
    let app = TestApp::spawn().await;
    if !on_sqlite(&app) {
        return;
    }
    // With them, every allocation of every connection takes one process-wide mutex (see the
    // workspace's `.cargo/config.toml`).
    let options: Vec<String> = sqlx::query_scalar("PRAGMA compile_options")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert!(
        options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
        "SQLite's compile options: {options:?}"
    );
}
