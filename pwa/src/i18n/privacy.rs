//! Texts of personal data: "Mes données" on the customer's account page and the
//! administrators' page (`/manage/privacy`).

use super::Lang;

/// Every text of the personal data screens.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct PrivacyTexts {
    pub my_data: &'static str,
    pub my_data_intro: &'static str,
    pub download: &'static str,
    pub delete_title: &'static str,
    pub delete_intro: &'static str,
    pub password: &'static str,
    pub delete_button: &'static str,
    pub deleting: &'static str,
    pub deleted: &'static str,
    pub admin_title: &'static str,
    pub admin_intro: &'static str,
    pub email: &'static str,
    pub export_button: &'static str,
    pub exported: &'static str,
    pub account_found: &'static str,
    pub no_account: &'static str,
    pub orders_found: &'static str,
    pub save_file: &'static str,
    pub reason: &'static str,
    pub confirm_erase: &'static str,
    pub erase_button: &'static str,
    pub erased_account: &'static str,
    pub erased_orders: &'static str,
    pub admin_only: &'static str,
}

impl Lang {
    /// The personal data screens' texts in this language.
    pub fn privacy(self) -> &'static PrivacyTexts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }
}

const FR: PrivacyTexts = PrivacyTexts {
    my_data: "Mes données",
    my_data_intro: "Téléchargez tout ce que nous conservons sur vous : votre compte, vos \
                    commandes et leurs adresses, vos abonnements aux notifications.",
    download: "Télécharger mes données",
    delete_title: "Supprimer mon compte",
    delete_intro: "Vos nom, e-mail et téléphone sont effacés et vos sessions fermées. Vos \
                   commandes restent dans nos comptes, sans rien qui vous identifie. \
                   Cette suppression est définitive.",
    password: "Votre mot de passe, pour confirmer",
    delete_button: "Supprimer définitivement mon compte",
    deleting: "Suppression…",
    deleted: "Votre compte a été supprimé. Merci d’avoir commandé chez nous.",
    admin_title: "Données personnelles (RGPD)",
    admin_intro: "À la demande d’une personne : exporter ou effacer ses données, retrouvées \
                  par son adresse e-mail (son compte et ses commandes passées en invité). \
                  Chaque demande est inscrite au journal d’audit.",
    email: "Adresse e-mail de la personne",
    export_button: "Exporter ses données",
    exported: "Données trouvées",
    account_found: "un compte",
    no_account: "aucun compte (commandes en invité seulement)",
    orders_found: "commandes :",
    save_file: "Enregistrer le fichier",
    reason: "Motif (référence de la demande)",
    confirm_erase: "Je confirme l’effacement : il est définitif.",
    erase_button: "Effacer ses données",
    erased_account: "Compte supprimé.",
    erased_orders: "Commandes anonymisées :",
    admin_only: "Réservé à l’administration du groupe.",
};

const EN: PrivacyTexts = PrivacyTexts {
    my_data: "My data",
    my_data_intro: "Download everything we keep about you: your account, your orders and \
                    their addresses, your notification subscriptions.",
    download: "Download my data",
    delete_title: "Delete my account",
    delete_intro: "Your name, e-mail and phone are erased and your sessions closed. Your \
                   orders stay in our accounts, with nothing that identifies you. This cannot \
                   be undone.",
    password: "Your password, to confirm",
    delete_button: "Delete my account for good",
    deleting: "Deleting…",
    deleted: "Your account was deleted. Thank you for ordering from us.",
    admin_title: "Personal data (GDPR)",
    admin_intro: "On a person's request: export or erase their data, found by their e-mail \
                  address (their account and the orders they placed as a guest). Each request \
                  is written in the audit trail.",
    email: "The person's e-mail address",
    export_button: "Export their data",
    exported: "Data found",
    account_found: "an account",
    no_account: "no account (guest orders only)",
    orders_found: "orders:",
    save_file: "Save the file",
    reason: "Reason (the request's reference)",
    confirm_erase: "I confirm the erasure: it cannot be undone.",
    erase_button: "Erase their data",
    erased_account: "Account deleted.",
    erased_orders: "Orders anonymised:",
    admin_only: "For the group's administrators only.",
};
