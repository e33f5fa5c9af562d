//! What a shop's weekly hours say at an instant, in its time zone: open until when, closing
//! soon, or closed until its next opening (which may be days away), and today's periods.
//!
//! The week's slots are laid out as real intervals from yesterday to a week ahead, then
//! joined where they touch, so that a late service crossing midnight, back-to-back slots and
//! a shop open round the clock all give the closing a customer would actually see.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use ocpizza_proto::opening::CLOSES_SOON_MINUTES;
use ocpizza_proto::{LocalTime, OpenState, OpeningHours, OpeningSlot};

/// Days laid out ahead of today: a shop closed for six days still has a next opening.
const DAYS_AHEAD: i64 = 8;

/// The hours' state at `now` and the slots of that local day, by opening time. An unknown
/// zone reads as closed with no next opening (orders are refused rather than mistimed).
pub fn state(
    hours: &OpeningHours,
    timezone: &str,
    now: Timestamp,
) -> (OpenState, Vec<OpeningSlot>) {
    state_with_closures(hours, &[], timezone, now)
}

/// As [`state`], with the shop closed on the local dates of `closed` (inclusive ranges): a
/// service starting on such a day does not take place, and today's slots are none.
pub fn state_with_closures(
    hours: &OpeningHours,
    closed: &[(Date, Date)],
    timezone: &str,
    now: Timestamp,
) -> (OpenState, Vec<OpeningSlot>) {
    let Ok(tz) = TimeZone::get(timezone) else {
        return (OpenState::Closed { next: None }, Vec::new());
    };
    let today = now.to_zoned(tz.clone()).date();
    let weekday = today.weekday().to_monday_one_offset() as u8;
    let mut slots: Vec<OpeningSlot> = hours
        .0
        .iter()
        .filter(|s| s.weekday == weekday && !is_closed(closed, today))
        .cloned()
        .collect();
    slots.sort_by(|a, b| a.opens.cmp(&b.opens));
    let horizon = local(&tz, day(today, DAYS_AHEAD + 1), 0);
    let periods = periods(hours, closed, &tz, today);
    let tell = |at: Timestamp| local_time(&tz, today, at);
    let state = match periods.iter().find(|(s, e)| *s <= now && now < *e) {
        Some((_, end)) if horizon.is_some_and(|h| *end >= h) => OpenState::Open { until: None },
        Some((_, end)) if end.duration_since(now).as_secs() <= CLOSES_SOON_MINUTES * 60 => {
            OpenState::ClosesSoon { until: tell(*end) }
        }
        Some((_, end)) => OpenState::Open {
            until: Some(tell(*end)),
        },
        None => OpenState::Closed {
            next: periods
                .iter()
                .find(|(s, _)| *s > now)
                .map(|(s, _)| tell(*s)),
        },
    };
    (state, slots)
}

fn is_closed(closed: &[(Date, Date)], date: Date) -> bool {
    closed.iter().any(|(from, to)| *from <= date && date <= *to)
}

fn day(today: Date, offset: i64) -> Date {
    today.checked_add(Span::new().days(offset)).unwrap_or(today)
}

/// The instant `minutes` after the start of local `date` (past 24:00 runs into the next day).
fn local(tz: &TimeZone, date: Date, minutes: u16) -> Option<Timestamp> {
    date.to_datetime(Time::midnight())
        .checked_add(Span::new().minutes(i64::from(minutes)))
        .ok()?
        .to_zoned(tz.clone())
        .ok()
        .map(|z| z.timestamp())
}

/// The opening periods from yesterday to [`DAYS_AHEAD`] days ahead, sorted, touching ones joined.
fn periods(
    hours: &OpeningHours,
    closed: &[(Date, Date)],
    tz: &TimeZone,
    today: Date,
) -> Vec<(Timestamp, Timestamp)> {
    let mut all = Vec::new();
    for offset in -1..=DAYS_AHEAD {
        let date = day(today, offset);
        if is_closed(closed, date) {
            continue;
        }
        let weekday = date.weekday().to_monday_one_offset() as u8;
        for slot in hours.0.iter().filter(|s| s.weekday == weekday) {
            let Some((opens, closes)) = slot.minutes() else {
                continue;
            };
            let closes = if closes > opens {
                closes
            } else {
                closes + 24 * 60
            };
            if let (Some(s), Some(e)) = (local(tz, date, opens), local(tz, date, closes)) {
                all.push((s, e));
            }
        }
    }
    all.sort();
    let mut joined: Vec<(Timestamp, Timestamp)> = Vec::new();
    for (s, e) in all {
        match joined.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => joined.push((s, e)),
        }
    }
    joined
}

fn local_time(tz: &TimeZone, today: Date, at: Timestamp) -> LocalTime {
    let zoned = at.to_zoned(tz.clone());
    let in_days = today
        .until(zoned.date())
        .map_or(0, |span| span.get_days().clamp(0, 255));
    LocalTime {
        at,
        weekday: zoned.weekday().to_monday_one_offset() as u8,
        time: zoned.strftime("%H:%M").to_string(),
        in_days: in_days as u8,
    }
}

#[cfg(test)]
mod tests;
