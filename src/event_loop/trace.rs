//! The loop's trace: what `RUST_LOG=reel=trace` prints of each tick (the
//! timeout it gave `epoll_wait`, the events and the wakes they made, the
//! timers fired, the tasks run), and the names the trace, the task table,
//! the timeline and gdb give a registration (`I/O 4 (127.0.0.1:5000)`).
//! `dispatch` hands an event here while wakes are followed, to learn what
//! woke whom. The tick calls these helpers, so its own lines read as the
//! mechanism; a first reading of the loop skips this file.
//!
//! asyncio counterpart: the debug-mode logging in `_run_once` ("poll took
//! 1.234 ms: 2 events").

use std::time::Duration;

use std::task::Waker;

use crate::event_loop::io_slot::IoSlot;
use crate::event_loop::task::TaskId;
use crate::event_loop::timeline::{self, Cause};

/// Whether the trace is on: the loop gathers its lists only then.
#[inline]
pub(crate) fn enabled() -> bool {
    log::log_enabled!(target: "reel", log::Level::Trace)
}

/// Appends ` [I/O 3 r (listener 127.0.0.1:8888)` or `, I/O 5 rw
/// (127.0.0.1:5000)` to a tick's list of events.
pub(crate) fn note_event(events: &mut String, name: &str, dirs: &str, what: Option<String>) {
    let sep = if events.is_empty() { " [" } else { ", " };
    events.push_str(&format!("{sep}{name} {dirs}"));
    if let Some(what) = what {
        events.push_str(&format!(" ({what})"));
    }
}

/// A registration's one name, in the trace, the task table, the timeline
/// and gdb: `I/O 4 (127.0.0.1:5000)`, `I/O 0 (signal pipe SIGINT)`, `I/O 7`.
pub(crate) fn registration(token: usize, what: Option<&str>) -> String {
    match what {
        Some(what) => format!("I/O {token} ({what})"),
        None => format!("I/O {token}"),
    }
}

/// `r`, `w`, `rw` in words: `readable`, `writable`, `readable | writable`.
pub(crate) fn readiness(dirs: &str) -> &'static str {
    match dirs {
        "r" => "readable",
        "w" => "writable",
        "rw" => "readable | writable",
        _ => "closed",
    }
}

/// One event, while the timeline or the trace follows wakes: the trace's
/// summary, and what woke each of the `woke` wakers just taken.
#[cold]
#[inline(never)]
pub(crate) fn note_wakes(
    summary: &mut String,
    causes: &mut Vec<String>,
    (token, dirs, woke): (usize, &str, usize),
    slot: &IoSlot,
) {
    if enabled() {
        note_event(summary, &format!("I/O {token}"), dirs, slot.what());
    }
    let what = registration(token, slot.what().as_deref());
    let cause = format!("{what} {}", readiness(dirs));
    causes.extend(std::iter::repeat_n(cause, woke));
}

/// `dispatch`'s wakes while the timeline or the trace follows them: each
/// with its cause set first. Out of line, so the plain path stays small.
#[cold]
#[inline(never)]
pub(crate) fn wake_telling_why(to_wake: &mut Vec<Waker>, causes: Vec<String>) {
    for (waker, cause) in to_wake.drain(..).zip(causes) {
        timeline::set_cause(Cause::Io(cause));
        crate::event_loop::panic::wake_guarded(waker, "an I/O event");
    }
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

/// Phases 2 and 3: the wait, the events, the wakes they made. A wait
/// that a signal cut short (EINTR) says so: its tick has no events.
#[inline]
pub(crate) fn io(
    tick: u64,
    timeout: Option<Duration>,
    interrupted: bool,
    (events, list, wakes): (usize, &str, usize),
    remote: usize,
) {
    let signal = if interrupted { " (interrupted by a signal: EINTR)" } else { "" };
    log::trace!(target: "reel", "tick {tick}: poll(timeout {timeout:?}){signal} -> {events} events{list}, woke {wakes} tasks, {remote} from other threads");
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
