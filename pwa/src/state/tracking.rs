//! A tracked order as its customer follows it: loaded once over REST, then kept current by the
//! `order:{token}` stream. Snapshots replace the order; events already seen (by sequence) or
//! older than what an edit or a cancellation returned (by version) are skipped.

use super::Connection;
use super::payment::apply_change;
use ocpizza_proto::api::driver::Position;
use ocpizza_proto::api::orders::{Order, StageTimes, TrackedOrder};
use ocpizza_proto::events::Event;
use ocpizza_proto::ws::{ServerMsg, Snapshot};
use ocpizza_proto::{OrderStatus, Timestamp};
use std::rc::Rc;
use yew::Reducible;

/// What the tracking page shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrackState {
    /// The order, once loaded.
    pub order: Option<Order>,
    /// Last sequence of the order stream applied.
    pub seq: i64,
    /// Live connection state.
    pub connection: Connection,
    /// Loading failed (network).
    pub failed: bool,
    /// Why there is no order to show, when the server said so.
    pub missing: Option<Missing>,
    /// The order belongs to a customer account: changed through the account, not the token.
    pub account: bool,
    /// Where the driver was last seen, while the order is out for delivery.
    pub driver_position: Option<Position>,
    /// The shop's time zone, in which times are shown.
    pub timezone: Option<String>,
}

/// Why the server has no order to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// No order has this token.
    Unknown,
    /// The order was finished some time ago: its tracking link has expired.
    Expired,
}

/// What can happen to it.
#[derive(Debug, Clone, PartialEq)]
pub enum TrackAction {
    /// The REST load finished (first load, or a reload after a conflict).
    Loaded(Box<TrackedOrder>),
    /// The REST load failed; `true` when the token is unknown.
    Failed(bool),
    /// The tracking link has expired.
    Expired,
    /// An edit or a cancellation answered with the order as it now is.
    Changed(Box<Order>),
    /// A message of the live stream.
    Server(Box<ServerMsg>),
    /// The connection changed.
    Connection(Connection),
}

/// Records when `status` was reached.
pub fn set_stage_time(times: &mut StageTimes, status: OrderStatus, at: Timestamp) {
    let slot = match status {
        OrderStatus::AwaitingPayment => return,
        OrderStatus::Placed => &mut times.placed_at,
        OrderStatus::Preparing => &mut times.preparing_at,
        OrderStatus::Ready => &mut times.ready_at,
        OrderStatus::OutForDelivery => &mut times.out_for_delivery_at,
        OrderStatus::Delivered => &mut times.delivered_at,
        OrderStatus::Collected => &mut times.collected_at,
        OrderStatus::DeliveryFailed => &mut times.delivery_failed_at,
        OrderStatus::Cancelled => &mut times.cancelled_at,
    };
    *slot = Some(at);
}

impl TrackState {
    /// Replaces the order unless what we hold is newer.
    fn replace(&mut self, order: Order) {
        if self
            .order
            .as_ref()
            .is_none_or(|o| order.version >= o.version)
        {
            self.order = Some(order);
        }
    }

    fn apply_event(&mut self, event: Event) {
        if let Event::DriverPosition {
            lat,
            lon,
            accuracy_m,
            at,
            ..
        } = event
        {
            self.driver_position = Some(Position {
                lat,
                lon,
                accuracy_m,
                at,
            });
            return;
        }
        if let Event::OrderEdited { order } | Event::OrderPlaced { order } = event {
            self.replace(*order);
            return;
        }
        let Some(order) = &mut self.order else { return };
        match event {
            Event::OrderStatusChanged {
                status,
                at,
                version,
                payment_status,
                eta,
                ..
            } if version > order.version => {
                order.status = status;
                order.payment_status = payment_status;
                order.version = version;
                order.eta = eta;
                set_stage_time(&mut order.times, status, at);
            }
            Event::OrderCancelled {
                at,
                version,
                reason,
                ..
            } if version > order.version => {
                order.status = OrderStatus::Cancelled;
                order.version = version;
                order.cancel_reason = reason;
                order.times.cancelled_at = Some(at);
            }
            Event::DriverAssigned {
                driver, version, ..
            } if version > order.version => {
                order.version = version;
                // Customers see drivers by first name only, as the REST answer does.
                order.driver = driver.map(|mut d| {
                    d.name = d
                        .name
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    d
                });
            }
            Event::PaymentChanged {
                payment_status,
                payment_method,
                version,
                ..
            } => {
                apply_change(order, payment_status, payment_method, version);
            }
            _ => {}
        }
    }
}

impl Reducible for TrackState {
    type Action = TrackAction;

    fn reduce(self: Rc<Self>, action: TrackAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            TrackAction::Loaded(tracked) => {
                let TrackedOrder {
                    order,
                    stream_seq,
                    driver_position,
                    account,
                    timezone,
                } = *tracked;
                next.timezone = timezone.or(next.timezone);
                next.seq = next.seq.max(stream_seq);
                next.driver_position = driver_position;
                next.account = account;
                next.replace(order);
                next.failed = false;
                next.missing = None;
            }
            TrackAction::Failed(not_found) => {
                next.failed = true;
                next.missing = not_found.then_some(Missing::Unknown);
            }
            TrackAction::Expired => {
                next.failed = true;
                next.missing = Some(Missing::Expired);
            }
            TrackAction::Changed(order) => next.replace(*order),
            TrackAction::Connection(c) => next.connection = c,
            TrackAction::Server(msg) => match *msg {
                ServerMsg::Snapshot {
                    seq,
                    state: Snapshot::Order { order },
                    ..
                } => {
                    next.seq = seq;
                    next.order = Some(*order);
                    next.failed = false;
                    next.missing = None;
                }
                ServerMsg::Event { seq, event, .. } if seq > next.seq => {
                    next.apply_event(event);
                    next.seq = seq;
                }
                _ => return self,
            },
        }
        // A position is only meaningful while the order is on its way.
        if next
            .order
            .as_ref()
            .is_none_or(|o| o.status != OrderStatus::OutForDelivery)
        {
            next.driver_position = None;
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpizza_proto::api::orders::{Channel, Contact, DriverRef};
    use ocpizza_proto::{Fulfilment, Money, OrderId, PaymentMethod, PaymentStatus, ShopId, UserId};

    fn order(version: i64) -> Order {
        Order {
            id: OrderId(12),
            shop_id: ShopId(1),
            channel: Channel::Web,
            fulfilment: Fulfilment::Delivery,
            status: OrderStatus::Placed,
            payment_method: PaymentMethod::CashOnDelivery,
            payment_status: PaymentStatus::Pending,
            contact: Contact {
                name: "Ada".into(),
                phone: "0600000000".into(),
                email: None,
            },
            address: None,
            lines: vec![],
            note: None,
            total: Money(2100),
            delivery_fee: Money::ZERO,
            driver: None,
            version,
            tracking_token: Some("abc".into()),
            cash_collected: None,
            promised_at: None,
            eta: None,
            times: StageTimes::default(),
            cancel_reason: None,
            created_at: Timestamp::UNIX_EPOCH,
        }
    }

    fn loaded() -> Rc<TrackState> {
        Rc::new(TrackState::default()).reduce(TrackAction::Loaded(Box::new(TrackedOrder {
            order: order(1),
            stream_seq: 5,
            driver_position: None,
            account: false,
            timezone: None,
        })))
    }

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(secs).unwrap()
    }

    fn event(seq: i64, event: Event) -> TrackAction {
        TrackAction::Server(Box::new(ServerMsg::Event {
            stream: "order:abc".into(),
            seq,
            event,
        }))
    }

    fn status(status: OrderStatus, version: i64, secs: i64) -> Event {
        Event::OrderStatusChanged {
            order_id: OrderId(12),
            shop_id: ShopId(1),
            status,
            at: at(secs),
            version,
            payment_status: PaymentStatus::Pending,
            eta: (!status.is_terminal()).then(|| at(secs + 600)),
        }
    }

    fn current(state: &TrackState) -> &Order {
        state.order.as_ref().unwrap()
    }

    #[test]
    fn a_status_change_moves_the_order_and_records_the_stage_time() {
        let state = loaded().reduce(event(6, status(OrderStatus::Preparing, 2, 60)));
        assert_eq!(current(&state).status, OrderStatus::Preparing);
        assert_eq!(current(&state).times.preparing_at, Some(at(60)));
        assert_eq!(current(&state).version, 2);
        assert_eq!(state.seq, 6);
    }

    #[test]
    fn events_already_applied_are_skipped() {
        let state = loaded()
            .reduce(event(6, status(OrderStatus::Preparing, 2, 60)))
            .reduce(event(6, status(OrderStatus::Ready, 3, 90)));
        assert_eq!(current(&state).status, OrderStatus::Preparing);
        let state = state.reduce(event(4, status(OrderStatus::Ready, 3, 90)));
        assert_eq!(
            current(&state).status,
            OrderStatus::Preparing,
            "older than the load"
        );
    }

    #[test]
    fn an_edit_answer_is_not_undone_by_the_older_events_that_follow() {
        let mut edited = order(3);
        edited.total = Money(3150);
        let state = loaded()
            .reduce(TrackAction::Changed(Box::new(edited.clone())))
            .reduce(event(
                6,
                Event::OrderEdited {
                    order: Box::new(order(2)),
                },
            ));
        assert_eq!(current(&state).total, Money(3150));
        let state = state.reduce(event(
            7,
            Event::OrderEdited {
                order: Box::new(edited),
            },
        ));
        assert_eq!(current(&state).version, 3);
        assert_eq!(state.seq, 7);
    }

    #[test]
    fn a_cancellation_keeps_its_reason_and_time() {
        let state = loaded().reduce(event(
            6,
            Event::OrderCancelled {
                order_id: OrderId(12),
                shop_id: ShopId(1),
                at: at(30),
                version: 2,
                reason: Some("four en panne".into()),
            },
        ));
        let o = current(&state);
        assert_eq!(o.status, OrderStatus::Cancelled);
        assert_eq!(o.cancel_reason.as_deref(), Some("four en panne"));
        assert_eq!(o.times.cancelled_at, Some(at(30)));
    }

    fn payment(status: PaymentStatus, method: PaymentMethod, version: i64) -> Event {
        Event::PaymentChanged {
            order_id: OrderId(12),
            shop_id: ShopId(1),
            payment_status: status,
            payment_method: method,
            version,
            operation: None,
            amount: None,
            reason: None,
            by: None,
        }
    }

    #[test]
    fn the_tracker_follows_the_money_of_an_order_paid_online() {
        let state = loaded()
            .reduce(event(
                6,
                payment(PaymentStatus::Authorised, PaymentMethod::Online, 2),
            ))
            .reduce(event(7, status(OrderStatus::Cancelled, 3, 40)))
            .reduce(event(
                8,
                payment(PaymentStatus::Voided, PaymentMethod::Online, 3),
            ));
        let o = current(&state);
        assert_eq!(
            (o.payment_method, o.payment_status, o.version),
            (PaymentMethod::Online, PaymentStatus::Voided, 3)
        );
        // A change older than what the page holds is skipped.
        let state = state.reduce(event(
            9,
            payment(PaymentStatus::Authorised, PaymentMethod::Online, 2),
        ));
        assert_eq!(current(&state).payment_status, PaymentStatus::Voided);
    }

    #[test]
    fn a_customer_who_switches_to_paying_on_delivery_sees_it() {
        let state = loaded().reduce(event(
            6,
            payment(PaymentStatus::Pending, PaymentMethod::CashOnDelivery, 2),
        ));
        let o = current(&state);
        assert_eq!(o.payment_method, PaymentMethod::CashOnDelivery);
        assert_eq!(state.seq, 6);
    }

    #[test]
    fn drivers_are_shown_by_first_name() {
        let state = loaded().reduce(event(
            6,
            Event::DriverAssigned {
                order_id: OrderId(12),
                shop_id: ShopId(1),
                driver: Some(DriverRef {
                    id: UserId(3),
                    name: "Mario Rossi".into(),
                }),
                version: 2,
            },
        ));
        assert_eq!(current(&state).driver.as_ref().unwrap().name, "Mario");
    }

    #[test]
    fn a_snapshot_replaces_the_order_and_the_sequence() {
        let mut fresh = order(9);
        fresh.status = OrderStatus::Ready;
        let state = loaded().reduce(TrackAction::Server(Box::new(ServerMsg::Snapshot {
            stream: "order:abc".into(),
            seq: 40,
            state: Snapshot::Order {
                order: Box::new(fresh.clone()),
            },
        })));
        assert_eq!(current(&state), &fresh);
        assert_eq!(state.seq, 40);
    }

    #[test]
    fn an_unknown_token_is_told_apart_from_a_network_failure() {
        let state = Rc::new(TrackState::default()).reduce(TrackAction::Failed(true));
        assert!(state.missing == Some(Missing::Unknown) && state.failed);
        let state = Rc::new(TrackState::default()).reduce(TrackAction::Failed(false));
        assert!(state.missing.is_none() && state.failed);
    }

    #[test]
    fn an_expired_link_and_an_account_s_order_are_told_apart() {
        let state = Rc::new(TrackState::default()).reduce(TrackAction::Expired);
        assert!(state.missing == Some(Missing::Expired) && state.failed);
        assert!(!loaded().account);
        let state =
            Rc::new(TrackState::default()).reduce(TrackAction::Loaded(Box::new(TrackedOrder {
                order: order(1),
                stream_seq: 5,
                driver_position: None,
                account: true,
                timezone: None,
            })));
        assert!(state.account, "changed through the account, not the link");
    }

    #[test]
    fn the_estimate_follows_each_move_and_ends_with_the_order() {
        let state =
            Rc::new(TrackState::default()).reduce(TrackAction::Loaded(Box::new(TrackedOrder {
                order: order(1),
                stream_seq: 5,
                driver_position: None,
                account: false,
                timezone: Some("Europe/Paris".into()),
            })));
        let state = state.reduce(event(6, status(OrderStatus::Preparing, 2, 100)));
        assert_eq!(current(&state).eta, Some(at(700)));
        assert_eq!(state.timezone.as_deref(), Some("Europe/Paris"));
        let state = state.reduce(event(7, status(OrderStatus::Ready, 3, 200)));
        assert_eq!(current(&state).eta, Some(at(800)), "moved with the order");
        let state = state.reduce(event(8, status(OrderStatus::Delivered, 4, 300)));
        assert_eq!(
            current(&state).eta,
            None,
            "a finished order has no estimate"
        );
    }
}
