//! Texts of the account pages: the forgotten password, the new password from the e-mailed
//! link, and the customer's orders.

use super::Lang;

/// Every text of the account pages.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct AccountTexts {
    pub forgot_link: &'static str,
    pub forgot_title: &'static str,
    pub forgot_intro: &'static str,
    pub send_link: &'static str,
    pub sending: &'static str,
    pub link_sent: &'static str,
    pub link_sent_hint: &'static str,
    pub back_to_login: &'static str,
    pub reset_title: &'static str,
    pub new_password: &'static str,
    pub new_password_again: &'static str,
    pub password_hint: &'static str,
    pub passwords_differ: &'static str,
    pub save_password: &'static str,
    pub password_changed: &'static str,
    pub no_token: &'static str,
    pub ask_new_link: &'static str,
    pub my_orders: &'static str,
    pub current_orders: &'static str,
    pub past_orders: &'static str,
    pub no_orders: &'static str,
    pub order_number: &'static str,
    pub follow_order: &'static str,
    pub see_order: &'static str,
    pub login_to_see: &'static str,
}

impl Lang {
    /// The account pages' texts in this language.
    pub fn account(self) -> &'static AccountTexts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }
}

const FR: AccountTexts = AccountTexts {
    forgot_link: "Mot de passe oublié ?",
    forgot_title: "Mot de passe oublié",
    forgot_intro: "Indiquez l'adresse e-mail de votre compte\u{a0}: nous vous envoyons un lien pour \
                   choisir un nouveau mot de passe.",
    send_link: "Envoyer le lien",
    sending: "Envoi…",
    link_sent: "Si un compte existe pour cette adresse, un e-mail vient de partir.",
    link_sent_hint: "Le lien fonctionne une seule fois, pendant 30 minutes. Pensez à regarder \
                     dans les indésirables.",
    back_to_login: "Retour à la connexion",
    reset_title: "Nouveau mot de passe",
    new_password: "Nouveau mot de passe",
    new_password_again: "Le même, encore une fois",
    password_hint: "Au moins 10 caractères, difficile à deviner : une phrase de quelques mots \
                    fait l'affaire.",
    passwords_differ: "Les deux mots de passe ne sont pas les mêmes.",
    save_password: "Enregistrer le mot de passe",
    password_changed: "Mot de passe changé : connectez-vous avec le nouveau. Vos autres \
                       sessions ont été fermées.",
    no_token: "Ce lien est incomplet : ouvrez celui de l'e-mail reçu, ou demandez-en un nouveau.",
    ask_new_link: "Demander un nouveau lien",
    my_orders: "Mes commandes",
    current_orders: "En cours",
    past_orders: "Passées",
    no_orders: "Aucune commande pour l'instant.",
    order_number: "Commande n° ",
    follow_order: "Suivre la commande",
    see_order: "Voir la commande",
    login_to_see: "Connectez-vous pour voir vos commandes.",
};

const EN: AccountTexts = AccountTexts {
    forgot_link: "Forgot your password?",
    forgot_title: "Forgotten password",
    forgot_intro: "Enter your account's e-mail address: we will send you a link to choose a \
                   new password.",
    send_link: "Send the link",
    sending: "Sending…",
    link_sent: "If an account exists for this address, an e-mail is on its way.",
    link_sent_hint: "The link works once, for 30 minutes. Check your spam folder too.",
    back_to_login: "Back to login",
    reset_title: "New password",
    new_password: "New password",
    new_password_again: "The same again",
    password_hint: "At least 10 characters, hard to guess: a phrase of a few words will do.",
    passwords_differ: "The two passwords are not the same.",
    save_password: "Save the password",
    password_changed: "Password changed: log in with the new one. Your other sessions were \
                       logged out.",
    no_token: "This link is incomplete: open the one in the e-mail you received, or ask for a \
               new one.",
    ask_new_link: "Ask for a new link",
    my_orders: "My orders",
    current_orders: "Current",
    past_orders: "Past",
    no_orders: "No orders yet.",
    order_number: "Order #",
    follow_order: "Track the order",
    see_order: "See the order",
    login_to_see: "Log in to see your orders.",
};
