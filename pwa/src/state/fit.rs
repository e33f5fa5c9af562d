//! How many tickets of each kitchen column the wall has room for. The wall never scrolls: a
//! column shows its oldest tickets, as many as fit, and counts the others ("+4 autres"). The
//! page measures where each drawn ticket ends; what to show follows from that, here.

use super::kitchen::{KitchenState, Ticket};
use ocpizza_proto::OrderStatus;

/// Drawing tolerance, in CSS pixels (sub-pixel rounding of the layout).
const SLACK_PX: f64 = 0.5;

/// How many of a column's tickets, drawn top to bottom and ending at `bottoms`, end above
/// `limit` (the bottom of the column's ticket area). Counting stops at the first that does not
/// fit, so that the tickets shown are always the oldest ones.
pub fn fitting(limit: f64, bottoms: impl IntoIterator<Item = f64>) -> usize {
    bottoms
        .into_iter()
        .take_while(|bottom| *bottom <= limit + SLACK_PX)
        .count()
}

/// The tickets of one column in the order the wall draws them: oldest first, except those the
/// cook has just moved there, which come first while the move can still be taken back, so that
/// their undo button is never pushed off the screen.
pub fn wall_order(state: &KitchenState, column: OrderStatus) -> Vec<&Ticket> {
    let (mut first, rest): (Vec<&Ticket>, Vec<&Ticket>) = state
        .column(column)
        .partition(|t| t.pending.is_some_and(|p| !p.sending));
    first.extend(rest);
    first
}

/// The room of the three columns, as last measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Room {
    /// Tickets that fit, per column (in the wall's column order); `None` until measured.
    fits: [Option<usize>; 3],
}

impl Room {
    /// The room measured: `fits[i]` tickets fit in column `i`.
    pub fn measured(fits: [usize; 3]) -> Room {
        Room {
            fits: fits.map(Some),
        }
    }

    /// How many of the `total` tickets of column `column` to show (all, before any measure).
    pub fn shown(&self, column: usize, total: usize) -> usize {
        self.fits
            .get(column)
            .copied()
            .flatten()
            .map_or(total, |fits| fits.min(total))
    }

    /// How many of the `total` tickets of column `column` have no room: the "+N".
    pub fn more(&self, column: usize, total: usize) -> usize {
        total - self.shown(column, total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::kitchen::{KitchenAction, UNDO_MS};
    use ocpizza_proto::api::orders::{Order, OrderList, StageTimes};
    use ocpizza_proto::{OrderId, Timestamp};
    use std::rc::Rc;
    use yew::Reducible;

    const T0: f64 = 1_800_000_000_000.0;

    /// Order `id`, placed `id` minutes after `T0`.
    fn order(id: i64, status: OrderStatus) -> Order {
        let at = Timestamp::from_millisecond(T0 as i64 + id * 60_000).unwrap();
        Order {
            times: StageTimes {
                placed_at: Some(at),
                ..StageTimes::default()
            },
            created_at: at,
            ..crate::state::kitchen::tests::order(id, status, 1)
        }
    }

    fn ids(state: &KitchenState, column: OrderStatus) -> Vec<i64> {
        wall_order(state, column)
            .iter()
            .map(|t| t.order.id.0)
            .collect()
    }

    #[test]
    fn a_ticket_just_moved_heads_its_new_column_until_its_move_is_sent() {
        let state =
            Rc::new(KitchenState::default()).reduce(KitchenAction::Loaded(Box::new(OrderList {
                orders: vec![
                    order(1, OrderStatus::Preparing),
                    order(2, OrderStatus::Preparing),
                    order(3, OrderStatus::Placed),
                    order(4, OrderStatus::Placed),
                ],
                stream_seq: 1,
                truncated: false,
                next_after: None,
            })));
        assert_eq!(ids(&state, OrderStatus::Preparing), [1, 2], "oldest first");
        let moved = state.reduce(KitchenAction::Advance(OrderId(3), T0));
        assert_eq!(ids(&moved, OrderStatus::Preparing), [3, 1, 2]);
        assert_eq!(ids(&moved, OrderStatus::Placed), [4]);
        let sending = moved.reduce(KitchenAction::Sending(OrderId(3)));
        assert!(sending.due(T0 + UNDO_MS).is_empty());
        assert_eq!(
            ids(&sending, OrderStatus::Preparing),
            [1, 2, 3],
            "back in age order"
        );
    }

    #[test]
    fn tickets_fit_while_they_end_above_the_bottom_of_the_column() {
        assert_eq!(fitting(900.0, [200.0, 420.0, 640.0, 860.0, 1080.0]), 4);
        assert_eq!(
            fitting(900.0, [200.0, 900.3]),
            2,
            "rounding is not overflow"
        );
        assert_eq!(fitting(900.0, []), 0);
    }

    #[test]
    fn a_ticket_that_does_not_fit_hides_the_newer_ones_even_if_they_would() {
        // A long order then a short one: the short one must not jump ahead of it.
        assert_eq!(fitting(900.0, [300.0, 1000.0, 600.0]), 1);
    }

    #[test]
    fn a_column_shows_what_fits_and_counts_the_rest() {
        let room = Room::measured([3, 6, 0]);
        assert_eq!((room.shown(0, 7), room.more(0, 7)), (3, 4));
        assert_eq!((room.shown(1, 2), room.more(1, 2)), (2, 0));
        assert_eq!((room.shown(2, 1), room.more(2, 1)), (0, 1));
    }

    #[test]
    fn before_the_first_measure_every_ticket_is_shown() {
        let room = Room::default();
        assert_eq!((room.shown(0, 12), room.more(0, 12)), (12, 0));
    }
}
