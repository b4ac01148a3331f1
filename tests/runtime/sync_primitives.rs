//! `reel::sync`'s `Queue`, `Lock` and `Barrier` through the public API:
//! first-in first-out service, bounds, `task_done`/`join`, mutual exclusion,
//! reuse, and for each, what a wait dropped after its grant does.

#[path = "../common/mod.rs"]
mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::Poll;

use common::{bounded, pending, poll_once};
use reel::sync::{Barrier, Either, Lock, Queue, TryGetError, TryPutError, select};
use reel::{spawn, yield_now};

// ---- queue ----

#[test]
fn queue_getters_are_served_first_in_first_out() {
    let got = reel::run(async {
        let queue = Queue::new(0);
        let got = Rc::new(RefCell::new(Vec::new()));
        let mut getters = Vec::new();
        for i in 0..4 {
            let (queue, got) = (queue.clone(), got.clone());
            getters.push(spawn(async move {
                let item = queue.get().await.unwrap();
                got.borrow_mut().push((i, item));
            }));
            yield_now().await; // getter i queues before getter i + 1 exists
        }
        for item in ["a", "b", "c", "d"] {
            queue.put_nowait(item).unwrap();
        }
        assert_eq!(queue.qsize(), 4);
        assert!(queue.empty(), "every item is promised to a waiting getter");
        assert_eq!(queue.get_nowait(), Err(TryGetError::Empty), "no barging past the getters");
        for getter in getters {
            bounded(getter).await.unwrap();
        }
        got.take()
    });
    assert_eq!(got, [(0, "a"), (1, "b"), (2, "c"), (3, "d")]);
}

#[test]
fn queue_putters_are_served_first_in_first_out_and_the_bound_holds() {
    let got = reel::run(async {
        let queue = Queue::new(1);
        queue.put_nowait(0).unwrap();
        for i in 1..5 {
            let queue = queue.clone();
            spawn(async move { queue.put(i).await.unwrap() });
            yield_now().await; // putter i queues before putter i + 1 exists
        }
        assert!(queue.full());
        assert_eq!(queue.put_nowait(99), Err(TryPutError::Full(99)), "no barging past the putters");
        let mut got = Vec::new();
        for _ in 0..5 {
            got.push(bounded(queue.get()).await.unwrap());
            assert!(queue.qsize() <= 1, "never more than maxsize");
        }
        got
    });
    assert_eq!(got, [0, 1, 2, 3, 4]);
}

#[test]
fn a_queue_with_maxsize_zero_is_unbounded() {
    reel::run(async {
        let queue = Queue::new(0);
        for i in 0..10_000 {
            queue.put_nowait(i).unwrap();
        }
        bounded(queue.put(10_000)).await.unwrap(); // does not wait
        assert!(!queue.full());
        assert_eq!((queue.qsize(), queue.maxsize()), (10_001, 0));
        let got: Vec<_> = (0..=10_000).map(|_| queue.get_nowait().unwrap()).collect();
        assert_eq!(got, (0..=10_000).collect::<Vec<_>>());
        assert!(queue.empty());
    });
}

#[test]
fn a_put_on_a_full_queue_waits_for_a_get() {
    reel::run(async {
        let queue = Queue::new(2);
        queue.put(1).await.unwrap();
        queue.put(2).await.unwrap();
        let put = Rc::new(Cell::new(false));
        let putter = spawn({
            let (queue, put) = (queue.clone(), put.clone());
            async move {
                queue.put(3).await.unwrap();
                put.set(true);
            }
        });
        yield_now().await;
        assert!(!put.get(), "the queue is full: the put waits");
        assert_eq!(queue.qsize(), 2);
        assert_eq!(queue.get_nowait(), Ok(1));
        bounded(putter).await.unwrap();
        assert!(put.get());
        assert_eq!([queue.get_nowait(), queue.get_nowait()], [Ok(2), Ok(3)]);
    });
}

#[test]
fn put_nowait_and_get_nowait_fail_without_losing_the_item() {
    let queue = Queue::new(1);
    assert_eq!(queue.get_nowait(), Err(TryGetError::Empty));
    assert!(queue.empty() && !queue.full());
    queue.put_nowait(String::from("kept")).unwrap();
    let refused = queue.put_nowait(String::from("refused")).unwrap_err();
    assert_eq!(refused.into_inner(), "refused", "the item comes back");
    assert!(queue.full() && !queue.empty());
    assert_eq!(queue.get_nowait().as_deref(), Ok("kept"));
}

#[test]
fn join_waits_until_every_item_put_is_marked_done() {
    reel::run(async {
        let queue = Queue::new(0);
        bounded(queue.join()).await; // nothing put: returns at once
        queue.put_nowait('a').unwrap();
        queue.put_nowait('b').unwrap();
        let joined = Rc::new(Cell::new(false));
        let joiner = spawn({
            let (queue, joined) = (queue.clone(), joined.clone());
            async move {
                queue.join().await;
                joined.set(true);
            }
        });
        for _ in 0..2 {
            yield_now().await;
            assert!(!joined.get(), "an item is still unfinished");
            queue.get_nowait().unwrap();
            yield_now().await;
            assert!(!joined.get(), "got is not done");
            queue.task_done();
        }
        bounded(joiner).await.unwrap();
        assert!(joined.get());
    });
}

#[test]
#[should_panic(expected = "task_done called more times than items were put")]
fn task_done_called_more_times_than_items_were_put_panics() {
    let queue = Queue::new(0);
    queue.put_nowait(1).unwrap();
    queue.task_done();
    queue.task_done();
}

#[test]
fn two_workers_share_one_queue() {
    // The bug report: two workers sharing one `Receiver` through
    // `Rc<RefCell<_>>` panicked with "already borrowed". A `Queue` handle
    // per worker needs no `RefCell`.
    let done = reel::run(async {
        let queue = Queue::new(4);
        let done = Rc::new(RefCell::new(Vec::new()));
        let workers: Vec<_> = (0..2)
            .map(|worker| {
                let (queue, done) = (queue.clone(), done.clone());
                spawn(async move {
                    while let Ok(job) = queue.get().await {
                        yield_now().await; // the job takes a while
                        done.borrow_mut().push((worker, job));
                        queue.task_done();
                    }
                })
            })
            .collect();
        for job in 0..20 {
            queue.put(job).await.unwrap();
        }
        bounded(queue.join()).await;
        queue.shutdown(false); // the workers' next `get` fails: they end
        for worker in workers {
            bounded(worker).await.unwrap();
        }
        done.take()
    });
    let mut jobs: Vec<_> = done.iter().map(|&(_, job)| job).collect();
    jobs.sort_unstable();
    assert_eq!(jobs, (0..20).collect::<Vec<_>>(), "each job done exactly once");
    for worker in 0..2 {
        assert!(done.iter().any(|&(w, _)| w == worker), "worker {worker} did some");
    }
}

#[test]
fn a_get_dropped_after_being_handed_an_item_passes_it_to_the_next_getter() {
    reel::run(async {
        let queue = Queue::new(0);
        let first = pending(Box::pin(queue.get())).await;
        let second = spawn({
            let queue = queue.clone();
            async move { queue.get().await.unwrap() }
        });
        yield_now().await; // the second getter queues behind the first
        queue.put_nowait("item").unwrap(); // handed to `first`...
        drop(first); // ...which is dropped before it ran
        assert_eq!(bounded(second).await.unwrap(), "item", "not lost");
    });
}

#[test]
fn a_get_dropped_after_being_handed_an_item_leaves_it_at_the_front() {
    reel::run(async {
        let queue = Queue::new(0);
        let first = pending(Box::pin(queue.get())).await;
        queue.put_nowait(1).unwrap(); // handed to `first`
        queue.put_nowait(2).unwrap();
        assert_eq!(queue.get_nowait(), Ok(2), "1 is promised; 2 is free");
        queue.put_nowait(3).unwrap();
        drop(first);
        assert_eq!([queue.get_nowait(), queue.get_nowait()], [Ok(1), Ok(3)]);
    });
}

#[test]
fn a_put_dropped_after_being_granted_a_slot_passes_it_to_the_next_putter() {
    reel::run(async {
        let queue = Queue::new(1);
        queue.put_nowait(0).unwrap();
        let first = pending(Box::pin(queue.put(1))).await;
        let second = spawn({
            let queue = queue.clone();
            async move { queue.put(2).await }
        });
        yield_now().await; // the second putter queues behind the first
        assert_eq!(queue.get_nowait(), Ok(0)); // the slot is granted to `first`...
        drop(first); // ...which is dropped before it ran: 1 is never put
        bounded(second).await.unwrap().unwrap();
        assert_eq!(queue.get_nowait(), Ok(2));
        queue.task_done();
        queue.task_done();
        bounded(queue.join()).await; // two items were put, not three
    });
}

// ---- lock ----

#[test]
fn a_lock_keeps_other_tasks_out_across_awaits() {
    let (total, most_inside) = reel::run(async {
        let lock = Rc::new(Lock::new(0));
        let (inside, most) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        let tasks: Vec<_> = (0..5)
            .map(|_| {
                let (lock, inside, most) = (lock.clone(), inside.clone(), most.clone());
                spawn(async move {
                    let mut total = lock.lock().await;
                    inside.set(inside.get() + 1);
                    most.set(most.get().max(inside.get()));
                    // A read-modify-write across awaits: without the lock,
                    // the others would read the same old value.
                    let old = *total;
                    yield_now().await;
                    yield_now().await;
                    *total = old + 1;
                    inside.set(inside.get() - 1);
                })
            })
            .collect();
        for task in tasks {
            bounded(task).await.unwrap();
        }
        assert!(!lock.is_locked());
        (*lock.try_lock().expect("free"), most.get())
    });
    assert_eq!((total, most_inside), (5, 1));
}

#[test]
fn lock_waiters_are_served_first_in_first_out_and_newcomers_wait() {
    let order = reel::run(async {
        let lock = Rc::new(Lock::new(Vec::new()));
        let held = lock.lock().await;
        let mut waiters = Vec::new();
        for i in 0..4 {
            let lock = lock.clone();
            waiters.push(spawn(async move { lock.lock().await.push(i) }));
            yield_now().await; // waiter i queues before waiter i + 1 exists
        }
        assert!(lock.is_locked() && lock.try_lock().is_none());
        drop(held);
        assert!(lock.is_locked(), "handed to the oldest waiter, not unlocked");
        assert!(lock.try_lock().is_none(), "no barging past the queue");
        for waiter in waiters {
            bounded(waiter).await.unwrap();
        }
        lock.try_lock().expect("free once all are done").clone()
    });
    assert_eq!(order, [0, 1, 2, 3]);
}

#[test]
fn a_lock_granted_to_a_dropped_waiter_passes_to_the_next() {
    reel::run(async {
        let lock = Rc::new(Lock::new(0));
        let held = lock.lock().await;
        let next = spawn({
            let lock = lock.clone();
            async move { *lock.lock().await += 1 }
        });
        // `select` polls the left `lock()` first, so it queues ahead of
        // `next`; the right side then unlocks, granting it to the left, and
        // wins: the left is dropped holding an uncollected grant.
        let raced = select(lock.lock(), async {
            yield_now().await; // `next` queues behind the left `lock()`
            drop(held);
        })
        .await;
        assert!(matches!(raced, Either::Right(())));
        bounded(next).await.expect("the lock went on to the next waiter");
        assert_eq!(*lock.try_lock().expect("free"), 1);
    });
}

#[test]
fn a_lock_granted_to_a_dropped_waiter_with_nobody_behind_unlocks() {
    reel::run(async {
        let lock = Lock::new(());
        let held = lock.try_lock().expect("free");
        let waiting = pending(Box::pin(lock.lock())).await;
        drop(held); // granted to `waiting`
        assert!(lock.is_locked());
        drop(waiting);
        assert!(!lock.is_locked(), "the lock was not lost");
        assert!(lock.try_lock().is_some());
    });
}

// ---- barrier ----

#[test]
fn a_barrier_releases_all_parties_together_with_distinct_indices() {
    reel::run(async {
        let barrier = Barrier::new(3);
        let released = Rc::new(Cell::new(0));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let (barrier, released) = (barrier.clone(), released.clone());
                spawn(async move {
                    let arrival = barrier.wait().await.expect("not broken");
                    released.set(released.get() + 1);
                    arrival
                })
            })
            .collect();
        yield_now().await;
        assert_eq!((barrier.n_waiting(), released.get()), (2, 0), "two of three wait");
        let last = bounded(barrier.wait()).await.expect("not broken");
        assert!(last.is_leader());
        assert_eq!(last.index(), 2);
        let mut indices = Vec::new();
        for waiter in waiters {
            let arrival = bounded(waiter).await.unwrap();
            assert!(!arrival.is_leader());
            indices.push(arrival.index());
        }
        assert_eq!(indices, [0, 1], "arrival order");
        assert_eq!(barrier.n_waiting(), 0);
    });
}

#[test]
fn a_barrier_is_reused_round_after_round() {
    let leaders = reel::run(async {
        let barrier = Barrier::new(2);
        let rounds = Rc::new([Cell::new(0), Cell::new(0)]);
        let leaders = Rc::new(Cell::new(0));
        let tasks: Vec<_> = (0..2)
            .map(|me| {
                let (barrier, rounds, leaders) = (barrier.clone(), rounds.clone(), leaders.clone());
                spawn(async move {
                    for round in 1..=3 {
                        for _ in 0..me * 3 {
                            yield_now().await; // task 1 is the slow one
                        }
                        rounds[me].set(round);
                        if barrier.wait().await.expect("not broken").is_leader() {
                            leaders.set(leaders.get() + 1);
                        }
                        assert_eq!(rounds[1 - me].get(), round, "nobody runs a round ahead");
                    }
                })
            })
            .collect();
        for task in tasks {
            bounded(task).await.unwrap();
        }
        leaders.get()
    });
    assert_eq!(leaders, 3, "one leader per round");
}

#[test]
fn a_barrier_waiter_dropped_before_the_trip_leaves_the_count() {
    reel::run(async {
        let barrier = Barrier::new(2);
        let gone = pending(barrier.wait()).await;
        assert_eq!(barrier.n_waiting(), 1);
        drop(gone);
        assert_eq!(barrier.n_waiting(), 0, "the dropped waiter left");
        let waiting = pending(barrier.wait()).await; // one arrival is not two
        let last = bounded(barrier.wait()).await.expect("not broken");
        assert_eq!((last.index(), last.is_leader()), (1, true));
        let (_, poll) = poll_once(waiting).await;
        assert!(matches!(poll, Poll::Ready(Ok(arrival)) if arrival.index() == 0));
    });
}

#[test]
fn a_barrier_waiter_dropped_after_the_trip_changes_nothing() {
    reel::run(async {
        let barrier = Barrier::new(2);
        let released = pending(barrier.wait()).await;
        assert!(bounded(barrier.wait()).await.expect("not broken").is_leader()); // releases `released`...
        drop(released); // ...which is dropped before it ran
        assert_eq!(barrier.n_waiting(), 0);
        let next = pending(barrier.wait()).await; // the next round still needs two
        assert!(bounded(barrier.wait()).await.expect("not broken").is_leader());
        let (_, poll) = poll_once(next).await;
        assert!(matches!(poll, Poll::Ready(Ok(arrival)) if !arrival.is_leader()));
    });
}

#[test]
fn abort_breaks_the_barrier_for_waiters_now_and_later_until_reset() {
    reel::run(async {
        let barrier = Barrier::new(3);
        let waiter = {
            let barrier = barrier.clone();
            spawn(async move { barrier.wait().await })
        };
        yield_now().await;
        assert_eq!(barrier.n_waiting(), 1);
        barrier.abort();
        assert!(barrier.broken());
        assert_eq!(bounded(waiter).await.unwrap(), Err(reel::sync::BrokenBarrier), "the waiter");
        assert_eq!(bounded(barrier.wait()).await, Err(reel::sync::BrokenBarrier), "a later wait");
        barrier.reset();
        assert!(!barrier.broken(), "reset mends it");
        let one = pending(barrier.wait()).await;
        let two = pending(barrier.wait()).await;
        assert_eq!(barrier.n_waiting(), 2);
        let last = bounded(barrier.wait()).await.expect("a full round after the reset");
        assert!(last.is_leader());
        for waiting in [one, two] {
            let (_, poll) = poll_once(waiting).await;
            assert!(matches!(poll, Poll::Ready(Ok(_))));
        }
    });
}

#[test]
fn reset_fails_the_waiters_of_the_round_and_starts_a_new_one() {
    reel::run(async {
        let barrier = Barrier::new(2);
        let early = pending(barrier.wait()).await;
        barrier.reset();
        assert!(!barrier.broken(), "a reset leaves it usable");
        assert_eq!(barrier.n_waiting(), 0);
        let (_, poll) = poll_once(early).await;
        assert!(matches!(poll, Poll::Ready(Err(reel::sync::BrokenBarrier))), "the early waiter");
        let first = pending(barrier.wait()).await;
        assert!(bounded(barrier.wait()).await.expect("a new round").is_leader());
        let (_, poll) = poll_once(first).await;
        assert!(matches!(poll, Poll::Ready(Ok(arrival)) if arrival.index() == 0));
    });
}
