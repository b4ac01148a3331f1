//! One turn of a task out of its slot: polled under `catch_unwind`, and,
//! when it is over, how it ended, told to its handle or the log.
//!
//! asyncio counterpart: `Task.__step`, and the task's done callbacks.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::event_loop::task::{TaskId, log_unretrieved};
use crate::event_loop::task_cell::Runnable;

/// How a task left the slab, for its `JoinHandle` (or the log).
pub(crate) enum TaskEnd {
    Completed,
    Cancelled,
    /// The poll panicked: the message, and where (from reel's panic hook).
    Panicked(String, Option<String>),
}

/// A task out of its slot for one turn: a shared cell, or a detached future.
pub(crate) enum TaskBody {
    Joined(Rc<dyn Runnable>),
    Detached(Pin<Box<dyn Future<Output = ()>>>),
}

impl TaskBody {
    /// One poll under `catch_unwind`: a panic ends this task alone, and
    /// comes back as its message.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Result<Poll<()>, String> {
        let outcome = catch_unwind(AssertUnwindSafe(|| match self {
            TaskBody::Joined(cell) => cell.poll(cx),
            TaskBody::Detached(future) => future.as_mut().poll(cx),
        }));
        outcome.map_err(|payload| crate::event_loop::panic::panic_message(&*payload))
    }

    /// The task is over: drops its future (a panicking `Drop` is logged)
    /// and tells its handle, or logs a panic nobody will take.
    pub(crate) fn end(self, id: TaskId, name: Option<&str>, end: TaskEnd) {
        match (self, end) {
            (TaskBody::Joined(_), TaskEnd::Completed) => {}
            (TaskBody::Joined(cell), TaskEnd::Cancelled) => {
                cell.drop_future();
                cell.cancelled();
            }
            (TaskBody::Joined(cell), TaskEnd::Panicked(message, location)) => {
                cell.drop_future();
                cell.panicked(message, location);
            }
            (TaskBody::Detached(future), end) => {
                crate::event_loop::panic::drop_guarded(future, &format!("task {id}"));
                if let TaskEnd::Panicked(message, location) = end {
                    let what = match location {
                        Some(at) => format!("panicked at {at}: {message}"),
                        None => format!("panicked: {message}"),
                    };
                    log_unretrieved(id, name, &what);
                }
            }
        }
    }
}
