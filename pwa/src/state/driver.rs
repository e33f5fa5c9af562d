//! The driver's phone: the shop's deliveries (ready to take, mine, out) and the queue of actions
//! taken on the road. Every tap goes into the queue first, with its idempotency key and the
//! phone's time; the screen shows the orders as if the queue had already been applied, and the
//! queue drains to the server whenever the network allows. A "delivered" tap waits
//! [`DELIVERED_UNDO_MS`] in the queue before it may leave, so a mis-tap can be taken back.

use super::Connection;
use ocpizza_proto::api::driver::{DriverAction, DriverActionKind, DriverActionResult};
use ocpizza_proto::api::orders::{Deliveries, Order};
use ocpizza_proto::{ErrorCode, OrderId, OrderStatus, UserId};
use serde::{Deserialize, Serialize};
use std::rc::Rc;
use yew::Reducible;

/// How long a "delivered" tap can be undone before it may be sent.
pub const DELIVERED_UNDO_MS: f64 = 10_000.0;

/// An action waiting to reach the server. Stored on the phone as JSON (survives restarts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    /// The action as it will be sent (key and device time fixed at the tap).
    pub action: DriverAction,
    /// Not sent before this time (the undo window of "delivered").
    pub ready_at_ms: f64,
    /// On its way right now.
    #[serde(skip)]
    pub sending: bool,
}

/// An action the server refused because the order changed meanwhile.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// The order.
    pub order_id: OrderId,
    /// What the driver had done.
    pub kind: DriverActionKind,
    /// The server's error code (`order_cancelled`, `assigned_to_other_driver`, …).
    pub code: ErrorCode,
    /// The server's explanation.
    pub message: String,
}

/// What the driver's screen shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DriverState {
    /// The driver.
    pub me: Option<UserId>,
    /// Ready deliveries nobody took yet.
    pub available: Vec<Order>,
    /// The driver's own deliveries.
    pub mine: Vec<Order>,
    /// A list is there (from the server or from the phone's copy).
    pub loaded: bool,
    /// The list shown is the phone's copy (the server could not be reached).
    pub from_cache: bool,
    /// Actions not yet confirmed by the server, in tap order.
    pub queue: Vec<Queued>,
    /// Refused actions, to explain to the driver.
    pub conflicts: Vec<Conflict>,
    /// Live connection state.
    pub connection: Connection,
    /// Clock, updated every second.
    pub now_ms: f64,
}

/// What can happen on the driver's screen.
#[derive(Debug, Clone, PartialEq)]
pub enum DriverMsg {
    /// The deliveries, from the server (`cached: false`) or the phone's copy.
    Loaded {
        /// The lists.
        deliveries: Box<Deliveries>,
        /// Whether they come from the phone's copy.
        cached: bool,
    },
    /// The queue saved on the phone, read at start.
    Restored(Vec<Queued>),
    /// The driver tapped an action at `now_ms`.
    Act(Box<DriverAction>, f64),
    /// The driver took back an action still in its undo window.
    Undo(String),
    /// A second passed.
    Tick(f64),
    /// The action with this key is being sent.
    Sending(String),
    /// The server applied it (or had already).
    Applied(String, Box<DriverActionResult>),
    /// The server refused it for good (conflict or invalid): it leaves the queue.
    Refused {
        /// Its key.
        key: String,
        /// Error code.
        code: ErrorCode,
        /// Explanation.
        message: String,
    },
    /// It could not be sent (no network): it stays queued.
    Unsent(String),
    /// The connection changed.
    Connection(Connection),
    /// The driver read a conflict message.
    Dismiss(usize),
    /// An event of the driver's streams, applied at once when it concerns a listed order (a
    /// payment change: whether there is money to collect at the door); the page reloads the
    /// lists after any event too.
    Event(Box<ocpizza_proto::events::Event>),
}

/// The status an action leads to, when it changes the status.
fn status_after(kind: DriverActionKind) -> Option<OrderStatus> {
    match kind {
        DriverActionKind::Take => None,
        DriverActionKind::PickedUp => Some(OrderStatus::OutForDelivery),
        DriverActionKind::Delivered => Some(OrderStatus::Delivered),
        DriverActionKind::Failed => Some(OrderStatus::DeliveryFailed),
    }
}

impl DriverState {
    /// The next action that may be sent now, if none is on its way (one at a time, in order).
    pub fn next_to_send(&self) -> Option<&Queued> {
        if self.queue.iter().any(|q| q.sending) {
            return None;
        }
        self.queue.first().filter(|q| q.ready_at_ms <= self.now_ms)
    }

    /// Actions waiting to sync (the counter on screen).
    pub fn waiting(&self) -> usize {
        self.queue.len()
    }

    /// The queued action of `order` still in its undo window, if any.
    pub fn undoable(&self, order: OrderId) -> Option<&Queued> {
        self.queue
            .iter()
            .find(|q| q.action.order_id == order && !q.sending && q.ready_at_ms > self.now_ms)
    }

    /// `order` as it will be once the queue is applied.
    fn shown(&self, order: &Order) -> Order {
        let mut order = order.clone();
        for q in self.queue.iter().filter(|q| q.action.order_id == order.id) {
            if let Some(status) = status_after(q.action.kind) {
                order.status = status;
            }
            if q.action.kind == DriverActionKind::Delivered {
                order.cash_collected = q.action.cash_collected;
                if let Some(method) = q.action.payment_method {
                    order.payment_method = method;
                }
            }
        }
        order
    }

    fn taken_locally(&self, order: OrderId) -> bool {
        self.queue
            .iter()
            .any(|q| q.action.order_id == order && q.action.kind == DriverActionKind::Take)
    }

    /// Ready deliveries the driver can take (not taken on this phone meanwhile).
    pub fn to_take(&self) -> Vec<Order> {
        self.available
            .iter()
            .filter(|o| !self.taken_locally(o.id))
            .map(|o| self.shown(o))
            .collect()
    }

    /// The driver's deliveries (own ones and those taken on this phone), as the queue leaves
    /// them, oldest first.
    pub fn my_deliveries(&self) -> Vec<Order> {
        let mut list: Vec<Order> =
            self.mine
                .iter()
                .chain(self.available.iter().filter(|o| {
                    self.taken_locally(o.id) && !self.mine.iter().any(|m| m.id == o.id)
                }))
                .map(|o| self.shown(o))
                .collect();
        list.sort_by_key(|o| o.id);
        list
    }

    /// Any order, as shown.
    pub fn order(&self, id: OrderId) -> Option<Order> {
        self.mine
            .iter()
            .chain(&self.available)
            .find(|o| o.id == id)
            .map(|o| self.shown(o))
    }

    fn replace(&mut self, order: &Order) {
        let mine = order.driver.as_ref().is_some_and(|d| Some(d.id) == self.me);
        self.available.retain(|o| o.id != order.id);
        self.mine.retain(|o| o.id != order.id);
        if mine {
            self.mine.push(order.clone());
        }
    }
}

impl Reducible for DriverState {
    type Action = DriverMsg;

    fn reduce(self: Rc<Self>, action: DriverMsg) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            DriverMsg::Loaded { deliveries, cached } => {
                // A copy from the phone never replaces what the server already said.
                if cached && self.loaded && !self.from_cache {
                    return self;
                }
                next.available = deliveries.available;
                next.mine = deliveries.mine;
                next.loaded = true;
                next.from_cache = cached;
            }
            DriverMsg::Restored(queue) => {
                for q in queue {
                    if !next.queue.iter().any(|e| e.action.key == q.action.key) {
                        next.queue.push(q);
                    }
                }
            }
            DriverMsg::Act(action, now) => {
                let delay = if action.kind == DriverActionKind::Delivered {
                    DELIVERED_UNDO_MS
                } else {
                    0.0
                };
                next.queue.push(Queued {
                    action: *action,
                    ready_at_ms: now + delay,
                    sending: false,
                });
            }
            DriverMsg::Undo(key) => next
                .queue
                .retain(|q| q.action.key != key || q.sending || q.ready_at_ms <= next.now_ms),
            DriverMsg::Tick(now) => next.now_ms = now,
            DriverMsg::Sending(key) => {
                for q in next.queue.iter_mut().filter(|q| q.action.key == key) {
                    q.sending = true;
                }
            }
            DriverMsg::Applied(key, result) => {
                next.queue.retain(|q| q.action.key != key);
                next.replace(&result.order);
            }
            DriverMsg::Refused { key, code, message } => {
                if let Some(q) = next.queue.iter().find(|q| q.action.key == key) {
                    next.conflicts.push(Conflict {
                        order_id: q.action.order_id,
                        kind: q.action.kind,
                        code,
                        message,
                    });
                }
                next.queue.retain(|q| q.action.key != key);
            }
            DriverMsg::Unsent(key) => {
                for q in next.queue.iter_mut().filter(|q| q.action.key == key) {
                    q.sending = false;
                }
            }
            DriverMsg::Connection(c) => next.connection = c,
            DriverMsg::Dismiss(i) => {
                if i < next.conflicts.len() {
                    next.conflicts.remove(i);
                }
            }
            DriverMsg::Event(event) => {
                let ocpizza_proto::events::Event::PaymentChanged {
                    order_id,
                    payment_status,
                    payment_method,
                    version,
                    ..
                } = *event
                else {
                    return self;
                };
                for order in next
                    .available
                    .iter_mut()
                    .chain(next.mine.iter_mut())
                    .filter(|o| o.id == order_id)
                {
                    super::payment::apply_change(order, payment_status, payment_method, version);
                }
            }
        }
        Rc::new(next)
    }
}

/// An amount typed by the driver (`23,50`, `23.5`, `23`) in cents; `None` when it is not one.
pub fn parse_euros(text: &str) -> Option<ocpizza_proto::Money> {
    let text = text.trim().replace(',', ".");
    let (euros, cents) = text.split_once('.').unwrap_or((&text, ""));
    if euros.is_empty() || cents.len() > 2 || !euros.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if !cents.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let euros: i64 = euros.parse().ok()?;
    let cents: i64 = format!("{cents:0<2}").parse().ok()?;
    Some(ocpizza_proto::Money(
        euros.checked_mul(100)?.checked_add(cents)?,
    ))
}

/// Great-circle distance in metres between two points given in degrees.
pub fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_000.0;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpizza_proto::api::driver::DriverActionOutcome;
    use ocpizza_proto::api::orders::DriverRef;

    const ME: UserId = UserId(5);
    const T0: f64 = 1_800_000_000_000.0;

    fn order(id: i64, status: OrderStatus, driver: Option<UserId>) -> Order {
        let json = serde_json::json!({
            "id": id, "shop_id": 1, "channel": "web", "fulfilment": "delivery",
            "status": status, "payment_method": "cash_on_delivery", "payment_status": "pending",
            "contact": {"name": "Camille", "phone": "0612345678"},
            "address": {"street": "1 rue Oberkampf", "postcode": "75011", "city": "Paris"},
            "lines": [], "total": 2350,
            "driver": driver.map(|d| DriverRef { id: d, name: "Sam".into() }),
            "version": 3, "times": {},
            "created_at": "2027-01-15T08:00:00Z"
        });
        serde_json::from_value(json).expect("order")
    }

    fn loaded() -> Rc<DriverState> {
        let state = Rc::new(DriverState {
            me: Some(ME),
            now_ms: T0,
            ..DriverState::default()
        });
        state.reduce(DriverMsg::Loaded {
            deliveries: Box::new(Deliveries {
                available: vec![order(1, OrderStatus::Ready, None)],
                mine: vec![order(2, OrderStatus::OutForDelivery, Some(ME))],
                stream_seq: 4,
            }),
            cached: false,
        })
    }

    fn act(key: &str, order_id: i64, kind: DriverActionKind) -> DriverMsg {
        DriverMsg::Act(
            Box::new(DriverAction {
                key: key.into(),
                order_id: OrderId(order_id),
                kind,
                device_at: ocpizza_proto::Timestamp::from_millisecond(T0 as i64).expect("time"),
                cash_collected: None,
                payment_method: None,
                reason: None,
            }),
            T0,
        )
    }

    #[test]
    fn taps_show_at_once_and_wait_in_order_in_the_queue() {
        let state = loaded()
            .reduce(act("k-take-000000001", 1, DriverActionKind::Take))
            .reduce(act("k-pick-000000001", 1, DriverActionKind::PickedUp));
        assert!(state.to_take().is_empty(), "taken on this phone");
        let mine = state.my_deliveries();
        assert_eq!(mine.iter().map(|o| o.id.0).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(mine[0].status, OrderStatus::OutForDelivery);
        assert_eq!(state.waiting(), 2);
        let next = state.next_to_send().expect("first ready");
        assert_eq!(next.action.key, "k-take-000000001");
        let state = state.reduce(DriverMsg::Sending("k-take-000000001".into()));
        assert!(state.next_to_send().is_none(), "one at a time");
    }

    #[test]
    fn delivered_waits_out_its_undo_window_and_can_be_taken_back() {
        let state = loaded().reduce(act("k-deliver-00000001", 2, DriverActionKind::Delivered));
        assert_eq!(
            state.order(OrderId(2)).expect("shown").status,
            OrderStatus::Delivered
        );
        assert!(state.next_to_send().is_none(), "held for the undo window");
        assert!(state.undoable(OrderId(2)).is_some());
        let undone = state
            .clone()
            .reduce(DriverMsg::Undo("k-deliver-00000001".into()));
        assert_eq!(undone.waiting(), 0);
        assert_eq!(
            undone.order(OrderId(2)).expect("shown").status,
            OrderStatus::OutForDelivery
        );
        let later = state.reduce(DriverMsg::Tick(T0 + DELIVERED_UNDO_MS));
        assert!(later.undoable(OrderId(2)).is_none());
        assert!(later.next_to_send().is_some(), "sent once the window ends");
        let kept = later.reduce(DriverMsg::Undo("k-deliver-00000001".into()));
        assert_eq!(kept.waiting(), 1, "too late to undo");
    }

    #[test]
    fn the_servers_answer_empties_the_queue_and_refusals_become_plain_messages() {
        let state = loaded()
            .reduce(act("k-take-000000001", 1, DriverActionKind::Take))
            .reduce(act("k-fail-000000002", 2, DriverActionKind::Failed));
        let applied = DriverActionResult {
            outcome: DriverActionOutcome::Applied,
            order: order(1, OrderStatus::Ready, Some(ME)),
            device_at: ocpizza_proto::Timestamp::from_millisecond(T0 as i64).expect("time"),
            received_at: ocpizza_proto::Timestamp::from_millisecond(T0 as i64 + 5).expect("time"),
        };
        let state = state
            .reduce(DriverMsg::Applied(
                "k-take-000000001".into(),
                Box::new(applied),
            ))
            .reduce(DriverMsg::Refused {
                key: "k-fail-000000002".into(),
                code: ErrorCode::OrderCancelled,
                message: "cancelled meanwhile".into(),
            });
        assert_eq!(state.waiting(), 0);
        assert!(state.available.is_empty());
        assert_eq!(
            state.mine.iter().map(|o| o.id.0).collect::<Vec<_>>(),
            [2, 1]
        );
        assert_eq!(state.conflicts.len(), 1);
        assert_eq!(state.conflicts[0].order_id, OrderId(2));
        assert_eq!(state.conflicts[0].code, ErrorCode::OrderCancelled);
        assert!(state.reduce(DriverMsg::Dismiss(0)).conflicts.is_empty());
    }

    #[test]
    fn a_delivery_switched_to_paying_at_the_door_shows_cash_to_collect() {
        use ocpizza_proto::events::Event;
        use ocpizza_proto::{PaymentMethod, PaymentStatus, ShopId};
        let change = |id: i64, method, status, version| {
            DriverMsg::Event(Box::new(Event::PaymentChanged {
                order_id: OrderId(id),
                shop_id: ShopId(1),
                payment_status: status,
                payment_method: method,
                version,
                operation: None,
                amount: None,
                reason: None,
                by: None,
            }))
        };
        let state = loaded().reduce(change(2, PaymentMethod::Online, PaymentStatus::Paid, 4));
        let mine = state.order(OrderId(2)).expect("mine");
        assert_eq!(
            (mine.payment_method, mine.payment_status, mine.version),
            (PaymentMethod::Online, PaymentStatus::Paid, 4)
        );
        let state = state.reduce(change(
            1,
            PaymentMethod::CashOnDelivery,
            PaymentStatus::Pending,
            5,
        ));
        assert_eq!(
            state.order(OrderId(1)).expect("available").payment_method,
            PaymentMethod::CashOnDelivery
        );
        // Another event leaves the lists as they are (the page reloads them).
        let same = state
            .clone()
            .reduce(DriverMsg::Event(Box::new(Event::ShopResumed {
                shop_id: ShopId(1),
            })));
        assert_eq!(same, state);
    }

    #[test]
    fn an_unsent_action_stays_queued_and_a_restored_queue_keeps_no_twins() {
        let state = loaded()
            .reduce(act("k-pick-000000001", 1, DriverActionKind::PickedUp))
            .reduce(DriverMsg::Sending("k-pick-000000001".into()))
            .reduce(DriverMsg::Unsent("k-pick-000000001".into()));
        assert_eq!(state.waiting(), 1);
        assert!(state.next_to_send().is_some(), "retried");
        let saved = state.queue.clone();
        let state = state.reduce(DriverMsg::Restored(saved));
        assert_eq!(state.waiting(), 1);
    }

    #[test]
    fn the_phones_copy_never_replaces_the_servers_list() {
        let state = loaded().reduce(DriverMsg::Loaded {
            deliveries: Box::new(Deliveries {
                available: Vec::new(),
                mine: Vec::new(),
                stream_seq: 1,
            }),
            cached: true,
        });
        assert_eq!(state.available.len(), 1);
        assert!(!state.from_cache);
    }

    #[test]
    fn typed_amounts_read_as_cents_and_nonsense_is_refused() {
        use ocpizza_proto::Money;
        assert_eq!(parse_euros("23,50"), Some(Money(2350)));
        assert_eq!(parse_euros(" 23.5 "), Some(Money(2350)));
        assert_eq!(parse_euros("40"), Some(Money(4000)));
        assert_eq!(parse_euros("0,05"), Some(Money(5)));
        for bad in ["", "-3", "2,345", "abc", "1.2.3", ",50"] {
            assert_eq!(parse_euros(bad), None, "{bad}");
        }
    }

    #[test]
    fn distances_follow_the_earths_curve() {
        // Place de la République to Place de la Bastille: about 1.5 km.
        let d = distance_m(48.8674, 2.3636, 48.8532, 2.3691);
        assert!((1_500.0..1_650.0).contains(&d), "{d}");
        assert!(distance_m(48.0, 2.0, 48.0, 2.0).abs() < 1e-6);
    }
}
