//! A condition: tasks wait, holding no lock, until another task that holds
//! the lock says the state they wait for may have changed.
//!
//! asyncio counterpart: `asyncio.Condition` (`async with cond:`,
//! `await cond.wait()`, `wait_for(predicate)`, `notify(n)`,
//! `notify_all()`). Here the lock holds the state, as [`Lock`] does, and
//! `wait` takes the guard and gives it back, as `std::sync::Condvar` does.
//!
//! # Implementation
//!
//! A [`Lock`] for the state, and a count of notifications built on the same
//! first-in first-out [`Permits`] as the semaphore: a waiter queues for a
//! notification, then releases the lock; `notify(n)` grants up to `n`
//! notifications to the oldest waiters, never more than are waiting (one
//! with nobody waiting is lost, as asyncio's is). A waiter that is dropped
//! after it was notified (a timeout, a cancel) passes its notification to
//! the next waiter, as asyncio 3.13's `Condition.wait` does; with nobody
//! left waiting it is dropped. A woken waiter then takes the lock again
//! before `wait` returns.
//!
//! Ground rules: a waiter queues before it releases the lock, and nothing
//! runs in between (one thread, no `.await` between the two), so no notify
//! can fall between them.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;

use crate::event_loop::await_site::traced;

use super::permits::{self, Permits, Take};
use super::{Lock, LockGuard};

/// A condition over a value behind a lock (asyncio: `asyncio.Condition`).
///
/// ```no_run
/// use reel::sync::Condition;
///
/// reel::run(async {
///     let ready = std::rc::Rc::new(Condition::new(Vec::<u32>::new()));
///     let consumer = {
///         let ready = ready.clone();
///         reel::spawn(async move {
///             let items = ready.lock().await;
///             let items = ready.wait_for(items, |items| !items.is_empty()).await;
///             items[0]
///         })
///     };
///     ready.lock().await.push(7);
///     ready.notify_all();
///     assert_eq!(consumer.await.unwrap(), 7);
/// });
/// ```
pub struct Condition<T> {
    /// The state the waiters look at.
    lock: Lock<T>,
    /// Notifications: none free while nobody waits, one granted per waiter
    /// notified.
    notified: RefCell<Permits>,
}

impl<T> Condition<T> {
    /// A condition over `value`.
    pub fn new(value: T) -> Self {
        Condition { lock: Lock::new(value), notified: RefCell::new(Permits::new(0)) }
    }

    /// Takes the lock (asyncio: `async with cond:`).
    #[track_caller]
    pub fn lock(&self) -> impl Future<Output = LockGuard<'_, T>> {
        self.lock.lock()
    }

    /// Releases the lock, waits for a notification, takes the lock again
    /// and gives it back (asyncio: `await cond.wait()`). Waiters are
    /// notified oldest first.
    #[track_caller]
    pub fn wait<'a>(&'a self, guard: LockGuard<'a, T>) -> impl Future<Output = LockGuard<'a, T>> {
        traced!(async move {
            self.notified.borrow_mut().discard_available();
            let mut notification = std::pin::pin!(Take::new(&self.notified));
            // Queue first (this poll never finds a free notification), then
            // let go of the lock: a notify can only come after both.
            let queued = std::future::poll_fn(|cx| {
                let _ = notification.as_mut().poll(cx);
                std::task::Poll::Ready(())
            });
            queued.await;
            drop(guard);
            notification.await;
            self.lock.lock().await
        })
    }

    /// Waits until `predicate` holds for the value, checking it under the
    /// lock now and after each notification (asyncio: `wait_for`).
    #[track_caller]
    pub fn wait_for<'a>(
        &'a self,
        mut guard: LockGuard<'a, T>,
        mut predicate: impl FnMut(&mut T) -> bool,
    ) -> impl Future<Output = LockGuard<'a, T>> {
        traced!(async move {
            while !predicate(&mut guard) {
                guard = self.wait(guard).await;
            }
            guard
        })
    }

    /// Wakes up to `n` of the tasks waiting, oldest first (asyncio:
    /// `cond.notify(n)`). asyncio requires the lock to be held; here it
    /// need not be.
    pub fn notify(&self, n: usize) {
        let waiting = self.notified.borrow().waiting();
        permits::release(&self.notified, n.min(waiting));
    }

    /// Wakes every task waiting (asyncio: `cond.notify_all()`).
    pub fn notify_all(&self) {
        self.notify(usize::MAX);
    }
}

impl<T> fmt::Debug for Condition<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("locked", &self.lock.is_locked())
            .field("waiting", &self.notified.borrow().waiting())
            .finish()
    }
}
