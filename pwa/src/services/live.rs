//! The live WebSocket: one connection per page that needs it, resuming every subscription from
//! the last sequence it saw after any disconnection, with exponential backoff and full jitter so
//! that a restarted server is not hit by every screen at once.
//!
//! A phone losing its network may keep a socket that looks open for a long time (the server's
//! pings only detect it after two unanswered ones). So the screen also listens to the browser's
//! `offline` and `online` events — offline at once, reconnecting as soon as the network is back —
//! and sends its own small ping when the connection has been quiet: a ping left unanswered for
//! [`super::heartbeat::HEARTBEAT_DEADLINE_MS`] drops the socket and shows the screen offline.

use super::heartbeat::{Beat, Heartbeat};
use crate::state::Connection;
use ocpizza_proto::ws::{CLOSE_SERVICE_RESTART, ClientMsg, PROTOCOL_VERSION, ServerMsg};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{CloseEvent, MessageEvent, WebSocket};
use yew::Callback;

/// First retry delay.
pub const BACKOFF_BASE_MS: u32 = 500;
/// Longest retry delay.
pub const BACKOFF_CAP_MS: u32 = 15_000;
/// How often the heartbeat is checked.
const HEARTBEAT_CHECK_MS: u32 = 1_000;

/// Delay before retry number `attempt` (0-based), given `random` in `[0, 1)`: uniformly
/// between 0 and `min(cap, base × 2^attempt)` ("full jitter").
pub fn backoff_ms(attempt: u32, random: f64) -> u32 {
    let ceiling = BACKOFF_BASE_MS
        .saturating_mul(1 << attempt.min(16))
        .min(BACKOFF_CAP_MS);
    (f64::from(ceiling) * random.clamp(0.0, 1.0)) as u32
}

/// What the screen shows once the connection closed with `code`: a server stopping on
/// purpose ("service restart", 1012: an update, another instance or the restarted one takes over) is a
/// reconnection under way, not an outage; anything else is offline until an attempt succeeds.
pub fn state_after_close(code: u16) -> Connection {
    if code == CLOSE_SERVICE_RESTART {
        Connection::Connecting
    } else {
        Connection::Offline
    }
}

/// The resume points of the subscriptions: stream → last sequence seen (`None` = snapshot).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Resume(BTreeMap<String, Option<i64>>);

impl Resume {
    /// Remembers a subscription.
    pub fn add(&mut self, stream: &str, since: Option<i64>) {
        self.0.insert(stream.to_owned(), since);
    }

    /// Advances the resume point from a server message. A snapshot sets it, even back: the
    /// server sends one with a lower sequence when the event log was restored from a backup,
    /// and what was seen after that sequence no longer exists.
    pub fn observe(&mut self, msg: &ServerMsg) {
        let (stream, seq) = match msg {
            ServerMsg::Snapshot { stream, seq, .. } => {
                if let Some(last) = self.0.get_mut(stream) {
                    *last = Some(*seq);
                }
                return;
            }
            ServerMsg::Event { stream, seq, .. } | ServerMsg::Subscribed { stream, seq } => {
                (stream, *seq)
            }
            _ => return,
        };
        if let Some(last) = self.0.get_mut(stream) {
            *last = Some(last.map_or(seq, |l| l.max(seq)));
        }
    }

    /// The `subscribe` messages to send after (re)connecting.
    pub fn messages(&self) -> Vec<ClientMsg> {
        self.0
            .iter()
            .map(|(stream, since)| ClientMsg::Subscribe {
                stream: stream.clone(),
                since: *since,
            })
            .collect()
    }
}

struct Inner {
    socket: Option<WebSocket>,
    resume: Resume,
    attempt: u32,
    stopped: bool,
    on_message: Callback<ServerMsg>,
    on_state: Callback<Connection>,
    retry: Option<gloo::timers::callback::Timeout>,
    /// Keeps the JavaScript callbacks alive as long as the socket.
    handlers: Vec<Box<dyn std::any::Any>>,
    heartbeat: Heartbeat,
    /// The heartbeat's timer and the `online`/`offline` listeners, for the connection's life.
    watchers: Vec<Box<dyn std::any::Any>>,
}

/// A self-healing live connection.
#[derive(Clone)]
pub struct Live {
    inner: Rc<RefCell<Inner>>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Live")
    }
}

fn url() -> String {
    let location = gloo::utils::window().location();
    let scheme = if location.protocol().ok().as_deref() == Some("https:") {
        "wss"
    } else {
        "ws"
    };
    format!(
        "{scheme}://{}/api/v1/ws",
        location.host().unwrap_or_default()
    )
}

fn send(socket: &WebSocket, msg: &ClientMsg) {
    if let Ok(text) = serde_json::to_string(msg) {
        let _ = socket.send_with_str(&text);
    }
}

impl Live {
    /// Opens the connection; messages and state changes go to the callbacks.
    pub fn connect(on_message: Callback<ServerMsg>, on_state: Callback<Connection>) -> Live {
        let live = Live {
            inner: Rc::new(RefCell::new(Inner {
                socket: None,
                resume: Resume::default(),
                attempt: 0,
                stopped: false,
                on_message,
                on_state,
                retry: None,
                handlers: Vec::new(),
                heartbeat: Heartbeat::default(),
                watchers: Vec::new(),
            })),
        };
        live.watch();
        live.open();
        live
    }

    /// Follows `stream` from `since` (or from a snapshot), now and after every reconnection.
    pub fn subscribe(&self, stream: &str, since: Option<i64>) {
        let mut inner = self.inner.borrow_mut();
        inner.resume.add(stream, since);
        if let Some(socket) = inner
            .socket
            .as_ref()
            .filter(|s| s.ready_state() == WebSocket::OPEN)
        {
            send(
                socket,
                &ClientMsg::Subscribe {
                    stream: stream.to_owned(),
                    since,
                },
            );
        }
    }

    /// Closes for good (the page went away).
    pub fn stop(&self) {
        let mut inner = self.inner.borrow_mut();
        inner.stopped = true;
        inner.retry = None;
        inner.watchers.clear();
        if let Some(socket) = inner.socket.take() {
            let _ = socket.close();
        }
    }

    fn open(&self) {
        if !network_up() {
            // The `online` listener opens it when the network is back.
            self.inner.borrow().on_state.emit(Connection::Offline);
            return;
        }
        let Ok(socket) = WebSocket::new(&url()) else {
            self.schedule_retry();
            return;
        };
        self.inner.borrow().on_state.emit(Connection::Connecting);
        let weak = Rc::downgrade(&self.inner);
        let on_open = Closure::<dyn FnMut()>::new({
            let weak = weak.clone();
            move || {
                let Some(inner) = weak.upgrade() else { return };
                let mut inner = inner.borrow_mut();
                inner.attempt = 0;
                inner.heartbeat.heard(js_sys::Date::now());
                if let Some(socket) = &inner.socket {
                    send(
                        socket,
                        &ClientMsg::Hello {
                            protocol: PROTOCOL_VERSION,
                        },
                    );
                    for msg in inner.resume.messages() {
                        send(socket, &msg);
                    }
                }
                inner.on_state.emit(Connection::Online);
            }
        });
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new({
            let weak = weak.clone();
            move |event: MessageEvent| {
                let Some(inner) = weak.upgrade() else { return };
                let Some(text) = event.data().as_string() else {
                    return;
                };
                let Ok(msg) = serde_json::from_str::<ServerMsg>(&text) else {
                    return;
                };
                let callback = {
                    let mut inner = inner.borrow_mut();
                    inner.heartbeat.heard(js_sys::Date::now());
                    inner.resume.observe(&msg);
                    inner.on_message.clone()
                };
                callback.emit(msg);
            }
        });
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new({
            let live = self.clone();
            move |event: CloseEvent| live.on_closed(event.code())
        });
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let mut inner = self.inner.borrow_mut();
        inner.socket = Some(socket);
        inner.handlers = vec![Box::new(on_open), Box::new(on_message), Box::new(on_close)];
    }

    fn on_closed(&self, code: u16) {
        if self.inner.borrow().stopped {
            return;
        }
        self.inner.borrow().on_state.emit(state_after_close(code));
        self.schedule_retry();
    }

    /// Listens to the network going and coming back, and checks the heartbeat every second.
    fn watch(&self) {
        let window = gloo::utils::window();
        let weak = Rc::downgrade(&self.inner);
        let revive = |weak: std::rc::Weak<RefCell<Inner>>| {
            move || weak.upgrade().map(|inner| Live { inner })
        };
        let offline = {
            let live = revive(weak.clone());
            gloo::events::EventListener::new(&window, "offline", move |_| {
                if let Some(live) = live() {
                    live.drop_socket(Connection::Offline);
                }
            })
        };
        let online = {
            let live = revive(weak.clone());
            gloo::events::EventListener::new(&window, "online", move |_| {
                if let Some(live) = live() {
                    live.reconnect_now();
                }
            })
        };
        let beat = {
            let live = revive(weak);
            gloo::timers::callback::Interval::new(HEARTBEAT_CHECK_MS, move || {
                if let Some(live) = live() {
                    live.beat();
                }
            })
        };
        self.inner.borrow_mut().watchers =
            vec![Box::new(offline), Box::new(online), Box::new(beat)];
    }

    fn beat(&self) {
        let mut inner = self.inner.borrow_mut();
        let Some(socket) = inner
            .socket
            .clone()
            .filter(|s| s.ready_state() == WebSocket::OPEN)
        else {
            return;
        };
        match inner.heartbeat.check(js_sys::Date::now()) {
            Beat::Quiet => {}
            Beat::Ping => send(&socket, &ClientMsg::Ping { id: None }),
            Beat::Dead => {
                drop(inner);
                self.drop_socket(Connection::Offline);
            }
        }
    }

    /// Gives up on the current socket at once (its close handshake could take long on a dead
    /// network), shows `state` and retries when the network allows.
    fn drop_socket(&self, state: Connection) {
        let socket = {
            let mut inner = self.inner.borrow_mut();
            if inner.stopped {
                return;
            }
            inner.retry = None;
            inner.handlers.clear();
            inner.socket.take()
        };
        if let Some(socket) = socket {
            socket.set_onopen(None);
            socket.set_onmessage(None);
            socket.set_onclose(None);
            let _ = socket.close();
        }
        self.inner.borrow().on_state.emit(state);
        self.schedule_retry();
    }

    /// The network is back: reconnect now rather than at the end of a backoff.
    fn reconnect_now(&self) {
        {
            let mut inner = self.inner.borrow_mut();
            if inner.stopped {
                return;
            }
            let open = inner.socket.as_ref().is_some_and(|s| {
                s.ready_state() == WebSocket::OPEN || s.ready_state() == WebSocket::CONNECTING
            });
            if open {
                return;
            }
            inner.retry = None;
            inner.attempt = 0;
        }
        self.open();
    }

    fn schedule_retry(&self) {
        if !network_up() {
            // No retry while the browser knows it has no network: `online` reconnects.
            return;
        }
        let live = self.clone();
        let mut inner = self.inner.borrow_mut();
        let delay = backoff_ms(inner.attempt, js_sys::Math::random());
        inner.attempt += 1;
        inner.retry = Some(gloo::timers::callback::Timeout::new(delay, move || {
            live.open();
        }));
    }
}

/// Whether the browser believes it has a network (`navigator.onLine`; only its `false` is
/// reliable, so a `true` still goes through the heartbeat).
fn network_up() -> bool {
    gloo::utils::window().navigator().on_line()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_going_away_is_a_reconnection_and_any_other_close_is_offline() {
        assert_eq!(state_after_close(1012), Connection::Connecting);
        assert_eq!(state_after_close(1006), Connection::Offline);
        assert_eq!(state_after_close(4008), Connection::Offline);
        assert_eq!(state_after_close(1000), Connection::Offline);
    }

    #[test]
    fn backoff_grows_exponentially_is_capped_and_fully_jittered() {
        assert_eq!(backoff_ms(0, 0.999_999), BACKOFF_BASE_MS - 1);
        assert_eq!(backoff_ms(3, 0.5), BACKOFF_BASE_MS * 8 / 2);
        assert_eq!(backoff_ms(30, 0.999_999), BACKOFF_CAP_MS - 1);
        assert_eq!(backoff_ms(5, 0.0), 0, "full jitter may retry at once");
    }

    #[test]
    fn a_snapshot_after_a_restore_moves_the_resume_point_back() {
        let mut resume = Resume::default();
        resume.add("shop:1:orders", Some(40));
        resume.observe(&ServerMsg::Snapshot {
            stream: "shop:1:orders".into(),
            seq: 25,
            state: ocpizza_proto::ws::Snapshot::Orders { orders: Vec::new() },
        });
        assert_eq!(
            resume.messages(),
            vec![ClientMsg::Subscribe {
                stream: "shop:1:orders".into(),
                since: Some(25)
            }]
        );
    }

    #[test]
    fn reconnections_resume_each_stream_from_the_last_sequence_seen() {
        let mut resume = Resume::default();
        resume.add("shop:1:menu", Some(10));
        resume.add("order:abc", None);
        resume.observe(&ServerMsg::Subscribed {
            stream: "order:abc".into(),
            seq: 3,
        });
        resume.observe(&ServerMsg::Event {
            stream: "shop:1:menu".into(),
            seq: 12,
            event: ocpizza_proto::events::Event::ShopResumed {
                shop_id: ocpizza_proto::ShopId(1),
            },
        });
        resume.observe(&ServerMsg::Subscribed {
            stream: "shop:1:menu".into(),
            seq: 11,
        });
        resume.observe(&ServerMsg::Subscribed {
            stream: "unknown".into(),
            seq: 99,
        });
        assert_eq!(
            resume.messages(),
            vec![
                ClientMsg::Subscribe {
                    stream: "order:abc".into(),
                    since: Some(3)
                },
                ClientMsg::Subscribe {
                    stream: "shop:1:menu".into(),
                    since: Some(12)
                },
            ]
        );
    }
}
