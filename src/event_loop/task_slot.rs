//! One task's slot in the executor's slab: what the executor knows of a
//! task besides its future, each field with its invariant. The executor
//! (executor.rs) owns the slab; task_rows.rs reads it for the task table.
//!
//! asyncio counterpart: the fields of an `asyncio.Task` (its name, its
//! state, `_fut_waiter`, what `get_stack()` shows).

use std::sync::Arc;
use std::task::Waker;

use crate::event_loop::await_site::Site;
use crate::event_loop::task::{TaskId, TaskName, TaskState};
use crate::event_loop::turn::TaskBody;
use crate::event_loop::waker::TaskWaker;

/// One task and what the executor knows about it.
pub(crate) struct Task {
    /// Unique for the life of the loop; never reused, unlike the slab key.
    pub(super) id: TaskId,
    /// Optional name for logs and `current_task()` (asyncio's `Task.get_name`).
    pub(super) name: Option<TaskName>,
    pub(super) state: TaskState,
    /// Set by `cancel`; the next time the task comes up it is dropped, not polled.
    pub(super) cancel_requested: bool,
    /// What it runs: a joinable task's cell, shared with its `JoinHandle`,
    /// or a detached task's future. `None` while it is being polled (it is
    /// moved out and back, like the waker), and for a reserved key whose
    /// future comes with `start`.
    pub(super) body: Option<TaskBody>,
    /// The waker handed to the future; built once, when the key is reserved,
    /// so polling never allocates.
    pub(super) waker: Waker,
    /// The same waker's `Arc`, kept to count its clones: when the task is
    /// waiting and only these two are left, nothing can ever wake it.
    pub(super) wakers: Arc<TaskWaker>,
    /// Polls so far, and their time in all (coarse clock, nanoseconds), and
    /// when the task was spawned: for `reel::tasks()`, counted where the
    /// slot is borrowed anyway.
    pub(super) polls: u64,
    pub(super) busy: u64,
    pub(super) born: u64,
    /// Where its last poll left it waiting: the call site of the leaf
    /// future that returned `Pending` (await_site.rs).
    pub(super) waiting_at: Option<Site>,
    /// The ids of the task that spawned it and of the task awaiting it
    /// (its `JoinHandle` or its `TaskGroup`) while one does, 0 for none or
    /// for an id past `u32::MAX`: the task tree, which then shows no parent.
    /// 32 bits, not an `Option<TaskId>` (four times the size): every
    /// connection has a slot, and the slab grows by doubling.
    pub(super) spawned_by: u32,
    pub(super) awaited_by: u32,
}
