//! When an order is flagged as missing its promised time.

use super::misses_promise;
use ocpizza_proto::api::orders::{Channel, Contact, Order, StageTimes};
use ocpizza_proto::{
    Fulfilment, Money, OrderId, OrderStatus, PaymentMethod, PaymentStatus, ShopId, Timestamp,
};

const T0: i64 = 1_780_000_000_000;
const MIN: i64 = 60_000;

fn order(status: OrderStatus, fulfilment: Fulfilment, promised: i64, eta: i64) -> Order {
    Order {
        id: OrderId(7),
        shop_id: ShopId(1),
        channel: Channel::Web,
        fulfilment,
        status,
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
        total: Money(1200),
        delivery_fee: Money::ZERO,
        driver: None,
        version: 1,
        tracking_token: None,
        times: StageTimes::default(),
        cancel_reason: None,
        created_at: Timestamp::UNIX_EPOCH,
        cash_collected: None,
        promised_at: Timestamp::from_millisecond(T0 + promised * MIN).ok(),
        eta: Timestamp::from_millisecond(T0 + eta * MIN).ok(),
    }
}

const NOW: f64 = T0 as f64;

#[test]
fn an_order_expected_after_its_promise_is_flagged_and_one_expected_before_is_not() {
    let (s, d) = (OrderStatus::Preparing, Fulfilment::Delivery);
    assert!(misses_promise(&order(s, d, 30, 34), NOW));
    assert!(!misses_promise(&order(s, d, 30, 27), NOW));
}

#[test]
fn an_order_still_open_after_its_promised_time_is_flagged_whatever_its_estimate_said() {
    let o = order(OrderStatus::OutForDelivery, Fulfilment::Delivery, 30, 25);
    assert!(!misses_promise(&o, NOW + 29.0 * MIN as f64));
    assert!(misses_promise(&o, NOW + 31.0 * MIN as f64));
}

#[test]
fn finished_orders_ready_pickups_and_orders_without_promise_are_never_flagged() {
    let late = NOW + 60.0 * MIN as f64;
    assert!(!misses_promise(
        &order(OrderStatus::Delivered, Fulfilment::Delivery, 30, 40),
        late
    ));
    assert!(!misses_promise(
        &order(OrderStatus::Ready, Fulfilment::Pickup, 30, 40),
        late
    ));
    let mut unpromised = order(OrderStatus::Placed, Fulfilment::Pickup, 30, 40);
    unpromised.promised_at = None;
    assert!(!misses_promise(&unpromised, late));
}
