//! Callbacks on the loop: [`call_soon`], [`call_later`], [`call_at`], and
//! [`add_reader`] / [`add_writer`] for a socket's readiness, each returning
//! a [`Handle`] that can cancel it.
//!
//! asyncio counterpart: `loop.call_soon(cb)`, `loop.call_later(delay, cb)`,
//! `loop.call_at(when, cb)`, `loop.add_reader(fd, cb)`, `add_writer`, and
//! the `Handle` / `TimerHandle` they return: the layer under asyncio's
//! tasks, and the one the course's `selectors` loop is built from
//! (`examples/callbacks_echo.rs` is that echo server on these).
//!
//! # Implementation
//!
//! A callback is a task whose future calls it once and ends; reel's ready
//! queue holds tasks only, and one kind of entry keeps the tick one shape.
//! - `call_soon` queues that task at the back of the ready queue, as asyncio
//!   appends to `_ready`: callbacks run in the order they were scheduled,
//!   in the run phase of the next tick. Never in the pass that scheduled
//!   them, since the run phase polls exactly what was ready when it began.
//! - `call_at` is a task that first sleeps until the deadline: its entry in
//!   the timers, keyed `(deadline, id)`, is asyncio's entry in the
//!   `_scheduled` heap; `fire_expired` moves it to the ready queue, and
//!   callbacks due at the same instant run in the order they were scheduled.
//!   The entry is armed when the task first runs, in the next tick.
//! - `add_reader` is a task that waits for the socket's readiness, calls
//!   the callback, and yields: one call per tick while the socket stays
//!   readable, as asyncio's selector reports a ready fd on every pass.
//! - [`Handle::cancel`] cancels the task: a callback cancelled before it ran
//!   never runs, and its timer entry is removed; a reader or writer
//!   cancelled, even from inside its own callback, is not called again
//!   (asyncio: `loop.remove_reader(fd)`).
//!
//! Ground rules: the callback runs on the loop's thread, inside a poll, so
//! it may spawn tasks, schedule more callbacks or cancel others; it must not
//! block. A panic in it is one log line, as in any task.

use std::cell::Cell;
use std::future::poll_fn;
use std::time::{Duration, Instant};

use crate::event_loop::context::{JoinHandle, spawn_named};
use crate::event_loop::reactor::Direction;
use crate::event_loop::task::yield_now;
use crate::net::Readiness;
use crate::time::{clock_now, far_future, sleep_until};

/// A scheduled callback (asyncio: `Handle`, `TimerHandle`). Dropping it
/// does not cancel the callback.
#[derive(Debug)]
pub struct Handle {
    /// The callback's task.
    task: JoinHandle<()>,
    /// When it is due, for `call_later` and `call_at`.
    when: Option<Instant>,
    /// Whether [`cancel`](Self::cancel) stopped it before it ran.
    cancelled: Cell<bool>,
}

impl Handle {
    /// Cancels the callback if it has not run yet; true if this call
    /// stopped it (asyncio: `handle.cancel()`).
    pub fn cancel(&self) -> bool {
        let stopped = self.task.cancel();
        if stopped {
            self.cancelled.set(true);
        }
        stopped
    }

    /// True if [`cancel`](Self::cancel) stopped it (asyncio: `cancelled()`).
    pub fn cancelled(&self) -> bool {
        self.cancelled.get()
    }

    /// True once the callback has run, or will never run.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// When a timed callback is due, on the clock of [`reel::time::now`]
    /// (asyncio: `TimerHandle.when()`); `None` for `call_soon`.
    ///
    /// [`reel::time::now`]: crate::time::now
    pub fn when(&self) -> Option<Instant> {
        self.when
    }
}

/// Runs `callback` in the next tick's run phase, after the callbacks and
/// tasks queued before it (asyncio: `loop.call_soon(callback)`).
///
/// Panics when called outside a running loop.
pub fn call_soon(callback: impl FnOnce() + 'static) -> Handle {
    let task = spawn_named("call_soon", async move { callback() });
    Handle { task, when: None, cancelled: Cell::new(false) }
}

/// Runs `callback` once `delay` has passed (asyncio: `loop.call_later`).
///
/// Panics when called outside a running loop.
pub fn call_later(delay: Duration, callback: impl FnOnce() + 'static) -> Handle {
    let deadline = clock_now().checked_add(delay).unwrap_or_else(far_future);
    call_at(deadline, callback)
}

/// Runs `callback` at `deadline`, or in the next tick if that has passed
/// (asyncio: `loop.call_at(when, callback)`, with `when` an `Instant`).
///
/// Panics when called outside a running loop.
pub fn call_at(deadline: Instant, callback: impl FnOnce() + 'static) -> Handle {
    let task = spawn_named("call_at", async move {
        sleep_until(deadline).await;
        callback();
    });
    Handle { task, when: Some(deadline), cancelled: Cell::new(false) }
}

/// Calls `callback` in the run phase of each tick while `source` is
/// readable: once it has data, EOF or an error, or for a listener a
/// connection waiting (asyncio: `loop.add_reader(fd, callback)`). Cancel the
/// returned [`Handle`] to stop (asyncio: `loop.remove_reader(fd)`).
///
/// The callback should read until `WouldBlock` or leave the rest for its
/// next call: readiness stays set until a read sees `WouldBlock`. Pass the
/// socket in an `Rc` to read it in the callback too. A socket with a reader
/// must not be read by a task at the same time: each direction of a socket
/// parks one waker.
///
/// Panics when called outside a running loop.
pub fn add_reader(source: impl Readiness + 'static, callback: impl FnMut() + 'static) -> Handle {
    watch("add_reader", source, Direction::Read, callback)
}

/// Calls `callback` in the run phase of each tick while `source` has room
/// to write (asyncio: `loop.add_writer(fd, callback)`); cancel the returned
/// [`Handle`] once nothing is left to write (asyncio: `remove_writer`), or
/// it is called every tick.
///
/// Panics when called outside a running loop.
pub fn add_writer(source: impl Readiness + 'static, callback: impl FnMut() + 'static) -> Handle {
    watch("add_writer", source, Direction::Write, callback)
}

/// The task behind `add_reader` and `add_writer`.
fn watch(
    name: &'static str,
    source: impl Readiness + 'static,
    direction: Direction,
    mut callback: impl FnMut() + 'static,
) -> Handle {
    let task = spawn_named(name, async move {
        loop {
            let ready = poll_fn(|cx| match direction {
                Direction::Read => source.poll_readable(cx),
                Direction::Write => source.poll_writable(cx),
            });
            if ready.await.is_err() {
                return;
            }
            callback();
            // One call per tick, as asyncio's selector gives one event per
            // pass; a `cancel` from inside the callback takes effect here.
            yield_now().await;
        }
    });
    Handle { task, when: None, cancelled: Cell::new(false) }
}
