//! Tasks through the public API: spawn, join, cancel, names, yield_now,
//! the task list, and misuse outside a loop (panics: panics.rs). Every test runs its own loop
//! on its own thread (the harness runs tests in parallel).

#[path = "../common/mod.rs"]
mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::thread;
use std::time::Duration;

use common::bounded;
use common::logs::{capture_logs, my_logs};
use reel::{sleep, spawn, yield_now};
// ---- executor ----

#[test]
fn run_returns_the_main_futures_output() {
    assert_eq!(reel::run(async { 6 * 7 }), 42);
}

#[test]
fn spawned_tasks_start_in_spawn_order_and_join_gives_their_output() {
    let order = reel::run(async {
        let order = Rc::new(RefCell::new(Vec::new()));
        let handles: Vec<_> = (0..5)
            .map(|i| {
                let order = order.clone();
                spawn(async move {
                    order.borrow_mut().push(i);
                    i * 10
                })
            })
            .collect();
        let mut outputs = Vec::new();
        for handle in handles {
            outputs.push(bounded(handle).await.expect("task completed"));
        }
        assert_eq!(outputs, [0, 10, 20, 30, 40]);
        order.take()
    });
    assert_eq!(order, [0, 1, 2, 3, 4]);
}

#[test]
fn tasks_share_state_through_rc_refcell_without_send() {
    let total = reel::run(async {
        let counter = Rc::new(Cell::new(0));
        let handles: Vec<_> = (0..100)
            .map(|_| {
                let counter = counter.clone();
                spawn(async move {
                    yield_now().await;
                    counter.set(counter.get() + 1);
                })
            })
            .collect();
        for handle in handles {
            bounded(handle).await.expect("task completed");
        }
        counter.get()
    });
    assert_eq!(total, 100);
}

#[test]
fn cancel_drops_the_task_and_join_says_cancelled() {
    reel::run(async {
        let dropped = Rc::new(Cell::new(false));
        struct SetOnDrop(Rc<Cell<bool>>);
        impl Drop for SetOnDrop {
            fn drop(&mut self) {
                self.0.set(true);
            }
        }
        let guard = SetOnDrop(dropped.clone());
        let handle = spawn(async move {
            let _guard = guard;
            sleep(Duration::from_secs(3600)).await;
        });
        yield_now().await; // let it start and park on its timer
        assert_eq!(reel::stats().timers, 1);
        assert!(handle.cancel(), "a running task can be cancelled");
        let error = bounded(handle).await.expect_err("a cancelled task has no output");
        assert!(error.is_cancelled());
        assert!(error.to_string().contains("cancelled"));
        assert!(dropped.get(), "the future was dropped");
        assert_eq!(reel::stats().timers, 0, "its sleep removed its timer");
    });
}

#[test]
fn cancel_after_completion_returns_false_and_keeps_the_output() {
    reel::run(async {
        let handle = spawn(async { "done" });
        yield_now().await;
        assert!(handle.is_finished());
        assert!(!handle.cancel());
        assert_eq!(bounded(handle).await.expect("output kept"), "done");
    });
}

#[test]
fn a_task_can_cancel_itself_through_its_handle() {
    reel::run(async {
        let slot: Rc<RefCell<Option<reel::JoinHandle<()>>>> = Rc::default();
        let inner = slot.clone();
        let reached_end = Rc::new(Cell::new(false));
        let flag = reached_end.clone();
        let handle = spawn(async move {
            yield_now().await;
            let me = inner.borrow_mut().take().expect("handle stored");
            assert!(me.cancel());
            drop(me);
            yield_now().await; // dropped here, before this returns
            flag.set(true);
        });
        let id = handle.id();
        *slot.borrow_mut() = Some(handle);
        for _ in 0..5 {
            yield_now().await;
        }
        assert!(!reached_end.get(), "task {id} ran past its own cancellation");
        assert_eq!(reel::stats().tasks, 1, "only main is left");
    });
}

#[test]
fn a_slow_poll_logs_a_warning_naming_the_task() {
    capture_logs();
    reel::Builder::new().slow_callback_duration(Some(Duration::from_millis(20))).run(async {
        let slow = reel::spawn_named("sluggish", async {
            thread::sleep(Duration::from_millis(40)); // deliberately blocks the loop
        });
        bounded(slow).await.expect("completes");
    });
    let warnings = my_logs(log::Level::Warn);
    assert!(
        warnings.iter().any(|l| l.contains("(sluggish)") && l.contains("one poll")),
        "{warnings:?}"
    );
}

#[test]
fn current_task_names_the_running_task() {
    reel::run(async {
        let main = reel::current_task().expect("main runs as a task");
        assert_eq!(main.name.as_deref(), Some("main"));
        let info = bounded(reel::spawn_named("worker", async { reel::current_task() }))
            .await
            .expect("completes")
            .expect("inside a task");
        assert_eq!(info.name.as_deref(), Some("worker"));
        assert_ne!(info.id, main.id);
    });
}

#[test]
fn run_cancels_the_tasks_still_alive_when_main_returns() {
    let dropped = Rc::new(Cell::new(0));
    struct CountDrop(Rc<Cell<u32>>);
    impl Drop for CountDrop {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    let counter = dropped.clone();
    reel::run(async move {
        for _ in 0..3 {
            let guard = CountDrop(counter.clone());
            spawn(async move {
                let _guard = guard;
                sleep(Duration::from_secs(3600)).await;
            });
        }
        yield_now().await;
    });
    assert_eq!(dropped.get(), 3);
}

#[test]
fn yield_now_lets_other_ready_tasks_run_first() {
    let order = reel::run(async {
        let order = Rc::new(RefCell::new(Vec::new()));
        let (a, b) = (order.clone(), order.clone());
        let first = spawn(async move {
            a.borrow_mut().push("a1");
            yield_now().await;
            a.borrow_mut().push("a2");
        });
        let second = spawn(async move {
            b.borrow_mut().push("b1");
            yield_now().await;
            b.borrow_mut().push("b2");
        });
        bounded(first).await.unwrap();
        bounded(second).await.unwrap();
        order.take()
    });
    assert_eq!(order, ["a1", "b1", "a2", "b2"]);
}

#[test]
#[should_panic(expected = "outside a running reel loop")]
fn spawn_outside_a_loop_panics_with_a_clear_message() {
    drop(spawn(async {}));
}

#[test]
#[should_panic(expected = "outside a running reel loop")]
fn sleep_outside_a_loop_panics_with_a_clear_message() {
    drop(sleep(Duration::from_millis(1)));
}

#[test]
#[should_panic(expected = "from a running reel loop")]
fn run_inside_run_panics() {
    reel::run(async { reel::run(async {}) });
}

#[test]
fn tasks_lists_every_task_with_its_state_and_what_it_waits_on() {
    use reel::tasks::{TaskState, WaitingOn};
    use std::io::Write;
    reel::run(async {
        let listener = reel::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut stream, peer) = bounded(listener.accept()).await.expect("accept");
        let reader = reel::spawn_named("reader", async move {
            let mut buf = [0u8; 8];
            let _ = stream.read(&mut buf).await;
        });
        let sleeper = reel::spawn_named("sleeper", reel::sleep(Duration::from_secs(60)));
        let event = Rc::new(reel::sync::Event::new());
        let set_later = event.clone();
        let waiter = reel::spawn_named("waiter", async move { set_later.wait().await });
        yield_now().await;
        yield_now().await;
        let table = reel::tasks();
        let find = |name: &str| {
            table
                .iter()
                .find(|t| t.name.as_deref() == Some(name))
                .unwrap_or_else(|| panic!("no task {name} in {table:#?}"))
        };
        let main = find("main");
        assert_eq!(main.state, TaskState::Running);
        let read = find("reader");
        assert_eq!(read.state, TaskState::Waiting);
        assert!(read.polls >= 1, "{read:?}");
        assert!(
            matches!(read.waiting_on[..], [WaitingOn::Io { read: true, peer: Some(p), .. }]
                if p == client.local_addr().unwrap()),
            "{read:?} (peer {peer})"
        );
        assert!(read.to_string().contains("(reader) waiting on I/O"), "{read}");
        let sleep = find("sleeper");
        assert!(
            matches!(sleep.waiting_on[..], [WaitingOn::Timer { due_in }] if due_in > Duration::from_secs(50)),
            "{sleep:?}"
        );
        assert_eq!(find("waiter").waiting_on, [WaitingOn::Other]);
        assert_eq!(table.len(), reel::stats().tasks);
        event.set();
        client.write_all(b"x").unwrap();
        bounded(reader).await.expect("reader");
        bounded(waiter).await.expect("waiter");
        sleeper.cancel();
    });
}
