//! SQLite's write-ahead log under a stream of writes that never pauses (a rush).

use ocpizza::db::Db;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Commits each writer makes: enough for a log that never starts over to outgrow, by far,
/// what a restart leaves. A count, not a duration, so that a machine slowed by other work
/// slows the writes and the checkpoints alike instead of shortening the run.
const COMMITS: usize = 2_500;

/// The log's length (in pages) at each round of checkpoints while one task made [`COMMITS`]
/// commits without pause and the checkpoints ran every few milliseconds, starting it over above
/// `restart_above` pages.
async fn log_lengths(restart_above: i64) -> Vec<i64> {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect_sqlite(dir.path().join("rush.db").to_str().unwrap())
        .await
        .unwrap();
    sqlx::query("CREATE TABLE filler (body TEXT NOT NULL)")
        .execute(&mut *db.writer().await.unwrap())
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
    let mut lengths = Vec::new();
    while !done.load(Ordering::Relaxed) {
        lengths.push(db.checkpoint(restart_above).await.unwrap());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    writer.await.unwrap();
    db.close().await;
    lengths
}

/// The longest and the median of `lengths`.
fn longest_and_median(mut lengths: Vec<i64>) -> (i64, i64) {
    lengths.sort_unstable();
    let median = lengths.get(lengths.len() / 2).copied().unwrap_or(0);
    (lengths.last().copied().unwrap_or(0), median)
}

/// The log's length above which the rounds of checkpoints start it over, in this test.
const RESTART_ABOVE: i64 = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_written_without_pause_starts_over_once_long() {
    // Without restarts, the log outgrows the threshold: passive checkpoints never reach the
    // end of a log that keeps growing (unless a loaded machine slows the writes enough).
    let (unbounded, unbounded_median) = longest_and_median(log_lengths(i64::MAX).await);
    let (bounded, bounded_median) = longest_and_median(log_lengths(RESTART_ABOVE).await);
    eprintln!(
        "log length, longest and median: {unbounded} and {unbounded_median} pages with passive \
         checkpoints only, {bounded} and {bounded_median} with restarts above {RESTART_ABOVE}"
    );
    assert!(
        unbounded > 4 * RESTART_ABOVE,
        "{COMMITS} commits grew the log to {unbounded} pages only"
    );
    // With them, most rounds find it started over (some 100–150 pages at half the rounds,
    // against 3,400–3,900 without, on a quiet machine). The longest is no measure of it: on a
    // loaded machine, a round held up for a while finds the log as long as the commits made
    // meanwhile.
    assert!(
        bounded_median < 4 * RESTART_ABOVE,
        "the log was {bounded_median} pages long or more at half the rounds (longest {bounded}) \
         although it starts over above {RESTART_ABOVE} ({unbounded_median}, longest {unbounded}, \
         without)"
    );
}
