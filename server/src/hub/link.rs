//! A connection's socket, shared by its task and the hub's fan-out.
//!
//! A live frame for a connection that is up to date on the frame's stream and has nothing
//! queued is written by the fan-out itself, straight into the socket: no queue, no task woken,
//! no poll of the connection. Everything else goes through the connection's queue and its task
//! as before: a connection that is behind (replaying, filling a gap, just subscribed), a
//! resync, a subscription seen only in part, the account's own stream, a socket that cannot
//! take more.
//!
//! Both sides reach the socket through one lock, and the last sequence sent of each stream is
//! kept under the same lock: a frame is written directly only if it is the next one of its
//! stream, so the two paths never reorder a stream.
//!
//! tokio-tungstenite keeps one waker for a socket's writes. The fan-out writes with a waker
//! that does nothing, so it never writes while the task waits for the socket to drain
//! (`blocked`); when its own write leaves bytes behind, it marks the socket blocked and the
//! hub queues a [`Frame::flush`](super::Frame::flush), and the task finishes the write with
//! its own waker.

use super::Frame;
use axum::Error;
use axum::extract::ws::{Message, WebSocket};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// The socket and what was sent on it.
#[derive(Debug)]
pub struct Link {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    ws: WebSocket,
    /// The task waits for the socket to take more: its waker must stay registered.
    blocked: bool,
    /// Stream → the last sequence sent of it.
    streams: HashMap<Arc<str>, Sent>,
    /// The account's own stream: a frame of it makes the task check the caller's access again,
    /// and nothing may go out directly until it has.
    access: Option<Arc<str>>,
    /// How many frames of `access` were queued: a stream authorised before the last of them
    /// may not go direct ([`Link::go_direct`]).
    access_epoch: u64,
}

#[derive(Debug, Clone, Copy)]
struct Sent {
    last: i64,
    /// Whether the fan-out may write this stream's next frames itself.
    direct: bool,
    /// A resync is queued: nothing goes out directly until the task sent the fresh snapshot.
    resyncing: bool,
}

/// What became of a frame offered for a direct write.
#[derive(Debug, PartialEq, Eq)]
pub enum Direct {
    /// Written (and flushed).
    Sent,
    /// Written, but the socket did not take all of it (or refused it): the task must flush,
    /// and meets the error itself if there is one.
    Unflushed,
    /// Not written: it goes through the queue (whose task meets the socket's error, if any).
    Queue,
}

impl Link {
    /// Wraps an upgraded socket.
    pub fn new(ws: WebSocket) -> Arc<Link> {
        Arc::new(Link {
            state: Mutex::new(State {
                ws,
                blocked: false,
                streams: HashMap::new(),
                access: None,
                access_epoch: 0,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("link lock")
    }

    /// The last sequence of `stream` sent, if it is followed.
    pub fn last(&self, stream: &str) -> Option<i64> {
        self.lock().streams.get(stream).map(|s| s.last)
    }

    /// Follows `stream` from `last`, through the queue only until [`Link::go_direct`] (a
    /// resync already pending stays pending).
    pub fn follow(&self, stream: &Arc<str>, last: i64) {
        self.lock()
            .streams
            .entry(stream.clone())
            .and_modify(|s| {
                s.last = last;
                s.direct = false;
            })
            .or_insert(Sent {
                last,
                direct: false,
                resyncing: false,
            });
    }

    /// The access epoch ([`State::access_epoch`]): read it before authorising a stream, and
    /// give it to [`Link::go_direct`].
    pub fn access_epoch(&self) -> u64 {
        self.lock().access_epoch
    }

    /// Names the account's own stream ([`State::access`]).
    pub fn set_access(&self, stream: &Arc<str>) {
        self.lock().access = Some(stream.clone());
    }

    /// Called before `frame` is queued: a frame of the account's own stream stops every direct
    /// write until the task checked the caller's access again (and lets through, with
    /// [`Link::go_direct`], what is still allowed); a resync stops those of its stream until
    /// [`Link::resynced`].
    pub fn before_queueing(&self, frame: &Frame) {
        let mut state = self.lock();
        // The task treats any frame of the account's stream, a resync too, as an access change.
        if state.access.as_deref() == Some(&*frame.stream) {
            state.access_epoch += 1;
            for s in state.streams.values_mut() {
                s.direct = false;
            }
        } else if frame.is_resync()
            && let Some(s) = state.streams.get_mut(&*frame.stream)
        {
            s.direct = false;
            s.resyncing = true;
        }
    }

    /// The task sent `stream`'s fresh snapshot, at `at` (still through the queue until
    /// [`Link::go_direct`]).
    pub fn resynced(&self, stream: &str, at: i64) {
        if let Some(s) = self.lock().streams.get_mut(stream) {
            s.last = at;
            s.resyncing = false;
        }
    }

    /// Records that `seq` of `stream` was sent (by the task).
    pub fn sent(&self, stream: &str, seq: i64) {
        if let Some(s) = self.lock().streams.get_mut(stream) {
            s.last = seq;
        }
    }

    /// Lets the fan-out write `stream`'s next frames itself, authorised when the access epoch
    /// was `epoch`: not if the caller's access changed since (the task's next access check
    /// decides), nor while a resync of the stream is pending.
    pub fn go_direct(&self, stream: &str, epoch: u64) {
        let mut state = self.lock();
        let current = state.access_epoch == epoch;
        if let Some(s) = state.streams.get_mut(stream) {
            s.direct = current && !s.resyncing;
        }
    }

    /// Sends `stream`'s next frames through the queue.
    pub fn hold(&self, stream: &str) {
        if let Some(s) = self.lock().streams.get_mut(stream) {
            s.direct = false;
        }
    }

    /// Stops following `stream`.
    pub fn forget(&self, stream: &str) {
        self.lock().streams.remove(stream);
    }

    /// Stops following every stream: nothing more is written directly.
    pub fn forget_all(&self) {
        self.lock().streams.clear();
    }

    /// Writes `frame` now if the socket is free, the task is not waiting on it, and the frame
    /// is the next one of a stream followed directly.
    pub fn write_live(&self, frame: &Frame) -> Direct {
        let Ok(mut guard) = self.state.try_lock() else {
            return Direct::Queue;
        };
        let State {
            ws,
            blocked,
            streams,
            ..
        } = &mut *guard;
        let Some(sent) = streams.get_mut(&*frame.stream) else {
            return Direct::Queue;
        };
        if *blocked || !sent.direct || sent.last + 1 != frame.seq {
            return Direct::Queue;
        }
        let mut cx = Context::from_waker(Waker::noop());
        match ws.poll_ready_unpin(&mut cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(_)) => return Direct::Queue,
            Poll::Pending => {
                // The frame is queued, which wakes the task: it writes with its own waker.
                *blocked = true;
                return Direct::Queue;
            }
        }
        if ws
            .start_send_unpin(Message::Text(frame.text.clone()))
            .is_err()
        {
            return Direct::Queue;
        }
        sent.last = frame.seq;
        match ws.poll_flush_unpin(&mut cx) {
            Poll::Ready(Ok(())) => Direct::Sent,
            Poll::Ready(Err(_)) => Direct::Unflushed,
            Poll::Pending => {
                *blocked = true;
                Direct::Unflushed
            }
        }
    }

    /// The task's side of the socket.
    pub fn io(self: &Arc<Self>) -> LinkIo {
        LinkIo(self.clone())
    }
}

/// The socket as the connection's task reads and writes it: each poll takes the lock, and a
/// write that has to wait marks the socket blocked while the task's waker is registered.
#[derive(Debug)]
pub struct LinkIo(Arc<Link>);

impl LinkIo {
    fn write_poll(
        &self,
        cx: &mut Context<'_>,
        poll: impl FnOnce(&mut WebSocket, &mut Context<'_>) -> Poll<Result<(), Error>>,
    ) -> Poll<Result<(), Error>> {
        let mut state = self.0.lock();
        let result = poll(&mut state.ws, cx);
        state.blocked = result.is_pending();
        result
    }
}

impl Stream for LinkIo {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.lock().ws.poll_next_unpin(cx)
    }
}

impl Sink<Message> for LinkIo {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.write_poll(cx, SinkExt::poll_ready_unpin)
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
        self.0.lock().ws.start_send_unpin(item)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.write_poll(cx, SinkExt::poll_flush_unpin)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.write_poll(cx, SinkExt::poll_close_unpin)
    }
}
