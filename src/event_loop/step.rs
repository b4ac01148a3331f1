//! [`Loop`]: a loop you drive one tick at a time, beside `run`.
//!
//! asyncio counterpart: calling `loop._run_once()` by hand (what a learner
//! does in a debugger); smol's `Executor::try_tick`. For tests and for
//! seeing the tick: spawn tasks, then `step()` and read what each phase did
//! in the [`TickReport`].
//!
//! Ground rules: the loop is the thread's running loop only during `spawn`
//! and `step` (so `reel::spawn`, `sleep` and sockets work inside its tasks),
//! and not while the caller's own code runs between steps: create sockets
//! and timers from inside a task. A loop may not be stepped from inside a
//! running loop.

use std::future::Future;
use std::rc::Rc;

use crate::event_loop::context::{Core, JoinHandle, enter, spawn, try_core};
use crate::event_loop::runtime::{Builder, TickReport, Wait, run_once};

/// A loop that runs only when stepped (see the module docs).
///
/// ```
/// let mut event_loop = reel::Loop::new();
/// let answer = event_loop.spawn(async { 6 * 7 });
/// let report = event_loop.step();
/// assert_eq!(report.polled, 1);
/// assert!(answer.is_finished());
/// ```
pub struct Loop {
    core: Rc<Core>,
}

impl Loop {
    /// A loop with `reel::run`'s settings.
    pub fn new() -> Self {
        Builder::new().build()
    }

    /// Spawns `future` as a task; it first runs at the next
    /// [`step`](Self::step). Panics inside a running loop.
    pub fn spawn<F: Future + 'static>(&self, future: F) -> JoinHandle<F::Output> {
        let _entered = self.enter("Loop::spawn");
        spawn(future)
    }

    /// Runs one tick, never blocking in `epoll_wait` (a timeout of 0): I/O
    /// already there is dispatched, due timers fire (on a paused clock with
    /// nothing ready, the clock first jumps to the next deadline), and the
    /// tasks ready when the run phase began are polled once. Panics inside
    /// a running loop.
    pub fn step(&mut self) -> TickReport {
        let _entered = self.enter("Loop::step");
        run_once(&self.core, Wait::Never)
    }

    /// Steps until no task is ready and no timer is due, or `max_ticks`
    /// ticks; returns the number of ticks run.
    pub fn run_until_stalled(&mut self, max_ticks: u64) -> u64 {
        let mut ticks = 0;
        while ticks < max_ticks {
            ticks += 1;
            let report = self.step();
            if report.polled == 0 && report.timers_fired == 0 && report.woken == 0 {
                break;
            }
        }
        ticks
    }

    fn enter(&self, what: &str) -> impl Drop {
        if try_core().is_some() {
            panic!("{what} called inside a running reel loop");
        }
        enter(&self.core)
    }
}

impl Default for Loop {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Loop {
    /// Cancels the tasks still alive, with the loop current so that their
    /// destructors can reach it, as `run` does when it returns.
    fn drop(&mut self) {
        if try_core().is_none() {
            let _entered = enter(&self.core);
            self.core.executor.cancel_all();
        }
    }
}

impl Builder {
    /// A [`Loop`] with these settings, to drive by hand.
    pub fn build(self) -> Loop {
        Loop { core: self.core() }
    }
}
