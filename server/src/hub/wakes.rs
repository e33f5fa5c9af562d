//! Which of a connection's event sources woke its task.
//!
//! A connection waits on its queue, its socket, its ping timer and the server's drain. Almost
//! every wake-up is a queued frame; polling the other three each time as well (what `select!`
//! does) costs a waker registration each, and reading the socket makes tungstenite zero its
//! read buffer. So the socket and the timers are polled with wakers of their own that mark
//! them as woken, and only when marked.

use futures_util::task::AtomicWaker;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Wake, Waker};

/// The socket has something to read (or its write side freed up, which tungstenite may need).
pub const READ: u8 = 1;
/// The ping timer or the drain.
pub const TIMERS: u8 = 2;
const ALL: u8 = READ | TIMERS;

#[derive(Debug)]
struct Shared {
    task: AtomicWaker,
    woken: AtomicU8,
}

#[derive(Debug)]
struct Source {
    shared: Arc<Shared>,
    bit: u8,
}

impl Wake for Source {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.shared.woken.fetch_or(self.bit, Ordering::AcqRel);
        self.shared.task.wake();
    }
}

/// A connection's wakers for its socket and its timers.
#[derive(Debug)]
pub struct Wakes {
    shared: Arc<Shared>,
    read: Waker,
    timers: Waker,
}

impl Default for Wakes {
    /// Every source marked as woken: the first look polls them all.
    fn default() -> Wakes {
        let shared = Arc::new(Shared {
            task: AtomicWaker::new(),
            woken: AtomicU8::new(ALL),
        });
        let source = |bit| {
            Waker::from(Arc::new(Source {
                shared: shared.clone(),
                bit,
            }))
        };
        Wakes {
            read: source(READ),
            timers: source(TIMERS),
            shared,
        }
    }
}

impl Wakes {
    /// Remembers `task` as the one to wake, and takes the marks of the sources woken since
    /// the last call.
    pub fn take(&self, task: &Waker) -> u8 {
        self.shared.task.register(task);
        self.shared.woken.swap(0, Ordering::AcqRel)
    }

    /// Marks `sources` as woken again (not polled after all, or ready and maybe more so).
    pub fn again(&self, sources: u8) {
        self.shared.woken.fetch_or(sources, Ordering::AcqRel);
    }

    /// The waker to poll the socket's read side with.
    pub fn read(&self) -> &Waker {
        &self.read
    }

    /// The waker to poll the ping timer and the drain with.
    pub fn timers(&self) -> &Waker {
        &self.timers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_is_marked_when_its_waker_fires_and_the_marks_are_taken_once() {
        let wakes = Wakes::default();
        let task = Waker::noop();
        assert_eq!(wakes.take(task), READ | TIMERS);
        assert_eq!(wakes.take(task), 0);
        wakes.read().wake_by_ref();
        assert_eq!(wakes.take(task), READ);
        wakes.timers().wake_by_ref();
        wakes.again(READ);
        assert_eq!(wakes.take(task), READ | TIMERS);
    }
}
