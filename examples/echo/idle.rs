//! The idle timeout, re-armed lazily: touching it on every message only
//! stores a time; the timer entry is moved when it fires early.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use reel::time::{Sleep, sleep_until};

/// Fires once nothing has happened for `limit`.
pub struct IdleTimer {
    limit: Duration,
    /// When the connection last did something.
    last_activity: Instant,
    /// Armed for `last_activity + limit` as of the last re-arm; it may fire
    /// early, when activity came after, and then it is re-armed.
    sleep: Sleep,
}

impl IdleTimer {
    pub fn new(limit: Duration) -> Self {
        let now = Instant::now();
        IdleTimer { limit, last_activity: now, sleep: sleep_until(now + limit) }
    }

    /// Records activity. Costs a read of the loop's clock, not a timer
    /// operation: a busy connection touches the loop's timers once per
    /// `limit`, not per message.
    pub fn touch(&mut self) {
        self.last_activity = reel::time::now();
    }

    /// Ready once the connection has been idle for the whole limit.
    pub fn poll_expired(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            if Pin::new(&mut self.sleep).poll(cx).is_pending() {
                return Poll::Pending;
            }
            let due = self.last_activity + self.limit;
            if Instant::now() >= due {
                return Poll::Ready(());
            }
            self.sleep.reset(due);
        }
    }
}
