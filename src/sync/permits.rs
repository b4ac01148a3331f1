//! A count of permits and the first-in first-out queue of those waiting for
//! one: the engine under [`Semaphore`](super::Semaphore) (and so
//! [`Lock`](super::Lock)), the bounded channel (whose permits are free slots)
//! and [`Queue`](super::Queue) (free slots, and queued items for getters).
//!
//! asyncio counterpart: the `_value` counter and `_waiters` deque inside
//! `asyncio.Semaphore`.
//!
//! # Implementation
//!
//! A waiting future holds a [`Ticket`]. Releasing a permit does not put it
//! back in the pool while someone waits: it *grants* it to the oldest waiter
//! (its ticket moves from `waiting` to `granted`) and wakes that waiter, which
//! collects it on its next poll. So a newcomer cannot barge past the queue,
//! and the order is strictly first-in first-out.
//!
//! The hard case is cancellation. A future may be dropped after its permit
//! was granted and before it was collected (a timeout fired, its task was
//! cancelled). [`cancel`] then releases that permit again, which grants it to
//! the next waiter or returns it to the pool. (asyncio handles the same case
//! in the `except CancelledError` branch of `Semaphore.acquire`.)
//!
//! Ground rules: `Permits` is plain data behind a `RefCell`; the free
//! functions [`release`] and [`cancel`] own the borrow and never hold it while
//! a waker runs or is dropped, as the crate's ground rules require.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// A waiter's place in the queue; tickets grow by one, so the smallest
/// waiting ticket is the oldest waiter.
pub(crate) type Ticket = u64;

/// Permits free now, and the futures waiting for one.
pub(crate) struct Permits {
    /// Permits nobody holds and nobody has been granted. Invariant: outside a
    /// call to [`release`], `available > 0` implies `waiting` is empty.
    available: usize,
    /// Futures waiting for a permit, oldest first, with the waker to wake
    /// when one is granted to them.
    waiting: BTreeMap<Ticket, Waker>,
    /// Tickets that were granted a permit their future has not yet collected.
    /// Each one counts as a permit held.
    granted: BTreeSet<Ticket>,
    /// The ticket the next waiter gets.
    next_ticket: Ticket,
}

/// What [`Permits::withdraw`] found when a waiting future went away.
enum Withdrawn {
    /// It was still queued; here is its waker, to drop outside the borrow.
    Waiting(Waker),
    /// It had been granted a permit, which must be released again.
    Granted,
    /// Nothing was queued under this ticket (see [`Permits::take_waiters`]).
    Gone,
}

impl Permits {
    pub(crate) fn new(available: usize) -> Self {
        Permits { available, waiting: BTreeMap::new(), granted: BTreeSet::new(), next_ticket: 0 }
    }

    /// Permits free now.
    pub(crate) fn available(&self) -> usize {
        self.available
    }

    /// Permits granted to waiters that have not yet collected them.
    pub(crate) fn granted(&self) -> usize {
        self.granted.len()
    }

    /// Futures queued for a permit.
    pub(crate) fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// Drops the free permits: for counts whose permits only make sense
    /// for those already waiting (a condition's notifications).
    pub(crate) fn discard_available(&mut self) {
        self.available = 0;
    }

    /// Takes a permit if one is free and nobody is queued for it.
    pub(crate) fn try_take(&mut self) -> bool {
        if self.available > 0 && self.waiting.is_empty() {
            self.available -= 1;
            return true;
        }
        false
    }

    /// One step of waiting for a permit. `ticket` is the waiting future's own
    /// state: `None` before it queues and again once it holds its permit.
    pub(crate) fn poll_take(&mut self, ticket: &mut Option<Ticket>, waker: &Waker) -> Poll<()> {
        let Some(mine) = *ticket else {
            if self.try_take() {
                return Poll::Ready(());
            }
            *ticket = Some(self.enqueue(waker));
            return Poll::Pending;
        };
        if self.granted.remove(&mine) {
            *ticket = None;
            return Poll::Ready(());
        }
        match self.waiting.get_mut(&mine) {
            // Still queued: keep the waker current, the future may have moved
            // to another task (inside a `select`, say).
            Some(parked) => {
                if !parked.will_wake(waker) {
                    *parked = waker.clone();
                }
            }
            // Dropped from the queue by `take_waiters`, whose caller checks
            // its own closed flag before polling; queue again to stay correct.
            None => *ticket = Some(self.enqueue(waker)),
        }
        Poll::Pending
    }

    fn enqueue(&mut self, waker: &Waker) -> Ticket {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        self.waiting.insert(ticket, waker.clone());
        ticket
    }

    /// Grants one free permit to the oldest waiter and returns its waker.
    fn grant_next(&mut self) -> Option<Waker> {
        if self.available == 0 {
            return None;
        }
        let (ticket, waker) = self.waiting.pop_first()?;
        self.available -= 1;
        self.granted.insert(ticket);
        Some(waker)
    }

    fn withdraw(&mut self, ticket: Ticket) -> Withdrawn {
        if self.granted.remove(&ticket) {
            return Withdrawn::Granted;
        }
        match self.waiting.remove(&ticket) {
            Some(waker) => Withdrawn::Waiting(waker),
            None => Withdrawn::Gone,
        }
    }

    /// Empties the queue and returns the wakers, to wake outside the borrow.
    /// The channel calls this when its receiver goes: its waiting senders
    /// must wake up and see that the channel is closed.
    pub(crate) fn take_waiters(&mut self) -> BTreeMap<Ticket, Waker> {
        std::mem::take(&mut self.waiting)
    }
}

/// Returns `n` permits: each goes to the oldest waiter if there is one
/// (it is granted and woken), else to the pool.
pub(crate) fn release(permits: &RefCell<Permits>, n: usize) {
    permits.borrow_mut().available += n;
    loop {
        // One grant per borrow, so no borrow is held while a waker runs.
        let next = permits.borrow_mut().grant_next();
        let Some(waker) = next else { return };
        waker.wake();
    }
}

/// Forgets the ticket of a waiting future that is being dropped. A permit it
/// was granted but never collected is released again, never lost.
pub(crate) fn cancel(permits: &RefCell<Permits>, ticket: Ticket) {
    let withdrawn = permits.borrow_mut().withdraw(ticket);
    match withdrawn {
        Withdrawn::Waiting(waker) => drop(waker),
        Withdrawn::Granted => release(permits, 1),
        Withdrawn::Gone => {}
    }
}

/// Waits for one permit: the whole of a wait, queueing, collecting and, in
/// `Drop`, [`cancel`]ling. For callers whose future has nothing else to keep
/// (the queue's `get` and `put` await one inside an `async fn`).
pub(crate) struct Take<'a> {
    /// The permits to take one of.
    permits: &'a RefCell<Permits>,
    /// `Some` while this future is queued or holds a granted permit it has
    /// not yet collected; `None` before it queues and once it returned.
    ticket: Option<Ticket>,
}

impl<'a> Take<'a> {
    pub(crate) fn new(permits: &'a RefCell<Permits>) -> Self {
        Take { permits, ticket: None }
    }
}

impl Future for Take<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        this.permits.borrow_mut().poll_take(&mut this.ticket, cx.waker())
    }
}

impl Drop for Take<'_> {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            cancel(self.permits, ticket);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A waker that does nothing: these tests look at the queue, not at tasks.
    fn noop() -> Waker {
        Waker::noop().clone()
    }

    #[test]
    fn a_release_grants_the_oldest_waiter_and_newcomers_cannot_barge() {
        let permits = RefCell::new(Permits::new(0));
        let (mut first, mut second) = (None, None);
        assert!(permits.borrow_mut().poll_take(&mut first, &noop()).is_pending());
        assert!(permits.borrow_mut().poll_take(&mut second, &noop()).is_pending());
        release(&permits, 1);
        assert_eq!(permits.borrow().available(), 0, "granted, not pooled");
        assert!(!permits.borrow_mut().try_take(), "no barging past the queue");
        assert!(permits.borrow_mut().poll_take(&mut second, &noop()).is_pending());
        assert!(permits.borrow_mut().poll_take(&mut first, &noop()).is_ready());
        assert_eq!(first, None, "the collected ticket is spent");
    }

    #[test]
    fn cancelling_a_granted_ticket_passes_the_permit_on_or_back() {
        let permits = RefCell::new(Permits::new(0));
        let (mut first, mut second) = (None, None);
        let _ = permits.borrow_mut().poll_take(&mut first, &noop());
        let _ = permits.borrow_mut().poll_take(&mut second, &noop());
        release(&permits, 1);
        cancel(&permits, first.unwrap());
        assert!(permits.borrow_mut().poll_take(&mut second, &noop()).is_ready());
        release(&permits, 1);
        assert_eq!(permits.borrow().available(), 1, "back to the pool");
    }
}
