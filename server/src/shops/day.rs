//! The shop's own day: "today" for the dashboard's figures, the cash page and the driver's
//! cash is the local calendar day of the shop in its IANA time zone, from its local midnight
//! to the next one (23 or 25 hours on the days the clocks change), never the UTC day.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use ocpizza_proto::BusinessDay;

/// The time zone named `name`; UTC when the name is unknown (logged), so that a shop with a
/// bad zone still gets figures rather than an error.
pub fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or_else(|e| {
        tracing::warn!(timezone = name, error = %e, "unknown shop time zone, UTC used");
        TimeZone::UTC
    })
}

/// The business day that `date` (a local date of the shop) is in `tz`; `None` out of range.
pub fn of_date(tz: &TimeZone, date: Date) -> Option<BusinessDay> {
    let start = |d: Date| d.to_zoned(tz.clone()).ok().map(|z| z.timestamp());
    Some(BusinessDay {
        day: date,
        day_starts_at: start(date)?,
        day_ends_at: start(date.tomorrow().ok()?)?,
    })
}

/// The business day of a shop in `tz` at the instant `at`.
pub fn at(tz: &TimeZone, at: Timestamp) -> BusinessDay {
    let date = at.to_zoned(tz.clone()).date();
    of_date(tz, date).unwrap_or_else(|| BusinessDay {
        day: date,
        day_starts_at: at,
        day_ends_at: at
            .saturating_add(SignedDuration::from_hours(24))
            .unwrap_or(at),
    })
}

/// The business day of a shop in `tz` now.
pub fn today(tz: &TimeZone) -> BusinessDay {
    at(tz, Timestamp::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paris() -> TimeZone {
        TimeZone::get("Europe/Paris").expect("the system knows Europe/Paris")
    }

    /// The business day at the Paris wall-clock time `local`.
    fn day_at(local: &str) -> BusinessDay {
        let instant = local
            .parse::<jiff::civil::DateTime>()
            .unwrap()
            .to_zoned(paris())
            .unwrap()
            .timestamp();
        at(&paris(), instant)
    }

    fn hours(day: &BusinessDay) -> i64 {
        let (start, end) = day.bounds_ms();
        (end - start) / 3_600_000
    }

    #[test]
    fn one_second_before_midnight_in_paris_is_still_the_same_day() {
        let day = day_at("2026-12-02T23:59:59");
        assert_eq!(day.day.to_string(), "2026-12-02");
        assert_eq!(day.day_starts_at.to_string(), "2026-12-01T23:00:00Z");
        assert_eq!(day.day_ends_at.to_string(), "2026-12-02T23:00:00Z");
        assert!(day.contains_ms(day.day_ends_at.as_millisecond() - 1000));
    }

    #[test]
    fn midnight_in_paris_starts_the_next_day_although_utc_is_still_on_the_previous_one() {
        let day = day_at("2026-12-03T00:00:00");
        assert_eq!(day.day.to_string(), "2026-12-03");
        assert_eq!(day.day_starts_at.to_string(), "2026-12-02T23:00:00Z");
        assert_eq!(hours(&day), 24);
    }

    #[test]
    fn the_day_clocks_go_forward_lasts_twenty_three_hours() {
        let day = day_at("2027-03-28T12:00:00");
        assert_eq!(day.day.to_string(), "2027-03-28");
        assert_eq!(day.day_starts_at.to_string(), "2027-03-27T23:00:00Z");
        assert_eq!(day.day_ends_at.to_string(), "2027-03-28T22:00:00Z");
        assert_eq!(hours(&day), 23);
        assert_eq!(day_at("2027-03-28T23:59:59").day, day.day);
        assert_eq!(day_at("2027-03-29T00:00:00").day.to_string(), "2027-03-29");
    }

    #[test]
    fn the_day_clocks_go_back_lasts_twenty_five_hours() {
        let day = day_at("2026-10-25T02:30:00");
        assert_eq!(day.day.to_string(), "2026-10-25");
        assert_eq!(day.day_starts_at.to_string(), "2026-10-24T22:00:00Z");
        assert_eq!(day.day_ends_at.to_string(), "2026-10-25T23:00:00Z");
        assert_eq!(hours(&day), 25);
        assert_eq!(day_at("2026-10-25T23:59:59").day, day.day);
    }

    #[test]
    fn a_date_given_by_a_client_is_that_local_day_of_the_shop() {
        let date: Date = "2026-12-02".parse().unwrap();
        let day = of_date(&paris(), date).unwrap();
        assert_eq!(day, day_at("2026-12-02T08:00:00"));
        assert_eq!(zone("Mars/Olympus_Mons"), TimeZone::UTC);
    }
}
