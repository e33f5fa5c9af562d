//! What each notification says, in French and in English. One function per message; the
//! planner and the watcher pick the subscriber's language.

use ocpizza_proto::api::push::{PushLang, PushMessage};
use ocpizza_proto::{OrderId, OrderStatus};

fn message(title: String, body: String, url: String, tag: String) -> PushMessage {
    PushMessage {
        title,
        body,
        url,
        tag,
    }
}

/// The topic of everything said about one order to its customer: a newer status replaces
/// the older one on the phone.
pub fn order_tag(order: OrderId) -> String {
    format!("order-{}", order.0)
}

/// The customer's message when their order reaches `status` (none for stages that are not
/// worth waking a phone for).
pub fn order_status(
    lang: PushLang,
    order: OrderId,
    token: &str,
    status: OrderStatus,
    pickup: bool,
) -> Option<PushMessage> {
    use OrderStatus as S;
    let n = order.0;
    let fr = lang == PushLang::Fr;
    let (title, body) = match status {
        S::Placed if fr => (
            format!("Commande n° {n} acceptée"),
            "La pizzeria a bien reçu votre commande.".to_owned(),
        ),
        S::Placed => (
            format!("Order #{n} accepted"),
            "The pizzeria has received your order.".to_owned(),
        ),
        S::Preparing if fr => (
            format!("Commande n° {n} en préparation"),
            "Vos pizzas sont entre les mains du pizzaïolo.".to_owned(),
        ),
        S::Preparing => (
            format!("Order #{n} in preparation"),
            "Your pizzas are being made.".to_owned(),
        ),
        S::Ready if pickup && fr => (
            format!("Commande n° {n} prête"),
            "Elle vous attend au comptoir.".to_owned(),
        ),
        S::Ready if pickup => (
            format!("Order #{n} is ready"),
            "It is waiting for you at the counter.".to_owned(),
        ),
        S::OutForDelivery if fr => (
            format!("Commande n° {n} en route"),
            "Le livreur est parti : elle arrive bientôt.".to_owned(),
        ),
        S::OutForDelivery => (
            format!("Order #{n} is on its way"),
            "The driver has left: it will be there soon.".to_owned(),
        ),
        S::Delivered if fr => (
            format!("Commande n° {n} livrée"),
            "Bon appétit !".to_owned(),
        ),
        S::Delivered => (
            format!("Order #{n} delivered"),
            "Enjoy your meal!".to_owned(),
        ),
        S::DeliveryFailed if fr => (
            format!("Commande n° {n} non livrée"),
            "Le livreur n'a pas pu vous la remettre : la pizzeria va vous appeler.".to_owned(),
        ),
        S::DeliveryFailed => (
            format!("Order #{n} could not be delivered"),
            "The driver could not hand it over: the pizzeria will call you.".to_owned(),
        ),
        _ => return None,
    };
    Some(message(title, body, track_url(token), order_tag(order)))
}

/// The customer's message when their order is cancelled.
pub fn cancelled(lang: PushLang, order: OrderId, token: &str, reason: Option<&str>) -> PushMessage {
    let n = order.0;
    let (title, body) = match (lang, reason) {
        (PushLang::Fr, Some(r)) => (format!("Commande n° {n} annulée"), format!("Motif : {r}")),
        (PushLang::Fr, None) => (
            format!("Commande n° {n} annulée"),
            "Votre commande a été annulée.".to_owned(),
        ),
        (PushLang::En, Some(r)) => (format!("Order #{n} cancelled"), format!("Reason: {r}")),
        (PushLang::En, None) => (
            format!("Order #{n} cancelled"),
            "Your order was cancelled.".to_owned(),
        ),
    };
    message(title, body, track_url(token), order_tag(order))
}

/// The customer's message when the payment failed (`short`: less was paid than the total).
pub fn payment_problem(lang: PushLang, order: OrderId, token: &str, short: bool) -> PushMessage {
    let n = order.0;
    let (title, body) = match (lang, short) {
        (PushLang::Fr, false) => (
            format!("Paiement de la commande n° {n} refusé"),
            "Le paiement n'a pas abouti : ouvrez le suivi pour payer autrement.".to_owned(),
        ),
        (PushLang::Fr, true) => (
            format!("Paiement de la commande n° {n} incomplet"),
            "Le montant réglé est inférieur au total : la pizzeria va vous contacter.".to_owned(),
        ),
        (PushLang::En, false) => (
            format!("Payment for order #{n} failed"),
            "The payment did not go through: open the tracker to pay another way.".to_owned(),
        ),
        (PushLang::En, true) => (
            format!("Payment for order #{n} incomplete"),
            "Less than the total was paid: the pizzeria will contact you.".to_owned(),
        ),
    };
    message(title, body, track_url(token), order_tag(order))
}

/// A driver's message: an order of their shop is ready to be delivered.
pub fn ready_for_delivery(lang: PushLang, order: OrderId) -> PushMessage {
    let n = order.0;
    let (title, body) = match lang {
        PushLang::Fr => (
            format!("Commande n° {n} prête à livrer"),
            "Elle attend un livreur au comptoir.".to_owned(),
        ),
        PushLang::En => (
            format!("Order #{n} ready for delivery"),
            "It is waiting for a driver at the counter.".to_owned(),
        ),
    };
    message(title, body, "/driver".to_owned(), format!("delivery-{n}"))
}

/// A driver's message: an order was given to them.
pub fn assigned(lang: PushLang, order: OrderId) -> PushMessage {
    let n = order.0;
    let (title, body) = match lang {
        PushLang::Fr => (
            format!("Commande n° {n} pour vous"),
            "Elle vous a été attribuée.".to_owned(),
        ),
        PushLang::En => (
            format!("Order #{n} is yours"),
            "It was assigned to you.".to_owned(),
        ),
    };
    message(title, body, "/driver".to_owned(), format!("delivery-{n}"))
}

/// One ingredient that fell low: its name, the free quantity and its unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Low {
    /// The ingredient's name.
    pub name: String,
    /// On hand minus reserved.
    pub free: i64,
    /// `g`, `ml` or `piece`.
    pub unit: &'static str,
}

/// A manager's message: ingredients of `shop` fell below their low-stock threshold.
pub fn low_stock(lang: PushLang, shop: i64, items: &[Low]) -> PushMessage {
    let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
    let quantity = |i: &Low| {
        let unit = match (lang, i.unit) {
            (PushLang::Fr, "piece") => "pièce(s)",
            (PushLang::En, "piece") => "piece(s)",
            (_, unit) => unit,
        };
        format!("{} {unit} {}", i.free, i.name)
    };
    let left: Vec<String> = items.iter().map(quantity).collect();
    let (title, body) = match lang {
        PushLang::Fr => (
            format!("Stock bas : {}", names.join(", ")),
            format!("Disponible : {}.", left.join(", ")),
        ),
        PushLang::En => (
            format!("Low stock: {}", names.join(", ")),
            format!("Available: {}.", left.join(", ")),
        ),
    };
    message(
        title,
        body,
        format!("/manage/shops/{shop}/stock"),
        format!("stock-{shop}"),
    )
}

/// A manager's message: an order stayed too long in its stage.
pub fn late(lang: PushLang, order: OrderId, status: OrderStatus, minutes: i64) -> PushMessage {
    let n = order.0;
    let (title, body) = match lang {
        PushLang::Fr => (
            format!("Commande n° {n} en retard"),
            format!(
                "Au stade « {} » depuis plus de {minutes} min.",
                stage_fr(status)
            ),
        ),
        PushLang::En => (
            format!("Order #{n} is late"),
            format!("{} for more than {minutes} min.", stage_en(status)),
        ),
    };
    message(title, body, "/manage".to_owned(), format!("late-{n}"))
}

/// A manager's message: the kitchen display of a shop has been offline since `since` ("HH:MM").
pub fn kitchen_offline(lang: PushLang, shop: i64, shop_name: &str, since: &str) -> PushMessage {
    let (title, body) = match lang {
        PushLang::Fr => (
            format!("Cuisine hors ligne : {shop_name}"),
            format!("Aucun écran de cuisine connecté depuis {since}."),
        ),
        PushLang::En => (
            format!("Kitchen offline: {shop_name}"),
            format!("No kitchen display connected since {since}."),
        ),
    };
    message(title, body, "/manage".to_owned(), format!("kitchen-{shop}"))
}

fn stage_fr(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Placed => "en attente",
        OrderStatus::Preparing => "en préparation",
        OrderStatus::Ready => "prête",
        OrderStatus::OutForDelivery => "en livraison",
        _ => "en cours",
    }
}

fn stage_en(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Placed => "Waiting",
        OrderStatus::Preparing => "In preparation",
        OrderStatus::Ready => "Ready",
        OrderStatus::OutForDelivery => "Out for delivery",
        _ => "Open",
    }
}

/// The tracker of an order.
fn track_url(token: &str) -> String {
    format!("/track/{token}")
}
