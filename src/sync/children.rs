//! Many futures polled inside one task, each with its own waker, so that a
//! wake polls only the child it is for. The engine under
//! [`join_all`](super::join_all) and [`race`](super::race).
//!
//! asyncio counterpart: none directly. `asyncio.gather` wraps each child in
//! a `Task` and counts done-callbacks; here the children are not tasks (the
//! executor never sees them) and a child's waker plays the done-callback's
//! part: it notes the child's index and wakes the parent task.
//!
//! # Implementation
//!
//! Cost: one boxed future and one `Arc`-backed waker per child, built once.
//! A wake costs one uncontended lock, and a parent poll polls only the
//! children woken since the last one, so n children that finish one at a
//! time cost O(n) child polls in all, not the O(n²) of re-polling every
//! child on every wake.
//!
//! Ground rule: this is the one place in `sync` with a `Mutex`, and it is not
//! an exception to "single thread means `Rc`": `std::task::Waker` must be
//! `Send + Sync`, and reel's wakers do cross threads (a `spawn_blocking` job
//! wakes its task from the pool). What a child's waker touches must be
//! thread-safe; the futures themselves never leave the loop's thread.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

/// The children of one `join_all` or `race`.
pub(crate) struct Children<F: Future> {
    /// The futures, by input index; a child is dropped (set to `None`) as
    /// soon as it completes, so it is never polled again.
    futures: Vec<Option<Pin<Box<F>>>>,
    /// One waker per child, built once: waking `wakers[i]` queues `i`.
    wakers: Vec<Waker>,
    /// The children woken since they were last polled; shared with `wakers`.
    woken: Arc<Mutex<Woken>>,
    /// Children not yet completed.
    remaining: usize,
}

/// What a child's waker records for the parent.
struct Woken {
    /// Indices to poll, in wake order, each at most once.
    queue: VecDeque<usize>,
    /// `queued[i]` is true while `i` is in `queue`, so a child woken twice is
    /// polled once.
    queued: Vec<bool>,
    /// The waker of the task that polls the parent; `None` before its first
    /// poll (every child is queued then anyway).
    parent: Option<Waker>,
}

/// The waker of child `index`.
struct ChildWaker {
    /// The child's input index: its place in `futures` and in the output.
    index: usize,
    /// The record shared with the parent (`Children::woken`).
    woken: Arc<Mutex<Woken>>,
}

impl Wake for ChildWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let parent = {
            let mut woken = lock(&self.woken);
            if woken.queued[self.index] {
                // Queued already, so the parent was woken and has not yet run.
                return;
            }
            woken.queued[self.index] = true;
            woken.queue.push_back(self.index);
            woken.parent.clone()
        };
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

/// A poisoned lock only means a waker panicked elsewhere; the queue of
/// indices is still sound, so carry on with it.
fn lock(woken: &Mutex<Woken>) -> MutexGuard<'_, Woken> {
    woken.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<F: Future> Children<F> {
    /// Boxes and pins each future and queues them all for a first poll, in
    /// input order.
    pub(crate) fn new(futures: impl IntoIterator<Item = F>) -> Self {
        let futures: Vec<_> = futures.into_iter().map(|f| Some(Box::pin(f))).collect();
        let n = futures.len();
        let woken = Arc::new(Mutex::new(Woken {
            queue: (0..n).collect(),
            queued: vec![true; n],
            parent: None,
        }));
        let wakers = (0..n)
            .map(|index| Waker::from(Arc::new(ChildWaker { index, woken: woken.clone() })))
            .collect();
        Children { futures, wakers, woken, remaining: n }
    }

    /// How many children there were to begin with.
    pub(crate) fn len(&self) -> usize {
        self.futures.len()
    }

    /// Polls the children woken since the last call until one completes:
    /// `Ready(Some((index, output)))`. `Ready(None)` once all have completed;
    /// `Pending` when none of the woken ones completed.
    ///
    /// Only the children queued when the call began are polled, so a child
    /// that wakes itself (`yield_now`) runs once per call and cannot starve
    /// the loop; its wake has already queued the parent again.
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<(usize, F::Output)>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let batch = {
            let mut woken = lock(&self.woken);
            match &woken.parent {
                Some(parent) if parent.will_wake(cx.waker()) => {}
                _ => woken.parent = Some(cx.waker().clone()),
            }
            woken.queue.len()
        };
        for _ in 0..batch {
            let Some(index) = self.next_woken() else { break };
            // A child that completed may still be woken by something it left behind.
            let Some(future) = self.futures[index].as_mut() else { continue };
            let mut child_cx = Context::from_waker(&self.wakers[index]);
            if let Poll::Ready(output) = future.as_mut().poll(&mut child_cx) {
                self.futures[index] = None;
                self.remaining -= 1;
                return Poll::Ready(Some((index, output)));
            }
        }
        Poll::Pending
    }

    /// Takes the oldest woken index; a wake from now on queues it again.
    fn next_woken(&self) -> Option<usize> {
        let mut woken = lock(&self.woken);
        let index = woken.queue.pop_front()?;
        woken.queued[index] = false;
        Some(index)
    }
}
