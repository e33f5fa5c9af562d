//! Texts of the drivers' cash hand-over: the managers' form on the cash page and the
//! confirmation on the driver's phone.

use super::Lang;
use ocpizza_proto::Money;

/// Every text of the cash hand-over.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct CashTexts {
    pub expected: &'static str,
    pub counted: &'static str,
    pub counted_hint: &'static str,
    pub comment: &'static str,
    pub comment_needed: &'static str,
    pub amount_invalid: &'static str,
    pub save: &'static str,
    pub saving: &'static str,
    pub correct: &'static str,
    pub save_correction: &'static str,
    pub cancel: &'static str,
    pub handed_in: &'static str,
    pub recorded_by: &'static str,
    pub at: &'static str,
    pub exact: &'static str,
    pub short: &'static str,
    pub over: &'static str,
    pub corrected_once: &'static str,
    /// `{n}` is replaced by the number.
    pub corrected_times: &'static str,
    pub not_yet: &'static str,
}

impl Lang {
    /// The cash hand-over's texts in this language.
    pub fn cash(self) -> &'static CashTexts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }

    /// What a difference between the amount counted and the expected one means: "Manque
    /// 4,50 €", "Excédent 2,00 €", or "Compte juste".
    pub fn cash_difference(self, difference: Money) -> String {
        let t = self.cash();
        match difference.0 {
            0 => t.exact.to_owned(),
            d if d < 0 => format!("{} {}", t.short, Money(-d)),
            d => format!("{} {}", t.over, Money(d)),
        }
    }

    /// How many times a hand-over was corrected, or nothing for a first count.
    pub fn cash_corrections(self, corrections: u32) -> Option<String> {
        let t = self.cash();
        match corrections {
            0 => None,
            1 => Some(t.corrected_once.to_owned()),
            n => Some(t.corrected_times.replace("{n}", &n.to_string())),
        }
    }
}

const FR: CashTexts = CashTexts {
    expected: "Attendu",
    counted: "Montant remis (€)",
    counted_hint: "Par exemple 85 ou 85,50",
    comment: "Commentaire",
    comment_needed: "Un commentaire est nécessaire quand le montant remis diffère de l'attendu.",
    amount_invalid: "Indiquez un montant en euros, par exemple 85,50.",
    save: "Enregistrer la remise",
    saving: "Enregistrement…",
    correct: "Corriger",
    save_correction: "Enregistrer la correction",
    cancel: "Annuler",
    handed_in: "Remis :",
    recorded_by: "enregistré par",
    at: "à",
    exact: "Compte juste",
    short: "Manque",
    over: "Excédent",
    corrected_once: "corrigée une fois",
    corrected_times: "corrigée {n} fois",
    not_yet: "Remise pas encore enregistrée.",
};

const EN: CashTexts = CashTexts {
    expected: "Expected",
    counted: "Amount handed in (€)",
    counted_hint: "For example 85 or 85.50",
    comment: "Comment",
    comment_needed: "A comment is needed when the amount handed in differs from the expected one.",
    amount_invalid: "Enter an amount in euros, for example 85.50.",
    save: "Record the hand-over",
    saving: "Saving…",
    correct: "Correct",
    save_correction: "Record the correction",
    cancel: "Cancel",
    handed_in: "Handed in:",
    recorded_by: "recorded by",
    at: "at",
    exact: "Exact count",
    short: "Short",
    over: "Over",
    corrected_once: "corrected once",
    corrected_times: "corrected {n} times",
    not_yet: "Hand-over not recorded yet.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_difference_reads_as_short_over_or_exact() {
        assert_eq!(Lang::Fr.cash_difference(Money(-450)), "Manque 4,50 €");
        assert_eq!(Lang::Fr.cash_difference(Money(200)), "Excédent 2,00 €");
        assert_eq!(Lang::En.cash_difference(Money(0)), "Exact count");
        assert_eq!(Lang::Fr.cash_corrections(0), None);
        assert_eq!(
            Lang::En.cash_corrections(3).as_deref(),
            Some("corrected 3 times")
        );
    }
}
