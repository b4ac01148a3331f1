//! A group of child tasks that succeed or fail together: [`TaskGroup`] and
//! its [`GroupError`].
//!
//! asyncio counterpart: `asyncio.TaskGroup` (spawn children, wait for them
//! all; the first failure cancels the rest and is what the wait raises),
//! plus tokio's `JoinSet::join_next` for outcomes in the order they end
//! (asyncio: `asyncio.as_completed`). Here: the group and its waits;
//! `watch.rs`: what it shares with its children, and the watch in each;
//! `error.rs`: [`GroupError`].
//!
//! # Implementation
//!
//! Each child is a real task (`reel::spawn`), so the children run
//! concurrently on the loop as asyncio's tasks do. Its future is wrapped
//! with a `Watch` (watch.rs), which is dropped the moment the child's
//! future ends (completed, panicked, or dropped by a cancel) and reports
//! that end to the group: it queues the child in `Shared::ended` and wakes the task waiting
//! in `join_next`/`wait_all`. So `join_next` takes one finished child per
//! poll, never scanning the others (O(n) in all for n children), and the
//! first failure cancels the siblings at once, from inside the failing
//! child's turn, whether or not anybody is waiting on the group yet.
//!
//! A watch is dropped in its child's turn, just before the executor writes
//! the child's outcome into its `JoinHandle`; the group's own task is woken
//! and runs in a later turn, by which time the outcome is there to take.
//!
//! Ground rules: the handles live in `Shared` (the failing child's watch
//! must reach them), behind one `RefCell`; no waker is woken, no handle
//! cancelled and no user value dropped inside its borrow. The group is the
//! public API on top of `spawn` and `JoinHandle`; nothing below imports it.

mod error;
mod watch;

use std::cell::RefCell;
use std::fmt;
use std::future::{Future, poll_fn};
use std::panic::Location;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::event_loop::await_site::note;
use crate::event_loop::task::TaskId;
use error::outcome;
use watch::{Shared, Watch, cancel_children};

pub use error::GroupError;

/// Child tasks that succeed or fail together (asyncio: `asyncio.TaskGroup`;
/// tokio: `JoinSet`). Each child returns `Result<T, E>`.
///
/// - [`wait_all`](Self::wait_all) waits for every child and returns their
///   values in spawn order, or the group's first failure: a child's `Err`
///   or panic. That failure cancels every other child at once, and the wait
///   returns only when they have all ended, as asyncio's `async with` does.
/// - [`join_next`](Self::join_next) gives outcomes one at a time, in the
///   order the children ended; a failure still cancels the others, whose
///   outcomes then come as [`GroupError::Cancelled`]. A child that must not
///   take its siblings down returns its error as part of `T` instead.
/// - From the first failure, or [`cancel_all`](Self::cancel_all), until the
///   group has no children left, it is shutting down: a child spawned then
///   is cancelled at once (asyncio raises `RuntimeError` instead).
/// - Dropping the group cancels every child still running (asyncio's
///   group cannot be left without `async with`'s exit; tokio's `JoinSet`
///   aborts too); it does not wait for them to end.
/// - Both waits take `&mut self` and keep nothing in their futures:
///   dropping one (a `timeout`) cancels no child and loses no outcome.
///
/// ```no_run
/// use reel::TaskGroup;
///
/// async fn fetch(n: u32) -> std::io::Result<u32> {
///     Ok(n * 10)
/// }
///
/// fn main() -> std::io::Result<()> {
///     reel::run(async {
///         let mut group = TaskGroup::new();
///         for n in 0..3 {
///             group.spawn(fetch(n));
///         }
///         // In spawn order; the first `Err` or panic would have cancelled
///         // the others and come back here instead.
///         assert_eq!(group.wait_all().await?, [0, 10, 20]);
///         Ok(())
///     })
/// }
/// ```
pub struct TaskGroup<T, E> {
    /// Shared with every child's `Watch` (watch.rs).
    shared: Rc<RefCell<Shared<T, E>>>,
    /// True once the task waiting on the group has been noted as its
    /// children's awaiter (the task tree); a new child clears it.
    noted: bool,
}

impl<T: 'static, E: 'static> TaskGroup<T, E> {
    /// An empty group (asyncio: `asyncio.TaskGroup()`).
    pub fn new() -> Self {
        TaskGroup { shared: Rc::new(RefCell::new(Shared::new())), noted: false }
    }

    /// Spawns `future` as a child task and returns its id; it starts on
    /// the loop's next run phase (asyncio: `TaskGroup.create_task(coro)`).
    ///
    /// Into a group that is shutting down, the child is cancelled at once.
    /// Panics when no loop runs on this thread.
    pub fn spawn<F>(&mut self, future: F) -> TaskId
    where
        F: Future<Output = Result<T, E>> + 'static,
    {
        self.spawn_child(None, future)
    }

    /// [`spawn`](Self::spawn) with a task name
    /// (asyncio: `TaskGroup.create_task(coro, name=...)`).
    pub fn spawn_named<F>(&mut self, name: &str, future: F) -> TaskId
    where
        F: Future<Output = Result<T, E>> + 'static,
    {
        self.spawn_child(Some(name), future)
    }

    /// Spawns `future` wrapped with its watch, and keeps its handle.
    fn spawn_child<F>(&mut self, name: Option<&str>, future: F) -> TaskId
    where
        F: Future<Output = Result<T, E>> + 'static,
    {
        let (number, shutting_down) = self.shared.borrow_mut().add_child();
        self.noted = false;
        let watch = Watch { shared: self.shared.clone(), number, failed: true };
        let child = async move {
            let output = future.await;
            // The watch reports the end now, before the output leaves the task.
            watch.ended(output.is_err());
            output
        };
        let handle = match name {
            Some(name) => crate::event_loop::context::spawn_named(name, child),
            None => crate::event_loop::context::spawn(child),
        };
        let id = handle.id();
        if shutting_down {
            handle.cancel();
        }
        self.shared.borrow_mut().children.insert(number, handle);
        id
    }

    /// Waits for the next child to end and returns its outcome, or `None`
    /// when the group has no children left (tokio: `JoinSet::join_next`;
    /// asyncio: the next of `asyncio.as_completed(tasks)`).
    ///
    /// Outcomes come in the order the children ended, each once. Dropping
    /// the future before it returns loses nothing.
    ///
    /// ```no_run
    /// # reel::run(async {
    /// let mut group = reel::TaskGroup::new();
    /// for secs in [3, 1, 2] {
    ///     group.spawn(async move {
    ///         reel::sleep(std::time::Duration::from_secs(secs)).await;
    ///         Ok::<_, std::io::Error>(secs)
    ///     });
    /// }
    /// while let Some(outcome) = group.join_next().await {
    ///     println!("{outcome:?}"); // Ok(1), then Ok(2), then Ok(3)
    /// }
    /// # });
    /// ```
    #[track_caller]
    pub fn join_next(&mut self) -> impl Future<Output = Option<Result<T, GroupError<E>>>> {
        let at = Location::caller();
        poll_fn(move |cx| {
            let poll = note(at, self.poll_join_next(cx));
            if poll.is_pending() {
                self.note_awaiter();
            }
            poll
        })
    }

    /// Notes the task waiting on the group as its children's awaiter, once
    /// until a new child comes (the task tree of `reel::tasks()`).
    fn note_awaiter(&mut self) {
        if !std::mem::replace(&mut self.noted, true) {
            for handle in self.shared.borrow().children.values() {
                handle.note_awaited();
            }
        }
    }

    fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, GroupError<E>>>> {
        let handle = {
            let mut shared = self.shared.borrow_mut();
            loop {
                if shared.children.is_empty() {
                    return Poll::Ready(None);
                }
                let Some(number) = shared.ended.pop_front() else {
                    shared.park(cx);
                    return Poll::Pending;
                };
                if let Some(handle) = shared.children.remove(&number) {
                    break handle;
                }
            }
        };
        // Outside the borrow: the outcome is the user's value.
        Poll::Ready(Some(outcome(handle)))
    }

    /// Waits until every child has ended and returns their values in spawn
    /// order, or the group's first failure (asyncio: leaving
    /// `async with asyncio.TaskGroup() as tg:`, which raises the first
    /// exception in an `ExceptionGroup`).
    ///
    /// The first failure (an `Err` or a panic) has already cancelled the
    /// others; this returns once they have all ended, so nothing of the
    /// group is left running. Without a failure, a cancelled child (see
    /// [`cancel_all`](Self::cancel_all)) makes the result
    /// [`GroupError::Cancelled`]. Children joined already by `join_next`
    /// are not in it. Dropping the future before it returns cancels no
    /// child and loses no outcome: the group still holds them. After it
    /// returns the group is empty, and may take new children.
    #[track_caller]
    pub fn wait_all(&mut self) -> impl Future<Output = Result<Vec<T>, GroupError<E>>> {
        let at = Location::caller();
        poll_fn(move |cx| {
            let poll = note(at, self.poll_wait_all(cx));
            if poll.is_pending() {
                self.note_awaiter();
            }
            poll
        })
    }

    fn poll_wait_all(&mut self, cx: &mut Context<'_>) -> Poll<Result<Vec<T>, GroupError<E>>> {
        let (children, first_failure) = {
            let mut shared = self.shared.borrow_mut();
            if shared.running > 0 {
                shared.park(cx);
                return Poll::Pending;
            }
            shared.ended.clear();
            (std::mem::take(&mut shared.children), shared.first_failure)
        };
        // Outside the borrow from here: values and errors are the user's.
        let mut values = Vec::with_capacity(children.len());
        let mut failure = None;
        for (number, handle) in children {
            match outcome(handle) {
                Ok(value) => values.push(value),
                // The failure that shut the group down wins over the
                // cancellations it caused, whatever their spawn order.
                Err(e) if first_failure == Some(number) => failure = Some(e),
                Err(e) => failure = failure.or(Some(e)),
            }
        }
        Poll::Ready(failure.map_or(Ok(values), Err))
    }

    /// Shuts the group down: cancels every child still running, without
    /// waiting (tokio: `JoinSet::abort_all`; asyncio: what a TaskGroup does
    /// on its first failure). Their outcomes, [`GroupError::Cancelled`],
    /// remain to be joined; until then, a child spawned is cancelled at once.
    pub fn cancel_all(&mut self) {
        self.shared.borrow_mut().shutting_down = true;
        cancel_children(&self.shared, None);
    }

    /// How many children the group holds: running, or ended and not yet
    /// joined (tokio: `JoinSet::len`).
    pub fn len(&self) -> usize {
        self.shared.borrow().children.len()
    }

    /// True when the group holds no children (tokio: `JoinSet::is_empty`).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T: 'static, E: 'static> Default for TaskGroup<T, E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, E> Drop for TaskGroup<T, E> {
    fn drop(&mut self) {
        let children = {
            let mut shared = self.shared.borrow_mut();
            shared.shutting_down = true;
            std::mem::take(&mut shared.children)
        };
        for handle in children.values() {
            handle.cancel();
        }
        // Dropped outside the borrow: an unjoined outcome holds user values.
        // A panic nobody joined is logged, as for any dropped handle.
        drop(children);
    }
}

impl<T, E> fmt::Debug for TaskGroup<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = self.shared.borrow();
        f.debug_struct("TaskGroup")
            .field("children", &shared.children.len())
            .field("running", &shared.running)
            .field("shutting_down", &shared.shutting_down)
            .finish()
    }
}
