//! Tasks as users see them: `spawn`, `JoinHandle`, `JoinError`, `yield_now`.
//!
//! asyncio counterpart: `asyncio.create_task`, `asyncio.Task` (await it for
//! its result, `cancel()` it), `asyncio.current_task`, `asyncio.sleep(0)`.
//!
//! A task's output travels to its handle through a shared [`JoinSlot`]: the
//! task writes it when its future completes (or the executor writes the panic
//! or cancellation), the handle takes it. Ground rule: a panic nobody takes is
//! logged at error level, like asyncio's "Task exception was never retrieved".

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::executor::TaskRef;
use crate::runtime::with_core;

/// A task's unique id within its loop, starting at 1 (the main future).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub(crate) u64);

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Spawns `future` as a new task on the running loop and returns its handle
/// (asyncio: `asyncio.create_task(coro)`).
///
/// The task starts on the next run phase. The future must be `'static` but
/// not `Send`: tasks of one loop may share state through `Rc<RefCell<_>>`.
/// Dropping the handle detaches the task, which runs on.
///
/// Panics when no loop runs on this thread.
pub fn spawn<F: Future + 'static>(future: F) -> JoinHandle<F::Output> {
    with_core("reel::spawn", |core| core.executor.spawn(None, future))
}

/// [`spawn`] with a name that logs and [`current_task`] show
/// (asyncio: `create_task(coro, name=...)`).
pub fn spawn_named<F: Future + 'static>(name: &str, future: F) -> JoinHandle<F::Output> {
    with_core("reel::spawn_named", |core| core.executor.spawn(Some(name.into()), future))
}

/// What a task is: its id and optional name (see [`current_task`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    /// The task's id.
    pub id: TaskId,
    /// The name given to [`spawn_named`], if any.
    pub name: Option<String>,
}

/// The task being polled right now, or `None` outside any task
/// (asyncio: `asyncio.current_task()`).
pub fn current_task() -> Option<TaskInfo> {
    with_core("reel::current_task", |core| core.executor.current())
        .map(|(task, name)| TaskInfo { id: task.id, name: name.map(|n| n.to_string()) })
}

/// The id of the task being polled now, without cloning its name.
pub(crate) fn current_task_id() -> Option<TaskId> {
    with_core("reel::current_task", |core| core.executor.current_id())
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
    id: TaskId,
    panic: Option<String>,
    /// Where the panic happened (`FILE:LINE:COL`), when reel's hook saw it.
    location: Option<String>,
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

/// Where a task's outcome waits for its handle.
pub(crate) struct JoinSlot<T> {
    /// The outcome, from completion until the handle takes it.
    result: Option<Result<T, JoinError>>,
    /// True once an outcome was written (it may already have been taken).
    finished: bool,
    /// The task awaiting the handle, woken when the outcome is written.
    waiter: Option<Waker>,
    /// False once the handle is dropped: a panic then has nobody to go to.
    handle_alive: bool,
    id: TaskId,
    name: Option<Rc<str>>,
}

impl<T> JoinSlot<T> {
    /// Stores the outcome and returns the waiter to wake, which the caller
    /// wakes once the slot's borrow has ended (a waker may run any code,
    /// this slot's handle included).
    #[must_use = "the waiter must be woken"]
    fn finish(&mut self, result: Result<T, JoinError>) -> Option<Waker> {
        if let Err(e) = &result {
            if e.is_panic() && !self.handle_alive {
                self.log_unretrieved(e);
            }
        }
        self.result = Some(result);
        self.finished = true;
        self.waiter.take()
    }

    fn log_unretrieved(&self, e: &JoinError) {
        log_unretrieved(self.id, self.name.as_deref(), &e.to_string());
    }
}

/// Logs a panic that no handle will report (asyncio: "Task exception was
/// never retrieved").
pub(crate) fn log_unretrieved(id: TaskId, name: Option<&str>, what: &str) {
    let name = name.unwrap_or("unnamed");
    log::error!(target: "reel", "Task exception was never retrieved: task {id} ({name}): {what}");
}

/// Spawns a task nobody joins, named, and returns its address (see
/// `Executor::spawn_detached`).
pub(crate) fn spawn_detached(name: &str, future: impl Future<Output = ()> + 'static) -> TaskRef {
    with_core("reel::spawn", |core| core.executor.spawn_detached(Some(name.into()), future))
}

/// Asks a task to stop, by address (see `JoinHandle::cancel`).
pub(crate) fn cancel(task: TaskRef) -> bool {
    with_core("reel::cancel", |core| core.executor.cancel(task))
}

/// How the executor reports a task's end without knowing its output type.
pub(crate) trait JoinNotify {
    /// The task's poll panicked with `message`, at `location` if known.
    fn panicked(&self, message: String, location: Option<String>);
    /// The task was dropped before completing (no-op if it had completed).
    fn cancelled(&self);
}

impl<T> JoinNotify for RefCell<JoinSlot<T>> {
    fn panicked(&self, message: String, location: Option<String>) {
        let id = self.borrow().id;
        let waiter =
            self.borrow_mut().finish(Err(JoinError { id, panic: Some(message), location }));
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }

    fn cancelled(&self) {
        let waiter = {
            let mut slot = self.borrow_mut();
            if slot.finished {
                return;
            }
            let id = slot.id;
            slot.finish(Err(JoinError { id, panic: None, location: None }))
        };
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }
}

/// The boxed task future, its executor-side slot and its handle-side slot.
type Wrapped<T> = (Pin<Box<dyn Future<Output = ()>>>, Rc<dyn JoinNotify>, Rc<RefCell<JoinSlot<T>>>);

/// Boxes `future` so that its output lands in a new join slot.
pub(crate) fn wrap<F>(id: TaskId, name: Option<Rc<str>>, future: F) -> Wrapped<F::Output>
where
    F: Future + 'static,
{
    let slot = Rc::new(RefCell::new(JoinSlot {
        result: None,
        finished: false,
        waiter: None,
        handle_alive: true,
        id,
        name,
    }));
    let output_slot = slot.clone();
    // `future` gets a box of its own and is awaited through `Pin<&mut F>`.
    // Awaiting it by value would store it twice: rustc keeps a captured
    // future's slot beside the one `.await` moves it into (rust-lang/rust
    // #62958), which doubled every task's memory. One more allocation per
    // spawn buys a task that costs its future's size, not twice that.
    let mut future = Box::pin(future);
    let body = Box::pin(async move {
        let output = future.as_mut().await;
        let waiter = output_slot.borrow_mut().finish(Ok(output));
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    });
    (body, slot.clone(), slot)
}

/// A handle to a spawned task: await it for the task's output
/// (asyncio: awaiting an `asyncio.Task`).
///
/// Resolves to `Err(JoinError)` when the task panicked or was cancelled.
/// Dropping the handle detaches the task; it runs on.
pub struct JoinHandle<T> {
    slot: Rc<RefCell<JoinSlot<T>>>,
    task: TaskRef,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(slot: Rc<RefCell<JoinSlot<T>>>, task: TaskRef) -> Self {
        JoinHandle { slot, task }
    }

    /// Asks the task to stop: its future is dropped before its next poll, at
    /// the latest in the next tick, and awaiting this handle then gives a
    /// cancelled `JoinError`. Returns false if the task had already finished
    /// (asyncio: `Task.cancel()`).
    pub fn cancel(&self) -> bool {
        if self.slot.borrow().finished {
            return false;
        }
        with_core("JoinHandle::cancel", |core| core.executor.cancel(self.task))
    }

    /// True once the task has completed, panicked or been cancelled
    /// (asyncio: `Task.done()`).
    pub fn is_finished(&self) -> bool {
        self.slot.borrow().finished
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.task.id
    }

    /// Takes the outcome if the task has finished and it is still there.
    pub(crate) fn take_result(&self) -> Option<Result<T, JoinError>> {
        self.slot.borrow_mut().result.take()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.slot.borrow_mut();
        if let Some(result) = slot.result.take() {
            return Poll::Ready(result);
        }
        if slot.finished {
            panic!("JoinHandle polled again after it returned the task's output");
        }
        match &slot.waiter {
            Some(waiter) if waiter.will_wake(cx.waker()) => {}
            _ => slot.waiter = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let mut slot = self.slot.borrow_mut();
        slot.handle_alive = false;
        if let Some(Err(e)) = &slot.result {
            if e.is_panic() {
                slot.log_unretrieved(e);
            }
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.task.id)
            .field("finished", &self.is_finished())
            .finish()
    }
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
