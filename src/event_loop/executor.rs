//! Tasks and the ready queue: what runs, and when.
//!
//! asyncio counterpart: `loop._ready` (a deque of callbacks) and `Task.__step`.
//!
//! # Implementation
//!
//! Every task has a slot in a slab; its slab key plus its unique id form a
//! [`TaskRef`]. The id guards against a recycled key: a wake for a task that
//! has finished, even if its slot now holds a new task, is ignored. The
//! ready queue holds `TaskRef`s, each task at most once (its [`TaskState`]
//! says whether it is queued).
//!
//! A slot holds a joinable task's cell (`task_cell::Runnable`, shared with its
//! `JoinHandle`), or a detached task's boxed future (a server's handlers:
//! nobody awaits them, so they need no outcome), or nothing yet: a reserved
//! key, so that whoever spawns knows the task's address before it runs (as
//! async-executor reserves its slab entry).
//!
//! Ground rules: no borrow of `tasks` or `ready` is held while a future is
//! polled or dropped, because user code may spawn, wake or cancel from there.
//! A task's body (its cell or its future) and its waker are moved out of
//! the slot for its poll and back after, with the slab released.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use slab::Slab;

use crate::event_loop::await_site;
use crate::event_loop::budget;
use crate::event_loop::reactor::Reactor;
use crate::event_loop::slow_poll::{coarse_nanos, warn_slow};
use crate::event_loop::task::{TaskId, TaskName, TaskRef, TaskState};
use crate::event_loop::task_cell;
use crate::event_loop::task_cell::Joinable;
use crate::event_loop::task_slot::Task;
use crate::event_loop::timeline::{self, Cause};
use crate::event_loop::trace::note_ran;
use crate::event_loop::turn::{TaskBody, TaskEnd};
use crate::event_loop::waker::{Remote, TaskWaker};

/// The handle's side of a joinable task's cell.
pub(crate) type Joined<T> = std::rc::Rc<dyn Joinable<T>>;

/// Owns every task of one loop and the queue of those ready to run.
pub(crate) struct Executor {
    /// All live tasks. A slot is freed when its task completes or is dropped.
    pub(super) tasks: RefCell<Slab<Task>>,
    /// Tasks to poll in the next run phase, in wake order, each at most once.
    pub(super) ready: RefCell<VecDeque<TaskRef>>,
    /// The next task id; ids start at 1.
    next_id: Cell<u64>,
    /// The task being polled right now, for `current_task()`.
    pub(super) current: Cell<Option<TaskRef>>,
    /// The inbox for wakes from other threads, and the `mio::Waker` that
    /// interrupts `epoll_wait` when one arrives.
    pub(crate) remote: Arc<Remote>,
    /// A single poll longer than this logs a warning (asyncio debug mode's
    /// slow-callback warning).
    slow_poll: Option<Duration>,
    /// Set once the loop has warned of a task that nothing can wake.
    pub(super) told_unwakeable: Cell<bool>,
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
            told_unwakeable: Cell::new(false),
        })
    }

    /// Adds a task and queues its first poll (asyncio: `create_task`).
    /// Returns its address and the cell its `JoinHandle` reads.
    pub(crate) fn spawn<F>(&self, name: Option<TaskName>, future: F) -> (TaskRef, Joined<F::Output>)
    where
        F: Future + 'static,
    {
        let (task, _) = self.reserve(name.clone());
        let (cell, outcome) = task_cell::new_task(task, name, future);
        self.start(task, TaskBody::Joined(cell));
        (task, outcome)
    }

    /// Takes a slab key for a task to come and returns its address and
    /// waker; `start_detached` gives it its future.
    pub(crate) fn reserve(&self, name: Option<TaskName>) -> (TaskRef, Waker) {
        let id = TaskId(self.next_id.get());
        self.next_id.set(id.0 + 1);
        let mut tasks = self.tasks.borrow_mut();
        let entry = tasks.vacant_entry();
        let task = TaskRef { key: entry.key(), id };
        let wakers = Arc::new(TaskWaker::new(task, self.remote.clone()));
        let waker = Waker::from(wakers.clone());
        let state = TaskState::Waiting;
        entry.insert(Task {
            id,
            name,
            state,
            cancel_requested: false,
            body: None,
            waker: waker.clone(),
            wakers,
            polls: 0,
            busy: 0,
            born: coarse_nanos(),
            waiting_at: None,
            spawned_by: self.current.get().map_or(0, |task| task.id.0.try_into().unwrap_or(0)),
            awaited_by: 0,
        });
        (task, waker)
    }

    /// Gives a reserved task the future nobody will join (its panic is
    /// logged at once) and queues its first poll.
    pub(crate) fn start_detached(&self, task: TaskRef, future: impl Future<Output = ()> + 'static) {
        self.start(task, TaskBody::Detached(Box::pin(future)));
    }

    fn start(&self, task: TaskRef, body: TaskBody) {
        if let Some(slot) = self.tasks.borrow_mut().get_mut(task.key).filter(|t| t.id == task.id) {
            slot.body = Some(body);
        }
        self.schedule(task);
    }

    /// Queues a task for the next run phase, unless it is queued already or
    /// gone. Every wake on the loop's thread ends here.
    pub(crate) fn schedule(&self, task_ref: TaskRef) {
        let mut tasks = self.tasks.borrow_mut();
        let Some(task) = tasks.get_mut(task_ref.key) else {
            return;
        };
        if task.id != task_ref.id || task.state == TaskState::Ready {
            return;
        }
        task.state = TaskState::Ready;
        self.ready.borrow_mut().push_back(task_ref);
        if timeline::watching() {
            self.note_wake(&tasks, task_ref);
        }
    }

    /// Moves the wakes that other threads left in the inbox to the ready
    /// queue; returns how many there were.
    pub(crate) fn drain_remote(&self) -> usize {
        let inbox = self.remote.take_inbox();
        if timeline::watching() {
            timeline::set_cause(Cause::Thread);
        }
        for &task_ref in &inbox {
            self.schedule(task_ref);
        }
        inbox.len()
    }

    /// Asks for a task to be cancelled: it is dropped instead of polled when it
    /// next comes up, at the latest in the next tick. Returns false when the
    /// task has already finished (asyncio: `Task.cancel()`).
    pub(crate) fn cancel(&self, task_ref: TaskRef) -> bool {
        {
            let mut tasks = self.tasks.borrow_mut();
            let Some(task) = tasks.get_mut(task_ref.key).filter(|t| t.id == task_ref.id) else {
                return false;
            };
            task.cancel_requested = true;
        }
        self.schedule(task_ref);
        true
    }

    /// Polls exactly the tasks that were ready when this phase began, and
    /// returns how many ran.
    ///
    /// This is the only place where futures are polled: break here (or on
    /// `reel::event_loop::executor::Executor::poll_task`) to watch every task step.
    ///
    /// With `ran`, the id and name of every task polled are appended to it,
    /// for the tick's trace line.
    pub(crate) fn run_ready(&self, mut ran: Option<&mut String>) -> usize {
        let count = self.ready.borrow().len();
        let limit = self.slow_poll.map_or(u64::MAX, |limit| limit.as_nanos() as u64);
        let mut last = coarse_nanos();
        let timeline = timeline::on();
        for _ in 0..count {
            let Some(task_ref) = self.ready.borrow_mut().pop_front() else {
                break;
            };
            let (name, now) = if timeline {
                self.poll_on_timeline(task_ref, last)
            } else {
                self.poll_task(task_ref, last)
            };
            let name = name.as_deref().map(String::as_str);
            if now - last > limit {
                warn_slow(task_ref.id, name, Duration::from_nanos(now - last));
            }
            if let Some(ran) = ran.as_deref_mut() {
                note_ran(ran, task_ref.id, name);
            }
            last = now;
        }
        count
    }

    /// Polls one task (or drops it, if cancelled), `started` being the
    /// coarse clock before; returns its name for the slow-poll warning (a
    /// finished task is gone from the slab) and the clock after.
    // Inlined into `run_ready` as when it had one caller: a call per poll
    // costs the echo example 20 instructions a message under callgrind.
    #[inline(always)]
    pub(super) fn poll_task(&self, task_ref: TaskRef, started: u64) -> (Option<TaskName>, u64) {
        let Some((mut body, waker, cancel, name)) = self.take_for_poll(task_ref) else {
            return (None, started);
        };
        if cancel {
            self.remove(task_ref, body, TaskEnd::Cancelled);
            return (name, coarse_nanos());
        }
        self.current.set(Some(task_ref));
        budget::start_poll();
        let outcome = body.poll(&mut Context::from_waker(&waker));
        self.current.set(None);
        let waiting_at = await_site::take();
        if budget::ran_out() {
            self.note_budget_spent(task_ref);
        }
        let ended = coarse_nanos();
        match outcome {
            Ok(Poll::Ready(())) => self.remove(task_ref, body, TaskEnd::Completed),
            Err(message) => {
                let location = crate::event_loop::panic::take_panic_location();
                self.remove(task_ref, body, TaskEnd::Panicked(message, location));
            }
            Ok(Poll::Pending) => {
                let mut tasks = self.tasks.borrow_mut();
                let task = &mut tasks[task_ref.key];
                task.waker = waker;
                task.count_poll(ended - started);
                task.body = Some(body);
                task.waiting_at = waiting_at;
                if task.state == TaskState::Running {
                    task.state = TaskState::Waiting;
                    // Only the slot's own two are left: no wake can come.
                    if Arc::strong_count(&task.wakers) <= 2 {
                        self.note_unwakeable(task);
                    }
                }
            }
        }
        (name, ended)
    }

    /// Takes a task out of its slot for a poll: what to run, its waker,
    /// whether to cancel it instead, and its name.
    fn take_for_poll(
        &self,
        task_ref: TaskRef,
    ) -> Option<(TaskBody, Waker, bool, Option<TaskName>)> {
        let mut tasks = self.tasks.borrow_mut();
        let task = tasks.get_mut(task_ref.key).filter(|t| t.id == task_ref.id)?;
        task.state = TaskState::Running;
        let body = task.body.take()?;
        let cancel = task.cancel_requested;
        // Moved out for the poll and back after, not cloned: a clone is an
        // atomic increment and decrement per poll.
        let waker = std::mem::replace(&mut task.waker, Waker::noop().clone());
        Some((body, waker, cancel, task.name.clone()))
    }

    /// Frees a finished task's slot, then drops its future and tells its
    /// `JoinHandle`, both outside any borrow (destructors may call back in).
    fn remove(&self, task_ref: TaskRef, body: TaskBody, end: TaskEnd) {
        let task = self.tasks.borrow_mut().remove(task_ref.key);
        body.end(task.id, task.name.as_deref().map(String::as_str), end);
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
                let Some(body) = task.body else { continue };
                body.end(task.id, task.name.as_deref().map(String::as_str), TaskEnd::Cancelled);
            }
        }
    }
}

#[cfg(test)]
#[path = "executor_tests.rs"]
mod tests;
