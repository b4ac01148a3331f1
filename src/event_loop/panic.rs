//! How a panic inside a task is reported: by whoever catches it, in one
//! line with its location, never with a backtrace nobody asked for.
//!
//! asyncio counterpart: the loop's exception handler. A task's exception
//! goes to whoever awaits it; one that nobody retrieves is logged once
//! ("Task exception was never retrieved"); no traceback is printed at the
//! moment it is raised.
//!
//! Rust's default panic hook prints every panic to stderr where it happens,
//! caught or not, and with `RUST_BACKTRACE=1` (set in many shells) it
//! captures and symbolizes a backtrace each time: the first one loads the
//! binary's debug information, which cost a server 60 MiB of resident memory
//! for good, and every one writes a screenful to stderr.
//!
//! # Implementation
//!
//! The first `reel::run` in the process installs a hook in front of the one
//! already set. A panic on a thread that is polling a reel task is not
//! printed: the hook only records where it happened, and whoever catches it
//! reports it: the executor (in the task's `JoinError`, or in the "never
//! retrieved" log line), or code that catches panics itself and asks
//! [`take_panic_location`]. With `reel` logging at debug level, the hook also
//! logs a backtrace, once per location. Any other panic (outside a task, or
//! on a thread with no loop) goes to the previous hook, as before.
//!
//! Ground rules: the hook takes no lock on the loop's state and no `RefCell`
//! borrow that could already be held, since it runs in the middle of
//! whatever panicked.

use std::any::Any;
use std::backtrace::Backtrace;
use std::cell::RefCell;
use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, PanicHookInfo, catch_unwind};
use std::sync::{Mutex, Once};
use std::task::Waker;

thread_local! {
    /// Where the last panic inside a task on this thread happened
    /// (`FILE:LINE:COL`), until whoever caught it takes it.
    static LAST_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Locations whose backtrace has been logged (debug level only): each once.
static TRACED: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// Installs reel's hook once per process, in front of the previous one.
/// `polling_task` tells it the id of the task this thread's loop is
/// polling, if any (the runtime passes its own, so this leaf imports
/// nothing from above).
pub(crate) fn install_hook(polling_task: fn() -> Option<u64>) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !record(info, polling_task) {
                previous(info);
            }
        }));
    });
}

/// Wakes `waker` from one of the loop's own phases (events, timers), where
/// no task's `catch_unwind` is around: a waker is user code (a combinator's
/// own, or one from another executor), and if it panics, the panic is
/// logged as one error line and the loop goes on, as async-io does. The
/// task it was for may then never be woken: that is the waker's bug.
pub(crate) fn wake_guarded(waker: Waker, phase: &str) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| waker.wake())) {
        // Outside a task poll, Rust's own hook has printed where.
        let message = panic_message(&*payload);
        log::error!(target: "reel", "a waker panicked when {phase} woke it: {message}; the loop goes on");
    }
}

/// Drops a task's future outside its poll (it finished, or was cancelled,
/// or the loop is ending), where no `catch_unwind` is around: a `Drop` that
/// panics is logged as one error line and the loop goes on.
pub(crate) fn drop_guarded<T>(value: T, what: &str) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| drop(value))) {
        let message = panic_message(&*payload);
        log::error!(target: "reel", "dropping {what} panicked: {message}; the loop goes on");
    }
}

/// Where the last panic caught inside a task on this thread happened, as
/// `FILE:LINE:COL`, taken (a second call returns `None`). For code that
/// catches panics itself, with `catch_unwind` around a poll, and reports
/// them: reel's hook does not print panics inside tasks (see the module
/// docs), so the location comes from here.
pub fn take_panic_location() -> Option<String> {
    LAST_LOCATION.try_with(|last| last.borrow_mut().take()).ok().flatten()
}

/// The hook's work for a panic inside a task; false (the previous hook's
/// turn) for any other panic.
fn record(info: &PanicHookInfo<'_>, polling_task: fn() -> Option<u64>) -> bool {
    let Some(task) = polling_task() else {
        return false;
    };
    let location = info.location().map_or_else(|| "an unknown place".into(), |l| l.to_string());
    if log::log_enabled!(target: "reel", log::Level::Debug) && first_trace(&location) {
        let trace = Backtrace::force_capture();
        log::debug!(target: "reel", "task {task} panicked at {location}; backtrace (once per location):\n{trace}");
    }
    let stored =
        LAST_LOCATION.try_with(|last| last.try_borrow_mut().map(|mut l| *l = Some(location)));
    matches!(stored, Ok(Ok(())))
}

/// True the first time `location` is seen.
fn first_trace(location: &str) -> bool {
    let Ok(mut traced) = TRACED.lock() else { return false };
    traced.get_or_insert_with(HashSet::new).insert(location.to_owned())
}

/// The message of a panic payload, for `JoinError` and logs.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_messages_come_from_str_and_string_payloads() {
        assert_eq!(panic_message(&"static"), "static");
        assert_eq!(panic_message(&String::from("owned")), "owned");
        assert_eq!(panic_message(&42u32), "panic with a non-string payload");
    }
}
