//! Tasks and the ready queue: what runs, and when.
//!
//! asyncio counterpart: `loop._ready` (a deque of callbacks) and `Task.__step`.
//!
//! # Implementation
//!
//! A task is a boxed `Future<Output = ()>` in a slab; its slab key plus its
//! unique id form a [`TaskRef`]. The id guards against a recycled key: a wake
//! for a task that has finished, even if its slot now holds a new task, is
//! ignored. The ready queue holds `TaskRef`s, each task at most once (its
//! [`TaskState`] says whether it is queued).
//!
//! Ground rules: no borrow of `tasks` or `ready` is held while a future is
//! polled or dropped, because user code may spawn, wake or cancel from there.
//! So a task's future is taken out of its slot for the duration of its poll
//! and put back afterwards.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use slab::Slab;

use crate::reactor::Reactor;
use crate::task::{self, JoinHandle, JoinNotify, TaskId};
use crate::waker::{Remote, TaskWaker};

/// A task's address: its slab key and, to reject stale wakes, its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TaskRef {
    pub(crate) key: usize,
    pub(crate) id: TaskId,
}

/// How a task left the slab, for its `JoinHandle` (or the log).
enum TaskEnd {
    Completed,
    Cancelled,
    /// The poll panicked: the message, and where (from reel's panic hook).
    Panicked(String, Option<String>),
}

/// Where a task is in its life between spawn and completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TaskState {
    /// Waiting for a wake; not in the ready queue. Its waker is parked in a
    /// reactor slot, a timer, a channel, or nowhere (then it sleeps forever).
    Idle,
    /// In the ready queue exactly once; further wakes change nothing.
    Scheduled,
    /// Being polled right now: its future is out of the slab. A wake in this
    /// state queues it for the next tick (that is how `yield_now` works).
    Running,
}

/// One spawned future and what the executor knows about it.
struct Task {
    /// Unique for the life of the loop; never reused, unlike the slab key.
    id: TaskId,
    /// Optional name for logs and `current_task()` (asyncio's `Task.get_name`).
    name: Option<Rc<str>>,
    state: TaskState,
    /// Set by `cancel`; the next time the task comes up it is dropped, not polled.
    cancel_requested: bool,
    /// `None` only while the future is being polled.
    future: Option<Pin<Box<dyn Future<Output = ()>>>>,
    /// The waker handed to the future; built once at spawn, so polling never
    /// allocates or touches a reference count.
    waker: Option<Waker>,
    /// The `JoinHandle`'s side: told when the task panics or is cancelled.
    /// `None` for a detached task, whose panic is logged at once.
    join: Option<Rc<dyn JoinNotify>>,
}

/// Owns every task of one loop and the queue of those ready to run.
pub(crate) struct Executor {
    /// All live tasks. A slot is freed when its task completes or is dropped.
    tasks: RefCell<Slab<Task>>,
    /// Tasks to poll in the next run phase, in wake order, each at most once.
    ready: RefCell<VecDeque<TaskRef>>,
    /// The next task id; ids start at 1.
    next_id: Cell<u64>,
    /// The task being polled right now, for `current_task()`.
    current: Cell<Option<TaskRef>>,
    /// The inbox for wakes from other threads, and the `mio::Waker` that
    /// interrupts `epoll_wait` when one arrives.
    pub(crate) remote: Arc<Remote>,
    /// A single poll longer than this logs a warning (asyncio debug mode's
    /// slow-callback warning).
    slow_poll: Option<Duration>,
}

impl Executor {
    pub(crate) fn new(reactor: &Reactor, slow_poll: Option<Duration>) -> std::io::Result<Self> {
        Ok(Executor {
            tasks: RefCell::new(Slab::new()),
            ready: RefCell::new(VecDeque::new()),
            next_id: Cell::new(1),
            current: Cell::new(None),
            remote: Arc::new(Remote::new(reactor)?),
            slow_poll,
        })
    }

    /// Adds a task and queues its first poll (asyncio: `create_task`).
    pub(crate) fn spawn<F>(&self, name: Option<Rc<str>>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        let id = self.next_task_id();
        let (future, join, handle_slot) = task::wrap(id, name.clone(), future);
        let task_ref = self.insert(id, name, future, Some(join));
        JoinHandle::new(handle_slot, task_ref)
    }

    /// Adds a task nobody will join: its boxed future is the whole task (no
    /// output slot, no wrapper), and a panic is logged at once. For tasks the
    /// runtime itself manages by `TaskRef`, such as a server's handlers.
    pub(crate) fn spawn_detached(
        &self,
        name: Option<Rc<str>>,
        future: impl Future<Output = ()> + 'static,
    ) -> TaskRef {
        let id = self.next_task_id();
        self.insert(id, name, Box::pin(future), None)
    }

    fn next_task_id(&self) -> TaskId {
        let id = TaskId(self.next_id.get());
        self.next_id.set(id.0 + 1);
        id
    }

    /// Puts a new task in the slab and queues its first poll.
    fn insert(
        &self,
        id: TaskId,
        name: Option<Rc<str>>,
        future: Pin<Box<dyn Future<Output = ()>>>,
        join: Option<Rc<dyn JoinNotify>>,
    ) -> TaskRef {
        let mut tasks = self.tasks.borrow_mut();
        let entry = tasks.vacant_entry();
        let task_ref = TaskRef { key: entry.key(), id };
        let waker = Waker::from(Arc::new(TaskWaker::new(task_ref, self.remote.clone())));
        entry.insert(Task {
            id,
            name,
            state: TaskState::Scheduled,
            cancel_requested: false,
            future: Some(future),
            waker: Some(waker),
            join,
        });
        self.ready.borrow_mut().push_back(task_ref);
        task_ref
    }

    /// Queues a task for the next run phase, unless it is queued already or
    /// gone. Every wake on the loop's thread ends here.
    pub(crate) fn schedule(&self, task_ref: TaskRef) {
        let mut tasks = self.tasks.borrow_mut();
        let Some(task) = tasks.get_mut(task_ref.key) else {
            return;
        };
        if task.id != task_ref.id || task.state == TaskState::Scheduled {
            return;
        }
        task.state = TaskState::Scheduled;
        self.ready.borrow_mut().push_back(task_ref);
    }

    /// Moves the wakes that other threads left in the inbox to the ready queue.
    pub(crate) fn drain_remote(&self) {
        for task_ref in self.remote.take_inbox() {
            self.schedule(task_ref);
        }
    }

    /// Asks for a task to be cancelled: it is dropped instead of polled when it
    /// next comes up, at the latest in the next tick. Returns false when the
    /// task has already finished (asyncio: `Task.cancel()`).
    pub(crate) fn cancel(&self, task_ref: TaskRef) -> bool {
        {
            let mut tasks = self.tasks.borrow_mut();
            let Some(task) = tasks.get_mut(task_ref.key) else {
                return false;
            };
            if task.id != task_ref.id {
                return false;
            }
            task.cancel_requested = true;
        }
        self.schedule(task_ref);
        true
    }

    /// Polls exactly the tasks that were ready when this phase began, and
    /// returns how many ran.
    ///
    /// This is the only place where futures are polled: break here (or on
    /// `reel::executor::Executor::poll_task`) to watch every task step.
    pub(crate) fn run_ready(&self) -> usize {
        let count = self.ready.borrow().len();
        let mut last = self.slow_poll.map(|_| Instant::now());
        for _ in 0..count {
            let Some(task_ref) = self.ready.borrow_mut().pop_front() else {
                break;
            };
            let name = self.poll_task(task_ref);
            if let (Some(limit), Some(started)) = (self.slow_poll, last) {
                let now = Instant::now();
                if now - started > limit {
                    warn_slow(task_ref, name.as_deref(), now - started);
                }
                last = Some(now);
            }
        }
        count
    }

    /// Polls one task (or drops it, if cancelled); returns its name for the
    /// slow-poll warning, since a finished task is gone from the slab.
    fn poll_task(&self, task_ref: TaskRef) -> Option<Rc<str>> {
        let (mut future, waker, cancel, name) = {
            let mut tasks = self.tasks.borrow_mut();
            let task = tasks.get_mut(task_ref.key).filter(|t| t.id == task_ref.id)?;
            task.state = TaskState::Running;
            let (Some(future), Some(waker)) = (task.future.take(), task.waker.take()) else {
                return None;
            };
            (future, waker, task.cancel_requested, task.name.clone())
        };
        if cancel {
            self.remove(task_ref, future, TaskEnd::Cancelled);
            return name;
        }
        self.current.set(Some(task_ref));
        let mut cx = Context::from_waker(&waker);
        let outcome = catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx)));
        self.current.set(None);
        match outcome {
            Ok(Poll::Ready(())) => self.remove(task_ref, future, TaskEnd::Completed),
            Err(payload) => {
                let message = crate::panic::panic_message(&*payload);
                let location = crate::panic::take_panic_location();
                self.remove(task_ref, future, TaskEnd::Panicked(message, location));
            }
            Ok(Poll::Pending) => {
                let mut tasks = self.tasks.borrow_mut();
                let task = &mut tasks[task_ref.key];
                task.future = Some(future);
                task.waker = Some(waker);
                if task.state == TaskState::Running {
                    task.state = TaskState::Idle;
                }
            }
        }
        name
    }

    /// Frees a finished task's slot, then drops its future and tells its
    /// `JoinHandle`, both outside any borrow (destructors may call back in).
    fn remove(&self, task_ref: TaskRef, future: Pin<Box<dyn Future<Output = ()>>>, end: TaskEnd) {
        let task = self.tasks.borrow_mut().remove(task_ref.key);
        crate::panic::drop_guarded(future, &format!("task {}", task.id));
        match (&task.join, end) {
            (Some(join), TaskEnd::Cancelled) => join.cancelled(),
            (Some(join), TaskEnd::Panicked(message, location)) => join.panicked(message, location),
            (None, TaskEnd::Panicked(message, location)) => {
                let what = match location {
                    Some(at) => format!("panicked at {at}: {message}"),
                    None => format!("panicked: {message}"),
                };
                task::log_unretrieved(task.id, task.name.as_deref(), &what);
            }
            (_, TaskEnd::Completed) | (None, TaskEnd::Cancelled) => {}
        }
    }

    /// Cancels and drops every task, as the loop ends; returns how many.
    pub(crate) fn cancel_all(&self) -> usize {
        let mut count = 0;
        // Dropping a task may spawn another; loop until nothing is left.
        loop {
            let drained: Vec<Task> = self.tasks.borrow_mut().drain().collect();
            self.ready.borrow_mut().clear();
            if drained.is_empty() {
                return count;
            }
            count += drained.len();
            for task in drained {
                crate::panic::drop_guarded(task.future, &format!("task {}", task.id));
                if let Some(join) = task.join {
                    join.cancelled();
                }
            }
        }
    }

    /// The id of the task being polled now.
    pub(crate) fn current_id(&self) -> Option<TaskId> {
        self.current.get().map(|task_ref| task_ref.id)
    }

    /// The task being polled now: its reference and name.
    pub(crate) fn current(&self) -> Option<(TaskRef, Option<Rc<str>>)> {
        let task_ref = self.current.get()?;
        let name = self.task_info(task_ref)?.1;
        Some((task_ref, name))
    }

    fn task_info(&self, task_ref: TaskRef) -> Option<(TaskId, Option<Rc<str>>)> {
        let tasks = self.tasks.borrow();
        let task = tasks.get(task_ref.key).filter(|t| t.id == task_ref.id)?;
        Some((task.id, task.name.clone()))
    }

    pub(crate) fn has_ready(&self) -> bool {
        !self.ready.borrow().is_empty()
    }

    pub(crate) fn ready_len(&self) -> usize {
        self.ready.borrow().len()
    }

    pub(crate) fn len(&self) -> usize {
        self.tasks.borrow().len()
    }
}

/// asyncio debug mode's "Executing <Task ...> took 0.150 seconds".
///
/// It always shows: through `log` when a logger is set up, else on stderr,
/// as Python's logging prints warnings through its "last resort" handler
/// when nothing is configured (`log`'s level stays `Off` until someone sets
/// up logging; `Builder::slow_callback_duration(None)` turns the check off).
/// Under a debugger a breakpoint inside the poll makes it look slow, so then
/// the warning says so.
fn warn_slow(task_ref: TaskRef, name: Option<&str>, took: Duration) {
    let name = name.unwrap_or("unnamed");
    let traced = match tracer_pid() {
        Some(pid) => {
            format!(" (a debugger is attached, TracerPid {pid}: a breakpoint may have stopped it)")
        }
        None => String::new(),
    };
    let line = format!(
        "task {} ({name}) took {took:?} in one poll: it blocks every other task; \
         use spawn_blocking for blocking work{traced}",
        task_ref.id
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_woken_during_its_poll_runs_next_phase_and_is_queued_once() {
        let reactor = Reactor::new(8).unwrap();
        let executor = Executor::new(&reactor, None).unwrap();
        let mut polls = 0;
        let handle = executor.spawn(
            None,
            std::future::poll_fn(move |cx| {
                polls += 1;
                // Wake twice while running: still one entry in the queue.
                cx.waker().wake_by_ref();
                cx.waker().wake_by_ref();
                if polls == 3 { Poll::Ready(polls) } else { Poll::Pending }
            }),
        );
        // No loop runs on this thread, so the wakes take the remote path;
        // draining the inbox turns them into one schedule.
        for phase in 1..=3 {
            assert_eq!(executor.run_ready(), 1, "phase {phase} polls the task once");
            executor.drain_remote();
            assert!(executor.ready_len() <= 1);
        }
        assert_eq!(handle.take_result().map(|r| r.ok()), Some(Some(3)));
        assert_eq!(executor.len(), 0, "the finished task left the slab");
    }
}
