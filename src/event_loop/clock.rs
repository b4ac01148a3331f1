//! The loop's clock: the wall's, or a paused one that moves only when a test
//! moves it (`reel::time::advance`, in src/paused_clock.rs) or when the loop
//! has nothing else to do, when it jumps to the next deadline.
//!
//! asyncio counterpart: `loop.time()`; a paused clock is what asyncio users
//! get from third-party fake clocks, and what tokio's `time::pause`,
//! `advance` and `start_paused` give. With it, a test of a 30 s timeout
//! takes no time and no sleep in it can be late.
//!
//! Rule (DESIGN.md, "The tick"): on a paused clock the tick never sleeps for
//! a timer; `epoll_wait` is asked with a zero timeout, and if that wakes
//! nobody and no task is ready, the clock jumps to the nearest deadline
//! before the timers fire (auto-advance). I/O still wakes tasks as usual,
//! but a peer that is slow to answer (another thread, another process) can
//! see the loop's timeouts fire first: pause only what is all on the loop.

use std::cell::Cell;
use std::time::Instant;

/// The loop's clock, read once per tick into `Core::now`.
#[derive(Debug)]
pub(crate) struct Clock {
    /// `Some(t)`: paused at `t`, which moves only forward and only when
    /// told; `None`: the wall clock.
    paused: Cell<Option<Instant>>,
}

impl Clock {
    /// The wall clock, or one paused now.
    pub(crate) fn new(paused: bool) -> Self {
        Clock { paused: Cell::new(paused.then(Instant::now)) }
    }

    /// The time now on this clock.
    pub(crate) fn read(&self) -> Instant {
        self.paused.get().unwrap_or_else(Instant::now)
    }

    /// True while paused.
    pub(crate) fn is_paused(&self) -> bool {
        self.paused.get().is_some()
    }

    /// Pauses the clock at `at`, if it runs.
    pub(crate) fn pause_at(&self, at: Instant) {
        if self.paused.get().is_none() {
            self.paused.set(Some(at));
        }
    }

    /// A paused clock jumps forward to `deadline` (never back).
    pub(crate) fn advance_to(&self, deadline: Instant) {
        if let Some(now) = self.paused.get() {
            self.paused.set(Some(now.max(deadline)));
        }
    }
}
