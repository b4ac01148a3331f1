//! The I/O budget: a task may make 32 I/O attempts in one poll; the next
//! one returns `Pending` and queues the task for the next tick, so a socket
//! that is always ready (a peer streaming as fast as it can) cannot hold
//! the loop while other tasks wait. The executor gives each poll a fresh
//! budget; every socket operation (`Registration`'s `poll_*` and `try_*`:
//! reads, writes, accepts, `readable()`) spends one; out of budget, a
//! `try_*` says `WouldBlock` without a system call, and the `readable()`
//! that follows yields. Counting `try_*` too costs 34 instructions an echo
//! message and halves what a streaming connection takes from the others
//! (DESIGN.md, "Performance"). A first reading of the loop skips this file.
//!
//! asyncio counterpart: none needed there: asyncio runs one callback per
//! ready socket per tick. tokio: `coop`, the cooperative budget (128 units;
//! reel's echo moves 16 KiB per read where tokio's moves 4 KiB, and with
//! 128 one streaming connection still took 3.4 times tokio's bandwidth and
//! a p99 of 3.2-3.8 ms beside 99 ping-pong clients against tokio's 2.3-2.6;
//! with 32, 2.0-2.5 ms against 2.0: DESIGN.md, "Performance").
//!
//! Rule (DESIGN.md, "The tick"): a task that keeps finding its sockets
//! ready yields after 32 attempts; `RUST_LOG=reel=trace` says so. A
//! yield costs one more poll and, at worst, one `epoll_wait(0)`.

use std::cell::Cell;

/// Attempts per poll.
pub(crate) const PER_POLL: u32 = 32;

thread_local! {
    /// Attempts left in this poll. Outside any poll (a test driving the
    /// reactor by hand) it never runs out.
    static LEFT: Cell<u32> = const { Cell::new(u32::MAX) };
}

/// A poll begins: a full budget.
#[inline]
pub(crate) fn start_poll() {
    LEFT.with(|left| left.set(PER_POLL));
}

/// Spends one attempt; false when none is left (the caller yields).
#[inline]
pub(crate) fn spend() -> bool {
    LEFT.with(|left| match left.get() {
        0 => false,
        n => {
            left.set(n - 1);
            true
        }
    })
}

/// True when the poll that just ended used up its budget.
#[inline]
pub(crate) fn ran_out() -> bool {
    LEFT.with(|left| left.get() == 0)
}
