//! The hand-over at the door of an order paid on delivery: the driver says how the customer
//! paid (cash or card, nothing chosen in advance), types the cash received and sees the change
//! due; an amount far from the total is confirmed before it is recorded. What is recorded is
//! the cash kept — the total, or less when the customer paid short — never the change handed
//! back, so that the day's cash is what the driver hands in.

use super::driver::parse_euros;
use ocpizza_proto::{Money, PaymentMethod};

/// Above the total by more than this, an amount is unusual (a 50 € note for a 23,50 € order is
/// not; 100 € is).
pub const FAR_ABOVE: Money = Money(5_000);

/// How the customer paid at the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaidBy {
    /// Notes and coins: the amount received is typed.
    Cash,
    /// A card on the driver's terminal: no cash.
    Card,
}

impl PaidBy {
    /// The payment method recorded with the delivery.
    pub fn method(self) -> PaymentMethod {
        match self {
            PaidBy::Cash => PaymentMethod::CashOnDelivery,
            PaidBy::Card => PaymentMethod::CardOnDelivery,
        }
    }
}

/// What the driver filled in so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Handover {
    /// Cash or card, once chosen.
    pub paid_by: Option<PaidBy>,
    /// The amount received, as typed.
    pub received: String,
    /// The driver confirmed an unusual amount (cleared when the amount changes).
    pub confirmed: bool,
}

/// Whether the hand-over may be recorded now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Neither cash nor card chosen.
    ChooseFirst,
    /// Cash chosen, no amount (or not one) typed.
    AmountNeeded,
    /// The amount received is far from the total: the driver must confirm it.
    Confirm(Money),
    /// Ready: the method and the cash kept (`None` for a card).
    Ready(PaymentMethod, Option<Money>),
}

/// The change to give back: positive when the customer gave more than `total`, negative when
/// they paid short.
pub fn change_due(total: Money, received: Money) -> Money {
    Money(received.0 - total.0)
}

/// Less than the total, more than twice it, or more than [`FAR_ABOVE`] above it: likely a
/// typing slip (`235` for `23,5`), or a short payment the shop will have to settle.
pub fn unusual(total: Money, received: Money) -> bool {
    received < total
        || received.0 > total.0.saturating_mul(2)
        || received.0 > total.0.saturating_add(FAR_ABOVE.0)
}

impl Handover {
    /// The amount received, when one is typed.
    pub fn amount(&self) -> Option<Money> {
        parse_euros(&self.received)
    }

    /// What tapping "delivered" does for an order of `total`.
    pub fn verdict(&self, total: Money) -> Verdict {
        match self.paid_by {
            None => Verdict::ChooseFirst,
            Some(PaidBy::Card) => Verdict::Ready(PaymentMethod::CardOnDelivery, None),
            Some(PaidBy::Cash) => match self.amount() {
                None => Verdict::AmountNeeded,
                Some(received) if unusual(total, received) && !self.confirmed => {
                    Verdict::Confirm(received)
                }
                Some(received) => {
                    Verdict::Ready(PaymentMethod::CashOnDelivery, Some(received.min(total)))
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOTAL: Money = Money(2_350);

    fn cash(typed: &str) -> Handover {
        Handover {
            paid_by: Some(PaidBy::Cash),
            received: typed.into(),
            confirmed: false,
        }
    }

    #[test]
    fn nothing_is_recorded_before_cash_or_card_is_chosen() {
        let blank = Handover {
            received: "30".into(),
            ..Handover::default()
        };
        assert_eq!(blank.verdict(TOTAL), Verdict::ChooseFirst);
        assert_eq!(cash("").verdict(TOTAL), Verdict::AmountNeeded);
        assert_eq!(cash("abc").verdict(TOTAL), Verdict::AmountNeeded);
    }

    #[test]
    fn cash_records_what_is_kept_and_the_change_is_what_goes_back() {
        let given = cash("30").amount().expect("an amount");
        assert_eq!(change_due(TOTAL, given), Money(650));
        assert_eq!(
            cash("30").verdict(TOTAL),
            Verdict::Ready(PaymentMethod::CashOnDelivery, Some(TOTAL)),
            "the change handed back is not counted as cash"
        );
        assert_eq!(
            cash("23,50").verdict(TOTAL),
            Verdict::Ready(PaymentMethod::CashOnDelivery, Some(TOTAL))
        );
    }

    #[test]
    fn a_card_records_no_cash() {
        let card = Handover {
            paid_by: Some(PaidBy::Card),
            received: "12".into(),
            confirmed: false,
        };
        assert_eq!(
            card.verdict(TOTAL),
            Verdict::Ready(PaymentMethod::CardOnDelivery, None)
        );
    }

    #[test]
    fn amounts_far_from_the_total_wait_for_a_confirmation() {
        for typed in ["235", "20", "50,01", "80"] {
            assert!(
                matches!(cash(typed).verdict(TOTAL), Verdict::Confirm(_)),
                "{typed}"
            );
        }
        for typed in ["23,50", "40", "47"] {
            assert!(
                matches!(cash(typed).verdict(TOTAL), Verdict::Ready(..)),
                "{typed}"
            );
        }
        // Over 50 € above the total is unusual even when it is not twice the total.
        assert!(unusual(Money(8_000), Money(13_500)));
        assert!(!unusual(Money(8_000), Money(13_000)));
        let short = Handover {
            confirmed: true,
            ..cash("20")
        };
        assert_eq!(
            short.verdict(TOTAL),
            Verdict::Ready(PaymentMethod::CashOnDelivery, Some(Money(2_000))),
            "a confirmed short payment records what was received"
        );
    }
}
