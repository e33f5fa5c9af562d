//! Texts of online payment: the checkout's choices, the payment step on the tracker, the
//! payment badges staff screens show, and the managers' payment panel with its refund form.

use super::Lang;
use ocpizza_proto::api::payments::{OperationKind, OperationState, Provider};
use ocpizza_proto::{Money, PaymentMethod, PaymentStatus};

/// Every text of online payment.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct PaymentTexts {
    pub pay_by_card: &'static str,
    pub pay_with_paypal: &'static str,
    pub online_hint: &'static str,
    pub step_title: &'static str,
    pub card_label: &'static str,
    pub loading_card: &'static str,
    pub card_failed_to_load: &'static str,
    pub paying: &'static str,
    pub authenticating: &'static str,
    pub authenticate_hint: &'static str,
    pub authenticate: &'static str,
    pub paypal_button: &'static str,
    pub paypal_hint: &'static str,
    pub checking: &'static str,
    pub paypal_cancelled: &'static str,
    pub declined_generic: &'static str,
    pub unavailable: &'static str,
    pub try_another_card: &'static str,
    pub try_paypal_again: &'static str,
    pub pay_on_delivery_instead: &'static str,
    pub pay_at_counter_instead: &'static str,
    pub cancel_order: &'static str,
    pub confirm_cancel: &'static str,
    pub yes_cancel: &'static str,
    pub keep: &'static str,
    pub deadline_passed: &'static str,
    pub stock_kept: &'static str,
    pub paid_online: &'static str,
    pub to_collect: &'static str,
    pub online_pending: &'static str,
    pub panel_title: &'static str,
    pub load_panel: &'static str,
    pub authorised: &'static str,
    pub captured: &'static str,
    pub refunded: &'static str,
    pub operations: &'static str,
    pub no_operations: &'static str,
    pub refund: &'static str,
    pub refund_amount: &'static str,
    pub refund_reason: &'static str,
    pub refund_reason_needed: &'static str,
    pub refund_amount_invalid: &'static str,
    pub refund_done: &'static str,
    pub nothing_to_refund: &'static str,
    pub by_system: &'static str,
    pub lookup_label: &'static str,
}

impl Lang {
    /// The texts of online payment in this language.
    pub fn pay(self) -> &'static PaymentTexts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }

    /// The checkout's label of paying online with `provider`.
    pub fn pay_online_with(self, provider: Provider) -> &'static str {
        match provider {
            Provider::Stripe => self.pay().pay_by_card,
            Provider::Paypal => self.pay().pay_with_paypal,
        }
    }

    /// "Payer 23,50 €".
    pub fn pay_amount(self, amount: Money) -> String {
        match self {
            Lang::Fr => format!("Payer {amount}"),
            Lang::En => format!("Pay {amount}"),
        }
    }

    /// The deadline sentence: "À régler avant 20 h 15, sinon la commande est annulée."
    pub fn pay_before(self, clock: &str) -> String {
        match self {
            Lang::Fr => format!("À régler avant {clock}, sinon la commande est annulée."),
            Lang::En => format!("Pay before {clock}, or the order is cancelled."),
        }
    }

    /// What is left of the time to pay: "encore 12 min 05 s".
    pub fn time_left(self, seconds: i64) -> String {
        let (m, s) = (seconds.max(0) / 60, seconds.max(0) % 60);
        match self {
            Lang::Fr => format!("encore {m} min {s:02} s"),
            Lang::En => format!("{m} min {s:02} s left"),
        }
    }

    /// The short word staff read on a ticket or a row: who holds the money.
    pub fn money_badge(self, method: PaymentMethod, status: PaymentStatus) -> &'static str {
        let p = self.pay();
        match (method, status) {
            (PaymentMethod::Online, PaymentStatus::Pending) => p.online_pending,
            (PaymentMethod::Online, PaymentStatus::Authorised | PaymentStatus::Paid) => {
                p.paid_online
            }
            (_, PaymentStatus::Pending | PaymentStatus::Short) => p.to_collect,
            (_, status) => self.payment_status_online(status),
        }
    }

    /// An online payment's status as customers and managers read it ("Payé en ligne",
    /// "Débité", "Remboursé"…).
    pub fn payment_status_online(self, status: PaymentStatus) -> &'static str {
        let (fr, en) = match status {
            PaymentStatus::Pending => ("En attente de paiement", "Awaiting payment"),
            PaymentStatus::Authorised => ("Payé en ligne", "Paid online"),
            PaymentStatus::Paid => ("Débité", "Charged"),
            PaymentStatus::Voided => (
                "Paiement annulé, rien n'a été débité",
                "Payment voided, nothing was charged",
            ),
            PaymentStatus::Failed => ("Paiement échoué", "Payment failed"),
            PaymentStatus::PartlyRefunded => ("Remboursé en partie", "Partly refunded"),
            PaymentStatus::Refunded => ("Remboursé", "Refunded"),
            PaymentStatus::Short => ("Montant incomplet", "Short"),
        };
        match self {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }

    /// A money movement, as the managers' panel lists it.
    pub fn operation(self, kind: OperationKind, state: OperationState) -> String {
        let (kind_fr, kind_en) = match kind {
            OperationKind::Authorise => ("Autorisation", "Authorisation"),
            OperationKind::Capture => ("Débit", "Capture"),
            OperationKind::Void => ("Annulation de l'autorisation", "Void"),
            OperationKind::Refund => ("Remboursement", "Refund"),
        };
        let (state_fr, state_en) = match state {
            OperationState::Pending => ("en cours", "pending"),
            OperationState::Done => ("fait", "done"),
            OperationState::Failed => ("refusé", "failed"),
        };
        match self {
            Lang::Fr => format!("{kind_fr} ({state_fr})"),
            Lang::En => format!("{kind_en} ({state_en})"),
        }
    }

    /// The provider's refusal in this language. Stripe and PayPal answer in English; the
    /// refusals customers meet most are translated, any other is summed up in French (and
    /// shown as is in English).
    pub fn declined(self, message: &str) -> String {
        if self == Lang::En {
            return if message.trim().is_empty() {
                EN.declined_generic.to_owned()
            } else {
                message.trim().to_owned()
            };
        }
        let lower = message.to_lowercase();
        let known = [
            ("insufficient funds", "Votre carte n'a pas assez de fonds."),
            ("expired", "Votre carte a expiré."),
            (
                "security code",
                "Le code de sécurité de la carte est incorrect.",
            ),
            ("incorrect number", "Le numéro de carte est incorrect."),
            ("invalid number", "Le numéro de carte est incorrect."),
            ("authenticat", "L'authentification de la carte a échoué."),
            ("declined", "Votre carte a été refusée."),
        ];
        known
            .iter()
            .find(|(words, _)| lower.contains(words))
            .map_or(FR.declined_generic, |(_, fr)| fr)
            .to_owned()
    }
}

const FR: PaymentTexts = PaymentTexts {
    pay_by_card: "Payer en ligne (carte bancaire)",
    pay_with_paypal: "Payer avec PayPal",
    online_hint: "Le montant est réservé sur votre compte et débité quand la pizzeria commence \
                  votre commande ; rien n'est débité si elle est annulée avant.",
    step_title: "Paiement en ligne",
    card_label: "Carte bancaire",
    loading_card: "Chargement du formulaire de carte…",
    card_failed_to_load: "Le formulaire de carte n'a pas pu être chargé. Vérifiez votre \
                          connexion et réessayez, ou payez autrement.",
    paying: "Paiement en cours…",
    authenticating: "Confirmation auprès de votre banque…",
    authenticate_hint: "Votre banque demande de confirmer ce paiement.",
    authenticate: "Confirmer auprès de ma banque",
    paypal_button: "Payer avec PayPal",
    paypal_hint: "Vous allez être redirigé vers PayPal puis ramené ici.",
    checking: "Vérification du paiement…",
    paypal_cancelled: "Le paiement PayPal n'a pas été fait.",
    declined_generic: "Le paiement a été refusé.",
    unavailable: "Le paiement en ligne est indisponible pour le moment : rien n'a été débité. \
                  Réessayez dans un instant ou payez autrement.",
    try_another_card: "Essayer une autre carte",
    try_paypal_again: "Réessayer avec PayPal",
    pay_on_delivery_instead: "Payer à la livraison à la place",
    pay_at_counter_instead: "Payer au comptoir à la place",
    cancel_order: "Annuler la commande",
    confirm_cancel: "Annuler cette commande ? Rien ne sera débité.",
    yes_cancel: "Oui, annuler",
    keep: "Non, garder",
    deadline_passed: "Le délai de paiement est dépassé : la commande va être annulée.",
    stock_kept: "Vos pizzas vous attendent : les ingrédients sont réservés pendant le paiement.",
    paid_online: "Payé en ligne",
    to_collect: "À encaisser",
    online_pending: "Paiement en ligne en attente",
    panel_title: "Paiement en ligne",
    load_panel: "Voir le paiement",
    authorised: "Autorisé",
    captured: "Débité",
    refunded: "Remboursé",
    operations: "Opérations",
    no_operations: "Aucune opération.",
    refund: "Rembourser",
    refund_amount: "Montant (€)",
    refund_reason: "Motif",
    refund_reason_needed: "Indiquez le motif du remboursement.",
    refund_amount_invalid: "Montant invalide : au plus ce qui reste à rembourser.",
    refund_done: "Remboursement demandé.",
    nothing_to_refund: "Rien à rembourser.",
    by_system: "automatique",
    lookup_label: "Paiement en ligne de la commande n°",
};

const EN: PaymentTexts = PaymentTexts {
    pay_by_card: "Pay online (card)",
    pay_with_paypal: "Pay with PayPal",
    online_hint: "The amount is held on your account and charged when the pizzeria starts \
                  your order; nothing is charged if it is cancelled before.",
    step_title: "Online payment",
    card_label: "Card",
    loading_card: "Loading the card form…",
    card_failed_to_load: "The card form could not be loaded. Check your connection and try \
                          again, or pay another way.",
    paying: "Paying…",
    authenticating: "Confirming with your bank…",
    authenticate_hint: "Your bank asks you to confirm this payment.",
    authenticate: "Confirm with my bank",
    paypal_button: "Pay with PayPal",
    paypal_hint: "You will be taken to PayPal and brought back here.",
    checking: "Checking the payment…",
    paypal_cancelled: "The PayPal payment was not made.",
    declined_generic: "The payment was declined.",
    unavailable: "Online payment is unavailable right now: nothing was charged. Try again in \
                  a moment or pay another way.",
    try_another_card: "Try another card",
    try_paypal_again: "Try PayPal again",
    pay_on_delivery_instead: "Pay on delivery instead",
    pay_at_counter_instead: "Pay at the counter instead",
    cancel_order: "Cancel the order",
    confirm_cancel: "Cancel this order? Nothing will be charged.",
    yes_cancel: "Yes, cancel",
    keep: "No, keep it",
    deadline_passed: "The time to pay is over: the order is being cancelled.",
    stock_kept: "Your pizzas are waiting: their ingredients are kept while you pay.",
    paid_online: "Paid online",
    to_collect: "To collect",
    online_pending: "Online payment pending",
    panel_title: "Online payment",
    load_panel: "See the payment",
    authorised: "Authorised",
    captured: "Captured",
    refunded: "Refunded",
    operations: "Operations",
    no_operations: "No operation.",
    refund: "Refund",
    refund_amount: "Amount (€)",
    refund_reason: "Reason",
    refund_reason_needed: "Give the reason for the refund.",
    refund_amount_invalid: "Invalid amount: at most what is left to refund.",
    refund_done: "Refund requested.",
    nothing_to_refund: "Nothing to refund.",
    by_system: "automatic",
    lookup_label: "Online payment of order no.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_refusal_reads_in_french_and_stays_as_said_in_english() {
        assert_eq!(
            Lang::Fr.declined("Your card was declined."),
            "Votre carte a été refusée."
        );
        assert_eq!(
            Lang::Fr.declined("Your card has insufficient funds."),
            "Votre carte n'a pas assez de fonds."
        );
        assert_eq!(
            Lang::Fr.declined("Something unheard of"),
            "Le paiement a été refusé."
        );
        assert_eq!(
            Lang::En.declined("Your card was declined."),
            "Your card was declined."
        );
        assert_eq!(Lang::En.declined(" "), "The payment was declined.");
    }

    #[test]
    fn staff_see_whether_money_is_still_to_collect() {
        use PaymentMethod as M;
        use PaymentStatus as S;
        let fr = Lang::Fr;
        assert_eq!(fr.money_badge(M::Online, S::Authorised), "Payé en ligne");
        assert_eq!(fr.money_badge(M::Online, S::Paid), "Payé en ligne");
        assert_eq!(fr.money_badge(M::CashOnDelivery, S::Pending), "À encaisser");
        assert_eq!(fr.money_badge(M::AtCounter, S::Pending), "À encaisser");
        assert_eq!(fr.money_badge(M::Online, S::Refunded), "Remboursé");
        assert_eq!(Lang::En.pay_amount(Money(2350)), "Pay 23,50 €");
        assert_eq!(fr.pay_amount(Money(2350)), "Payer 23,50 €");
        assert_eq!(fr.time_left(725), "encore 12 min 05 s");
    }
}
