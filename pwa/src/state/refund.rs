//! The managers' refund form: what is left to give back on an order paid online, and the
//! request built from what the manager typed (the amount prefilled with all that is left, a
//! reason always required).

use super::driver::parse_euros;
use ocpizza_proto::Money;
use ocpizza_proto::api::payments::{OrderPayment, RefundRequest};

/// What can still be given back: captured minus refunded, never negative.
pub fn refundable(payment: &OrderPayment) -> Money {
    Money((payment.captured.0 - payment.refunded.0).max(0))
}

/// `23,50` for 2350 cents (how the amount field is prefilled).
pub fn euros_text(amount: Money) -> String {
    format!("{},{:02}", amount.0 / 100, amount.0 % 100)
}

/// Why the form cannot be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundProblem {
    /// Nothing was captured, or all of it was given back already.
    NothingLeft,
    /// The amount is not one, is zero, or is more than what is left.
    Amount,
    /// No reason was given.
    Reason,
}

/// The refund request for what was typed, with `left` still refundable. The whole of what is
/// left is sent without an amount, so that the server gives back exactly that.
pub fn request(amount: &str, reason: &str, left: Money) -> Result<RefundRequest, RefundProblem> {
    if left.0 <= 0 {
        return Err(RefundProblem::NothingLeft);
    }
    let cents = parse_euros(amount).ok_or(RefundProblem::Amount)?;
    if cents.0 <= 0 || cents.0 > left.0 {
        return Err(RefundProblem::Amount);
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(RefundProblem::Reason);
    }
    Ok(RefundRequest {
        amount: (cents != left).then_some(cents),
        reason: reason.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpizza_proto::{OrderId, PaymentMethod, PaymentStatus};

    fn payment(captured: i64, refunded: i64) -> OrderPayment {
        OrderPayment {
            order_id: OrderId(3),
            payment_method: PaymentMethod::Online,
            payment_status: PaymentStatus::Paid,
            provider: None,
            authorised: Money(captured),
            captured: Money(captured),
            refunded: Money(refunded),
            operations: vec![],
        }
    }

    #[test]
    fn the_form_offers_what_is_left_to_give_back() {
        let left = refundable(&payment(2350, 500));
        assert_eq!(left, Money(1850));
        assert_eq!(euros_text(left), "18,50");
        assert_eq!(refundable(&payment(0, 0)), Money(0));
    }

    #[test]
    fn a_refund_needs_a_reason_and_an_amount_within_what_is_left() {
        let left = Money(1850);
        assert_eq!(request("18,50", "  ", left), Err(RefundProblem::Reason));
        assert_eq!(
            request("19", "pizza froide", left),
            Err(RefundProblem::Amount)
        );
        assert_eq!(
            request("0", "pizza froide", left),
            Err(RefundProblem::Amount)
        );
        assert_eq!(
            request("abc", "pizza froide", left),
            Err(RefundProblem::Amount)
        );
        assert_eq!(
            request("5", "pizza froide", Money(0)),
            Err(RefundProblem::NothingLeft)
        );
        let all = request("18,50", " pizza froide ", left).expect("all");
        assert_eq!((all.amount, all.reason.as_str()), (None, "pizza froide"));
        let part = request("5,5", "boisson manquante", left).expect("part");
        assert_eq!(part.amount, Some(Money(550)));
    }
}
