//! What a [`TaskGroup`](super::TaskGroup) shares with its children: their
//! handles, the queue of those that ended, and the [`Watch`] inside each
//! child's future that reports its end.
//!
//! asyncio counterpart: `TaskGroup._tasks` and the done-callback
//! (`TaskGroup._on_task_done`) it adds to each task.
//!
//! Ground rules: one `RefCell` holds it all; no handle is cancelled and no
//! waker woken inside its borrow. A watch's `Drop` runs in its child's turn
//! (or as the loop ends), never inside a borrow of the group's own code.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;
use std::task::{Context, Waker};

use crate::event_loop::context::JoinHandle;

/// What a group and the watches of its children share.
pub(super) struct Shared<T, E> {
    /// The handles of the children not yet joined, by spawn number: spawn
    /// order is key order, and a number is never reused.
    pub(super) children: BTreeMap<u64, JoinHandle<Result<T, E>>>,
    /// Children whose future has ended, in the order they ended; each at
    /// most once, and a number no longer in `children` is skipped.
    pub(super) ended: VecDeque<u64>,
    /// Children whose future has not ended yet.
    pub(super) running: usize,
    /// The number the next child gets.
    next: u64,
    /// True from the first failure or `cancel_all` until the group is
    /// empty: cancelled children are not failures, and new ones are
    /// cancelled at once.
    pub(super) shutting_down: bool,
    /// The child whose failure shut the group down, if one did.
    pub(super) first_failure: Option<u64>,
    /// The task waiting in `join_next` or `wait_all`, woken when a child ends.
    waiter: Option<Waker>,
}

impl<T, E> Shared<T, E> {
    /// The state of an empty group.
    pub(super) fn new() -> Self {
        Shared {
            children: BTreeMap::new(),
            ended: VecDeque::new(),
            running: 0,
            next: 0,
            shutting_down: false,
            first_failure: None,
            waiter: None,
        }
    }

    /// Counts in a child about to be spawned: its number, and whether the
    /// group is shutting down (then the child is to be cancelled at once).
    pub(super) fn add_child(&mut self) -> (u64, bool) {
        if self.children.is_empty() {
            // Every child has been joined: whatever shut the group down is over.
            self.shutting_down = false;
            self.first_failure = None;
            self.ended.clear();
        }
        self.next += 1;
        self.running += 1;
        (self.next - 1, self.shutting_down)
    }

    /// Parks the waiting task's waker, to be woken when a child ends.
    pub(super) fn park(&mut self, cx: &Context<'_>) {
        match &self.waiter {
            Some(waiter) if waiter.will_wake(cx.waker()) => {}
            _ => self.waiter = Some(cx.waker().clone()),
        }
    }
}

/// Cancels every child but `except`. The handles are taken out of the
/// borrow for it, because a cancel wakes the child's task; they go back
/// after (nothing runs in between that could add one).
pub(super) fn cancel_children<T, E>(shared: &RefCell<Shared<T, E>>, except: Option<u64>) {
    let mut children = std::mem::take(&mut shared.borrow_mut().children);
    for (&number, handle) in &children {
        if Some(number) != except {
            handle.cancel();
        }
    }
    shared.borrow_mut().children.append(&mut children);
}

/// Rides inside a child's future and is dropped the moment that future
/// ends, however it ends; its `Drop` reports the end to the group
/// (asyncio: the done-callback `TaskGroup` adds to each of its tasks).
pub(super) struct Watch<T, E> {
    pub(super) shared: Rc<RefCell<Shared<T, E>>>,
    /// The child's spawn number, its key in `Shared::children`.
    pub(super) number: u64,
    /// True unless the child returned `Ok`. A watch dropped before the
    /// child returned was dropped by a cancel or by a panic; while the
    /// group is not shutting down, nobody but the group cancels its
    /// children (it holds their only handles), so that is a panic. (As the
    /// loop ends it drops every task; the group's failure then is moot.)
    pub(super) failed: bool,
}

impl<T, E> Watch<T, E> {
    /// The child returned; `failed` when it returned `Err`.
    pub(super) fn ended(mut self, failed: bool) {
        self.failed = failed;
        // Dropped here: that reports it.
    }
}

impl<T, E> Drop for Watch<T, E> {
    fn drop(&mut self) {
        let (waiter, first) = {
            let mut shared = self.shared.borrow_mut();
            shared.running -= 1;
            shared.ended.push_back(self.number);
            let first = self.failed && !shared.shutting_down;
            if first {
                shared.shutting_down = true;
                shared.first_failure = Some(self.number);
            }
            (shared.waiter.take(), first)
        };
        if first {
            cancel_children(&self.shared, Some(self.number));
        }
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }
}
