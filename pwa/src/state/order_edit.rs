//! A customer's change to a placed order, made from the version they saw: quantities, removed
//! lines, the note and the delivery address.

use super::cart::MAX_QUANTITY;
use ocpizza_proto::api::orders::{Address, EditOrder, LineInput, Order, OrderLine};

/// The edit in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditDraft {
    /// The version the edit starts from (a stale one is refused with 409).
    pub version: i64,
    /// Remaining lines, with their new quantities.
    pub lines: Vec<OrderLine>,
    /// Note for the whole order.
    pub note: String,
    /// Delivery address (deliveries only).
    pub address: Option<Address>,
}

impl EditDraft {
    /// Starts from the order as shown.
    pub fn from_order(order: &Order) -> EditDraft {
        EditDraft {
            version: order.version,
            lines: order.lines.clone(),
            note: order.note.clone().unwrap_or_default(),
            address: order.address.clone(),
        }
    }

    /// Changes line `index` by `delta`, between 1 and the maximum.
    pub fn change_quantity(&mut self, index: usize, delta: i64) {
        if let Some(line) = self.lines.get_mut(index) {
            line.quantity = (line.quantity + delta).clamp(1, MAX_QUANTITY);
        }
    }

    /// Removes line `index`.
    pub fn remove(&mut self, index: usize) {
        if index < self.lines.len() {
            self.lines.remove(index);
        }
    }

    /// Whether it can be sent (an order keeps at least one line; cancelling is separate).
    pub fn is_sendable(&self) -> bool {
        !self.lines.is_empty()
    }

    /// The `PATCH /api/v1/track/{token}` body.
    pub fn to_request(&self) -> EditOrder {
        EditOrder {
            version: self.version,
            lines: Some(
                self.lines
                    .iter()
                    .map(|l| LineInput {
                        pizza_id: l.pizza_id,
                        size: l.size.clone(),
                        quantity: l.quantity,
                        extras: l.extras.iter().map(|e| e.ingredient_id).collect(),
                        note: l.note.clone(),
                    })
                    .collect(),
            ),
            address: self.address.clone(),
            note: Some(self.note.trim().to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpizza_proto::api::orders::LineExtra;
    use ocpizza_proto::{IngredientId, Money, PizzaId};

    fn line(pizza: i64, quantity: i64) -> OrderLine {
        OrderLine {
            pizza_id: PizzaId(pizza),
            pizza_name: "Reine".into(),
            size: "medium".into(),
            quantity,
            unit_price: Money(1050),
            extras: vec![LineExtra {
                ingredient_id: IngredientId(7),
                name: "Mozzarella".into(),
                price: Money(150),
            }],
            note: Some("bien cuite".into()),
            total: Money(1200 * quantity),
        }
    }

    fn draft() -> EditDraft {
        EditDraft {
            version: 4,
            lines: vec![line(1, 2), line(2, 1)],
            note: " sonner deux fois ".into(),
            address: None,
        }
    }

    #[test]
    fn an_edit_keeps_extras_and_notes_and_sends_its_version() {
        let mut d = draft();
        d.change_quantity(0, 1);
        d.remove(1);
        let req = d.to_request();
        assert_eq!(req.version, 4);
        let lines = req.lines.unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].quantity, 3);
        assert_eq!(lines[0].extras, vec![IngredientId(7)]);
        assert_eq!(lines[0].note.as_deref(), Some("bien cuite"));
        assert_eq!(req.note.as_deref(), Some("sonner deux fois"));
    }

    #[test]
    fn quantities_stay_in_range_and_an_empty_order_is_not_sendable() {
        let mut d = draft();
        d.change_quantity(1, -5);
        assert_eq!(d.lines[1].quantity, 1);
        d.change_quantity(1, 100);
        assert_eq!(d.lines[1].quantity, MAX_QUANTITY);
        d.remove(0);
        d.remove(0);
        assert!(!d.is_sendable());
    }
}
