//! Which event tells whom what. Runs inside the notification follower's transaction: the
//! deliveries are stored with the cursor's move, so an event is planned once, whatever
//! crashes. Each delivery's key is `push:{subscription}:{stream}:{seq}`.

use super::db::{self, Subscription};
use super::texts::{self, Low};
use super::{ALERT_TTL_MS, Envelope, STATUS_TTL_MS, Urgency};
use crate::db::Tx;
use crate::error::ApiResult;
use crate::notify::{Channel, Delivery, Followed, Notable, Planner};
use futures_util::future::BoxFuture;
use ocpizza_proto::api::push::{PushLang, PushMessage};
use ocpizza_proto::api::stock::StockLevel;
use ocpizza_proto::{OrderId, OrderStatus, PaymentStatus, ShopId, StaffRole};
use std::collections::{BTreeMap, HashMap};

/// Web push's planner.
#[derive(Debug, Clone, Copy, Default)]
pub struct PushPlanner;

impl Planner for PushPlanner {
    fn plan<'a>(
        &'a self,
        tx: &'a mut Tx,
        event: &'a Followed,
    ) -> BoxFuture<'a, ApiResult<Vec<Delivery>>> {
        self.plan_all(tx, std::slice::from_ref(event))
    }

    /// The customers' subscriptions of every order the events tell about, and which
    /// ingredients of their shops are remembered as low, are read at once; each event is then
    /// planned in turn, and what changed in the low-stock memory is written once at the end.
    fn plan_all<'a>(
        &'a self,
        tx: &'a mut Tx,
        events: &'a [Followed],
    ) -> BoxFuture<'a, ApiResult<Vec<Delivery>>> {
        Box::pin(async move {
            let orders: Vec<OrderId> = events
                .iter()
                .filter_map(|f| for_customer(&f.event))
                .collect();
            let customers = db::of_orders(tx, &orders).await?;
            let mut shops: Vec<ShopId> = events
                .iter()
                .filter_map(|f| match &f.event {
                    Notable::StockChanged { shop_id, .. } => Some(*shop_id),
                    _ => None,
                })
                .collect();
            shops.sort_unstable();
            shops.dedup();
            let mut lows = Lows::read(tx, &shops).await?;
            let mut planned = Vec::new();
            for event in events {
                planned.extend(plan(tx, event, &customers, &mut lows).await?);
            }
            lows.write(tx).await?;
            Ok(planned)
        })
    }
}

/// The order whose customer an event may be told to: the events [`plan`] sends to
/// [`customer`].
fn for_customer(event: &Notable) -> Option<OrderId> {
    match event {
        Notable::OrderPlaced {
            order_id,
            status: OrderStatus::Placed,
        }
        | Notable::OrderStatusChanged { order_id, .. }
        | Notable::OrderCancelled { order_id, .. }
        | Notable::PaymentChanged {
            order_id,
            payment_status: PaymentStatus::Failed | PaymentStatus::Short,
        } => Some(*order_id),
        _ => None,
    }
}

/// Subscriptions of customers following orders, by order.
type Customers = HashMap<OrderId, Vec<Subscription>>;

/// The deliveries of one event, collected as the subscribers are found.
struct Planned<'f> {
    event: &'f Followed,
    deliveries: Vec<Delivery>,
}

impl Planned<'_> {
    /// One message per subscription, each in its subscriber's language.
    fn to(
        &mut self,
        subscribers: &[Subscription],
        urgency: Urgency,
        ttl_ms: i64,
        text: impl Fn(PushLang) -> Option<PushMessage>,
    ) {
        let f = self.event;
        for sub in subscribers {
            let Some(message) = text(sub.lang) else {
                continue;
            };
            let envelope = Envelope {
                urgency,
                expires_at: f.at + ttl_ms,
                message,
            };
            self.deliveries.push(Delivery {
                key: format!("push:{}:{}:{}", sub.id, f.stream, f.seq),
                channel: Channel::Push,
                recipient: sub.id.to_string(),
                payload: serde_json::to_string(&envelope).expect("an envelope serialises"),
                event_at: f.at,
                expires_at: f.at + ttl_ms,
            });
        }
    }
}

async fn plan(
    tx: &mut Tx,
    f: &Followed,
    customers: &Customers,
    lows: &mut Lows,
) -> ApiResult<Vec<Delivery>> {
    let mut out = Planned {
        event: f,
        deliveries: Vec::new(),
    };
    let subs = |order: OrderId| customers.get(&order).map_or(&[][..], Vec::as_slice);
    match &f.event {
        Notable::OrderPlaced {
            order_id,
            status: OrderStatus::Placed,
        } => {
            let id = *order_id;
            customer(tx, &mut out, id, subs(id), |lang, token, pickup| {
                texts::order_status(lang, id, token, OrderStatus::Placed, pickup)
            })
            .await?;
        }
        Notable::OrderStatusChanged {
            order_id,
            shop_id,
            status,
        } => {
            let (id, status) = (*order_id, *status);
            customer(tx, &mut out, id, subs(id), |lang, token, pickup| {
                texts::order_status(lang, id, token, status, pickup)
            })
            .await?;
            if status == OrderStatus::Ready {
                ready_for_drivers(tx, &mut out, id, *shop_id).await?;
            }
        }
        Notable::OrderCancelled { order_id, reason } => {
            let id = *order_id;
            customer(tx, &mut out, id, subs(id), |lang, token, _| {
                Some(texts::cancelled(lang, id, token, reason.as_deref()))
            })
            .await?;
        }
        Notable::PaymentChanged {
            order_id,
            payment_status: status @ (PaymentStatus::Failed | PaymentStatus::Short),
        } => {
            let (id, short) = (*order_id, *status == PaymentStatus::Short);
            customer(tx, &mut out, id, subs(id), |lang, token, _| {
                Some(texts::payment_problem(lang, id, token, short))
            })
            .await?;
        }
        Notable::DriverAssigned {
            order_id,
            shop_id,
            driver: Some(driver),
        } if f.actor != Some(*driver) => {
            // A driver taking an order themselves knows already.
            let subs = db::of_user_in(tx, *driver, *shop_id, StaffRole::Driver).await?;
            out.to(&subs, Urgency::High, STATUS_TTL_MS, |lang| {
                Some(texts::assigned(lang, *order_id))
            });
        }
        Notable::StockChanged { shop_id, items } => {
            low_stock(tx, &mut out, lows, *shop_id, items).await?;
        }
        _ => {}
    }
    Ok(out.deliveries)
}

/// Tells the customers following `order` (their subscriptions `subs`) what `text` says
/// (given the language, the tracking token and whether the order is a pickup).
async fn customer(
    tx: &mut Tx,
    out: &mut Planned<'_>,
    order: OrderId,
    subs: &[Subscription],
    text: impl Fn(PushLang, &str, bool) -> Option<PushMessage>,
) -> ApiResult<()> {
    if subs.is_empty() {
        return Ok(());
    }
    let Some((token, fulfilment, _)) = db::order_facts(tx, order).await? else {
        return Ok(());
    };
    let pickup = fulfilment == "pickup";
    out.to(subs, Urgency::High, STATUS_TTL_MS, |lang| {
        text(lang, &token, pickup)
    });
    Ok(())
}

/// A delivery order is ready: its driver if it has one, else every driver of the shop.
async fn ready_for_drivers(
    tx: &mut Tx,
    out: &mut Planned<'_>,
    order: OrderId,
    shop: ShopId,
) -> ApiResult<()> {
    let Some((_, fulfilment, driver)) = db::order_facts(tx, order).await? else {
        return Ok(());
    };
    if fulfilment != "delivery" {
        return Ok(());
    }
    let subs = match driver {
        Some(driver) => db::of_user_in(tx, driver, shop, StaffRole::Driver).await?,
        None => db::of_staff(&mut **tx, shop, StaffRole::Driver, false).await?,
    };
    out.to(&subs, Urgency::High, STATUS_TTL_MS, |lang| {
        Some(texts::ready_for_delivery(lang, order))
    });
    Ok(())
}

/// The shops' ingredients remembered as below their threshold, as read at the start of a
/// round of planning and moved by its events in memory; [`Lows::write`] stores what changed.
/// A round's stock events then cost one read, not one write each. Shops in id order, so that
/// two instances planning at once write their rows in the same order (no deadlock).
#[derive(Debug)]
struct Lows {
    /// Ingredient and since when (ms), by shop: as the events planned so far leave them.
    now: BTreeMap<ShopId, HashMap<i64, i64>>,
    /// As read.
    stored: BTreeMap<ShopId, HashMap<i64, i64>>,
}

impl Lows {
    async fn read(tx: &mut Tx, shops: &[ShopId]) -> ApiResult<Lows> {
        let mut stored: BTreeMap<ShopId, HashMap<i64, i64>> =
            shops.iter().map(|shop| (*shop, HashMap::new())).collect();
        for (shop, ingredient, since) in db::low_of(tx, shops).await? {
            stored.entry(shop).or_default().insert(ingredient, since);
        }
        Ok(Lows {
            now: stored.clone(),
            stored,
        })
    }

    /// Moves the memory of `shop` to `levels` (ingredient, whether low) at `at`; returns the
    /// ingredients that crossed from above to below.
    fn note(&mut self, shop: ShopId, levels: &[(i64, bool)], at: i64) -> Vec<i64> {
        let low = self.now.entry(shop).or_default();
        let mut crossed = Vec::new();
        for &(ingredient, is_low) in levels {
            if !is_low {
                low.remove(&ingredient);
            } else if let std::collections::hash_map::Entry::Vacant(e) = low.entry(ingredient) {
                e.insert(at);
                crossed.push(ingredient);
            }
        }
        crossed
    }

    /// Stores what the events changed: per shop, one statement for the ingredients no longer
    /// low and one for those newly low (or low again since another time); nothing when
    /// nothing changed.
    async fn write(&self, tx: &mut Tx) -> ApiResult<()> {
        let none = HashMap::new();
        for (shop, now) in &self.now {
            let stored = self.stored.get(shop).unwrap_or(&none);
            let mut gone: Vec<i64> = stored
                .keys()
                .filter(|ingredient| !now.contains_key(ingredient))
                .copied()
                .collect();
            let mut low: Vec<(i64, i64)> = now
                .iter()
                .filter(|(ingredient, since)| stored.get(ingredient) != Some(since))
                .map(|(ingredient, since)| (*ingredient, *since))
                .collect();
            gone.sort_unstable();
            low.sort_unstable();
            db::remember_low(tx, *shop, &gone, &low).await?;
        }
        Ok(())
    }
}

/// Tells the shop's managers (and admins) about ingredients that just crossed below their
/// threshold; remembers which are low so that further movements while low say nothing.
async fn low_stock(
    tx: &mut Tx,
    out: &mut Planned<'_>,
    lows: &mut Lows,
    shop: ShopId,
    items: &[StockLevel],
) -> ApiResult<()> {
    let levels: Vec<(i64, bool)> = items
        .iter()
        .map(|item| (item.ingredient_id.0, item.low))
        .collect();
    let newly_low = lows.note(shop, &levels, out.event.at);
    let crossed: Vec<Low> = items
        .iter()
        .filter(|item| newly_low.contains(&item.ingredient_id.0))
        .map(|item| Low {
            name: item.name.clone(),
            free: item.on_hand - item.reserved,
            unit: item.unit.as_str(),
        })
        .collect();
    if crossed.is_empty() {
        return Ok(());
    }
    let subs = db::of_staff(&mut **tx, shop, StaffRole::Manager, true).await?;
    out.to(&subs, Urgency::Normal, ALERT_TTL_MS, |lang| {
        Some(texts::low_stock(lang, shop.0, &crossed))
    });
    Ok(())
}
