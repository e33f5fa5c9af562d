use super::*;
use ocpizza_proto::api::dashboard::{LastBackup, ShopDashboard};
use ocpizza_proto::api::orders::{Channel, Contact};
use ocpizza_proto::{Fulfilment, PaymentMethod, PaymentStatus, UserId};

const T0: f64 = 1_800_000_000_000.0;
const SHOP: ShopId = ShopId(1);

fn at(ms: f64) -> Timestamp {
    Timestamp::from_millisecond(ms as i64).unwrap()
}

fn order(id: i64, shop: i64, status: OrderStatus, total: i64) -> Order {
    Order {
        id: OrderId(id),
        shop_id: ShopId(shop),
        channel: Channel::Web,
        fulfilment: Fulfilment::Delivery,
        status,
        payment_method: PaymentMethod::CashOnDelivery,
        payment_status: PaymentStatus::Pending,
        contact: Contact {
            name: "Claire".into(),
            phone: "0600000000".into(),
            email: None,
        },
        address: None,
        lines: vec![],
        note: None,
        total: Money(total),
        delivery_fee: Money::ZERO,
        driver: None,
        version: 1,
        tracking_token: None,
        times: StageTimes {
            placed_at: Some(at(T0)),
            ..StageTimes::default()
        },
        cancel_reason: None,
        created_at: at(T0),
        cash_collected: None,
        promised_at: None,
        eta: None,
    }
}

fn card(shop: i64, open_orders: Vec<Order>, orders: i64, revenue: i64) -> ShopDashboard {
    ShopDashboard {
        shop_id: ShopId(shop),
        name: format!("Shop {shop}"),
        accepting_orders: true,
        open_orders,
        today: TodayFigures {
            orders,
            revenue: Money(revenue),
        },
        day: day_around(T0),
        open_state: OpenState::Open { until: None },
        pause_reason: None,
        drivers_out: vec![],
        low_stock: vec![],
        stock_seq: 0,
        late: vec![],
    }
}

/// A business day from 6 hours before `ms` to 6 hours after.
fn day_around(ms: f64) -> BusinessDay {
    BusinessDay {
        day: "2027-01-15".parse().unwrap(),
        day_starts_at: at(ms - 6.0 * 3_600_000.0),
        day_ends_at: at(ms + 6.0 * 3_600_000.0),
    }
}

pub(super) fn loaded() -> Rc<DashboardState> {
    Rc::new(DashboardState::default())
        .reduce(DashboardAction::Tick(T0))
        .reduce(DashboardAction::Loaded(Box::new(Dashboard {
            stream_seq: 10,
            shops: vec![
                card(1, vec![order(1, 1, OrderStatus::Placed, 1000)], 3, 4500),
                card(2, vec![], 0, 0),
            ],
            last_backup: Some(LastBackup {
                finished_ms: T0 as i64 - 5 * 3_600_000,
            }),
        })))
}

#[test]
fn the_board_says_how_old_the_last_backup_is_and_when_it_is_late() {
    let state = loaded();
    assert_eq!(state.backup_age_hours(), Some(5));
    assert!(!state.backup_late());
    let later = state.reduce(DashboardAction::Tick(T0 + 21.0 * 3_600_000.0));
    assert_eq!(later.backup_age_hours(), Some(26));
    assert!(later.backup_late());
    let none = DashboardState::default();
    assert_eq!(none.backup_age_hours(), None);
    assert!(none.backup_late(), "no backup at all is late too");
}

fn event(stream: &str, seq: i64, event: Event) -> DashboardAction {
    DashboardAction::Server(Box::new(ServerMsg::Event {
        stream: stream.into(),
        seq,
        event,
    }))
}

fn group(seq: i64, e: Event) -> DashboardAction {
    event("group:orders", seq, e)
}

fn placed(id: i64, shop: i64, total: i64) -> Event {
    Event::OrderPlaced {
        order: Box::new(order(id, shop, OrderStatus::Placed, total)),
    }
}

fn moved(id: i64, status: OrderStatus, at_ms: f64, version: i64) -> Event {
    Event::OrderStatusChanged {
        order_id: OrderId(id),
        shop_id: SHOP,
        status,
        at: at(at_ms),
        version,
        payment_status: PaymentStatus::Pending,
        eta: None,
    }
}

fn today(state: &DashboardState, shop: i64) -> (i64, i64) {
    let t = state.shops[&ShopId(shop)].today;
    (t.orders, t.revenue.0)
}

fn stage_ids(state: &DashboardState, stage: OrderStatus) -> Vec<i64> {
    state.shops[&SHOP].in_stage(stage).map(|o| o.id.0).collect()
}

#[test]
fn a_new_order_lands_in_its_shop_card_and_adds_to_todays_figures() {
    let state = loaded().reduce(group(11, placed(2, 1, 2000)));
    assert_eq!(stage_ids(&state, OrderStatus::Placed), [1, 2]);
    assert_eq!(today(&state, 1), (4, 6500));
    assert_eq!(today(&state, 2), (0, 0), "the other shop is untouched");
    assert_eq!(state.seq, 11);
}

#[test]
fn events_apply_in_order_and_replays_are_skipped() {
    let state = loaded()
        .reduce(group(11, placed(2, 1, 2000)))
        .reduce(group(12, moved(2, OrderStatus::Preparing, T0 + 1_000.0, 2)))
        // The same events again after a reconnection: nothing changes.
        .reduce(group(11, placed(2, 1, 2000)))
        .reduce(group(12, moved(2, OrderStatus::Preparing, T0 + 1_000.0, 2)));
    assert_eq!(stage_ids(&state, OrderStatus::Placed), [1]);
    assert_eq!(stage_ids(&state, OrderStatus::Preparing), [2]);
    assert_eq!(today(&state, 1), (4, 6500), "counted once");
    // Events already in the REST load are skipped too.
    let again = state.clone().reduce(group(10, placed(9, 1, 500)));
    assert!(Rc::ptr_eq(&state, &again));
}

#[test]
fn a_cancellation_removes_the_order_and_its_amount() {
    let state = loaded().reduce(group(11, placed(2, 1, 2000))).reduce(group(
        12,
        Event::OrderCancelled {
            order_id: OrderId(2),
            shop_id: SHOP,
            at: at(T0),
            version: 2,
            reason: None,
        },
    ));
    assert_eq!(stage_ids(&state, OrderStatus::Placed), [1]);
    assert_eq!(today(&state, 1), (3, 4500));
}

#[test]
fn an_edit_changes_the_revenue_by_the_difference() {
    let mut edited = order(1, 1, OrderStatus::Placed, 1600);
    edited.version = 2;
    let state = loaded().reduce(group(
        11,
        Event::OrderEdited {
            order: Box::new(edited),
        },
    ));
    assert_eq!(today(&state, 1), (3, 5100));
}

#[test]
fn an_order_paid_online_counts_when_it_reaches_the_shop() {
    let waiting = Event::OrderPlaced {
        order: Box::new(order(2, 1, OrderStatus::AwaitingPayment, 2000)),
    };
    let state = loaded().reduce(group(11, waiting));
    assert_eq!(today(&state, 1), (3, 4500));
    assert_eq!(state.shops[&SHOP].shown().count(), 1, "not shown yet");
    let state = state.reduce(group(12, moved(2, OrderStatus::Placed, T0, 2)));
    assert_eq!(today(&state, 1), (4, 6500));
    assert_eq!(stage_ids(&state, OrderStatus::Placed), [1, 2]);
}

#[test]
fn a_managers_row_follows_the_money_of_an_order_paid_online() {
    let mut online = order(2, 1, OrderStatus::AwaitingPayment, 2000);
    online.payment_method = PaymentMethod::Online;
    let payment = |status, version| Event::PaymentChanged {
        order_id: OrderId(2),
        shop_id: SHOP,
        payment_status: status,
        payment_method: PaymentMethod::Online,
        version,
        operation: None,
        amount: None,
        reason: None,
        by: None,
    };
    let state = loaded()
        .reduce(group(
            11,
            Event::OrderPlaced {
                order: Box::new(online),
            },
        ))
        .reduce(group(12, payment(PaymentStatus::Authorised, 2)))
        .reduce(group(13, moved(2, OrderStatus::Placed, T0, 2)))
        .reduce(group(14, moved(2, OrderStatus::Preparing, T0, 3)))
        .reduce(group(15, payment(PaymentStatus::Paid, 4)));
    let row = &state.shops[&SHOP].orders[&OrderId(2)];
    assert_eq!(
        (row.payment_method, row.payment_status, row.version),
        (PaymentMethod::Online, PaymentStatus::Paid, 4)
    );
    // A change for an order the board does not hold is ignored.
    let state = state.reduce(group(
        16,
        Event::PaymentChanged {
            order_id: OrderId(99),
            shop_id: SHOP,
            payment_status: PaymentStatus::Refunded,
            payment_method: PaymentMethod::Online,
            version: 5,
            operation: None,
            amount: None,
            reason: None,
            by: None,
        },
    ));
    assert!(!state.shops[&SHOP].orders.contains_key(&OrderId(99)));
}

#[test]
fn finished_orders_leave_the_card_and_drivers_out_follow_assignments() {
    let driver = DriverRef {
        id: UserId(5),
        name: "Dario".into(),
    };
    let state = loaded()
        .reduce(group(11, moved(1, OrderStatus::Preparing, T0, 2)))
        .reduce(group(12, moved(1, OrderStatus::Ready, T0, 3)))
        .reduce(group(
            13,
            Event::DriverAssigned {
                order_id: OrderId(1),
                shop_id: SHOP,
                driver: Some(driver.clone()),
                version: 4,
            },
        ));
    assert!(state.shops[&SHOP].drivers_out().is_empty(), "not out yet");
    let state = state.reduce(group(14, moved(1, OrderStatus::OutForDelivery, T0, 5)));
    assert_eq!(state.shops[&SHOP].drivers_out(), [driver]);
    let state = state.reduce(group(15, moved(1, OrderStatus::Delivered, T0, 6)));
    assert!(state.shops[&SHOP].orders.is_empty());
    assert!(state.shops[&SHOP].drivers_out().is_empty());
    assert_eq!(
        today(&state, 1),
        (3, 4500),
        "a delivery does not change today"
    );
}

#[test]
fn lateness_is_measured_from_the_start_of_the_stage_against_its_threshold() {
    let mut o = order(1, 1, OrderStatus::Placed, 1000);
    assert!(!is_late(&o, T0 + LATE_PLACED_MS));
    assert!(is_late(&o, T0 + LATE_PLACED_MS + 1.0));
    // Started at T0 + 5 min: its clock restarts with the preparation.
    o.status = OrderStatus::Preparing;
    o.times.preparing_at = Some(at(T0 + 5.0 * MINUTE_MS));
    assert!(!is_late(&o, T0 + 5.0 * MINUTE_MS + LATE_PREPARING_MS));
    assert!(is_late(&o, T0 + 5.0 * MINUTE_MS + LATE_PREPARING_MS + 1.0));
    o.status = OrderStatus::Ready;
    o.times.ready_at = Some(at(T0 + 30.0 * MINUTE_MS));
    assert!(!is_late(&o, T0 + 30.0 * MINUTE_MS + LATE_READY_MS));
    assert!(is_late(&o, T0 + 30.0 * MINUTE_MS + LATE_READY_MS + 1.0));
    o.status = OrderStatus::OutForDelivery;
    o.times.out_for_delivery_at = Some(at(T0 + 40.0 * MINUTE_MS));
    assert!(!is_late(&o, T0 + 40.0 * MINUTE_MS + LATE_OUT_MS));
    assert!(is_late(&o, T0 + 40.0 * MINUTE_MS + LATE_OUT_MS + 1.0));
    o.status = OrderStatus::Delivered;
    assert!(!is_late(&o, T0 + 1e9), "finished orders are never late");

    let state = loaded().reduce(DashboardAction::Tick(T0 + LATE_PLACED_MS + 1.0));
    assert_eq!(state.shops[&SHOP].late(state.now_ms).count(), 1);
}

#[test]
fn pause_and_resume_arrive_on_each_shops_menu_stream() {
    let state = loaded().reduce(event(
        "shop:1:menu",
        4,
        Event::ShopPaused {
            shop_id: SHOP,
            reason: Some("four en panne".into()),
        },
    ));
    let card = &state.shops[&SHOP];
    assert!(!card.accepting_orders);
    assert_eq!(card.pause_reason.as_deref(), Some("four en panne"));
    let state = state
        .reduce(event(
            "shop:1:menu",
            5,
            Event::ShopResumed { shop_id: SHOP },
        ))
        // A replay of the pause is skipped.
        .reduce(event(
            "shop:1:menu",
            4,
            Event::ShopPaused {
                shop_id: SHOP,
                reason: None,
            },
        ));
    assert!(state.shops[&SHOP].accepting_orders);
}

#[test]
fn a_snapshot_of_the_group_stream_replaces_the_open_orders() {
    let state = loaded().reduce(DashboardAction::Server(Box::new(ServerMsg::Snapshot {
        stream: "group:orders".into(),
        seq: 40,
        state: Snapshot::Orders {
            orders: vec![
                order(7, 1, OrderStatus::Ready, 900),
                order(8, 2, OrderStatus::Placed, 900),
                order(9, 3, OrderStatus::Placed, 900),
            ],
        },
    })));
    assert_eq!(state.seq, 40);
    assert_eq!(stage_ids(&state, OrderStatus::Ready), [7]);
    assert_eq!(state.shops[&ShopId(2)].orders.len(), 1);
    assert!(
        !state.shops.contains_key(&ShopId(3)),
        "not one of this manager's shops"
    );
}

#[test]
fn an_assignment_answer_applies_only_when_newer() {
    let mut newer = order(1, 1, OrderStatus::Placed, 1000);
    newer.version = 3;
    newer.driver = Some(DriverRef {
        id: UserId(5),
        name: "Dario".into(),
    });
    let state = loaded().reduce(DashboardAction::OrderSaved(Box::new(newer.clone())));
    assert_eq!(state.shops[&SHOP].orders[&OrderId(1)].version, 3);
    let same = state
        .clone()
        .reduce(DashboardAction::OrderSaved(Box::new(newer)));
    assert!(Rc::ptr_eq(&state, &same));
    assert_eq!(today(&state, 1), (3, 4500));
}

/// An order of shop 1 placed at `ms`.
fn placed_at(id: i64, total: i64, ms: f64) -> Event {
    let mut order = order(id, 1, OrderStatus::Placed, total);
    order.created_at = at(ms);
    Event::OrderPlaced {
        order: Box::new(order),
    }
}

#[test]
fn an_order_placed_after_the_shops_midnight_is_not_added_to_the_day_shown() {
    let end = T0 + 6.0 * 3_600_000.0;
    let state = loaded()
        .reduce(group(11, placed_at(2, 2000, end - 1_000.0)))
        .reduce(group(12, placed_at(3, 1500, end)));
    assert_eq!(
        today(&state, 1),
        (4, 6500),
        "only the order before midnight counts"
    );
    assert_eq!(
        stage_ids(&state, OrderStatus::Placed),
        [1, 2, 3],
        "both are still on the board"
    );
}

#[test]
fn the_figures_start_again_from_zero_at_the_shops_midnight_and_count_the_new_day() {
    let end = T0 + 6.0 * 3_600_000.0;
    let state = loaded().reduce(DashboardAction::Tick(end - 1.0));
    assert_eq!(today(&state, 1), (3, 4500));
    let next = state.reduce(DashboardAction::Tick(end));
    assert_eq!(today(&next, 1), (0, 0));
    assert_eq!(next.shops[&SHOP].day.day.to_string(), "2027-01-16");
    assert_eq!(next.refresh_at_ms(), Some(end as i64 + 24 * 3_600_000));
    let next = next.reduce(group(11, placed_at(2, 2000, end + 60_000.0)));
    assert_eq!(today(&next, 1), (1, 2000));
    // Yesterday's order cancelled after midnight leaves today's figures alone.
    let next = next.reduce(group(
        12,
        Event::OrderCancelled {
            order_id: OrderId(1),
            shop_id: SHOP,
            at: at(end + 120_000.0),
            version: 2,
            reason: None,
        },
    ));
    assert_eq!(today(&next, 1), (1, 2000));
}

#[test]
fn shops_opened_retired_and_changed_by_an_administrator_reach_the_board_live() {
    let mut shop: ocpizza_proto::api::shops::Shop = serde_json::from_value(serde_json::json!({
        "id": 2, "name": "Renamed", "street": "s", "postcode": "75011", "city": "Paris",
        "phone": "01", "timezone": "Europe/Paris", "hours": [], "delivery_postcodes": [],
        "paused": false, "pause_reason": null, "open_now": false,
    }))
    .unwrap();
    let state = loaded().reduce(group(
        11,
        Event::ShopUpdated {
            shop_id: ShopId(2),
            shop: Box::new(shop.clone()),
        },
    ));
    assert_eq!(state.shops[&ShopId(2)].name, "Renamed");
    shop.id = ShopId(9);
    let state = state
        .reduce(group(
            12,
            Event::ShopOpened {
                shop_id: ShopId(9),
                shop: Box::new(shop),
            },
        ))
        .reduce(group(13, Event::ShopRetired { shop_id: ShopId(2) }));
    assert_eq!(
        state.opened,
        [ShopId(9)],
        "the board is loaded again for it"
    );
    assert!(!state.shops.contains_key(&ShopId(2)));
    assert_eq!(state.seq, 13);
}
