//! A connection's socket, shared by its task and the hub's fan-out.
//!
//! A live frame for a connection that is up to date on the frame's stream, with nothing of
//! that stream queued, is written by the fan-out itself, straight into the socket: no queue, no
//! task woken, no poll of the connection. Everything else goes through the connection's queue
//! and its task as before: a connection that is behind (replaying, filling a gap, just
//! subscribed), a resync, a subscription seen only in part, the account's own stream, a socket
//! that cannot take more.
//!
//! Both sides reach the socket through one lock, and the last sequence sent of each stream is
//! kept under the same lock: a frame is written directly only if it is the next one of its
//! stream, so the two paths never reorder a stream.
//!
//! On the server's own connections the fan-out writes the frame's bytes, framed once for every
//! recipient ([`Frame::wire`]), into the socket's writing side ([`Wire`]), beside tungstenite
//! rather than through it: only while tungstenite holds no frame it has not written
//! ([`State::pending`]) and the connection is not closing ([`State::closed`]); [`Wire`] sees to
//! the bytes in flight. Elsewhere (a socket the server did not accept itself) it writes through
//! tungstenite.
//!
//! Either way, tokio keeps one waker for a socket's writes. The fan-out writes with a waker
//! that does nothing, so it never writes while the task waits for the socket to drain
//! (`blocked`); when its own write leaves bytes behind, it marks the socket blocked and the
//! hub queues a [`Frame::flush`](super::Frame::flush), and the task finishes the write with
//! its own waker.

use super::Frame;
use crate::wire::{Wire, Wrote};
use axum::Error;
use axum::extract::ws::{Message, WebSocket};
use bytes::Bytes;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use smallvec::SmallVec;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// The socket and what was sent on it.
#[derive(Debug)]
pub struct Link {
    state: Mutex<State>,
}

/// Laid out as written, what every delivery reads first: the fan-out visits thousands of
/// connections per event, each a cold cache line, so the lock, the flags, the socket's writing
/// side and the followed streams sit together at the start (see [`Followed`]).
#[derive(Debug)]
#[repr(C)]
struct State {
    /// The task handed tungstenite a message it has not flushed yet: tungstenite may hold
    /// bytes that must go out before anything written beside it.
    pending: bool,
    /// The connection is closing (a close frame was sent or received, or reading ended):
    /// nothing is written beside tungstenite any more.
    closed: bool,
    /// The task waits for the socket to take more: its waker must stay registered.
    blocked: bool,
    /// The socket's writing side, on the server's own connections.
    wire: Option<Arc<Wire>>,
    /// Stream → the last sequence sent of it.
    streams: Followed,
    /// The account's own stream: a frame of it makes the task check the caller's access again,
    /// and nothing may go out directly until it has.
    access: Option<Arc<str>>,
    /// How many frames of `access` were queued: a stream authorised before the last of them
    /// may not go direct ([`Link::go_direct`]).
    access_epoch: u64,
    ws: WebSocket,
}

#[derive(Debug, Clone, Copy)]
struct Sent {
    last: i64,
    /// Whether the fan-out may write this stream's next frames itself.
    direct: bool,
    /// A resync is queued: nothing goes out directly until the task sent the fresh snapshot.
    resyncing: bool,
}

/// The streams a connection follows ([`super::conn::MAX_SUBSCRIPTIONS`] at most), looked up at
/// every delivery: a short list beats hashing the name (see [`super::Hub::stream_name`]), and
/// the first few are kept in the state itself rather than in an allocation of their own, one
/// more cold cache line per delivery. A frame's name is the hub's own copy, so the same
/// pointer usually answers without comparing the text.
#[derive(Debug, Default)]
struct Followed(SmallVec<[(Arc<str>, Sent); FOLLOWED_INLINE]>);

/// Streams kept in a connection's state before [`Followed`] spills to the heap: a cook follows
/// two, a manager three or four (with the account's own stream).
const FOLLOWED_INLINE: usize = 4;

impl Followed {
    fn position(&self, stream: &str) -> Option<usize> {
        let same = |(name, _): &(Arc<str>, Sent)| std::ptr::eq(name.as_ref(), stream);
        let equal = |(name, _): &(Arc<str>, Sent)| **name == *stream;
        self.0
            .iter()
            .position(same)
            .or_else(|| self.0.iter().position(equal))
    }

    fn get(&self, stream: &str) -> Option<&Sent> {
        self.position(stream).map(|i| &self.0[i].1)
    }

    fn get_mut(&mut self, stream: &str) -> Option<&mut Sent> {
        self.position(stream).map(|i| &mut self.0[i].1)
    }
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
    /// Wraps an upgraded socket, and its writing side if it is one of the server's own.
    pub fn new(ws: WebSocket, wire: Option<Arc<Wire>>) -> Arc<Link> {
        Arc::new(Link {
            state: Mutex::new(State {
                ws,
                wire,
                pending: false,
                closed: false,
                blocked: false,
                streams: Followed::default(),
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
        let mut state = self.lock();
        match state.streams.get_mut(stream) {
            Some(s) => {
                s.last = last;
                s.direct = false;
            }
            None => state.streams.0.push((
                stream.clone(),
                Sent {
                    last,
                    direct: false,
                    resyncing: false,
                },
            )),
        }
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
            for (_, s) in &mut state.streams.0 {
                s.direct = false;
            }
        } else if frame.is_resync()
            && let Some(s) = state.streams.get_mut(&frame.stream)
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
        self.lock().streams.0.retain(|(name, _)| **name != *stream);
    }

    /// Stops following every stream: nothing more is written directly.
    pub fn forget_all(&self) {
        self.lock().streams.0.clear();
    }

    /// Writes `frame` now if the socket is free, the task is not waiting on it, and the frame
    /// is the next one of a stream followed directly.
    pub fn write_live(&self, frame: &Frame) -> Direct {
        let Ok(mut guard) = self.state.try_lock() else {
            return Direct::Queue;
        };
        let State {
            ws,
            wire,
            pending,
            closed,
            blocked,
            streams,
            ..
        } = &mut *guard;
        let Some(sent) = streams.get_mut(&frame.stream) else {
            return Direct::Queue;
        };
        if *blocked || !sent.direct || sent.last + 1 != frame.seq {
            return Direct::Queue;
        }
        let direct = match wire {
            Some(wire) if !*pending && !*closed => beside(wire, frame),
            Some(_) => return Direct::Queue,
            None => through(ws, frame),
        };
        match direct {
            Direct::Sent => sent.last = frame.seq,
            Direct::Unflushed => {
                sent.last = frame.seq;
                *blocked = true;
            }
            // The frame is queued, which wakes the task: it writes with its own waker.
            Direct::Queue => *blocked = true,
        }
        direct
    }

    /// The task's side of the socket.
    pub fn io(self: &Arc<Self>) -> LinkIo {
        LinkIo(self.clone())
    }
}

/// `text` as a whole WebSocket frame from a server: final, text, unmasked (RFC 6455, 5.2).
pub fn text_frame(text: &str) -> Bytes {
    const FIN_TEXT: u8 = 0x81;
    let len = text.len();
    let mut frame = Vec::with_capacity(len + 10);
    frame.push(FIN_TEXT);
    if len < 126 {
        frame.push(len as u8);
    } else if let Ok(len) = u16::try_from(len) {
        frame.push(126);
        frame.extend_from_slice(&len.to_be_bytes());
    } else {
        frame.push(127);
        frame.extend_from_slice(&(len as u64).to_be_bytes());
    }
    frame.extend_from_slice(text.as_bytes());
    frame.into()
}

/// Writes a frame's bytes into the socket beside tungstenite.
fn beside(wire: &Wire, frame: &Frame) -> Direct {
    match wire.write_frame(&frame.wire) {
        Wrote::All => Direct::Sent,
        Wrote::Part => Direct::Unflushed,
        Wrote::Nothing => Direct::Queue,
    }
}

/// Writes a frame through tungstenite.
fn through(ws: &mut WebSocket, frame: &Frame) -> Direct {
    let mut cx = Context::from_waker(Waker::noop());
    match ws.poll_ready_unpin(&mut cx) {
        Poll::Ready(Ok(())) => {}
        Poll::Ready(Err(_)) | Poll::Pending => return Direct::Queue,
    }
    if ws
        .start_send_unpin(Message::Text(frame.text.clone()))
        .is_err()
    {
        return Direct::Queue;
    }
    match ws.poll_flush_unpin(&mut cx) {
        Poll::Ready(Ok(())) => Direct::Sent,
        Poll::Ready(Err(_)) | Poll::Pending => Direct::Unflushed,
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
        let mut state = self.0.lock();
        let next = state.ws.poll_next_unpin(cx);
        if matches!(
            next,
            Poll::Ready(None | Some(Err(_) | Ok(Message::Close(_))))
        ) {
            state.closed = true;
        }
        next
    }
}

impl Sink<Message> for LinkIo {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.write_poll(cx, SinkExt::poll_ready_unpin)
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
        let mut state = self.0.lock();
        state.pending = true;
        if matches!(item, Message::Close(_)) {
            state.closed = true;
        }
        state.ws.start_send_unpin(item)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let mut state = self.0.lock();
        let result = state.ws.poll_flush_unpin(cx);
        state.blocked = result.is_pending();
        if matches!(result, Poll::Ready(Ok(()))) {
            state.pending = false;
        }
        result
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.0.lock().closed = true;
        self.write_poll(cx, SinkExt::poll_close_unpin)
    }
}

#[cfg(test)]
mod tests {
    use super::text_frame;
    use tokio_tungstenite::tungstenite::protocol::frame::Frame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

    /// The frame the fan-out writes is byte for byte the one tungstenite would have written,
    /// at each of the three lengths' encodings and their edges.
    #[test]
    fn a_frame_is_framed_as_tungstenite_frames_it() {
        for len in [0, 1, 125, 126, 127, 852, 65_535, 65_536, 70_000] {
            let text: String = "é".repeat(len / 2) + &"x".repeat(len % 2);
            let mut expected = Vec::new();
            Frame::message(text.clone().into_bytes(), OpCode::Data(Data::Text), true)
                .format(&mut expected)
                .unwrap();
            assert_eq!(&text_frame(&text)[..], &expected[..], "{len} bytes");
        }
    }
}
