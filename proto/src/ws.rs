//! The live-stream protocol on `GET /api/v1/ws`: two tagged enums, one per direction, and a
//! protocol version. A client says `hello`, then `subscribe`s to streams, each optionally
//! `since` the last sequence it saw; the server replays what was missed (or sends a fresh
//! `snapshot`) and continues live, never with a gap, a duplicate or a reordering.

use crate::api::maintenance::{Maintenance, MaintenanceSwitch};
use crate::api::menu::Menu;
use crate::api::orders::{Deliveries, Order};
use crate::api::shops::Shop;
use crate::api::stock::StockLevel;
use crate::error::ErrorCode;
use crate::events::Event;
use crate::ids::UserId;
use serde::{Deserialize, Serialize};

/// Version of this protocol; a `hello` with another one is refused.
pub const PROTOCOL_VERSION: u32 = 1;

/// Close code: the client fell behind; reconnect and subscribe `since` the last sequence seen.
pub const CLOSE_SLOW_CONSUMER: u16 = 4008;
/// Close code: the server is restarting (update, stop, another instance taking over):
/// reconnect and resume with `since`, as after any disconnection (RFC 6455 "Service Restart").
pub const CLOSE_SERVICE_RESTART: u16 = 1012;
/// Close code: too many connections from this address.
pub const CLOSE_TOO_MANY: u16 = 4029;
/// Close code: no pong to our pings.
pub const CLOSE_NO_PONG: u16 = 4002;
/// Close code: the connection's session ended (logout, revoked): log in again.
pub const CLOSE_SESSION_ENDED: u16 = 4001;

/// Client → server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMsg {
    /// First message: the protocol the client speaks.
    Hello {
        /// Must be [`PROTOCOL_VERSION`].
        protocol: u32,
    },
    /// Start receiving a stream (`shop:1:orders`, `order:{token}`, …).
    Subscribe {
        /// Stream name.
        stream: String,
        /// Last sequence the client has; absent = send a snapshot first.
        #[serde(default)]
        since: Option<i64>,
    },
    /// Stop receiving a stream.
    Unsubscribe {
        /// Stream name.
        stream: String,
    },
    /// Application-level ping (answered with `pong`).
    Ping {
        /// Echoed back.
        #[serde(default)]
        id: Option<u64>,
    },
}

/// Server → client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// Answer to `hello`.
    Welcome {
        /// The server's protocol version.
        protocol: u32,
        /// The logged-in account, if any.
        user_id: Option<UserId>,
        /// Seconds between the server's WebSocket pings.
        heartbeat_secs: u32,
    },
    /// The subscription is live from this sequence on.
    Subscribed {
        /// Stream name.
        stream: String,
        /// Sequence of the last event the client now has.
        seq: i64,
    },
    /// One event of a stream.
    Event {
        /// Stream name.
        stream: String,
        /// Its sequence (contiguous per stream).
        seq: i64,
        /// What happened.
        event: Event,
    },
    /// The stream's whole state, when replaying is impossible or no `since` was given.
    Snapshot {
        /// Stream name.
        stream: String,
        /// The sequence this state corresponds to: events after it follow.
        seq: i64,
        /// The state.
        state: Snapshot,
    },
    /// Something was refused (never followed by data for that stream).
    Error {
        /// Stable code.
        code: ErrorCode,
        /// Human-readable explanation.
        message: String,
        /// The stream concerned, if any.
        stream: Option<String>,
    },
    /// Answer to `ping`.
    Pong {
        /// The ping's id.
        id: Option<u64>,
    },
}

/// The state of a stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Snapshot {
    /// `shop:{id}:orders` and `group:orders`: the open orders.
    Orders {
        /// Unfinished orders, oldest first.
        orders: Vec<Order>,
    },
    /// `shop:{id}:stock`.
    Stock {
        /// Every ingredient's level.
        items: Vec<StockLevel>,
    },
    /// `shop:{id}:menu`: the shop (pause state) and its menu with availability.
    Menu {
        /// The shop.
        shop: Box<Shop>,
        /// Its menu.
        menu: Box<Menu>,
    },
    /// `order:{token}`: the order.
    Order {
        /// The order.
        order: Box<Order>,
    },
    /// `driver:{id}`: the driver's deliveries.
    Deliveries {
        /// Available and own deliveries.
        deliveries: Box<Deliveries>,
    },
    /// `site`: maintenance mode.
    Site {
        /// The state now.
        maintenance: Maintenance,
    },
    /// `group:audit`: the latest switches of maintenance mode, newest first.
    Audit {
        /// Newest first.
        switches: Vec<MaintenanceSwitch>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_messages_are_tagged_and_strict() {
        let m: ClientMsg =
            serde_json::from_str(r#"{"type":"subscribe","stream":"shop:1:orders","since":4}"#)
                .unwrap();
        assert_eq!(
            m,
            ClientMsg::Subscribe {
                stream: "shop:1:orders".into(),
                since: Some(4)
            }
        );
        assert!(serde_json::from_str::<ClientMsg>(r#"{"type":"dance"}"#).is_err());
        assert!(serde_json::from_str::<ClientMsg>(r#"{"type":"ping","extra":1}"#).is_err());
    }

    #[test]
    fn server_events_embed_the_event_payload() {
        let msg = ServerMsg::Event {
            stream: "shop:1:menu".into(),
            seq: 7,
            event: Event::ShopResumed {
                shop_id: crate::ShopId(1),
            },
        };
        let json = serde_json::to_value(&msg).unwrap();
        assert_eq!(json["type"], "event");
        assert_eq!(json["event"]["type"], "shop_resumed");
        let back: ServerMsg = serde_json::from_value(json).unwrap();
        assert_eq!(back, msg);
    }
}
