//! Talking to systemd (`Type=notify` units, see `systemd/`): `READY=1` once the server can
//! answer, `WATCHDOG=1` keep-alives while the request runtime runs, `STOPPING=1` on shutdown.
//! Outside systemd (`NOTIFY_SOCKET` unset) and on other systems every call does nothing.

use std::time::Duration;

/// Tells systemd the server is ready: migrations ran and the listener is bound.
pub fn ready() {
    #[cfg(target_os = "linux")]
    send(&[sd_notify::NotifyState::Ready]);
}

/// Tells systemd the server is shutting down (in-flight requests still finish).
pub fn stopping() {
    #[cfg(target_os = "linux")]
    send(&[sd_notify::NotifyState::Stopping]);
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
            send(&[sd_notify::NotifyState::Watchdog]);
        }
    });
}

fn watchdog_interval() -> Option<Duration> {
    #[cfg(target_os = "linux")]
    return sd_notify::watchdog_enabled().filter(|d| !d.is_zero());
    #[cfg(not(target_os = "linux"))]
    None
}

#[cfg(target_os = "linux")]
fn send(state: &[sd_notify::NotifyState]) {
    if let Err(e) = sd_notify::notify(state) {
        tracing::warn!(error = %e, "could not notify systemd");
    }
}
