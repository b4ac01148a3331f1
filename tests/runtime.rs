//! The executor, wakers, timers and blocking pool, through the public API.
//!
//! Every test runs its own loop on its own thread (the harness runs tests in
//! parallel), and every wait is bounded by `reel::timeout` or a std deadline.

use std::cell::{Cell, RefCell};
use std::future::{Future, poll_fn};
use std::rc::Rc;
use std::sync::{Arc, Mutex, Once};
use std::task::{Poll, Waker};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use reel::time::interval;
use reel::{sleep, sleep_until, spawn, timeout, yield_now};

const LIMIT: Duration = Duration::from_secs(5);

/// Awaits `future` for at most five seconds; a hang fails the test.
async fn bounded<F: Future>(future: F) -> F::Output {
    timeout(LIMIT, future).await.expect("the test's deadline passed")
}

// ---- log capture: each test reads only the records of its own thread ----

struct Capture;

static RECORDS: Mutex<Vec<(ThreadId, log::Level, String)>> = Mutex::new(Vec::new());

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = record.args().to_string();
            RECORDS.lock().unwrap().push((thread::current().id(), record.level(), line));
        }
    }
    fn flush(&self) {}
}

fn capture_logs() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        log::set_logger(&Capture).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Warn);
    });
}

fn my_logs(level: log::Level) -> Vec<String> {
    let me = thread::current().id();
    let records = RECORDS.lock().unwrap();
    records.iter().filter(|(t, l, _)| *t == me && *l == level).map(|r| r.2.clone()).collect()
}

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
fn a_panicking_task_is_isolated_and_its_handle_reports_the_message() {
    reel::run(async {
        let bad = spawn(async { panic!("boom in a task") });
        let good = spawn(async { 7 });
        let error = bounded(bad).await.expect_err("panicked");
        assert!(error.is_panic());
        assert_eq!(error.panic_message(), Some("boom in a task"));
        assert_eq!(bounded(good).await.expect("unaffected"), 7);
    });
}

#[test]
fn an_unretrieved_panic_is_logged_with_the_task_id_and_name() {
    capture_logs();
    reel::run(async {
        let detached = reel::spawn_named("doomed", async { panic!("nobody listens") });
        let id = detached.id();
        drop(detached);
        let kept = spawn(async { panic!("handle dropped later") });
        let kept_id = kept.id();
        for _ in 0..3 {
            yield_now().await;
        }
        let errors = my_logs(log::Level::Error);
        assert!(
            errors.iter().any(|l| l.contains("never retrieved")
                && l.contains(&format!("task {id} (doomed)"))
                && l.contains("nobody listens")),
            "{errors:?}"
        );
        assert!(!errors.iter().any(|l| l.contains("handle dropped later")), "not yet");
        drop(kept);
        let errors = my_logs(log::Level::Error);
        assert!(errors.iter().any(|l| l.contains(&format!("task {kept_id} (unnamed)"))));
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
fn a_panicking_main_future_propagates_out_of_run() {
    let caught = std::panic::catch_unwind(|| reel::run(async { panic!("main failed") }));
    let message = caught.expect_err("run re-raises").downcast::<String>().expect("a message");
    assert!(message.contains("main failed"), "{message}");
    // The loop was torn down: this thread can run another.
    assert_eq!(reel::run(async { 1 }), 1);
}

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

#[test]
fn timeout_elapses_and_drops_the_inner_future_and_its_timer() {
    reel::run(async {
        let started = Instant::now();
        let result = timeout(Duration::from_millis(20), sleep(Duration::from_secs(3600))).await;
        let elapsed = result.expect_err("the sleep outlasts the timeout");
        assert_eq!(elapsed.to_string(), "deadline has elapsed");
        assert!(started.elapsed() >= Duration::from_millis(20));
        assert_eq!(reel::stats().timers, 0, "neither timer is left behind");
    });
}

#[test]
fn timeout_returns_the_output_when_the_future_wins() {
    reel::run(async {
        let value = timeout(Duration::from_secs(5), async {
            sleep(Duration::from_millis(5)).await;
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
    reel::run(async {
        let period = Duration::from_millis(10);
        let mut ticker = interval(period);
        let first = bounded(ticker.tick()).await;
        assert!(first.elapsed() < Duration::from_secs(1), "the first tick is immediate");
        let mut last = first;
        for _ in 0..3 {
            let next = bounded(ticker.tick()).await;
            assert_eq!(next - last, period, "scheduled a period apart");
            assert!(Instant::now() >= next);
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
