//! asyncio's callback API on reel: `call_soon`, `call_later`, `call_at`,
//! and the handle that cancels them (src/callbacks.rs).

#[path = "../common/mod.rs"]
mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use common::bounded;

/// Yields until `done` holds (each yield is one tick).
async fn until(done: impl Fn() -> bool) {
    while !done() {
        reel::yield_now().await;
    }
}

#[test]
fn call_soon_runs_callbacks_in_order_in_a_later_tick() {
    reel::run(bounded(async {
        let log = Rc::new(RefCell::new(Vec::new()));
        let scheduled_in = reel::stats().ticks;
        for i in 0..5 {
            let log = log.clone();
            reel::call_soon(move || log.borrow_mut().push((i, reel::stats().ticks)));
        }
        assert!(log.borrow().is_empty(), "a callback never runs inside call_soon");
        until(|| log.borrow().len() == 5).await;
        let log = log.borrow();
        let order: Vec<_> = log.iter().map(|&(i, _)| i).collect();
        assert_eq!(order, [0, 1, 2, 3, 4], "FIFO, as asyncio's _ready");
        assert!(log.iter().all(|&(_, tick)| tick == log[0].1), "all in one pass: {log:?}");
        assert!(log[0].1 > scheduled_in, "not in the pass that scheduled them: {log:?}");
    }));
}

#[test]
fn a_callback_that_schedules_another_runs_it_in_the_next_pass() {
    reel::run(bounded(async {
        let ticks = Rc::new(RefCell::new(Vec::new()));
        let inner = ticks.clone();
        reel::call_soon(move || {
            inner.borrow_mut().push(reel::stats().ticks);
            let again = inner.clone();
            reel::call_soon(move || again.borrow_mut().push(reel::stats().ticks));
        });
        until(|| ticks.borrow().len() == 2).await;
        let ticks = ticks.borrow();
        assert!(ticks[1] > ticks[0], "one callback per pass each: {ticks:?}");
    }));
}

#[test]
fn a_cancelled_callback_never_runs_and_its_timer_is_gone() {
    reel::run(bounded(async {
        let ran = Rc::new(Cell::new(0));
        let (a, b) = (ran.clone(), ran.clone());
        reel::yield_now().await; // the test's own deadline (bounded) is armed
        let timers = reel::stats().timers;
        let soon = reel::call_soon(move || a.set(a.get() + 1));
        let later = reel::call_later(Duration::from_millis(20), move || b.set(b.get() + 10));
        assert!(soon.cancel() && soon.cancelled());
        reel::sleep(Duration::from_millis(1)).await; // the timed one arms its timer
        assert_eq!(reel::stats().timers, timers + 1);
        assert!(later.cancel() && later.cancelled());
        reel::sleep(Duration::from_millis(40)).await;
        assert_eq!(ran.get(), 0, "neither ran");
        assert!(soon.is_finished() && later.is_finished());
        assert!(!soon.cancel(), "cancelling twice stops nothing more");
        assert_eq!(reel::stats().timers, timers, "the cancelled timer entry went with it");
    }));
}

#[test]
fn timed_callbacks_run_at_their_deadline_in_deadline_order_ties_in_call_order() {
    // On a paused clock (src/paused_clock.rs): each runs at its instant exactly.
    reel::Builder::new().start_paused(true).run(async {
        let log = Rc::new(RefCell::new(Vec::new()));
        let start = reel::time::now();
        let at = |ms| start + Duration::from_millis(ms);
        let mut handles = Vec::new();
        for (name, ms) in [("b", 30), ("a", 15), ("c", 30), ("d", 45)] {
            let log = log.clone();
            let handle =
                reel::call_at(at(ms), move || log.borrow_mut().push((name, reel::time::now())));
            assert_eq!(handle.when(), Some(at(ms)));
            handles.push(handle);
        }
        let log2 = log.clone();
        let later = reel::call_later(Duration::from_millis(5), move || {
            log2.borrow_mut().push(("first", reel::time::now()));
        });
        assert_eq!(later.when(), Some(at(5)));
        reel::sleep(Duration::from_millis(60)).await;
        let log = log.borrow();
        let want: Vec<_> = [("first", 5), ("a", 15), ("b", 30), ("c", 30), ("d", 45)]
            .map(|(name, ms)| (name, at(ms)))
            .into();
        assert_eq!(*log, want);
        assert!(handles.iter().all(|h| h.is_finished() && !h.cancelled()));
    });
}
