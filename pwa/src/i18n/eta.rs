//! Texts of promised and estimated times: before ordering, on the tracker, and the late flag
//! of the kitchen display and the dashboard.

use super::Lang;

/// Every text about promised and estimated times.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct EtaTexts {
    pub delivery_around: &'static str,
    pub pickup_around: &'static str,
    pub expected_around: &'static str,
    pub promised: &'static str,
    pub late: &'static str,
    pub late_short: &'static str,
    pub waiting_orders: &'static str,
}

const FR: EtaTexts = EtaTexts {
    delivery_around: "Livraison vers",
    pickup_around: "À retirer vers",
    expected_around: "Prévue vers",
    promised: "heure promise :",
    late: "En retard sur l'heure promise",
    late_short: "En retard",
    waiting_orders: "commande(s) en attente en cuisine",
};

const EN: EtaTexts = EtaTexts {
    delivery_around: "Delivery around",
    pickup_around: "Ready to collect around",
    expected_around: "Expected around",
    promised: "promised for",
    late: "Late on the promised time",
    late_short: "Late",
    waiting_orders: "order(s) waiting in the kitchen",
};

impl Lang {
    /// The texts of promised and estimated times in this language.
    pub fn eta(self) -> &'static EtaTexts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }

    /// A time of day as people say it: "20 h 15" or "20 h" in French, "8:15 pm" in English.
    pub fn clock(self, hours: u32, minutes: u32) -> String {
        match self {
            Lang::Fr if minutes == 0 => format!("{hours} h"),
            Lang::Fr => format!("{hours} h {minutes:02}"),
            Lang::En => {
                let half = if hours < 12 { "am" } else { "pm" };
                let h12 = match hours % 12 {
                    0 => 12,
                    h => h,
                };
                format!("{h12}:{minutes:02} {half}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_the_french_way_in_french_and_with_am_pm_in_english() {
        assert_eq!(Lang::Fr.clock(20, 15), "20 h 15");
        assert_eq!(Lang::Fr.clock(9, 5), "9 h 05");
        assert_eq!(Lang::Fr.clock(20, 0), "20 h");
        assert_eq!(Lang::En.clock(20, 15), "8:15 pm");
        assert_eq!(Lang::En.clock(0, 5), "12:05 am");
        assert_eq!(Lang::En.clock(12, 0), "12:00 pm");
    }
}
