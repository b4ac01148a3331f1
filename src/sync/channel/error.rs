//! Why a send or a receive did not go through.
//!
//! asyncio counterpart: `asyncio.QueueFull`, `asyncio.QueueEmpty` and, for a
//! receiver that is gone, `asyncio.QueueShutDown` (Python 3.13).
//!
//! Send errors hand the value back, so nothing is lost. Their `Debug` does
//! not print the value, so they work as errors for any `T`.

use std::fmt;

/// A send failed because the receiver is gone; here is the value back
/// (asyncio: `QueueShutDown`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sending on a closed channel: the receiver is gone")
    }
}

impl<T> std::error::Error for SendError<T> {}

/// Why [`try_send`](super::Sender::try_send) did not send; the value comes
/// back either way.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// The channel is at capacity, or senders are queued for the next free
    /// slot (asyncio: `QueueFull`).
    Full(T),
    /// The receiver is gone (asyncio: `QueueShutDown`).
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(value) | TrySendError::Closed(value) => value,
        }
    }
}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(SendError(value): SendError<T>) -> Self {
        TrySendError::Closed(value)
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("sending on a full channel"),
            TrySendError::Closed(_) => {
                f.write_str("sending on a closed channel: the receiver is gone")
            }
        }
    }
}

impl<T> std::error::Error for TrySendError<T> {}

/// Why [`try_recv`](super::Receiver::try_recv) returned no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing is queued now, but a sender may still send
    /// (asyncio: `QueueEmpty`).
    Empty,
    /// Nothing is queued and every sender is gone: nothing ever will be.
    Disconnected,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("receiving on an empty channel"),
            TryRecvError::Disconnected => {
                f.write_str("receiving on a closed channel: every sender is gone")
            }
        }
    }
}

impl std::error::Error for TryRecvError {}
