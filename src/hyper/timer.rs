//! [`HyperTimer`]: hyper's `rt::Timer` on the loop's timers, so hyper's
//! `header_read_timeout`, keep-alive timeouts and HTTP/2 pings are entries
//! in the same `(deadline, id)` map as every `reel::sleep`.
//!
//! asyncio counterpart: `loop.call_later`; tokio's is hyper-util's
//! `TokioTimer`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::event_loop::context::try_core;
use crate::time::{TimerEntry, far_future};

/// Gives hyper sleeps that are entries in the current loop's timers. Pass it
/// to `http1::Builder::timer` (needed for `header_read_timeout`) and to
/// `http2::Builder::timer` (keep-alive pings).
#[derive(Debug, Clone, Copy, Default)]
pub struct HyperTimer;

/// One of hyper's sleeps. hyper wants `Send + Sync`: it holds a deadline and
/// a timer id (plain data) and reaches the loop only while polled or dropped,
/// on the loop's thread, where hyper's connection lives.
#[derive(Debug)]
struct HyperSleep {
    entry: TimerEntry,
}

impl ::hyper::rt::Timer for HyperTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn ::hyper::rt::Sleep>> {
        self.sleep_until(self.now().checked_add(duration).unwrap_or_else(far_future))
    }

    /// The loop's clock (paused, if a test paused it), else the wall's.
    fn now(&self) -> Instant {
        try_core().map_or_else(Instant::now, |core| core.clock.read())
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn ::hyper::rt::Sleep>> {
        Box::pin(HyperSleep { entry: TimerEntry::new(deadline) })
    }

    /// Moves the deadline in place (no new allocation): hyper resets its
    /// keep-alive sleep after every request.
    fn reset(&self, sleep: &mut Pin<Box<dyn ::hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<HyperSleep>() {
            Some(mut ours) => ours.entry.reset(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

impl Future for HyperSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.entry.poll_at(cx)
    }
}

impl ::hyper::rt::Sleep for HyperSleep {}
