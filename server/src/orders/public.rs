//! What the public tracker shows of an order. Its link holds nothing but the tracking token,
//! and links get forwarded: whoever opens it sees the order, its name and address (the customer
//! checks them), but the phone and e-mail only masked, and the driver by first name. The link
//! stops working some hours after the order is finished.

use ocpizza_proto::OrderStatus;
use ocpizza_proto::api::orders::{DriverRef, Order};
use ocpizza_proto::events::Event;

/// Masks every digit of a phone number but the first two and the last two, keeping its
/// layout: `06 12 34 56 78` → `06 •• •• •• 78`.
pub fn mask_phone(phone: &str) -> String {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let mut seen = 0;
    phone
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if seen <= 2 || seen > digits.saturating_sub(2) {
                c
            } else {
                '•'
            }
        })
        .collect()
}

/// Keeps the first letter of an e-mail's name and its domain: `claire@example.fr` →
/// `c•••@example.fr`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((name, domain)) => {
            let first: String = name.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".to_owned(),
    }
}

/// A driver as customers see them: first name only.
pub fn driver(mut d: DriverRef) -> DriverRef {
    d.name = d
        .name
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    d
}

/// The order as the public tracker shows it.
pub fn order(mut order: Order) -> Order {
    order.contact.phone = mask_phone(&order.contact.phone);
    order.contact.email = order.contact.email.as_deref().map(mask_email);
    order.driver = order.driver.map(driver);
    order
}

/// An event as it goes on the order's own stream (`order:{token}`).
pub fn event(event: Event) -> Event {
    match event {
        Event::OrderPlaced { order: o } => Event::OrderPlaced {
            order: Box::new(order(*o)),
        },
        Event::OrderEdited { order: o } => Event::OrderEdited {
            order: Box::new(order(*o)),
        },
        Event::DriverAssigned {
            order_id,
            shop_id,
            driver: d,
            version,
        } => Event::DriverAssigned {
            order_id,
            shop_id,
            driver: d.map(driver),
            version,
        },
        other => other,
    }
}

/// Whether the order was finished (delivered, collected, failed, cancelled) at least `hours`
/// ago, at `now`: its tracking link no longer works.
pub fn expired(order: &Order, hours: u32, now: jiff::Timestamp) -> bool {
    let t = &order.times;
    let finished = match order.status {
        OrderStatus::Delivered => t.delivered_at,
        OrderStatus::Collected => t.collected_at,
        OrderStatus::DeliveryFailed => t.delivery_failed_at,
        OrderStatus::Cancelled => t.cancelled_at,
        _ => None,
    };
    finished.is_some_and(|at| {
        now.as_millisecond() - at.as_millisecond() >= i64::from(hours) * 3_600_000
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_keeps_its_first_and_last_two_digits_and_its_layout() {
        assert_eq!(mask_phone("06 12 34 56 78"), "06 •• •• •• 78");
        assert_eq!(mask_phone("0612345678"), "06••••••78");
        assert_eq!(mask_phone("+33 6 12 34 56 78"), "+33 • •• •• •• 78");
        assert_eq!(mask_phone("123456"), "12••56");
    }

    #[test]
    fn an_email_keeps_its_first_letter_and_its_domain() {
        assert_eq!(mask_email("claire@example.fr"), "c•••@example.fr");
        assert_eq!(mask_email("nonsense"), "•••");
    }
}
