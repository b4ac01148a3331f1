//! The executor's tasks as others read them: the rows of the task table
//! (`reel::tasks()`, `print_tasks_on`), the task being polled now
//! (`current_task()`), and the counts the tick and `stats()` read. Read
//! from the slab on demand; a first reading of the loop skips this file.
//!
//! asyncio counterpart: `asyncio.all_tasks()` and `asyncio.current_task()`.

use crate::event_loop::executor::Executor;
use crate::event_loop::task_slot::Task;
use std::sync::Arc;

use slab::Slab;

use crate::event_loop::await_site::Site;

use crate::event_loop::task::{TaskId, TaskName, TaskRef, TaskState};
use crate::event_loop::timeline::{self, Cause};

/// One task as `reel::tasks()` sees it: read from the slab on demand.
pub(crate) struct Row {
    pub(crate) id: TaskId,
    pub(crate) name: Option<TaskName>,
    pub(crate) state: TaskState,
    pub(crate) polls: u64,
    pub(crate) busy: u64,
    pub(crate) born: u64,
    /// The address of its waker's data, to find where that waker is parked.
    pub(crate) waker: usize,
    /// False when it is waiting and nothing but its slot holds its waker.
    pub(crate) wakeable: bool,
    pub(crate) waiting_at: Option<Site>,
    pub(crate) spawned_by: Option<TaskId>,
    pub(crate) awaited_by: Option<TaskId>,
}

impl Executor {
    /// The id of the task being polled now.
    pub(crate) fn current_id(&self) -> Option<TaskId> {
        self.current.get().map(|task_ref| task_ref.id)
    }

    /// The task being polled now: its id and name.
    pub(crate) fn current(&self) -> Option<(TaskId, Option<TaskName>)> {
        let task_ref = self.current.get()?;
        let tasks = self.tasks.borrow();
        let task = tasks.get(task_ref.key).filter(|t| t.id == task_ref.id)?;
        Some((task.id, task.name.clone()))
    }

    /// Every live task, for `reel::tasks()`.
    pub(crate) fn rows(&self) -> Vec<Row> {
        let current = self.current.get();
        let tasks = self.tasks.borrow();
        let row = |(key, task): (usize, &Task)| Row {
            id: task.id,
            name: task.name.clone(),
            state: if current.is_some_and(|c| c.key == key) {
                TaskState::Running
            } else {
                task.state
            },
            polls: task.polls,
            busy: task.busy,
            born: task.born,
            waker: task.waker.data() as usize,
            wakeable: task.state != TaskState::Waiting || Arc::strong_count(&task.wakers) > 2,
            waiting_at: task.waiting_at,
            spawned_by: (task.spawned_by != 0).then_some(TaskId(task.spawned_by.into())),
            awaited_by: (task.awaited_by != 0).then_some(TaskId(task.awaited_by.into())),
        };
        tasks.iter().map(row).collect()
    }

    /// Whether a task is ready (the tick's timeout is then zero).
    #[inline]
    pub(crate) fn has_ready(&self) -> bool {
        !self.ready.borrow().is_empty()
    }

    /// Tasks in the ready queue, for `stats()` and the trace.
    #[inline]
    pub(crate) fn ready_len(&self) -> usize {
        self.ready.borrow().len()
    }

    /// Tasks alive, for `stats()`.
    pub(crate) fn len(&self) -> usize {
        self.tasks.borrow().len()
    }
}

impl Executor {
    /// `poll_task` while the timeline records: the poll's slice, and the
    /// end of the arrow from what woke the task.
    #[cold]
    #[inline(never)]
    pub(super) fn poll_on_timeline(
        &self,
        task_ref: TaskRef,
        started: u64,
    ) -> (Option<TaskName>, u64) {
        let mark = timeline::poll_begins(task_ref.id);
        let (name, now) = self.poll_task(task_ref, started);
        timeline::polled(mark, task_ref.id, name.as_deref().map_or("unnamed", String::as_str));
        (name, now)
    }

    /// Notes that the task being polled awaits `task` (its `JoinHandle` or
    /// its group), or (`None`) no longer does; for the task tree.
    pub(crate) fn note_awaited(&self, task: TaskRef, by: Option<TaskId>) {
        if let Some(slot) = self.tasks.borrow_mut().get_mut(task.key).filter(|t| t.id == task.id) {
            slot.awaited_by = by.map_or(0, |id| id.0.try_into().unwrap_or(0));
        }
    }

    /// A task is waiting and nothing but its own slot holds its waker: no
    /// wake can ever come (a `poll` that returned `Pending` without storing
    /// `cx.waker()`). Said once per loop, at warn; the task table says it
    /// of every such task.
    #[cold]
    #[inline(never)]
    pub(super) fn note_unwakeable(&self, task: &Task) {
        if self.told_unwakeable.replace(true) {
            return;
        }
        let name = task.name.as_deref().map_or("unnamed", String::as_str);
        let at = task.waiting_at.map(|at| format!(" at {at}")).unwrap_or_default();
        log::warn!(
            target: "reel",
            "task {} ({name}) is pending{at}, and no waker is held: nothing can wake it \
             (a poll returned Pending without keeping cx.waker()); reel::tasks() lists every such task",
            task.id
        );
    }

    /// A poll used up its I/O budget (budget.rs): the task yielded, and
    /// the trace says so.
    #[cold]
    #[inline(never)]
    pub(super) fn note_budget_spent(&self, task: TaskRef) {
        let tasks = self.tasks.borrow();
        let name = tasks.get(task.key).and_then(|t| t.name.clone());
        let name = name.as_deref().map_or("unnamed", String::as_str);
        let per_poll = crate::event_loop::budget::PER_POLL;
        log::trace!(target: "reel", "task {} ({name}) used its budget of {per_poll} I/O attempts in one poll: it yields to the others until the next tick", task.id);
    }

    /// A task was just queued, while the timeline or the trace follows
    /// wakes: tells the timeline what woke it (the task being polled, else
    /// the phase's cause), with both tasks' names.
    #[cold]
    #[inline(never)]
    pub(super) fn note_wake(&self, tasks: &Slab<Task>, woken: TaskRef) {
        fn name_of(task: &Task) -> &str {
            task.name.as_deref().map_or("unnamed", String::as_str)
        }
        let by = match self.current.get() {
            Some(by) => match tasks.get(by.key).filter(|t| t.id == by.id) {
                Some(task) => Cause::Task(by.id, name_of(task).to_owned()),
                None => Cause::Task(by.id, "unnamed".to_owned()),
            },
            None => timeline::cause(),
        };
        if let Some(task) = tasks.get(woken.key) {
            timeline::woken(woken.id, name_of(task), &by, task.polls == 0);
        }
    }
}

impl Task {
    /// Counts one poll that took `busy` nanoseconds (coarse clock), where
    /// the slot is borrowed anyway: the table's `polls` and `busy`.
    #[inline]
    pub(crate) fn count_poll(&mut self, busy: u64) {
        self.polls += 1;
        self.busy += busy;
    }
}
