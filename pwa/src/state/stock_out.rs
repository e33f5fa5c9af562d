//! A stock-out at submit, told in plain words: the server's `409 out_of_stock` names the
//! cart line (`fields: {"lines[1]": …}`); with the cart and the menu as it is now, that becomes
//! "not enough for 2 Reine (large)", and the one-click ways out: remove the line, or take it in
//! another size the shop can still make.

use super::cart::{Cart, CartAction, extra_price};
use crate::i18n::Lang;
use ocpizza_proto::api::menu::Menu;
use ocpizza_proto::{ErrorBody, ErrorCode};
use std::rc::Rc;
use yew::Reducible;

/// A cart line the shop cannot make any more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockOut {
    /// Index of the line in the cart.
    pub line: usize,
    /// How many the line asks for.
    pub quantity: i64,
    /// The pizza's name.
    pub pizza: String,
    /// The line's size code.
    pub size: String,
    /// Other sizes of the pizza the shop can still make this many of, by code.
    pub other_sizes: Vec<String>,
}

/// The line index in a field path such as `lines[3]`.
fn line_of(path: &str) -> Option<usize> {
    path.strip_prefix("lines[")?.split(']').next()?.parse().ok()
}

impl StockOut {
    /// The stock-out a refusal describes, with `menu` as it is now; `None` for any other refusal
    /// or a line the cart no longer has.
    pub fn from_body(body: &ErrorBody, cart: &Cart, menu: &Menu) -> Option<StockOut> {
        if body.error.code != ErrorCode::OutOfStock {
            return None;
        }
        let line = body
            .error
            .fields
            .iter()
            .flatten()
            .find_map(|(p, _)| line_of(p))?;
        let wanted = cart.lines.get(line)?;
        let pizza = menu.pizzas.iter().find(|p| p.id == wanted.pizza_id)?;
        // Other lines may hold the same pizza in another size: what is left is for them too.
        let other_sizes = pizza
            .sizes
            .iter()
            .filter(|s| s.code != wanted.size && pizza.enabled)
            .filter(|s| {
                s.limit()
                    .is_none_or(|left| left - cart.held(pizza.id, &s.code) >= wanted.quantity)
            })
            .map(|s| s.code.clone())
            .collect();
        Some(StockOut {
            line,
            quantity: wanted.quantity,
            pizza: pizza.name.clone(),
            size: wanted.size.clone(),
            other_sizes,
        })
    }

    /// "Plus assez d'ingrédients pour 2 Reine (grande)".
    pub fn describe(&self, lang: Lang) -> String {
        format!(
            "{} {} {} ({})",
            lang.errors().not_enough_for,
            self.quantity,
            self.pizza,
            lang.size(&self.size).to_lowercase()
        )
    }
}

/// `cart` with line `index` in `size` instead, keeping its quantity, its note and the extras
/// the pizza offers in that size.
pub fn resize(cart: &Cart, index: usize, size: &str, menu: &Menu) -> Cart {
    let Some(line) = cart.lines.get(index) else {
        return cart.clone();
    };
    let mut next = cart.clone();
    let pizza = menu.pizzas.iter().find(|p| p.id == line.pizza_id);
    let extras = line
        .extras
        .iter()
        .copied()
        .filter(|e| pizza.is_some_and(|p| extra_price(p, *e, size).is_some()))
        .collect();
    size.clone_into(&mut next.lines[index].size);
    next.lines[index].extras = extras;
    next
}

/// `cart` without line `index`.
pub fn remove(cart: &Cart, index: usize) -> Cart {
    (*Rc::new(cart.clone()).reduce(CartAction::Remove(index))).clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::cart::CartLine;
    use ocpizza_proto::api::menu::{MenuExtra, MenuPizza, MenuSize, SizePrice};
    use ocpizza_proto::{ErrorDetail, IngredientId, Money, PizzaId, ShopId};

    fn menu(medium: i64, large: i64) -> Menu {
        let size = |code: &str, available| MenuSize {
            code: code.into(),
            label: code.into(),
            price: Money(1000),
            available,
            limited_by: None,
        };
        Menu {
            shop_id: ShopId(1),
            stream_seq: 1,
            pizzas: vec![MenuPizza {
                id: PizzaId(4),
                name: "Reine".into(),
                description: String::new(),
                photo: None,
                allergens: vec![],
                enabled: true,
                sizes: vec![size("medium", medium), size("large", large)],
                extras: vec![MenuExtra {
                    ingredient_id: IngredientId(7),
                    name: "Œuf".into(),
                    allergens: vec![],
                    prices: vec![SizePrice {
                        size: "medium".into(),
                        price: Money(100),
                    }],
                }],
            }],
        }
    }

    fn cart() -> Cart {
        Cart {
            lines: vec![CartLine {
                pizza_id: PizzaId(4),
                size: "large".into(),
                quantity: 2,
                extras: vec![IngredientId(7)],
                note: "bien cuite".into(),
            }],
        }
    }

    fn refusal(code: ErrorCode, path: &str) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code,
                message: "Reine is no longer available".into(),
                fields: Some([(path.to_owned(), "not enough ham".to_owned())].into()),
            },
        }
    }

    #[test]
    fn a_stock_out_names_the_pizza_its_size_and_how_many() {
        let out = StockOut::from_body(
            &refusal(ErrorCode::OutOfStock, "lines[0]"),
            &cart(),
            &menu(5, 0),
        )
        .expect("a stock-out");
        assert_eq!(
            out.describe(Lang::Fr),
            "Plus assez d'ingrédients pour 2 Reine (grande)"
        );
        assert_eq!(
            out.describe(Lang::En),
            "Not enough ingredients left for 2 Reine (large)"
        );
        assert_eq!(out.other_sizes, ["medium"]);
        let none_left = StockOut::from_body(
            &refusal(ErrorCode::OutOfStock, "lines[0]"),
            &cart(),
            &menu(1, 0),
        );
        assert_eq!(
            none_left.unwrap().other_sizes,
            Vec::<String>::new(),
            "one medium is not two"
        );
        let many = StockOut::from_body(
            &refusal(ErrorCode::OutOfStock, "lines[0]"),
            &cart(),
            &menu(ocpizza_proto::api::menu::MANY, 0),
        );
        assert_eq!(many.unwrap().other_sizes, ["medium"], "many mediums left");
        assert_eq!(
            StockOut::from_body(
                &refusal(ErrorCode::InvalidInput, "lines[0]"),
                &cart(),
                &menu(5, 0)
            ),
            None
        );
        assert_eq!(
            StockOut::from_body(
                &refusal(ErrorCode::OutOfStock, "lines[3]"),
                &cart(),
                &menu(5, 0)
            ),
            None
        );
    }

    #[test]
    fn another_size_keeps_the_line_and_the_extras_that_size_offers() {
        let m = menu(5, 0);
        let medium = resize(&cart(), 0, "medium", &m);
        assert_eq!(medium.lines[0].size, "medium");
        assert_eq!(
            (medium.lines[0].quantity, medium.lines[0].note.as_str()),
            (2, "bien cuite")
        );
        assert_eq!(medium.lines[0].extras, [IngredientId(7)]);
        let back = resize(&medium, 0, "large", &m);
        assert!(
            back.lines[0].extras.is_empty(),
            "the egg is not offered in large"
        );
        assert!(remove(&cart(), 0).is_empty());
    }
}
