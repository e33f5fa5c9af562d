//! Errors in the customer's language: a text per API error code, per field problem found at
//! checkout, and the words of a stock-out or a missing shop. The API's English `message` is
//! for logs and programs; the interface shows these instead.

use super::Lang;
use crate::services::api::ApiFailure;
use crate::state::validate::Problem;
use ocpizza_proto::ErrorCode;

/// Texts around errors that are not a single code.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct ErrorTexts {
    pub check_fields: &'static str,
    pub not_enough_for: &'static str,
    pub remove_line: &'static str,
    pub take_size: &'static str,
    pub line_refused: &'static str,
    pub shop_missing: &'static str,
    pub shop_missing_hint: &'static str,
    pub network: &'static str,
}

impl Lang {
    /// What an API error code means for the person using the app.
    pub fn error(self, code: ErrorCode) -> &'static str {
        use ErrorCode as C;
        let (fr, en) = match code {
            C::InvalidInput => (
                "Certaines informations sont à corriger.",
                "Some details need correcting.",
            ),
            C::Unauthenticated => (
                "Connectez-vous pour continuer.",
                "Please log in to continue.",
            ),
            C::Forbidden => (
                "Votre compte ne permet pas cette action.",
                "Your account cannot do this.",
            ),
            C::NotFound => (
                "Introuvable : ceci n'existe pas ou plus.",
                "Not found: this does not exist any more.",
            ),
            C::OutOfStock => (
                "Plus assez d'ingrédients pour une pizza du panier.",
                "Not enough ingredients left for a pizza in the cart.",
            ),
            C::StaleVersion => (
                "La commande a changé entre-temps : voici la version à jour.",
                "The order changed in the meantime: here is the current version.",
            ),
            C::InvalidTransition => (
                "Trop tard : la commande a déjà avancé.",
                "Too late: the order has already moved on.",
            ),
            C::OrderCancelled => ("Cette commande a été annulée.", "This order was cancelled."),
            C::AssignedToOtherDriver => (
                "Un autre livreur a pris cette commande.",
                "Another driver has this order.",
            ),
            C::NotOutForDelivery => (
                "Cette commande n'est pas en livraison.",
                "This order is not out for delivery.",
            ),
            C::TrackingExpired => (
                "Ce lien de suivi a expiré : la commande est terminée depuis un moment.",
                "This tracking link has expired: the order was finished a while ago.",
            ),
            C::ShopPaused => (
                "La pizzeria a suspendu les commandes pour l'instant.",
                "The pizzeria has paused orders for now.",
            ),
            C::ShopClosed => (
                "La pizzeria est fermée à cette heure-ci.",
                "The pizzeria is closed at this hour.",
            ),
            C::Conflict => (
                "Cette valeur est déjà utilisée.",
                "This value is already taken.",
            ),
            C::IdempotencyKeyReused => (
                "Le panier a changé pendant l'envoi : vérifiez-le et renvoyez.",
                "The cart changed while sending: check it and send again.",
            ),
            C::RateLimited => (
                "Trop d'essais : réessayez dans un moment.",
                "Too many attempts: try again in a moment.",
            ),
            C::TooManyOpenOrders => (
                "Ce numéro a déjà trop de commandes en cours dans cette pizzeria.",
                "This number already has too many orders waiting at this pizzeria.",
            ),
            C::PayloadTooLarge => ("Trop de données envoyées.", "Too much data sent."),
            C::BadOrigin => (
                "Requête refusée : rechargez la page.",
                "Request refused: reload the page.",
            ),
            C::Internal => (
                "Un problème de notre côté : réessayez dans un instant.",
                "A problem on our side: try again in a moment.",
            ),
            C::Unavailable => (
                "Service momentanément indisponible : réessayez dans un instant.",
                "Service briefly unavailable: try again in a moment.",
            ),
            C::Maintenance => (
                "Site en maintenance : les commandes reprennent bientôt.",
                "Site under maintenance: ordering resumes shortly.",
            ),
            C::PaymentDeclined => (
                "Le paiement a été refusé : essayez une autre carte ou payez à la livraison.",
                "The payment was declined: try another card or pay on delivery.",
            ),
            C::PaymentUnavailable => (
                "Le paiement en ligne est indisponible pour le moment : rien n'a été débité. \
                 Réessayez ou choisissez de payer à la livraison.",
                "Online payment is unavailable right now: nothing was charged. Try again or \
                 pay on delivery.",
            ),
            C::BadSignature => (
                "Notification de paiement refusée.",
                "Payment notification refused.",
            ),
            C::ResetLinkInvalid => (
                "Ce lien de réinitialisation n'est pas valable : demandez-en un nouveau.",
                "This reset link is not valid: ask for a new one.",
            ),
            C::ResetLinkExpired => (
                "Ce lien de réinitialisation a expiré ou a déjà servi : demandez-en un nouveau.",
                "This reset link has expired or was already used: ask for a new one.",
            ),
        };
        self.pick(fr, en)
    }

    /// A failed request in words: the code's text, or "no answer" when none came.
    pub fn failure(self, failure: &ApiFailure) -> String {
        match failure {
            ApiFailure::Server(_, body) => self.error(body.error.code).to_owned(),
            ApiFailure::Network(_) | ApiFailure::Decode(_) => self.errors().network.to_owned(),
        }
    }

    /// The language the page is shown in (the app keeps the document's `lang` attribute in
    /// step with the session), for code that has no session at hand.
    pub fn of_document() -> Lang {
        let tag = gloo::utils::document()
            .document_element()
            .and_then(|e| e.get_attribute("lang"))
            .unwrap_or_default();
        Lang::from_tag(&tag)
    }

    /// What is wrong with a field, in a sentence.
    pub fn problem(self, problem: &Problem) -> String {
        let fr = self == Lang::Fr;
        let text = |f: &str, e: &str| if fr { f.to_owned() } else { e.to_owned() };
        match problem {
            Problem::Required => text("Ce champ est obligatoire.", "This field is required."),
            Problem::TooShort(n) if fr => format!("Au moins {n} caractères."),
            Problem::TooShort(n) => format!("At least {n} characters."),
            Problem::TooLong(n) if fr => format!("{n} caractères au plus."),
            Problem::TooLong(n) => format!("At most {n} characters."),
            Problem::ControlCharacters => text(
                "Caractères de contrôle (tabulation…) non acceptés.",
                "Control characters (tab…) are not accepted.",
            ),
            Problem::InvisibleCharacters => text(
                "Caractères invisibles ou de sens d'écriture non acceptés.",
                "Invisible or direction-changing characters are not accepted.",
            ),
            Problem::NotAnEmail => text(
                "Adresse e-mail invalide (exemple : nom@domaine.fr).",
                "Not a valid e-mail address (e.g. name@domain.com).",
            ),
            Problem::NotAPhone => text(
                "Numéro de téléphone invalide (exemple : 06 12 34 56 78).",
                "Not a valid phone number (e.g. +33 6 12 34 56 78).",
            ),
            Problem::NotAPostcode => text("Code postal à 5 chiffres.", "A 5-digit postcode."),
            Problem::NotDelivered => text(
                "Cette pizzeria ne livre pas ce code postal.",
                "This pizzeria does not deliver to this postcode.",
            ),
            Problem::OutOfRange(min, max) if fr => format!("Un nombre entre {min} et {max}."),
            Problem::OutOfRange(min, max) => format!("A number between {min} and {max}."),
            Problem::BelowReserved(n) if fr => format!(
                "{n} sont réservés par des commandes en cours : comptez-en au moins autant."
            ),
            Problem::BelowReserved(n) => {
                format!("{n} are reserved by placed orders: count at least that many.")
            }
            Problem::WeakPassword => text(
                "Mot de passe trop facile à deviner : ajoutez un ou deux mots peu courants.",
                "Password too easy to guess: add another word or two, uncommon ones.",
            ),
            Problem::Refused => text(
                "Valeur refusée : vérifiez ce champ.",
                "Value refused: check this field.",
            ),
        }
    }

    /// The texts around errors in this language.
    pub fn errors(self) -> &'static ErrorTexts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }
}

const FR: ErrorTexts = ErrorTexts {
    check_fields: "Vérifiez les champs signalés.",
    not_enough_for: "Plus assez d'ingrédients pour",
    remove_line: "Retirer du panier",
    take_size: "Prendre en",
    line_refused: "Cette ligne ne peut pas être commandée.",
    shop_missing: "Cette pizzeria n'existe pas",
    shop_missing_hint: "Le lien est peut-être ancien. Choisissez une pizzeria dans la liste.",
    network: "Pas de réponse du serveur : vérifiez la connexion et réessayez.",
};

const EN: ErrorTexts = ErrorTexts {
    check_fields: "Check the fields marked.",
    not_enough_for: "Not enough ingredients left for",
    remove_line: "Remove from the cart",
    take_size: "Take it",
    line_refused: "This line cannot be ordered.",
    shop_missing: "This pizzeria does not exist",
    shop_missing_hint: "The link may be old. Pick a pizzeria from the list.",
    network: "No answer from the server: check the connection and try again.",
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code, listed through a `match` so that a new code fails to compile here until it
    /// is added (and given its texts above).
    fn every_code() -> Vec<ErrorCode> {
        use ErrorCode as C;
        let all = [
            C::InvalidInput,
            C::Unauthenticated,
            C::Forbidden,
            C::NotFound,
            C::OutOfStock,
            C::StaleVersion,
            C::InvalidTransition,
            C::OrderCancelled,
            C::AssignedToOtherDriver,
            C::NotOutForDelivery,
            C::TrackingExpired,
            C::ShopPaused,
            C::ShopClosed,
            C::Conflict,
            C::IdempotencyKeyReused,
            C::RateLimited,
            C::TooManyOpenOrders,
            C::PayloadTooLarge,
            C::BadOrigin,
            C::Internal,
            C::Unavailable,
            C::Maintenance,
            C::PaymentDeclined,
            C::PaymentUnavailable,
            C::BadSignature,
            C::ResetLinkInvalid,
            C::ResetLinkExpired,
        ];
        for code in all {
            match code {
                C::InvalidInput
                | C::Unauthenticated
                | C::Forbidden
                | C::NotFound
                | C::OutOfStock
                | C::StaleVersion
                | C::InvalidTransition
                | C::OrderCancelled
                | C::AssignedToOtherDriver
                | C::NotOutForDelivery
                | C::TrackingExpired
                | C::ShopPaused
                | C::ShopClosed
                | C::Conflict
                | C::IdempotencyKeyReused
                | C::RateLimited
                | C::TooManyOpenOrders
                | C::PayloadTooLarge
                | C::BadOrigin
                | C::Internal
                | C::Unavailable
                | C::Maintenance
                | C::PaymentDeclined
                | C::PaymentUnavailable
                | C::BadSignature
                | C::ResetLinkInvalid
                | C::ResetLinkExpired => {}
            }
        }
        all.to_vec()
    }

    #[test]
    fn every_error_code_has_a_french_and_an_english_text() {
        for code in every_code() {
            let (fr, en) = (Lang::Fr.error(code), Lang::En.error(code));
            assert!(!fr.trim().is_empty(), "{code:?} has no French text");
            assert!(!en.trim().is_empty(), "{code:?} has no English text");
            assert_ne!(fr, en, "{code:?} is not translated");
        }
    }

    #[test]
    fn every_field_problem_reads_in_both_languages() {
        let problems = [
            Problem::Required,
            Problem::TooShort(3),
            Problem::TooLong(100),
            Problem::ControlCharacters,
            Problem::InvisibleCharacters,
            Problem::NotAnEmail,
            Problem::NotAPhone,
            Problem::NotAPostcode,
            Problem::NotDelivered,
            Problem::OutOfRange(0, 10),
            Problem::BelowReserved(4),
            Problem::WeakPassword,
            Problem::Refused,
        ];
        for p in &problems {
            assert_ne!(Lang::Fr.problem(p), Lang::En.problem(p), "{p:?}");
        }
        assert_eq!(
            Lang::Fr.problem(&Problem::Required),
            "Ce champ est obligatoire."
        );
    }
}
