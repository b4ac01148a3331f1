//! The executor's tasks as others read them: the rows of the task table
//! (`reel::tasks()`, `print_tasks_on`), the task being polled now
//! (`current_task()`), and the counts the tick and `stats()` read. Read
//! from the slab on demand; a first reading of the loop skips this file.
//!
//! asyncio counterpart: `asyncio.all_tasks()` and `asyncio.current_task()`.

use crate::event_loop::executor::{Executor, Task};
use crate::event_loop::task::{TaskId, TaskName, TaskState};

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

impl Task {
    /// Counts one poll that took `busy` nanoseconds (coarse clock), where
    /// the slot is borrowed anyway: the table's `polls` and `busy`.
    #[inline]
    pub(crate) fn count_poll(&mut self, busy: u64) {
        self.polls += 1;
        self.busy += busy;
    }
}
