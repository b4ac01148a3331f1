//! A flag tasks can wait on.
//!
//! asyncio counterpart: `asyncio.Event`.
//!
//! # Implementation
//!
//! The flag, a generation counter and the wakers of the futures waiting for
//! the flag. `set` wakes every waiter and bumps the generation. A woken waiter
//! returns if the flag is set *or* the generation moved since it queued, so a
//! `clear` right after `set` does not strand the waiters `set` released; in
//! asyncio, too, `set` completes each waiter's future and `clear` cannot undo it.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::event_loop::await_site::{Site, note};

/// A flag that tasks wait for until another task sets it
/// (asyncio: `asyncio.Event()`).
///
/// Clones are handles to the same event; `Rc`, not `Arc`, because an event
/// belongs to one loop's thread.
#[derive(Clone, Default)]
pub struct Event {
    /// Shared by every clone and pending wait.
    state: Rc<RefCell<State>>,
}

/// What an [`Event`]'s handles share.
#[derive(Default)]
struct State {
    /// The flag itself.
    is_set: bool,
    /// How many times the flag went from clear to set. A waiter that queued
    /// under an older generation has been released.
    generation: u64,
    /// Futures waiting for the flag, by the id they queued under. Empty while
    /// the flag is set: `set` empties it and nobody queues then.
    waiters: BTreeMap<u64, Waker>,
    /// The id the next waiter gets.
    next_id: u64,
}

impl Event {
    /// A new event, not set (asyncio: `asyncio.Event()`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the flag and wakes every waiter; later waits return at once until
    /// [`clear`](Self::clear) (asyncio: `event.set()`).
    pub fn set(&self) {
        let waiters = {
            let mut state = self.state.borrow_mut();
            if state.is_set {
                return;
            }
            state.is_set = true;
            state.generation += 1;
            std::mem::take(&mut state.waiters)
        };
        // Outside the borrow: a waker may run code that touches this event.
        for waker in waiters.into_values() {
            waker.wake();
        }
    }

    /// Clears the flag; waiters released by an earlier `set` still return
    /// (asyncio: `event.clear()`).
    pub fn clear(&self) {
        self.state.borrow_mut().is_set = false;
    }

    /// True while the flag is set (asyncio: `event.is_set()`).
    pub fn is_set(&self) -> bool {
        self.state.borrow().is_set
    }

    /// Waits until the flag is set; returns at once if it is
    /// (asyncio: `await event.wait()`). Dropping the future leaves nothing
    /// behind.
    #[track_caller]
    pub fn wait(&self) -> Wait<'_> {
        Wait { event: self, queued: None, parked: None, at: Location::caller() }
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event").field("is_set", &self.is_set()).finish()
    }
}

/// The future of [`Event::wait`] (asyncio: the coroutine `event.wait()`).
#[must_use = "a Wait does nothing unless awaited"]
pub struct Wait<'a> {
    /// The event waited for.
    event: &'a Event,
    /// The id this future queued under and the generation it saw then;
    /// `None` until its first `Pending`.
    queued: Option<(u64, u64)>,
    /// The waker queued under that id: a re-poll by the same task needs no
    /// lookup in the waiters' map (the common case in a `select`).
    parked: Option<Waker>,
    /// Where it was awaited, for the task table (await_site.rs).
    at: Site,
}

impl Future for Wait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let at = self.at;
        note(at, self.poll_wait(cx))
    }
}

impl Wait<'_> {
    /// `poll`, less the note of where it waits.
    #[inline(always)]
    fn poll_wait(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.event.state.borrow_mut();
        if state.is_set {
            return Poll::Ready(());
        }
        let Some((id, generation)) = self.queued else {
            let id = state.next_id;
            state.next_id += 1;
            state.waiters.insert(id, cx.waker().clone());
            let generation = state.generation;
            drop(state);
            self.queued = Some((id, generation));
            self.parked = Some(cx.waker().clone());
            return Poll::Pending;
        };
        if state.generation != generation {
            // Released by a `set` that a `clear` has already undone.
            drop(state);
            self.queued = None;
            self.parked = None;
            return Poll::Ready(());
        }
        if self.parked.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            return Poll::Pending;
        }
        if let Some(parked) = state.waiters.get_mut(&id) {
            *parked = cx.waker().clone();
        }
        drop(state);
        self.parked = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        if let Some((id, _)) = self.queued {
            let waker = self.event.state.borrow_mut().waiters.remove(&id);
            drop(waker);
        }
    }
}

impl fmt::Debug for Wait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait").field("queued", &self.queued.is_some()).finish()
    }
}
