//! Deadlines: who sleeps until when.
//!
//! asyncio counterpart: `loop._scheduled`, a heap of `TimerHandle`s that
//! `_run_once` pops when due, and that tells `select` how long it may block.
//!
//! # Implementation
//!
//! An ordered map from `(deadline, id)` to the waker of the future sleeping
//! until then. The id makes keys unique and breaks ties in creation order, so
//! timers with equal deadlines fire first-in first-out. A `BTreeMap`, unlike
//! asyncio's heap, removes a dropped timer at once (O(log n)), so a server
//! that arms and drops a timeout per request accumulates no dead entries.
//!
//! Ground rules: futures in `time` insert, re-park and remove their own entry;
//! only `fire_expired` removes entries on the timers' behalf and wakes.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::task::Waker;
use std::time::Instant;

/// The key of one pending timer.
pub(crate) type TimerKey = (Instant, u64);

/// Owns the pending deadlines of one loop.
pub(crate) struct Timers {
    /// Pending timers in deadline order. An entry exists from a sleep's first
    /// `Pending` until it fires or its future is dropped.
    map: RefCell<BTreeMap<TimerKey, Waker>>,
    /// The id of the next timer.
    next_id: Cell<u64>,
}

impl Timers {
    pub(crate) fn new() -> Self {
        Timers { map: RefCell::new(BTreeMap::new()), next_id: Cell::new(0) }
    }

    /// Adds a timer waking `waker` at `deadline`; returns its key.
    pub(crate) fn insert(&self, deadline: Instant, waker: &Waker) -> TimerKey {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        self.map.borrow_mut().insert((deadline, id), waker.clone());
        (deadline, id)
    }

    /// Replaces the waker of a pending timer if another task now polls it.
    /// Returns false if the timer has already fired (it is gone).
    pub(crate) fn repark(&self, key: TimerKey, waker: &Waker) -> bool {
        match self.map.borrow_mut().get_mut(&key) {
            Some(parked) => {
                if !parked.will_wake(waker) {
                    *parked = waker.clone();
                }
                true
            }
            None => false,
        }
    }

    /// Removes a pending timer (a dropped or reset sleep); a no-op if fired.
    pub(crate) fn remove(&self, key: TimerKey) {
        let waker = self.map.borrow_mut().remove(&key);
        drop(waker);
    }

    /// The nearest deadline, which bounds how long `epoll_wait` may block.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.map.borrow().first_key_value().map(|(key, _)| key.0)
    }

    /// Removes every timer due at `now` and wakes its sleeper, in deadline
    /// order; returns how many fired.
    ///
    /// This is the only place where timers fire: break here to watch them.
    pub(crate) fn fire_expired(&self, now: Instant) -> usize {
        let mut fired = 0;
        loop {
            // Pop one at a time so the borrow ends before `wake` runs.
            let entry = {
                let mut map = self.map.borrow_mut();
                match map.first_entry() {
                    Some(first) if first.key().0 <= now => Some(first.remove()),
                    _ => None,
                }
            };
            let Some(waker) = entry else { return fired };
            waker.wake();
            fired += 1;
        }
    }

    /// Number of pending timers.
    pub(crate) fn len(&self) -> usize {
        self.map.borrow().len()
    }
}
