//! The running loop as the rest of reel finds it: [`Core`] (everything one
//! loop owns), the thread-local that holds it while `run` runs, and the entry
//! points that need it: `spawn`, `spawn_named`, the `JoinHandle` they return
//! (its `cancel` reaches the executor's one cancel flag), `current_task`, and
//! the three hooks a server uses to manage its handler tasks by address.
//!
//! asyncio counterpart: `asyncio.get_running_loop()`, `asyncio.create_task`,
//! `asyncio.current_task`.
//!
//! Ground rules: the thread-local is set for exactly as long as `run` runs
//! (`runtime` sets it and clears it); a second `run` on the same thread while
//! one is running panics. This module sits above the executor; the one call
//! that comes up into it from below is a wake on the loop's own thread
//! (`waker` -> [`schedule_local`]), the way asyncio's `call_soon` reaches
//! the loop's ready queue.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use crate::event_loop::clock::Clock;
use crate::event_loop::executor::Executor;
use crate::event_loop::reactor::Reactor;
use crate::event_loop::task::JoinError;
use crate::event_loop::task::{TaskId, TaskInfo, TaskRef};
use crate::event_loop::task_cell::Joinable;
use crate::event_loop::timers::Timers;
use crate::event_loop::waker::Remote;

/// Everything one loop owns. Each part keeps its own `RefCell`s so that a
/// borrow of one never blocks another.
pub(crate) struct Core {
    /// Tasks, the ready queue and the cross-thread inbox.
    pub(crate) executor: Executor,
    /// `mio::Poll` and the slab of socket registrations.
    pub(crate) reactor: Reactor,
    /// Deadlines and the wakers of the futures sleeping until them.
    pub(crate) timers: Timers,
    /// The loop's clock, read once per tick after `epoll_wait` returns
    /// (asyncio's `loop.time()`); timers compare against it, not the wall.
    pub(crate) now: Cell<Instant>,
    /// Where `now` is read from: the wall, or a paused clock.
    pub(crate) clock: Clock,
    /// Number of the current tick, for trace lines and `Stats`.
    pub(crate) tick: Cell<u64>,
}

thread_local! {
    /// The loop running on this thread, if any (asyncio's running loop).
    static CURRENT: RefCell<Option<Rc<Core>>> = const { RefCell::new(None) };
}

/// Runs `f` with the loop running on this thread.
///
/// Panics with a message naming `what` when no loop runs here: spawning or
/// sleeping outside `reel::run` is a programming error, as in asyncio
/// ("no running event loop").
pub(crate) fn with_core<R>(what: &str, f: impl FnOnce(&Rc<Core>) -> R) -> R {
    CURRENT.with(|current| match &*current.borrow() {
        Some(core) => f(core),
        None => panic!("{what} called outside a running reel loop: call it inside reel::run"),
    })
}

/// The loop running on this thread, or `None` (also during thread teardown).
pub(crate) fn try_core() -> Option<Rc<Core>> {
    CURRENT.try_with(|current| current.borrow().clone()).ok().flatten()
}

/// The task this thread's loop is polling right now, if any; for the panic
/// hook, so it borrows nothing that could already be borrowed.
pub(crate) fn polling_task() -> Option<TaskId> {
    CURRENT
        .try_with(|current| current.try_borrow().ok()?.as_ref()?.executor.current_id())
        .ok()
        .flatten()
}

/// Schedules `task` directly if the loop running on this thread is the one
/// whose cross-thread inbox is `remote`; false otherwise (another thread, or
/// no loop). The wake path's fast lane: no lock, no `Rc` clone.
pub(crate) fn schedule_local(remote: &Arc<Remote>, task: TaskRef) -> bool {
    CURRENT
        .try_with(|current| match current.borrow().as_deref() {
            Some(core) if Arc::ptr_eq(&core.executor.remote, remote) => {
                core.executor.schedule(task);
                true
            }
            _ => false,
        })
        .unwrap_or(false)
}

impl Core {
    /// The loop's cached clock; see [`Core::now`]'s field.
    pub(crate) fn now(&self) -> Instant {
        self.now.get()
    }
}

/// Makes `core` the loop of this thread until the guard is dropped (even
/// by unwinding).
pub(crate) fn enter(core: &Rc<Core>) -> Entered {
    CURRENT.with(|current| *current.borrow_mut() = Some(core.clone()));
    Entered
}

/// Clears the thread's loop when dropped.
pub(crate) struct Entered;

impl Drop for Entered {
    fn drop(&mut self) {
        let core = CURRENT.with(|current| current.borrow_mut().take());
        drop(core);
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
    let (task, cell) = with_core("reel::spawn", |core| core.executor.spawn(None, future));
    JoinHandle { cell, task, awaited: Cell::new(false) }
}

/// [`spawn`] with a name that logs and [`current_task`] show
/// (asyncio: `create_task(coro, name=...)`).
pub fn spawn_named<F: Future + 'static>(name: &str, future: F) -> JoinHandle<F::Output> {
    let name = Rc::new(name.to_owned());
    let (task, cell) =
        with_core("reel::spawn_named", |core| core.executor.spawn(Some(name), future));
    JoinHandle { cell, task, awaited: Cell::new(false) }
}

/// The task being polled right now, or `None` outside any task
/// (asyncio: `asyncio.current_task()`).
pub fn current_task() -> Option<TaskInfo> {
    with_core("reel::current_task", |core| core.executor.current())
        .map(|(id, name)| TaskInfo { id, name: name.map(|n| n.to_string()) })
}

/// A loop hook for code that manages tasks by address, such as a server and
/// its handlers: reserves a task's slot, so that the task's own address is
/// known (to a guard inside it) before it is spawned. Nobody joins it: its
/// panic is logged at once, naming it. [`start_reserved`] gives it its future.
pub(crate) fn reserve_task(name: String) -> TaskRef {
    with_core("reel::spawn", |core| core.executor.reserve(Some(Rc::new(name))).0)
}

/// Starts the task reserved at `task` with `future`.
pub(crate) fn start_reserved(task: TaskRef, future: impl Future<Output = ()> + 'static) {
    with_core("reel::spawn", |core| core.executor.start_detached(task, future));
}

/// Asks a task to stop, by address (see `JoinHandle::cancel`); false if it
/// had finished.
pub(crate) fn cancel_task(task: TaskRef) -> bool {
    with_core("reel::cancel", |core| core.executor.cancel(task))
}

/// A handle to a spawned task: await it for the task's output
/// (asyncio: awaiting an `asyncio.Task`).
///
/// Resolves to `Err(JoinError)` when the task panicked or was cancelled.
/// Dropping the handle detaches the task; it runs on.
pub struct JoinHandle<T> {
    cell: Rc<dyn Joinable<T>>,
    task: TaskRef,
    /// True once a task has waited on this handle: the task table shows it
    /// as the awaiting task's child until the handle is dropped.
    awaited: Cell<bool>,
}

impl<T> JoinHandle<T> {
    /// Asks the task to stop: its future is dropped before its next poll, at
    /// the latest in the next tick, and awaiting this handle then gives a
    /// cancelled `JoinError`. Returns false if the task had already finished,
    /// or if no loop runs on this thread any more (its tasks were dropped
    /// when `run` returned) (asyncio: `Task.cancel()`).
    pub fn cancel(&self) -> bool {
        // The one cancel flag is the task's slot's; with no loop running,
        // the task was dropped with it.
        !self.cell.is_finished() && try_core().is_some_and(|core| core.executor.cancel(self.task))
    }

    /// True once the task has completed, panicked or been cancelled
    /// (asyncio: `Task.done()`).
    pub fn is_finished(&self) -> bool {
        self.cell.is_finished()
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.task.id
    }

    /// Notes that the task being polled awaits this one (the task tree of
    /// `reel::tasks()`); a `TaskGroup` does so for its children.
    pub(crate) fn note_awaited(&self) {
        if let Some(core) = try_core() {
            self.awaited.set(true);
            core.executor.note_awaited(self.task, core.executor.current_id());
        }
    }

    /// Takes the outcome if the task has finished and it is still there.
    pub(crate) fn take_result(&self) -> Option<Result<T, JoinError>> {
        self.cell.take_outcome()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let outcome = self.cell.poll_outcome(cx);
        if outcome.is_pending() && !self.awaited.get() {
            self.note_awaited();
        }
        outcome
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        self.cell.detach();
        if self.awaited.get() && !self.cell.is_finished() {
            if let Some(core) = try_core() {
                core.executor.note_awaited(self.task, None);
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
