//! The order rules, each change in one transaction: place (reserve), edit (re-reserve the
//! difference), transition (consume on `preparing`, release on cancel, payment on hand-over),
//! assign a driver. Who may do what comes from the status machine in `proto`.

use super::db::{self, OrderRecord};
use super::pricing::{self, Priced};
use crate::auth::AuthUser;
use crate::db::script::Script;
use crate::db::{Tx, now_ms};
use crate::error::{ApiError, ApiResult};
use crate::events::{Outbox, Published};
use crate::idempotency::Pending;
use crate::menu::db::PizzaSpec;
use crate::state::AppState;
use crate::stock::db::Cause;
use crate::stock::{Movements, Needs};
use crate::validate;
use axum::http::StatusCode;
use ocpizza_proto::api::orders::{
    Address, Channel, Contact, EditOrder, LineInput, Order, PlaceOrder, StageTimes,
};
use ocpizza_proto::api::shops::Shop;
use ocpizza_proto::events::{Event, Stream};
use ocpizza_proto::{
    Actor, ErrorCode, Fulfilment, Money, OpenState, OrderId, OrderStatus, PaymentMethod,
    PaymentStatus, StaffRole, UserId,
};
use std::net::IpAddr;

/// Who acts on an order: an account, or whoever holds its tracking token.
#[derive(Debug, Clone, Copy)]
pub enum Who<'a> {
    /// A logged-in account.
    User(&'a AuthUser),
    /// An anonymous caller (placing an order, or holding the tracking token).
    Guest,
    /// The server itself (releasing orders no shop started in time).
    System,
}

impl Who<'_> {
    fn id(self) -> Option<UserId> {
        match self {
            Who::User(u) => Some(u.id),
            Who::Guest | Who::System => None,
        }
    }
}

/// Whether `user` may see `rec`: its customer, the shop's staff, admins.
pub fn can_view(user: &AuthUser, rec: &OrderRecord) -> bool {
    rec.customer_id == Some(user.id) || user.is_staff_of(rec.order.shop_id)
}

/// The status-machine actors `who` is for `rec` (`token` = they proved the tracking token).
fn actors(who: Who<'_>, rec: &OrderRecord, token: bool) -> Vec<Actor> {
    let mut actors = match who {
        Who::User(u) => u.actors_in(rec.order.shop_id),
        Who::Guest => Vec::new(),
        Who::System => vec![Actor::System],
    };
    if token || who.id().is_some_and(|id| rec.customer_id == Some(id)) {
        actors.push(Actor::Customer);
    }
    actors
}

/// The staff streams an order's changes go to: its shop's, the group's, its drivers'.
pub(crate) fn streams(order: &Order, extra_driver: Option<UserId>) -> Vec<Stream> {
    let mut s = vec![Stream::ShopOrders(order.shop_id), Stream::GroupOrders];
    for d in order
        .driver
        .as_ref()
        .map(|d| d.id)
        .into_iter()
        .chain(extra_driver)
    {
        if !s.contains(&Stream::Driver(d)) {
            s.push(Stream::Driver(d));
        }
    }
    s
}

/// Adds `event` to the staff streams `staff`, and its public form to the order's own stream
/// (`order:{token}`): what staff read never carries the tracking token, and what the token's
/// holder reads never carries the contact in full (see [`super::public`]).
fn push(outbox: &mut Outbox, owner: (&str, Option<&str>), staff: Vec<Stream>, event: Event) {
    let (token, email) = owner;
    let mut public = event.clone();
    // Staff payloads carry no e-mail; the customer's own stream shows theirs, masked.
    if let Event::OrderPlaced { order } | Event::OrderEdited { order } = &mut public {
        order.contact.email = email.map(str::to_owned);
    }
    outbox.push(staff, event);
    outbox.push(
        vec![Stream::Order(token.to_owned())],
        super::public::event(public),
    );
}

async fn load_specs(state: &AppState, lines: &[LineInput]) -> ApiResult<Vec<PizzaSpec>> {
    let ids = pricing::pizzas_of(lines);
    Ok(state.specs.of(state.db.pool(), &ids).await?)
}

/// Refuses pizzas the shop's manager switched off.
async fn check_enabled(state: &AppState, shop: &Shop, priced: &Priced) -> ApiResult<()> {
    let disabled = crate::menu::db::disabled(state.db.pool(), shop.id).await?;
    refuse_disabled(&shop.name, &disabled, priced)
}

/// Refuses the lines of `priced` whose pizza is in `disabled` at the shop called `shop`.
pub(super) fn refuse_disabled(
    shop: &str,
    disabled: &[ocpizza_proto::PizzaId],
    priced: &Priced,
) -> ApiResult<()> {
    if let Some(i) = priced
        .lines
        .iter()
        .position(|l| disabled.contains(&l.pizza_id))
    {
        let name = &priced.lines[i].pizza_name;
        return Err(ApiError::OutOfStock {
            message: format!("{name} is not available at {shop} today"),
            fields: [(
                format!("lines[{i}]"),
                format!("{name} is not available today"),
            )]
            .into(),
        });
    }
    Ok(())
}

fn check_address(shop: &Shop, address: &Address) -> ApiResult<Address> {
    let postcode = validate::postcode("address.postcode", &address.postcode)?;
    if !shop.delivery_postcodes.contains(&postcode) {
        return Err(ApiError::field(
            "address.postcode",
            format!("{} does not deliver to {postcode}", shop.name),
        ));
    }
    Ok(Address {
        street: validate::text("address.street", &address.street, 3, 200)?,
        postcode,
        city: validate::text("address.city", &address.city, 1, 100)?,
        instructions: validate::optional_text(
            "address.instructions",
            address.instructions.as_deref(),
            300,
        )?,
    })
}

/// Reserves `priced.needs`, turning a shortage into an error naming the pizza and ingredient.
async fn reserve(
    tx: &mut Tx,
    moves: &mut Movements,
    priced: &Priced,
    needs: &Needs,
    cause: Cause<'_>,
) -> ApiResult<()> {
    if let Err(missing) = moves.reserve(tx, needs, cause).await? {
        // Read through the transaction's own connection: taking a second pooled connection
        // while holding one can exhaust the pool under load.
        let name = crate::stock::db::ingredient_name(&mut **tx, missing)
            .await?
            .unwrap_or_else(|| format!("ingredient {missing}"));
        return Err(priced.shortage(missing, &name));
    }
    Ok(())
}

/// Who the order is for and through which channel, from the caller and the request.
fn channel_and_customer(
    who: Who<'_>,
    shop: &Shop,
    req: &PlaceOrder,
) -> ApiResult<(Channel, Option<UserId>, Contact)> {
    let takes_orders = match who {
        Who::User(u) => u.has_any(shop.id, &[StaffRole::OrderTaker, StaffRole::Manager]),
        Who::Guest | Who::System => false,
    };
    let channel = req.channel.unwrap_or(if takes_orders {
        Channel::Phone
    } else {
        Channel::Web
    });
    if channel != Channel::Web && !takes_orders {
        return Err(match who {
            Who::Guest | Who::System => ApiError::Unauthenticated,
            Who::User(_) => ApiError::Forbidden,
        });
    }
    let customer = match (channel, who) {
        (Channel::Web, Who::User(u)) => Some(u),
        _ => None,
    };
    let contact = match (&req.contact, customer) {
        (Some(c), _) => Contact {
            name: validate::text("contact.name", &c.name, 1, 100)?,
            phone: validate::phone("contact.phone", &c.phone)?,
            email: match &c.email {
                Some(e) if !e.trim().is_empty() => Some(validate::email("contact.email", e)?),
                _ => None,
            },
        },
        (None, Some(u)) => Contact {
            name: u.name.clone(),
            phone: u.phone.clone().ok_or_else(|| {
                ApiError::field("contact.phone", "a phone number is needed for this order")
            })?,
            email: Some(u.email.clone()),
        },
        (None, None) => return Err(ApiError::field("contact", "name and phone are required")),
    };
    Ok((channel, customer.map(|u| u.id), contact))
}

fn check_payment(state: &AppState, req: &PlaceOrder, channel: Channel) -> ApiResult<()> {
    match (req.fulfilment, req.payment_method) {
        (_, PaymentMethod::Online) if state.payments.provider().is_none() => Err(ApiError::field(
            "payment_method",
            "online payment is not offered here; pay on delivery or at the counter",
        )),
        (_, PaymentMethod::Online) if channel != Channel::Web => Err(ApiError::field(
            "payment_method",
            "online payment is for customers ordering on the web; staff take cash or card \
             on delivery or at the counter",
        )),
        (_, PaymentMethod::Online) => Ok(()),
        (Fulfilment::Delivery, PaymentMethod::CashOnDelivery)
        | (Fulfilment::Pickup, PaymentMethod::AtCounter) => Ok(()),
        (Fulfilment::Delivery, _) => Err(ApiError::field(
            "payment_method",
            "deliveries are paid on delivery (cash_on_delivery)",
        )),
        (Fulfilment::Pickup, _) => Err(ApiError::field(
            "payment_method",
            "pickups are paid at the counter (at_counter)",
        )),
    }
}

/// Why a shop takes no order at this hour, and when it opens next when that is known.
fn closed_message(shop: &Shop) -> String {
    let next = match &shop.open_state {
        OpenState::Closed { next: Some(next) } => {
            format!(
                "; it opens again on {} at {}",
                next.at
                    .to_zoned(crate::shops::day::zone(&shop.timezone))
                    .date(),
                next.time
            )
        }
        _ => String::new(),
    };
    match &shop.closed_today {
        Some(c) => format!("{} is closed today ({}){next}", shop.name, c.reason),
        None => format!(
            "{} is closed at this hour; see its opening hours{next}",
            shop.name
        ),
    }
}

/// The shop's delivery fee for a delivery of `pizzas` (none for a pickup); a delivery under
/// the shop's minimum is refused, naming it.
fn delivery_fee(shop: &Shop, fulfilment: Fulfilment, pizzas: Money) -> ApiResult<Money> {
    if fulfilment != Fulfilment::Delivery {
        return Ok(Money::ZERO);
    }
    if pizzas < shop.min_delivery_order {
        return Err(ApiError::field(
            "lines",
            format!(
                "{} delivers orders of at least {} (this one: {}); add a pizza or collect it",
                shop.name, shop.min_delivery_order, pizzas
            ),
        ));
    }
    Ok(shop.delivery_fee)
}

/// Places an order from client address `ip`: throttles online orders, validates, prices,
/// reserves every ingredient, writes the events. `lang` is the customer's, for e-mails.
#[tracing::instrument(name = "orders.place", skip_all, fields(shop = %req.shop_id))]
pub async fn place(
    state: &AppState,
    who: Who<'_>,
    ip: IpAddr,
    req: PlaceOrder,
    lang: crate::notify::mail::templates::Lang,
    idem: Option<&Pending>,
) -> ApiResult<Order> {
    let started = std::time::Instant::now();
    let shop = crate::shops::cached(state, req.shop_id)
        .await?
        .ok_or_else(|| ApiError::field("shop_id", "no such shop"))?;
    let (channel, customer, contact) = channel_and_customer(who, &shop, &req)?;
    // Maintenance stops customers' orders only: staff keep taking phone and counter orders.
    if channel == Channel::Web {
        state.maintenance.refuse_customer_orders()?;
    }
    check_payment(state, &req, channel)?;
    let address = match (req.fulfilment, &req.address) {
        (Fulfilment::Delivery, Some(a)) => Some(check_address(&shop, a)?),
        (Fulfilment::Delivery, None) => {
            return Err(ApiError::field("address", "a delivery needs an address"));
        }
        (Fulfilment::Pickup, Some(_)) => {
            return Err(ApiError::field(
                "address",
                "a pickup has no delivery address",
            ));
        }
        (Fulfilment::Pickup, None) => None,
    };
    let note = validate::optional_text("note", req.note.as_deref(), 500)?;
    let priced = pricing::price(&load_specs(state, &req.lines).await?, &req.lines)?;
    if shop.retired {
        return Err(ApiError::ShopClosed(format!(
            "{} has closed down and takes no more orders; choose another shop",
            shop.name
        )));
    }
    if shop.paused {
        let why = shop
            .pause_reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        return Err(ApiError::ShopPaused(format!(
            "{} is not taking orders right now{why}",
            shop.name
        )));
    }
    if !shop.open_now {
        return Err(ApiError::ShopClosed(closed_message(&shop)));
    }
    let delivery_fee = delivery_fee(&shop, req.fulfilment, priced.total)?;
    // Pizzas switched off, and web orders past their phone's allowance of orders waiting for
    // a shop, are refused by the writer, which reads both once per batch. Counted by the
    // throttles once the order is known to be acceptable, so that fixing a typo costs nothing.
    let phone_key = if channel == Channel::Web {
        Some(super::guard::admit(state, ip, &contact.phone)?)
    } else {
        None
    };

    let now = now_ms();
    let eta = state
        .eta
        .inputs(state, shop.id)
        .await?
        .new_order(req.fulfilment, crate::db::ts(now));
    let online = req.payment_method == PaymentMethod::Online;
    let order = Order {
        id: OrderId(0),
        shop_id: shop.id,
        channel,
        fulfilment: req.fulfilment,
        status: if online {
            OrderStatus::AwaitingPayment
        } else {
            OrderStatus::Placed
        },
        payment_method: req.payment_method,
        payment_status: PaymentStatus::Pending,
        contact,
        address,
        lines: priced.lines.clone(),
        note,
        total: priced.total + delivery_fee,
        delivery_fee,
        driver: None,
        version: 1,
        tracking_token: None,
        times: StageTimes::default(),
        cancel_reason: None,
        created_at: crate::db::ts(now),
        cash_collected: None,
        promised_at: Some(crate::eta::model::promise(crate::db::ts(now), eta)),
        eta: Some(eta),
    };
    let draft = Draft {
        order,
        customer,
        actor: who.id(),
        lang,
        priced,
        shop_name: shop.name.clone(),
        token: crate::auth::random_token(16),
        now,
        idem: idem.cloned(),
        phone_key,
    };
    // Written together with the other orders of the shop that arrive meanwhile.
    let order = super::batch::place(state, draft).await?;
    if online {
        crate::payments::flow::after_place(state, order.id).await?;
    }
    state
        .metrics
        .order_placed(shop.id, order.channel, started.elapsed());
    tracing::info!(order = %order.id, shop = %shop.id, total = order.total.0, "order placed");
    Ok(order)
}

/// An order checked, priced and estimated, ready to be written.
#[derive(Debug)]
pub(super) struct Draft {
    /// The order as it will be stored (its id is not known yet).
    pub order: Order,
    /// The customer account it is for.
    pub customer: Option<UserId>,
    /// Who placed it (none for a guest).
    pub actor: Option<UserId>,
    /// The language of the customer's messages.
    pub lang: crate::notify::mail::templates::Lang,
    /// Its lines and what they need.
    pub priced: Priced,
    /// Its shop's name, for the messages of a refusal.
    pub shop_name: String,
    /// Its tracking token: also what tells whether it was written (see `batch`).
    pub token: String,
    /// When it was placed (ms since the epoch).
    pub now: i64,
    /// The request's idempotency key.
    pub idem: Option<Pending>,
    /// The contact phone in national form, when the order is held to the phone's allowance
    /// of orders waiting for a shop (web orders).
    pub phone_key: Option<String>,
}

impl Draft {
    /// The order as stored once written with `id`: what reading it back in the transaction
    /// would give (times to the millisecond, no token, no e-mail: see [`OrderRecord`]).
    pub(super) fn stored(&self, id: OrderId) -> Order {
        let millis = |t: Option<jiff::Timestamp>| t.map(|t| crate::db::ts(t.as_millisecond()));
        let o = &self.order;
        Order {
            id,
            contact: Contact {
                email: None,
                ..o.contact.clone()
            },
            tracking_token: None,
            times: StageTimes {
                placed_at: (o.status == OrderStatus::Placed).then(|| crate::db::ts(self.now)),
                ..StageTimes::default()
            },
            created_at: crate::db::ts(self.now),
            promised_at: millis(o.promised_at),
            eta: millis(o.eta),
            ..o.clone()
        }
    }

    /// Queues the events of the order written as `order` (see [`Draft::stored`]), and its
    /// idempotency record in `script`. Returns the order as its placer gets it back.
    pub(super) fn placed<'a>(
        &'a self,
        tx: &Tx,
        order: Order,
        outbox: &mut Outbox,
        script: &mut Script<'a>,
    ) -> ApiResult<Order> {
        // An order waiting for its online payment reaches the shop once authorised.
        let staff = if order.payment_method == PaymentMethod::Online {
            Vec::new()
        } else {
            streams(&order, None)
        };
        let email = self.order.contact.email.clone();
        let mut own = Outbox::new(self.actor);
        push(
            &mut own,
            (&self.token, email.as_deref()),
            staff,
            Event::OrderPlaced {
                order: Box::new(order.clone()),
            },
        );
        outbox.append(own);
        // Whoever placed the order, and only them, gets its tracking token (and sees the
        // e-mail they gave, which staff payloads leave out).
        let mut order = Order {
            tracking_token: Some(self.token.clone()),
            ..order
        };
        order.contact.email = email;
        if let Some(p) = &self.idem {
            let body = serde_json::to_string(&order).map_err(|e| ApiError::Internal(e.into()))?;
            p.record_into(tx, script, StatusCode::CREATED, body);
        }
        Ok(order)
    }

    /// The row written for this order.
    pub(super) fn row(&self) -> db::NewOrder<'_> {
        db::NewOrder {
            order: &self.order,
            token: &self.token,
            customer: self.customer,
            created_by: self.actor,
            lang: self.lang.code(),
            now: self.now,
            reserved: &self.priced.needs,
        }
    }

    /// What the order's stock movements are recorded as caused by, once written as `id`.
    pub(super) fn cause(&self, id: Option<OrderId>) -> Cause<'static> {
        Cause {
            order: id,
            user: self.actor,
            reason: None,
        }
    }
}

/// Writes the outbox and the idempotency record, commits, then publishes.
pub(super) async fn commit(
    state: &AppState,
    mut tx: Tx,
    outbox: Outbox,
    idem: Option<&Pending>,
    status: StatusCode,
    order: &Order,
) -> ApiResult<()> {
    let mut script = Script::new();
    let published: Vec<Published> = outbox.write_into(&mut tx, &mut script).await?;
    if let Some(p) = idem {
        let body = serde_json::to_string(order).map_err(|e| ApiError::Internal(e.into()))?;
        p.record_into(&tx, &mut script, status, body);
    }
    crate::events::commit_with(tx, script, published, &state.bus).await?;
    state.eta.forget(order.shop_id);
    // A change of an order paid online may have asked the provider to capture, void or refund.
    if order.payment_method == PaymentMethod::Online {
        state.payments.kick();
    }
    Ok(())
}

/// The order as its caller gets it back: in its public form when they hold only the token.
fn answer(order: Order, token: bool) -> Order {
    if token {
        super::public::order(order)
    } else {
        order
    }
}

/// The order as it stands within the transaction.
async fn reload(tx: &mut Tx, id: OrderId) -> ApiResult<Order> {
    Ok(db::by_id(tx, id)
        .await?
        .ok_or(ApiError::NotFound("order"))?
        .order)
}

/// Locks the order at `version` (any when `None`) and returns it as it now stands.
async fn claim(tx: &mut Tx, id: OrderId, version: Option<i64>) -> ApiResult<OrderRecord> {
    if db::claim(tx, id, version, now_ms()).await?.is_none() {
        let current = db::by_id(tx, id)
            .await?
            .ok_or(ApiError::NotFound("order"))?;
        return Err(ApiError::StaleVersion {
            current: current.order.version,
        });
    }
    db::by_id(tx, id).await?.ok_or(ApiError::NotFound("order"))
}

/// Edits lines, address or note while the order is `placed`; re-reserves only the difference.
#[tracing::instrument(name = "orders.edit", skip_all, fields(order = %rec.order.id))]
pub async fn edit(
    state: &AppState,
    who: Who<'_>,
    rec: &OrderRecord,
    token: bool,
    req: EditOrder,
) -> ApiResult<Order> {
    let allowed = actors(who, rec, token).iter().any(|a| {
        matches!(
            a,
            Actor::Customer
                | Actor::Admin
                | Actor::Staff(StaffRole::OrderTaker | StaffRole::Manager)
        )
    });
    if !allowed {
        return Err(ApiError::Forbidden);
    }
    let shop = crate::shops::require(state, rec.order.shop_id).await?;
    let note = match &req.note {
        Some(n) => validate::optional_text("note", Some(n), 500)?,
        None => rec.order.note.clone(),
    };
    let address = match (&req.address, rec.order.fulfilment) {
        (Some(a), Fulfilment::Delivery) => Some(check_address(&shop, a)?),
        (Some(_), Fulfilment::Pickup) => {
            return Err(ApiError::field(
                "address",
                "a pickup has no delivery address",
            ));
        }
        (None, _) => rec.order.address.clone(),
    };
    let new_lines = match &req.lines {
        Some(lines) => {
            let priced = pricing::price(&load_specs(state, lines).await?, lines)?;
            check_enabled(state, &shop, &priced).await?;
            delivery_fee(&shop, rec.order.fulfilment, priced.total)?;
            Some(priced)
        }
        None => None,
    };

    // An order paid online stays covered: a larger total is authorised first.
    let reauthorised = match &new_lines {
        Some(priced) => {
            let total = priced.total + rec.order.delivery_fee;
            crate::payments::flow::before_edit(state, rec, total).await?
        }
        None => None,
    };
    let edited = edit_in(
        state,
        who,
        (rec.order.id, token),
        req,
        new_lines,
        address,
        note,
        reauthorised,
    )
    .await;
    if let (Err(_), Some(attempt)) = (&edited, reauthorised) {
        crate::payments::flow::release(state, attempt, "the edit it was made for failed").await?;
    }
    edited
}

/// The edit itself, in one transaction.
#[allow(clippy::too_many_arguments)]
async fn edit_in(
    state: &AppState,
    who: Who<'_>,
    (id, token): (OrderId, bool),
    req: EditOrder,
    new_lines: Option<Priced>,
    address: Option<Address>,
    note: Option<String>,
    reauthorised: Option<i64>,
) -> ApiResult<Order> {
    let mut tx = state.db.begin().await?;
    let current = claim(&mut tx, id, Some(req.version)).await?;
    if !current.order.status.is_editable() {
        return Err(ApiError::InvalidTransition(format!(
            "the order is {}: it can only be changed while placed",
            current.order.status
        )));
    }
    let tracking_token = current.tracking_token;
    let contact_email = current.contact_email;
    let mut order = current.order;
    let mut moves = Movements::new(order.shop_id);
    let cause = Cause {
        order: Some(order.id),
        user: who.id(),
        reason: Some("order edited"),
    };
    if let Some(priced) = &new_lines {
        let held = db::reservations(&mut tx, order.id).await?;
        let (more, less) = difference(&held, &priced.needs);
        moves.release(&mut tx, &less, cause).await?;
        reserve(&mut tx, &mut moves, priced, &more, cause).await?;
        db::set_reservations(&mut tx, order.id, &priced.needs).await?;
        db::write_lines(&mut tx, order.id, &priced.lines).await?;
        order.lines.clone_from(&priced.lines);
        order.total = priced.total + order.delivery_fee;
    }
    order.address = address;
    order.note = note;
    db::update_details(&mut tx, &order).await?;
    if let Some(attempt) = reauthorised {
        crate::payments::flow::replaced(&mut tx, order.id, attempt).await?;
    }
    let order = reload(&mut tx, order.id).await?;
    let mut outbox = Outbox::new(who.id());
    push(
        &mut outbox,
        (&tracking_token, contact_email.as_deref()),
        streams(&order, None),
        Event::OrderEdited {
            order: Box::new(order.clone()),
        },
    );
    moves.finish(&mut tx, &mut outbox).await?;
    let order = answer(order, token);
    commit(state, tx, outbox, None, StatusCode::OK, &order).await?;
    Ok(order)
}

/// Per ingredient, what must be reserved on top of `held` and what can be released.
fn difference(held: &Needs, wanted: &Needs) -> (Needs, Needs) {
    let (mut more, mut less) = (Needs::new(), Needs::new());
    for ingredient in held.keys().chain(wanted.keys()) {
        let delta = wanted.get(ingredient).unwrap_or(&0) - held.get(ingredient).unwrap_or(&0);
        if delta > 0 {
            more.insert(*ingredient, delta);
        } else if delta < 0 {
            less.insert(*ingredient, -delta);
        }
    }
    (more, less)
}

/// A status change as asked.
#[derive(Debug, Clone)]
pub struct Change {
    /// Target status.
    pub to: OrderStatus,
    /// Expected version.
    pub version: Option<i64>,
    /// Reason (cancellations, failed deliveries).
    pub reason: Option<String>,
}

/// Moves an order along the status machine, with its stock and payment consequences.
#[tracing::instrument(name = "orders.transition", skip_all, fields(order = %rec.order.id, to = %change.to))]
pub async fn transition(
    state: &AppState,
    who: Who<'_>,
    rec: &OrderRecord,
    token: bool,
    change: Change,
    idem: Option<&Pending>,
) -> ApiResult<Order> {
    let change = Change {
        reason: validate::optional_text("reason", change.reason.as_deref(), 300)?,
        ..change
    };
    let mut tx = state.db.begin().await?;
    let (order, outbox) = transition_in(&mut tx, who, rec.order.id, token, &change).await?;
    let order = answer(order, token);
    commit(state, tx, outbox, idem, StatusCode::OK, &order).await?;
    Ok(order)
}

/// The status change itself, within the caller's transaction: locks and moves the order,
/// moves its stock, and returns it with the events to write. `change.reason` is already
/// validated. The caller writes the outbox and commits (or rolls everything back).
pub async fn transition_in(
    tx: &mut Tx,
    who: Who<'_>,
    id: OrderId,
    token: bool,
    change: &Change,
) -> ApiResult<(Order, Outbox)> {
    let reason = change.reason.clone();
    let current = claim(tx, id, change.version).await?;
    let mut order = current.order.clone();
    let from = order.status;
    let Some(rule) = from.transition(change.to, order.fulfilment) else {
        return Err(ApiError::InvalidTransition(format!(
            "a {} order cannot go from {from} to {}",
            order.fulfilment.as_str(),
            change.to
        )));
    };
    let mine = actors(who, &current, token);
    let Some(actor) = mine.iter().copied().find(|a| rule.allowed.contains(a)) else {
        if change.to == OrderStatus::Cancelled && mine == [Actor::Customer] {
            return Err(ApiError::InvalidTransition(
                "the kitchen has started this order: it can no longer be cancelled online, \
                 please call the shop"
                    .into(),
            ));
        }
        return Err(ApiError::Forbidden);
    };
    if rule.needs_reason && reason.is_none() {
        return Err(ApiError::field(
            "reason",
            "a reason is required for this change",
        ));
    }
    let mut driver_change = None;
    if actor == Actor::Staff(StaffRole::Driver) {
        let me = who.id().expect("staff are accounts");
        match &order.driver {
            Some(d) if d.id != me => return Err(ApiError::Forbidden),
            None if change.to == OrderStatus::OutForDelivery => {
                db::set_driver(tx, order.id, Some(me)).await?;
                driver_change = Some(me);
            }
            None => return Err(ApiError::Forbidden),
            Some(_) => {}
        }
    }

    let mut moves = Movements::new(order.shop_id);
    let cause = Cause {
        order: Some(order.id),
        user: who.id(),
        reason: reason.as_deref(),
    };
    crate::payments::flow::on_transition(tx, &order, change.to, reason.as_deref(), who.id())
        .await?;
    let held = db::reservations(tx, order.id).await?;
    match change.to {
        OrderStatus::Preparing => moves.consume(tx, &held, cause).await?,
        OrderStatus::Cancelled => moves.release(tx, &held, cause).await?,
        _ => {}
    }
    if !held.is_empty() && matches!(change.to, OrderStatus::Preparing | OrderStatus::Cancelled) {
        db::set_reservations(tx, order.id, &Needs::new()).await?;
    }
    let short = order
        .cash_collected
        .is_some_and(|cash| cash.0 < order.total.0);
    let payment = match (change.to, order.payment_method, order.payment_status) {
        (OrderStatus::Delivered, PaymentMethod::CashOnDelivery, _) if short => PaymentStatus::Short,
        (
            OrderStatus::Delivered,
            PaymentMethod::CashOnDelivery | PaymentMethod::CardOnDelivery,
            _,
        )
        | (OrderStatus::Collected, PaymentMethod::AtCounter, _) => PaymentStatus::Paid,
        // Online payments change as the provider confirms each movement (`payments`).
        (OrderStatus::Cancelled, method, PaymentStatus::Paid)
            if method != PaymentMethod::Online =>
        {
            PaymentStatus::Refunded
        }
        (_, _, current) => current,
    };
    let now = now_ms();
    db::set_status(tx, order.id, change.to, payment, reason.as_deref(), now).await?;
    order = reload(tx, order.id).await?;
    order.eta = crate::eta::in_transaction(tx, &order).await?;
    crate::eta::db::set_eta(tx, order.id, order.eta).await?;

    let mut outbox = Outbox::new(who.id());
    if let Some(driver) = driver_change {
        let driver_ref = order.driver.clone().filter(|d| d.id == driver);
        push(
            &mut outbox,
            (&current.tracking_token, current.contact_email.as_deref()),
            streams(&order, None),
            Event::DriverAssigned {
                order_id: order.id,
                shop_id: order.shop_id,
                driver: driver_ref,
                version: order.version,
            },
        );
    }
    let event = if change.to == OrderStatus::Cancelled {
        Event::OrderCancelled {
            order_id: order.id,
            shop_id: order.shop_id,
            at: crate::db::ts(now),
            version: order.version,
            reason: reason.clone(),
        }
    } else {
        Event::OrderStatusChanged {
            order_id: order.id,
            shop_id: order.shop_id,
            status: change.to,
            at: crate::db::ts(now),
            version: order.version,
            payment_status: payment,
            eta: order.eta,
        }
    };
    if from == OrderStatus::AwaitingPayment && change.to == OrderStatus::Placed {
        // Paid (or switched to paying on delivery): the order reaches the shop now.
        outbox.push(
            streams(&order, None),
            Event::OrderPlaced {
                order: Box::new(order.clone()),
            },
        );
        push(
            &mut outbox,
            (&current.tracking_token, current.contact_email.as_deref()),
            Vec::new(),
            event,
        );
    } else {
        push(
            &mut outbox,
            (&current.tracking_token, current.contact_email.as_deref()),
            streams(&order, None),
            event,
        );
    }
    if from == OrderStatus::OutForDelivery {
        // A driver's position is kept only during the delivery.
        crate::driver::db::forget_position(tx, order.id).await?;
    }
    moves.finish(tx, &mut outbox).await?;
    tracing::info!(order = %order.id, from = %from, to = %change.to, "order status changed");
    Ok((order, outbox))
}

/// Assigns (or clears) the driver of a delivery order that has not left the shop.
#[tracing::instrument(name = "orders.assign_driver", skip_all, fields(order = %rec.order.id))]
pub async fn assign_driver(
    state: &AppState,
    user: &AuthUser,
    rec: &OrderRecord,
    driver: Option<UserId>,
    version: Option<i64>,
) -> ApiResult<Order> {
    let shop = rec.order.shop_id;
    let dispatcher = user.has_any(shop, &[StaffRole::Manager, StaffRole::OrderTaker]);
    let self_service = user.has_role(shop, StaffRole::Driver)
        && match driver {
            Some(d) => d == user.id,
            None => rec.order.driver.as_ref().is_some_and(|d| d.id == user.id),
        };
    if !dispatcher && !self_service {
        return Err(ApiError::Forbidden);
    }
    if let Some(d) = driver {
        let is_driver = crate::auth::db::user_by_id(state.db.pool(), d)
            .await?
            .is_some_and(|u| u.has_role(shop, StaffRole::Driver));
        if !is_driver {
            return Err(ApiError::field("driver_id", "not a driver of this shop"));
        }
    }
    let mut tx = state.db.begin().await?;
    let (order, outbox) =
        assign_in(&mut tx, user, dispatcher, rec.order.id, driver, version).await?;
    commit(state, tx, outbox, None, StatusCode::OK, &order).await?;
    Ok(order)
}

/// The assignment itself, within the caller's transaction; `driver` is known to be a driver
/// of the shop, and `dispatcher` says whether `user` may give the order to anyone.
pub async fn assign_in(
    tx: &mut Tx,
    user: &AuthUser,
    dispatcher: bool,
    id: OrderId,
    driver: Option<UserId>,
    version: Option<i64>,
) -> ApiResult<(Order, Outbox)> {
    let current = claim(tx, id, version).await?;
    let order = current.order;
    if order.fulfilment != Fulfilment::Delivery {
        return Err(ApiError::InvalidTransition(
            "a pickup order has no driver".into(),
        ));
    }
    if !matches!(
        order.status,
        OrderStatus::Placed | OrderStatus::Preparing | OrderStatus::Ready
    ) {
        return Err(ApiError::InvalidTransition(format!(
            "the order is {}: its driver can no longer change",
            order.status
        )));
    }
    if !dispatcher
        && driver.is_some()
        && order.driver.as_ref().is_some_and(|d| Some(d.id) != driver)
    {
        return Err(ApiError::Refused {
            code: ErrorCode::AssignedToOtherDriver,
            message: "another driver already took this order".into(),
        });
    }
    let previous = order.driver.as_ref().map(|d| d.id);
    db::set_driver(tx, order.id, driver).await?;
    let order = reload(tx, order.id).await?;
    let mut outbox = Outbox::new(Some(user.id));
    push(
        &mut outbox,
        (&current.tracking_token, current.contact_email.as_deref()),
        streams(&order, previous),
        Event::DriverAssigned {
            order_id: order.id,
            shop_id: order.shop_id,
            driver: order.driver.clone(),
            version: order.version,
        },
    );
    Ok((order, outbox))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpizza_proto::IngredientId;

    #[test]
    fn an_edit_reserves_only_what_grew_and_releases_what_shrank() {
        let held = Needs::from([(IngredientId(1), 100), (IngredientId(2), 50)]);
        let wanted = Needs::from([(IngredientId(1), 130), (IngredientId(3), 10)]);
        let (more, less) = difference(&held, &wanted);
        assert_eq!(
            more,
            Needs::from([(IngredientId(1), 30), (IngredientId(3), 10)])
        );
        assert_eq!(less, Needs::from([(IngredientId(2), 50)]));
    }
}
