//! Orders: placing, editing, following and moving them through the status machine.

use crate::api::driver::Position;
use crate::ids::{IngredientId, OrderId, PizzaId, ShopId, UserId};
use crate::money::Money;
use crate::status::{Fulfilment, OrderStatus, PaymentMethod, PaymentStatus};
use serde::{Deserialize, Serialize};

/// Where an order was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The customer ordered online.
    Web,
    /// Taken on the phone by staff.
    Phone,
    /// Taken at the counter by staff.
    Counter,
}

impl Channel {
    /// The snake_case name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Phone => "phone",
            Channel::Counter => "counter",
        }
    }

    /// Parses [`Channel::as_str`] back.
    pub fn parse(s: &str) -> Option<Channel> {
        [Channel::Web, Channel::Phone, Channel::Counter]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// A delivery address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Street and number.
    #[cfg_attr(feature = "server", schema(min_length = 3, max_length = 200))]
    pub street: String,
    /// Postcode; must be in the shop's delivery area.
    #[cfg_attr(feature = "server", schema(pattern = r"^\s*[0-9]{5}\s*$"))]
    pub postcode: String,
    /// City.
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 100))]
    pub city: String,
    /// Floor, door code…
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 300))]
    pub instructions: Option<String>,
}

/// Who to call about the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Name.
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 100))]
    pub name: String,
    /// Phone.
    #[cfg_attr(
        feature = "server",
        schema(max_length = 30, pattern = r"^[0-9 +.()-]*$")
    )]
    pub phone: String,
    /// E-mail, optional.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 254))]
    pub email: Option<String>,
}

/// A line as the customer asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    /// Pizza.
    pub pizza_id: PizzaId,
    /// Size code.
    pub size: String,
    /// 1 to 20.
    #[cfg_attr(feature = "server", schema(minimum = 1, maximum = 20))]
    pub quantity: i64,
    /// Extras (each at most once).
    #[serde(default)]
    pub extras: Vec<IngredientId>,
    /// Note for the kitchen ("bien cuite").
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 200))]
    pub note: Option<String>,
}

/// `POST /api/v1/orders`.
///
/// Customers order for themselves (channel `web`; `contact` defaults to their account); a guest
/// must give `contact`; staff of the shop order on behalf of a caller (channel `phone` or
/// `counter`, `contact` required).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlaceOrder {
    /// The shop.
    pub shop_id: ShopId,
    /// Delivery or pickup.
    pub fulfilment: Fulfilment,
    /// Required for delivery.
    #[serde(default)]
    pub address: Option<Address>,
    /// Required for guests and staff; optional for account holders.
    #[serde(default)]
    pub contact: Option<Contact>,
    /// At least one line.
    #[cfg_attr(feature = "server", schema(min_items = 1, max_items = 30))]
    pub lines: Vec<LineInput>,
    /// Note for the whole order.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 500))]
    pub note: Option<String>,
    /// How the customer pays.
    pub payment_method: PaymentMethod,
    /// Defaults to `web` for customers and `phone` for staff.
    #[serde(default)]
    pub channel: Option<Channel>,
}

/// `PATCH /api/v1/orders/{id}`: while the order is `placed`. Fields left out stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EditOrder {
    /// The version the edit was made from; a stale one gets 409.
    pub version: i64,
    /// New lines (replace all).
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(min_items = 1, max_items = 30))]
    pub lines: Option<Vec<LineInput>>,
    /// New delivery address.
    #[serde(default)]
    pub address: Option<Address>,
    /// New note.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 500))]
    pub note: Option<String>,
}

/// `POST /api/v1/orders/{id}/transition`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    /// Target status.
    pub to: OrderStatus,
    /// Expected current version; a stale one gets 409.
    #[serde(default)]
    pub version: Option<i64>,
    /// Required for staff cancellations and failed deliveries.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 300))]
    pub reason: Option<String>,
}

/// `POST /api/v1/orders/{id}/cancel` (and `POST /api/v1/track/{token}/cancel`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// Expected current version.
    #[serde(default)]
    pub version: Option<i64>,
    /// Required when staff cancel an order the kitchen started.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 300))]
    pub reason: Option<String>,
}

/// `POST /api/v1/shops/{id}/orders/cancel-by-phone`: cancels every order of one phone number
/// the shop has not started yet (managers, admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CancelByPhone {
    /// The contact phone, written any way (`+33 6 12…`, `06.12…`).
    #[cfg_attr(
        feature = "server",
        schema(max_length = 30, pattern = r"^[0-9 +.()-]*$")
    )]
    pub phone: String,
    /// Why, shown to the customer and kept with each order.
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 300))]
    pub reason: String,
}

/// The orders a bulk cancellation cancelled, as they now stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CancelledOrders {
    /// Each cancelled order.
    pub cancelled: Vec<Order>,
}

/// `POST /api/v1/orders/{id}/driver`: assign (or with `null` unassign) a driver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssignDriver {
    /// A driver of the order's shop, or `null`.
    pub driver_id: Option<UserId>,
    /// Expected current version.
    #[serde(default)]
    pub version: Option<i64>,
}

/// An extra on a line, priced when ordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LineExtra {
    /// Ingredient.
    pub ingredient_id: IngredientId,
    /// Name.
    pub name: String,
    /// Price per pizza.
    pub price: Money,
}

/// A line of an order, priced when ordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OrderLine {
    /// Pizza.
    pub pizza_id: PizzaId,
    /// Its name when ordered.
    pub pizza_name: String,
    /// Size code.
    pub size: String,
    /// Quantity.
    pub quantity: i64,
    /// Price of one pizza of that size, extras excluded.
    pub unit_price: Money,
    /// Extras.
    pub extras: Vec<LineExtra>,
    /// Kitchen note.
    pub note: Option<String>,
    /// `(unit_price + extras) × quantity`.
    pub total: Money,
}

/// When the order reached each stage.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[allow(missing_docs)]
pub struct StageTimes {
    pub placed_at: Option<jiff::Timestamp>,
    pub preparing_at: Option<jiff::Timestamp>,
    pub ready_at: Option<jiff::Timestamp>,
    pub out_for_delivery_at: Option<jiff::Timestamp>,
    pub delivered_at: Option<jiff::Timestamp>,
    pub collected_at: Option<jiff::Timestamp>,
    pub delivery_failed_at: Option<jiff::Timestamp>,
    pub cancelled_at: Option<jiff::Timestamp>,
}

/// A driver as shown on an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DriverRef {
    /// Account id.
    pub id: UserId,
    /// Name.
    pub name: String,
}

/// An order as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Order {
    /// Order id, also the ticket number.
    pub id: OrderId,
    /// The shop.
    pub shop_id: ShopId,
    /// Where it was taken.
    pub channel: Channel,
    /// Delivery or pickup.
    pub fulfilment: Fulfilment,
    /// Current status.
    pub status: OrderStatus,
    /// How it is paid.
    pub payment_method: PaymentMethod,
    /// Whether it is paid.
    pub payment_status: PaymentStatus,
    /// Who to call.
    pub contact: Contact,
    /// Delivery address.
    pub address: Option<Address>,
    /// Lines.
    pub lines: Vec<OrderLine>,
    /// Order note.
    pub note: Option<String>,
    /// Total to pay, the delivery fee included.
    pub total: Money,
    /// The shop's delivery fee when the order was placed (in `total`; zero for a pickup).
    #[serde(default)]
    pub delivery_fee: Money,
    /// Assigned driver.
    pub driver: Option<DriverRef>,
    /// Optimistic-concurrency version; bumped by every change.
    pub version: i64,
    /// Public tracking token (unguessable, 128 bits). Only given to whoever placed the order
    /// (the answer to `POST /api/v1/orders`, the customer's own orders, the tracker itself);
    /// absent everywhere staff read orders, since it lets a guest change the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_token: Option<String>,
    /// Stage timestamps.
    pub times: StageTimes,
    /// Why it was cancelled or could not be delivered.
    pub cancel_reason: Option<String>,
    /// When it was created.
    pub created_at: jiff::Timestamp,
    /// Cash the driver declared when handing over an order paid on delivery.
    #[serde(default)]
    pub cash_collected: Option<Money>,
    /// The time promised when the order was placed: ready to collect (pickup) or at the door
    /// (delivery). Kept as it was promised, whatever happens next.
    #[serde(default)]
    pub promised_at: Option<jiff::Timestamp>,
    /// The current estimate of the same moment, recomputed as the order moves; none once it is
    /// finished.
    #[serde(default)]
    pub eta: Option<jiff::Timestamp>,
}

/// `GET /api/v1/track/{token}`: the order and the sequence of its stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TrackedOrder {
    /// The order.
    pub order: Order,
    /// Sequence of `order:{token}` this state corresponds to.
    pub stream_seq: i64,
    /// Where the driver is, while the order is out for delivery.
    #[serde(default)]
    pub driver_position: Option<Position>,
    /// The order belongs to a customer account: it is edited and cancelled by that customer,
    /// logged in, through `/api/v1/orders/{id}`, not with the tracking token.
    #[serde(default)]
    pub account: bool,
    /// The shop's time zone (IANA name), in which promised and estimated times are shown.
    #[serde(default)]
    pub timezone: Option<String>,
}

/// `GET /api/v1/shops/{id}/orders`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OrderList {
    /// Orders, oldest first.
    pub orders: Vec<Order>,
    /// Sequence of the shop's order stream this list corresponds to.
    pub stream_seq: i64,
    /// More orders match than the list holds: ask again with `after` = [`OrderList::next_after`].
    #[serde(default)]
    pub truncated: bool,
    /// The id to pass as `after` for the next page, when `truncated`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<OrderId>,
}

/// `GET /api/v1/driver/deliveries`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Deliveries {
    /// Ready delivery orders of the driver's shops that nobody took yet.
    pub available: Vec<Order>,
    /// Orders assigned to this driver and not finished.
    pub mine: Vec<Order>,
    /// Sequence of the driver's stream (`driver:{id}`) this state corresponds to.
    pub stream_seq: i64,
}
