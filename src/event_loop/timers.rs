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
        // Ids start at 1: a `Sleep` keeps 0 for "no entry".
        Timers { map: RefCell::new(BTreeMap::new()), next_id: Cell::new(1) }
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
            crate::event_loop::panic::wake_guarded(waker, "a timer");
            fired += 1;
        }
    }

    /// Each pending timer's deadline and the address of its waker's data,
    /// for `reel::tasks()` to match against the tasks; not on any hot path.
    pub(crate) fn parked(&self) -> Vec<(Instant, usize)> {
        let map = self.map.borrow();
        map.iter().map(|(&(deadline, _), waker)| (deadline, waker.data() as usize)).collect()
    }

    /// Number of pending timers.
    pub(crate) fn len(&self) -> usize {
        self.map.borrow().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;
    use std::time::Duration;

    /// A waker that counts its wakes.
    struct Counter(AtomicUsize);
    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn fires_only_what_is_due_and_reports_the_next_deadline() {
        let timers = Timers::new();
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        let now = Instant::now();
        let later = now + Duration::from_secs(60);
        timers.insert(now + Duration::from_millis(2), &waker);
        timers.insert(now + Duration::from_millis(1), &waker);
        timers.insert(later, &waker);
        assert_eq!(timers.next_deadline(), Some(now + Duration::from_millis(1)));
        assert_eq!(timers.fire_expired(now), 0);
        assert_eq!(timers.fire_expired(now + Duration::from_millis(2)), 2);
        assert_eq!(counter.0.load(Ordering::SeqCst), 2);
        assert_eq!(timers.next_deadline(), Some(later));
        assert_eq!(timers.len(), 1);
    }

    #[test]
    fn a_removed_timer_never_fires_and_repark_reports_it_gone() {
        let timers = Timers::new();
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        let now = Instant::now();
        let key = timers.insert(now, &waker);
        assert!(timers.repark(key, &waker));
        timers.remove(key);
        assert!(!timers.repark(key, &waker));
        assert_eq!(timers.fire_expired(now + Duration::from_secs(1)), 0);
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
        assert_eq!(timers.next_deadline(), None);
    }
}
