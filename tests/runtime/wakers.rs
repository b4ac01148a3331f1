//! Wakers and the blocking pool: wakes deduplicated, stale wakes ignored,
//! wakes from other threads, spawn_blocking.

#[path = "../common/mod.rs"]
mod common;

use std::cell::{Cell, RefCell};
use std::future::{Future, poll_fn};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::thread;
use std::time::Duration;

use common::bounded;
use reel::{sleep, spawn, yield_now};

// ---- wakers ----

/// A future that counts its polls and stays pending, parking its waker.
fn pending_counter(
    polls: Rc<Cell<u32>>,
    parked: Rc<RefCell<Option<Waker>>>,
) -> impl Future<Output = ()> {
    poll_fn(move |cx| {
        polls.set(polls.get() + 1);
        *parked.borrow_mut() = Some(cx.waker().clone());
        Poll::<()>::Pending
    })
}

#[test]
fn waking_twice_schedules_once() {
    reel::run(async {
        let (polls, parked) = (Rc::new(Cell::new(0)), Rc::default());
        let _task = spawn(pending_counter(polls.clone(), Rc::clone(&parked)));
        yield_now().await;
        assert_eq!(polls.get(), 1);
        let waker = parked.borrow().clone().expect("parked");
        waker.wake_by_ref();
        waker.wake_by_ref();
        assert_eq!(reel::stats().ready, 1, "queued once");
        yield_now().await;
        yield_now().await;
        assert_eq!(polls.get(), 2, "polled once for two wakes");
    });
}

#[test]
fn waking_a_finished_task_does_nothing_even_when_its_slot_is_reused() {
    reel::run(async {
        let parked: Rc<RefCell<Option<Waker>>> = Rc::default();
        let keep = parked.clone();
        bounded(spawn(poll_fn(move |cx| {
            *keep.borrow_mut() = Some(cx.waker().clone());
            Poll::Ready(())
        })))
        .await
        .unwrap();
        // A new task very likely takes the freed slab slot.
        let (polls, other) = (Rc::new(Cell::new(0)), Rc::default());
        let _task = spawn(pending_counter(polls.clone(), other));
        yield_now().await;
        assert_eq!(polls.get(), 1);
        parked.borrow().as_ref().expect("kept").wake_by_ref();
        assert_eq!(reel::stats().ready, 0, "a stale wake queues nothing");
        yield_now().await;
        assert_eq!(polls.get(), 1, "the new task was not polled by the old waker");
    });
}

#[test]
fn a_wake_from_another_thread_reaches_the_loop() {
    reel::run(async {
        let shared: Arc<Mutex<(bool, Option<Waker>)>> = Arc::default();
        let from_thread = shared.clone();
        let waiter = spawn(poll_fn(move |cx| {
            let mut state = shared.lock().unwrap();
            if state.0 {
                return Poll::Ready(thread::current().id());
            }
            state.1 = Some(cx.waker().clone());
            Poll::Pending
        }));
        yield_now().await; // the waiter parks its waker
        let helper = thread::spawn(move || {
            let mut state = from_thread.lock().unwrap();
            state.0 = true;
            state.1.take().expect("parked").wake();
        });
        // Main parks in epoll_wait with no timers; only the eventfd ring
        // can wake the loop in time.
        let woke_on = bounded(waiter).await.expect("completed");
        assert_eq!(woke_on, thread::current().id(), "polled on the loop's thread");
        helper.join().unwrap();
    });
}

#[test]
fn spawn_blocking_runs_off_the_loop_and_returns_its_value() {
    reel::run(async {
        let loop_thread = thread::current().id();
        let ticker = spawn(async {
            let mut ticks = 0;
            while ticks < 5 {
                sleep(Duration::from_millis(5)).await;
                ticks += 1;
            }
            ticks
        });
        let (value, worker) = bounded(reel::spawn_blocking(move || {
            thread::sleep(Duration::from_millis(100));
            (21 * 2, thread::current().id())
        }))
        .await
        .expect("completed");
        assert_eq!(value, 42);
        assert_ne!(worker, loop_thread);
        assert!(ticker.is_finished(), "the loop kept running while the closure blocked");
    });
}

#[test]
fn spawn_blocking_reports_a_panic_as_a_join_error() {
    reel::run(async {
        let error = bounded(reel::spawn_blocking(|| -> u32 { panic!("blocking boom") }))
            .await
            .expect_err("panicked");
        assert_eq!(error.panic_message(), Some("blocking boom"));
    });
}

#[test]
fn many_blocking_jobs_all_complete_on_a_bounded_pool() {
    reel::run(async {
        let handles: Vec<_> = (0..64u64).map(|i| reel::spawn_blocking(move || i * i)).collect();
        let mut sum = 0;
        for handle in handles {
            sum += bounded(handle).await.expect("completed");
        }
        assert_eq!(sum, (0..64u64).map(|i| i * i).sum::<u64>());
    });
}
