//! The live connections' own threads.
//!
//! A wide fan-out writes to thousands of sockets at once. On the runtime that also serves
//! requests, an order's transaction would then wait behind those writes at each of its
//! `await`s, and the write path slow down exactly when the group is busiest. So WebSocket
//! connections, and the hub's fan-out, run on a runtime of their own whose threads have a lower scheduling priority
//! (a higher nice value): the kernel hands the CPU to request threads first, and connections
//! use what is left — outside peaks, nearly all of it.
//!
//! Database work started by a connection (replays, snapshots, authorisation) is sent back to
//! the request runtime (see [`super::Hub::on_requests`]), so pooled database connections stay
//! registered with it and their wake-ups never wait for the lower-priority threads. The hub's
//! own log reads (gaps, checks) go there the same way.
//!
//! The default nice value is small on purpose: every frame wakes a reader (nginx, or a local
//! client) at normal priority, which preempts a writer it outranks by much, and a high value
//! spends more CPU per delivery in context switches (see `docs/performance.md`).

use std::sync::Arc;
use std::time::Duration;
use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// How the live threads are set up (`OCPIZZA_LIVE_THREADS`, `OCPIZZA_LIVE_NICE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveThreads {
    /// Worker threads; 0 runs connections on the request runtime instead.
    pub threads: usize,
    /// Nice value of those threads (0 = same priority as requests, 19 = lowest).
    pub nice: i32,
}

impl Default for LiveThreads {
    fn default() -> Self {
        LiveThreads {
            threads: std::thread::available_parallelism().map_or(2, usize::from),
            nice: 2,
        }
    }
}

/// A running live runtime. It lives on a thread of its own, so that it can be stopped from
/// anywhere (a runtime cannot be dropped inside another one); dropping this stops it.
#[derive(Debug)]
pub struct LiveRuntime {
    handle: Handle,
    _stop: oneshot::Sender<()>,
}

impl LiveRuntime {
    /// Starts the runtime, or `None` when `setup.threads` is 0.
    pub fn start(setup: LiveThreads) -> std::io::Result<Option<Arc<LiveRuntime>>> {
        if setup.threads == 0 {
            return Ok(None);
        }
        let nice = setup.nice;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(setup.threads)
            .thread_name("ocpizza-live")
            .on_thread_start(move || lower_priority(nice))
            .enable_all()
            .build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("ocpizza-live-owner".into())
            .spawn(move || {
                runtime.block_on(async {
                    let _ = stopped.await;
                });
                runtime.shutdown_timeout(Duration::from_secs(2));
            })?;
        Ok(Some(Arc::new(LiveRuntime {
            handle,
            _stop: stop,
        })))
    }

    /// Where connection tasks are spawned.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }
}

#[cfg(target_os = "linux")]
fn lower_priority(nice: i32) {
    // On Linux the nice value is per thread; `None` is the calling thread.
    if nice > 0
        && let Err(e) = rustix::process::setpriority_process(None, nice)
    {
        tracing::warn!(error = %e, nice, "could not lower the live threads' priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority(_nice: i32) {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn live_threads_run_tasks_at_the_configured_nice_value() {
        let live = LiveRuntime::start(LiveThreads {
            threads: 1,
            nice: 7,
        })
        .expect("start")
        .expect("a runtime");
        let (tx, rx) = std::sync::mpsc::channel();
        live.handle().spawn(async move {
            let _ = tx.send(rustix::process::getpriority_process(None));
        });
        let got = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the task ran");
        assert_eq!(got.expect("getpriority"), 7);
        drop(live);
    }

    #[test]
    fn zero_threads_means_no_separate_runtime() {
        let live = LiveRuntime::start(LiveThreads {
            threads: 0,
            nice: 5,
        })
        .expect("start");
        assert!(live.is_none());
    }
}
