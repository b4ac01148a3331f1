//! `reel::sync::Condition`: asyncio's `Condition` (tests/runtime/sync.rs
//! has the other primitives).

#[path = "../common/mod.rs"]
mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::bounded;
use reel::sync::Condition;

/// Lets every other task run for `ticks` ticks.
async fn ticks(ticks: usize) {
    for _ in 0..ticks {
        reel::yield_now().await;
    }
}

/// Spawns a task that waits once on `cond` and logs `name` when woken.
fn waiter(
    cond: &Rc<Condition<u32>>,
    log: &Rc<RefCell<Vec<&'static str>>>,
    name: &'static str,
) -> reel::JoinHandle<()> {
    let (cond, log) = (cond.clone(), log.clone());
    reel::spawn(async move {
        let guard = cond.lock().await;
        let _guard = cond.wait(guard).await;
        log.borrow_mut().push(name);
    })
}

#[test]
fn notify_wakes_that_many_waiters_oldest_first() {
    reel::run(bounded(async {
        let (cond, log) = (Rc::new(Condition::new(0)), Rc::new(RefCell::new(Vec::new())));
        let waiters: Vec<_> = ["a", "b", "c"].into_iter().map(|n| waiter(&cond, &log, n)).collect();
        ticks(3).await;
        cond.notify(1);
        ticks(3).await;
        assert_eq!(*log.borrow(), ["a"]);
        cond.notify(5); // more than wait: the extra ones are not kept
        ticks(3).await;
        assert_eq!(*log.borrow(), ["a", "b", "c"]);
        for w in waiters {
            w.await.expect("a waiter");
        }
        let late = waiter(&cond, &log, "late");
        ticks(3).await;
        assert!(!late.is_finished(), "a notification with nobody waiting was not kept");
        cond.notify_all();
        late.await.expect("the late waiter");
    }));
}

#[test]
fn a_waiter_dropped_after_its_notification_passes_it_on() {
    reel::run(bounded(async {
        let (cond, log) = (Rc::new(Condition::new(0)), Rc::new(RefCell::new(Vec::new())));
        let first = waiter(&cond, &log, "first");
        let second = waiter(&cond, &log, "second");
        ticks(3).await;
        cond.notify(1); // granted to `first`...
        first.cancel(); // ...which is dropped before it runs
        ticks(3).await;
        assert_eq!(*log.borrow(), ["second"], "the notification went to the next waiter");
        second.await.expect("second");
    }));
}

#[test]
fn wait_for_checks_the_state_under_the_lock() {
    reel::run(bounded(async {
        let cond = Rc::new(Condition::new(Vec::<u32>::new()));
        let consumer = {
            let cond = cond.clone();
            reel::spawn(async move {
                let items = cond.lock().await;
                let items = cond.wait_for(items, |items| items.len() >= 3).await;
                items.clone()
            })
        };
        for i in 0..3 {
            ticks(2).await;
            cond.lock().await.push(i);
            cond.notify_all();
        }
        assert_eq!(consumer.await.expect("the consumer"), [0, 1, 2]);
        // The predicate already holds: no wait at all.
        let guard = cond.lock().await;
        let guard = cond.wait_for(guard, |items| !items.is_empty()).await;
        assert_eq!(guard.len(), 3);
    }));
}
