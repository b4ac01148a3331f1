//! `reel::sync`'s queue shutdown (asyncio 3.13's `Queue.shutdown`) and the
//! other orders, `PriorityQueue` and `LifoQueue`, through the public API.

#[path = "../common/mod.rs"]
mod common;

use std::cell::Cell;
use std::rc::Rc;

use common::{bounded, pending};
use reel::sync::{LifoQueue, PriorityQueue, Queue, QueueShutDown, TryGetError, TryPutError};
use reel::{spawn, yield_now};

// ---- shutdown ----

#[test]
fn after_shutdown_puts_fail_and_hand_the_item_back() {
    reel::run(async {
        let queue = Queue::new(0);
        queue.put_nowait("kept").unwrap();
        queue.shutdown(false);
        assert!(queue.is_shut_down());
        assert_eq!(queue.put_nowait("late"), Err(TryPutError::ShutDown("late")));
        assert_eq!(bounded(queue.put("later")).await, Err(QueueShutDown("later")));
        assert_eq!(queue.qsize(), 1, "nothing was put after the shutdown");
    });
}

#[test]
fn after_shutdown_getters_get_what_is_left_then_fail() {
    reel::run(async {
        let queue = Queue::new(0);
        for item in [1, 2] {
            queue.put_nowait(item).unwrap();
        }
        queue.shutdown(false);
        assert_eq!(bounded(queue.get()).await, Ok(1));
        assert_eq!(queue.get_nowait(), Ok(2));
        assert_eq!(queue.get_nowait(), Err(TryGetError::ShutDown), "not Empty");
        assert_eq!(bounded(queue.get()).await, Err(QueueShutDown(())), "no wait");
    });
}

#[test]
fn a_shutdown_wakes_every_waiting_getter_with_an_error() {
    let results = reel::run(async {
        let queue: Queue<u32> = Queue::new(0);
        let getters: Vec<_> = (0..3)
            .map(|_| {
                let queue = queue.clone();
                spawn(async move { queue.get().await })
            })
            .collect();
        yield_now().await; // all three wait
        queue.shutdown(false);
        let mut results = Vec::new();
        for getter in getters {
            results.push(bounded(getter).await.unwrap());
        }
        results
    });
    assert_eq!(results, [Err(QueueShutDown(())); 3]);
}

#[test]
fn a_shutdown_wakes_waiting_putters_with_their_items_and_keeps_the_queued_ones() {
    reel::run(async {
        let queue = Queue::new(1);
        queue.put_nowait("in").unwrap();
        let putters: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|item| {
                let queue = queue.clone();
                spawn(async move { queue.put(item).await })
            })
            .collect();
        yield_now().await; // both wait for the one slot
        queue.shutdown(false);
        let mut back = Vec::new();
        for putter in putters {
            back.push(bounded(putter).await.unwrap().unwrap_err().into_inner());
        }
        assert_eq!(back, ["a", "b"]);
        assert_eq!(queue.get_nowait(), Ok("in"), "what was put stays");
        assert!(!queue.full());
    });
}

#[test]
fn an_immediate_shutdown_drops_the_items_counts_them_done_and_fails_every_getter() {
    let alive = Rc::new(Cell::new(0));
    reel::run({
        let alive = alive.clone();
        async move {
            let queue = Queue::new(3);
            for _ in 0..3 {
                queue.put_nowait(Counted::new(&alive)).unwrap();
            }
            queue.shutdown(true);
            assert_eq!(alive.get(), 0, "the items were dropped");
            assert_eq!(queue.qsize(), 0);
            assert!(!queue.full(), "their slots were freed");
            assert!(queue.get_nowait().is_err_and(|e| e == TryGetError::ShutDown));
            bounded(queue.join()).await; // none waits for task_done
        }
    });
}

#[test]
fn an_immediate_shutdown_fails_a_getter_that_was_handed_an_item_and_had_not_run() {
    reel::run(async {
        let queue = Queue::new(0);
        let getter = pending(Box::pin(queue.get())).await;
        queue.put_nowait(7).unwrap(); // promised to `getter`, which has not run
        queue.shutdown(true);
        assert_eq!(bounded(getter).await, Err(QueueShutDown(())));
    });
}

#[test]
fn a_putter_granted_a_slot_before_the_shutdown_gives_it_back() {
    reel::run(async {
        let queue = Queue::new(1);
        queue.put_nowait(0).unwrap();
        let putter = pending(Box::pin(queue.put(1))).await;
        assert_eq!(queue.get_nowait(), Ok(0)); // the slot goes to `putter`
        queue.shutdown(false);
        assert_eq!(bounded(putter).await, Err(QueueShutDown(1)));
        assert!(!queue.full(), "the slot is free again");
        assert_eq!(queue.qsize(), 0);
    });
}

// ---- the other orders ----

#[test]
fn a_priority_queue_hands_out_the_lowest_first() {
    let got = reel::run(async {
        let queue = PriorityQueue::new(0);
        for entry in [(5, "low"), (1, "urgent"), (3, "normal")] {
            queue.put(entry).await.unwrap();
        }
        let mut got = Vec::new();
        while let Ok(entry) = queue.get_nowait() {
            got.push(entry);
            queue.task_done();
        }
        bounded(queue.join()).await;
        got
    });
    assert_eq!(got, [(1, "urgent"), (3, "normal"), (5, "low")]);
}

#[test]
fn a_woken_priority_getter_takes_the_lowest_item_when_it_runs() {
    reel::run(async {
        let queue = PriorityQueue::new(2);
        let getter = pending(Box::pin(queue.get())).await;
        queue.put_nowait(5).unwrap(); // wakes `getter`
        queue.put_nowait(1).unwrap(); // before it runs
        assert_eq!(queue.put_nowait(9), Err(TryPutError::Full(9)), "the bound holds");
        assert_eq!(bounded(getter).await, Ok(1));
        assert_eq!(queue.get_nowait(), Ok(5));
    });
}

#[test]
fn a_lifo_queue_hands_out_the_newest_first() {
    let got = reel::run(async {
        let queue = LifoQueue::new(0);
        for item in 1..=3 {
            queue.put_nowait(item).unwrap();
        }
        let mut got = Vec::new();
        for _ in 0..3 {
            got.push(bounded(queue.get()).await.unwrap());
        }
        assert_eq!(queue.get_nowait(), Err(TryGetError::Empty));
        got
    });
    assert_eq!(got, [3, 2, 1]);
}

/// An item that counts how many of its kind are alive.
struct Counted(Rc<Cell<usize>>);

impl Counted {
    fn new(alive: &Rc<Cell<usize>>) -> Self {
        alive.set(alive.get() + 1);
        Counted(alive.clone())
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}
