//! A shop's stock screen: every ingredient's level live from `shop:{id}:stock`, and which
//! pizzas cannot be made and why, live from `shop:{id}:menu`.

use super::Connection;
use ocpizza_proto::api::menu::{Menu, MenuPizza};
use ocpizza_proto::api::stock::{StockLevel, StockList};
use ocpizza_proto::events::{Event, Stream};
use ocpizza_proto::ws::{ServerMsg, Snapshot};
use ocpizza_proto::{IngredientId, PizzaId};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::Reducible;

/// What the stock screen shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StockState {
    /// Levels by ingredient.
    pub items: BTreeMap<IngredientId, StockLevel>,
    /// Last sequence of the stock stream applied.
    pub seq: i64,
    /// The shop's menu with availability, once loaded.
    pub menu: Option<Menu>,
    /// Last sequence of the menu stream applied.
    pub menu_seq: i64,
    /// The first stock load finished.
    pub loaded: bool,
    /// Live connection state.
    pub connection: Connection,
}

/// What can happen to the stock screen.
#[derive(Debug, Clone, PartialEq)]
pub enum StockAction {
    /// The REST load of the levels.
    Loaded(Box<StockList>),
    /// The REST load of the menu (also after a pizza is switched on or off).
    MenuLoaded(Box<Menu>),
    /// A message of the stock or the menu stream.
    Server(Box<ServerMsg>),
    /// The connection changed.
    Connection(Connection),
}

/// A pizza that cannot be ordered in this shop right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable<'a> {
    /// The pizza.
    pub pizza: &'a MenuPizza,
    /// Switched off by a manager.
    pub switched_off: bool,
    /// Sizes that cannot be made, each with the short ingredient when known.
    pub sizes: Vec<(&'a str, Option<&'a str>)>,
}

impl StockState {
    /// Levels in name order.
    pub fn levels(&self) -> Vec<&StockLevel> {
        let mut levels: Vec<&StockLevel> = self.items.values().collect();
        levels.sort_by(|a, b| a.name.cmp(&b.name));
        levels
    }

    /// Ingredients below their threshold.
    pub fn low_count(&self) -> usize {
        self.items.values().filter(|l| l.low).count()
    }

    /// Pizzas switched off, or with a size that cannot be made, in menu order.
    pub fn unavailable(&self) -> Vec<Unavailable<'_>> {
        let Some(menu) = &self.menu else {
            return Vec::new();
        };
        menu.pizzas
            .iter()
            .filter_map(|pizza| {
                let sizes: Vec<(&str, Option<&str>)> = pizza
                    .sizes
                    .iter()
                    .filter(|s| s.available == 0)
                    .map(|s| (s.label.as_str(), s.limited_by.as_deref()))
                    .collect();
                (!pizza.enabled || !sizes.is_empty()).then_some(Unavailable {
                    pizza,
                    switched_off: !pizza.enabled,
                    sizes,
                })
            })
            .collect()
    }

    fn set_levels(&mut self, items: Vec<StockLevel>) {
        for level in items {
            self.items.insert(level.ingredient_id, level);
        }
    }

    fn set_available(&mut self, pizza: PizzaId, size: &str, available: i64) {
        let Some(menu) = &mut self.menu else { return };
        if let Some(s) = menu
            .pizzas
            .iter_mut()
            .find(|p| p.id == pizza)
            .and_then(|p| p.sizes.iter_mut().find(|s| s.code == size))
        {
            s.available = available;
            if available > 0 {
                s.limited_by = None;
            }
        }
    }

    /// Applies a message of either stream; `false` if it was not for this screen or old.
    fn apply_message(&mut self, msg: ServerMsg) -> bool {
        let (stream, seq) = match &msg {
            ServerMsg::Event { stream, seq, .. } | ServerMsg::Snapshot { stream, seq, .. } => {
                (Stream::parse(stream), *seq)
            }
            _ => return false,
        };
        match (stream, msg) {
            (
                Some(Stream::ShopStock(_)),
                ServerMsg::Snapshot {
                    state: Snapshot::Stock { items },
                    ..
                },
            ) => {
                self.items.clear();
                self.set_levels(items);
                self.seq = seq;
                self.loaded = true;
            }
            // Replays may repeat what the REST load showed: older events are skipped.
            (
                Some(Stream::ShopStock(_)),
                ServerMsg::Event {
                    event: Event::StockChanged { items, .. },
                    ..
                },
            ) if seq > self.seq => {
                self.set_levels(items);
                self.seq = seq;
            }
            (
                Some(Stream::ShopMenu(_)),
                ServerMsg::Snapshot {
                    state: Snapshot::Menu { menu, .. },
                    ..
                },
            ) => {
                self.menu = Some(*menu);
                self.menu_seq = seq;
            }
            (Some(Stream::ShopMenu(_)), ServerMsg::Event { event, .. }) if seq > self.menu_seq => {
                if let Event::AvailabilityChanged { items, .. } = event {
                    for a in items {
                        self.set_available(a.pizza_id, &a.size, a.available);
                    }
                }
                self.menu_seq = seq;
            }
            _ => return false,
        }
        true
    }
}

impl Reducible for StockState {
    type Action = StockAction;

    fn reduce(self: Rc<Self>, action: StockAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            StockAction::Loaded(list) => {
                if list.stream_seq < next.seq {
                    return self;
                }
                next.seq = list.stream_seq;
                next.items.clear();
                next.set_levels(list.items);
                next.loaded = true;
            }
            StockAction::MenuLoaded(menu) => {
                if menu.stream_seq < next.menu_seq {
                    return self;
                }
                next.menu_seq = menu.stream_seq;
                next.menu = Some(*menu);
            }
            StockAction::Server(msg) => {
                if !next.apply_message(*msg) {
                    return self;
                }
            }
            StockAction::Connection(c) => next.connection = c,
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpizza_proto::api::Unit;
    use ocpizza_proto::api::menu::{Availability, MenuSize};
    use ocpizza_proto::{Money, ShopId};

    fn level(id: i64, name: &str, on_hand: i64, reserved: i64) -> StockLevel {
        StockLevel {
            ingredient_id: IngredientId(id),
            name: name.into(),
            unit: Unit::G,
            on_hand,
            reserved,
            low_threshold: 100,
            low: on_hand - reserved < 100,
        }
    }

    fn loaded() -> Rc<StockState> {
        Rc::new(StockState::default()).reduce(StockAction::Loaded(Box::new(StockList {
            shop_id: ShopId(1),
            stream_seq: 5,
            items: vec![
                level(1, "Mozzarella", 1000, 200),
                level(2, "Basilic", 50, 0),
            ],
        })))
    }

    fn changed(seq: i64, items: Vec<StockLevel>) -> StockAction {
        StockAction::Server(Box::new(ServerMsg::Event {
            stream: "shop:1:stock".into(),
            seq,
            event: Event::StockChanged {
                shop_id: ShopId(1),
                items,
            },
        }))
    }

    #[test]
    fn levels_load_in_name_order_with_the_low_ones_counted() {
        let state = loaded();
        let names: Vec<&str> = state.levels().iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["Basilic", "Mozzarella"]);
        assert_eq!(state.low_count(), 1);
    }

    #[test]
    fn stock_changes_update_the_levels_and_replays_are_skipped() {
        // A cook starts an order: the reservation becomes a consumption.
        let state = loaded().reduce(changed(6, vec![level(1, "Mozzarella", 800, 0)]));
        let mozza = &state.items[&IngredientId(1)];
        assert_eq!((mozza.on_hand, mozza.reserved), (800, 0));
        assert_eq!(state.seq, 6);
        let replay = state
            .clone()
            .reduce(changed(6, vec![level(1, "Mozzarella", 1000, 200)]));
        assert!(Rc::ptr_eq(&state, &replay));
        let old = state
            .clone()
            .reduce(changed(4, vec![level(2, "Basilic", 0, 0)]));
        assert!(Rc::ptr_eq(&state, &old));
        let state = state.reduce(changed(7, vec![level(2, "Basilic", 500, 0)]));
        assert_eq!(state.low_count(), 0);
    }

    #[test]
    fn an_older_rest_load_does_not_undo_live_changes() {
        let state = loaded().reduce(changed(6, vec![level(1, "Mozzarella", 800, 0)]));
        let stale = state
            .clone()
            .reduce(StockAction::Loaded(Box::new(StockList {
                shop_id: ShopId(1),
                stream_seq: 5,
                items: vec![],
            })));
        assert!(Rc::ptr_eq(&state, &stale));
    }

    fn size(code: &str, available: i64, limited_by: Option<&str>) -> MenuSize {
        MenuSize {
            code: code.into(),
            label: code.to_uppercase(),
            price: Money(1000),
            available,
            limited_by: limited_by.map(Into::into),
        }
    }

    fn pizza(id: i64, enabled: bool, sizes: Vec<MenuSize>) -> MenuPizza {
        MenuPizza {
            id: PizzaId(id),
            name: format!("Pizza {id}"),
            description: String::new(),
            photo: None,
            allergens: vec![],
            enabled,
            sizes,
            extras: vec![],
        }
    }

    #[test]
    fn unavailable_pizzas_say_why_and_follow_availability_live() {
        let menu = Menu {
            shop_id: ShopId(1),
            stream_seq: 3,
            pizzas: vec![
                pizza(
                    1,
                    true,
                    vec![size("medium", 4, None), size("large", 0, Some("Basilic"))],
                ),
                pizza(2, false, vec![size("medium", 9, None)]),
                pizza(3, true, vec![size("medium", 2, None)]),
            ],
        };
        let state = loaded().reduce(StockAction::MenuLoaded(Box::new(menu)));
        let out = state.unavailable();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].sizes, [("LARGE", Some("Basilic"))]);
        assert!(out[1].switched_off && out[1].sizes.is_empty());
        let state = state.reduce(StockAction::Server(Box::new(ServerMsg::Event {
            stream: "shop:1:menu".into(),
            seq: 4,
            event: Event::AvailabilityChanged {
                shop_id: ShopId(1),
                items: vec![
                    Availability {
                        pizza_id: PizzaId(1),
                        size: "large".into(),
                        available: 3,
                    },
                    Availability {
                        pizza_id: PizzaId(3),
                        size: "medium".into(),
                        available: 0,
                    },
                ],
            },
        })));
        let out = state.unavailable();
        let ids: Vec<i64> = out.iter().map(|u| u.pizza.id.0).collect();
        assert_eq!(ids, [2, 3]);
        assert_eq!(out[1].sizes, [("MEDIUM", None)]);
    }
}
