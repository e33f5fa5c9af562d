//! A card's alerts: the ingredients below their low-stock threshold (raised and cleared live
//! from the shop's stock stream, which says each ingredient's new level when it moves), and
//! the open orders late in each stage (judged by the board's clock against the limits of
//! `ocpizza_proto::api::dashboard::LATE_AFTER_MINUTES`).

use super::{STAGES, ShopCard, is_late};
use ocpizza_proto::OrderStatus;
use ocpizza_proto::api::stock::StockLevel;
use ocpizza_proto::events::Event;
use ocpizza_proto::ws::{ServerMsg, Snapshot};

/// Late orders of one stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LateStage {
    /// The stage.
    pub status: OrderStatus,
    /// How many of its orders are late.
    pub orders: usize,
    /// Its limit, in minutes.
    pub minutes: i64,
}

impl ShopCard {
    /// Ingredients low now, by name.
    pub fn low(&self) -> Vec<&StockLevel> {
        let mut low: Vec<&StockLevel> = self.low_stock.values().collect();
        low.sort_by(|a, b| a.name.cmp(&b.name));
        low
    }

    /// The stages with late orders at `now_ms`, in the order's order.
    pub fn late_by_stage(&self, now_ms: f64) -> Vec<LateStage> {
        STAGES
            .iter()
            .filter_map(|&status| {
                let orders = self.in_stage(status).filter(|o| is_late(o, now_ms)).count();
                let minutes = ocpizza_proto::api::dashboard::late_after_minutes(status)?;
                (orders > 0).then_some(LateStage {
                    status,
                    orders,
                    minutes,
                })
            })
            .collect()
    }

    /// Whether the card has anything to alert about at `now_ms`.
    pub fn has_alerts(&self, now_ms: f64) -> bool {
        !self.low_stock.is_empty() || !self.late_by_stage(now_ms).is_empty()
    }

    /// Takes the new levels of some ingredients: a low one raises (or keeps) its alert, any
    /// other clears it.
    fn levels(&mut self, items: Vec<StockLevel>) {
        for item in items {
            if item.low {
                self.low_stock.insert(item.ingredient_id, item);
            } else {
                self.low_stock.remove(&item.ingredient_id);
            }
        }
    }

    /// Applies a message of the shop's stock stream at `seq`; `false` if it was ignored (an
    /// event already applied: replays may repeat what the load showed).
    pub(super) fn apply_stock(&mut self, seq: i64, msg: ServerMsg) -> bool {
        match msg {
            ServerMsg::Snapshot {
                state: Snapshot::Stock { items },
                ..
            } => {
                self.low_stock.clear();
                self.levels(items);
            }
            ServerMsg::Event { event, .. } if seq > self.stock_seq => {
                if let Event::StockChanged { items, .. } = event {
                    self.levels(items);
                }
            }
            _ => return false,
        }
        self.stock_seq = seq;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::loaded;
    use super::super::{DashboardAction, LATE_PREPARING_MS};
    use ocpizza_proto::api::Unit;
    use ocpizza_proto::api::stock::StockLevel;
    use ocpizza_proto::events::{Event, Stream};
    use ocpizza_proto::ws::{ServerMsg, Snapshot};
    use ocpizza_proto::{IngredientId, OrderStatus, ShopId};
    use yew::Reducible;

    fn level(id: i64, on_hand: i64, threshold: i64) -> StockLevel {
        StockLevel {
            ingredient_id: IngredientId(id),
            name: format!("ingrédient {id}"),
            unit: Unit::G,
            on_hand,
            reserved: 0,
            low_threshold: threshold,
            low: on_hand < threshold,
        }
    }

    fn stock_event(seq: i64, items: Vec<StockLevel>) -> DashboardAction {
        DashboardAction::Server(Box::new(ServerMsg::Event {
            stream: Stream::ShopStock(ShopId(1)).to_string(),
            seq,
            event: Event::StockChanged {
                shop_id: ShopId(1),
                items,
            },
        }))
    }

    #[test]
    fn crossing_the_threshold_raises_an_alert_and_a_restock_clears_it() {
        let state = loaded().reduce(stock_event(3, vec![level(7, 400, 500)]));
        let card = &state.shops[&ShopId(1)];
        assert_eq!(card.low().len(), 1);
        assert!(card.has_alerts(state.now_ms) || !card.low().is_empty());
        let state = state.reduce(stock_event(4, vec![level(7, 5400, 500)]));
        assert!(state.shops[&ShopId(1)].low().is_empty());
        // A replayed older event changes nothing.
        let state = state.reduce(stock_event(3, vec![level(7, 400, 500)]));
        assert!(state.shops[&ShopId(1)].low().is_empty());
    }

    #[test]
    fn a_snapshot_of_the_stock_stream_replaces_the_alerts() {
        let state = loaded().reduce(stock_event(1, vec![level(7, 1, 500)]));
        let state = state.reduce(DashboardAction::Server(Box::new(ServerMsg::Snapshot {
            stream: Stream::ShopStock(ShopId(1)).to_string(),
            seq: 9,
            state: Snapshot::Stock {
                items: vec![level(7, 900, 500), level(8, 2, 10)],
            },
        })));
        let low: Vec<i64> = state.shops[&ShopId(1)]
            .low()
            .iter()
            .map(|l| l.ingredient_id.0)
            .collect();
        assert_eq!(low, [8]);
        assert_eq!(state.shops[&ShopId(1)].stock_seq, 9);
    }

    #[test]
    fn late_orders_are_counted_per_stage() {
        let state = loaded();
        let card = &state.shops[&ShopId(1)];
        // Order 1 was placed at T0: late 10 minutes later.
        assert!(card.late_by_stage(state.now_ms).is_empty());
        let later = state.now_ms + LATE_PREPARING_MS;
        let late = card.late_by_stage(later);
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].status, OrderStatus::Placed);
        assert_eq!((late[0].orders, late[0].minutes), (1, 10));
    }
}
