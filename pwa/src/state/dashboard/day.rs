//! The dashboard's day: each card's figures count the shop's own business day (its local
//! calendar day, given by the server with its bounds), an order placed after the day ended is
//! never added to the figures of the day shown, and the figures start again from zero when the
//! shop's midnight passes while the board is open. The page then asks the server again for
//! the new day's exact bounds (see [`DashboardState::refresh_at_ms`]).

use super::{DashboardState, ShopCard};
use ocpizza_proto::BusinessDay;
use ocpizza_proto::api::dashboard::TodayFigures;
use ocpizza_proto::api::orders::Order;

/// Hours of a day, until the server tells the new one's exact length (23 or 25 at a change
/// of clocks).
const DAY_MS: i64 = 24 * 3_600_000;

impl ShopCard {
    /// Whether `order` belongs to the day the card's figures count.
    pub(super) fn counts_today(&self, order: &Order) -> bool {
        self.day.contains_ms(order.created_at.as_millisecond())
    }

    /// Moves the card to the next day once `now_ms` is past the end of its day.
    fn roll(&mut self, now_ms: i64) {
        while now_ms >= self.day.day_ends_at.as_millisecond() {
            let starts = self.day.day_ends_at;
            let Ok(ends) =
                ocpizza_proto::Timestamp::from_millisecond(starts.as_millisecond() + DAY_MS)
            else {
                return;
            };
            self.day = BusinessDay {
                day: self.day.day.tomorrow().unwrap_or(self.day.day),
                day_starts_at: starts,
                day_ends_at: ends,
            };
            self.today = TodayFigures::default();
        }
    }
}

impl DashboardState {
    /// Starts a new day on every card whose day ended at `now_ms`.
    pub(super) fn roll_days(&mut self, now_ms: f64) {
        for card in self.shops.values_mut() {
            card.roll(now_ms as i64);
        }
    }

    /// When the page should load the board again: the first end of a card's day or change of
    /// a shop's open state by its hours (Unix ms).
    pub fn refresh_at_ms(&self) -> Option<i64> {
        self.shops
            .values()
            .flat_map(|c| {
                [
                    Some(c.day.day_ends_at.as_millisecond()),
                    c.open_state.changes_at_ms(),
                ]
            })
            .flatten()
            .min()
    }
}
