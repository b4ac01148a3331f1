//! `reel::TaskGroup` through the public API: values in spawn order, the
//! first failure (an `Err` or a panic) cancelling the siblings and coming
//! back from `wait_all`, `join_next` in completion order, `cancel_all`,
//! dropping the group, dropping a wait, and a thousand children.

#[path = "../common/mod.rs"]
mod common;

use std::cell::Cell;
use std::ops::Range;
use std::rc::Rc;

use common::bounded;
use reel::sync::{Either, Event, select};
use reel::{GroupError, TaskGroup, TaskId, yield_now};

/// Counts its drops: a child holding one was dropped (cancelled) once the
/// count moves.
#[derive(Clone, Default)]
struct Dropped(Rc<Cell<usize>>);

impl Dropped {
    fn count(&self) -> usize {
        self.0.get()
    }
}

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// Children that hold a drop guard and wait for one event, then count
/// themselves in `after`, which a cancelled child never reaches.
#[derive(Default)]
struct Held {
    /// Counts the children dropped so far (cancelled, or ended).
    guard: Dropped,
    /// What they wait for.
    event: Event,
    /// How many went past their wait.
    after: Rc<Cell<usize>>,
}

impl Held {
    /// A new group with `n` held children in it, numbered from 0.
    fn group(n: u32) -> (Held, TaskGroup<u32, String>) {
        let (held, mut group) = (Held::default(), TaskGroup::new());
        held.spawn(&mut group, 0..n);
        (held, group)
    }

    /// Spawns one child into `group` for each of `values`, returning its
    /// value once `event` is set.
    fn spawn(&self, group: &mut TaskGroup<u32, String>, values: Range<u32>) -> Vec<TaskId> {
        let child = |value| {
            let (guard, event, after) =
                (self.guard.clone(), self.event.clone(), self.after.clone());
            async move {
                let _guard = guard;
                event.wait().await;
                after.set(after.get() + 1);
                Ok(value)
            }
        };
        values.map(|value| group.spawn(child(value))).collect()
    }

    /// Asserts that `n` children were dropped and that, with the event set
    /// now, none of them runs again: they were cancelled.
    async fn assert_cancelled(&self, n: usize) {
        assert_eq!(self.guard.count(), n, "children dropped");
        self.event.set();
        yield_now().await;
        assert_eq!(self.after.get(), 0, "a cancelled child never runs again");
    }
}

/// Yields `n` times, then returns `value`: children that end in an order
/// set by `n`.
async fn after_yields(n: usize, value: u32) -> Result<u32, String> {
    for _ in 0..n {
        yield_now().await;
    }
    Ok(value)
}

/// Yields once, then fails with `message`.
async fn fail_after_a_yield(message: &'static str) -> Result<u32, String> {
    yield_now().await;
    Err(message.to_string())
}

#[test]
fn wait_all_returns_every_value_in_spawn_order() {
    let values = reel::run(async {
        let mut group = TaskGroup::new();
        for i in 0..5 {
            // The last spawned ends first.
            group.spawn(after_yields(5 - i, i as u32));
        }
        assert_eq!(group.len(), 5);
        let values = bounded(group.wait_all()).await;
        assert!(group.is_empty(), "wait_all joins every child");
        values
    });
    assert_eq!(values, Ok(vec![0, 1, 2, 3, 4]));
}

#[test]
fn an_err_cancels_the_siblings_and_is_what_wait_all_returns() {
    reel::run(async {
        let (held, mut group) = Held::group(3);
        group.spawn(fail_after_a_yield("bad input"));
        let outcome = bounded(group.wait_all()).await;
        assert_eq!(outcome, Err(GroupError::Failed("bad input".into())));
        // wait_all returned only after the siblings had ended.
        held.assert_cancelled(3).await;
    });
}

#[test]
fn a_panic_cancels_the_siblings_and_comes_back_with_its_message() {
    reel::run(async {
        let (held, mut group) = Held::group(1);
        let bad = group.spawn(async {
            yield_now().await;
            panic!("boom in a child")
        });
        let Err(GroupError::Panicked(error)) = bounded(group.wait_all()).await else {
            panic!("expected the child's panic");
        };
        assert_eq!(error.id(), bad);
        assert_eq!(error.panic_message(), Some("boom in a child"));
        let at = error.panic_location().expect("reel's hook saw where");
        assert!(at.starts_with("tests/runtime/task_group.rs:"), "{at}");
        held.assert_cancelled(1).await;
    });
}

#[test]
fn a_failure_cancels_the_siblings_before_anybody_waits_on_the_group() {
    reel::run(async {
        let (held, mut group) = Held::group(1);
        group.spawn(async { Err("early".to_string()) });
        // Nobody awaits the group: the failing child cancels its sibling
        // itself (asyncio's TaskGroup does the same from a done-callback).
        for _ in 0..3 {
            yield_now().await;
        }
        assert_eq!(held.guard.count(), 1);
        assert_eq!(group.len(), 2, "both outcomes wait to be joined");
        let outcome = bounded(group.wait_all()).await;
        assert_eq!(outcome, Err(GroupError::Failed("early".into())));
    });
}

#[test]
fn the_first_failure_wins_over_the_cancellations_it_caused() {
    reel::run(async {
        let mut group = TaskGroup::new();
        // Spawned first, so first in spawn order, but only cancelled.
        group.spawn(async {
            std::future::pending::<()>().await;
            Ok(0)
        });
        group.spawn(after_yields(2, 1));
        group.spawn(fail_after_a_yield("the cause"));
        let outcome = bounded(group.wait_all()).await;
        assert_eq!(outcome, Err(GroupError::Failed("the cause".into())));
    });
}

#[test]
fn join_next_gives_outcomes_in_the_order_children_end_then_none() {
    reel::run(async {
        let held: Vec<Held> = (0..3).map(|_| Held::default()).collect();
        let mut group = TaskGroup::new();
        for (i, held) in (0..).zip(&held) {
            held.spawn(&mut group, i..i + 1);
        }
        for i in [2, 0, 1] {
            held[i].event.set();
            assert_eq!(bounded(group.join_next()).await, Some(Ok(i as u32)));
        }
        assert!(group.is_empty());
        assert_eq!(bounded(group.join_next()).await, None);
        assert!(held.iter().all(|held| held.after.get() == 1));
    });
}

#[test]
fn join_next_gives_the_failure_first_then_the_cancelled_siblings() {
    reel::run(async {
        let (held, mut group) = (Held::default(), TaskGroup::new());
        let siblings = held.spawn(&mut group, 0..2);
        group.spawn(async { Err("first".to_string()) });
        let first = bounded(group.join_next()).await;
        assert_eq!(first, Some(Err(GroupError::Failed("first".into()))));
        for _ in 0..2 {
            let Some(Err(GroupError::Cancelled(e))) = bounded(group.join_next()).await else {
                panic!("expected a cancelled sibling");
            };
            assert!(e.is_cancelled() && siblings.contains(&e.id()), "{e}");
        }
        assert_eq!(bounded(group.join_next()).await, None);
        assert_eq!(held.guard.count(), 2);
    });
}

#[test]
fn cancel_all_cancels_every_child_and_shuts_the_group_down_until_it_is_empty() {
    reel::run(async {
        let (held, mut group) = Held::group(3);
        yield_now().await;
        group.cancel_all();
        // Spawned while shutting down: cancelled before it runs.
        let ran = Rc::new(Cell::new(false));
        let flag = ran.clone();
        group.spawn(async move {
            flag.set(true);
            Ok(9)
        });
        let outcome = bounded(group.wait_all()).await;
        assert!(matches!(outcome, Err(GroupError::Cancelled(_))), "{outcome:?}");
        assert!(!ran.get(), "a child spawned into a shutting-down group never runs");
        held.assert_cancelled(3).await;
        // Emptied, the group takes children again.
        group.spawn(async { Ok(7) });
        assert_eq!(bounded(group.wait_all()).await, Ok(vec![7]));
    });
}

#[test]
fn dropping_the_group_cancels_its_children() {
    reel::run(async {
        let (held, group) = Held::group(3);
        yield_now().await;
        drop(group);
        // The cancels take effect at each child's next turn.
        yield_now().await;
        held.assert_cancelled(3).await;
    });
}

#[test]
fn dropping_a_wait_leaves_the_children_running_in_the_group() {
    reel::run(async {
        let (held, mut group) = Held::group(3);
        // The wait loses the race to one yield and is dropped.
        let raced = select(group.wait_all(), yield_now()).await;
        assert!(matches!(raced, Either::Right(())));
        assert_eq!(held.guard.count(), 0, "no child was cancelled");
        held.event.set();
        assert_eq!(bounded(group.wait_all()).await, Ok(vec![0, 1, 2]));
        assert_eq!(held.after.get(), 3, "every child ran to its end");
    });
}

#[test]
fn a_thousand_children_all_complete() {
    let values = reel::run(async {
        let mut group = TaskGroup::new();
        for i in 0..1000 {
            group.spawn(after_yields(i % 7, i as u32));
        }
        bounded(group.wait_all()).await
    });
    assert_eq!(values, Ok((0..1000).collect()));
}

#[test]
fn a_named_child_runs_under_its_name_and_io_errors_pass_through_question_mark() {
    let result: std::io::Result<()> = reel::run(async {
        let mut group = TaskGroup::new();
        group.spawn_named("fetcher", async { Ok(reel::current_task().and_then(|task| task.name)) });
        assert_eq!(bounded(group.wait_all()).await?, [Some("fetcher".to_string())]);
        group.spawn(async { Err(std::io::Error::other("disk on fire")) });
        bounded(group.wait_all()).await?;
        Ok(())
    });
    assert_eq!(result.expect_err("the child's error").to_string(), "disk on fire");
}
