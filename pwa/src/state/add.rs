//! Adding a pizza with extras from the menu: the customer chooses the extras where they add the
//! pizza, not only afterwards in the cart.

use super::cart::{Cart, CartLine, MAX_LINES, MAX_QUANTITY};
use ocpizza_proto::{IngredientId, PizzaId};

impl Cart {
    /// One more `pizza_id` in `size` with `extras`: on the line that already has exactly that
    /// (and no note), else on a new line.
    pub(super) fn add_with_extras(
        &mut self,
        pizza_id: PizzaId,
        size: String,
        mut extras: Vec<IngredientId>,
    ) {
        extras.sort_unstable();
        extras.dedup();
        let same = |l: &&mut CartLine| {
            let mut has = l.extras.clone();
            has.sort_unstable();
            l.pizza_id == pizza_id && l.size == size && l.note.is_empty() && has == extras
        };
        if let Some(line) = self.lines.iter_mut().find(same) {
            line.quantity = (line.quantity + 1).min(MAX_QUANTITY);
        } else if self.lines.len() < MAX_LINES {
            self.lines.push(CartLine {
                pizza_id,
                size,
                quantity: 1,
                extras,
                note: String::new(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::state::cart::{Cart, CartAction};
    use ocpizza_proto::{IngredientId, PizzaId};
    use std::rc::Rc;
    use yew::Reducible;

    fn with(extras: &[i64]) -> CartAction {
        CartAction::AddWithExtras(
            PizzaId(4),
            "large".into(),
            extras.iter().map(|e| IngredientId(*e)).collect(),
        )
    }

    #[test]
    fn a_pizza_added_with_extras_gets_its_own_line_and_the_same_choice_joins_it() {
        let cart = [
            CartAction::Add(PizzaId(4), "large".into()),
            with(&[7, 3]),
            with(&[3, 7, 7]),
            with(&[]),
        ]
        .into_iter()
        .fold(Rc::new(Cart::default()), Reducible::reduce);
        assert_eq!(cart.lines.len(), 2);
        assert_eq!(cart.lines[0].quantity, 2, "no extras joins the plain line");
        assert_eq!(cart.lines[1].extras, [IngredientId(3), IngredientId(7)]);
        assert_eq!(cart.lines[1].quantity, 2);
    }
}
