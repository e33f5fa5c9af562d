//! Where the server listens: the listening socket, handed over by systemd or bound here. How it
//! lets go without losing a request is [`crate::drain`]'s.
//!
//! **Socket hand-over.** Under `ocpizza.socket` systemd owns the listening socket and passes
//! it to each process it starts (`LISTEN_FDS`/`LISTEN_PID`, the socket as fd 3). The socket
//! outlives the process: during `systemctl restart`, connections that arrive while the old
//! process drains and the new one starts wait in the socket's backlog and are accepted by the
//! new process; none is refused.

use std::net::SocketAddr;
use tokio::net::TcpListener;

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
