//! Texts of a shop's hours and open state: "Ouvert jusqu'à 22 h 30", "Ferme bientôt — 22 h 30",
//! "Fermé — ouvre mardi à 11 h 30", "En pause : four en panne", today's periods.

use super::Lang;
use ocpizza_proto::{LocalTime, OpeningSlot};

/// The fixed words; the sentences are built by the methods of [`Lang`] below.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct HoursTexts {
    pub open: &'static str,
    pub open_always: &'static str,
    pub open_until: &'static str,
    pub closes_soon: &'static str,
    pub closed: &'static str,
    pub opens: &'static str,
    pub opens_at: &'static str,
    pub tomorrow: &'static str,
    pub paused: &'static str,
    pub today: &'static str,
    pub closed_today: &'static str,
    pub no_ordering: &'static str,
    pub weekdays: [&'static str; 7],
}

const FR: HoursTexts = HoursTexts {
    open: "Ouvert",
    open_always: "Ouvert 24 h/24",
    open_until: "Ouvert jusqu'à",
    closes_soon: "Ferme bientôt —",
    closed: "Fermé",
    opens: "ouvre",
    opens_at: "à",
    tomorrow: "demain",
    paused: "En pause",
    today: "Aujourd'hui :",
    closed_today: "Fermé aujourd'hui",
    no_ordering: "Les commandes sont fermées pour le moment : revenez à l'ouverture.",
    weekdays: [
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    ],
};

const EN: HoursTexts = HoursTexts {
    open: "Open",
    open_always: "Open round the clock",
    open_until: "Open until",
    closes_soon: "Closes soon —",
    closed: "Closed",
    opens: "opens",
    opens_at: "at",
    tomorrow: "tomorrow",
    paused: "Paused",
    today: "Today:",
    closed_today: "Closed today",
    no_ordering: "Orders are closed for now: come back when the shop opens.",
    weekdays: [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
};

impl Lang {
    /// The hours' texts in this language.
    pub fn hours(self) -> &'static HoursTexts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }

    /// A local `"HH:MM"` as people say it (see [`Lang::clock`]): "22 h 30", "18 h".
    pub fn clock_hhmm(self, hhmm: &str) -> String {
        let parsed = hhmm
            .split_once(':')
            .and_then(|(h, m)| Some((h.parse().ok()?, m.parse().ok()?)));
        parsed.map_or_else(|| hhmm.to_owned(), |(h, m)| self.clock(h, m))
    }

    /// "Fermé — ouvre mardi à 11 h 30" (or "… ouvre à 18 h" today, "… ouvre demain à …").
    pub fn closed_until(self, next: Option<&LocalTime>) -> String {
        let h = self.hours();
        let Some(next) = next else {
            return h.closed.to_owned();
        };
        let time = self.clock_hhmm(&next.time);
        match next.in_days {
            0 => format!("{} — {} {} {time}", h.closed, h.opens, h.opens_at),
            1 => format!(
                "{} — {} {} {} {time}",
                h.closed, h.opens, h.tomorrow, h.opens_at
            ),
            _ => {
                let day = h.weekdays[usize::from(next.weekday.clamp(1, 7) - 1)];
                format!("{} — {} {day} {} {time}", h.closed, h.opens, h.opens_at)
            }
        }
    }

    /// "En pause : four en panne" (or "En pause").
    pub fn paused_because(self, reason: Option<&str>) -> String {
        let h = self.hours();
        match (reason.filter(|r| !r.trim().is_empty()), self) {
            (None, _) => h.paused.to_owned(),
            (Some(r), Lang::Fr) => format!("{} : {r}", h.paused),
            (Some(r), Lang::En) => format!("{}: {r}", h.paused),
        }
    }

    /// "Aujourd'hui : 11 h 30–14 h 30, 18 h–22 h 30" (or "Fermé aujourd'hui").
    pub fn today_hours(self, slots: &[OpeningSlot]) -> String {
        let h = self.hours();
        if slots.is_empty() {
            return h.closed_today.to_owned();
        }
        let periods: Vec<String> = slots
            .iter()
            .map(|s| {
                format!(
                    "{}–{}",
                    self.clock_hhmm(&s.opens),
                    self.clock_hhmm(&s.closes)
                )
            })
            .collect();
        format!("{} {}", h.today, periods.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn next(in_days: u8, weekday: u8, time: &str) -> LocalTime {
        LocalTime {
            at: ocpizza_proto::Timestamp::UNIX_EPOCH,
            weekday,
            time: time.into(),
            in_days,
        }
    }

    #[test]
    fn the_next_opening_is_told_as_a_french_customer_says_it() {
        let fr = Lang::Fr;
        assert_eq!(fr.clock_hhmm("22:30"), "22 h 30");
        assert_eq!(fr.clock_hhmm("08:00"), "8 h");
        assert_eq!(
            fr.closed_until(Some(&next(2, 2, "11:30"))),
            "Fermé — ouvre mardi à 11 h 30"
        );
        assert_eq!(
            fr.closed_until(Some(&next(0, 3, "18:00"))),
            "Fermé — ouvre à 18 h"
        );
        assert_eq!(
            Lang::En.closed_until(Some(&next(1, 4, "11:30"))),
            "Closed — opens tomorrow at 11:30 am"
        );
        assert_eq!(
            fr.paused_because(Some("four en panne")),
            "En pause : four en panne"
        );
        assert_eq!(fr.today_hours(&[]), "Fermé aujourd'hui");
    }
}
