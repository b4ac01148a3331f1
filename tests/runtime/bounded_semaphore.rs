//! `reel::sync::BoundedSemaphore`: permits kept with `forget` and given back
//! by hand, and the release that would pass the bound refused, as asyncio's
//! `BoundedSemaphore.release()` raises `ValueError`.

#[path = "../common/mod.rs"]
mod common;

use common::{bounded, pending};
use reel::sync::{BoundedSemaphore, ReleasedTooOften};

#[test]
fn a_release_past_the_bound_fails_and_changes_nothing() {
    reel::run(async {
        let semaphore = BoundedSemaphore::new(2);
        assert_eq!(semaphore.release(), Err(ReleasedTooOften { bound: 2 }));
        assert_eq!(semaphore.available_permits(), 2);
        bounded(semaphore.acquire()).await.forget();
        assert_eq!(semaphore.available_permits(), 1, "a forgotten permit stays held");
        assert_eq!(semaphore.release(), Ok(()));
        assert_eq!(semaphore.available_permits(), 2);
        assert!(semaphore.release().is_err(), "one release too many");
    });
}

#[test]
fn a_release_goes_to_the_oldest_waiter_and_counts_its_permit_as_held() {
    reel::run(async {
        let semaphore = BoundedSemaphore::new(1);
        bounded(semaphore.acquire()).await.forget();
        let waiter = pending(Box::pin(semaphore.acquire())).await;
        assert_eq!(semaphore.release(), Ok(()));
        assert_eq!(semaphore.available_permits(), 0, "granted to the waiter");
        assert!(semaphore.release().is_err(), "the waiter's permit is held");
        let permit = bounded(waiter).await;
        drop(permit);
        assert_eq!(semaphore.available_permits(), 1);
    });
}

#[test]
fn a_permit_that_drops_goes_back_by_itself() {
    let semaphore = BoundedSemaphore::new(1);
    let permit = semaphore.try_acquire().expect("one is free");
    assert!(semaphore.try_acquire().is_none());
    drop(permit);
    assert_eq!(semaphore.available_permits(), 1);
    assert!(semaphore.release().is_err(), "nothing is held");
}
