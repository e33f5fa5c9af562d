//! Talking to systemd (`Type=notify` units, see `systemd/`): `READY=1` once the server can
//! answer, `WATCHDOG=1` keep-alives while the request runtime runs, `STOPPING=1` on shutdown.
//! Outside systemd (`NOTIFY_SOCKET` unset) and on other systems every call does nothing.

use std::time::Duration;

/// Tells systemd the server is ready: migrations ran and the listener is bound.
pub fn ready() {
    #[cfg(target_os = "linux")]
    send("READY=1\n");
}

/// Tells systemd the server is shutting down (in-flight requests still finish).
pub fn stopping() {
    #[cfg(target_os = "linux")]
    send("STOPPING=1\n");
}

/// When the unit has a watchdog (`WatchdogSec=`), sends keep-alives at half its interval from
/// a task on the current runtime: if the runtime wedges, they stop and systemd restarts us.
pub fn spawn_watchdog() {
    let Some(interval) = watchdog_interval() else {
        return;
    };
    tracing::info!(every = ?interval / 2, "sending systemd watchdog keep-alives");
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval / 2);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            #[cfg(target_os = "linux")]
            send("WATCHDOG=1\n");
        }
    });
}

fn watchdog_interval() -> Option<Duration> {
    #[cfg(target_os = "linux")]
    return sd_notify::watchdog_enabled().filter(|d| !d.is_zero());
    #[cfg(not(target_os = "linux"))]
    None
}

/// Sends one notification without ever blocking: a worker thread stuck on a full notify
/// socket would stall the runtime (and a shutdown with it). A message that cannot be queued
/// at once is dropped and logged; systemd reads its socket continuously.
#[cfg(target_os = "linux")]
fn send(message: &str) {
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::net::{SocketAddr, UnixDatagram};
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    let sent = UnixDatagram::unbound().and_then(|socket| {
        socket.set_nonblocking(true)?;
        let address = match path.as_bytes().strip_prefix(b"@") {
            Some(name) => SocketAddr::from_abstract_name(name)?,
            None => SocketAddr::from_pathname(&path)?,
        };
        socket.send_to_addr(message.as_bytes(), &address)
    });
    if let Err(e) = sent {
        tracing::warn!(error = %e, "could not notify systemd");
    }
}
