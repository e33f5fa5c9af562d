//! The order confirmation and the cancellation notice: the order's lines, its total, how it
//! reaches the customer, and the tracking link (a guest's only way back to the tracker).

use super::{Lang, Rendered, button, escape, page};
use ocpizza_proto::api::orders::{Order, OrderLine};
use ocpizza_proto::{Fulfilment, PaymentMethod};
use std::fmt::Write as _;

/// What a message about an order is made of.
#[derive(Debug, Clone, Copy)]
pub struct OrderMail<'a> {
    /// The customer's language.
    pub lang: Lang,
    /// The order, with its lines.
    pub order: &'a Order,
    /// Its shop's name.
    pub shop_name: &'a str,
    /// `{public_url}/track/{token}`.
    pub tracking_url: &'a str,
}

/// "Your order is confirmed": lines, total, delivery or pickup, payment, tracking link.
pub fn confirmation(m: &OrderMail<'_>) -> Rendered {
    let (lang, o) = (m.lang, m.order);
    let subject = match lang {
        Lang::Fr => format!(
            "Votre commande n° {} chez {} est confirmée",
            o.id, m.shop_name
        ),
        Lang::En => format!("Your order #{} at {} is confirmed", o.id, m.shop_name),
    };
    let intro = match lang {
        Lang::Fr => format!(
            "Merci ! {} a bien reçu votre commande n° {}.",
            m.shop_name, o.id
        ),
        Lang::En => format!(
            "Thank you! {} has received your order #{}.",
            m.shop_name, o.id
        ),
    };
    let follow = lang.pick(
        "Suivez sa préparation en direct :",
        "Follow it live as it is prepared:",
    );
    let mut text = format!("{}\n\n{intro}\n\n", greeting(m));
    let mut body = format!(
        "<p>{}</p>\n<p>{}</p>\n",
        escape(&greeting(m)),
        escape(&intro)
    );
    lines(m, &mut text, &mut body);
    let fulfilment = fulfilment(m);
    let payment = payment(lang, o.payment_method);
    let _ = write!(
        text,
        "\n{fulfilment}\n{payment}\n\n{follow}\n{}\n",
        m.tracking_url
    );
    let _ = write!(
        body,
        "<p>{}<br>{}</p>\n<p>{}</p>\n{}",
        escape(&fulfilment),
        escape(&payment),
        escape(follow),
        button(
            m.tracking_url,
            lang.pick("Suivre ma commande", "Track my order")
        ),
    );
    let footer = footer(m);
    let _ = write!(text, "\n-- \n{footer}\n");
    Rendered {
        html: page(lang, &subject, &body, &footer),
        subject,
        text,
    }
}

/// "Your order was cancelled", with the reason given.
pub fn cancellation(m: &OrderMail<'_>, reason: Option<&str>) -> Rendered {
    let (lang, o) = (m.lang, m.order);
    let subject = match lang {
        Lang::Fr => format!(
            "Votre commande n° {} chez {} est annulée",
            o.id, m.shop_name
        ),
        Lang::En => format!("Your order #{} at {} was cancelled", o.id, m.shop_name),
    };
    let intro = match lang {
        Lang::Fr => format!(
            "Nous sommes désolés : votre commande n° {} chez {} a été annulée.",
            o.id, m.shop_name
        ),
        Lang::En => format!(
            "We are sorry: your order #{} at {} was cancelled.",
            o.id, m.shop_name
        ),
    };
    let reason = reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| format!("{} {r}", lang.pick("Motif :", "Reason:")));
    let money = (o.payment_method == PaymentMethod::Online).then(|| {
        lang.pick(
            "Rien ne vous sera débité ; si le paiement avait déjà été pris, il vous est \
             remboursé.",
            "You will not be charged; if the payment had already been taken, it is refunded.",
        )
    });
    let details = lang.pick("Le détail de la commande :", "The order's details:");
    let mut text = format!("{}\n\n{intro}\n", greeting(m));
    let mut body = format!(
        "<p>{}</p>\n<p>{}</p>\n",
        escape(&greeting(m)),
        escape(&intro)
    );
    if let Some(reason) = &reason {
        let _ = writeln!(text, "{reason}");
        let _ = writeln!(body, "<p><strong>{}</strong></p>", escape(reason));
    }
    if let Some(money) = money {
        let _ = writeln!(text, "{money}");
        let _ = writeln!(body, "<p>{}</p>", escape(money));
    }
    let _ = write!(text, "\n{details}\n");
    let _ = writeln!(body, "<p>{}</p>", escape(details));
    lines(m, &mut text, &mut body);
    let footer = footer(m);
    let _ = write!(
        text,
        "\n{}\n{}\n\n-- \n{footer}\n",
        lang.pick("Le suivi de la commande :", "The order's page:"),
        m.tracking_url
    );
    let _ = write!(
        body,
        "{}",
        button(
            m.tracking_url,
            lang.pick("Voir la commande", "See the order")
        )
    );
    Rendered {
        html: page(lang, &subject, &body, &footer),
        subject,
        text,
    }
}

fn greeting(m: &OrderMail<'_>) -> String {
    let name = m.order.contact.name.trim();
    match (m.lang, name.is_empty()) {
        (Lang::Fr, true) => "Bonjour,".to_owned(),
        (Lang::Fr, false) => format!("Bonjour {name},"),
        (Lang::En, true) => "Hello,".to_owned(),
        (Lang::En, false) => format!("Hello {name},"),
    }
}

fn footer(m: &OrderMail<'_>) -> String {
    match m.lang {
        Lang::Fr => format!(
            "Vous recevez ce message parce que cette adresse a été donnée pour la commande \
             n° {} chez {}. Pour toute question, appelez la pizzeria.",
            m.order.id, m.shop_name
        ),
        Lang::En => format!(
            "You receive this message because this address was given for order #{} at {}. \
             For any question, call the pizzeria.",
            m.order.id, m.shop_name
        ),
    }
}

/// The lines and the total, in both bodies.
fn lines(m: &OrderMail<'_>, text: &mut String, body: &mut String) {
    let lang = m.lang;
    body.push_str("<table style=\"width:100%;border-collapse:collapse;margin:16px 0\">\n");
    for line in &m.order.lines {
        let what = describe(lang, line);
        let price = lang.money(line.total);
        let _ = writeln!(text, "  {what} — {price}");
        let _ = writeln!(
            body,
            "<tr><td style=\"padding:4px 0;border-bottom:1px solid #eee\">{}</td>\
             <td style=\"padding:4px 0;border-bottom:1px solid #eee;text-align:right;white-space:nowrap\">{}</td></tr>",
            escape(&what),
            escape(&price)
        );
    }
    let total_label = "Total";
    let total = lang.money(m.order.total);
    let _ = writeln!(text, "  {total_label}{} {total}", lang.pick(" :", ":"));
    let _ = writeln!(
        body,
        "<tr><td style=\"padding:8px 0\"><strong>{total_label}</strong></td>\
         <td style=\"padding:8px 0;text-align:right\"><strong>{}</strong></td></tr>\n</table>",
        escape(&total)
    );
}

/// `2 × Margherita (Large) + Mozzarella, Olives — note`.
fn describe(lang: Lang, line: &OrderLine) -> String {
    let mut what = format!(
        "{} × {} ({})",
        line.quantity,
        line.pizza_name,
        size(lang, &line.size)
    );
    if !line.extras.is_empty() {
        let extras: Vec<&str> = line.extras.iter().map(|e| e.name.as_str()).collect();
        let _ = write!(what, " + {}", extras.join(", "));
    }
    if let Some(note) = line
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        let _ = write!(what, " — « {note} »");
    }
    what
}

fn size(lang: Lang, code: &str) -> String {
    let (fr, en) = match code {
        "small" => ("petite", "small"),
        "medium" => ("moyenne", "medium"),
        "large" => ("grande", "large"),
        other => return other.to_owned(),
    };
    lang.pick(fr, en).to_owned()
}

fn fulfilment(m: &OrderMail<'_>) -> String {
    let lang = m.lang;
    match (m.order.fulfilment, &m.order.address) {
        (Fulfilment::Delivery, Some(a)) => format!(
            "{} {}, {} {}",
            lang.pick("Livraison :", "Delivery to:"),
            a.street,
            a.postcode,
            a.city
        ),
        (Fulfilment::Delivery, None) => lang.pick("Livraison", "Delivery").to_owned(),
        (Fulfilment::Pickup, _) => match lang {
            Lang::Fr => format!("À emporter : à retirer chez {}", m.shop_name),
            Lang::En => format!("Pickup: collect it at {}", m.shop_name),
        },
    }
}

fn payment(lang: Lang, method: PaymentMethod) -> String {
    let (fr, en) = match method {
        PaymentMethod::CashOnDelivery | PaymentMethod::CardOnDelivery => {
            ("Paiement : à la livraison", "Payment: on delivery")
        }
        PaymentMethod::AtCounter => ("Paiement : au comptoir", "Payment: at the counter"),
        PaymentMethod::Online => (
            "Paiement : en ligne (débité quand la pizzeria commence la commande)",
            "Payment: online (charged when the pizzeria starts the order)",
        ),
    };
    lang.pick(fr, en).to_owned()
}
