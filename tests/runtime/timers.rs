//! Timers through the public API: order, FIFO ties, timeout, interval, and
//! timers removed when their futures are dropped.

#[path = "../common/mod.rs"]
mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::bounded;
use reel::time::interval;
use reel::{sleep, sleep_until, spawn, timeout, yield_now};

// ---- timers ----

#[test]
fn sleeps_wake_in_deadline_order() {
    let order = reel::run(async {
        let order = Rc::new(RefCell::new(Vec::new()));
        let handles: Vec<_> = [30u64, 10, 20, 0]
            .into_iter()
            .map(|ms| {
                let order = order.clone();
                spawn(async move {
                    sleep(Duration::from_millis(ms)).await;
                    order.borrow_mut().push(ms);
                })
            })
            .collect();
        for handle in handles {
            bounded(handle).await.unwrap();
        }
        order.take()
    });
    assert_eq!(order, [0, 10, 20, 30]);
}

#[test]
fn equal_deadlines_fire_in_creation_order() {
    let order = reel::run(async {
        let deadline = Instant::now() + Duration::from_millis(10);
        let order = Rc::new(RefCell::new(Vec::new()));
        let handles: Vec<_> = (0..10)
            .map(|i| {
                let order = order.clone();
                spawn(async move {
                    sleep_until(deadline).await;
                    order.borrow_mut().push(i);
                })
            })
            .collect();
        for handle in handles {
            bounded(handle).await.unwrap();
        }
        order.take()
    });
    assert_eq!(order, (0..10).collect::<Vec<_>>());
}

#[test]
fn sleep_waits_at_least_its_duration() {
    reel::run(async {
        let started = Instant::now();
        bounded(sleep(Duration::from_millis(30))).await;
        assert!(started.elapsed() >= Duration::from_millis(30));
    });
}

/// A loop whose clock starts paused (src/paused_clock.rs): these tests of
/// timeouts take no real time, and each deadline is met exactly.
fn paused<F: std::future::Future + 'static>(future: F) -> F::Output {
    reel::Builder::new().start_paused(true).run(future)
}

#[test]
fn timeout_elapses_and_drops_the_inner_future_and_its_timer() {
    paused(async {
        let started = reel::time::now();
        let result = timeout(Duration::from_secs(20), sleep(Duration::from_secs(3600))).await;
        let elapsed = result.expect_err("the sleep outlasts the timeout");
        assert_eq!(elapsed.to_string(), "deadline has elapsed");
        assert_eq!(reel::time::now() - started, Duration::from_secs(20));
        assert_eq!(reel::stats().timers, 0, "neither timer is left behind");
    });
}

#[test]
fn timeout_at_gives_up_at_the_deadline_of_the_loop_clock() {
    paused(async {
        let deadline = reel::time::now() + Duration::from_secs(20);
        let late = reel::time::timeout_at(deadline, sleep(Duration::from_secs(3600))).await;
        assert!(late.is_err(), "the sleep outlasts the deadline");
        assert_eq!(reel::time::now(), deadline);
        let past = reel::time::timeout_at(deadline, sleep(Duration::from_secs(1))).await;
        assert!(past.is_err(), "a deadline already past elapses at once");
        assert_eq!(reel::time::timeout_at(deadline, async { 2 }).await, Ok(2), "ready wins");
        let soon = reel::time::now() + Duration::from_secs(5);
        assert_eq!(reel::time::timeout_at(soon, async { 3 }).await, Ok(3));
        assert_eq!(reel::stats().timers, 0, "no timer left behind");
    });
}

#[test]
fn timeout_returns_the_output_when_the_future_wins() {
    paused(async {
        let value = timeout(Duration::from_secs(5), async {
            sleep(Duration::from_millis(4999)).await;
            "in time"
        })
        .await;
        assert_eq!(value, Ok("in time"));
        assert_eq!(timeout(Duration::ZERO, async { 1 }).await, Ok(1), "ready beats zero");
        assert_eq!(reel::stats().timers, 0);
    });
}

#[test]
fn dropping_a_pending_sleep_removes_its_timer() {
    reel::run(async {
        let sleeper = spawn(sleep(Duration::from_secs(3600)));
        yield_now().await;
        assert_eq!(reel::stats().timers, 1);
        sleeper.cancel();
        let _ = bounded(sleeper).await;
        assert_eq!(reel::stats().timers, 0);
    });
}

#[test]
fn interval_ticks_a_period_apart_without_drift() {
    paused(async {
        let period = Duration::from_secs(10);
        let mut ticker = interval(period);
        let start = reel::time::now();
        let first = ticker.tick().await;
        assert_eq!(first, start, "the first tick is immediate");
        let mut last = first;
        for _ in 0..3 {
            let next = ticker.tick().await;
            assert_eq!(next - last, period, "scheduled a period apart");
            assert_eq!(reel::time::now(), next, "and ticked at that instant");
            last = next;
        }
    });
}

#[test]
fn an_idle_loop_with_a_timer_sleeps_in_the_kernel_until_it_is_due() {
    reel::run(async {
        let before = reel::stats().ticks;
        bounded(sleep(Duration::from_millis(200))).await;
        let ticks = reel::stats().ticks - before;
        assert!(ticks <= 4, "{ticks} ticks for one sleep: the loop spun");
    });
}

#[test]
fn the_loop_clock_holds_still_within_a_tick_and_advances_across_ticks() {
    reel::run(async {
        let first = reel::time::now();
        std::thread::sleep(Duration::from_millis(2)); // the wall moves on, the tick does not
        assert_eq!(reel::time::now(), first, "read once per tick");
        assert!(Instant::now() > first);
        bounded(sleep(Duration::from_millis(5))).await;
        assert!(reel::time::now() >= first + Duration::from_millis(5));
    });
}
