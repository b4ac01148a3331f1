//! `reel::sync` through the public API: semaphore limits, FIFO order and
//! cancellation; events (channels and combinators: channels.rs).

#[path = "../common/mod.rs"]
mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use common::{bounded, poll_once};
use reel::sync::{Event, Semaphore, join_all};
use reel::{sleep, spawn, timeout, yield_now};

// ---- semaphore ----

#[test]
fn a_semaphore_lets_at_most_n_tasks_in_at_once() {
    let (most, done) = reel::run(async {
        let semaphore = Semaphore::new(3);
        let inside = Rc::new(Cell::new(0));
        let most = Rc::new(Cell::new(0));
        let handles: Vec<_> = (0..10)
            .map(|_| {
                let (semaphore, inside, most) = (semaphore.clone(), inside.clone(), most.clone());
                spawn(async move {
                    let _permit = semaphore.acquire().await;
                    inside.set(inside.get() + 1);
                    most.set(most.get().max(inside.get()));
                    // Hold the permit across ticks so that the others pile up.
                    sleep(Duration::from_millis(2)).await;
                    inside.set(inside.get() - 1);
                })
            })
            .collect();
        let done = join_all(handles).await.into_iter().filter(Result::is_ok).count();
        assert_eq!(semaphore.available_permits(), 3, "every permit came back");
        (most.get(), done)
    });
    assert_eq!(most, 3);
    assert_eq!(done, 10);
}

#[test]
fn semaphore_waiters_are_served_first_in_first_out() {
    let order = reel::run(async {
        let semaphore = Semaphore::new(1);
        let held = semaphore.acquire().await;
        let order = Rc::new(RefCell::new(Vec::new()));
        let mut handles = Vec::new();
        for i in 0..5 {
            let (semaphore, order) = (semaphore.clone(), order.clone());
            handles.push(spawn(async move {
                let _permit = semaphore.acquire().await;
                order.borrow_mut().push(i);
            }));
            // Let task i queue before task i + 1 exists.
            yield_now().await;
        }
        assert!(semaphore.try_acquire().is_none(), "no barging past the queue");
        drop(held);
        assert_eq!(semaphore.available_permits(), 0, "granted to the oldest, not pooled");
        for handle in handles {
            bounded(handle).await.unwrap();
        }
        order.take()
    });
    assert_eq!(order, [0, 1, 2, 3, 4]);
}

#[test]
fn try_acquire_takes_free_permits_and_dropping_a_permit_releases_it() {
    reel::run(async {
        let semaphore = Semaphore::new(2);
        let first = semaphore.try_acquire().expect("two are free");
        let second = semaphore.try_acquire().expect("one is free");
        assert!(semaphore.try_acquire().is_none());
        assert_eq!(semaphore.available_permits(), 0);
        drop(first);
        assert_eq!(semaphore.available_permits(), 1);
        semaphore.add_permits(2);
        assert_eq!(semaphore.available_permits(), 3);
        drop(second);
        assert_eq!(semaphore.available_permits(), 4);
        let _permit = bounded(semaphore.acquire()).await;
        assert_eq!(semaphore.available_permits(), 3);
    });
}

#[test]
fn an_acquire_dropped_after_its_permit_was_granted_returns_it_to_the_pool() {
    reel::run(async {
        let semaphore = Semaphore::new(1);
        let held = semaphore.acquire().await;
        let (waiting, first) = poll_once(semaphore.acquire()).await;
        assert!(first.is_pending(), "queued behind the holder");
        drop(held); // granted to `waiting`, which never collects it
        assert_eq!(semaphore.available_permits(), 0);
        drop(waiting);
        assert_eq!(semaphore.available_permits(), 1, "the permit was not lost");
    });
}

#[test]
fn a_task_cancelled_after_its_permit_was_granted_passes_it_to_the_next() {
    reel::run(async {
        let semaphore = Semaphore::new(1);
        let held = semaphore.acquire().await;
        let entered = Rc::new(Cell::new(0));
        let waiter = |entered: Rc<Cell<usize>>| {
            let semaphore = semaphore.clone();
            spawn(async move {
                let _permit = semaphore.acquire().await;
                entered.set(entered.get() + 1);
            })
        };
        let first = waiter(entered.clone());
        yield_now().await;
        let second = waiter(entered.clone());
        yield_now().await;
        drop(held); // grants the permit to `first` and wakes it...
        assert!(first.cancel()); // ...which is dropped before it can run.
        assert!(bounded(first).await.unwrap_err().is_cancelled());
        bounded(second).await.expect("the permit went on to the second waiter");
        assert_eq!(entered.get(), 1, "only the second got in");
        assert_eq!(semaphore.available_permits(), 1);
    });
}

#[test]
fn an_acquire_that_times_out_leaves_no_waiter_behind() {
    reel::run(async {
        let semaphore = Semaphore::new(1);
        let held = semaphore.acquire().await;
        assert!(timeout(Duration::from_millis(5), semaphore.acquire()).await.is_err());
        drop(held);
        assert_eq!(semaphore.available_permits(), 1, "nobody queued took it");
        assert!(semaphore.try_acquire().is_some());
    });
}

// ---- event ----

#[test]
fn setting_an_event_wakes_every_waiter_and_later_waits_return_at_once() {
    reel::run(async {
        let event = Event::new();
        let woken = Rc::new(Cell::new(0));
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let (event, woken) = (event.clone(), woken.clone());
                spawn(async move {
                    event.wait().await;
                    woken.set(woken.get() + 1);
                })
            })
            .collect();
        yield_now().await;
        assert_eq!(woken.get(), 0, "all three wait");
        assert!(!event.is_set());
        event.set();
        assert!(event.is_set());
        for handle in handles {
            bounded(handle).await.unwrap();
        }
        assert_eq!(woken.get(), 3);
        bounded(event.wait()).await; // set: returns at once
        event.clear();
        assert!(!event.is_set());
        assert!(timeout(Duration::from_millis(5), event.wait()).await.is_err(), "cleared");
    });
}

#[test]
fn waiters_released_by_set_still_return_after_an_immediate_clear() {
    reel::run(async {
        let event = Event::new();
        let waiter = spawn({
            let event = event.clone();
            async move { event.wait().await }
        });
        yield_now().await;
        event.set();
        event.clear(); // before the waiter runs again
        bounded(waiter).await.expect("released by the set");
        assert!(!event.is_set());
    });
}
