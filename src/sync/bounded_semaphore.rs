//! A semaphore that refuses to be released more often than it was
//! acquired.
//!
//! asyncio counterpart: `asyncio.BoundedSemaphore`, whose `release()` raises
//! `ValueError` when it would raise the count past the initial value. A
//! [`SemaphorePermit`] that drops cannot do that: it gives back exactly the
//! permit it took. The hand-made release can: a permit kept with
//! [`SemaphorePermit::forget`] and given back with
//! [`release`](BoundedSemaphore::release), as in asyncio's code that calls
//! `acquire()` and `release()` itself. That is the case this type checks.

use std::fmt;

use super::semaphore::{Acquire, Semaphore, SemaphorePermit};

/// A [`Semaphore`] with a bound on its releases
/// (asyncio: `asyncio.BoundedSemaphore(value)`).
///
/// ```no_run
/// reel::run(async {
///     let pool = reel::sync::BoundedSemaphore::new(2);
///     pool.acquire().await.forget(); // held until released by hand
///     assert!(pool.release().is_ok());
///     assert!(pool.release().is_err(), "one release too many");
/// });
/// ```
#[derive(Clone)]
pub struct BoundedSemaphore {
    /// The permits and their waiters.
    semaphore: Semaphore,
    /// The permits it was built with: free, granted and held ones never
    /// add up to more.
    bound: usize,
}

impl BoundedSemaphore {
    /// A bounded semaphore with `permits` permits, all free.
    pub fn new(permits: usize) -> Self {
        BoundedSemaphore { semaphore: Semaphore::new(permits), bound: permits }
    }

    /// Waits for a permit, queueing behind earlier waiters
    /// (asyncio: `await sem.acquire()`); see [`Semaphore::acquire`].
    #[track_caller]
    pub fn acquire(&self) -> Acquire<'_> {
        self.semaphore.acquire()
    }

    /// Takes a permit if one is free now and nobody is queued for it; see
    /// [`Semaphore::try_acquire`].
    pub fn try_acquire(&self) -> Option<SemaphorePermit> {
        self.semaphore.try_acquire()
    }

    /// Permits free now; zero while anyone waits (asyncio: `sem._value`).
    pub fn available_permits(&self) -> usize {
        self.semaphore.available_permits()
    }

    /// Gives back one permit that was kept with
    /// [`SemaphorePermit::forget`], to the oldest waiter if any
    /// (asyncio: `sem.release()`). Fails, changing nothing, when no permit
    /// is held beyond the bound's count, as asyncio raises `ValueError`.
    pub fn release(&self) -> Result<(), ReleasedTooOften> {
        if self.semaphore.uncollected_permits() >= self.bound {
            return Err(ReleasedTooOften { bound: self.bound });
        }
        self.semaphore.add_permits(1);
        Ok(())
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("available", &self.available_permits())
            .field("bound", &self.bound)
            .finish()
    }
}

/// [`BoundedSemaphore::release`] would have raised the permits past the
/// bound (asyncio: `ValueError: BoundedSemaphore released too many times`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReleasedTooOften {
    /// The semaphore's bound.
    pub bound: usize,
}

impl fmt::Display for ReleasedTooOften {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bounded semaphore released more often than acquired (bound {})", self.bound)
    }
}

impl std::error::Error for ReleasedTooOften {}
