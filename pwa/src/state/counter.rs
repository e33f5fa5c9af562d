//! The counter's pizza search: which sizes of which pizzas a few typed words pick out, and the
//! one the order taker means when Enter is pressed. Every word must appear in the pizza's name
//! or its size ("regina gr" is the large Regina), so that a name and a size narrow the list to
//! a single button. Also how a payment change updates the open orders listed under the counter.

use crate::i18n::Lang;
use ocpizza_proto::PizzaId;
use ocpizza_proto::api::menu::{Menu, MenuPizza, MenuSize};
use ocpizza_proto::api::orders::Order;
use ocpizza_proto::events::Event;

/// The counter's open orders after `event`, when it is a payment change of one of them (so
/// that "paid online" or "to collect" shows at once, before the list is read again).
pub fn apply_payment(orders: &[Order], event: &Event) -> Option<Vec<Order>> {
    let Event::PaymentChanged {
        order_id,
        payment_status,
        payment_method,
        version,
        ..
    } = event
    else {
        return None;
    };
    let mut next = orders.to_vec();
    let order = next.iter_mut().find(|o| o.id == *order_id)?;
    super::payment::apply_change(order, *payment_status, *payment_method, *version).then_some(next)
}

/// Whether the shop can make this size now.
pub fn orderable(pizza: &MenuPizza, size: &MenuSize) -> bool {
    pizza.enabled && size.available > 0
}

/// The sizes of the menu that `typed` matches, in menu order (all of them for an empty search).
pub fn search<'m>(menu: &'m Menu, typed: &str, lang: Lang) -> Vec<(&'m MenuPizza, &'m MenuSize)> {
    let words: Vec<String> = typed.split_whitespace().map(str::to_lowercase).collect();
    menu.pizzas
        .iter()
        .flat_map(|pizza| pizza.sizes.iter().map(move |size| (pizza, size)))
        .filter(|(pizza, size)| {
            let text = format!(
                "{} {} {} {}",
                pizza.name,
                size.label,
                lang.size(&size.code),
                size.code
            )
            .to_lowercase();
            words.iter().all(|word| text.contains(word.as_str()))
        })
        .collect()
}

/// The size Enter adds: the only one the search leaves that can be ordered, if there is one.
pub fn single_match(menu: &Menu, typed: &str, lang: Lang) -> Option<(PizzaId, String)> {
    if typed.trim().is_empty() {
        return None;
    }
    let mut found = search(menu, typed, lang)
        .into_iter()
        .filter(|(pizza, size)| orderable(pizza, size));
    let (pizza, size) = found.next()?;
    found
        .next()
        .is_none()
        .then(|| (pizza.id, size.code.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpizza_proto::{Money, ShopId};

    fn pizza(id: i64, name: &str, available: [i64; 2]) -> MenuPizza {
        let size = |code: &str, label: &str, available: i64| MenuSize {
            code: code.into(),
            label: label.into(),
            price: Money(1200),
            available,
            limited_by: None,
        };
        MenuPizza {
            id: PizzaId(id),
            name: name.into(),
            description: String::new(),
            photo: None,
            allergens: vec![],
            enabled: true,
            sizes: vec![
                size("medium", "Moyenne 29 cm", available[0]),
                size("large", "Grande 33 cm", available[1]),
            ],
            extras: vec![],
        }
    }

    fn menu() -> Menu {
        Menu {
            shop_id: ShopId(1),
            stream_seq: 0,
            pizzas: vec![
                pizza(1, "Margherita", [5, 5]),
                pizza(2, "Regina", [5, 0]),
                pizza(3, "Reine des prés", [5, 5]),
            ],
        }
    }

    #[test]
    fn a_name_and_a_size_narrow_the_search_to_one_size() {
        let menu = menu();
        let found = search(&menu, "marg gr", Lang::Fr);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].0.id, found[0].1.code.as_str()),
            (PizzaId(1), "large")
        );
        assert_eq!(search(&menu, "MARG large", Lang::En).len(), 1);
        assert_eq!(
            search(&menu, "re", Lang::Fr).len(),
            4,
            "Regina and Reine, two sizes each"
        );
        assert_eq!(search(&menu, "", Lang::Fr).len(), 6);
    }

    #[test]
    fn enter_adds_only_when_one_orderable_size_is_left() {
        let menu = menu();
        assert_eq!(
            single_match(&menu, "margherita grande", Lang::Fr),
            Some((PizzaId(1), "large".into()))
        );
        assert_eq!(
            single_match(&menu, "margherita", Lang::Fr),
            None,
            "two sizes"
        );
        // The large Regina is sold out: the medium one is the only one Enter can mean.
        assert_eq!(
            single_match(&menu, "regina", Lang::Fr),
            Some((PizzaId(2), "medium".into()))
        );
        assert_eq!(
            single_match(&menu, "regina grande", Lang::Fr),
            None,
            "sold out"
        );
        assert_eq!(single_match(&menu, "  ", Lang::Fr), None);
        assert_eq!(single_match(&menu, "calzone", Lang::Fr), None);
    }

    #[test]
    fn the_counter_sees_at_once_whether_an_order_is_paid_online() {
        use ocpizza_proto::{OrderId, PaymentMethod, PaymentStatus};
        let json = serde_json::json!({
            "id": 4, "shop_id": 1, "channel": "web", "fulfilment": "pickup",
            "status": "placed", "payment_method": "online", "payment_status": "authorised",
            "contact": {"name": "Ada", "phone": "0612345678"}, "address": null,
            "lines": [], "note": null, "total": 2350, "driver": null, "version": 2,
            "times": {}, "cancel_reason": null, "created_at": "2027-01-15T08:00:00Z"
        });
        let orders: Vec<Order> = vec![serde_json::from_value(json).expect("order")];
        let change = |status, version| Event::PaymentChanged {
            order_id: OrderId(4),
            shop_id: ShopId(1),
            payment_status: status,
            payment_method: PaymentMethod::Online,
            version,
            operation: None,
            amount: None,
            reason: None,
            by: None,
        };
        let next = apply_payment(&orders, &change(PaymentStatus::Paid, 3)).expect("applied");
        assert_eq!(next[0].payment_status, PaymentStatus::Paid);
        assert_eq!(
            apply_payment(&next, &change(PaymentStatus::Authorised, 2)),
            None
        );
        assert_eq!(
            apply_payment(&next, &Event::ShopResumed { shop_id: ShopId(1) }),
            None
        );
    }
}
