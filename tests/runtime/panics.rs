//! Panics through the public API: a task's panic goes to its handle, or is
//! logged once when nobody takes it; a panicking waker or `Drop` outside a
//! poll is logged and the loop goes on; a panicking main leaves `run`.

#[path = "../common/mod.rs"]
mod common;

use std::time::Duration;

use common::bounded;
use common::logs::{capture_logs, my_logs};
use reel::{spawn, yield_now};

#[test]
fn a_panicking_task_is_isolated_and_its_handle_reports_the_message() {
    reel::run(async {
        let bad = spawn(async { panic!("boom in a task") });
        let good = spawn(async { 7 });
        let error = bounded(bad).await.expect_err("panicked");
        assert!(error.is_panic());
        assert_eq!(error.panic_message(), Some("boom in a task"));
        let at = error.panic_location().expect("reel's hook saw where");
        assert!(at.starts_with("tests/runtime/panics.rs:"), "{at}");
        assert!(error.to_string().contains(&format!("panicked at {at}: boom in a task")));
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
fn a_panicking_main_future_propagates_out_of_run() {
    let caught = std::panic::catch_unwind(|| reel::run(async { panic!("main failed") }));
    let message = caught.expect_err("run re-raises").downcast::<String>().expect("a message");
    assert!(message.contains("main failed"), "{message}");
    // The loop was torn down: this thread can run another.
    assert_eq!(reel::run(async { 1 }), 1);
}

#[test]
fn a_waker_that_panics_in_a_loop_phase_is_logged_and_the_loop_goes_on() {
    struct Broken;
    impl std::task::Wake for Broken {
        fn wake(self: std::sync::Arc<Self>) {
            panic!("this waker is broken");
        }
    }
    capture_logs();
    reel::run(async {
        let waker = std::task::Waker::from(std::sync::Arc::new(Broken));
        let mut timer = Box::pin(reel::sleep(Duration::from_millis(5)));
        let mut cx = std::task::Context::from_waker(&waker);
        assert!(timer.as_mut().poll(&mut cx).is_pending(), "parks the broken waker");
        // The timer fires in a later tick and wakes it from fire_expired,
        // where no task's catch_unwind is around.
        reel::sleep(Duration::from_millis(30)).await;
        let errors = my_logs(log::Level::Error);
        assert!(
            errors.iter().any(|l| l.contains("a waker panicked when a timer woke it")
                && l.contains("this waker is broken")),
            "{errors:?}"
        );
        drop(timer);
    });
}

#[test]
fn a_future_whose_drop_panics_is_logged_when_cancelled_and_the_loop_goes_on() {
    struct PanicsOnDrop;
    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            panic!("drop went wrong");
        }
    }
    capture_logs();
    reel::run(async {
        let guard = PanicsOnDrop;
        let doomed = spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
        yield_now().await;
        doomed.cancel();
        let error = bounded(doomed).await.expect_err("cancelled");
        assert!(error.is_cancelled());
        let errors = my_logs(log::Level::Error);
        assert!(errors.iter().any(|l| l.contains("panicked: drop went wrong")), "{errors:?}");
        assert_eq!(bounded(spawn(async { 5 })).await.expect("the loop goes on"), 5);
    });
}
