//! The managers' dashboard: one card per shop with its open orders by stage, the late ones,
//! today's count and revenue (the shop's own day, see `day`) and the drivers out, kept live
//! from the `group:orders` stream (orders), each shop's `shop:{id}:menu` stream (pause and
//! resume are published there) and its `shop:{id}:stock` stream (low-stock alerts, see
//! `alerts`).

use super::Connection;
use super::payment::apply_change;
use ocpizza_proto::api::dashboard::{Dashboard, TodayFigures, late_after_minutes};
use ocpizza_proto::api::orders::{DriverRef, Order, StageTimes};
use ocpizza_proto::api::shops::Shop;
use ocpizza_proto::api::stock::StockLevel;
use ocpizza_proto::events::{Event, Stream};
use ocpizza_proto::ws::{ServerMsg, Snapshot};
use ocpizza_proto::{
    BusinessDay, IngredientId, Money, OpenState, OrderId, OrderStatus, ShopId, Timestamp,
};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::Reducible;

const MINUTE_MS: f64 = 60_000.0;

/// The limit of `status` in ms, from the one list the server uses too
/// (`ocpizza_proto::api::dashboard::LATE_AFTER_MINUTES`).
const fn limit_ms(status: OrderStatus) -> f64 {
    match late_after_minutes(status) {
        Some(m) => m as f64 * MINUTE_MS,
        None => f64::INFINITY,
    }
}

/// A placed order not started after this long is late.
pub const LATE_PLACED_MS: f64 = limit_ms(OrderStatus::Placed);
/// An order in preparation for longer than this is late.
pub const LATE_PREPARING_MS: f64 = limit_ms(OrderStatus::Preparing);
/// A ready order not collected or taken out after this long is late.
pub const LATE_READY_MS: f64 = limit_ms(OrderStatus::Ready);
/// A delivery out for longer than this is late.
pub const LATE_OUT_MS: f64 = limit_ms(OrderStatus::OutForDelivery);

/// The stages a card counts, in order.
pub const STAGES: [OrderStatus; 4] = [
    OrderStatus::Placed,
    OrderStatus::Preparing,
    OrderStatus::Ready,
    OrderStatus::OutForDelivery,
];

/// How long an order may stay in `status` before it is late (`None`: not a dashboard stage).
pub fn late_after_ms(status: OrderStatus) -> Option<f64> {
    late_after_minutes(status).map(|m| m as f64 * MINUTE_MS)
}

/// When the order entered its current stage (its creation if the stage time is missing).
fn stage_since(order: &Order) -> Timestamp {
    let t = &order.times;
    let at = match order.status {
        OrderStatus::Placed => t.placed_at,
        OrderStatus::Preparing => t.preparing_at,
        OrderStatus::Ready => t.ready_at,
        OrderStatus::OutForDelivery => t.out_for_delivery_at,
        _ => None,
    };
    at.unwrap_or(order.created_at)
}

/// Milliseconds the order has spent in its current stage at `now_ms`.
pub fn in_stage_ms(order: &Order, now_ms: f64) -> f64 {
    (now_ms - stage_since(order).as_millisecond() as f64).max(0.0)
}

/// Whether the order has stayed in its stage longer than that stage's threshold.
pub fn is_late(order: &Order, now_ms: f64) -> bool {
    late_after_ms(order.status).is_some_and(|limit| in_stage_ms(order, now_ms) > limit)
}

fn finished(status: OrderStatus) -> bool {
    matches!(
        status,
        OrderStatus::Delivered
            | OrderStatus::Collected
            | OrderStatus::DeliveryFailed
            | OrderStatus::Cancelled
    )
}

/// Whether an order in `status` counts in today's figures (it reached the shop).
fn counted(status: OrderStatus) -> bool {
    status != OrderStatus::AwaitingPayment
}

/// Moves today's figures by `orders` orders and `cents` of revenue.
fn add_today(today: &mut TodayFigures, orders: i64, cents: i64) {
    today.orders += orders;
    today.revenue = Money(today.revenue.0 + cents);
}

fn stamp(times: &mut StageTimes, status: OrderStatus, at: Timestamp) {
    let slot = match status {
        OrderStatus::Placed => &mut times.placed_at,
        OrderStatus::Preparing => &mut times.preparing_at,
        OrderStatus::Ready => &mut times.ready_at,
        OrderStatus::OutForDelivery => &mut times.out_for_delivery_at,
        _ => return,
    };
    *slot = Some(at);
}

/// One shop on the dashboard.
#[derive(Debug, Clone, PartialEq)]
pub struct ShopCard {
    /// The shop.
    pub shop_id: ShopId,
    /// Its name.
    pub name: String,
    /// `false` while paused.
    pub accepting_orders: bool,
    /// Why it is paused, when known.
    pub pause_reason: Option<String>,
    /// Unfinished orders (awaiting payment included, not shown), by id.
    pub orders: BTreeMap<OrderId, Order>,
    /// Today's orders and revenue.
    pub today: TodayFigures,
    /// The shop's business day `today` counts.
    pub day: BusinessDay,
    /// What its hours said at the last load, as its customers are told.
    pub open_state: OpenState,
    /// Ingredients below their low-stock threshold, kept live from the shop's stock stream.
    pub low_stock: BTreeMap<IngredientId, StockLevel>,
    /// Last sequence of the shop's stock stream applied.
    pub stock_seq: i64,
}

impl ShopCard {
    /// Orders in `stage`, oldest first.
    pub fn in_stage(&self, stage: OrderStatus) -> impl Iterator<Item = &Order> {
        self.orders.values().filter(move |o| o.status == stage)
    }

    /// The orders shown on the card (placed to out for delivery), oldest first.
    pub fn shown(&self) -> impl Iterator<Item = &Order> {
        self.orders.values().filter(|o| STAGES.contains(&o.status))
    }

    /// Orders late in their stage at `now_ms`.
    pub fn late(&self, now_ms: f64) -> impl Iterator<Item = &Order> {
        self.shown().filter(move |o| is_late(o, now_ms))
    }

    /// Drivers out on a delivery, each once.
    pub fn drivers_out(&self) -> Vec<DriverRef> {
        let mut out: Vec<DriverRef> = Vec::new();
        for d in self
            .in_stage(OrderStatus::OutForDelivery)
            .filter_map(|o| o.driver.as_ref())
        {
            if !out.iter().any(|x| x.id == d.id) {
                out.push(d.clone());
            }
        }
        out
    }
}

/// What the dashboard shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DashboardState {
    /// Shops by id.
    pub shops: BTreeMap<ShopId, ShopCard>,
    /// Last sequence of `group:orders` applied.
    pub seq: i64,
    /// Last sequence of each shop's menu stream applied.
    pub menu_seq: BTreeMap<ShopId, i64>,
    /// The first load finished.
    pub loaded: bool,
    /// Live connection state.
    pub connection: Connection,
    /// Clock for lateness, updated every few seconds.
    pub now_ms: f64,
    /// Last problem to show (a refused assignment or pause).
    pub error: Option<String>,
    /// When the last good backup finished (ms since the epoch), as the load said.
    pub last_backup_ms: Option<i64>,
    /// Shops opened (created or reopened) since the page loaded, announced on `group:orders`:
    /// the page loads the board again (the server knows their day and figures) and follows
    /// their menu streams.
    pub opened: Vec<ShopId>,
}

impl DashboardState {
    /// Hours since the last good backup (`None`: no backup yet), by the board's clock.
    pub fn backup_age_hours(&self) -> Option<i64> {
        self.last_backup_ms
            .map(|at| ((self.now_ms as i64 - at).max(0)) / 3_600_000)
    }

    /// Whether the backups are late: none yet, or the last one older than the daily run allows.
    pub fn backup_late(&self) -> bool {
        self.backup_age_hours()
            .is_none_or(|h| h >= ocpizza_proto::api::dashboard::BACKUP_LATE_HOURS)
    }
}

/// What can happen to the dashboard.
#[derive(Debug, Clone, PartialEq)]
pub enum DashboardAction {
    /// The REST load of the dashboard.
    Loaded(Box<Dashboard>),
    /// A message of one of the live streams.
    Server(Box<ServerMsg>),
    /// The connection changed.
    Connection(Connection),
    /// Time passed.
    Tick(f64),
    /// The server's answer to an assignment.
    OrderSaved(Box<Order>),
    /// The server's answer to a pause or resume.
    ShopSaved(Box<Shop>),
    /// Something was refused or could not be sent.
    Failed(String),
    /// The manager closed the error message.
    ClearError,
}

impl DashboardState {
    fn card_of(&mut self, order: &Order) -> Option<&mut ShopCard> {
        self.shops.get_mut(&order.shop_id)
    }

    fn replace_orders(&mut self, orders: Vec<Order>) {
        for card in self.shops.values_mut() {
            card.orders.clear();
        }
        for order in orders.into_iter().filter(|o| !finished(o.status)) {
            if let Some(card) = self.shops.get_mut(&order.shop_id) {
                card.orders.insert(order.id, order);
            }
        }
    }

    /// Inserts or replaces an order, keeping today's figures right.
    fn upsert(&mut self, order: Order) {
        let Some(card) = self.card_of(&order) else {
            return;
        };
        let before = card.orders.get(&order.id).map(|o| (o.status, o.total));
        // An order placed on another day than the one shown is not in its figures.
        let today = card.counts_today(&order);
        match before {
            // New here: it reached the shop now (an order already on the loaded dashboard
            // is known and never counted twice).
            None if today && counted(order.status) => {
                add_today(&mut card.today, 1, order.total.0);
            }
            Some((status, total)) if today && counted(status) && counted(order.status) => {
                add_today(&mut card.today, 0, order.total.0 - total.0);
            }
            _ => {}
        }
        if finished(order.status) {
            card.orders.remove(&order.id);
        } else {
            card.orders.insert(order.id, order);
        }
    }

    fn apply_order_event(&mut self, event: Event) {
        match event {
            Event::OrderPlaced { order } | Event::OrderEdited { order } => self.upsert(*order),
            Event::OrderStatusChanged {
                order_id,
                shop_id,
                status,
                at,
                version,
                payment_status,
                eta,
            } => {
                let Some(card) = self.shops.get_mut(&shop_id) else {
                    return;
                };
                let Some(order) = card.orders.get_mut(&order_id) else {
                    return;
                };
                // Paid online: it reaches the shop only now.
                if !counted(order.status)
                    && counted(status)
                    && card.day.contains_ms(order.created_at.as_millisecond())
                {
                    add_today(&mut card.today, 1, order.total.0);
                }
                order.status = status;
                order.version = version;
                order.payment_status = payment_status;
                order.eta = eta;
                stamp(&mut order.times, status, at);
                if finished(status) {
                    card.orders.remove(&order_id);
                }
            }
            Event::OrderCancelled {
                order_id, shop_id, ..
            } => {
                let Some(card) = self.shops.get_mut(&shop_id) else {
                    return;
                };
                if let Some(order) = card.orders.remove(&order_id)
                    && counted(order.status)
                    && card.counts_today(&order)
                {
                    add_today(&mut card.today, -1, -order.total.0);
                }
            }
            Event::DriverAssigned {
                order_id,
                shop_id,
                driver,
                version,
            } => {
                if let Some(order) = self
                    .shops
                    .get_mut(&shop_id)
                    .and_then(|c| c.orders.get_mut(&order_id))
                {
                    order.driver = driver;
                    order.version = version;
                }
            }
            Event::PaymentChanged {
                order_id,
                shop_id,
                payment_status,
                payment_method,
                version,
                ..
            } => {
                if let Some(order) = self
                    .shops
                    .get_mut(&shop_id)
                    .and_then(|c| c.orders.get_mut(&order_id))
                {
                    apply_change(order, payment_status, payment_method, version);
                }
            }
            Event::ShopOpened { shop_id, .. } => self.opened.push(shop_id),
            Event::ShopUpdated { shop_id, shop } => {
                if let Some(card) = self.shops.get_mut(&shop_id) {
                    card.name = shop.name;
                    card.accepting_orders = !shop.paused;
                    card.pause_reason = shop.pause_reason;
                    card.open_state = shop.open_state;
                }
            }
            Event::ShopRetired { shop_id } => {
                self.shops.remove(&shop_id);
            }
            _ => {}
        }
    }

    fn set_paused(&mut self, shop: ShopId, paused: bool, reason: Option<String>) {
        if let Some(card) = self.shops.get_mut(&shop) {
            card.accepting_orders = !paused;
            card.pause_reason = reason;
        }
    }

    /// Applies a message of `group:orders` or of a shop's menu stream; `false` if ignored.
    fn apply_message(&mut self, msg: ServerMsg) -> bool {
        let (stream, seq) = match &msg {
            ServerMsg::Event { stream, seq, .. } | ServerMsg::Snapshot { stream, seq, .. } => {
                (Stream::parse(stream), *seq)
            }
            _ => return false,
        };
        match (stream, msg) {
            (
                Some(Stream::GroupOrders),
                ServerMsg::Snapshot {
                    state: Snapshot::Orders { orders },
                    ..
                },
            ) => {
                self.replace_orders(orders);
                self.seq = seq;
                self.loaded = true;
            }
            // Replays may repeat what the REST load showed: older events are skipped.
            (Some(Stream::GroupOrders), ServerMsg::Event { event, .. }) if seq > self.seq => {
                self.apply_order_event(event);
                self.seq = seq;
            }
            (
                Some(Stream::ShopMenu(shop)),
                ServerMsg::Snapshot {
                    state: Snapshot::Menu { shop: s, .. },
                    ..
                },
            ) => {
                self.set_paused(shop, s.paused, s.pause_reason);
                self.menu_seq.insert(shop, seq);
            }
            (Some(Stream::ShopMenu(shop)), ServerMsg::Event { event, .. })
                if seq > self.menu_seq.get(&shop).copied().unwrap_or(0) =>
            {
                match event {
                    Event::ShopPaused { reason, .. } => self.set_paused(shop, true, reason),
                    Event::ShopResumed { .. } => self.set_paused(shop, false, None),
                    _ => {}
                }
                self.menu_seq.insert(shop, seq);
            }
            (Some(Stream::ShopStock(shop)), msg) => {
                return self
                    .shops
                    .get_mut(&shop)
                    .is_some_and(|card| card.apply_stock(seq, msg));
            }
            _ => return false,
        }
        true
    }
}

impl Reducible for DashboardState {
    type Action = DashboardAction;

    fn reduce(self: Rc<Self>, action: DashboardAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            DashboardAction::Loaded(dashboard) => {
                if dashboard.stream_seq < next.seq {
                    return self;
                }
                next.seq = dashboard.stream_seq;
                next.last_backup_ms = dashboard.last_backup.as_ref().map(|b| b.finished_ms);
                next.shops = dashboard
                    .shops
                    .into_iter()
                    .map(|s| {
                        let card = ShopCard {
                            shop_id: s.shop_id,
                            name: s.name,
                            accepting_orders: s.accepting_orders,
                            pause_reason: s.pause_reason,
                            orders: s.open_orders.into_iter().map(|o| (o.id, o)).collect(),
                            today: s.today,
                            day: s.day,
                            open_state: s.open_state,
                            low_stock: s
                                .low_stock
                                .into_iter()
                                .map(|l| (l.ingredient_id, l))
                                .collect(),
                            stock_seq: s.stock_seq,
                        };
                        (card.shop_id, card)
                    })
                    .collect();
                next.loaded = true;
            }
            DashboardAction::Server(msg) => {
                if !next.apply_message(*msg) {
                    return self;
                }
            }
            DashboardAction::Connection(c) => next.connection = c,
            DashboardAction::Tick(now) => {
                next.now_ms = now;
                next.roll_days(now);
            }
            DashboardAction::OrderSaved(order) => {
                let newer = next
                    .shops
                    .get(&order.shop_id)
                    .and_then(|c| c.orders.get(&order.id))
                    .is_some_and(|o| o.version < order.version);
                if !newer {
                    return self;
                }
                next.upsert(*order);
            }
            DashboardAction::ShopSaved(shop) => {
                next.set_paused(shop.id, shop.paused, shop.pause_reason);
            }
            DashboardAction::Failed(message) => next.error = Some(message),
            DashboardAction::ClearError => next.error = None,
        }
        Rc::new(next)
    }
}

mod alerts;
mod day;
#[cfg(test)]
mod tests;
