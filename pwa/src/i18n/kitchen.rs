//! Texts of the kitchen wall display: the ticket's buttons and flags, the sound switch and the
//! count of tickets that do not fit on the screen. Words only: the icons beside them are SVG
//! (see `components::icons`), so that no text depends on the device's emoji font.

use super::Lang;

/// Every text of the kitchen wall that is not shared with other screens.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct KitchenTexts {
    pub start: &'static str,
    pub bump: &'static str,
    /// `{}`: the title of the column the ticket goes back to.
    pub back_to: &'static str,
    pub edited: &'static str,
    pub cancelled: &'static str,
    pub enable_sound: &'static str,
    pub sound_on: &'static str,
    pub note: &'static str,
    /// `{}`: how many more tickets than the screen shows (one).
    pub more_one: &'static str,
    /// `{}`: how many more tickets than the screen shows (several).
    pub more_many: &'static str,
    pub more_hint: &'static str,
}

const FR: KitchenTexts = KitchenTexts {
    start: "Commencer",
    bump: "Prête",
    back_to: "Revenir à « {} »",
    edited: "Modifiée",
    cancelled: "ANNULÉE",
    enable_sound: "Activer le son",
    sound_on: "Son activé",
    note: "Note :",
    more_one: "+{} autre",
    more_many: "+{} autres",
    more_hint: "plus récentes, elles montent quand une place se libère",
};

const EN: KitchenTexts = KitchenTexts {
    start: "Start",
    bump: "Ready",
    back_to: "Back to “{}”",
    edited: "Changed",
    cancelled: "CANCELLED",
    enable_sound: "Enable sound",
    sound_on: "Sound on",
    note: "Note:",
    more_one: "+{} more",
    more_many: "+{} more",
    more_hint: "newer ones, they move up as room frees",
};

impl KitchenTexts {
    /// The undo button: back to the column the ticket came from, never "cancel".
    pub fn back_to(&self, column: &str) -> String {
        self.back_to.replace("{}", column)
    }

    /// "+4 autres": the tickets of a column that the screen has no room for.
    pub fn more(&self, count: usize) -> String {
        let template = if count == 1 {
            self.more_one
        } else {
            self.more_many
        };
        template.replace("{}", &count.to_string())
    }
}

impl Lang {
    /// The kitchen wall's texts in this language.
    pub fn kitchen(self) -> &'static KitchenTexts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_undo_button_names_the_column_the_ticket_goes_back_to() {
        assert_eq!(
            Lang::Fr.kitchen().back_to("En préparation"),
            "Revenir à « En préparation »"
        );
        assert_eq!(Lang::En.kitchen().back_to("To start"), "Back to “To start”");
    }

    #[test]
    fn the_count_of_tickets_without_room_agrees_with_its_number() {
        assert_eq!(Lang::Fr.kitchen().more(1), "+1 autre");
        assert_eq!(Lang::Fr.kitchen().more(4), "+4 autres");
        assert_eq!(Lang::En.kitchen().more(4), "+4 more");
    }
}
