//! A counting semaphore: at most N holders at once.
//!
//! asyncio counterpart: `asyncio.Semaphore`, with `async with sem:` spelled
//! `let _permit = sem.acquire().await;` (the permit releases on drop).
//!
//! The counting and the queue live in [`permits`](super::permits); this file
//! is the handle users hold, the `acquire` future and the RAII permit.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::event_loop::await_site::{Site, note};

use super::permits::{self, Permits, Ticket};

/// Limits how many tasks may be inside a section at once
/// (asyncio: `asyncio.Semaphore(value)`).
///
/// Waiters are served first-in first-out; a newcomer never takes a permit
/// while older waiters are queued. The handle is cheap to share: clones are
/// the same semaphore, so clone it into each task that needs it.
///
/// ```no_run
/// reel::run(async {
///     let limit = reel::sync::Semaphore::new(10);
///     for _ in 0..100 {
///         let permit = limit.acquire().await;
///         reel::spawn(async move {
///             // ... at most ten of these run at once ...
///             drop(permit);
///         });
///     }
/// });
/// ```
#[derive(Clone)]
pub struct Semaphore {
    /// Shared by every clone, permit and pending acquire. `Rc`/`RefCell`
    /// rather than `Arc`/`Mutex`: a semaphore belongs to one loop's thread
    /// (it is neither `Send` nor `Sync`), so no atomics are needed.
    permits: Rc<RefCell<Permits>>,
}

impl Semaphore {
    /// A semaphore with `permits` permits free.
    pub fn new(permits: usize) -> Self {
        Semaphore { permits: Rc::new(RefCell::new(Permits::new(permits))) }
    }

    /// Waits for a permit, queueing behind earlier waiters
    /// (asyncio: `await sem.acquire()`).
    ///
    /// Cancellation-safe: dropping the future gives up its place in the queue,
    /// and a permit it had already been granted goes to the next waiter.
    #[track_caller]
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire { semaphore: self, ticket: None, at: Location::caller() }
    }

    /// Takes a permit if one is free now and nobody is queued for it
    /// (asyncio: `if not sem.locked(): await sem.acquire()`, without the wait).
    pub fn try_acquire(&self) -> Option<SemaphorePermit> {
        if self.permits.borrow_mut().try_take() {
            return Some(self.permit());
        }
        None
    }

    /// Permits free now; zero while anyone waits (asyncio: `sem._value`).
    pub fn available_permits(&self) -> usize {
        self.permits.borrow().available()
    }

    /// Adds `n` permits, waking up to `n` waiters (asyncio: calling
    /// `sem.release()` `n` times without having acquired).
    pub fn add_permits(&self, n: usize) {
        permits::release(&self.permits, n);
    }

    /// Permits nobody has collected: free ones, and those granted to
    /// waiters that have not yet run. What `BoundedSemaphore` checks a
    /// release against.
    pub(super) fn uncollected_permits(&self) -> usize {
        let permits = self.permits.borrow();
        permits.available() + permits.granted()
    }

    fn permit(&self) -> SemaphorePermit {
        SemaphorePermit { semaphore: Some(self.clone()) }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore").field("available", &self.available_permits()).finish()
    }
}

/// The future of [`Semaphore::acquire`] (asyncio: the coroutine
/// `sem.acquire()`, whose `except CancelledError` branch its `Drop` plays).
#[must_use = "an Acquire does nothing unless awaited"]
pub struct Acquire<'a> {
    /// The semaphore to take a permit from.
    semaphore: &'a Semaphore,
    /// This future's place in the queue: `None` before its first `Pending`
    /// and after it returned its permit; `Some` while it waits or holds a
    /// granted permit it has not yet collected.
    ticket: Option<Ticket>,
    /// Where it was awaited, for the task table (await_site.rs).
    at: Site,
}

impl Future for Acquire<'_> {
    type Output = SemaphorePermit;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let at = self.at;
        note(at, self.poll_wait(cx))
    }
}

impl Acquire<'_> {
    /// `poll`, less the note of where it waits.
    #[inline(always)]
    fn poll_wait(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphorePermit> {
        let this = &mut *self;
        let taken = this.semaphore.permits.borrow_mut().poll_take(&mut this.ticket, cx.waker());
        taken.map(|()| this.semaphore.permit())
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            permits::cancel(&self.semaphore.permits, ticket);
        }
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire").field("ticket", &self.ticket).finish()
    }
}

/// One permit of a [`Semaphore`]; dropping it releases the permit, to the
/// oldest waiter if any (asyncio: leaving `async with sem:`).
///
/// It holds its own handle to the semaphore, so it may be moved into a
/// spawned task and released there.
#[must_use = "dropping a permit releases it at once"]
pub struct SemaphorePermit {
    /// Where the permit goes back to; it counts as held until this drops.
    /// `None` once [`forget`](Self::forget) kept it held for good.
    semaphore: Option<Semaphore>,
}

impl SemaphorePermit {
    /// Keeps the permit held after this value is gone: it returns only
    /// through `Semaphore::add_permits` or `BoundedSemaphore::release`
    /// (asyncio: `await sem.acquire()` outside `async with`, released later
    /// by hand).
    pub fn forget(mut self) {
        self.semaphore = None;
    }
}

impl fmt::Debug for SemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit").finish_non_exhaustive()
    }
}

impl Drop for SemaphorePermit {
    fn drop(&mut self) {
        if let Some(semaphore) = &self.semaphore {
            permits::release(&semaphore.permits, 1);
        }
    }
}
