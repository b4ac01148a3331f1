//! Where a task waits: reel's leaf futures (a socket read, a sleep, a lock,
//! a queue, an event) are `#[track_caller]`, keep the `Location` of the
//! code that called them, and note it here each time they return
//! `Pending`; the executor takes the note after every poll and keeps it in
//! the task's slot, for the task table (`waiting at examples/echo/plain.rs:36`).
//! A first reading of the loop skips this file.
//!
//! asyncio counterpart: the coroutine stack `python -m asyncio pstree`
//! prints (`Task.get_stack()`); a Rust future has no frames to walk, so
//! the leaf says where it was awaited instead.
//!
//! Ground rules: in one poll, the first plain leaf to return `Pending`
//! wins (a task that polls a read, then a stop signal, then its idle timer
//! waits "at" its read), and a leaf made of other leaves (a `timeout`
//! around a read, `StreamReader::read_line` around its socket, through
//! [`traced`]) overrides what they noted, as it returns after them: the
//! note is the call site in the task's own code.

use std::cell::Cell;
use std::panic::Location;
use std::task::Poll;

/// A call site, as `#[track_caller]` gives it.
pub(crate) type Site = &'static Location<'static>;

thread_local! {
    /// The site of the last leaf that returned `Pending` in this poll.
    static WAITING_AT: Cell<Option<Site>> = const { Cell::new(None) };
}

/// A plain leaf: notes `at` when `poll` is `Pending` and nothing was
/// noted yet in this poll; returns `poll`.
#[inline]
pub(crate) fn note<T>(at: Site, poll: Poll<T>) -> Poll<T> {
    if poll.is_pending() {
        WAITING_AT.with(|w| {
            if w.get().is_none() {
                w.set(Some(at));
            }
        });
    }
    poll
}

/// The site noted during the poll that just ended, and a clean slate for
/// the next (the executor, after every poll).
#[inline]
pub(crate) fn take() -> Option<Site> {
    WAITING_AT.with(|w| w.take())
}

/// Notes `at` when `poll` is `Pending`, over what the leaves inside
/// noted: for a leaf made of others (`traced!`).
#[inline]
pub(crate) fn note_over<T>(at: Site, poll: Poll<T>) -> Poll<T> {
    if poll.is_pending() {
        WAITING_AT.with(|w| w.set(Some(at)));
    }
    poll
}

/// `traced!(future)`, in a `#[track_caller]` function: that future, noting
/// the caller's line whenever it is pending, over what the leaves inside
/// it noted. The future is built inside the returned one and pinned there,
/// so it is stored once (a wrapper taking it as an argument would hold it
/// twice: an `async fn`'s arguments and locals do not share space).
macro_rules! traced {
    ($future:expr) => {{
        let at = ::std::panic::Location::caller();
        async move {
            let mut future = ::std::pin::pin!($future);
            ::std::future::poll_fn(|cx| {
                $crate::event_loop::await_site::note_over(at, future.as_mut().poll(cx))
            })
            .await
        }
    }};
}
pub(crate) use traced;
