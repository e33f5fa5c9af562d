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
}

#[derive(Debug, Clone, Copy)]
struct Sent {
    last: i64,
    /// Whether the fan-out may write this stream's next frames itself.
    direct: bool,
}

/// What became of a frame offered for a direct write.
#[derive(Debug, PartialEq, Eq)]
pub enum Direct {
    /// Written (and flushed).
    Sent,
    /// Written, but the socket did not take all of it: the task must flush.
    Unflushed,
    /// Not written: it goes through the queue.
    Queue,
    /// The socket refused it (closed, or its buffer is full).
    Failed,
}

impl Link {
    /// Wraps an upgraded socket.
    pub fn new(ws: WebSocket) -> Arc<Link> {
        Arc::new(Link {
            state: Mutex::new(State {
                ws,
                blocked: false,
                streams: HashMap::new(),
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

    /// Follows `stream` from `last`, through the queue only until [`Link::go_direct`].
    pub fn follow(&self, stream: &Arc<str>, last: i64) {
        let sent = Sent {
            last,
            direct: false,
        };
        self.lock().streams.insert(stream.clone(), sent);
    }

    /// Records that `seq` of `stream` was sent (by the task).
    pub fn sent(&self, stream: &str, seq: i64) {
        if let Some(s) = self.lock().streams.get_mut(stream) {
            s.last = seq;
        }
    }

    /// Lets (or stops letting) the fan-out write `stream`'s next frames itself.
    pub fn go_direct(&self, stream: &str, direct: bool) {
        if let Some(s) = self.lock().streams.get_mut(stream) {
            s.direct = direct;
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
            Poll::Ready(Err(_)) => return Direct::Failed,
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
            return Direct::Failed;
        }
        sent.last = frame.seq;
        match ws.poll_flush_unpin(&mut cx) {
            Poll::Ready(Ok(())) => Direct::Sent,
            Poll::Ready(Err(_)) => Direct::Failed,
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
