//! `reel::sync` through the public API: bounded and unbounded channels, and
//! join, select, race.

#[path = "../common/mod.rs"]
mod common;

use std::cell::Cell;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::rc::Rc;
use std::time::Duration;

use common::bounded;
use reel::sync::{
    Either, Event, SendError, TryRecvError, TrySendError, channel, join, join_all, race, select,
    unbounded_channel,
};
use reel::{sleep, spawn, timeout, yield_now};

/// Counts its drops: proof that a loser or a cancelled task was dropped.
struct DropCounter(Rc<Cell<usize>>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

#[test]
fn a_full_channel_blocks_the_sender_until_the_receiver_takes_one() {
    reel::run(async {
        let (tx, mut rx) = channel(2);
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        assert!(matches!(tx.try_send(3), Err(TrySendError::Full(3))));
        let sent = Rc::new(Cell::new(false));
        let sender = spawn({
            let (tx, sent) = (tx.clone(), sent.clone());
            async move {
                tx.send(3).await.unwrap();
                sent.set(true);
            }
        });
        yield_now().await;
        assert!(!sent.get(), "the channel is full: the send waits");
        assert_eq!(rx.len(), 2, "memory stays bounded");
        assert_eq!(rx.try_recv(), Ok(1));
        bounded(sender).await.unwrap();
        assert!(sent.get());
        assert_eq!(rx.len(), 2);
        assert_eq!(bounded(rx.recv()).await, Some(2));
        assert_eq!(bounded(rx.recv()).await, Some(3));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
}

#[test]
fn a_channel_keeps_each_senders_order_and_ends_when_all_senders_drop() {
    let received = reel::run(async {
        let (tx, mut rx) = channel(3);
        for producer in 0..3 {
            let tx = tx.clone();
            spawn(async move {
                for i in 0..50 {
                    tx.send((producer, i)).await.unwrap();
                }
            });
        }
        drop(tx);
        let mut received = Vec::new();
        while let Some(item) = bounded(rx.recv()).await {
            received.push(item);
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        received
    });
    assert_eq!(received.len(), 150);
    for producer in 0..3 {
        let mine: Vec<_> =
            received.iter().filter(|(p, _)| *p == producer).map(|&(_, i)| i).collect();
        assert_eq!(mine, (0..50).collect::<Vec<_>>(), "producer {producer} in order");
    }
}

#[test]
fn sends_fail_with_the_value_once_the_receiver_is_gone() {
    reel::run(async {
        let (tx, rx) = channel(1);
        tx.try_send("queued").unwrap();
        let blocked = spawn({
            let tx = tx.clone();
            async move { tx.send("blocked").await }
        });
        yield_now().await;
        drop(rx);
        let error = bounded(blocked).await.unwrap().expect_err("the waiting send fails");
        assert_eq!(error, SendError("blocked"));
        assert_eq!(error.to_string(), "sending on a closed channel: the receiver is gone");
        assert!(tx.is_closed());
        assert_eq!(bounded(tx.send("later")).await, Err(SendError("later")));
        let error = tx.try_send("try").unwrap_err();
        assert!(matches!(error, TrySendError::Closed("try")));
        assert_eq!(error.into_inner(), "try");
    });
}

#[test]
fn a_cancelled_send_does_not_block_the_senders_behind_it() {
    reel::run(async {
        let (tx, mut rx) = channel(1);
        tx.try_send(0).unwrap();
        let sender = |value| {
            let tx = tx.clone();
            spawn(async move { tx.send(value).await })
        };
        let first = sender(1);
        yield_now().await;
        let second = sender(2);
        yield_now().await;
        assert!(timeout(Duration::from_millis(5), tx.send(9)).await.is_err(), "third one gave up");
        assert_eq!(rx.try_recv(), Ok(0)); // grants the slot to `first`...
        first.cancel(); // ...which is dropped before it fills it.
        assert!(bounded(first).await.unwrap_err().is_cancelled());
        bounded(second).await.unwrap().expect("the slot went to the second sender");
        assert_eq!(bounded(rx.recv()).await, Some(2));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "neither 1 nor 9 was sent");
        tx.try_send(3).expect("the slot is free again");
    });
}

#[test]
fn an_unbounded_channel_never_waits_and_ends_with_none() {
    reel::run(async {
        let (tx, mut rx) = unbounded_channel();
        assert_eq!(rx.capacity(), None);
        let tx2 = tx.clone();
        for i in 0..1000 {
            tx.send(i).unwrap();
        }
        tx2.send(1000).unwrap();
        assert_eq!(rx.len(), 1001);
        drop((tx, tx2));
        for i in 0..=1000 {
            assert_eq!(bounded(rx.recv()).await, Some(i));
        }
        assert_eq!(bounded(rx.recv()).await, None);

        let (tx, rx) = unbounded_channel();
        drop(rx);
        assert_eq!(tx.send("late"), Err(SendError("late")));
    });
}

#[test]
fn recv_waits_for_a_value_sent_later_by_another_task() {
    reel::run(async {
        let (tx, mut rx) = unbounded_channel();
        spawn(async move {
            sleep(Duration::from_millis(5)).await;
            tx.send("hello").unwrap();
        });
        assert!(rx.is_empty());
        assert_eq!(bounded(rx.recv()).await, Some("hello"));
        assert_eq!(bounded(rx.recv()).await, None, "the sender went with its task");
    });
}

// ---- join, select, race ----

#[test]
fn join_and_join_all_return_outputs_in_input_order() {
    reel::run(async {
        let slow_then_fast = join(
            async {
                sleep(Duration::from_millis(10)).await;
                "slow"
            },
            async { "fast" },
        );
        assert_eq!(bounded(slow_then_fast).await, ("slow", "fast"));

        let sleepers = (0..5u64).map(|i| async move {
            sleep(Duration::from_millis(2 * (5 - i))).await;
            i
        });
        assert_eq!(bounded(join_all(sleepers)).await, [0, 1, 2, 3, 4]);
        assert!(bounded(join_all(Vec::<std::future::Ready<()>>::new())).await.is_empty());
    });
}

#[test]
fn join_all_runs_its_children_concurrently_and_polls_only_the_woken_one() {
    reel::run(async {
        let events: Vec<Event> = (0..10).map(|_| Event::new()).collect();
        let polls: Vec<Cell<usize>> = (0..10).map(|_| Cell::new(0)).collect();
        let children = events.iter().zip(&polls).map(|(event, polls)| async move {
            let mut wait = pin!(event.wait());
            poll_fn(|cx| {
                polls.set(polls.get() + 1);
                wait.as_mut().poll(cx)
            })
            .await
        });
        let driver = async {
            for event in &events {
                yield_now().await;
                event.set();
            }
        };
        bounded(join(join_all(children), driver)).await;
        let counts: Vec<usize> = polls.iter().map(Cell::get).collect();
        assert_eq!(counts, [2; 10], "each child: one Pending poll, one Ready poll");
    });
}

#[test]
fn select_returns_the_first_and_drops_the_other() {
    reel::run(async {
        let dropped = Rc::new(Cell::new(0));
        let guard = DropCounter(dropped.clone());
        let slow = async move {
            let _guard = guard;
            sleep(Duration::from_secs(3600)).await;
            "slow"
        };
        let fast = async {
            sleep(Duration::from_millis(5)).await;
            "fast"
        };
        assert_eq!(bounded(select(slow, fast)).await, Either::Right("fast"));
        assert_eq!(dropped.get(), 1, "the loser was dropped");
        assert_eq!(reel::stats().timers, 0, "and its timer with it");
        let both_ready = select(async { 1 }, async { 2 });
        assert_eq!(both_ready.await, Either::Left(1), "biased to the left");
    });
}

#[test]
fn race_returns_the_index_of_the_first_and_drops_the_rest() {
    reel::run(async {
        let dropped = Rc::new(Cell::new(0));
        let racers = [40u64, 5, 20, 3_600_000].into_iter().map(|ms| {
            let guard = DropCounter(dropped.clone());
            async move {
                let _guard = guard;
                sleep(Duration::from_millis(ms)).await;
                ms
            }
        });
        assert_eq!(bounded(race(racers)).await, (1, 5));
        assert_eq!(dropped.get(), 4, "the winner finished, the three losers were dropped");
        assert_eq!(reel::stats().timers, 0, "no loser's timer is left");
    });
}

#[test]
#[should_panic(expected = "race needs at least one future")]
fn racing_nothing_panics() {
    drop(race(Vec::<std::future::Ready<()>>::new()));
}
