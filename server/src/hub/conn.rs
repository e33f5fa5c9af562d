//! One WebSocket connection: `GET /api/v1/ws`.
//!
//! The connection keeps, per subscribed stream, the last sequence it sent (in its
//! [`Link`], where the hub's fan-out, which writes the next frame itself when the connection
//! is up to date, reads and moves it too). Whatever the hub queues is checked against it
//! ([`follow::step`]): an old frame is skipped, a jump is filled from the log first. So replay-then-live needs no coordination: the connection registers
//! with the hub, replays the log (or sends a snapshot), and the live frames that queued
//! meanwhile fall into place.
//!
//! A connection holds the [`Hub`] and what it learnt of its caller at the upgrade; whether a
//! subscription is allowed and what a snapshot holds it asks the hub's
//! [`Catalogue`](super::Catalogue).

use super::link::{Link, LinkIo};
use super::wakes::{self, Wakes};
use super::{ConnHandle, Frame, Hub, IpSlot, QUEUE_FRAMES};
use crate::auth::{Caller, Session};
use crate::error::ApiError;
use crate::events::follow::{self, Page, Step, Walk};
use crate::net::{ClientIp, OwnWire};
use crate::state::AppState;
use crate::streams::Scope;
use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use futures_util::{FutureExt, SinkExt, StreamExt};
use ocpizza_proto::events::Stream;
use ocpizza_proto::ws::{
    CLOSE_NO_PONG, CLOSE_SERVICE_RESTART, CLOSE_SESSION_ENDED, CLOSE_SLOW_CONSUMER, ClientMsg,
    PROTOCOL_VERSION, ServerMsg,
};
use ocpizza_proto::{ErrorCode, StaffRole};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::mpsc;

/// Event frames accumulate in the socket's write buffer up to this size before they are
/// written; whatever is left goes out when the queue is empty. Small enough that a connection
/// which once sent a burst keeps little memory.
pub const WRITE_BATCH_BYTES: usize = 4 * 1024;
/// The socket's read buffer, allocated for the connection's whole life. Clients send only a
/// few short messages (hello, subscriptions, pongs), and a longer one makes the buffer grow to
/// its size; 4 KiB here was a third of an idle connection's memory, and tungstenite zeroes
/// the unused part of it each time it looks for a message.
pub const READ_BUFFER_BYTES: usize = 512;
/// Largest accepted client message.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024;
/// Most streams one connection may follow.
pub const MAX_SUBSCRIPTIONS: usize = 64;
/// A `since` further behind than this gets a snapshot instead of a replay.
pub const MAX_REPLAY: i64 = 5_000;
/// Close codes are spread over this window when the server drains.
pub const DRAIN_WINDOW: Duration = Duration::from_millis(1_500);
const SLOW: &str = "too slow: reconnect and subscribe since your last seq";
const STALLED: &str = "a write waited for two heartbeats: reconnect and resume";
const SESSION_ENDED: &str = "your session ended: log in again";
/// Malformed messages tolerated before the connection is closed.
const MAX_ERRORS: u32 = 20;

/// Upgrades to a WebSocket: staff and customers by their session cookie, guests anonymous
/// (they follow `order:{token}` by presenting the token).
pub async fn upgrade(
    State(state): State<AppState>,
    caller: Caller,
    Session(session): Session,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    OwnWire(wire): OwnWire,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let hub = state.hub.clone();
    let ws = match ws {
        Ok(ws) => ws,
        Err(e) => {
            return ApiError::invalid(format!("a WebSocket upgrade is required: {e}"))
                .into_response();
        }
    };
    let foreign = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|o| o.trim_end_matches('/') != hub.settings().public_url);
    if foreign {
        return ApiError::BadOrigin.into_response();
    }
    let Some(slot) = hub.admit(ip) else {
        return ApiError::RateLimited.into_response();
    };
    let session = caller.0.as_ref().and(session);
    ws.read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BATCH_BYTES)
        // No cap of its own: a message larger than the cap could never be sent (a busy
        // shop's snapshot is several hundred KiB), and the buffer already holds at most one
        // message beyond `WRITE_BATCH_BYTES`, since nothing more is handed to it until a
        // blocked write went out.
        .max_write_buffer_size(usize::MAX)
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| async move {
            let link = Link::new(socket, wire);
            let (handle, rx) = hub.connect(link.clone());
            let access = match caller.id() {
                Some(id) => follow_access(&hub, id, &handle).await,
                None => None,
            };
            let kicked = {
                let handle = handle.clone();
                Box::pin(async move { handle.kicked().await })
            };
            let conn = Conn {
                hub: hub.clone(),
                caller,
                handle,
                kicked,
                session,
                access,
                subs: HashMap::new(),
                errors: 0,
                _slot: slot,
            };
            hub.spawn_connection(conn.run(link.io(), rx));
        })
}

/// Registers the connection on the account's `user:{id}` stream, so that a logout or a role
/// change anywhere (any instance) reaches it; `None` if the log cannot be read.
async fn follow_access(
    hub: &Hub,
    id: ocpizza_proto::UserId,
    handle: &Arc<ConnHandle>,
) -> Option<Arc<str>> {
    let name: Arc<str> = Arc::from(Stream::User(id).to_string());
    match crate::events::db::head(hub.db().pool(), &name).await {
        Ok(head) => {
            handle.link().set_access(&name);
            hub.subscribe(&name, head, handle);
            Some(name)
        }
        Err(e) => {
            tracing::warn!(error = %e, "following an account's access changes");
            None
        }
    }
}

async fn until_draining(mut rx: tokio::sync::watch::Receiver<bool>) {
    let _ = rx.wait_for(|draining| *draining).await;
}

struct Conn {
    hub: Hub,
    caller: Caller,
    /// The hub's handle, with the socket shared with the fan-out (`handle.link`).
    handle: Arc<ConnHandle>,
    /// Resolves when the hub dropped this connection as a slow consumer. One future for the
    /// connection's life: a fresh one per write would register a waiter per frame, on the hot
    /// path of every delivery. Never polled again once resolved (the connection then closes).
    kicked: Pin<Box<dyn Future<Output = ()> + Send + Sync>>,
    /// Hash of the session cookie the connection was opened with (accounts only).
    session: Option<String>,
    /// The account's `user:{id}` stream: an event there makes the connection check its
    /// session and subscriptions again.
    access: Option<Arc<str>>,
    /// Stream → what of it this connection sees (the last sequence sent is in `link`).
    subs: HashMap<Arc<str>, Sub>,
    errors: u32,
    _slot: IpSlot,
}

#[derive(Debug)]
struct Sub {
    scope: Scope,
    /// The access epoch when `scope` was authorised ([`Link::go_direct`]).
    epoch: u64,
    /// The shop whose kitchen display this subscription is (a cook following its orders).
    kitchen: Option<ocpizza_proto::ShopId>,
}

/// Why the loop ended.
enum End {
    Gone,
    Close(u16, &'static str),
}

impl Conn {
    fn hub(&self) -> &Hub {
        &self.hub
    }

    /// The connection's task. A plain `fn` returning the future: the future of an `async fn`
    /// holds its arguments twice (as arguments, and moved into its body), here the whole
    /// connection and its socket.
    #[expect(
        clippy::manual_async_fn,
        reason = "an async fn's future would be twice the size"
    )]
    fn run(
        mut self,
        mut socket: LinkIo,
        mut rx: mpsc::Receiver<Arc<Frame>>,
    ) -> impl Future<Output = ()> + Send {
        async move {
            let metrics = &self.hub.metrics().connections;
            metrics.fetch_add(1, Ordering::Relaxed);
            let end = self.serve(&mut socket, &mut rx).await;
            self.handle.link.forget_all();
            // A client that stopped reading may never take the close frame: give it a moment.
            let last_words = Duration::from_millis(500);
            match end {
                // A client that closed gets its close frame answered (tungstenite queued the
                // answer): the closing handshake completes.
                End::Gone => {
                    let _ = tokio::time::timeout(last_words, socket.flush()).await;
                }
                End::Close(code, reason) => {
                    let frame = CloseFrame {
                        code,
                        reason: Utf8Bytes::from_static(reason),
                    };
                    let close = socket.send(Message::Close(Some(frame)));
                    let _ = tokio::time::timeout(last_words, close).await;
                }
            }
            for (stream, sub) in self.subs.drain().collect::<Vec<_>>() {
                self.forget(&stream, &sub);
            }
            if let Some(access) = self.access.take() {
                self.hub.unsubscribe(&access, &self.handle);
            }
            self.hub
                .metrics()
                .connections
                .fetch_sub(1, Ordering::Relaxed);
        }
    }

    async fn serve(&mut self, socket: &mut LinkIo, rx: &mut mpsc::Receiver<Arc<Frame>>) -> End {
        let drain = until_draining(self.hub().draining());
        tokio::pin!(drain);
        let beat = Duration::from_secs(u64::from(self.hub().settings().heartbeat_secs));
        let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + beat, beat);
        let mut unanswered = 0u32;
        let wakes = Wakes::default();
        loop {
            let woke =
                std::future::poll_fn(|cx| next_wake(cx, &wakes, rx, socket, &mut drain, &mut ping))
                    .await;
            match woke {
                Woke::Frame(frame) => {
                    if let Err(end) = self.forward_queued(socket, frame, rx).await {
                        return end;
                    }
                    // The hub gives up on a connection only when its queue is full, so a
                    // dropped connection always wakes here with frames to send: its flag
                    // is read once they are out, and its `kicked` future needs no polling
                    // unless a write blocks.
                    if rx.is_empty() && self.handle.is_slow() {
                        return End::Close(CLOSE_SLOW_CONSUMER, SLOW);
                    }
                }
                Woke::Drain => {
                    let jitter = rand::random_range(0..DRAIN_WINDOW.as_millis() as u64);
                    tokio::time::sleep(Duration::from_millis(jitter)).await;
                    return End::Close(
                        CLOSE_SERVICE_RESTART,
                        "server restarting: reconnect and resume",
                    );
                }
                Woke::Message(incoming) => {
                    if let Err(end) = self.on_message(socket, incoming, &mut unanswered).await {
                        return end;
                    }
                }
                Woke::Ping => {
                    if unanswered >= 2 {
                        return End::Close(CLOSE_NO_PONG, "no answer to pings");
                    }
                    unanswered += 1;
                    let ping = socket.send(Message::Ping(axum::body::Bytes::new()));
                    if let Err(end) = self.unless_stuck(ping).await {
                        return end;
                    }
                }
            }
        }
    }

    /// Handles what the client sent (`None`: the socket closed).
    async fn on_message(
        &mut self,
        socket: &mut LinkIo,
        incoming: Option<Result<Message, axum::Error>>,
        unanswered: &mut u32,
    ) -> Result<(), End> {
        match incoming {
            None | Some(Ok(Message::Close(_))) => Err(End::Gone),
            Some(Err(e)) => {
                tracing::debug!(error = %e, "websocket read failed");
                let text = e.to_string();
                Err(
                    if text.contains("too long") || text.contains("Space limit") {
                        End::Close(1009, "message too big (max 16 KiB)")
                    } else {
                        End::Gone
                    },
                )
            }
            // Boxed, as every path that is not a live frame's: the task's size is that of its
            // largest state, held by every idle connection.
            Some(Ok(Message::Text(text))) => Box::pin(self.on_text(socket, text.as_str())).await,
            Some(Ok(Message::Binary(_))) => {
                Box::pin(self.refuse(socket, "binary messages are not understood", None)).await
            }
            Some(Ok(Message::Pong(_))) => {
                *unanswered = 0;
                Ok(())
            }
            Some(Ok(Message::Ping(_))) => Ok(()),
        }
    }

    /// Waits for a write to the socket, unless the hub gives up on this connection meanwhile
    /// (a client that stopped reading blocks the write, and must not block its own eviction),
    /// or the write has waited for two heartbeats: a client that stopped reading while nothing
    /// piles up for the hub to notice is let go as one that stops answering pings (one that
    /// reads a large snapshot slower than some 10 KB/s too; it resumes on another connection).
    fn unless_stuck<'a>(
        &'a mut self,
        mut write: impl Future<Output = Result<(), axum::Error>> + Unpin + 'a,
    ) -> impl Future<Output = Result<(), End>> + 'a {
        let patience = Duration::from_secs(2 * u64::from(self.hub().settings().heartbeat_secs));
        let kicked = &mut self.kicked;
        // Started only once the write waits, and boxed: this future is part of every idle
        // connection's task, and a timer in it would make each larger by its size.
        let mut clock: Option<Pin<Box<tokio::time::Sleep>>> = None;
        std::future::poll_fn(move |cx| {
            // Socket first: it is ready unless the client stopped reading, and then only are
            // the eviction and the clock worth a look.
            if let Poll::Ready(sent) = write.poll_unpin(cx) {
                return Poll::Ready(sent.map_err(|_| End::Gone));
            }
            if kicked.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(End::Close(CLOSE_SLOW_CONSUMER, SLOW)));
            }
            let clock = clock.get_or_insert_with(|| Box::pin(tokio::time::sleep(patience)));
            if clock.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(End::Close(CLOSE_NO_PONG, STALLED)));
            }
            Poll::Pending
        })
    }

    /// Hands one event frame to the socket's write buffer (written out once it holds
    /// [`WRITE_BATCH_BYTES`], or at [`Conn::flush`]).
    async fn push(&mut self, socket: &mut LinkIo, text: Utf8Bytes) -> Result<(), End> {
        self.unless_stuck(socket.feed(Message::Text(text))).await
    }

    /// Writes out what [`Conn::push`] buffered.
    async fn flush(&mut self, socket: &mut LinkIo) -> Result<(), End> {
        self.unless_stuck(socket.flush()).await
    }

    /// Sends `first` and every frame already queued behind it (at most [`QUEUE_FRAMES`]), then
    /// flushes once: under load a connection's backlog leaves in a few writes, not one each.
    async fn forward_queued(
        &mut self,
        socket: &mut LinkIo,
        first: Arc<Frame>,
        rx: &mut mpsc::Receiver<Arc<Frame>>,
    ) -> Result<(), End> {
        self.forward(socket, &first).await?;
        for _ in 1..QUEUE_FRAMES {
            let Ok(frame) = rx.try_recv() else { break };
            self.forward(socket, &frame).await?;
        }
        self.flush(socket).await
    }

    async fn send(&mut self, socket: &mut LinkIo, msg: &ServerMsg) -> Result<(), End> {
        let text = serde_json::to_string(msg).map_err(|_| End::Gone)?;
        self.unless_stuck(socket.send(Message::Text(text.into())))
            .await
    }

    async fn refuse(
        &mut self,
        socket: &mut LinkIo,
        message: &str,
        stream: Option<&str>,
    ) -> Result<(), End> {
        self.errors += 1;
        if self.errors > MAX_ERRORS {
            return Err(End::Close(1008, "too many malformed messages"));
        }
        let msg = ServerMsg::Error {
            code: ErrorCode::InvalidInput,
            message: message.to_owned(),
            stream: stream.map(str::to_owned),
        };
        self.send(socket, &msg).await
    }

    async fn on_text(&mut self, socket: &mut LinkIo, text: &str) -> Result<(), End> {
        let msg: ClientMsg = match serde_json::from_str(text) {
            Ok(m) => m,
            Err(e) => {
                return self
                    .refuse(socket, &format!("malformed message: {e}"), None)
                    .await;
            }
        };
        match msg {
            ClientMsg::Hello { protocol } if protocol == PROTOCOL_VERSION => {
                let welcome = ServerMsg::Welcome {
                    protocol: PROTOCOL_VERSION,
                    user_id: self.caller.id(),
                    heartbeat_secs: self.hub().settings().heartbeat_secs,
                };
                self.send(socket, &welcome).await
            }
            ClientMsg::Hello { protocol } => {
                let message = format!(
                    "protocol {protocol} is not supported; this server speaks {PROTOCOL_VERSION}"
                );
                self.refuse(socket, &message, None).await?;
                Err(End::Close(1002, "unsupported protocol version"))
            }
            ClientMsg::Subscribe { stream, since } => self.subscribe(socket, &stream, since).await,
            ClientMsg::Unsubscribe { stream } => {
                if let Some(sub) = self.subs.remove(stream.as_str()) {
                    self.forget(&stream, &sub);
                }
                Ok(())
            }
            ClientMsg::Ping { id } => self.send(socket, &ServerMsg::Pong { id }).await,
        }
    }

    async fn subscribe(
        &mut self,
        socket: &mut LinkIo,
        name: &str,
        since: Option<i64>,
    ) -> Result<(), End> {
        let Some(stream) = Stream::parse(name) else {
            return self
                .refuse(socket, &format!("unknown stream {name:?}"), Some(name))
                .await;
        };
        if !self.subs.contains_key(name) && self.subs.len() >= MAX_SUBSCRIPTIONS {
            let message = format!("at most {MAX_SUBSCRIPTIONS} streams per connection");
            return self.refuse(socket, &message, Some(name)).await;
        }
        // A subscription made again is authorised again, then replays or sends a snapshot:
        // its live frames go through the queue meanwhile (and for good if it is refused).
        self.handle.link.hold(name);
        let epoch = self.handle.link.access_epoch();
        self.reload_caller().await?;
        let scope = match self.authorise(&stream).await? {
            Ok(scope) => scope,
            Err((code, message)) => {
                self.errors += 1;
                if self.errors > MAX_ERRORS {
                    return Err(End::Close(1008, "too many refused messages"));
                }
                let msg = ServerMsg::Error {
                    code,
                    message,
                    stream: Some(name.to_owned()),
                };
                return self.send(socket, &msg).await;
            }
        };
        let Some(Ok(head)) = self.hub().read_head(name).await else {
            return Err(End::Close(1011, "database unavailable"));
        };
        let key = self.hub().stream_name(name);
        let fresh = !self.subs.contains_key(name);
        // Followed (through the queue) before the hub sends anything, so that a resync queued
        // during the replay or the snapshot finds the stream and holds it.
        self.handle.link.follow(&key, head);
        self.hub().subscribe(&key, head, &self.handle);
        let at = match self
            .catch_up(socket, &key, &stream, &scope, since, head)
            .await
        {
            Ok(at) => at,
            Err(end) => {
                // Not in `subs` yet: the connection's end would not find it there.
                if fresh {
                    self.handle.link.forget(&key);
                    self.hub().unsubscribe(&key, &self.handle);
                }
                return Err(end);
            }
        };
        let kitchen = match (&stream, &self.caller.0) {
            (Stream::ShopOrders(shop), Some(user)) if user.has_role(*shop, StaffRole::Cook) => {
                Some(*shop)
            }
            _ => None,
        };
        let direct = self.direct(&key, &scope);
        self.handle.link.follow(&key, at);
        let previous = self.subs.insert(
            key,
            Sub {
                scope,
                epoch,
                kitchen,
            },
        );
        if let Some(shop) = previous.and_then(|p| p.kitchen) {
            self.hub().metrics().kitchen_display(shop, -1);
        }
        if let Some(shop) = kitchen {
            self.hub().metrics().kitchen_display(shop, 1);
        }
        if fresh {
            self.hub().metrics().subscriptions[super::metrics::kind_index(&stream)]
                .fetch_add(1, Ordering::Relaxed);
        }
        self.send(
            socket,
            &ServerMsg::Subscribed {
                stream: name.to_owned(),
                seq: at,
            },
        )
        .await?;
        // Live frames after `subscribed`, never before it.
        if direct {
            self.handle.link.go_direct(name, epoch);
        }
        Ok(())
    }

    /// Whether the fan-out may write `stream`'s frames into the socket itself: only when every
    /// event of it is sent as it is (and not the account's own stream, which the connection
    /// acts on).
    fn direct(&self, stream: &str, scope: &Scope) -> bool {
        *scope == Scope::Whole && self.access.as_deref() != Some(stream)
    }

    /// Builds `stream`'s snapshot for `scope`, sends it, and returns its sequence.
    async fn send_snapshot(
        &mut self,
        socket: &mut LinkIo,
        stream: &Stream,
        scope: &Scope,
    ) -> Result<i64, End> {
        let built = {
            let (catalogue, stream, scope) = (
                self.hub().catalogue().clone(),
                stream.clone(),
                scope.clone(),
            );
            self.hub()
                .on_requests(async move { catalogue.snapshot(&stream, &scope).await })
                .await
                .flatten()
        };
        let Some(built) = built else {
            return Err(End::Close(1011, "could not build the snapshot"));
        };
        self.hub()
            .metrics()
            .snapshots
            .fetch_add(1, Ordering::Relaxed);
        self.unless_stuck(socket.send(Message::Text(built.text)))
            .await?;
        Ok(built.seq)
    }

    /// The stream's history was replaced (a restore): a fresh snapshot, and live from there.
    async fn resync(&mut self, socket: &mut LinkIo, name: &Arc<str>) -> Result<(), End> {
        let (Some(sub), Some(stream)) = (self.subs.get(name), Stream::parse(name)) else {
            return Ok(());
        };
        let (scope, epoch) = (sub.scope.clone(), sub.epoch);
        self.flush(socket).await?;
        let at = self.send_snapshot(socket, &stream, &scope).await?;
        self.handle.link.resynced(name, at);
        if self.direct(name, &scope) {
            self.handle.link.go_direct(name, epoch);
        }
        Ok(())
    }

    /// Brings a new subscriber of `key` to its `head`: what it missed since `since`, from the
    /// log, or a snapshot. Returns the sequence it is at.
    async fn catch_up(
        &mut self,
        socket: &mut LinkIo,
        key: &Arc<str>,
        stream: &Stream,
        scope: &Scope,
        since: Option<i64>,
        head: i64,
    ) -> Result<i64, End> {
        let replayed = match since {
            Some(n) if (0..=head).contains(&n) && head - n <= MAX_REPLAY => {
                self.replay(socket, key, scope, n, head).await?
            }
            _ => None,
        };
        match replayed {
            Some(last) => {
                self.hub()
                    .metrics()
                    .resumed_from_log
                    .fetch_add(1, Ordering::Relaxed);
                Ok(last)
            }
            None => self.send_snapshot(socket, stream, scope).await,
        }
    }

    /// Sends the log's events after `since` up to `head`; `None` if they are no longer kept.
    async fn replay(
        &mut self,
        socket: &mut LinkIo,
        stream: &Arc<str>,
        scope: &Scope,
        since: i64,
        head: i64,
    ) -> Result<Option<i64>, End> {
        let mut walk = Walk::to(since, head);
        Ok(self
            .send_log(socket, stream, scope, &mut walk)
            .await?
            .then_some(walk.at()))
    }

    /// Sends the events `walk` reads of `stream`'s log (those `scope` sees), page by page; false
    /// if the walk found an event no longer kept.
    async fn send_log(
        &mut self,
        socket: &mut LinkIo,
        stream: &Arc<str>,
        scope: &Scope,
        walk: &mut Walk,
    ) -> Result<bool, End> {
        loop {
            let events = match self.hub().read_log(stream, walk).await {
                Some(Ok(Page::Events(events))) => events,
                Some(Ok(Page::End)) => return Ok(true),
                Some(Ok(Page::Missing)) => return Ok(false),
                None | Some(Err(_)) => return Err(End::Close(1011, "database unavailable")),
            };
            for e in events {
                if scope.sees_payload(&e.payload) {
                    let text = Frame::event_text(stream, e.seq, &e.payload);
                    self.push(socket, text.into()).await?;
                }
            }
            self.flush(socket).await?;
        }
    }

    /// Sends a live frame if it is the next of its stream, filling a gap from the log first.
    async fn forward(&mut self, socket: &mut LinkIo, frame: &Frame) -> Result<(), End> {
        if self.access.as_ref() == Some(&frame.stream) {
            return Box::pin(self.access_changed(socket)).await;
        }
        if frame.is_resync() {
            return Box::pin(self.resync(socket, &frame.stream)).await;
        }
        if frame.is_flush() {
            // The fan-out wrote into the socket and left bytes behind: they go out with the
            // flush that follows every batch of queued frames.
            return Ok(());
        }
        let Some(sub) = self.subs.get(&frame.stream) else {
            return Ok(());
        };
        let Some(last) = self.handle.link.last(&frame.stream) else {
            return Ok(());
        };
        let scope = sub.scope.clone();
        match follow::step(last, frame.seq) {
            Step::Old => return Ok(()),
            Step::Gap => {
                let mut walk = Walk::to(last, frame.seq - 1);
                if !Box::pin(self.send_log(socket, &frame.stream, &scope, &mut walk)).await? {
                    return Err(End::Close(
                        CLOSE_SLOW_CONSUMER,
                        "lost track of the stream: resubscribe since your last seq",
                    ));
                }
            }
            Step::Next => {}
        }
        if scope == Scope::Whole || scope.sees_payload(frame_payload(&frame.text)) {
            self.push(socket, frame.text.clone()).await?;
        }
        self.handle.link.sent(&frame.stream, frame.seq);
        Ok(())
    }

    /// Leaves `stream` in the hub and in the counters (the caller removed it from `subs`).
    fn forget(&self, stream: &str, sub: &Sub) {
        self.handle.link.forget(stream);
        self.hub().unsubscribe(stream, &self.handle);
        if let Some(shop) = sub.kitchen {
            self.hub().metrics().kitchen_display(shop, -1);
        }
        if let Some(s) = Stream::parse(stream) {
            self.hub().metrics().subscriptions[super::metrics::kind_index(&s)]
                .fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Reads the account behind the connection's session again: closes the connection when
    /// the session ended, and keeps the roles current.
    async fn reload_caller(&mut self) -> Result<(), End> {
        let Some(session) = self.session.clone() else {
            return Ok(());
        };
        let catalogue = self.hub().catalogue().clone();
        let user = self
            .hub()
            .on_requests(async move { catalogue.account(&session).await })
            .await;
        match user {
            Some(Ok(Some(user))) => {
                self.caller = Caller(Some(user));
                Ok(())
            }
            Some(Ok(None)) => Err(End::Close(CLOSE_SESSION_ENDED, SESSION_ENDED)),
            _ => Err(End::Close(1011, "database unavailable")),
        }
    }

    /// What of `stream` the caller may read now, checked on the request runtime.
    async fn authorise(&self, stream: &Stream) -> Result<Result<Scope, (ErrorCode, String)>, End> {
        let (catalogue, caller, stream) = (
            self.hub().catalogue().clone(),
            self.caller.clone(),
            stream.clone(),
        );
        self.hub()
            .on_requests(async move { catalogue.authorise(&caller, &stream).await })
            .await
            .ok_or(End::Close(1011, "server shutting down"))
    }

    /// The account's access changed (logout, role granted or taken away): the session is read
    /// again and every subscription authorised again; those no longer allowed end with an
    /// `error` naming the stream.
    async fn access_changed(&mut self, socket: &mut LinkIo) -> Result<(), End> {
        let epoch = self.handle.link.access_epoch();
        self.reload_caller().await?;
        let names: Vec<Arc<str>> = self.subs.keys().cloned().collect();
        for name in names {
            let Some(stream) = Stream::parse(&name) else {
                continue;
            };
            match self.authorise(&stream).await? {
                Ok(scope) => {
                    let still_cook = |shop| {
                        self.caller
                            .0
                            .as_ref()
                            .is_some_and(|u| u.has_role(shop, StaffRole::Cook))
                    };
                    let mut left_kitchen = None;
                    if let Some(sub) = self.subs.get(&name)
                        && let Some(shop) = sub.kitchen
                        && !still_cook(shop)
                    {
                        left_kitchen = Some(shop);
                    }
                    if self.direct(&name, &scope) {
                        self.handle.link.go_direct(&name, epoch);
                    } else {
                        self.handle.link.hold(&name);
                    }
                    if let Some(sub) = self.subs.get_mut(&name) {
                        sub.scope = scope;
                        sub.epoch = epoch;
                        if left_kitchen.is_some() {
                            sub.kitchen = None;
                        }
                    }
                    if let Some(shop) = left_kitchen {
                        self.hub().metrics().kitchen_display(shop, -1);
                    }
                }
                Err((code, message)) => {
                    if let Some(sub) = self.subs.remove(&name) {
                        self.forget(&name, &sub);
                    }
                    let msg = ServerMsg::Error {
                        code,
                        message,
                        stream: Some(name.to_string()),
                    };
                    self.send(socket, &msg).await?;
                }
            }
        }
        Ok(())
    }
}

/// What woke a connection.
enum Woke {
    Frame(Arc<Frame>),
    Message(Option<Result<Message, axum::Error>>),
    Drain,
    Ping,
}

/// The next thing a connection has to do. The queue first: a woken connection almost always
/// has a frame to send, and then looks at nothing else (the queue empties in one go, so the
/// rest is looked at as soon as it is empty). The socket and the timers are polled only when
/// their wakers fired since they were last polled ([`Wakes`]).
fn next_wake(
    cx: &mut Context<'_>,
    wakes: &Wakes,
    rx: &mut mpsc::Receiver<Arc<Frame>>,
    socket: &mut LinkIo,
    drain: &mut Pin<&mut impl Future<Output = ()>>,
    ping: &mut tokio::time::Interval,
) -> Poll<Woke> {
    let woken = wakes.take(cx.waker());
    if let Poll::Ready(Some(frame)) = rx.poll_recv(cx) {
        wakes.again(woken);
        return Poll::Ready(Woke::Frame(frame));
    }
    if woken & wakes::READ != 0
        && let Poll::Ready(incoming) =
            socket.poll_next_unpin(&mut Context::from_waker(wakes.read()))
    {
        // Tungstenite may hold more messages already read: look again next time.
        wakes.again(woken);
        return Poll::Ready(Woke::Message(incoming));
    }
    if woken & wakes::TIMERS != 0 {
        let mut timers = Context::from_waker(wakes.timers());
        if drain.as_mut().poll(&mut timers).is_ready() {
            return Poll::Ready(Woke::Drain);
        }
        if ping.poll_tick(&mut timers).is_ready() {
            wakes.again(wakes::TIMERS);
            return Poll::Ready(Woke::Ping);
        }
    }
    Poll::Pending
}

/// The `event` part of an encoded event frame (see [`Frame::new`]).
fn frame_payload(text: &str) -> &str {
    text.find(r#","event":"#)
        .map_or("", |i| &text[i + r#","event":"#.len()..text.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The size of the future `f` returns, without calling it.
    fn future_size<A, B, C, F: Future>(_: impl FnOnce(A, B, C) -> F) -> usize {
        std::mem::size_of::<F>()
    }

    /// Every idle connection holds its task for hours: rare paths (client messages, gaps,
    /// access changes, database work) are boxed and must stay out of it.
    #[test]
    fn a_connection_task_stays_small() {
        let size = future_size(Conn::run);
        assert!(size <= 1_600, "a connection's future takes {size} bytes");
    }
}
