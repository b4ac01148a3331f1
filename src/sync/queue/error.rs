//! What a queue's `put`, `get` and their `_nowait` forms fail with.
//!
//! asyncio counterpart: `asyncio.QueueFull`, `asyncio.QueueEmpty` and
//! `asyncio.QueueShutDown` (3.13). An error that stands for an item not put
//! carries the item back; none of them prints it, so they work as errors for
//! any `T`.

use std::fmt;

/// The queue was shut down (asyncio: `asyncio.QueueShutDown`). From `put`,
/// it carries the item that was not put; from `get`, nothing.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct QueueShutDown<T = ()>(pub T);

impl<T> QueueShutDown<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueShutDown(..)")
    }
}

impl<T> fmt::Display for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is shut down")
    }
}

impl<T> std::error::Error for QueueShutDown<T> {}

/// Why `put_nowait` handed the item back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TryPutError<T> {
    /// No free slot now, or putters are waiting for one
    /// (asyncio: `QueueFull`).
    Full(T),
    /// The queue was shut down (asyncio: `QueueShutDown`).
    ShutDown(T),
}

impl<T> TryPutError<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        match self {
            TryPutError::Full(item) | TryPutError::ShutDown(item) => item,
        }
    }
}

impl<T> fmt::Debug for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPutError::Full(_) => f.write_str("Full(..)"),
            TryPutError::ShutDown(_) => f.write_str("ShutDown(..)"),
        }
    }
}

impl<T> fmt::Display for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPutError::Full(_) => f.write_str("putting on a full queue"),
            TryPutError::ShutDown(_) => f.write_str("putting on a queue that is shut down"),
        }
    }
}

impl<T> std::error::Error for TryPutError<T> {}

/// Why `get_nowait` found nothing to take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryGetError {
    /// No item nobody was promised (asyncio: `QueueEmpty`).
    Empty,
    /// The queue was shut down and has no item left for this getter
    /// (asyncio: `QueueShutDown`).
    ShutDown,
}

impl fmt::Display for TryGetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryGetError::Empty => f.write_str("getting from an empty queue"),
            TryGetError::ShutDown => f.write_str("getting from a queue that is shut down"),
        }
    }
}

impl std::error::Error for TryGetError {}
