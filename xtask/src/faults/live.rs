//! The WebSocket side of the scenarios: a client that logs in, subscribes to streams and checks
//! that each stream's sequence goes up by one, event after event (no gap, duplicate or
//! reordering).

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use ocpizza_proto::events::Event;
use ocpizza_proto::ws::{ClientMsg, PROTOCOL_VERSION, ServerMsg};
use reqwest::header::{COOKIE, HeaderValue};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpSocket;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{Connector, MaybeTlsStream};

type Ws = tokio_tungstenite::WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// Where a client connects.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// An instance itself, `ws://`.
    Plain(SocketAddr),
    /// The site through nginx, `wss://`, accepting the test's self-signed certificate.
    Tls(SocketAddr),
}

/// What the client read next.
#[derive(Debug)]
pub enum Next {
    /// An event of `stream`; `placed` is the order id of an `order_placed`.
    Event {
        stream: String,
        seq: i64,
        placed: Option<i64>,
    },
    /// The connection ended: the close code, `None` when it ended without one (1006).
    Closed(Option<u16>),
}

/// A subscribed connection.
#[derive(Debug)]
pub struct Live {
    ws: Ws,
    /// Local port of the connection (to find it among the server's sockets).
    pub local_port: u16,
    /// The sequence each stream started from (`since`, or the snapshot's).
    pub at: BTreeMap<String, i64>,
    /// Events read while subscribing, last first.
    pending: Vec<Next>,
}

/// The order id of an `order_placed` event.
fn placed(event: Event) -> Option<i64> {
    match event {
        Event::OrderPlaced { order } => Some(order.id.0),
        _ => None,
    }
}

impl Live {
    /// Connects to `server` with `cookie`, and subscribes to each stream after the sequence
    /// given (a snapshot when `None`). `recv_buffer` shrinks the socket's receive buffer.
    pub async fn connect(
        server: SocketAddr,
        cookie: &HeaderValue,
        streams: &[(&str, Option<i64>)],
        recv_buffer: Option<u32>,
    ) -> anyhow::Result<Live> {
        Live::connect_to(Target::Plain(server), cookie, streams, recv_buffer).await
    }

    /// [`Live::connect`] to any [`Target`].
    pub async fn connect_to(
        target: Target,
        cookie: &HeaderValue,
        streams: &[(&str, Option<i64>)],
        recv_buffer: Option<u32>,
    ) -> anyhow::Result<Live> {
        let (server, url, connector) = match target {
            Target::Plain(a) => (a, format!("ws://{a}/api/v1/ws"), Connector::Plain),
            Target::Tls(a) => {
                let tls = native_tls::TlsConnector::builder()
                    .danger_accept_invalid_certs(true)
                    .danger_accept_invalid_hostnames(true)
                    .build()?;
                (a, format!("wss://{a}/api/v1/ws"), Connector::NativeTls(tls))
            }
        };
        let socket = TcpSocket::new_v4()?;
        if let Some(size) = recv_buffer {
            socket.set_recv_buffer_size(size)?;
        }
        let tcp = socket.connect(server).await.context("connecting")?;
        let local_port = tcp.local_addr()?.port();
        let mut request = url.into_client_request()?;
        request.headers_mut().insert(COOKIE, cookie.clone());
        let (mut ws, _) =
            tokio_tungstenite::client_async_tls_with_config(request, tcp, None, Some(connector))
                .await
                .context("WebSocket upgrade")?;
        let hello = ClientMsg::Hello {
            protocol: PROTOCOL_VERSION,
        };
        ws.send(Message::text(serde_json::to_string(&hello)?))
            .await?;
        for (stream, since) in streams {
            let subscribe = ClientMsg::Subscribe {
                stream: (*stream).to_owned(),
                since: *since,
            };
            ws.send(Message::text(serde_json::to_string(&subscribe)?))
                .await?;
        }
        let mut at: BTreeMap<String, i64> = streams
            .iter()
            .filter_map(|(s, since)| since.map(|seq| ((*s).to_owned(), seq)))
            .collect();
        let (mut pending, mut subscribed) = (Vec::new(), 0);
        while subscribed < streams.len() {
            let msg = ws.next().await.context("closed while subscribing")??;
            let Message::Text(text) = msg else { continue };
            match serde_json::from_str(text.as_str())? {
                ServerMsg::Subscribed { stream, seq } => {
                    at.entry(stream).or_insert(seq);
                    subscribed += 1;
                }
                ServerMsg::Snapshot { stream, seq, .. } => {
                    at.insert(stream, seq);
                }
                ServerMsg::Event { stream, seq, event } => {
                    pending.push(Next::Event {
                        stream,
                        seq,
                        placed: placed(event),
                    });
                }
                ServerMsg::Welcome { .. } => {}
                other => bail!("unexpected while subscribing: {other:?}"),
            }
        }
        pending.reverse();
        Ok(Live {
            ws,
            local_port,
            at,
            pending,
        })
    }

    /// The next event, or the end of the connection.
    pub async fn next(&mut self) -> anyhow::Result<Next> {
        if let Some(next) = self.pending.pop() {
            return Ok(next);
        }
        loop {
            let msg = match self.ws.next().await {
                None | Some(Err(_)) => return Ok(Next::Closed(None)),
                Some(Ok(msg)) => msg,
            };
            match msg {
                Message::Close(frame) => return Ok(Next::Closed(frame.map(|f| u16::from(f.code)))),
                Message::Text(text) => match serde_json::from_str(text.as_str())? {
                    ServerMsg::Event { stream, seq, event } => {
                        return Ok(Next::Event {
                            stream,
                            seq,
                            placed: placed(event),
                        });
                    }
                    ServerMsg::Pong { .. } => {}
                    other => bail!("unexpected message: {other:?}"),
                },
                _ => {}
            }
        }
    }

    /// Reads in a task of its own, handing over what it reads until the connection ends.
    pub fn spawn_reader(mut self) -> Reader {
        let at = self.at.clone();
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                let next = self.next().await;
                let end = !matches!(next, Ok(Next::Event { .. }));
                if tx.send(next).is_err() || end {
                    return;
                }
            }
        });
        Reader {
            rx,
            seen: Sequences::new(at),
        }
    }
}

/// What a stream's events looked like.
#[derive(Debug)]
pub struct Sequences {
    /// The last sequence read, per stream.
    pub last: BTreeMap<String, i64>,
    /// Every gap, duplicate or reordering, described.
    pub problems: Vec<String>,
    /// Events skipped by the gaps.
    pub missing: i64,
    /// Events read again (a sequence not above the last one read).
    pub duplicated: usize,
    /// The ids of the orders of `order_placed` events, in the order read.
    pub placed: Vec<i64>,
}

impl Sequences {
    /// Expecting the events after `at`.
    pub fn new(at: BTreeMap<String, i64>) -> Sequences {
        Sequences {
            last: at,
            problems: Vec::new(),
            missing: 0,
            duplicated: 0,
            placed: Vec::new(),
        }
    }

    /// Takes in one event.
    pub fn on(&mut self, stream: &str, seq: i64, placed: Option<i64>) {
        let last = self.last.entry(stream.to_owned()).or_insert(seq - 1);
        if seq != *last + 1 {
            self.problems
                .push(format!("{stream}: event {seq} after {last}"));
        }
        if seq > *last + 1 {
            self.missing += seq - *last - 1;
        } else if seq <= *last {
            self.duplicated += 1;
        }
        *last = (*last).max(seq);
        if stream.ends_with(":orders") && stream.starts_with("shop:") {
            self.placed.extend(placed);
        }
    }
}

/// A connection read by a task of its own.
#[derive(Debug)]
pub struct Reader {
    rx: mpsc::UnboundedReceiver<anyhow::Result<Next>>,
    /// What was read so far.
    pub seen: Sequences,
}

impl Reader {
    /// Reads until every stream in `heads` reached its head, at most `limit`.
    pub async fn until(
        &mut self,
        heads: &BTreeMap<String, i64>,
        limit: Duration,
    ) -> anyhow::Result<()> {
        let deadline = Instant::now() + limit;
        loop {
            let behind: Vec<String> = heads
                .iter()
                .filter(|(s, head)| self.seen.last.get(*s).copied().unwrap_or(0) < **head)
                .map(|(s, head)| format!("{s} at {:?} of {head}", self.seen.last.get(s)))
                .collect();
            if behind.is_empty() {
                return Ok(());
            }
            let next = tokio::time::timeout_at(deadline, self.rx.recv()).await;
            match next {
                Err(_) => bail!(
                    "not caught up within {} s: {}",
                    limit.as_secs(),
                    behind.join(", ")
                ),
                Ok(None) => bail!("the reader stopped"),
                Ok(Some(next)) => match next? {
                    Next::Event {
                        stream,
                        seq,
                        placed,
                    } => self.seen.on(&stream, seq, placed),
                    Next::Closed(code) => {
                        bail!("the connection closed ({code:?}): {}", behind.join(", "))
                    }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gap_a_duplicate_and_a_reordering_are_each_reported() {
        let mut seen = Sequences::new(BTreeMap::from([("shop:1:orders".to_owned(), 4)]));
        seen.on("shop:1:orders", 5, Some(10));
        seen.on("shop:1:orders", 6, None);
        assert!(seen.problems.is_empty(), "{:?}", seen.problems);
        seen.on("shop:1:orders", 8, Some(12));
        seen.on("shop:1:orders", 7, Some(11));
        seen.on("shop:1:orders", 8, Some(12));
        assert_eq!(
            seen.problems,
            [
                "shop:1:orders: event 8 after 6",
                "shop:1:orders: event 7 after 8",
                "shop:1:orders: event 8 after 8"
            ]
        );
        assert_eq!(seen.placed, [10, 12, 11, 12]);
        assert_eq!((seen.missing, seen.duplicated), (1, 2));
        assert_eq!(seen.last["shop:1:orders"], 8);
    }

    #[test]
    fn only_a_shops_order_stream_counts_placed_orders() {
        let mut seen = Sequences::new(BTreeMap::new());
        seen.on("group:orders", 1, Some(10));
        seen.on("shop:1:orders", 1, Some(10));
        assert!(seen.problems.is_empty());
        assert_eq!(seen.placed, [10]);
    }
}
