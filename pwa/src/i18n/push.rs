//! Texts of push notifications: the buttons that turn them on (the tracker, the driver's and
//! the managers' screens) and what they say when it did not work.

use super::Lang;

/// Every text around push notifications.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct PushTexts {
    pub notify_me: &'static str,
    pub notify_me_hint: &'static str,
    pub staff_notify: &'static str,
    pub staff_hint: &'static str,
    pub asking: &'static str,
    pub on: &'static str,
    pub denied: &'static str,
    pub unsupported: &'static str,
    pub failed: &'static str,
    pub banner_close: &'static str,
}

const FR: PushTexts = PushTexts {
    notify_me: "Prévenez-moi de l'avancement",
    notify_me_hint: "Une notification à chaque étape : en préparation, en route, livrée.",
    staff_notify: "Recevoir les notifications",
    staff_hint: "Livreurs : commandes prêtes et attribuées. Gérants : stock bas, retards, cuisine hors ligne.",
    asking: "Activation…",
    on: "Notifications activées sur cet appareil.",
    denied: "Les notifications sont bloquées pour ce site : autorisez-les dans les réglages du navigateur.",
    unsupported: "Ce navigateur ne reçoit pas de notifications.",
    failed: "Les notifications n'ont pas pu être activées",
    banner_close: "Fermer",
};

const EN: PushTexts = PushTexts {
    notify_me: "Notify me of progress",
    notify_me_hint: "A notification at each step: in preparation, on its way, delivered.",
    staff_notify: "Get notifications",
    staff_hint: "Drivers: orders ready and assigned. Managers: low stock, late orders, kitchen offline.",
    asking: "Turning on…",
    on: "Notifications are on for this device.",
    denied: "Notifications are blocked for this site: allow them in the browser's settings.",
    unsupported: "This browser cannot receive notifications.",
    failed: "Notifications could not be turned on",
    banner_close: "Close",
};

impl Lang {
    /// The texts of push notifications in this language.
    pub fn push(self) -> &'static PushTexts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }
}
