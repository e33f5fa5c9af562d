//! Where the server listens and how it lets go: the listening socket (handed over by systemd
//! or bound here), the accept loop, and the drain that lets an update lose no request.
//!
//! **Socket hand-over.** Under `ocpizza@.socket` systemd owns the listening socket and passes
//! it to each process it starts (`LISTEN_FDS`/`LISTEN_PID`, the socket as fd 3). The socket
//! outlives the process: during `systemctl restart`, connections that arrive while the old
//! process drains and the new one starts wait in the socket's backlog and are accepted by the
//! new process; none is refused.
//!
//! **Drain.** On shutdown the loop stops accepting at once (what is still queued goes to the
//! successor), and every connection it accepted is told to finish: an idle keep-alive
//! connection closes, a request in progress completes (with `Connection: close`). A connection
//! accepted just before the drain whose first request has not been read yet gets
//! [`FIRST_REQUEST_GRACE`] to send it and is answered; `axum::serve` (and hyper's graceful
//! shutdown alone) would close it unanswered, which is why this loop is ours. It serves
//! HTTP/1.1 only, which is what nginx speaks to its upstreams.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tower::Service;

/// How long a connection accepted before the drain may take to send its first request.
pub const FIRST_REQUEST_GRACE: Duration = Duration::from_secs(2);

/// The listening socket: the one systemd passed when `LISTEN_FDS` (and `LISTEN_PID`, when
/// set, naming this process) say so, otherwise `bind` bound here.
pub async fn open(bind: SocketAddr) -> anyhow::Result<TcpListener> {
    use anyhow::Context;
    let mut fds = listenfd::ListenFd::from_env();
    if fds.len() > 1 {
        tracing::warn!(
            sockets = fds.len(),
            "several sockets passed (LISTEN_FDS): only the first is served"
        );
    }
    if fds.len() > 0 {
        let std = fds
            .take_tcp_listener(0)
            .context("the socket passed by systemd (LISTEN_FDS, fd 3)")?
            .context("the socket passed by systemd (fd 3) was already taken")?;
        std.set_nonblocking(true)
            .context("making the passed socket non-blocking")?;
        let listener = TcpListener::from_std(std).context("using the passed socket")?;
        let addr = listener.local_addr()?;
        if addr != bind {
            tracing::warn!(%addr, %bind, "the socket passed by systemd is not the bind address");
        }
        tracing::info!(%addr, "listening on the socket passed by systemd");
        return Ok(listener);
    }
    let listener = TcpListener::bind(bind)
        .await
        .with_context(|| format!("binding {bind}"))?;
    Ok(listener)
}

/// Accepts connections on `listener` and serves `app` on them until `shutdown` resolves,
/// then drains (see the module's documentation) and returns once every accepted
/// connection is done. Upgraded connections (WebSockets) are not waited for: the live hub
/// closes them itself.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (draining, drain) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(&e).await;
                    continue;
                }
            },
        };
        // Nagle's algorithm would hold a live event back while the client's delayed ack for
        // the previous one is pending (up to 40 ms); the hub already writes a connection's
        // backlog in one go, so small writes are what it means to send.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        tokio::spawn(connection(tcp, peer, app.clone(), drain.clone()));
    }
    drop(listener);
    draining.send_replace(true);
    drop(drain);
    // Every connection task holds a receiver: this resolves when the last one ended.
    draining.closed().await;
    Ok(())
}

/// Serves one connection until it ends, or until the drain lets it go.
async fn connection(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    app: Router,
    mut drain: watch::Receiver<bool>,
) {
    let first = Arc::new(FirstRequest::default());
    let service = {
        let first = first.clone();
        hyper::service::service_fn(move |req: Request<Incoming>| {
            first.arrived();
            let mut req = req.map(Body::new);
            req.extensions_mut().insert(ConnectInfo(peer));
            let mut app = app.clone();
            async move { Ok::<_, Infallible>(app.call(req).await.unwrap_or_else(|e| match e {})) }
        })
    };
    let conn = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(tcp), service)
        .with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => return ended(result),
        _ = drain.wait_for(|draining| *draining) => {}
    }
    // hyper's graceful shutdown closes a connection on which it has read nothing yet, even
    // when the request is already on its way: wait for that first request (within the grace)
    // before asking for it.
    if !first.seen.load(Ordering::Acquire) {
        tokio::select! {
            result = conn.as_mut() => return ended(result),
            () = first.notify.notified() => {}
            () = tokio::time::sleep(FIRST_REQUEST_GRACE) => {
                tracing::debug!("closing a connection that sent no request while draining");
                return;
            }
        }
    }
    // Idle keep-alive: closed now. Request in progress: answered, then the connection closes.
    conn.as_mut().graceful_shutdown();
    ended(conn.await);
}

/// Whether a connection's first request arrived, and a wake-up when it does.
#[derive(Debug, Default)]
struct FirstRequest {
    seen: AtomicBool,
    notify: Notify,
}

impl FirstRequest {
    /// Called on every request; only the first one wakes the waiter.
    fn arrived(&self) {
        if !self.seen.swap(true, Ordering::AcqRel) {
            self.notify.notify_one();
        }
    }
}

fn ended(result: Result<(), hyper::Error>) {
    if let Err(e) = result {
        tracing::debug!(error = %e, "connection ended with an error");
    }
}

/// A failed `accept`: a connection reset before it was accepted is nothing; running out of
/// file descriptors or memory is logged, and accepting pauses a moment rather than spin.
async fn accept_failed(e: &std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::ConnectionRefused
    ) {
        return;
    }
    tracing::error!(error = %e, "accepting a connection failed");
    tokio::time::sleep(Duration::from_millis(100)).await;
}
