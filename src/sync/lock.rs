//! An async mutex that holds its value: one task at a time, across awaits.
//!
//! asyncio counterpart: `asyncio.Lock`, with `async with lock:` spelled
//! `let mut guard = lock.lock().await;` (the guard unlocks on drop). Unlike
//! asyncio's, the lock owns the data it protects, as `std::sync::Mutex` does,
//! so the data cannot be reached without holding the lock. `Lock<()>` is the
//! bare asyncio lock.
//!
//! # Implementation
//!
//! A [`Semaphore`] with one permit decides who holds the lock, first-in
//! first-out and with cancelled grants passed on (all of it in
//! [`permits`](super::permits)); the value sits in a `RefCell`, which the
//! holder of the permit alone borrows. So the `RefCell` borrow cannot fail,
//! and the guard drops its borrow before its permit, so the next holder finds
//! the value free.

use std::cell::{RefCell, RefMut};
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};

use crate::event_loop::await_site::traced;

use super::{Semaphore, SemaphorePermit};

/// A mutual-exclusion lock for tasks on one loop, holding a `T`
/// (asyncio: `asyncio.Lock()`).
///
/// Fair: waiters get the lock first-in first-out, and a newcomer never takes
/// it while older waiters are queued ([`try_lock`](Self::try_lock) fails
/// then). The guard borrows the lock, so share a lock between tasks as
/// `Rc<Lock<T>>` and clone the `Rc` into each task.
///
/// Cancellation: dropping a `lock()` future gives up its place in line. One
/// that was granted the lock (woken, not yet run) and is then dropped passes
/// the lock to the next waiter, or unlocks it if none is waiting.
///
/// ```no_run
/// use std::rc::Rc;
/// use reel::sync::Lock;
///
/// reel::run(async {
///     let log = Rc::new(Lock::new(Vec::new()));
///     for i in 0..3 {
///         let log = log.clone();
///         reel::spawn(async move {
///             let mut lines = log.lock().await;
///             lines.push(format!("task {i} starts"));
///             reel::yield_now().await; // still held across the await
///             lines.push(format!("task {i} ends"));
///         });
///     }
/// });
/// ```
pub struct Lock<T> {
    /// One permit: whoever holds it holds the lock.
    semaphore: Semaphore,
    /// The protected value; borrowed only by the holder of the permit.
    value: RefCell<T>,
}

impl<T> Lock<T> {
    /// An unlocked lock holding `value` (asyncio: `asyncio.Lock()`).
    pub fn new(value: T) -> Self {
        Lock { semaphore: Semaphore::new(1), value: RefCell::new(value) }
    }

    /// Waits for the lock, queueing behind earlier waiters
    /// (asyncio: `await lock.acquire()`, or entering `async with lock:`).
    #[track_caller]
    pub fn lock(&self) -> impl Future<Output = LockGuard<'_, T>> {
        traced!(async move {
            // Cancelled here, `Acquire` passes a granted lock on.
            let permit = self.semaphore.acquire().await;
            self.guard(permit)
        })
    }

    /// Takes the lock if it is free now and nobody is queued for it
    /// (asyncio: `if not lock.locked(): await lock.acquire()`, without the
    /// wait).
    pub fn try_lock(&self) -> Option<LockGuard<'_, T>> {
        self.semaphore.try_acquire().map(|permit| self.guard(permit))
    }

    /// True while a guard is held, or the lock was handed to a waiter that
    /// has not yet run (asyncio: `lock.locked()`).
    pub fn is_locked(&self) -> bool {
        self.semaphore.available_permits() == 0
    }

    /// The value, without locking: `&mut self` proves nobody holds a guard.
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    /// Consumes the lock and returns the value.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }

    fn guard(&self, permit: SemaphorePermit) -> LockGuard<'_, T> {
        // The permit is the only way in, and there is one: no other borrow
        // of `value` exists, so this cannot panic.
        LockGuard { value: self.value.borrow_mut(), _permit: permit }
    }
}

impl<T: Default> Default for Lock<T> {
    fn default() -> Self {
        Lock::new(T::default())
    }
}

impl<T> fmt::Debug for Lock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock").field("locked", &self.is_locked()).finish_non_exhaustive()
    }
}

/// The lock, held: derefs to the value; dropping it unlocks, handing the lock
/// to the oldest waiter if any (asyncio: leaving `async with lock:`, or
/// `lock.release()`).
#[must_use = "dropping a guard unlocks at once"]
pub struct LockGuard<'a, T> {
    /// The value. Declared first so that it drops first: the borrow ends
    /// before the permit goes to the next holder.
    value: RefMut<'a, T>,
    /// The lock's one permit, released on drop.
    _permit: SemaphorePermit,
}

impl<T> Deref for LockGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for LockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LockGuard").field(&*self.value).finish()
    }
}
