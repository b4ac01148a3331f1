//! A barrier: `parties` tasks wait for each other, then all go on together.
//!
//! asyncio counterpart: `asyncio.Barrier(parties)`, `await barrier.wait()`,
//! `abort()`, `reset()`, `broken` and `BrokenBarrierError` ([`BrokenBarrier`]).
//! A waiter that is cancelled simply leaves, and the barrier waits for
//! another to take its place; only `abort` and `reset` break a round.
//!
//! # Implementation
//!
//! Like [`permits`](super::permits): the futures waiting now, by a ticket that
//! grows with each arrival, and the futures already released, with the index
//! each was given. The arrival that makes `parties` trips the barrier: it
//! moves every waiter to `released`, numbered in arrival order, and takes the
//! last index itself. The barrier is then empty, ready for the next round, so
//! it is reusable with no generation counter: a released future collects its
//! index from `released` whenever it next runs. `abort` and `reset` move the
//! waiters to `failed` instead; `abort` also leaves the barrier broken.
//!
//! Ground rules: the state is plain data behind a `RefCell`, and the wakers
//! a trip takes out are woken after the borrow ends.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::event_loop::await_site::{Site, note};

/// Makes `parties` tasks wait until all of them have arrived
/// (asyncio: `asyncio.Barrier(parties)`).
///
/// Reusable: once it trips it is empty and the next `parties` arrivals trip
/// it again. Clones are handles to the same barrier; `Rc`, not `Arc`, because
/// a barrier belongs to one loop's thread.
///
/// Cancellation: a `wait()` future dropped before the barrier trips leaves
/// the count, so one more arrival is needed (asyncio does the same for a
/// cancelled waiter). Dropped after the trip (released, not yet run), it
/// changes nothing: the others were released with it.
///
/// ```no_run
/// use reel::sync::Barrier;
///
/// reel::run(async {
///     let start = Barrier::new(3);
///     for _ in 0..3 {
///         let start = start.clone();
///         reel::spawn(async move {
///             let arrival = start.wait().await.expect("nobody aborts it");
///             if arrival.is_leader() {
///                 println!("all three are here");
///             }
///         });
///     }
/// });
/// ```
#[derive(Clone)]
pub struct Barrier {
    /// Shared by every clone and pending wait.
    state: Rc<RefCell<State>>,
}

/// What a [`Barrier`]'s handles share.
struct State {
    /// How many arrivals trip the barrier; at least 1.
    parties: usize,
    /// Futures waiting for this round to fill, oldest first, with their
    /// wakers. Invariant: fewer than `parties`.
    waiting: BTreeMap<u64, Waker>,
    /// Futures released by a trip that have not yet run, with the index each
    /// was given.
    released: BTreeMap<u64, usize>,
    /// Futures a `reset` or `abort` released with an error, not yet run.
    failed: BTreeSet<u64>,
    /// Set by `abort`, cleared by `reset`: every wait fails while it is set.
    broken: bool,
    /// The ticket the next arrival gets.
    next_ticket: u64,
}

impl Barrier {
    /// A barrier for `parties` tasks (asyncio: `asyncio.Barrier(parties)`).
    ///
    /// # Panics
    ///
    /// If `parties` is zero (asyncio raises `ValueError`).
    pub fn new(parties: usize) -> Self {
        assert!(parties > 0, "reel::sync::Barrier needs at least one party");
        let state = State {
            parties,
            waiting: BTreeMap::new(),
            released: BTreeMap::new(),
            failed: BTreeSet::new(),
            broken: false,
            next_ticket: 0,
        };
        Barrier { state: Rc::new(RefCell::new(state)) }
    }

    /// Waits until `parties` tasks are waiting, then releases them all
    /// (asyncio: `await barrier.wait()`); [`BrokenBarrier`] if the barrier is
    /// broken, or is aborted or reset while this waits.
    #[track_caller]
    pub fn wait(&self) -> BarrierWait<'_> {
        BarrierWait { barrier: self, ticket: None, at: Location::caller() }
    }

    /// How many arrivals trip the barrier (asyncio: `barrier.parties`).
    pub fn parties(&self) -> usize {
        self.state.borrow().parties
    }

    /// How many tasks wait in this round now (asyncio: `barrier.n_waiting`).
    pub fn n_waiting(&self) -> usize {
        self.state.borrow().waiting.len()
    }

    /// Breaks the barrier: the tasks waiting now, and every later `wait`,
    /// get [`BrokenBarrier`] until [`reset`](Self::reset) (asyncio:
    /// `await barrier.abort()`).
    pub fn abort(&self) {
        self.fail_waiters(true);
    }

    /// Empties the barrier for a new round: the tasks waiting now get
    /// [`BrokenBarrier`], and a broken barrier works again (asyncio:
    /// `await barrier.reset()`).
    pub fn reset(&self) {
        self.fail_waiters(false);
    }

    /// True after [`abort`](Self::abort), until [`reset`](Self::reset)
    /// (asyncio: `barrier.broken`).
    pub fn broken(&self) -> bool {
        self.state.borrow().broken
    }

    fn fail_waiters(&self, broken: bool) {
        let mut state = self.state.borrow_mut();
        state.broken = broken;
        let waiting = std::mem::take(&mut state.waiting);
        state.failed.extend(waiting.keys());
        drop(state);
        // Outside the borrow, as a trip does.
        waiting.into_values().for_each(Waker::wake);
    }
}

/// The error of a wait at a broken barrier (asyncio: `BrokenBarrierError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokenBarrier;

impl fmt::Display for BrokenBarrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the barrier is broken (aborted or reset)")
    }
}

impl std::error::Error for BrokenBarrier {}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("parties", &self.parties())
            .field("n_waiting", &self.n_waiting())
            .finish()
    }
}

/// What [`Barrier::wait`] returns: this waiter's place in the round
/// (asyncio: the index `barrier.wait()` returns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult {
    /// The index, 0 to `parties - 1`, in arrival order among the waiters the
    /// trip released.
    index: usize,
    /// True for the one arrival that tripped the barrier.
    leader: bool,
}

impl BarrierWaitResult {
    /// This waiter's index in its round, 0 to `parties - 1`, distinct within
    /// the round, in arrival order; the leader's is `parties - 1`
    /// (asyncio: the return value of `barrier.wait()`).
    pub fn index(&self) -> usize {
        self.index
    }

    /// True for exactly one waiter per round, the last to arrive, whose
    /// arrival tripped the barrier: the one to do the round's housekeeping
    /// (asyncio: `index == parties - 1`, by convention).
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}

/// The future of [`Barrier::wait`] (asyncio: the coroutine `barrier.wait()`).
#[must_use = "a BarrierWait does nothing unless awaited"]
pub struct BarrierWait<'a> {
    /// The barrier waited at.
    barrier: &'a Barrier,
    /// `Some` while this future waits or has been released and not yet run;
    /// `None` before it arrives and once it returned.
    ticket: Option<u64>,
    /// Where it was awaited, for the task table (await_site.rs).
    at: Site,
}

impl Future for BarrierWait<'_> {
    type Output = Result<BarrierWaitResult, BrokenBarrier>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let at = self.at;
        note(at, self.poll_wait(cx))
    }
}

impl BarrierWait<'_> {
    /// `poll`, less the note of where it waits.
    #[inline(always)]
    fn poll_wait(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<<Self as Future>::Output> {
        let mut state = self.barrier.state.borrow_mut();
        let Some(ticket) = self.ticket else {
            if state.broken {
                return Poll::Ready(Err(BrokenBarrier));
            }
            if state.waiting.len() + 1 < state.parties {
                let ticket = state.arrive(cx.waker());
                drop(state);
                self.ticket = Some(ticket);
                return Poll::Pending;
            }
            let released = state.trip();
            let index = state.parties - 1;
            drop(state);
            // Outside the borrow: a waker may run code that touches the barrier.
            for waker in released {
                waker.wake();
            }
            return Poll::Ready(Ok(BarrierWaitResult { index, leader: true }));
        };
        if let Some(index) = state.released.remove(&ticket) {
            drop(state);
            self.ticket = None;
            return Poll::Ready(Ok(BarrierWaitResult { index, leader: false }));
        }
        if state.failed.remove(&ticket) {
            drop(state);
            self.ticket = None;
            return Poll::Ready(Err(BrokenBarrier));
        }
        // Still waiting: keep the waker current, the future may have moved
        // to another task (inside a `select`, say).
        if let Some(parked) = state.waiting.get_mut(&ticket) {
            if !parked.will_wake(cx.waker()) {
                *parked = cx.waker().clone();
            }
        }
        Poll::Pending
    }
}

impl State {
    /// Queues an arrival that does not fill the round.
    fn arrive(&mut self, waker: &Waker) -> u64 {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        self.waiting.insert(ticket, waker.clone());
        ticket
    }

    /// Releases every waiter, numbered in arrival order, and returns their
    /// wakers to wake once the borrow ends.
    fn trip(&mut self) -> Vec<Waker> {
        let waiting = std::mem::take(&mut self.waiting);
        let mut wakers = Vec::with_capacity(waiting.len());
        for (index, (ticket, waker)) in waiting.into_iter().enumerate() {
            self.released.insert(ticket, index);
            wakers.push(waker);
        }
        wakers
    }
}

impl Drop for BarrierWait<'_> {
    fn drop(&mut self) {
        let Some(ticket) = self.ticket.take() else { return };
        let mut state = self.barrier.state.borrow_mut();
        // Released or failed already: nothing to undo. Still waiting: leave
        // the count.
        if state.released.remove(&ticket).is_none() && !state.failed.remove(&ticket) {
            let waker = state.waiting.remove(&ticket);
            drop(state);
            drop(waker);
        }
    }
}

impl fmt::Debug for BarrierWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWait").field("ticket", &self.ticket).finish()
    }
}
