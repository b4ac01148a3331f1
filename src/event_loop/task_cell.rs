//! A joinable task as one cell: its future and its outcome on the way to
//! its `JoinHandle`, which shares the cell with the executor's slab.
//!
//! # Implementation
//!
//! One [`TaskCell`] behind an `Rc`, seen two ways: the executor holds it as
//! `Rc<dyn Runnable>` (poll it, drop it, tell it that it panicked or was
//! cancelled), the `JoinHandle` (context.rs) as `Rc<dyn Joinable<T>>` (take
//! the outcome). Cancelling is not the cell's business: the one cancel flag
//! is the executor's, in the task's slot. The cell holds the task's future in a box of its own:
//! polling a future needs `Pin<&mut F>`, which safe Rust gives through a
//! `Pin<Box<F>>` but not through an `Rc`, and storing the future inline in
//! an async wrapper stores it twice (rust-lang/rust#62958). So a joinable
//! task costs three allocations: that box, the cell, and the waker's `Arc`
//! (four before; a detached task, two).
//!
//! Ground rules: no `RefCell` borrow is held while a waker is woken or a
//! future dropped; the future is borrowed while it is polled, and nothing
//! but its own poll touches that borrow.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::event_loop::task::{JoinError, TaskId, TaskName, TaskRef, log_unretrieved};

/// The executor's view of a joinable task.
pub(crate) trait Runnable {
    /// Polls the future; `Ready` once it completed and its output is stored.
    fn poll(&self, cx: &mut Context<'_>) -> Poll<()>;
    /// Drops the future (a cancelled task, or the loop ending), outside
    /// the cell's borrow; a panicking `Drop` is logged.
    fn drop_future(&self);
    /// The poll panicked with `message`, at `location` if known.
    fn panicked(&self, message: String, location: Option<String>);
    /// The task was dropped before completing (no-op if it had completed).
    fn cancelled(&self);
}

/// The handle's view of a task with output `T`.
pub(crate) trait Joinable<T> {
    /// The outcome, once; or parks `cx`'s waker until there is one.
    fn poll_outcome(&self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>>;
    fn take_outcome(&self) -> Option<Result<T, JoinError>>;
    fn is_finished(&self) -> bool;
    /// The handle is gone: a panic from now on is logged, not kept.
    fn detach(&self);
}

/// One joinable task: its future, and the outcome on its way to the handle.
struct TaskCell<F: Future> {
    id: TaskId,
    name: Option<TaskName>,
    /// The future, until it completes or the task is dropped.
    future: RefCell<Option<Pin<Box<F>>>>,
    join: RefCell<JoinState<F::Output>>,
}

/// Where a task's outcome waits for its handle.
struct JoinState<T> {
    /// The outcome, from completion until the handle takes it.
    result: Option<Result<T, JoinError>>,
    /// True once an outcome was written (it may already have been taken).
    finished: bool,
    /// The task awaiting the handle, woken when the outcome is written.
    waiter: Option<Waker>,
    /// False once the handle is dropped: a panic then has nobody to go to.
    handle_alive: bool,
}

impl<F: Future> TaskCell<F> {
    /// Stores the outcome, then wakes the waiter outside the borrow.
    fn finish(&self, result: Result<F::Output, JoinError>) {
        let waiter = {
            let mut join = self.join.borrow_mut();
            if let (Err(e), false) = (&result, join.handle_alive) {
                if e.is_panic() {
                    log_unretrieved(
                        self.id,
                        self.name.as_deref().map(String::as_str),
                        &e.to_string(),
                    );
                }
            }
            join.result = Some(result);
            join.finished = true;
            join.waiter.take()
        };
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }
}

impl<F: Future + 'static> Runnable for TaskCell<F> {
    fn poll(&self, cx: &mut Context<'_>) -> Poll<()> {
        let output = {
            let mut future = self.future.borrow_mut();
            let Some(running) = future.as_mut() else { return Poll::Ready(()) };
            match running.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(output) => output,
            }
        };
        // Dropped outside the borrow: its destructor may call back in.
        let done = self.future.borrow_mut().take();
        crate::event_loop::panic::drop_guarded(done, "a finished task's future");
        self.finish(Ok(output));
        Poll::Ready(())
    }

    fn drop_future(&self) {
        let future = self.future.borrow_mut().take();
        crate::event_loop::panic::drop_guarded(future, &format!("task {}", self.id));
    }

    fn panicked(&self, message: String, location: Option<String>) {
        self.finish(Err(JoinError { id: self.id, panic: Some(message), location }));
    }

    fn cancelled(&self) {
        if !self.join.borrow().finished {
            self.finish(Err(JoinError { id: self.id, panic: None, location: None }));
        }
    }
}

impl<F: Future> Joinable<F::Output> for TaskCell<F> {
    fn poll_outcome(&self, cx: &mut Context<'_>) -> Poll<Result<F::Output, JoinError>> {
        let mut join = self.join.borrow_mut();
        if let Some(result) = join.result.take() {
            return Poll::Ready(result);
        }
        if join.finished {
            panic!("JoinHandle polled again after it returned the task's output");
        }
        match &join.waiter {
            Some(waiter) if waiter.will_wake(cx.waker()) => {}
            _ => join.waiter = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    fn take_outcome(&self) -> Option<Result<F::Output, JoinError>> {
        self.join.borrow_mut().result.take()
    }

    fn is_finished(&self) -> bool {
        self.join.borrow().finished
    }

    fn detach(&self) {
        let mut join = self.join.borrow_mut();
        join.handle_alive = false;
        if let Some(Err(e)) = &join.result {
            if e.is_panic() {
                log_unretrieved(self.id, self.name.as_deref().map(String::as_str), &e.to_string());
            }
        }
    }
}

/// A new joinable task: the executor's side and the handle's side of one
/// cell.
pub(crate) fn new_task<F: Future + 'static>(
    task: TaskRef,
    name: Option<TaskName>,
    future: F,
) -> (Rc<dyn Runnable>, Rc<dyn Joinable<F::Output>>) {
    let join = JoinState { result: None, finished: false, waiter: None, handle_alive: true };
    let cell = Rc::new(TaskCell {
        id: task.id,
        name,
        future: RefCell::new(Some(Box::pin(future))),
        join: RefCell::new(join),
    });
    (cell.clone(), cell)
}
