//! Texts of the counter / phone order entry.

use super::Lang;

/// Every text of the counter screen.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct CounterTexts {
    pub title: &'static str,
    pub staff_only: &'static str,
    pub find_customer: &'static str,
    pub phone_search: &'static str,
    pub phone_hint: &'static str,
    pub no_match: &'static str,
    pub orders_count: &'static str,
    pub use_customer: &'static str,
    pub channel: &'static str,
    pub by_phone: &'static str,
    pub walk_in: &'static str,
    pub filter: &'static str,
    pub send_order: &'static str,
    pub sending: &'static str,
    pub sent: &'static str,
    pub edit: &'static str,
    pub cancel: &'static str,
    pub cancel_reason: &'static str,
    pub confirm_cancel: &'static str,
    pub reason_needed: &'static str,
    pub open_orders: &'static str,
    pub no_open_orders: &'static str,
    pub new_order: &'static str,
    pub menu: &'static str,
    pub enter_hint: &'static str,
}

const FR: CounterTexts = CounterTexts {
    title: "Comptoir",
    staff_only: "Cet écran est réservé aux preneurs de commande et aux gérants.",
    find_customer: "Client",
    phone_search: "Téléphone du client",
    phone_hint: "Tapez au moins 6 chiffres pour retrouver un client.",
    no_match: "Aucun client connu : remplissez ses coordonnées.",
    orders_count: "commande(s)",
    use_customer: "Choisir",
    channel: "Commande",
    by_phone: "Par téléphone",
    walk_in: "Au comptoir",
    filter: "Chercher une pizza",
    send_order: "Envoyer en cuisine",
    sending: "Envoi…",
    sent: "envoyée en cuisine.",
    edit: "Modifier",
    cancel: "Annuler",
    cancel_reason: "Motif de l'annulation",
    confirm_cancel: "Confirmer l'annulation",
    reason_needed: "Indiquez le motif.",
    open_orders: "Commandes en cours",
    no_open_orders: "Aucune commande en cours.",
    new_order: "Nouvelle commande",
    menu: "Carte",
    enter_hint: "Entrée ajoute la pizza quand la recherche n'en laisse qu'une (ex. « regina grande »).",
};

const EN: CounterTexts = CounterTexts {
    title: "Counter",
    staff_only: "This screen is for order takers and managers.",
    find_customer: "Customer",
    phone_search: "Customer's phone",
    phone_hint: "Type at least 6 digits to find a customer.",
    no_match: "No known customer: fill in their details.",
    orders_count: "order(s)",
    use_customer: "Choose",
    channel: "Order",
    by_phone: "By phone",
    walk_in: "At the counter",
    filter: "Find a pizza",
    send_order: "Send to the kitchen",
    sending: "Sending…",
    sent: "sent to the kitchen.",
    edit: "Edit",
    cancel: "Cancel",
    cancel_reason: "Reason for cancelling",
    confirm_cancel: "Confirm cancellation",
    reason_needed: "Give the reason.",
    open_orders: "Open orders",
    no_open_orders: "No open order.",
    new_order: "New order",
    menu: "Menu",
    enter_hint: "Enter adds the pizza when the search leaves only one (e.g. “regina large”).",
};

impl Lang {
    /// The counter screen's texts in this language.
    pub fn counter(self) -> &'static CounterTexts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }
}
