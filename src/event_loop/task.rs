//! What a task is, as data: its id and address, what one knows of it
//! (`TaskInfo`), and why a task produced no output (`JoinError`). The cell
//! that holds its future and its outcome, and the `JoinHandle` that awaits
//! that outcome, are in `task_cell`. Nothing here needs the running loop: the entry points
//! that do (`spawn`, `current_task`) live with it, in `context`.
//!
//! asyncio counterpart: `asyncio.Task` (await it for its result, `cancel()`
//! it), `asyncio.CancelledError`, `asyncio.sleep(0)`.
//!
//! A joinable task's future and outcome live in its cell (`task_cell`),
//! which its `JoinHandle` shares. Ground rule: a panic nobody takes is
//! logged at error level, like asyncio's "Task exception was never
//! retrieved".

use std::fmt;
use std::task::Poll;

/// A task's unique id within its loop, starting at 1 (the main future).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub(crate) u64);

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a task is in its life: the executor's own state, and what the
/// task table shows (asyncio's tasks are pending or done; these are the
/// three ways of pending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// Woken: in the ready queue exactly once, for the next run phase;
    /// further wakes change nothing.
    Ready,
    /// Being polled now (in the table: the task that called
    /// `reel::tasks()`). A wake in this state queues it for the next tick
    /// (that is how `yield_now` works).
    Running,
    /// Waiting for a wake, not in the ready queue. Its waker is parked in a
    /// reactor slot, a timer, a channel, or nowhere (then it sleeps
    /// forever).
    Waiting,
}

/// A task's name: a `String` behind an `Rc` (cloned for every poll's
/// slow-poll check without copying), not an `Rc<str>`, whose text gdb's
/// Rust printers show as its first byte only.
pub(crate) type TaskName = std::rc::Rc<String>;

/// A task's address: its slab key and, to reject stale wakes, its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TaskRef {
    pub(crate) key: usize,
    pub(crate) id: TaskId,
}

/// What a task is: its id and optional name (see `reel::current_task`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    /// The task's id.
    pub id: TaskId,
    /// The name given to `spawn_named`, if any.
    pub name: Option<String>,
}

/// Gives the other ready tasks, and I/O, a turn before continuing
/// (asyncio: `await asyncio.sleep(0)`).
///
/// The task is queued behind everything ready now and runs again in the next
/// tick, after the reactor has been polled.
pub async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}

/// Why a task produced no output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinError {
    pub(crate) id: TaskId,
    pub(crate) panic: Option<String>,
    /// Where the panic happened (`FILE:LINE:COL`), when reel's hook saw it.
    pub(crate) location: Option<String>,
}

impl JoinError {
    /// True when the task was cancelled (asyncio: `CancelledError`).
    pub fn is_cancelled(&self) -> bool {
        self.panic.is_none()
    }

    /// True when the task panicked.
    pub fn is_panic(&self) -> bool {
        self.panic.is_some()
    }

    /// The panic's message, when the task panicked with a string.
    pub fn panic_message(&self) -> Option<&str> {
        self.panic.as_deref()
    }

    /// Where the task panicked, as `FILE:LINE:COL` (Rust's default hook
    /// prints the same), when known; see [`take_panic_location`](crate::take_panic_location).
    pub fn panic_location(&self) -> Option<&str> {
        self.location.as_deref()
    }

    /// The id of the task that failed.
    pub fn id(&self) -> TaskId {
        self.id
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.panic {
            None => write!(f, "task {} was cancelled", self.id),
            Some(message) => match &self.location {
                Some(at) => write!(f, "task {} panicked at {at}: {message}", self.id),
                None => write!(f, "task {} panicked: {message}", self.id),
            },
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(e: JoinError) -> Self {
        std::io::Error::other(e)
    }
}

/// Logs a panic that no handle will report (asyncio: "Task exception was
/// never retrieved").
pub(crate) fn log_unretrieved(id: TaskId, name: Option<&str>, what: &str) {
    let name = name.unwrap_or("unnamed");
    log::error!(target: "reel", "Task exception was never retrieved: task {id} ({name}): {what}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_errors_say_what_happened_to_which_task() {
        let cancelled = JoinError { id: TaskId(3), panic: None, location: None };
        let panicked = JoinError { id: TaskId(4), panic: Some("boom".into()), location: None };
        let located = JoinError { location: Some("src/a.rs:1:2".into()), ..panicked.clone() };
        assert_eq!(cancelled.to_string(), "task 3 was cancelled");
        assert_eq!(panicked.to_string(), "task 4 panicked: boom");
        assert_eq!(located.to_string(), "task 4 panicked at src/a.rs:1:2: boom");
        assert!(cancelled.is_cancelled() && !cancelled.is_panic());
        assert_eq!(panicked.panic_message(), Some("boom"));
        let io: std::io::Error = panicked.into();
        assert!(io.to_string().contains("boom"));
    }
}
