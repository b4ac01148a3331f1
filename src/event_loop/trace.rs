//! The loop's trace: what `RUST_LOG=reel=trace` prints of each tick (the
//! timeout it gave `epoll_wait`, the events and the wakes they made, the
//! timers fired, the tasks run). The tick calls these helpers, so its own
//! lines read as the mechanism; a first reading of the loop skips this file.
//!
//! asyncio counterpart: the debug-mode logging in `_run_once` ("poll took
//! 1.234 ms: 2 events").

use std::time::Duration;

use crate::event_loop::task::TaskId;

/// Whether the trace is on: the loop gathers its lists only then.
#[inline]
pub(crate) fn enabled() -> bool {
    log::log_enabled!(target: "reel", log::Level::Trace)
}

/// Appends ` [token 3 r` or `, token 5 rw` to a tick's list of events.
pub(crate) fn note_event(events: &mut String, token: usize, dirs: &str) {
    let sep = if events.is_empty() { " [" } else { ", " };
    events.push_str(&format!("{sep}token {token} {dirs}"));
}

/// Closes a tick's list of events, if it has any.
pub(crate) fn end_events(events: &mut String) {
    if !events.is_empty() {
        events.push(']');
    }
}

/// Appends `ID (NAME)` to a tick's list of the tasks it ran.
pub(crate) fn note_ran(ran: &mut String, task: TaskId, name: Option<&str>) {
    let sep = if ran.is_empty() { "" } else { ", " };
    ran.push_str(&format!("{sep}{task} ({})", name.unwrap_or("unnamed")));
}

/// Phases 2 and 3: the wait, the events, the wakes they made.
#[inline]
pub(crate) fn io(
    tick: u64,
    timeout: Option<Duration>,
    events: usize,
    list: &str,
    wakes: usize,
    remote: usize,
) {
    log::trace!(target: "reel", "tick {tick}: poll(timeout {timeout:?}) -> {events} events{list}, woke {wakes} tasks, {remote} from other threads");
}

/// Phase 4: the timers fired, when any did.
#[inline]
pub(crate) fn timers(tick: u64, fired: usize) {
    if fired > 0 {
        log::trace!(target: "reel", "tick {tick}: fired {fired} timers");
    }
}

/// Phase 5: the tasks run, and how many are ready for the next tick
/// (counted only when the trace is on).
#[inline]
pub(crate) fn ran(tick: u64, count: usize, names: &str, ready: impl FnOnce() -> usize) {
    log::trace!(target: "reel", "tick {tick}: ran {count} tasks [{names}], {} ready for next tick", ready());
}
