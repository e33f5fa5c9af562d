//! The in-process daily backup (`OCPIZZA_BACKUP_AT=03:00`), for installs without the systemd
//! timer: at that local time every day the server takes a backup and prunes. Set it on one
//! instance only.

use crate::config::Config;
use crate::db::Db;
use jiff::Zoned;
use jiff::civil::Time;
use std::time::Duration;

/// How long from `now` until the next `at` (today if still ahead, else tomorrow).
pub fn until_next(now: &Zoned, at: Time) -> Duration {
    let today = now.date().to_datetime(at);
    let next = today
        .to_zoned(now.time_zone().clone())
        .ok()
        .filter(|z| z > now)
        .or_else(|| {
            today
                .checked_add(jiff::ToSpan::days(1))
                .ok()
                .and_then(|d| d.to_zoned(now.time_zone().clone()).ok())
        });
    next.and_then(|n| Duration::try_from(n.duration_since(now)).ok())
        .unwrap_or(Duration::from_hours(24))
}

/// Starts the daily backup when `OCPIZZA_BACKUP_AT` is set.
pub fn spawn(config: &Config, db: &Db) {
    let Some(at) = config.backup.at else {
        return;
    };
    let (config, db) = (config.clone(), db.clone());
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(until_next(&Zoned::now(), at)).await;
            match super::create(&config, &db, None).await {
                Ok(c) => tracing::info!(file = %c.path.display(), "scheduled backup taken"),
                Err(e) => tracing::error!(error = format!("{e:#}"), "scheduled backup failed"),
            }
            let dir = super::backup_dir(&config);
            match super::prune(&dir, &config.backup.keep, jiff::Timestamp::now(), false) {
                Ok(d) => tracing::info!(
                    removed = d.iter().filter(|(_, d)| !d.keeps()).count(),
                    "backups pruned"
                ),
                Err(e) => tracing::error!(error = format!("{e:#}"), "pruning backups failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_run_is_today_if_still_ahead_else_tomorrow() {
        let at = Time::constant(3, 0, 0, 0);
        let now: Zoned = "2026-12-02T01:30:00+01:00[Europe/Paris]".parse().unwrap();
        assert_eq!(until_next(&now, at), Duration::from_mins(90));
        let now: Zoned = "2026-12-02T03:00:00+01:00[Europe/Paris]".parse().unwrap();
        assert_eq!(until_next(&now, at), Duration::from_hours(24));
        // The night the clocks go back, 02:00–03:00 happens twice: 03:00 is 2 h 30 after 01:30.
        let now: Zoned = "2026-10-25T01:30:00+02:00[Europe/Paris]".parse().unwrap();
        assert_eq!(until_next(&now, at), Duration::from_mins(150));
    }
}
