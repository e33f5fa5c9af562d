//! Texts of the audit page (`/manage/audit`): its filters, its list and the names of the
//! actions it shows.

use super::Lang;

/// Every text of the audit page.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct AuditTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub shop: &'static str,
    pub all_shops: &'static str,
    pub actor: &'static str,
    pub action: &'static str,
    pub all_actions: &'static str,
    pub order: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub filter: &'static str,
    pub export_csv: &'static str,
    pub when: &'static str,
    pub who: &'static str,
    pub what: &'static str,
    pub subject: &'static str,
    pub reason: &'static str,
    pub change: &'static str,
    pub nobody: &'static str,
    pub group: &'static str,
    pub empty: &'static str,
    pub more: &'static str,
    /// Families of actions offered in the filter: `(value, label)`.
    pub families: [(&'static str, &'static str); 8],
}

impl Lang {
    /// The audit page's texts in this language.
    pub fn audit(self) -> &'static AuditTexts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }

    /// What an action of the trail means, in words (the code itself when unknown).
    pub fn audit_action(self, action: &str) -> String {
        let (fr, en) = match action {
            "order.placed" => ("Commande passée", "Order placed"),
            "order.edited" => ("Commande modifiée", "Order edited"),
            "order.status_changed" => ("Étape de commande", "Order stage"),
            "order.cancelled" => ("Commande annulée", "Order cancelled"),
            "order.driver_assigned" => ("Livreur attribué", "Driver assigned"),
            "order.payment" => ("Paiement", "Payment"),
            "shop.paused" => ("Boutique en pause", "Shop paused"),
            "shop.resumed" => ("Boutique rouverte", "Shop resumed"),
            "maintenance.on" => ("Maintenance activée", "Maintenance on"),
            "maintenance.off" => ("Maintenance terminée", "Maintenance off"),
            "cash.handed_over" => ("Remise de caisse", "Cash handed over"),
            "auth.login" => ("Connexion", "Login"),
            "auth.login_failed" => ("Connexion refusée", "Failed login"),
            "auth.logout" => ("Déconnexion", "Logout"),
            "auth.password_reset" => ("Mot de passe réinitialisé", "Password reset"),
            "staff.role_granted" => ("Rôle attribué", "Role granted"),
            "staff.role_removed" => ("Rôle retiré", "Role removed"),
            "staff.invited" => ("Invitation envoyée", "Invitation sent"),
            "staff.invitation_withdrawn" => ("Invitation retirée", "Invitation withdrawn"),
            "staff.invitation_declined" => ("Invitation refusée", "Invitation declined"),
            "stock.restock" => ("Réception de stock", "Restock"),
            "stock.waste" => ("Perte de stock", "Waste"),
            "stock.correction" => ("Inventaire", "Stock count"),
            "privacy.exported" => ("Export de données personnelles", "Personal data exported"),
            "privacy.erased" => ("Effacement de données personnelles", "Personal data erased"),
            "privacy.account_deleted" => ("Compte supprimé par son titulaire", "Account deleted"),
            "privacy.guest_orders_anonymised" => {
                ("Commandes d’invités anonymisées", "Guest orders anonymised")
            }
            other => return other.to_owned(),
        };
        self.pick(fr, en).to_owned()
    }
}

const FR: AuditTexts = AuditTexts {
    title: "Journal d’audit",
    intro: "Qui a fait quoi, et quand : commandes, stock, équipes, connexions, données \
            personnelles. Les plus récentes d’abord.",
    shop: "Boutique",
    all_shops: "Toutes",
    actor: "Auteur (nom)",
    action: "Action",
    all_actions: "Toutes",
    order: "N° de commande",
    from: "Du",
    to: "Au",
    filter: "Filtrer",
    export_csv: "Exporter en CSV",
    when: "Quand",
    who: "Qui",
    what: "Quoi",
    subject: "Objet",
    reason: "Motif",
    change: "Avant → après",
    nobody: "Invité ou système",
    group: "Groupe",
    empty: "Aucune entrée pour ces filtres.",
    more: "Entrées plus anciennes",
    families: [
        ("order", "Commandes"),
        ("stock", "Stock"),
        ("staff", "Équipes"),
        ("auth", "Connexions"),
        ("shop", "Boutiques"),
        ("cash", "Caisse"),
        ("privacy", "Données personnelles"),
        ("maintenance", "Maintenance"),
    ],
};

const EN: AuditTexts = AuditTexts {
    title: "Audit trail",
    intro: "Who did what, and when: orders, stock, staff, logins, personal data. Newest first.",
    shop: "Shop",
    all_shops: "All",
    actor: "Actor (name)",
    action: "Action",
    all_actions: "All",
    order: "Order number",
    from: "From",
    to: "To",
    filter: "Filter",
    export_csv: "Export as CSV",
    when: "When",
    who: "Who",
    what: "What",
    subject: "Subject",
    reason: "Reason",
    change: "Before → after",
    nobody: "Guest or system",
    group: "Group",
    empty: "No entries for these filters.",
    more: "Older entries",
    families: [
        ("order", "Orders"),
        ("stock", "Stock"),
        ("staff", "Staff"),
        ("auth", "Logins"),
        ("shop", "Shops"),
        ("cash", "Cash"),
        ("privacy", "Personal data"),
        ("maintenance", "Maintenance"),
    ],
};
