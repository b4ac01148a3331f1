//! The errors of `StreamReader`'s exact and delimited reads: the stream
//! ended first, or a record outgrew the limit (asyncio:
//! `IncompleteReadError`, `LimitOverrunError`).

use std::fmt;
use std::io;

/// The stream ended before `read_exact` or `read_until` got what it needed
/// (asyncio: `IncompleteReadError`). Travels inside an `io::Error` of kind
/// `UnexpectedEof`; [`IncompleteRead::take`] gets the partial bytes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncompleteRead {
    /// The bytes that did arrive.
    pub partial: Vec<u8>,
    /// How many were asked for, when a number was (`read_exact`).
    pub expected: Option<usize>,
}

impl IncompleteRead {
    pub(crate) fn error(partial: Vec<u8>, expected: Option<usize>) -> io::Error {
        io::Error::new(io::ErrorKind::UnexpectedEof, IncompleteRead { partial, expected })
    }

    /// The partial bytes carried by `error`, if it is an `IncompleteRead`.
    pub fn take(error: io::Error) -> Vec<u8> {
        error
            .into_inner()
            .and_then(|inner| inner.downcast::<IncompleteRead>().ok())
            .map(|incomplete| incomplete.partial)
            .unwrap_or_default()
    }
}

impl fmt::Display for IncompleteRead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.expected {
            Some(n) => write!(f, "stream ended after {} of {n} bytes", self.partial.len()),
            None => {
                write!(f, "stream ended after {} bytes, before the separator", self.partial.len())
            }
        }
    }
}

impl std::error::Error for IncompleteRead {}

/// A line or separator was not found within the reader's limit (asyncio:
/// `LimitOverrunError`). Travels inside an `io::Error` of kind `InvalidData`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitOverrun {
    /// The reader's limit.
    pub limit: usize,
}

impl LimitOverrun {
    pub(crate) fn error(limit: usize) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, LimitOverrun { limit })
    }

    /// True if `error` is a `LimitOverrun`.
    pub fn is(error: &io::Error) -> bool {
        error.get_ref().is_some_and(|inner| inner.is::<LimitOverrun>())
    }
}

impl fmt::Display for LimitOverrun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "separator not found within the {}-byte limit", self.limit)
    }
}

impl std::error::Error for LimitOverrun {}
