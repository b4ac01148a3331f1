//! How a wake reaches the ready queue, from this thread or any other.
//!
//! asyncio counterpart: `loop.call_soon` (same thread) and
//! `loop.call_soon_threadsafe` (another thread: append under a lock, then
//! write a byte to the self-pipe so `select` returns).
//!
//! # Implementation
//!
//! `std::task::Waker` must be `Send + Sync`, so a [`TaskWaker`] holds only a
//! [`TaskRef`] (plain numbers) and an `Arc<Remote>`. On wake it looks at the
//! thread-local running loop: if that loop owns the same `Remote`, the wake is
//! local and goes straight to `Executor::schedule` (no lock, no syscall).
//! Otherwise it appends to the `Remote` inbox under a mutex and, if the inbox
//! was empty, rings a `mio::Waker` (an eventfd on Linux) so that `epoll_wait`
//! returns and the loop drains the inbox.
//!
//! This is the one boundary in reel where other threads touch loop state,
//! hence the loop's one `Mutex`; everything else it owns is `Rc`/`RefCell`.

use std::sync::{Arc, Mutex};
use std::task::Wake;

use crate::event_loop::context::schedule_local;
use crate::event_loop::reactor::Reactor;
use crate::event_loop::task::TaskRef;

/// The cross-thread half of a loop: an inbox of task wakes and the waker
/// registered with the loop's `mio::Poll` that interrupts its `epoll_wait`.
pub(crate) struct Remote {
    /// Tasks woken from other threads since the loop last drained the inbox.
    /// Invariant: non-empty implies the mio waker was rung after the first push.
    inbox: Mutex<Vec<TaskRef>>,
    /// Rings the loop's poll (token `WAKE_TOKEN`).
    ring: mio::Waker,
}

impl Remote {
    pub(crate) fn new(reactor: &Reactor) -> std::io::Result<Self> {
        Ok(Remote { inbox: Mutex::new(Vec::new()), ring: reactor.new_waker()? })
    }

    /// Queues a wake from another thread and interrupts `epoll_wait`.
    fn push(&self, task: TaskRef) {
        // A poisoned lock only means another waker panicked mid-push; the Vec
        // is still sound, so keep going rather than lose the wake.
        let mut inbox = self.inbox.lock().unwrap_or_else(|e| e.into_inner());
        inbox.push(task);
        if inbox.len() == 1 {
            if let Err(e) = self.ring.wake() {
                log::error!(target: "reel", "could not wake the loop from another thread: {e}");
            }
        }
    }

    /// Takes every wake queued from other threads.
    pub(crate) fn take_inbox(&self) -> Vec<TaskRef> {
        std::mem::take(&mut *self.inbox.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// The data behind every task's `std::task::Waker`.
pub(crate) struct TaskWaker {
    task: TaskRef,
    /// Identifies the loop that owns the task and reaches it from elsewhere.
    remote: Arc<Remote>,
}

impl TaskWaker {
    pub(crate) fn new(task: TaskRef, remote: Arc<Remote>) -> Self {
        TaskWaker { task, remote }
    }
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    /// Waking twice schedules once, and waking a finished task does nothing:
    /// `Executor::schedule` checks both.
    fn wake_by_ref(self: &Arc<Self>) {
        if !schedule_local(&self.remote, self.task) {
            self.remote.push(self.task);
        }
    }
}
