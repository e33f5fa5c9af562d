//! Texts of the driver's phone added with the hand-over at the door (cash or card, the change
//! due, an unusual amount confirmed) and of the top bar's menu on a phone.

use super::Lang;

/// The hand-over's and the phone menu's texts.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct DriverTexts {
    pub paid_by: &'static str,
    pub cash: &'static str,
    pub card: &'static str,
    pub card_on_delivery: &'static str,
    pub received: &'static str,
    pub change_due: &'static str,
    pub missing: &'static str,
    pub exact: &'static str,
    pub choose_first: &'static str,
    pub amount_needed: &'static str,
    pub unusual: &'static str,
    pub unusual_for: &'static str,
    pub confirm_amount: &'static str,
    pub correct_amount: &'static str,
    pub card_note: &'static str,
    pub menu: &'static str,
}

const FR: DriverTexts = DriverTexts {
    paid_by: "Paiement",
    cash: "Espèces",
    card: "Carte",
    card_on_delivery: "Carte à la livraison",
    received: "Montant reçu (€)",
    change_due: "À rendre :",
    missing: "Manque :",
    exact: "Compte juste",
    choose_first: "Choisissez espèces ou carte.",
    amount_needed: "Saisissez le montant reçu.",
    unusual: "Montant inhabituel :",
    unusual_for: "reçus pour une commande de",
    confirm_amount: "Oui, c'est bien ça",
    correct_amount: "Corriger",
    card_note: "Payée par carte : rien à encaisser en espèces.",
    menu: "Menu",
};

const EN: DriverTexts = DriverTexts {
    paid_by: "Payment",
    cash: "Cash",
    card: "Card",
    card_on_delivery: "Card on delivery",
    received: "Amount received (€)",
    change_due: "Change due:",
    missing: "Missing:",
    exact: "Exact amount",
    choose_first: "Choose cash or card.",
    amount_needed: "Enter the amount received.",
    unusual: "Unusual amount:",
    unusual_for: "received for an order of",
    confirm_amount: "Yes, that's right",
    correct_amount: "Correct it",
    card_note: "Paid by card: no cash to collect.",
    menu: "Menu",
};

impl Lang {
    /// The hand-over's and the phone menu's texts in this language.
    pub fn driver(self) -> &'static DriverTexts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }
}
