//! A shop's menu page: the menu with live availability and the shop's pause state.

use super::Connection;
use ocpizza_proto::api::menu::{Availability, Menu};
use ocpizza_proto::api::shops::Shop;
use ocpizza_proto::events::Event;
use ocpizza_proto::ws::{ServerMsg, Snapshot};
use std::rc::Rc;
use yew::Reducible;

/// What the menu page shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MenuState {
    /// The shop, once loaded.
    pub shop: Option<Shop>,
    /// Its menu, once loaded.
    pub menu: Option<Menu>,
    /// Last sequence of the menu stream applied.
    pub seq: i64,
    /// Live connection state.
    pub connection: Connection,
    /// Loading failed.
    pub failed: bool,
    /// No such shop: nothing to retry.
    pub missing: bool,
}

/// What can happen to it.
#[derive(Debug, Clone, PartialEq)]
pub enum MenuAction {
    /// The REST load finished.
    Loaded(Box<Shop>, Box<Menu>),
    /// The shop asked again (its hours changed what it shows).
    ShopLoaded(Box<Shop>),
    /// The REST load failed.
    Failed,
    /// The shop does not exist.
    Missing,
    /// A message of the live stream.
    Server(Box<ServerMsg>),
    /// The menu loaded again after the catalogue changed (names, prices, recipes).
    Reloaded(Box<Menu>),
    /// The connection changed.
    Connection(Connection),
}

impl MenuState {
    fn apply_availability(&mut self, items: &[Availability]) {
        let Some(menu) = &mut self.menu else { return };
        for item in items {
            let size = menu
                .pizzas
                .iter_mut()
                .filter(|p| p.id == item.pizza_id)
                .flat_map(|p| p.sizes.iter_mut())
                .find(|s| s.code == item.size);
            if let Some(size) = size {
                size.available = item.available;
                if item.available > 0 {
                    size.limited_by = None;
                }
            }
        }
    }

    fn apply_event(&mut self, event: &Event) {
        match event {
            Event::AvailabilityChanged { items, .. } => self.apply_availability(items),
            Event::ShopPaused { reason, .. } => {
                if let Some(shop) = &mut self.shop {
                    shop.paused = true;
                    shop.pause_reason.clone_from(reason);
                }
            }
            Event::ShopResumed { .. } => {
                if let Some(shop) = &mut self.shop {
                    shop.paused = false;
                    shop.pause_reason = None;
                }
            }
            // Its settings, hours and closures changed, or it was reopened.
            Event::ShopUpdated { shop, .. } | Event::ShopOpened { shop, .. } => {
                self.shop = Some((**shop).clone());
            }
            Event::ShopRetired { .. } => {
                if let Some(shop) = &mut self.shop {
                    shop.retired = true;
                }
            }
            _ => {}
        }
    }
}

impl Reducible for MenuState {
    type Action = MenuAction;

    fn reduce(self: Rc<Self>, action: MenuAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            MenuAction::Loaded(shop, menu) => {
                next.seq = menu.stream_seq;
                next.shop = Some(*shop);
                next.menu = Some(*menu);
                next.failed = false;
            }
            // Its pause is followed live; keep the stream's word on it.
            MenuAction::ShopLoaded(shop) => match &mut next.shop {
                Some(current) => {
                    current.open_state = shop.open_state;
                    current.open_now = shop.open_now;
                    current.today_hours = shop.today_hours;
                }
                None => return self,
            },
            // Loaded after the event that asked for it: never behind what was applied.
            MenuAction::Reloaded(menu) => {
                next.seq = next.seq.max(menu.stream_seq);
                next.menu = Some(*menu);
            }
            MenuAction::Failed => next.failed = true,
            MenuAction::Missing => next.missing = true,
            MenuAction::Connection(c) => next.connection = c,
            MenuAction::Server(msg) => match *msg {
                ServerMsg::Snapshot {
                    seq,
                    state: Snapshot::Menu { shop, menu },
                    ..
                } => {
                    next.seq = seq;
                    next.shop = Some(*shop);
                    next.menu = Some(*menu);
                }
                // Replays may repeat what the REST load already showed: applying an event
                // twice gives the same result, and older ones are skipped.
                ServerMsg::Event { seq, event, .. } if seq > next.seq => {
                    next.apply_event(&event);
                    next.seq = seq;
                }
                _ => return self,
            },
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpizza_proto::api::menu::{MenuPizza, MenuSize};
    use ocpizza_proto::{Money, OpeningHours, PizzaId, ShopId};

    fn loaded() -> Rc<MenuState> {
        let shop = Shop {
            id: ShopId(1),
            name: "Oberkampf".into(),
            street: "112 rue Oberkampf".into(),
            postcode: "75011".into(),
            city: "Paris".into(),
            phone: "01".into(),
            timezone: "Europe/Paris".into(),
            hours: OpeningHours::default(),
            delivery_postcodes: vec![],
            paused: false,
            pause_reason: None,
            open_now: true,
            today_hours: vec![],
            open_state: ocpizza_proto::OpenState::Open { until: None },
            retired: false,
            min_delivery_order: Money::ZERO,
            delivery_fee: Money::ZERO,
            closures: vec![],
            closed_today: None,
        };
        let size = |code: &str, available| MenuSize {
            code: code.into(),
            label: code.into(),
            price: Money(1050),
            available,
            limited_by: None,
        };
        let menu = Menu {
            shop_id: ShopId(1),
            stream_seq: 10,
            pizzas: vec![MenuPizza {
                id: PizzaId(4),
                name: "Napolitaine".into(),
                description: String::new(),
                photo: None,
                allergens: vec![],
                enabled: true,
                sizes: vec![size("medium", 3), size("large", 2)],
                extras: vec![],
            }],
        };
        Rc::new(MenuState::default()).reduce(MenuAction::Loaded(Box::new(shop), Box::new(menu)))
    }

    fn event(seq: i64, event: Event) -> MenuAction {
        MenuAction::Server(Box::new(ServerMsg::Event {
            stream: "shop:1:menu".into(),
            seq,
            event,
        }))
    }

    fn availability(available: i64) -> Event {
        Event::AvailabilityChanged {
            shop_id: ShopId(1),
            items: vec![Availability {
                pizza_id: PizzaId(4),
                size: "medium".into(),
                available,
            }],
        }
    }

    fn medium(state: &MenuState) -> i64 {
        state.menu.as_ref().unwrap().pizzas[0].sizes[0].available
    }

    #[test]
    fn availability_events_update_the_size_they_name() {
        let state = loaded().reduce(event(11, availability(0)));
        assert_eq!(medium(&state), 0);
        assert_eq!(state.menu.as_ref().unwrap().pizzas[0].sizes[1].available, 2);
        assert_eq!(state.seq, 11);
    }

    #[test]
    fn events_already_applied_are_skipped() {
        let state = loaded()
            .reduce(event(11, availability(1)))
            .reduce(event(11, availability(0)));
        assert_eq!(medium(&state), 1);
        let state = state.reduce(event(9, availability(0)));
        assert_eq!(medium(&state), 1, "older than the REST snapshot");
    }

    #[test]
    fn a_pause_and_a_resume_show_on_the_shop() {
        let reason = Some("four en panne".to_owned());
        let state = loaded().reduce(event(
            11,
            Event::ShopPaused {
                shop_id: ShopId(1),
                reason: reason.clone(),
            },
        ));
        assert!(state.shop.as_ref().unwrap().paused);
        assert_eq!(state.shop.as_ref().unwrap().pause_reason, reason);
        let state = state.reduce(event(12, Event::ShopResumed { shop_id: ShopId(1) }));
        assert!(!state.shop.as_ref().unwrap().paused);
    }

    #[test]
    fn the_shop_asked_again_brings_its_hours_state_and_keeps_the_live_pause() {
        let paused = loaded().reduce(event(
            11,
            Event::ShopPaused {
                shop_id: ShopId(1),
                reason: None,
            },
        ));
        let mut asked = paused.shop.clone().unwrap();
        asked.paused = false;
        asked.open_state = ocpizza_proto::OpenState::Closed { next: None };
        let state = paused.reduce(MenuAction::ShopLoaded(Box::new(asked)));
        let shop = state.shop.as_ref().unwrap();
        assert_eq!(
            shop.open_state,
            ocpizza_proto::OpenState::Closed { next: None }
        );
        assert!(shop.paused, "the pause follows the menu stream");
    }
}
