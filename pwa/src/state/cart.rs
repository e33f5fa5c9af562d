//! The cart of one shop: what the customer picked, priced against the live menu.
//!
//! The cart keeps only ids, quantities, extras and notes; names and prices always come from
//! the menu currently shown, so a price or availability change is never hidden by a stale copy.
//! It is saved per shop in `localStorage` in a small versioned JSON format ([`Cart::to_json`]).

use ocpizza_proto::api::menu::{Menu, MenuPizza, MenuSize};
use ocpizza_proto::api::orders::LineInput;
use ocpizza_proto::{IngredientId, Money, PizzaId};
use serde::{Deserialize, Serialize};
use std::rc::Rc;
use yew::Reducible;

/// Most pizzas of one line (the server refuses more).
pub const MAX_QUANTITY: i64 = 20;
/// Most lines of one order (the server refuses more).
pub const MAX_LINES: usize = 30;
/// Version of the saved format; anything else is ignored when loading.
const FORMAT: u32 = 1;

/// One line of the cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    /// The pizza.
    pub pizza_id: PizzaId,
    /// Its size code.
    pub size: String,
    /// 1 to [`MAX_QUANTITY`].
    pub quantity: i64,
    /// Extras chosen, each at most once.
    #[serde(default)]
    pub extras: Vec<IngredientId>,
    /// Note for the kitchen.
    #[serde(default)]
    pub note: String,
}

impl CartLine {
    fn plain(&self, pizza_id: PizzaId, size: &str) -> bool {
        self.pizza_id == pizza_id
            && self.size == size
            && self.extras.is_empty()
            && self.note.is_empty()
    }
}

/// The cart.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cart {
    /// Lines in the order they were added.
    pub lines: Vec<CartLine>,
}

/// The saved form: `{"v":1,"lines":[…]}`.
#[derive(Serialize, Deserialize)]
struct Saved {
    v: u32,
    lines: Vec<CartLine>,
}

/// What the customer does to the cart.
#[derive(Debug, Clone, PartialEq)]
pub enum CartAction {
    /// One more of a pizza size (a new line unless a plain line of it exists).
    Add(PizzaId, String),
    /// One pizza size with the extras chosen where it was added (see `state::add`).
    AddWithExtras(PizzaId, String, Vec<IngredientId>),
    /// One more on a line.
    Increment(usize),
    /// One less on a line (never below one: removing is explicit).
    Decrement(usize),
    /// Removes a line.
    Remove(usize),
    /// Adds or removes an extra on a line.
    ToggleExtra(usize, IngredientId),
    /// Sets a line's note.
    SetNote(usize, String),
    /// Empties the cart (after ordering).
    Clear,
}

/// A line priced against the menu.
#[derive(Debug, Clone, PartialEq)]
pub struct PricedLine<'m> {
    /// The pizza on the menu.
    pub pizza: &'m MenuPizza,
    /// The size on the menu.
    pub size: &'m MenuSize,
    /// Price of one pizza with its extras.
    pub unit: Money,
    /// `unit × quantity`.
    pub total: Money,
}

/// The price of `extra` for `size`, if the pizza offers it in that size.
pub fn extra_price(pizza: &MenuPizza, extra: IngredientId, size: &str) -> Option<Money> {
    pizza
        .extras
        .iter()
        .find(|e| e.ingredient_id == extra)?
        .prices
        .iter()
        .find(|p| p.size == size)
        .map(|p| p.price)
}

impl Cart {
    /// Reads the saved form; anything unreadable or of another version gives an empty cart.
    pub fn from_json(json: &str) -> Cart {
        match serde_json::from_str::<Saved>(json) {
            Ok(saved) if saved.v == FORMAT => Cart { lines: saved.lines },
            _ => Cart::default(),
        }
    }

    /// The saved form.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&Saved {
            v: FORMAT,
            lines: self.lines.clone(),
        })
        .unwrap_or_default()
    }

    /// Number of pizzas.
    pub fn count(&self) -> i64 {
        self.lines.iter().map(|l| l.quantity).sum()
    }

    /// Whether the cart is empty.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// How many pizzas of `pizza_id` in `size` the cart holds, over all its lines.
    pub fn held(&self, pizza_id: PizzaId, size: &str) -> i64 {
        self.lines
            .iter()
            .filter(|l| l.pizza_id == pizza_id && l.size == size)
            .map(|l| l.quantity)
            .sum()
    }

    /// Line `index` priced against `menu`; `None` when the pizza or size left the menu.
    pub fn priced<'m>(&self, menu: &'m Menu, index: usize) -> Option<PricedLine<'m>> {
        let line = self.lines.get(index)?;
        let pizza = menu.pizzas.iter().find(|p| p.id == line.pizza_id)?;
        let size = pizza.sizes.iter().find(|s| s.code == line.size)?;
        let extras: Money = line
            .extras
            .iter()
            .filter_map(|e| extra_price(pizza, *e, &line.size))
            .sum();
        let unit = size.price + extras;
        Some(PricedLine {
            pizza,
            size,
            unit,
            total: unit * line.quantity,
        })
    }

    /// Total of the lines still on the menu.
    pub fn total(&self, menu: &Menu) -> Money {
        (0..self.lines.len())
            .filter_map(|i| self.priced(menu, i))
            .map(|p| p.total)
            .sum()
    }

    /// When line `index` asks for more than the shop can make now, how many it can make
    /// (`Some(0)` when none, or the pizza is switched off or gone from the menu). Known when
    /// few are left only: above, the order's answer says whether there were enough.
    pub fn shortage(&self, menu: &Menu, index: usize) -> Option<i64> {
        let line = self.lines.get(index)?;
        let Some(priced) = self.priced(menu, index) else {
            return Some(0);
        };
        if !priced.pizza.enabled {
            return Some(0);
        }
        // Above a few left the menu does not say how many: the order itself will tell.
        let available = priced.size.limit()?;
        (self.held(line.pizza_id, &line.size) > available).then_some(available)
    }

    /// Whether any line asks for more than is available.
    pub fn has_shortage(&self, menu: &Menu) -> bool {
        (0..self.lines.len()).any(|i| self.shortage(menu, i).is_some())
    }

    /// The lines as the order request wants them (empty notes left out).
    pub fn to_inputs(&self) -> Vec<LineInput> {
        self.lines
            .iter()
            .map(|l| LineInput {
                pizza_id: l.pizza_id,
                size: l.size.clone(),
                quantity: l.quantity,
                extras: l.extras.clone(),
                note: Some(l.note.trim().to_owned()).filter(|n| !n.is_empty()),
            })
            .collect()
    }

    fn apply(&mut self, action: CartAction) {
        match action {
            CartAction::Add(pizza_id, size) => {
                if let Some(line) = self.lines.iter_mut().find(|l| l.plain(pizza_id, &size)) {
                    line.quantity = (line.quantity + 1).min(MAX_QUANTITY);
                } else if self.lines.len() < MAX_LINES {
                    self.lines.push(CartLine {
                        pizza_id,
                        size,
                        quantity: 1,
                        extras: Vec::new(),
                        note: String::new(),
                    });
                }
            }
            CartAction::AddWithExtras(pizza_id, size, extras) => {
                self.add_with_extras(pizza_id, size, extras);
            }
            CartAction::Increment(i) => {
                if let Some(line) = self.lines.get_mut(i) {
                    line.quantity = (line.quantity + 1).min(MAX_QUANTITY);
                }
            }
            CartAction::Decrement(i) => {
                if let Some(line) = self.lines.get_mut(i) {
                    line.quantity = (line.quantity - 1).max(1);
                }
            }
            CartAction::Remove(i) => {
                if i < self.lines.len() {
                    self.lines.remove(i);
                }
            }
            CartAction::ToggleExtra(i, extra) => {
                if let Some(line) = self.lines.get_mut(i) {
                    if let Some(at) = line.extras.iter().position(|e| *e == extra) {
                        line.extras.remove(at);
                    } else {
                        line.extras.push(extra);
                    }
                }
            }
            CartAction::SetNote(i, note) => {
                if let Some(line) = self.lines.get_mut(i) {
                    line.note = note;
                }
            }
            CartAction::Clear => self.lines.clear(),
        }
    }
}

impl Reducible for Cart {
    type Action = CartAction;

    fn reduce(self: Rc<Self>, action: CartAction) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        if next == *self { self } else { Rc::new(next) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpizza_proto::ShopId;
    use ocpizza_proto::api::menu::{FEW_LEFT, MANY, MenuExtra, SizePrice};

    fn menu(available: i64) -> Menu {
        let size = |code: &str, price, available| MenuSize {
            code: code.into(),
            label: code.into(),
            price: Money(price),
            available,
            limited_by: None,
        };
        Menu {
            shop_id: ShopId(1),
            stream_seq: 3,
            pizzas: vec![MenuPizza {
                id: PizzaId(4),
                name: "Reine".into(),
                description: String::new(),
                photo: None,
                allergens: vec![],
                enabled: true,
                sizes: vec![size("medium", 1050, available), size("large", 1350, 9)],
                extras: vec![MenuExtra {
                    ingredient_id: IngredientId(7),
                    name: "Mozzarella".into(),
                    allergens: vec![],
                    prices: vec![
                        SizePrice {
                            size: "medium".into(),
                            price: Money(150),
                        },
                        SizePrice {
                            size: "large".into(),
                            price: Money(200),
                        },
                    ],
                }],
            }],
        }
    }

    fn cart(actions: impl IntoIterator<Item = CartAction>) -> Rc<Cart> {
        actions
            .into_iter()
            .fold(Rc::new(Cart::default()), Reducible::reduce)
    }

    fn add(size: &str) -> CartAction {
        CartAction::Add(PizzaId(4), size.into())
    }

    #[test]
    fn adding_the_same_plain_size_twice_makes_one_line_of_two() {
        let c = cart([add("medium"), add("medium"), add("large")]);
        assert_eq!(c.lines.len(), 2);
        assert_eq!(c.lines[0].quantity, 2);
        assert_eq!(c.count(), 3);
    }

    #[test]
    fn a_line_with_extras_or_a_note_is_kept_apart_from_new_additions() {
        let c = cart([
            add("medium"),
            CartAction::ToggleExtra(0, IngredientId(7)),
            add("medium"),
        ]);
        assert_eq!(c.lines.len(), 2);
        let c = cart([
            add("medium"),
            CartAction::SetNote(0, "bien cuite".into()),
            add("medium"),
        ]);
        assert_eq!(c.lines.len(), 2);
    }

    #[test]
    fn quantities_stay_between_one_and_the_maximum() {
        let mut actions = vec![add("medium"), CartAction::Decrement(0)];
        actions.extend((0..30).map(|_| CartAction::Increment(0)));
        let c = cart(actions);
        assert_eq!(c.lines[0].quantity, MAX_QUANTITY);
        let c = cart([add("medium"), CartAction::Decrement(0)]);
        assert_eq!(c.lines[0].quantity, 1, "removing is explicit");
        let c = cart([add("medium"), CartAction::Remove(0), CartAction::Remove(5)]);
        assert!(c.is_empty());
    }

    #[test]
    fn totals_count_extras_at_the_price_of_the_lines_size() {
        let c = cart([
            add("medium"),
            CartAction::Increment(0),
            CartAction::ToggleExtra(0, IngredientId(7)),
            add("large"),
            CartAction::ToggleExtra(1, IngredientId(7)),
        ]);
        let m = menu(5);
        assert_eq!(c.priced(&m, 0).unwrap().unit, Money(1200));
        assert_eq!(c.total(&m), Money(2 * 1200 + 1550));
        let c = c.reduce(CartAction::ToggleExtra(0, IngredientId(7)));
        assert_eq!(
            c.total(&m),
            Money(2 * 1050 + 1550),
            "toggling twice removes it"
        );
    }

    #[test]
    fn a_line_asking_more_than_is_available_shows_what_is_left() {
        let c = cart([add("medium"), add("medium"), add("large")]);
        assert_eq!(c.shortage(&menu(5), 0), None);
        assert_eq!(c.shortage(&menu(1), 0), Some(1));
        assert_eq!(c.shortage(&menu(0), 0), Some(0));
        assert_eq!(c.shortage(&menu(1), 1), None, "large is still there");
        let mut off = menu(5);
        off.pizzas[0].enabled = false;
        assert_eq!(c.shortage(&off, 1), Some(0));
        assert!(c.has_shortage(&menu(1)) && !c.has_shortage(&menu(2)));
    }

    #[test]
    fn above_a_few_left_the_menu_sets_no_limit_on_a_line() {
        let party = cart((0..9).map(|_| add("medium")));
        assert_eq!(party.shortage(&menu(MANY), 0), None, "nine of many");
        assert_eq!(party.shortage(&menu(FEW_LEFT), 0), Some(FEW_LEFT));
    }

    #[test]
    fn the_saved_format_round_trips_and_unknown_versions_are_dropped() {
        let c = cart([
            add("medium"),
            CartAction::ToggleExtra(0, IngredientId(7)),
            CartAction::SetNote(0, "bien cuite".into()),
        ]);
        let json = c.to_json();
        assert_eq!(
            json,
            r#"{"v":1,"lines":[{"pizza_id":4,"size":"medium","quantity":1,"extras":[7],"note":"bien cuite"}]}"#
        );
        assert_eq!(Cart::from_json(&json), *c);
        assert!(Cart::from_json(r#"{"v":2,"lines":[]}"#).is_empty());
        assert!(Cart::from_json("not json").is_empty());
    }

    #[test]
    fn order_lines_leave_blank_notes_out() {
        let c = cart([add("medium"), CartAction::SetNote(0, "  ".into())]);
        let inputs = c.to_inputs();
        assert_eq!(inputs[0].note, None);
        assert_eq!(inputs[0].quantity, 1);
    }
}
