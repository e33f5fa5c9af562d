//! `ocpizza maintenance on [--message TEXT] [--until TIME] | off | status`.

use super::By;
use crate::config::Config;
use crate::db::Db;
use crate::events::Bus;
use anyhow::{Context, bail};
use clap::Subcommand;
use ocpizza_proto::api::maintenance::Maintenance;

/// What `ocpizza maintenance` does.
#[derive(Debug, Subcommand)]
pub enum MaintenanceCommand {
    /// Put the site in maintenance: customers see a banner and cannot order (503); staff keep
    /// working. Every instance follows within 2 s; open screens at once.
    On {
        /// Shown to customers in the banner (at most 300 characters).
        #[arg(long)]
        message: Option<String>,
        /// Announced end: `2026-12-02T06:30:00+01:00`, `06:30` (next occurrence, this
        /// machine's time zone) or a duration (`45m`, `1h30m`). Shown to customers and sent
        /// as `Retry-After`; maintenance lasts until `maintenance off`.
        #[arg(long)]
        until: Option<String>,
    },
    /// End maintenance: customers order again.
    Off,
    /// Show whether maintenance is on, and which instances serve the database.
    Status,
}

/// Parses `--until` relative to `now` in `tz`.
pub fn parse_until(
    text: &str,
    now: jiff::Timestamp,
    tz: &jiff::tz::TimeZone,
) -> anyhow::Result<jiff::Timestamp> {
    let text = text.trim();
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Ok(t);
    }
    if let Ok(time) = text.parse::<jiff::civil::Time>() {
        let today = now.to_zoned(tz.clone()).date();
        let mut at = today.to_datetime(time).to_zoned(tz.clone())?;
        if at.timestamp() <= now {
            at = today.tomorrow()?.to_datetime(time).to_zoned(tz.clone())?;
        }
        return Ok(at.timestamp());
    }
    if let Ok(span) = text.parse::<jiff::SignedDuration>() {
        return Ok(now.checked_add(span)?);
    }
    bail!(
        "--until {text:?}: give a date and time (2026-12-02T06:30:00+01:00), a time of day \
         (06:30) or a duration (45m, 1h30m)"
    )
}

/// Runs the subcommand.
pub async fn run(config: &Config, command: MaintenanceCommand) -> anyhow::Result<()> {
    let db = Db::connect(config).await?;
    if db.pending_migrations().await?.contains(&6) {
        bail!("this database has no maintenance table yet: run `ocpizza migrate` first");
    }
    let current = super::db::get(db.pool()).await?;
    match command {
        MaintenanceCommand::On { message, until } => {
            let message =
                crate::validate::optional_text("--message", message.as_deref(), super::MAX_MESSAGE)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            let now = jiff::Timestamp::now();
            let until = until
                .map(|u| parse_until(&u, now, &jiff::tz::TimeZone::system()))
                .transpose()?;
            if until.is_some_and(|u| u <= now) {
                bail!("--until is in the past");
            }
            let next = super::turned_on(&current, message, until);
            let stored = super::switch(&db, &Bus::new(), next, &By::cli())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
                .context("turning maintenance on")?;
            println!("maintenance on: customers cannot order; staff keep working");
            print_state(&stored);
        }
        MaintenanceCommand::Off => {
            super::switch(&db, &Bus::new(), Maintenance::default(), &By::cli())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
                .context("turning maintenance off")?;
            println!("maintenance off: customers can order again");
        }
        MaintenanceCommand::Status => {
            println!("maintenance {}", if current.on { "on" } else { "off" });
            print_state(&current);
            let serving = super::serving_instances(&db).await?;
            println!("{} instance(s) serving", serving.len());
            for i in &serving {
                println!("  {}", super::instances::describe(i));
            }
        }
    }
    db.close().await;
    Ok(())
}

fn print_state(state: &Maintenance) {
    let tz = jiff::tz::TimeZone::system();
    let local = |t: jiff::Timestamp| {
        t.to_zoned(tz.clone())
            .strftime("%Y-%m-%d %H:%M %Z")
            .to_string()
    };
    if let Some(since) = state.since {
        println!("  since:   {}", local(since));
    }
    if let Some(until) = state.until {
        println!("  until:   {} (announced)", local(until));
    }
    if let Some(message) = &state.message {
        println!("  message: {message}");
    }
}

#[cfg(test)]
mod tests {
    use super::parse_until;
    use jiff::tz::TimeZone;

    #[test]
    fn until_takes_a_timestamp_a_time_of_day_or_a_duration() {
        let now: jiff::Timestamp = "2026-12-02T10:00:00Z".parse().unwrap();
        let utc = TimeZone::UTC;
        let at = |s: &str| parse_until(s, now, &utc).unwrap().to_string();
        assert_eq!(at("2026-12-02T12:30:00+01:00"), "2026-12-02T11:30:00Z");
        assert_eq!(at("10:45"), "2026-12-02T10:45:00Z");
        assert_eq!(at("09:00"), "2026-12-03T09:00:00Z", "past today: tomorrow");
        assert_eq!(at("45m"), "2026-12-02T10:45:00Z");
        assert_eq!(at("1h30m"), "2026-12-02T11:30:00Z");
        assert!(parse_until("soon", now, &utc).is_err());
    }
}
