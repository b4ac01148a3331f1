//! The chain of awaits (asyncio's `pstree`) and the task nothing can wake:
//! a reel leaf future records the line that awaited it, a `JoinHandle` or
//! `TaskGroup` its awaiter, a spawn its spawner; a task left pending with
//! no waker held anywhere is named in the table and warned of once.

#[path = "../common/mod.rs"]
mod common;

use std::future::poll_fn;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use common::bounded;
use common::logs::{capture_logs, my_logs};
use reel::tasks::{TaskSnapshot, WaitingOn};
use reel::yield_now;

fn find(table: &[TaskSnapshot], name: &str) -> TaskSnapshot {
    let found = table.iter().find(|t| t.name.as_deref() == Some(name));
    found.cloned().unwrap_or_else(|| panic!("no task {name} in {table:#?}"))
}

#[test]
fn each_task_says_where_it_waits_and_who_awaits_and_spawned_it() {
    reel::run(async {
        let main_id = reel::current_task().expect("main").id;
        let event = Rc::new(reel::sync::Event::new());
        let waiting = event.clone();
        let sleep_line = line!() + 2;
        let sleeper = reel::spawn_named("sleeper", async {
            reel::sleep(Duration::from_secs(60)).await;
        });
        let wait_line = line!() + 1;
        let waiter = reel::spawn_named("waiter", async move { waiting.wait().await });
        let joiner = reel::spawn_named("joiner", async move {
            let _ = sleeper.await;
        });
        yield_now().await;
        yield_now().await;
        let table = reel::tasks();
        let joining = joiner;
        let sleeper = find(&table, "sleeper");
        let at = sleeper.waiting_at.expect("the sleep's line");
        assert_eq!((at.file(), at.line()), (file!(), sleep_line), "{sleeper}");
        assert!(sleeper.to_string().contains(&format!(" at {}:{sleep_line}", file!())));
        let joiner = find(&table, "joiner");
        assert_eq!(sleeper.awaited_by, Some(joiner.id), "the join is the sleeper's awaiter");
        assert_eq!(joiner.waiting_on, [WaitingOn::Task(sleeper.id)], "{joiner}");
        assert_eq!(sleeper.spawned_by, Some(main_id));
        let waiter_row = find(&table, "waiter");
        assert_eq!(waiter_row.waiting_at.map(|at| at.line()), Some(wait_line));
        assert!(waiter_row.wakeable, "the event holds its waker");
        event.set();
        bounded(waiter).await.expect("waiter");
        joining.cancel();
    });
}

#[test]
fn a_group_s_children_are_awaited_by_the_task_waiting_on_the_group() {
    reel::run(async {
        let mut group = reel::TaskGroup::new();
        let child = group.spawn_named("child", async {
            reel::sleep(Duration::from_secs(60)).await;
            Ok::<_, std::io::Error>(())
        });
        let owner = reel::current_task().expect("main").id;
        let waited = reel::timeout(Duration::from_millis(20), group.wait_all()).await;
        assert!(waited.is_err(), "the child sleeps");
        let table = reel::tasks();
        let child = table.iter().find(|t| t.id == child).expect("the child");
        assert_eq!(child.awaited_by, Some(owner));
        group.cancel_all();
    });
}

#[test]
fn a_task_nothing_can_wake_is_named_in_the_table_and_warned_of_once() {
    capture_logs();
    reel::run(async {
        // The classic first-future bug: Pending without keeping cx.waker().
        let broken = || poll_fn(|_cx| Poll::<()>::Pending);
        let first = reel::spawn_named("forgets its waker", broken());
        let second = reel::spawn_named("forgets it too", broken());
        yield_now().await;
        yield_now().await;
        let table = reel::tasks();
        for name in ["forgets its waker", "forgets it too"] {
            let task = find(&table, name);
            assert!(!task.wakeable, "{task}");
            assert!(
                task.to_string().contains("pending, and no waker is held: nothing can wake it"),
                "{task}"
            );
        }
        assert!(find(&table, "main").wakeable);
        first.cancel();
        second.cancel();
    });
    let warnings: Vec<String> = my_logs(log::Level::Warn)
        .into_iter()
        .filter(|w| w.contains("nothing can wake it"))
        .collect();
    assert_eq!(warnings.len(), 1, "said once per loop: {warnings:#?}");
    assert!(warnings[0].contains("(forgets its waker) is pending"), "{warnings:?}");
}
