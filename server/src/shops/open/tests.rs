//! The hours' state around closings, openings days away, midnight and unknown zones.

use super::{state, state_with_closures};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use ocpizza_proto::{LocalTime, OpenState, OpeningHours, OpeningSlot};

const PARIS: &str = "Europe/Paris";

fn slot(weekday: u8, opens: &str, closes: &str) -> OpeningSlot {
    OpeningSlot {
        weekday,
        opens: opens.into(),
        closes: closes.into(),
    }
}

/// Lunch and dinner from Tuesday to Sunday, closed on Mondays, a late Saturday night.
fn week() -> OpeningHours {
    let mut slots = Vec::new();
    for weekday in 2..=7 {
        slots.push(slot(weekday, "11:30", "14:30"));
        let closes = if weekday == 6 { "01:30" } else { "22:30" };
        slots.push(slot(weekday, "18:00", closes));
    }
    OpeningHours(slots)
}

/// The instant at the Paris wall-clock time `local`.
fn paris(local: &str) -> Timestamp {
    local
        .parse::<jiff::civil::DateTime>()
        .unwrap()
        .to_zoned(TimeZone::get(PARIS).unwrap())
        .unwrap()
        .timestamp()
}

fn told(local: &str, weekday: u8, in_days: u8) -> LocalTime {
    LocalTime {
        at: paris(local),
        weekday,
        time: local[11..16].into(),
        in_days,
    }
}

#[test]
fn an_open_shop_says_until_when_and_closes_soon_in_its_last_half_hour() {
    // 2026-12-01 is a Tuesday.
    let (open, today) = state(&week(), PARIS, paris("2026-12-01T20:00:00"));
    let until = told("2026-12-01T22:30:00", 2, 0);
    assert_eq!(
        open,
        OpenState::Open {
            until: Some(until.clone())
        }
    );
    assert_eq!(
        today,
        vec![slot(2, "11:30", "14:30"), slot(2, "18:00", "22:30")]
    );
    let (soon, _) = state(&week(), PARIS, paris("2026-12-01T22:00:00"));
    assert_eq!(soon, OpenState::ClosesSoon { until });
}

#[test]
fn between_services_the_shop_opens_again_the_same_evening() {
    let (closed, _) = state(&week(), PARIS, paris("2026-12-01T15:00:00"));
    assert_eq!(
        closed,
        OpenState::Closed {
            next: Some(told("2026-12-01T18:00:00", 2, 0))
        }
    );
}

#[test]
fn after_closing_the_shop_opens_tomorrow_and_skips_its_closed_monday() {
    let (closed, _) = state(&week(), PARIS, paris("2026-12-01T22:30:00"));
    assert_eq!(
        closed,
        OpenState::Closed {
            next: Some(told("2026-12-02T11:30:00", 3, 1))
        }
    );
    // Sunday night: Monday is closed, it opens on Tuesday.
    let (closed, _) = state(&week(), PARIS, paris("2026-11-29T23:00:00"));
    assert_eq!(
        closed,
        OpenState::Closed {
            next: Some(told("2026-12-01T11:30:00", 2, 2))
        }
    );
}

#[test]
fn a_late_service_stays_open_across_midnight_until_its_closing_the_next_day() {
    // 2026-12-05 is a Saturday.
    let (open, _) = state(&week(), PARIS, paris("2026-12-05T23:00:00"));
    assert_eq!(
        open,
        OpenState::Open {
            until: Some(told("2026-12-06T01:30:00", 7, 1))
        }
    );
    let (soon, today) = state(&week(), PARIS, paris("2026-12-06T01:10:00"));
    assert_eq!(
        soon,
        OpenState::ClosesSoon {
            until: told("2026-12-06T01:30:00", 7, 0)
        }
    );
    assert_eq!(today.len(), 2, "Sunday's own services are today's hours");
}

#[test]
fn touching_slots_join_and_a_shop_open_round_the_clock_never_closes() {
    let hours = OpeningHours(vec![slot(6, "18:00", "24:00"), slot(7, "00:00", "02:00")]);
    let (open, _) = state(&hours, PARIS, paris("2026-12-05T23:00:00"));
    assert_eq!(
        open,
        OpenState::Open {
            until: Some(told("2026-12-06T02:00:00", 7, 1))
        }
    );
    let always = OpeningHours((1..=7).map(|d| slot(d, "00:00", "24:00")).collect());
    let (open, _) = state(&always, PARIS, paris("2026-12-01T23:59:00"));
    assert_eq!(open, OpenState::Open { until: None });
}

#[test]
fn a_shop_in_an_unknown_zone_or_without_hours_is_closed_with_no_next_opening() {
    let now = paris("2026-12-01T20:00:00");
    assert_eq!(
        state(&week(), "Mars/Olympus_Mons", now),
        (OpenState::Closed { next: None }, vec![])
    );
    assert_eq!(
        state(&OpeningHours::default(), PARIS, now).0,
        OpenState::Closed { next: None }
    );
}

#[test]
fn a_holiday_closes_the_shop_on_its_days_and_the_next_opening_is_after_it() {
    let date = |d: &str| d.parse::<jiff::civil::Date>().unwrap();
    let holiday = [(date("2026-12-24"), date("2026-12-26"))];
    let (closed, today) =
        state_with_closures(&week(), &holiday, PARIS, paris("2026-12-24T12:00:00"));
    assert!(today.is_empty(), "no hours on a closed day");
    assert_eq!(
        closed,
        OpenState::Closed {
            next: Some(told("2026-12-27T11:30:00", 7, 3))
        }
    );
    let (before, _) = state_with_closures(&week(), &holiday, PARIS, paris("2026-12-23T12:00:00"));
    assert!(before.is_open(), "the day before is an ordinary day");
}
