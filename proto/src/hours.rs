//! Weekly opening hours of a shop, in the shop's local time.

use serde::{Deserialize, Serialize};

/// One service period: `weekday` is ISO (1 = Monday … 7 = Sunday); `opens`/`closes` are
/// `"HH:MM"`. A slot whose `closes` is not after `opens` runs past midnight into the next day;
/// `"24:00"` means the end of the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpeningSlot {
    /// ISO weekday, 1 = Monday.
    #[cfg_attr(feature = "server", schema(minimum = 1, maximum = 7))]
    pub weekday: u8,
    /// Opening time, `"HH:MM"`.
    #[cfg_attr(feature = "server", schema(pattern = r"^[0-9]{2}:[0-9]{2}$"))]
    pub opens: String,
    /// Closing time, `"HH:MM"` (`"24:00"` = midnight at the end of the day).
    #[cfg_attr(feature = "server", schema(pattern = r"^[0-9]{2}:[0-9]{2}$"))]
    pub closes: String,
}

/// The week's slots. An empty list means never open.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct OpeningHours(pub Vec<OpeningSlot>);

fn minutes(hhmm: &str) -> Option<u16> {
    let (h, m) = hhmm.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    let total = h * 60 + m;
    (m < 60 && total <= 24 * 60).then_some(total)
}

impl OpeningSlot {
    /// Its opening and closing times in minutes after local midnight (`None` if malformed);
    /// a closing not after the opening falls on the next day.
    pub fn minutes(&self) -> Option<(u16, u16)> {
        Some((minutes(&self.opens)?, minutes(&self.closes)?))
    }
}

impl OpeningHours {
    /// Checks every slot; the error names the first bad one.
    pub fn validate(&self) -> Result<(), String> {
        for (i, slot) in self.0.iter().enumerate() {
            if !(1..=7).contains(&slot.weekday) {
                return Err(format!(
                    "hours[{i}].weekday must be 1 (Monday) to 7 (Sunday)"
                ));
            }
            if minutes(&slot.opens).is_none_or(|m| m >= 24 * 60) {
                return Err(format!("hours[{i}].opens must be HH:MM before 24:00"));
            }
            if minutes(&slot.closes).is_none() {
                return Err(format!("hours[{i}].closes must be HH:MM up to 24:00"));
            }
        }
        Ok(())
    }

    /// Whether the shop is open on ISO `weekday` at `minute` minutes after local midnight.
    pub fn is_open_at(&self, weekday: u8, minute: u16) -> bool {
        let yesterday = if weekday == 1 { 7 } else { weekday - 1 };
        self.0.iter().any(|slot| {
            let (Some(opens), Some(closes)) = (minutes(&slot.opens), minutes(&slot.closes)) else {
                return false;
            };
            if closes > opens {
                slot.weekday == weekday && (opens..closes).contains(&minute)
            } else {
                (slot.weekday == weekday && minute >= opens)
                    || (slot.weekday == yesterday && minute < closes)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(weekday: u8, opens: &str, closes: &str) -> OpeningSlot {
        OpeningSlot {
            weekday,
            opens: opens.into(),
            closes: closes.into(),
        }
    }

    #[test]
    fn lunch_and_dinner_services_open_and_close_on_time() {
        let h = OpeningHours(vec![slot(2, "11:30", "14:30"), slot(2, "18:00", "23:00")]);
        assert!(!h.is_open_at(2, 11 * 60 + 29));
        assert!(h.is_open_at(2, 11 * 60 + 30));
        assert!(!h.is_open_at(2, 15 * 60));
        assert!(h.is_open_at(2, 22 * 60 + 59));
        assert!(!h.is_open_at(2, 23 * 60));
        assert!(!h.is_open_at(3, 12 * 60), "other days stay closed");
    }

    #[test]
    fn a_late_service_runs_past_midnight_into_the_next_day() {
        let h = OpeningHours(vec![slot(7, "18:00", "01:30")]);
        assert!(h.is_open_at(7, 23 * 60));
        assert!(
            h.is_open_at(1, 60),
            "Sunday's service still runs on Monday 01:00"
        );
        assert!(!h.is_open_at(1, 2 * 60));
    }

    #[test]
    fn round_the_clock_and_bad_slots() {
        let h = OpeningHours(vec![slot(4, "00:00", "24:00")]);
        assert!(h.is_open_at(4, 0) && h.is_open_at(4, 24 * 60 - 1));
        assert!(
            OpeningHours(vec![slot(8, "10:00", "11:00")])
                .validate()
                .is_err()
        );
        assert!(
            OpeningHours(vec![slot(1, "25:00", "11:00")])
                .validate()
                .is_err()
        );
        assert!(
            OpeningHours(vec![slot(1, "9:00", "11:00")])
                .validate()
                .is_err()
        );
        assert!(h.validate().is_ok());
    }
}
