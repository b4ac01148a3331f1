//! The slow-poll warning: a poll that held the loop longer than
//! `Builder::slow_callback_duration` (asyncio debug mode's slow callback).
//!
//! asyncio counterpart: `loop.slow_callback_duration` and the "Executing
//! <Task ...> took 0.150 seconds" warning.

use std::time::Duration;

use crate::task::TaskId;

/// asyncio debug mode's "Executing <Task ...> took 0.150 seconds".
///
/// It always shows: through `log` when a logger is set up, else on stderr,
/// as Python's logging prints warnings through its "last resort" handler
/// when nothing is configured (`log`'s level stays `Off` until someone sets
/// up logging; `Builder::slow_callback_duration(None)` turns the check off).
/// Under a debugger a breakpoint inside the poll makes it look slow, so then
/// the warning says so.
pub(crate) fn warn_slow(task: TaskId, name: Option<&str>, took: Duration) {
    let name = name.unwrap_or("unnamed");
    let traced = match tracer_pid() {
        Some(pid) => {
            format!(" (a debugger is attached, TracerPid {pid}: a breakpoint may have stopped it)")
        }
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

/// The process tracing this one (gdb, strace), from `/proc/self/status`;
/// `None` if none is, or where there is no such file (not Linux).
fn tracer_pid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let pid = status.lines().find_map(|line| line.strip_prefix("TracerPid:"))?;
    pid.trim().parse().ok().filter(|&pid| pid != 0)
}
