//! Whether a shop is open, as its customers are told: open until a time, closing soon, or
//! closed until its next opening (computed by the server in the shop's time zone), and the
//! shop's own business day, which the figures and the cash of "today" count.
//!
//! The server gives each instant as a timestamp and as the shop's local wall-clock time, so
//! that a screen shows "22 h 30" without knowing time zones and can still tell, from the
//! timestamps alone, when what it shows stops being true.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A shop closes "soon" within this many minutes of its closing time.
pub const CLOSES_SOON_MINUTES: i64 = 30;

/// An instant told in the shop's local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LocalTime {
    /// The instant.
    pub at: Timestamp,
    /// Its ISO weekday in the shop's zone (1 = Monday).
    pub weekday: u8,
    /// Its wall-clock time in the shop's zone, `"HH:MM"`.
    pub time: String,
    /// Days from the shop's today to that day (0 = today, 1 = tomorrow).
    pub in_days: u8,
}

/// What the shop's hours say about now (pauses are told apart, see `Shop::paused`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OpenState {
    /// Open; `until` is `None` when it does not close within a week (round the clock).
    Open {
        /// When it closes.
        until: Option<LocalTime>,
    },
    /// Open, and closing within [`CLOSES_SOON_MINUTES`].
    ClosesSoon {
        /// When it closes.
        until: LocalTime,
    },
    /// Closed; `next` is `None` when no opening comes within a week (or its zone is unknown).
    Closed {
        /// When it opens next.
        next: Option<LocalTime>,
    },
}

impl Default for OpenState {
    fn default() -> Self {
        OpenState::Closed { next: None }
    }
}

impl OpenState {
    /// Whether orders are taken according to the hours.
    pub fn is_open(&self) -> bool {
        !matches!(self, OpenState::Closed { .. })
    }

    /// The state at `now_ms`, as far as it can be told from this one: an open shop closes soon
    /// and then closes (its next opening unknown until the server is asked again). A closed
    /// shop stays closed until the server, which takes the orders, says it opened.
    #[must_use]
    pub fn at(&self, now_ms: i64) -> OpenState {
        let ends = |until: &LocalTime| until.at.as_millisecond();
        match self {
            OpenState::Open { until: Some(until) } | OpenState::ClosesSoon { until }
                if now_ms >= ends(until) =>
            {
                OpenState::Closed { next: None }
            }
            OpenState::Open { until: Some(until) }
                if now_ms >= ends(until) - CLOSES_SOON_MINUTES * 60_000 =>
            {
                OpenState::ClosesSoon {
                    until: until.clone(),
                }
            }
            other => other.clone(),
        }
    }

    /// When the hours next change what this state says (Unix ms): the start of "closes soon",
    /// the closing, the next opening.
    pub fn changes_at_ms(&self) -> Option<i64> {
        match self {
            OpenState::Open { until: Some(until) } => {
                Some(until.at.as_millisecond() - CLOSES_SOON_MINUTES * 60_000)
            }
            OpenState::ClosesSoon { until } => Some(until.at.as_millisecond()),
            OpenState::Closed { next: Some(next) } => Some(next.at.as_millisecond()),
            _ => None,
        }
    }
}

/// A shop's business day: the local calendar day its "today" figures and cash count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct BusinessDay {
    /// The local date.
    pub day: jiff::civil::Date,
    /// Its first instant (local midnight).
    pub day_starts_at: Timestamp,
    /// The first instant of the next day: a screen showing this day refreshes then.
    pub day_ends_at: Timestamp,
}

impl BusinessDay {
    /// Its bounds `[start, end)` in Unix milliseconds.
    pub fn bounds_ms(&self) -> (i64, i64) {
        (
            self.day_starts_at.as_millisecond(),
            self.day_ends_at.as_millisecond(),
        )
    }

    /// Whether the instant `ms` (Unix ms) falls on this day.
    pub fn contains_ms(&self, ms: i64) -> bool {
        let (start, end) = self.bounds_ms();
        (start..end).contains(&ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(ms: i64, time: &str) -> LocalTime {
        LocalTime {
            at: Timestamp::from_millisecond(ms).unwrap(),
            weekday: 3,
            time: time.into(),
            in_days: 0,
        }
    }

    #[test]
    fn an_open_shop_closes_soon_then_closes_as_time_passes() {
        let closes = 10 * 3_600_000;
        let open = OpenState::Open {
            until: Some(local(closes, "22:30")),
        };
        assert_eq!(open.at(closes - 31 * 60_000), open);
        assert!(matches!(
            open.at(closes - 30 * 60_000),
            OpenState::ClosesSoon { .. }
        ));
        assert_eq!(open.at(closes), OpenState::Closed { next: None });
        assert_eq!(open.changes_at_ms(), Some(closes - 30 * 60_000));
    }

    #[test]
    fn a_closed_shop_is_asked_again_at_its_next_opening_and_round_the_clock_never_changes() {
        let opens = 5 * 3_600_000;
        let closed = OpenState::Closed {
            next: Some(local(opens, "11:30")),
        };
        assert_eq!(closed.changes_at_ms(), Some(opens));
        assert_eq!(closed.at(opens), closed, "open once the server says so");
        let always = OpenState::Open { until: None };
        assert_eq!(always.changes_at_ms(), None);
        assert_eq!(always.at(opens), always);
    }
}
