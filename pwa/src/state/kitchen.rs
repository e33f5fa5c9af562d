//! The kitchen wall display: a shop's open orders in three columns (placed, preparing,
//! ready), kept live from the shop's order stream, with the cook's start/bump taps held for a
//! few seconds so that a mis-tap can be undone before anything is sent.

use super::Connection;
use super::payment::apply_change;
use ocpizza_proto::api::orders::{Order, OrderList, StageTimes};
use ocpizza_proto::events::Event;
use ocpizza_proto::ws::{ServerMsg, Snapshot};
use ocpizza_proto::{OrderId, OrderStatus};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::Reducible;

/// How long a start or bump can be undone before it is sent.
pub const UNDO_MS: f64 = 5_000.0;
/// A new ticket is highlighted this long.
pub const NEW_MS: f64 = 10_000.0;
/// Age (since placed) from which a ticket is late-ish, then late.
pub const WARN_MS: f64 = 10.0 * 60_000.0;
/// See [`WARN_MS`].
pub const LATE_MS: f64 = 20.0 * 60_000.0;

/// The columns of the display, in order.
pub const COLUMNS: [OrderStatus; 3] = [
    OrderStatus::Placed,
    OrderStatus::Preparing,
    OrderStatus::Ready,
];

/// How old a ticket is, for its colour and its icon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Age {
    /// Under [`WARN_MS`].
    Fresh,
    /// Between [`WARN_MS`] and [`LATE_MS`].
    Waiting,
    /// Over [`LATE_MS`].
    Late,
}

impl Age {
    /// The age class of a ticket placed `elapsed_ms` ago.
    pub fn of(elapsed_ms: f64) -> Age {
        if elapsed_ms >= LATE_MS {
            Age::Late
        } else if elapsed_ms >= WARN_MS {
            Age::Waiting
        } else {
            Age::Fresh
        }
    }
}

/// A tap waiting for its undo window to end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pending {
    /// Where the cook moved the ticket.
    pub to: OrderStatus,
    /// When the request goes out.
    pub due_ms: f64,
    /// The request is on its way (too late to undo).
    pub sending: bool,
}

/// An order on the wall.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    /// The order as last known.
    pub order: Order,
    /// When it appeared on this screen (for the "new" highlight).
    pub shown_ms: f64,
    /// Changed by the customer or the counter since it appeared.
    pub edited: bool,
    /// Cancelled while on the wall: kept, struck through, until the cook dismisses it.
    pub cancelled: bool,
    /// A start or bump that can still be undone.
    pub pending: Option<Pending>,
}

impl Ticket {
    /// The column the ticket shows in: where the cook moved it, else its status.
    pub fn column(&self) -> OrderStatus {
        self.pending.map_or(self.order.status, |p| p.to)
    }

    /// Milliseconds since the order was placed.
    pub fn age_ms(&self, now_ms: f64) -> f64 {
        let placed = self
            .order
            .times
            .placed_at
            .unwrap_or(self.order.created_at)
            .as_millisecond() as f64;
        (now_ms - placed).max(0.0)
    }
}

/// What the wall shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KitchenState {
    /// Tickets by order id (ids grow with time, so this is also arrival order).
    pub tickets: BTreeMap<OrderId, Ticket>,
    /// Last sequence of the shop's order stream applied.
    pub seq: i64,
    /// The first load finished.
    pub loaded: bool,
    /// Live connection state.
    pub connection: Connection,
    /// Clock for timers, updated every second.
    pub now_ms: f64,
    /// Last problem to show (a refused tap).
    pub error: Option<String>,
    /// Orders paid online whose payment is not authorised yet: off the wall, kept so that
    /// the authorisation (a status change to `placed`) puts them up.
    pub awaiting: BTreeMap<OrderId, Order>,
}

/// What can happen to the wall.
#[derive(Debug, Clone, PartialEq)]
pub enum KitchenAction {
    /// The REST load of the open orders.
    Loaded(Box<OrderList>),
    /// A message of the live stream.
    Server(Box<ServerMsg>),
    /// The connection changed.
    Connection(Connection),
    /// A second passed.
    Tick(f64),
    /// The cook moved a ticket to the next column.
    Advance(OrderId, f64),
    /// The cook took the move back within the undo window.
    Undo(OrderId),
    /// The undo window ended: the move is being sent.
    Sending(OrderId),
    /// The move was sent and accepted: the server's answer.
    Sent(Box<Order>),
    /// The move was refused or could not be sent.
    Refused(OrderId, String),
    /// The cook acknowledged a cancelled ticket.
    Dismiss(OrderId),
    /// The cook closed the error message.
    ClearError,
}

/// The next column of `status` on the wall, if the kitchen moves it.
pub fn next_column(status: OrderStatus) -> Option<OrderStatus> {
    match status {
        OrderStatus::Placed => Some(OrderStatus::Preparing),
        OrderStatus::Preparing => Some(OrderStatus::Ready),
        _ => None,
    }
}

fn on_wall(status: OrderStatus) -> bool {
    COLUMNS.contains(&status)
}

fn stamp(times: &mut StageTimes, status: OrderStatus, at: ocpizza_proto::Timestamp) {
    let slot = match status {
        OrderStatus::Placed => &mut times.placed_at,
        OrderStatus::Preparing => &mut times.preparing_at,
        OrderStatus::Ready => &mut times.ready_at,
        OrderStatus::OutForDelivery => &mut times.out_for_delivery_at,
        OrderStatus::Delivered => &mut times.delivered_at,
        OrderStatus::Collected => &mut times.collected_at,
        OrderStatus::DeliveryFailed => &mut times.delivery_failed_at,
        OrderStatus::Cancelled => &mut times.cancelled_at,
        OrderStatus::AwaitingPayment => return,
    };
    *slot = Some(at);
}

impl KitchenState {
    /// The moves whose undo window ended at `now_ms`, to send now.
    pub fn due(&self, now_ms: f64) -> Vec<(OrderId, OrderStatus)> {
        self.tickets
            .iter()
            .filter_map(|(id, t)| {
                t.pending
                    .filter(|p| !p.sending && p.due_ms <= now_ms)
                    .map(|p| (*id, p.to))
            })
            .collect()
    }

    /// Tickets of one column, oldest first.
    pub fn column(&self, status: OrderStatus) -> impl Iterator<Item = &Ticket> {
        self.tickets
            .values()
            .filter(move |t| t.shown_column() == status)
    }

    fn replace_all(&mut self, orders: Vec<Order>) {
        let old = std::mem::take(&mut self.tickets);
        self.awaiting = orders
            .iter()
            .filter(|o| o.status == OrderStatus::AwaitingPayment)
            .map(|o| (o.id, o.clone()))
            .collect();
        for order in orders.into_iter().filter(|o| on_wall(o.status)) {
            let previous = old.get(&order.id);
            let ticket = Ticket {
                shown_ms: previous.map_or(self.now_ms, |t| t.shown_ms),
                edited: previous.is_some_and(|t| t.edited || t.order.version < order.version),
                cancelled: false,
                pending: previous
                    .and_then(|t| t.pending)
                    .filter(|_| previous.is_some_and(|t| t.order.status == order.status)),
                order,
            };
            self.tickets.insert(ticket.order.id, ticket);
        }
        // A ticket cancelled while the screen was away stays visible until dismissed.
        for (id, mut ticket) in old {
            if !self.tickets.contains_key(&id) && ticket.cancelled {
                ticket.pending = None;
                self.tickets.insert(id, ticket);
            }
        }
    }

    fn apply_event(&mut self, event: Event) {
        match event {
            Event::OrderPlaced { order } | Event::OrderEdited { order } => {
                let order = *order;
                if order.status == OrderStatus::AwaitingPayment {
                    self.awaiting.insert(order.id, order);
                    return;
                }
                self.awaiting.remove(&order.id);
                if !on_wall(order.status) {
                    self.tickets.remove(&order.id);
                    return;
                }
                let now = self.now_ms;
                match self.tickets.get_mut(&order.id) {
                    Some(t) => {
                        t.edited |= t.order.version < order.version;
                        t.order = order;
                    }
                    None => {
                        self.tickets.insert(
                            order.id,
                            Ticket {
                                order,
                                shown_ms: now,
                                edited: false,
                                cancelled: false,
                                pending: None,
                            },
                        );
                    }
                }
            }
            Event::OrderStatusChanged {
                order_id,
                status,
                at,
                version,
                payment_status,
                eta,
                ..
            } => {
                let paid = self.awaiting.remove(&order_id);
                if !on_wall(status) {
                    self.tickets.remove(&order_id);
                    return;
                }
                // Paid online: the order reaches the wall once its payment is authorised.
                if let (Some(order), false) = (paid, self.tickets.contains_key(&order_id)) {
                    let shown_ms = self.now_ms;
                    self.tickets.insert(
                        order_id,
                        Ticket {
                            order,
                            shown_ms,
                            edited: false,
                            cancelled: false,
                            pending: None,
                        },
                    );
                }
                if let Some(t) = self.tickets.get_mut(&order_id) {
                    t.order.status = status;
                    t.order.version = version;
                    t.order.payment_status = payment_status;
                    t.order.eta = eta;
                    stamp(&mut t.order.times, status, at);
                    // Moved (by this tap or by another screen): nothing left to send.
                    t.pending = None;
                }
            }
            Event::OrderCancelled {
                order_id,
                at,
                version,
                reason,
                ..
            } => {
                self.awaiting.remove(&order_id);
                if let Some(t) = self.tickets.get_mut(&order_id) {
                    t.cancelled = true;
                    t.pending = None;
                    t.order.status = OrderStatus::Cancelled;
                    t.order.version = version;
                    t.order.cancel_reason = reason;
                    t.order.times.cancelled_at = Some(at);
                }
            }
            Event::DriverAssigned {
                order_id,
                driver,
                version,
                ..
            } => {
                if let Some(t) = self.tickets.get_mut(&order_id) {
                    t.order.driver = driver;
                    t.order.version = version;
                }
            }
            Event::PaymentChanged {
                order_id,
                payment_status,
                payment_method,
                version,
                ..
            } => {
                let order = match self.tickets.get_mut(&order_id) {
                    Some(t) => Some(&mut t.order),
                    None => self.awaiting.get_mut(&order_id),
                };
                if let Some(order) = order {
                    apply_change(order, payment_status, payment_method, version);
                }
            }
            _ => {}
        }
    }
}

impl Ticket {
    /// The column a cancelled ticket stays in: where it was when cancelled.
    fn cancelled_column(&self) -> OrderStatus {
        let t = &self.order.times;
        if t.ready_at.is_some() {
            OrderStatus::Ready
        } else if t.preparing_at.is_some() {
            OrderStatus::Preparing
        } else {
            OrderStatus::Placed
        }
    }

    /// The column to draw the ticket in (a cancelled one stays where it was).
    pub fn shown_column(&self) -> OrderStatus {
        if self.cancelled {
            self.cancelled_column()
        } else {
            self.column()
        }
    }
}

impl Reducible for KitchenState {
    type Action = KitchenAction;

    fn reduce(self: Rc<Self>, action: KitchenAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            KitchenAction::Loaded(list) => {
                if list.stream_seq < next.seq {
                    return self;
                }
                next.seq = list.stream_seq;
                next.replace_all(list.orders);
                next.loaded = true;
            }
            KitchenAction::Connection(c) => next.connection = c,
            KitchenAction::Tick(now) => next.now_ms = now,
            KitchenAction::Server(msg) => match *msg {
                ServerMsg::Snapshot {
                    seq,
                    state: Snapshot::Orders { orders },
                    ..
                } => {
                    next.seq = seq;
                    next.replace_all(orders);
                    next.loaded = true;
                }
                // Replays may repeat what the REST load showed: older events are skipped.
                ServerMsg::Event { seq, event, .. } if seq > next.seq => {
                    next.apply_event(event);
                    next.seq = seq;
                }
                _ => return self,
            },
            KitchenAction::Advance(id, now) => {
                // The window counts from the tap itself, not from the last clock tick.
                let Some(t) = next.tickets.get_mut(&id) else {
                    return self;
                };
                if t.cancelled || t.pending.is_some() {
                    return self;
                }
                let Some(to) = next_column(t.order.status) else {
                    return self;
                };
                t.pending = Some(Pending {
                    to,
                    due_ms: now + UNDO_MS,
                    sending: false,
                });
            }
            KitchenAction::Undo(id) => {
                let Some(t) = next
                    .tickets
                    .get_mut(&id)
                    .filter(|t| t.pending.is_some_and(|p| !p.sending))
                else {
                    return self;
                };
                t.pending = None;
            }
            KitchenAction::Sending(id) => {
                let Some(p) = next
                    .tickets
                    .get_mut(&id)
                    .and_then(|t| t.pending.as_mut())
                    .filter(|p| !p.sending)
                else {
                    return self;
                };
                p.sending = true;
            }
            KitchenAction::Sent(order) => {
                let Some(t) = next.tickets.get_mut(&order.id) else {
                    return self;
                };
                t.pending = None;
                if order.version >= t.order.version {
                    t.order = *order;
                }
            }
            KitchenAction::Refused(id, message) => {
                if let Some(t) = next.tickets.get_mut(&id) {
                    t.pending = None;
                }
                next.error = Some(message);
            }
            KitchenAction::Dismiss(id) => {
                if !next.tickets.get(&id).is_some_and(|t| t.cancelled) {
                    return self;
                }
                next.tickets.remove(&id);
            }
            KitchenAction::ClearError => next.error = None,
        }
        Rc::new(next)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ocpizza_proto::api::orders::{Channel, Contact};
    use ocpizza_proto::{Fulfilment, Money, PaymentMethod, PaymentStatus, ShopId};

    const T0: f64 = 1_800_000_000_000.0;

    /// A pickup order of shop 1 placed at `T0` (also the fixture of the wall's fitting tests).
    pub(crate) fn order(id: i64, status: OrderStatus, version: i64) -> Order {
        let placed = ocpizza_proto::Timestamp::from_millisecond(T0 as i64).unwrap();
        Order {
            id: OrderId(id),
            shop_id: ShopId(1),
            channel: Channel::Web,
            fulfilment: Fulfilment::Pickup,
            status,
            payment_method: PaymentMethod::AtCounter,
            payment_status: PaymentStatus::Pending,
            contact: Contact {
                name: "Claire".into(),
                phone: "0600000000".into(),
                email: None,
            },
            address: None,
            lines: vec![],
            note: None,
            total: Money(1200),
            delivery_fee: Money::ZERO,
            driver: None,
            version,
            tracking_token: None,
            cash_collected: None,
            promised_at: None,
            eta: None,
            times: StageTimes {
                placed_at: Some(placed),
                ..StageTimes::default()
            },
            cancel_reason: None,
            created_at: placed,
        }
    }

    fn event(seq: i64, event: Event) -> KitchenAction {
        KitchenAction::Server(Box::new(ServerMsg::Event {
            stream: "shop:1:orders".into(),
            seq,
            event,
        }))
    }

    fn status(seq: i64, id: i64, status: OrderStatus, version: i64) -> KitchenAction {
        event(
            seq,
            Event::OrderStatusChanged {
                order_id: OrderId(id),
                shop_id: ShopId(1),
                status,
                at: ocpizza_proto::Timestamp::from_millisecond(T0 as i64 + 60_000).unwrap(),
                version,
                payment_status: PaymentStatus::Pending,
                eta: None,
            },
        )
    }

    fn wall() -> Rc<KitchenState> {
        Rc::new(KitchenState::default())
            .reduce(KitchenAction::Tick(T0))
            .reduce(KitchenAction::Loaded(Box::new(OrderList {
                orders: vec![
                    order(1, OrderStatus::Placed, 1),
                    order(2, OrderStatus::Preparing, 2),
                    order(3, OrderStatus::OutForDelivery, 4),
                ],
                stream_seq: 10,
                truncated: false,
                next_after: None,
            })))
    }

    fn ids(state: &KitchenState, column: OrderStatus) -> Vec<i64> {
        state.column(column).map(|t| t.order.id.0).collect()
    }

    fn paid(seq: i64, id: i64, status: PaymentStatus, version: i64) -> KitchenAction {
        event(
            seq,
            Event::PaymentChanged {
                order_id: OrderId(id),
                shop_id: ShopId(1),
                payment_status: status,
                payment_method: PaymentMethod::Online,
                version,
                operation: None,
                amount: None,
                reason: None,
                by: None,
            },
        )
    }

    #[test]
    fn an_order_paid_online_reaches_the_wall_once_authorised_and_shows_it() {
        let mut online = order(9, OrderStatus::AwaitingPayment, 1);
        online.payment_method = PaymentMethod::Online;
        let state = wall().reduce(event(
            11,
            Event::OrderPlaced {
                order: Box::new(online),
            },
        ));
        assert!(
            !state.tickets.contains_key(&OrderId(9)),
            "not before it is paid"
        );
        let state = state
            .reduce(status(12, 9, OrderStatus::Placed, 2))
            .reduce(paid(13, 9, PaymentStatus::Authorised, 2));
        assert_eq!(ids(&state, OrderStatus::Placed), [1, 9]);
        let ticket = &state.tickets[&OrderId(9)];
        assert_eq!(ticket.order.payment_method, PaymentMethod::Online);
        assert_eq!(ticket.order.payment_status, PaymentStatus::Authorised);
        // The kitchen starts it: the capture follows.
        let state = state
            .reduce(status(14, 9, OrderStatus::Preparing, 3))
            .reduce(paid(15, 9, PaymentStatus::Paid, 4));
        let ticket = &state.tickets[&OrderId(9)];
        assert_eq!(
            (ticket.order.payment_status, ticket.order.version),
            (PaymentStatus::Paid, 4)
        );
    }

    #[test]
    fn an_abandoned_online_payment_never_shows_on_the_wall() {
        let mut online = order(9, OrderStatus::AwaitingPayment, 1);
        online.payment_method = PaymentMethod::Online;
        let state = Rc::new(KitchenState::default())
            .reduce(KitchenAction::Tick(T0))
            .reduce(KitchenAction::Loaded(Box::new(OrderList {
                orders: vec![online, order(1, OrderStatus::Placed, 1)],
                stream_seq: 10,
                truncated: false,
                next_after: None,
            })));
        assert_eq!(ids(&state, OrderStatus::Placed), [1]);
        assert!(state.awaiting.contains_key(&OrderId(9)));
        let state = state.reduce(event(
            11,
            Event::OrderCancelled {
                order_id: OrderId(9),
                shop_id: ShopId(1),
                at: ocpizza_proto::Timestamp::from_millisecond(T0 as i64).unwrap(),
                version: 2,
                reason: None,
            },
        ));
        assert!(state.awaiting.is_empty() && !state.tickets.contains_key(&OrderId(9)));
    }

    #[test]
    fn only_kitchen_stages_are_on_the_wall_each_in_its_column() {
        let state = wall();
        assert_eq!(ids(&state, OrderStatus::Placed), [1]);
        assert_eq!(ids(&state, OrderStatus::Preparing), [2]);
        assert!(!state.tickets.contains_key(&OrderId(3)));
    }

    #[test]
    fn live_events_add_move_and_remove_tickets_and_replays_are_skipped() {
        let placed = |seq| {
            event(
                seq,
                Event::OrderPlaced {
                    order: Box::new(order(4, OrderStatus::Placed, 1)),
                },
            )
        };
        let state = wall().reduce(placed(11));
        assert_eq!(ids(&state, OrderStatus::Placed), [1, 4]);
        assert!(
            (state.tickets[&OrderId(4)].shown_ms - T0).abs() < 1e-6,
            "new: highlighted"
        );
        let state = state
            .reduce(status(12, 4, OrderStatus::Preparing, 2))
            .reduce(placed(11));
        assert_eq!(
            ids(&state, OrderStatus::Preparing),
            [2, 4],
            "replay skipped"
        );
        assert!(
            state.tickets[&OrderId(4)]
                .order
                .times
                .preparing_at
                .is_some()
        );
        let state = state
            .reduce(status(13, 4, OrderStatus::Ready, 3))
            .reduce(status(14, 4, OrderStatus::Collected, 4));
        assert!(!state.tickets.contains_key(&OrderId(4)), "handed over");
        assert_eq!(state.seq, 14);
    }

    #[test]
    fn a_tap_moves_the_ticket_at_once_and_is_sent_only_after_the_undo_window() {
        let state = wall().reduce(KitchenAction::Advance(OrderId(1), T0));
        assert_eq!(ids(&state, OrderStatus::Preparing), [1, 2]);
        assert!(state.due(T0 + UNDO_MS - 1.0).is_empty());
        let undone = state.clone().reduce(KitchenAction::Undo(OrderId(1)));
        assert_eq!(ids(&undone, OrderStatus::Placed), [1], "undo puts it back");
        assert!(undone.due(T0 + UNDO_MS).is_empty(), "and nothing is sent");

        assert_eq!(
            state.due(T0 + UNDO_MS),
            [(OrderId(1), OrderStatus::Preparing)]
        );
        let sending = state.reduce(KitchenAction::Sending(OrderId(1)));
        assert!(sending.due(T0 + UNDO_MS).is_empty(), "sent once");
        let late = sending.clone().reduce(KitchenAction::Undo(OrderId(1)));
        assert_eq!(late, sending, "too late to undo once sent");
        let done = sending.reduce(KitchenAction::Sent(Box::new(order(
            1,
            OrderStatus::Preparing,
            2,
        ))));
        assert_eq!(done.tickets[&OrderId(1)].pending, None);
        assert_eq!(ids(&done, OrderStatus::Preparing), [1, 2]);
    }

    #[test]
    fn a_refused_tap_puts_the_ticket_back_and_says_why() {
        let state = wall()
            .reduce(KitchenAction::Advance(OrderId(2), T0))
            .reduce(KitchenAction::Sending(OrderId(2)))
            .reduce(KitchenAction::Refused(OrderId(2), "conflict".into()));
        assert_eq!(ids(&state, OrderStatus::Preparing), [2]);
        assert_eq!(state.error.as_deref(), Some("conflict"));
    }

    #[test]
    fn a_move_made_on_another_screen_voids_this_screens_tap() {
        let state = wall()
            .reduce(KitchenAction::Advance(OrderId(1), T0))
            .reduce(status(11, 1, OrderStatus::Preparing, 2));
        assert!(state.due(T0 + UNDO_MS * 2.0).is_empty());
        assert_eq!(ids(&state, OrderStatus::Preparing), [1, 2]);
    }

    #[test]
    fn cancelled_and_edited_tickets_stay_highlighted_until_dismissed() {
        let mut edited = order(2, OrderStatus::Preparing, 3);
        edited.note = Some("sans oignons".into());
        let state = wall()
            .reduce(event(
                11,
                Event::OrderEdited {
                    order: Box::new(edited),
                },
            ))
            .reduce(event(
                12,
                Event::OrderCancelled {
                    order_id: OrderId(1),
                    shop_id: ShopId(1),
                    at: ocpizza_proto::Timestamp::from_millisecond(T0 as i64).unwrap(),
                    version: 2,
                    reason: Some("client absent".into()),
                },
            ));
        assert!(state.tickets[&OrderId(2)].edited);
        let cancelled = &state.tickets[&OrderId(1)];
        assert!(cancelled.cancelled);
        assert_eq!(ids(&state, OrderStatus::Placed), [1], "stays where it was");
        // A resync (snapshot without the cancelled order) keeps it until the cook dismisses.
        let state = state.reduce(KitchenAction::Server(Box::new(ServerMsg::Snapshot {
            stream: "shop:1:orders".into(),
            seq: 20,
            state: Snapshot::Orders {
                orders: vec![order(2, OrderStatus::Preparing, 3)],
            },
        })));
        assert!(state.tickets[&OrderId(1)].cancelled);
        assert!(
            state.tickets[&OrderId(2)].edited,
            "still marked after resync"
        );
        let state = state.reduce(KitchenAction::Dismiss(OrderId(1)));
        assert!(!state.tickets.contains_key(&OrderId(1)));
        let same = state.clone().reduce(KitchenAction::Dismiss(OrderId(2)));
        assert_eq!(same, state, "only cancelled tickets can be dismissed");
    }

    #[test]
    fn age_has_three_classes() {
        assert_eq!(Age::of(0.0), Age::Fresh);
        assert_eq!(Age::of(WARN_MS), Age::Waiting);
        assert_eq!(Age::of(LATE_MS + 1.0), Age::Late);
        let state = wall().reduce(KitchenAction::Tick(T0 + WARN_MS + 1.0));
        let ticket = &state.tickets[&OrderId(1)];
        assert_eq!(Age::of(ticket.age_ms(state.now_ms)), Age::Waiting);
    }
}
