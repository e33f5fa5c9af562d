//! Stopping without failing a request behind a load balancer.
//!
//! nginx keeps idle connections to each instance open and reuses them. If a stopping server
//! simply closed its idle connections, nginx could write a request on one at the very moment
//! it closes: the request is lost on a connection that was already sent it, and nginx does
//! not retry a `POST` then (it cannot know whether the order was taken), so the client gets
//! a 502. So on SIGTERM the server:
//!
//! 1. closes its listening socket: a new connection is refused, which nginx retries on the
//!    other instance, whatever the method;
//! 2. keeps serving the connections it has, answering each request with `Connection: close`,
//!    so that nginx drops the connection itself once it has the answer;
//! 3. waits until nginx closed them all, at most [`IDLE_GRACE`] (longer than the
//!    `keepalive_timeout` of the upstream in `nginx/ocpizza.conf`, after which nginx closes
//!    a connection it left idle), before the usual graceful shutdown closes what remains.

use crate::wire::Wire;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, Version, header};
use axum::middleware::Next;
use axum::response::Response;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::watch;

/// Longest the server waits for its clients to close their connections once it stops.
pub const IDLE_GRACE: Duration = Duration::from_secs(5);

/// The drain switch and the count of open connections; cheap to clone.
#[derive(Debug, Clone)]
pub struct Drain {
    draining: watch::Sender<bool>,
    open: Arc<AtomicUsize>,
}

impl Default for Drain {
    fn default() -> Self {
        Drain {
            draining: watch::Sender::new(false),
            open: Arc::new(AtomicUsize::new(0)),
        }
    }
}

impl Drain {
    /// Wraps `listener` so that it stops accepting when draining starts and counts the
    /// connections it accepted while they are open.
    pub fn listener(&self, listener: TcpListener) -> DrainListener {
        DrainListener {
            inner: Some(listener),
            draining: self.draining.subscribe(),
            open: self.open.clone(),
        }
    }

    /// Starts draining: no new connection, `Connection: close` on every answer.
    pub fn start(&self) {
        self.draining.send_replace(true);
    }

    /// Whether draining started.
    pub fn is_draining(&self) -> bool {
        *self.draining.borrow()
    }

    /// Connections accepted and not closed yet.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// Waits until every connection is closed, at most `limit`.
    pub async fn closed(&self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while self.open() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Middleware: while draining, every HTTP/1 answer (but a WebSocket's `101`) says
/// `Connection: close`.
pub async fn close_when_draining(State(drain): State<Drain>, req: Request, next: Next) -> Response {
    let http1 = req.version() <= Version::HTTP_11;
    let mut response = next.run(req).await;
    if http1 && drain.is_draining() && response.status() != StatusCode::SWITCHING_PROTOCOLS {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// A listener that closes its socket when draining starts (see [`Drain::listener`]).
#[derive(Debug)]
pub struct DrainListener {
    inner: Option<TcpListener>,
    draining: watch::Receiver<bool>,
    open: Arc<AtomicUsize>,
}

impl axum::serve::Listener for DrainListener {
    type Io = Counted;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Counted, SocketAddr) {
        loop {
            let Some(listener) = &self.inner else {
                // Closed: the server stops once its shutdown signal completes.
                return std::future::pending().await;
            };
            if *self.draining.borrow_and_update() {
                self.inner = None;
                continue;
            }
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((tcp, addr)) => {
                        self.open.fetch_add(1, Ordering::Relaxed);
                        // Nagle's algorithm would hold a live event back while the client's
                        // delayed ack for the previous one is pending (up to 40 ms); the hub
                        // already writes a connection's backlog in one go, so small writes are
                        // what it means to send.
                        if let Err(e) = tcp.set_nodelay(true) {
                            tracing::debug!(error = %e, "could not set TCP_NODELAY");
                        }
                        let (read, write) = tcp.into_split();
                        let wire = Arc::new(Wire::new(write));
                        return (Counted { read, wire, open: self.open.clone() }, addr);
                    }
                    Err(e) => {
                        // Out of file descriptors and the like: wait rather than spin.
                        tracing::warn!(error = %e, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
                changed = self.draining.changed() => {
                    if changed.is_err() || *self.draining.borrow_and_update() {
                        self.inner = None;
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.as_ref().map_or_else(
            || Err(io::ErrorKind::NotConnected.into()),
            TcpListener::local_addr,
        )
    }
}

/// An accepted connection, counted as open until dropped. Its writing side is shared with the
/// live hub once the connection is a WebSocket ([`Counted::wire`]).
#[derive(Debug)]
pub struct Counted {
    read: OwnedReadHalf,
    wire: Arc<Wire>,
    open: Arc<AtomicUsize>,
}

impl Counted {
    /// The connection's writing side.
    pub fn wire(&self) -> &Arc<Wire> {
        &self.wire
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.read).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.wire.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.wire.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.wire.poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.wire.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.read.as_ref().is_write_vectored()
    }
}
