//! Online payment as the PWA keeps it: the customer's payment step (what the server said the
//! customer must do next, what is under way, the last refusal) and how a `payment_changed`
//! event updates an order every screen holds.

use ocpizza_proto::api::orders::Order;
use ocpizza_proto::api::payments::{NextStep, PaymentState};
use ocpizza_proto::{Fulfilment, PaymentMethod, PaymentStatus, Timestamp};
use std::rc::Rc;
use yew::Reducible;

/// Applies a payment change (from `Event::PaymentChanged`) to `order`, unless `order` is
/// already newer. An equal version is applied too: the server may publish the status change
/// and the payment change of one step with the same version, and both are needed.
pub fn apply_change(
    order: &mut Order,
    payment_status: PaymentStatus,
    payment_method: PaymentMethod,
    version: i64,
) -> bool {
    if version < order.version {
        return false;
    }
    order.payment_status = payment_status;
    order.payment_method = payment_method;
    order.version = version;
    true
}

/// The way to pay instead of paying online: on delivery, or at the counter for a pickup.
pub fn pay_later_method(fulfilment: Fulfilment) -> PaymentMethod {
    match fulfilment {
        Fulfilment::Delivery => PaymentMethod::CashOnDelivery,
        Fulfilment::Pickup => PaymentMethod::AtCounter,
    }
}

/// Whole seconds left before `expires_at`, never negative.
pub fn seconds_left(expires_at: Timestamp, now_ms: f64) -> i64 {
    let left_ms = expires_at.as_millisecond() as f64 - now_ms;
    (left_ms / 1000.0).ceil().max(0.0) as i64
}

/// What is under way in the payment step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Busy {
    /// Nothing: the customer can act.
    #[default]
    Idle,
    /// Asking the server where the payment stands (first load, or a return from PayPal or
    /// from the bank).
    Checking,
    /// The card is being tokenised and sent.
    Paying,
    /// The bank's authentication (3-D Secure) is open.
    Authenticating,
    /// Switching to paying on delivery, or cancelling.
    Switching,
}

/// A problem to tell the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The provider refused the payment, with its words.
    Declined(String),
    /// The provider could not be reached: nothing was charged.
    Unavailable,
    /// Stripe.js could not be loaded or used.
    CardFormFailed,
    /// The customer came back from PayPal without paying.
    PaypalCancelled,
    /// Any other refusal or a network failure, already in the customer's language.
    Other(String),
}

/// The payment step of an order paid online.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PayStep {
    /// Where the payment stands, as the server last said.
    pub state: Option<PaymentState>,
    /// What is under way.
    pub busy: Busy,
    /// What went wrong last.
    pub problem: Option<Problem>,
    /// Bumped each time the card field must be drawn afresh (another card).
    pub card_round: u32,
}

/// What the step shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// Not known yet.
    Loading,
    /// The card field and the pay button.
    Card {
        /// Stripe's publishable key.
        publishable_key: String,
        /// Where Stripe.js is loaded from.
        js_url: String,
    },
    /// The bank must confirm the payment.
    Authenticate {
        /// Stripe's publishable key.
        publishable_key: String,
        /// Where Stripe.js is loaded from.
        js_url: String,
        /// The payment's client secret.
        client_secret: String,
    },
    /// The PayPal button.
    Approve {
        /// PayPal's approval page.
        url: String,
    },
    /// A refusal or a failure, with the choices that follow (another try, pay later, cancel).
    Problem(Problem),
    /// Nothing left to do here (authorised, switched, or nothing can be done).
    Done,
}

/// What can happen to the payment step.
#[derive(Debug, Clone, PartialEq)]
pub enum PayAction {
    /// Something started.
    Start(Busy),
    /// The server said where the payment stands.
    Loaded(Box<PaymentState>),
    /// The provider refused (402), with its words.
    Declined(String),
    /// The provider could not be reached (503).
    Unavailable,
    /// Stripe.js failed to load or to work.
    CardFormFailed,
    /// The customer came back from PayPal's cancel link.
    PaypalCancelled,
    /// Another failure, in the customer's language.
    Failed(String),
    /// "Try another card" / "Try PayPal again": the problem is put aside.
    Retry,
}

impl PayStep {
    /// What the step shows now.
    pub fn shown(&self) -> Shown {
        if let Some(problem) = &self.problem {
            return Shown::Problem(problem.clone());
        }
        let Some(state) = &self.state else {
            return Shown::Loading;
        };
        if state.payment_method != PaymentMethod::Online {
            return Shown::Done;
        }
        match &state.next {
            Some(NextStep::EnterCard {
                publishable_key,
                js_url,
            }) => Shown::Card {
                publishable_key: publishable_key.clone(),
                js_url: js_url.clone(),
            },
            Some(NextStep::Authenticate {
                publishable_key,
                js_url,
                client_secret,
            }) => Shown::Authenticate {
                publishable_key: publishable_key.clone(),
                js_url: js_url.clone(),
                client_secret: client_secret.clone(),
            },
            Some(NextStep::Approve { url }) => Shown::Approve { url: url.clone() },
            None => Shown::Done,
        }
    }
}

impl Reducible for PayStep {
    type Action = PayAction;

    fn reduce(self: Rc<Self>, action: PayAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            PayAction::Start(busy) => next.busy = busy,
            PayAction::Loaded(state) => {
                // A refusal the server reports is shown when it is new to this page (the first
                // load after a reload, a failed authentication) and stays until the customer
                // chooses again; an authorised payment (no next step) clears any.
                let before = self.state.as_ref().and_then(|s| s.declined.as_ref());
                next.problem = match (&state.next, &state.declined) {
                    (None, _) => None,
                    (Some(_), Some(message)) if before != Some(message) => {
                        Some(Problem::Declined(message.clone()))
                    }
                    _ => next.problem.take(),
                };
                next.state = Some(*state);
                next.busy = Busy::Idle;
            }
            PayAction::Declined(message) => {
                next.problem = Some(Problem::Declined(message));
                next.busy = Busy::Idle;
            }
            PayAction::Unavailable => {
                next.problem = Some(Problem::Unavailable);
                next.busy = Busy::Idle;
            }
            PayAction::CardFormFailed => {
                next.problem = Some(Problem::CardFormFailed);
                next.busy = Busy::Idle;
            }
            PayAction::PaypalCancelled => {
                next.problem = Some(Problem::PaypalCancelled);
                next.busy = Busy::Idle;
            }
            PayAction::Failed(text) => {
                next.problem = Some(Problem::Other(text));
                next.busy = Busy::Idle;
            }
            PayAction::Retry => {
                next.problem = None;
                next.busy = Busy::Idle;
                next.card_round += 1;
            }
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpizza_proto::OrderId;

    fn state(next: Option<NextStep>, declined: Option<&str>) -> PaymentState {
        PaymentState {
            order_id: OrderId(7),
            payment_method: PaymentMethod::Online,
            payment_status: PaymentStatus::Pending,
            version: 1,
            provider: None,
            next,
            declined: declined.map(str::to_owned),
            expires_at: None,
        }
    }

    fn card() -> NextStep {
        NextStep::EnterCard {
            publishable_key: "pk_test".into(),
            js_url: "https://js.stripe.com/v3/".into(),
        }
    }

    #[test]
    fn a_declined_card_shows_the_refusal_until_the_customer_tries_another() {
        let step = Rc::new(PayStep::default())
            .reduce(PayAction::Loaded(Box::new(state(Some(card()), None))));
        assert!(matches!(step.shown(), Shown::Card { .. }));
        let step = step
            .reduce(PayAction::Start(Busy::Paying))
            .reduce(PayAction::Declined("Your card was declined.".into()));
        assert_eq!(
            step.shown(),
            Shown::Problem(Problem::Declined("Your card was declined.".into()))
        );
        assert_eq!(step.busy, Busy::Idle);
        let round = step.card_round;
        let step = step.reduce(PayAction::Retry);
        assert!(matches!(step.shown(), Shown::Card { .. }));
        assert_eq!(step.card_round, round + 1, "a fresh card field");
    }

    #[test]
    fn a_reload_after_a_refusal_shows_the_refusal_again() {
        let step = Rc::new(PayStep::default()).reduce(PayAction::Loaded(Box::new(state(
            Some(card()),
            Some("Your card was declined."),
        ))));
        assert!(matches!(step.shown(), Shown::Problem(Problem::Declined(_))));
    }

    #[test]
    fn an_authorised_payment_leaves_nothing_to_do() {
        let mut authorised = state(None, Some("Your card was declined."));
        authorised.payment_status = PaymentStatus::Authorised;
        let step = Rc::new(PayStep::default())
            .reduce(PayAction::Declined("Your card was declined.".into()))
            .reduce(PayAction::Loaded(Box::new(authorised)));
        assert_eq!(step.shown(), Shown::Done);
        let mut switched = state(Some(card()), None);
        switched.payment_method = PaymentMethod::CashOnDelivery;
        let step = step.reduce(PayAction::Loaded(Box::new(switched)));
        assert_eq!(step.shown(), Shown::Done, "paid on delivery now");
    }

    #[test]
    fn three_d_secure_and_paypal_have_their_own_step() {
        let auth = NextStep::Authenticate {
            publishable_key: "pk".into(),
            js_url: "u".into(),
            client_secret: "pi_1_secret_2".into(),
        };
        let step = Rc::new(PayStep::default())
            .reduce(PayAction::Loaded(Box::new(state(Some(auth), None))));
        assert!(
            matches!(step.shown(), Shown::Authenticate { client_secret, .. } if client_secret == "pi_1_secret_2")
        );
        let step = step
            .reduce(PayAction::Loaded(Box::new(state(
                Some(NextStep::Approve {
                    url: "https://paypal.example/approve".into(),
                }),
                None,
            ))))
            .reduce(PayAction::PaypalCancelled);
        assert_eq!(step.shown(), Shown::Problem(Problem::PaypalCancelled));
        let step = step.reduce(PayAction::Retry);
        assert!(matches!(step.shown(), Shown::Approve { .. }));
    }

    #[test]
    fn a_payment_change_updates_an_order_unless_it_is_older() {
        let json = serde_json::json!({
            "id": 3, "shop_id": 1, "channel": "web", "fulfilment": "pickup",
            "status": "placed", "payment_method": "online", "payment_status": "pending",
            "contact": {"name": "Ada", "phone": "0612345678"}, "address": null,
            "lines": [], "note": null, "total": 2350, "driver": null, "version": 4,
            "times": {}, "cancel_reason": null, "created_at": "2027-01-15T08:00:00Z"
        });
        let mut order: Order = serde_json::from_value(json).expect("order");
        assert!(!apply_change(
            &mut order,
            PaymentStatus::Voided,
            PaymentMethod::Online,
            3
        ));
        assert_eq!(order.payment_status, PaymentStatus::Pending);
        assert!(apply_change(
            &mut order,
            PaymentStatus::Authorised,
            PaymentMethod::Online,
            4
        ));
        assert!(apply_change(
            &mut order,
            PaymentStatus::Pending,
            PaymentMethod::AtCounter,
            5
        ));
        assert_eq!(
            (order.payment_status, order.payment_method, order.version),
            (PaymentStatus::Pending, PaymentMethod::AtCounter, 5)
        );
    }

    #[test]
    fn the_time_left_counts_down_to_zero() {
        let at = Timestamp::from_millisecond(1_800_000_600_000).expect("ts");
        assert_eq!(seconds_left(at, 1_800_000_000_000.0), 600);
        assert_eq!(seconds_left(at, 1_800_000_599_500.0), 1);
        assert_eq!(seconds_left(at, 1_800_000_700_000.0), 0);
        assert_eq!(
            pay_later_method(Fulfilment::Pickup),
            PaymentMethod::AtCounter
        );
    }
}
