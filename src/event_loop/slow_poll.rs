//! The slow-poll warning: a poll that held the loop longer than
//! `Builder::slow_callback_duration` (asyncio debug mode's slow callback).
//!
//! asyncio counterpart: `loop.slow_callback_duration` and the "Executing
//! <Task ...> took 0.150 seconds" warning.
//!
//! The check runs after every poll, so it reads a coarse clock: on Linux
//! `CLOCK_MONOTONIC_COARSE`, a few loads from the vDSO with the resolution
//! of the scheduler tick (1 to 4 ms), plenty for a limit of 100 ms, and no
//! `Instant` arithmetic. That makes this a libc leaf, with one unsafe call.
//! Elsewhere it is `Instant`.

#![allow(unsafe_code)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::event_loop::task::TaskId;

/// asyncio debug mode's "Executing <Task ...> took 0.150 seconds".
///
/// It always shows: through `log` when a logger is set up, else on stderr,
/// as Python's logging prints warnings through its "last resort" handler
/// when nothing is configured (`log`'s level stays `Off` until someone sets
/// up logging; `Builder::slow_callback_duration(None)` turns the check off).
/// Under a debugger a breakpoint inside the poll makes it look slow, so then
/// the warning says so once, and stays quiet while a debugger is attached
/// (every `continue` after a stop would otherwise warn again).
pub(crate) fn warn_slow(task: TaskId, name: Option<&str>, took: Duration) {
    let name = name.unwrap_or("unnamed");
    let traced = match tracer_pid() {
        Some(_) if DEBUGGER_TOLD.swap(true, Ordering::Relaxed) => return,
        Some(pid) => format!(
            " (a debugger is attached, TracerPid {pid}: a breakpoint may have stopped it; \
             no more of these while it is)"
        ),
        None => String::new(),
    };
    let line = format!(
        "task {task} ({name}) took {took:?} in one poll: it blocks every other task; \
         use spawn_blocking for blocking work{traced}"
    );
    if log::max_level() == log::LevelFilter::Off {
        eprintln!("reel: WARNING: {line}");
    } else {
        log::warn!(target: "reel", "{line}");
    }
}

/// Set once the warning has said that a debugger is attached.
static DEBUGGER_TOLD: AtomicBool = AtomicBool::new(false);

/// The process tracing this one (gdb, strace), from `/proc/self/status`;
/// `None` if none is, or where there is no such file (not Linux).
fn tracer_pid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let pid = status.lines().find_map(|line| line.strip_prefix("TracerPid:"))?;
    pid.trim().parse().ok().filter(|&pid| pid != 0)
}

/// A coarse monotonic time in nanoseconds, for measuring polls.
#[cfg(all(target_os = "linux", not(reel_portable)))]
pub(crate) fn coarse_nanos() -> u64 {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one timespec into the struct we own;
    // CLOCK_MONOTONIC_COARSE exists on every Linux since 2.6.32.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut now) };
    (now.tv_sec as u64) * 1_000_000_000 + now.tv_nsec as u64
}

/// A monotonic time in nanoseconds, for measuring polls.
#[cfg(not(all(target_os = "linux", not(reel_portable))))]
pub(crate) fn coarse_nanos() -> u64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_nanos() as u64
}
