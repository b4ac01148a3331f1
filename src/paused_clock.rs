//! A clock you control: [`pause`] and [`advance`], re-exported as
//! `reel::time::pause` and `reel::time::advance`, and
//! [`Builder::start_paused`](crate::Builder::start_paused).
//!
//! asyncio counterpart: none in the standard library (tests use fake
//! clocks); tokio: `time::pause`, `time::advance`, `start_paused`. The
//! clock itself, and the rule for when a paused clock jumps, are in
//! `event_loop/clock.rs`.

use std::future::Future;
use std::time::Duration;

use crate::event_loop::context::with_core;
use crate::event_loop::task::yield_now;

/// Stops the loop's clock where it is: from now on it moves only by
/// [`advance`], or to the next deadline when the loop has nothing else to
/// do (tokio: `time::pause`). Panics outside a running loop.
pub fn pause() {
    with_core("reel::time::pause", |core| core.clock.pause_at(core.now()))
}

/// Moves a paused clock forward by `by`, then yields twice, so that the
/// tasks whose deadlines came due have run a step before this returns
/// (tokio: `time::advance`). Panics outside a running loop, or if the
/// clock is not paused.
pub fn advance(by: Duration) -> impl Future<Output = ()> {
    with_core("reel::time::advance", |core| {
        assert!(core.clock.is_paused(), "reel::time::advance: the clock is not paused");
        core.clock.advance_to(core.clock.read() + by);
        core.now.set(core.clock.read());
    });
    async {
        // The next tick fires the due timers and queues their tasks behind
        // this one; the second yield lets them run first.
        yield_now().await;
        yield_now().await;
    }
}
