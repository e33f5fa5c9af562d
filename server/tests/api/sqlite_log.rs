//! SQLite's write-ahead log under a stream of writes that never pauses (a rush).

use ocpizza::db::Db;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Commits each writer makes: enough for a log that never starts over to outgrow, by far,
/// what a restart leaves. A count, not a duration, so that a machine slowed by other work
/// slows the writes and the checkpoints alike instead of shortening the run.
const COMMITS: usize = 2_500;

/// The longest the log got (in pages) while one task made [`COMMITS`] commits without pause
/// and the checkpoints ran every few milliseconds, starting it over above `restart_above`
/// pages.
async fn longest_log(restart_above: i64) -> i64 {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect_sqlite(dir.path().join("rush.db").to_str().unwrap())
        .await
        .unwrap();
    sqlx::query("CREATE TABLE filler (body TEXT NOT NULL)")
        .execute(db.writer())
        .await
        .unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn({
        let (db, done) = (db.clone(), done.clone());
        async move {
            for _ in 0..COMMITS {
                let mut tx = db.begin().await.unwrap();
                sqlx::query("INSERT INTO filler (body) VALUES ($1)")
                    .bind("x".repeat(3_000))
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
            done.store(true, Ordering::Relaxed);
        }
    });
    let mut longest = 0;
    while !done.load(Ordering::Relaxed) {
        longest = longest.max(db.checkpoint(restart_above).await.unwrap());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    writer.await.unwrap();
    db.close().await;
    longest
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_written_without_pause_starts_over_once_long() {
    // Passive checkpoints alone never reach the end of a log that keeps growing.
    let unbounded = longest_log(i64::MAX).await;
    let bounded = longest_log(200).await;
    eprintln!(
        "longest log: {unbounded} pages with passive checkpoints only, {bounded} with restarts above 200"
    );
    assert!(
        unbounded > 3_000,
        "{COMMITS} commits grew the log to {unbounded} pages only"
    );
    // Some 300 pages on a quiet machine, more when other tests slow the checkpoints.
    assert!(
        bounded * 4 < unbounded,
        "the log reached {bounded} pages although it starts over above 200 ({unbounded} without)"
    );
}
