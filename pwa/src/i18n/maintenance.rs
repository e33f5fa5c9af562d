//! Texts of the maintenance banner customers see on the menu and at checkout.

use super::Lang;

/// Every text of the maintenance banner.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct MaintenanceTexts {
    pub title: &'static str,
    pub body: &'static str,
    pub back_around: &'static str,
}

impl Lang {
    /// The maintenance banner's texts in this language.
    pub fn maintenance(self) -> &'static MaintenanceTexts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }

    /// A time of day as this language writes it (`14 h 05`, `14:05`).
    pub fn time_of_day(self, hours: u32, minutes: u32) -> String {
        match self {
            Lang::Fr => format!("{hours} h {minutes:02}"),
            Lang::En => format!("{hours:02}:{minutes:02}"),
        }
    }
}

const FR: MaintenanceTexts = MaintenanceTexts {
    title: "Site en maintenance",
    body: "Les commandes sont suspendues pendant quelques instants. Les commandes déjà passées \
           sont préparées et livrées normalement.",
    back_around: "Retour prévu vers",
};

const EN: MaintenanceTexts = MaintenanceTexts {
    title: "Site under maintenance",
    body: "Ordering is paused for a short while. Orders already placed are prepared and \
           delivered as usual.",
    back_around: "Expected back around",
};
