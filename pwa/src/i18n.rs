//! French by default, English available: every visible text, per language.

use ocpizza_proto::api::Allergen;
use ocpizza_proto::{OrderStatus, PaymentMethod, PaymentStatus};
use serde::{Deserialize, Serialize};

mod account;
mod alerts;
mod audit;
mod cash;
mod catalogue;
mod counter;
mod driver;
mod errors;
mod eta;
mod hours;
mod invitations;
mod kitchen;
mod maintenance;
mod ordering;
mod payment;
mod privacy;
mod push;
mod reports;
mod road;
mod shop_admin;

pub use account::AccountTexts;
pub use alerts::AlertTexts;
pub use audit::AuditTexts;
pub use cash::CashTexts;
pub use catalogue::CatalogueTexts;
pub use counter::CounterTexts;
pub use driver::DriverTexts;
pub use errors::ErrorTexts;
pub use eta::EtaTexts;
pub use hours::HoursTexts;
pub use invitations::InvitationTexts;
pub use kitchen::KitchenTexts;
pub use maintenance::MaintenanceTexts;
pub use ordering::OrderingTexts;
pub use payment::PaymentTexts;
pub use privacy::PrivacyTexts;
pub use push::PushTexts;
pub use reports::ReportTexts;
pub use road::RoadTexts;
pub use shop_admin::ShopAdminTexts;

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    /// Français (default).
    Fr,
    /// English.
    En,
}

impl Lang {
    /// From a BCP-47 tag such as the browser's `navigator.language`.
    pub fn from_tag(tag: &str) -> Lang {
        if tag.to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Fr
        }
    }

    /// The other language (for the switch).
    #[must_use]
    pub fn other(self) -> Lang {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }

    /// `lang` attribute value.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// The name of an allergen in this language.
    pub fn allergen(self, a: Allergen) -> &'static str {
        use Allergen as A;
        let (fr, en) = match a {
            A::Gluten => ("gluten", "gluten"),
            A::Crustaceans => ("crustacés", "crustaceans"),
            A::Eggs => ("œufs", "eggs"),
            A::Fish => ("poisson", "fish"),
            A::Peanuts => ("arachides", "peanuts"),
            A::Soybeans => ("soja", "soy"),
            A::Milk => ("lait", "milk"),
            A::Nuts => ("fruits à coque", "tree nuts"),
            A::Celery => ("céleri", "celery"),
            A::Mustard => ("moutarde", "mustard"),
            A::Sesame => ("sésame", "sesame"),
            A::Sulphites => ("sulfites", "sulphites"),
            A::Lupin => ("lupin", "lupin"),
            A::Molluscs => ("mollusques", "molluscs"),
        };
        match self {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }

    /// The customer's name of an order status.
    pub fn status(self, status: OrderStatus) -> &'static str {
        use OrderStatus as S;
        let (fr, en) = match status {
            S::AwaitingPayment => ("Paiement en attente", "Awaiting payment"),
            S::Placed => ("Commande reçue", "Order received"),
            S::Preparing => ("En préparation", "Being prepared"),
            S::Ready => ("Prête", "Ready"),
            S::OutForDelivery => ("En livraison", "Out for delivery"),
            S::Delivered => ("Livrée", "Delivered"),
            S::Collected => ("Récupérée", "Collected"),
            S::DeliveryFailed => ("Livraison impossible", "Delivery failed"),
            S::Cancelled => ("Annulée", "Cancelled"),
        };
        self.pick(fr, en)
    }

    /// The name of a pizza size from its code (the code itself when unknown).
    pub fn size(self, code: &str) -> String {
        let (fr, en) = match code {
            "small" => ("Petite", "Small"),
            "medium" => ("Moyenne", "Medium"),
            "large" => ("Grande", "Large"),
            other => return other.to_owned(),
        };
        self.pick(fr, en).to_owned()
    }

    /// The name of a payment method.
    pub fn payment(self, method: PaymentMethod) -> &'static str {
        let t = self.texts();
        match method {
            PaymentMethod::CashOnDelivery => t.pay_on_delivery,
            PaymentMethod::AtCounter => t.pay_at_counter,
            PaymentMethod::Online => t.pay_online,
            PaymentMethod::CardOnDelivery => self.driver().card_on_delivery,
        }
    }

    /// Whether the money was received, in words.
    pub fn payment_status(self, status: PaymentStatus) -> &'static str {
        let t = self.texts();
        match status {
            PaymentStatus::Pending => t.to_pay,
            PaymentStatus::Paid => t.paid,
            PaymentStatus::Refunded => t.refunded,
            PaymentStatus::Short => t.cash_short,
            PaymentStatus::Authorised => self.pick("autorisé en ligne", "authorised online"),
            PaymentStatus::Voided => self.pick("autorisation annulée", "authorisation voided"),
            PaymentStatus::Failed => self.pick("paiement refusé", "payment failed"),
            PaymentStatus::PartlyRefunded => self.pick("remboursée en partie", "partly refunded"),
        }
    }

    fn pick(self, fr: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }

    /// The texts of this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }
}

/// Every text of the interface.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct Texts {
    pub app_name: &'static str,
    pub kitchen_title: &'static str,
    pub col_placed: &'static str,
    pub col_preparing: &'static str,
    pub col_ready: &'static str,
    pub sending: &'static str,
    pub dismiss: &'static str,
    pub age_fresh: &'static str,
    pub age_waiting: &'static str,
    pub age_late: &'static str,
    pub empty_column: &'static str,
    pub staff_only: &'static str,
    pub no_kitchen: &'static str,
    pub shop_label: &'static str,
    pub recipe_card: &'static str,
    pub ingredients: &'static str,
    pub steps: &'static str,
    pub oven: &'static str,
    pub close: &'static str,
    pub pizzas_count: &'static str,
    pub recipes_title: &'static str,
    pub recipe_search: &'static str,
    pub no_match: &'static str,
    pub extras_added: &'static str,
    pub driver_label: &'static str,
    pub waiting_driver: &'static str,
    pub waiting_customer: &'static str,
    pub shops_title: &'static str,
    pub open: &'static str,
    pub closed: &'static str,
    pub paused: &'static str,
    pub see_menu: &'static str,
    pub unavailable: &'static str,
    pub left: &'static str,
    pub allergens: &'static str,
    pub extras: &'static str,
    pub login: &'static str,
    pub logout: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub login_failed: &'static str,
    pub online: &'static str,
    pub connecting: &'static str,
    pub offline: &'static str,
    pub loading: &'static str,
    pub load_failed: &'static str,
    pub not_found: &'static str,
    pub back_to_shops: &'static str,
    pub switch_language: &'static str,
    pub add: &'static str,
    pub add_to_cart: &'static str,
    pub cart_title: &'static str,
    pub cart_empty: &'static str,
    pub quantity: &'static str,
    pub one_less: &'static str,
    pub one_more: &'static str,
    pub remove: &'static str,
    pub line_note: &'static str,
    pub line_note_hint: &'static str,
    pub total: &'static str,
    pub pizzas: &'static str,
    pub to_checkout: &'static str,
    pub available_now: &'static str,
    pub no_longer_on_menu: &'static str,
    pub fix_cart: &'static str,
    pub checkout_title: &'static str,
    pub back_to_menu: &'static str,
    pub summary: &'static str,
    pub fulfilment: &'static str,
    pub delivery: &'static str,
    pub pickup: &'static str,
    pub pickup_at: &'static str,
    pub address: &'static str,
    pub street: &'static str,
    pub postcode: &'static str,
    pub city: &'static str,
    pub instructions: &'static str,
    pub delivers_to: &'static str,
    /// The delivery fee's line in the checkout's summary.
    pub delivery_fee: &'static str,
    /// Before the smallest delivery, counted on the pizzas ("… 15,00 €").
    pub delivery_minimum: &'static str,
    /// Before what the cart still lacks to reach it.
    pub delivery_missing: &'static str,
    pub contact: &'static str,
    pub name: &'static str,
    pub phone: &'static str,
    pub email_optional: &'static str,
    pub order_note: &'static str,
    pub note: &'static str,
    pub payment: &'static str,
    pub pay_on_delivery: &'static str,
    pub pay_at_counter: &'static str,
    pub pay_online: &'static str,
    pub place_order: &'static str,
    pub placing: &'static str,
    pub network_error: &'static str,
    pub refused: &'static str,
    pub out_of_stock: &'static str,
    pub shop_paused_error: &'static str,
    pub shop_closed_error: &'static str,
    pub order_no: &'static str,
    pub share_hint: &'static str,
    pub progress: &'static str,
    pub your_order: &'static str,
    pub paid: &'static str,
    pub to_pay: &'static str,
    pub refunded: &'static str,
    pub cash_short: &'static str,
    pub driver: &'static str,
    pub edit_order: &'static str,
    pub cancel_order: &'static str,
    pub confirm_cancel: &'static str,
    pub yes_cancel: &'static str,
    pub keep_order: &'static str,
    pub save_changes: &'static str,
    pub discard: &'static str,
    pub keep_one_line: &'static str,
    pub stale: &'static str,
    pub too_late: &'static str,
    pub saved: &'static str,
    pub cancelled_final: &'static str,
    pub reason: &'static str,
    pub done_final: &'static str,
    pub failed_final: &'static str,
    pub order_not_found: &'static str,
    pub tracking_expired: &'static str,
    pub log_in_to_change: &'static str,
    pub back_to_counter: &'static str,
}

static FR: Texts = Texts {
    app_name: "OC Pizza",
    kitchen_title: "Cuisine",
    col_placed: "À préparer",
    col_preparing: "En préparation",
    col_ready: "Prêtes",
    sending: "Envoi…",
    dismiss: "Vu",
    age_fresh: "à l'heure",
    age_waiting: "attente",
    age_late: "en retard",
    empty_column: "Rien ici pour l'instant.",
    staff_only: "Cet écran est réservé au personnel. Connectez-vous avec un compte de cuisine.",
    no_kitchen: "Votre compte n'est rattaché à aucune cuisine.",
    shop_label: "Pizzeria",
    recipe_card: "Fiche recette",
    ingredients: "Ingrédients",
    steps: "Étapes",
    oven: "Four",
    close: "Fermer",
    pizzas_count: "pizza(s)",
    recipes_title: "Recettes",
    recipe_search: "Rechercher une pizza ou un ingrédient",
    no_match: "Aucune pizza ne correspond.",
    extras_added: "Suppléments",
    driver_label: "Livreur :",
    waiting_driver: "En attente d'un livreur",
    waiting_customer: "Attend le client",
    shops_title: "Choisissez votre pizzeria",
    open: "Ouvert",
    closed: "Fermé",
    paused: "Commandes suspendues",
    see_menu: "Voir la carte",
    unavailable: "plus disponible",
    left: "restantes",
    allergens: "Allergènes :",
    extras: "Suppléments",
    login: "Se connecter",
    logout: "Se déconnecter",
    email: "Adresse e-mail",
    password: "Mot de passe",
    login_failed: "E-mail ou mot de passe incorrect.",
    online: "En direct",
    connecting: "Connexion…",
    offline: "Hors ligne — reconnexion automatique",
    loading: "Chargement…",
    load_failed: "Impossible de charger. Nouvel essai dans un instant.",
    not_found: "Page introuvable.",
    back_to_shops: "← Toutes les pizzerias",
    switch_language: "English",
    add: "Ajouter",
    add_to_cart: "Ajouter au panier :",
    cart_title: "Votre panier",
    cart_empty: "Votre panier est vide.",
    quantity: "Quantité",
    one_less: "Un de moins",
    one_more: "Un de plus",
    remove: "Retirer",
    line_note: "Note pour la cuisine",
    line_note_hint: "bien cuite, sans olives…",
    total: "Total",
    pizzas: "pizza(s)",
    to_checkout: "Commander",
    available_now: "disponible(s) maintenant :",
    no_longer_on_menu: "n'est plus à la carte",
    fix_cart: "Ajustez votre panier : une pizza n'est plus disponible en quantité suffisante.",
    checkout_title: "Finaliser la commande",
    back_to_menu: "← Retour à la carte",
    summary: "Récapitulatif",
    fulfilment: "Livraison ou à emporter",
    delivery: "Livraison",
    pickup: "À emporter",
    pickup_at: "À retirer à :",
    address: "Adresse de livraison",
    street: "Rue et numéro",
    postcode: "Code postal",
    city: "Ville",
    instructions: "Étage, code, interphone (facultatif)",
    delivers_to: "Codes postaux livrés :",
    delivery_fee: "Frais de livraison",
    delivery_minimum: "Livraison à partir de",
    delivery_missing: "de pizzas ; il manque",
    contact: "Vos coordonnées",
    name: "Nom",
    phone: "Téléphone",
    email_optional: "E-mail (facultatif)",
    order_note: "Note pour la commande (facultatif)",
    note: "Note",
    payment: "Paiement",
    pay_on_delivery: "À la livraison (espèces ou carte)",
    pay_at_counter: "Au comptoir, au retrait",
    pay_online: "En ligne",
    place_order: "Valider la commande",
    placing: "Envoi en cours…",
    network_error: "Pas de réponse du serveur. Réessayez : la commande ne sera pas passée deux fois.",
    refused: "Commande refusée :",
    out_of_stock: "Un ingrédient vient de manquer :",
    shop_paused_error: "La pizzeria a suspendu les commandes :",
    shop_closed_error: "La pizzeria est fermée :",
    order_no: "Commande n°",
    share_hint: "Gardez ce lien pour suivre votre commande, même sans compte.",
    progress: "Étapes",
    your_order: "Votre commande",
    paid: "payée",
    to_pay: "à régler",
    refunded: "remboursée",
    cash_short: "espèces manquantes",
    driver: "Livreur :",
    edit_order: "Modifier",
    cancel_order: "Annuler la commande",
    confirm_cancel: "Annuler cette commande ? Cette action est définitive.",
    yes_cancel: "Oui, annuler",
    keep_order: "Non, la garder",
    save_changes: "Enregistrer les modifications",
    discard: "Abandonner",
    keep_one_line: "Gardez au moins une pizza, ou annulez la commande.",
    stale: "La commande a changé entre-temps : voici la version à jour. Recommencez si besoin.",
    too_late: "La cuisine a commencé votre commande : elle ne peut plus être modifiée ni annulée.",
    saved: "Modifications enregistrées.",
    cancelled_final: "Cette commande est annulée.",
    reason: "Motif :",
    done_final: "Bon appétit !",
    failed_final: "La livraison n'a pas pu être faite. Appelez la pizzeria.",
    order_not_found: "Aucune commande ne correspond à ce lien.",
    tracking_expired: "Cette commande est terminée depuis un moment : ce lien de suivi a expiré.",
    log_in_to_change: "Cette commande est liée à un compte : connectez-vous pour la modifier ou l'annuler.",
    back_to_counter: "Retour au comptoir",
};

static EN: Texts = Texts {
    app_name: "OC Pizza",
    kitchen_title: "Kitchen",
    col_placed: "To start",
    col_preparing: "Preparing",
    col_ready: "Ready",
    sending: "Sending…",
    dismiss: "Got it",
    age_fresh: "on time",
    age_waiting: "waiting",
    age_late: "late",
    empty_column: "Nothing here yet.",
    staff_only: "This screen is for staff. Log in with a kitchen account.",
    no_kitchen: "Your account is not attached to any kitchen.",
    shop_label: "Pizzeria",
    recipe_card: "Recipe card",
    ingredients: "Ingredients",
    steps: "Steps",
    oven: "Oven",
    close: "Close",
    pizzas_count: "pizza(s)",
    recipes_title: "Recipes",
    recipe_search: "Search a pizza or an ingredient",
    no_match: "No pizza matches.",
    extras_added: "Extras",
    driver_label: "Driver:",
    waiting_driver: "Waiting for a driver",
    waiting_customer: "Waiting for the customer",
    shops_title: "Choose your pizzeria",
    open: "Open",
    closed: "Closed",
    paused: "Not taking orders",
    see_menu: "See the menu",
    unavailable: "sold out",
    left: "left",
    allergens: "Allergens:",
    extras: "Extras",
    login: "Log in",
    logout: "Log out",
    email: "E-mail address",
    password: "Password",
    login_failed: "Wrong e-mail or password.",
    online: "Live",
    connecting: "Connecting…",
    offline: "Offline — reconnecting by itself",
    loading: "Loading…",
    load_failed: "Could not load. Trying again shortly.",
    not_found: "Page not found.",
    back_to_shops: "← All pizzerias",
    switch_language: "Français",
    add: "Add",
    add_to_cart: "Add to cart:",
    cart_title: "Your cart",
    cart_empty: "Your cart is empty.",
    quantity: "Quantity",
    one_less: "One less",
    one_more: "One more",
    remove: "Remove",
    line_note: "Note for the kitchen",
    line_note_hint: "well done, no olives…",
    total: "Total",
    pizzas: "pizza(s)",
    to_checkout: "Checkout",
    available_now: "available now:",
    no_longer_on_menu: "is no longer on the menu",
    fix_cart: "Adjust your cart: a pizza is no longer available in that quantity.",
    checkout_title: "Checkout",
    back_to_menu: "← Back to the menu",
    summary: "Summary",
    fulfilment: "Delivery or pickup",
    delivery: "Delivery",
    pickup: "Pickup",
    pickup_at: "Collect at:",
    address: "Delivery address",
    street: "Street and number",
    postcode: "Postcode",
    city: "City",
    instructions: "Floor, door code (optional)",
    delivers_to: "Delivers to postcodes:",
    delivery_fee: "Delivery fee",
    delivery_minimum: "Delivery from",
    delivery_missing: "of pizzas; still missing",
    contact: "Your details",
    name: "Name",
    phone: "Phone",
    email_optional: "E-mail (optional)",
    order_note: "Note for the order (optional)",
    note: "Note",
    payment: "Payment",
    pay_on_delivery: "On delivery (cash or card)",
    pay_at_counter: "At the counter when collecting",
    pay_online: "Online",
    place_order: "Place order",
    placing: "Sending…",
    network_error: "No answer from the server. Try again: the order will not be placed twice.",
    refused: "Order refused:",
    out_of_stock: "An ingredient just ran out:",
    shop_paused_error: "The pizzeria stopped taking orders:",
    shop_closed_error: "The pizzeria is closed:",
    order_no: "Order no.",
    share_hint: "Keep this link to follow your order, no account needed.",
    progress: "Progress",
    your_order: "Your order",
    paid: "paid",
    to_pay: "to pay",
    refunded: "refunded",
    cash_short: "cash short",
    driver: "Driver:",
    edit_order: "Edit",
    cancel_order: "Cancel order",
    confirm_cancel: "Cancel this order? This cannot be undone.",
    yes_cancel: "Yes, cancel",
    keep_order: "No, keep it",
    save_changes: "Save changes",
    discard: "Discard",
    keep_one_line: "Keep at least one pizza, or cancel the order.",
    stale: "The order changed meanwhile: here is the current version. Try again if needed.",
    too_late: "The kitchen has started your order: it can no longer be changed or cancelled.",
    saved: "Changes saved.",
    cancelled_final: "This order is cancelled.",
    reason: "Reason:",
    done_final: "Enjoy your meal!",
    failed_final: "The delivery could not be made. Please call the pizzeria.",
    order_not_found: "No order matches this link.",
    tracking_expired: "This order was finished a while ago: this tracking link has expired.",
    log_in_to_change: "This order belongs to an account: log in to change or cancel it.",
    back_to_counter: "Back to the counter",
};

// Manager screens (dashboard, stock, staff): their own texts, kept apart.

/// Texts of the managers' screens.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct ManageTexts {
    pub nav: &'static str,
    pub dashboard_title: &'static str,
    /// Followed by the age in hours.
    pub backup_age: &'static str,
    pub backup_hours: &'static str,
    pub backup_none: &'static str,
    pub backup_late: &'static str,
    pub not_allowed: &'static str,
    pub stage_placed: &'static str,
    pub stage_preparing: &'static str,
    pub stage_ready: &'static str,
    pub stage_out: &'static str,
    pub late: &'static str,
    pub on_time: &'static str,
    pub late_orders: &'static str,
    pub today_orders: &'static str,
    pub today_revenue: &'static str,
    pub drivers_out: &'static str,
    pub nobody: &'static str,
    pub no_open_orders: &'static str,
    pub accepting: &'static str,
    pub paused_state: &'static str,
    pub pause: &'static str,
    pub resume: &'static str,
    pub pause_reason: &'static str,
    pub order: &'static str,
    pub stage: &'static str,
    pub since: &'static str,
    pub customer: &'static str,
    pub driver: &'static str,
    pub no_driver: &'static str,
    pub assign: &'static str,
    pub no_delivery: &'static str,
    pub stock: &'static str,
    pub staff: &'static str,
    pub cash: &'static str,
    pub cash_all: &'static str,
    pub cash_date: &'static str,
    pub back: &'static str,
    pub stock_title: &'static str,
    pub ingredient: &'static str,
    pub on_hand: &'static str,
    pub reserved: &'static str,
    pub free: &'static str,
    pub threshold: &'static str,
    pub low: &'static str,
    pub ok: &'static str,
    pub low_summary: &'static str,
    pub movement: &'static str,
    pub kind: &'static str,
    pub restock: &'static str,
    pub waste: &'static str,
    pub correction: &'static str,
    pub quantity: &'static str,
    pub counted: &'static str,
    pub reason: &'static str,
    pub reason_required: &'static str,
    pub new_threshold: &'static str,
    pub save: &'static str,
    pub saving: &'static str,
    pub saved: &'static str,
    pub ledger: &'static str,
    pub when: &'static str,
    pub change: &'static str,
    pub after: &'static str,
    pub reservation: &'static str,
    pub consumption: &'static str,
    pub release: &'static str,
    pub menu_title: &'static str,
    pub pizza: &'static str,
    pub availability: &'static str,
    pub available: &'static str,
    pub switched_off: &'static str,
    pub short_of: &'static str,
    pub sold_out: &'static str,
    pub switch_off: &'static str,
    pub switch_on: &'static str,
    pub unavailable_count: &'static str,
    pub staff_title: &'static str,
    pub email: &'static str,
    pub name: &'static str,
    pub role: &'static str,
    pub add_staff: &'static str,
    pub new_name: &'static str,
    pub new_password: &'static str,
    pub add: &'static str,
    pub remove: &'static str,
    pub no_staff: &'static str,
    pub status: &'static str,
    pub invited: &'static str,
    pub active: &'static str,
    pub withdraw: &'static str,
    pub invitation_sent: &'static str,
    pub role_order_taker: &'static str,
    pub role_cook: &'static str,
    pub role_driver: &'static str,
    pub role_manager: &'static str,
}

impl Lang {
    /// The texts of the managers' screens in this language.
    pub fn manage(self) -> &'static ManageTexts {
        match self {
            Lang::Fr => &MANAGE_FR,
            Lang::En => &MANAGE_EN,
        }
    }

    /// The name of a staff role.
    pub fn role(self, role: ocpizza_proto::StaffRole) -> &'static str {
        use ocpizza_proto::StaffRole as R;
        let m = self.manage();
        match role {
            R::OrderTaker => m.role_order_taker,
            R::Cook => m.role_cook,
            R::Driver => m.role_driver,
            R::Manager => m.role_manager,
        }
    }
}

static MANAGE_FR: ManageTexts = ManageTexts {
    nav: "Gestion",
    dashboard_title: "Tableau de bord",
    backup_age: "Dernière sauvegarde : il y a",
    backup_hours: "h",
    backup_none: "Aucune sauvegarde réussie pour l’instant.",
    backup_late: "Prévenez l’exploitation : la sauvegarde quotidienne n’a pas eu lieu.",
    not_allowed: "Réservé aux gérants et à l’administration du groupe.",
    stage_placed: "Reçues",
    stage_preparing: "En préparation",
    stage_ready: "Prêtes",
    stage_out: "En livraison",
    late: "En retard",
    on_time: "À l’heure",
    late_orders: "Commandes en retard",
    today_orders: "Commandes du jour",
    today_revenue: "Chiffre du jour",
    drivers_out: "Livreurs en course",
    nobody: "Aucun",
    no_open_orders: "Aucune commande en cours.",
    accepting: "Ouverte aux commandes",
    paused_state: "En pause",
    pause: "Mettre en pause",
    resume: "Reprendre les commandes",
    pause_reason: "Motif affiché aux clients",
    order: "Commande",
    stage: "Étape",
    since: "Depuis",
    customer: "Client",
    driver: "Livreur",
    no_driver: "— aucun —",
    assign: "Affecter",
    no_delivery: "à emporter",
    stock: "Stock",
    staff: "Équipe",
    cash: "Caisse",
    cash_all: "Total de la boutique",
    cash_date: "Jour",
    back: "Tableau de bord",
    stock_title: "Stock",
    ingredient: "Ingrédient",
    on_hand: "En stock",
    reserved: "Réservé",
    free: "Disponible",
    threshold: "Seuil",
    low: "Stock bas",
    ok: "Suffisant",
    low_summary: "ingrédient(s) en stock bas",
    movement: "Mouvement de stock",
    kind: "Type",
    restock: "Réception de livraison",
    waste: "Perte",
    correction: "Inventaire",
    quantity: "Quantité",
    counted: "Quantité comptée",
    reason: "Motif",
    reason_required: "Motif (obligatoire)",
    new_threshold: "Nouveau seuil (facultatif)",
    save: "Enregistrer",
    saving: "Envoi…",
    saved: "Enregistré.",
    ledger: "Journal des mouvements",
    when: "Quand",
    change: "Variation",
    after: "Après",
    reservation: "Réservation",
    consumption: "Consommation",
    release: "Libération",
    menu_title: "Carte de la boutique",
    pizza: "Pizza",
    availability: "Disponibilité",
    available: "Disponible",
    switched_off: "Retirée de la carte",
    short_of: "manque",
    sold_out: "plus disponible",
    switch_off: "Retirer",
    switch_on: "Remettre",
    unavailable_count: "pizza(s) indisponible(s)",
    staff_title: "Équipe",
    email: "E-mail",
    name: "Nom",
    role: "Rôle",
    add_staff: "Ajouter à l’équipe",
    new_name: "Nom (nouveau compte seulement)",
    new_password: "Mot de passe initial (nouveau compte, 10 caractères min.)",
    add: "Ajouter",
    remove: "Retirer",
    no_staff: "Personne dans l’équipe pour l’instant.",
    status: "État",
    invited: "invitation envoyée",
    active: "dans l’équipe",
    withdraw: "Retirer l’invitation",
    invitation_sent: "Ce compte existe déjà : une invitation lui est envoyée. Il fera partie de l’équipe dès qu’il l’aura acceptée.",
    role_order_taker: "Prise de commande",
    role_cook: "Pizzaïolo",
    role_driver: "Livreur",
    role_manager: "Gérant",
};

static MANAGE_EN: ManageTexts = ManageTexts {
    nav: "Manage",
    dashboard_title: "Dashboard",
    backup_age: "Last backup:",
    backup_hours: "h ago",
    backup_none: "No successful backup yet.",
    backup_late: "Tell the operators: the daily backup did not happen.",
    not_allowed: "For shop managers and the group’s administrators only.",
    stage_placed: "Received",
    stage_preparing: "Preparing",
    stage_ready: "Ready",
    stage_out: "Out for delivery",
    late: "Late",
    on_time: "On time",
    late_orders: "Late orders",
    today_orders: "Today’s orders",
    today_revenue: "Today’s revenue",
    drivers_out: "Drivers out",
    nobody: "None",
    no_open_orders: "No open orders.",
    accepting: "Taking orders",
    paused_state: "Paused",
    pause: "Pause orders",
    resume: "Resume orders",
    pause_reason: "Reason shown to customers",
    order: "Order",
    stage: "Stage",
    since: "For",
    customer: "Customer",
    driver: "Driver",
    no_driver: "— none —",
    assign: "Assign",
    no_delivery: "pickup",
    stock: "Stock",
    staff: "Staff",
    cash: "Cash",
    cash_all: "Shop total",
    cash_date: "Day",
    back: "Dashboard",
    stock_title: "Stock",
    ingredient: "Ingredient",
    on_hand: "On hand",
    reserved: "Reserved",
    free: "Free",
    threshold: "Threshold",
    low: "Low stock",
    ok: "Enough",
    low_summary: "ingredient(s) low",
    movement: "Stock movement",
    kind: "Kind",
    restock: "Supplier delivery",
    waste: "Waste",
    correction: "Stock count",
    quantity: "Quantity",
    counted: "Counted quantity",
    reason: "Reason",
    reason_required: "Reason (required)",
    new_threshold: "New threshold (optional)",
    save: "Save",
    saving: "Sending…",
    saved: "Saved.",
    ledger: "Stock ledger",
    when: "When",
    change: "Change",
    after: "After",
    reservation: "Reservation",
    consumption: "Used",
    release: "Released",
    menu_title: "The shop’s menu",
    pizza: "Pizza",
    availability: "Availability",
    available: "Available",
    switched_off: "Switched off",
    short_of: "short of",
    sold_out: "sold out",
    switch_off: "Switch off",
    switch_on: "Switch on",
    unavailable_count: "pizza(s) unavailable",
    staff_title: "Staff",
    email: "E-mail",
    name: "Name",
    role: "Role",
    add_staff: "Add to the staff",
    new_name: "Name (new account only)",
    new_password: "Initial password (new account, at least 10 characters)",
    add: "Add",
    remove: "Remove",
    no_staff: "Nobody on the staff yet.",
    status: "Status",
    invited: "invitation sent",
    active: "on the staff",
    withdraw: "Withdraw the invitation",
    invitation_sent: "This account already exists: it has been sent an invitation. It joins the staff once it accepts.",
    role_order_taker: "Order taker",
    role_cook: "Cook",
    role_driver: "Driver",
    role_manager: "Manager",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_is_the_default_and_english_follows_the_browser() {
        assert_eq!(Lang::from_tag("fr-FR"), Lang::Fr);
        assert_eq!(Lang::from_tag("de-DE"), Lang::Fr);
        assert_eq!(Lang::from_tag("en-GB"), Lang::En);
        assert_eq!(Lang::Fr.other().texts().switch_language, "Français");
        assert_eq!(Lang::Fr.status(OrderStatus::Placed), "Commande reçue");
        assert_eq!(Lang::En.status(OrderStatus::Preparing), "Being prepared");
    }
}
