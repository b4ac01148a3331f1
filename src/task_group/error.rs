//! Why a [`TaskGroup`](super::TaskGroup), or one of its children, produced
//! no value: [`GroupError`].
//!
//! asyncio counterpart: the exception a `TaskGroup` raises, wrapped in an
//! `ExceptionGroup`, and `CancelledError` for the children it cancelled.

use std::fmt;

use crate::event_loop::context::JoinHandle;
use crate::event_loop::task::JoinError;

/// Why a group, or one of its children, produced no value
/// (asyncio: the exception in `TaskGroup`'s `ExceptionGroup`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupError<E> {
    /// A child returned `Err(error)`.
    Failed(E),
    /// A child panicked; the error has its message and location.
    Panicked(JoinError),
    /// A child was cancelled: by the group's first failure, by
    /// [`TaskGroup::cancel_all`](super::TaskGroup::cancel_all), or spawned
    /// while the group shut down (asyncio: `CancelledError`).
    Cancelled(JoinError),
}

/// A finished child's outcome, as the group gives it.
pub(super) fn outcome<T, E>(handle: JoinHandle<Result<T, E>>) -> Result<T, GroupError<E>> {
    // See the group's "Implementation": the child's end was reported in its
    // own turn, and its outcome written in that same turn.
    let result = handle.take_result().expect("a child's outcome is written in the turn it ends");
    match result {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(GroupError::Failed(error)),
        Err(e) if e.is_panic() => Err(GroupError::Panicked(e)),
        Err(e) => Err(GroupError::Cancelled(e)),
    }
}

impl<E: fmt::Display> fmt::Display for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupError::Failed(error) => write!(f, "a child task failed: {error}"),
            GroupError::Panicked(e) | GroupError::Cancelled(e) => e.fmt(f),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for GroupError<E> {}

/// So that a group of `io::Result` children works with `?` in an
/// `io::Result` function: a child's own error comes back as it was.
impl From<GroupError<std::io::Error>> for std::io::Error {
    fn from(e: GroupError<std::io::Error>) -> Self {
        match e {
            GroupError::Failed(error) => error,
            GroupError::Panicked(e) | GroupError::Cancelled(e) => e.into(),
        }
    }
}
