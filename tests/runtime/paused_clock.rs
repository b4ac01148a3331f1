//! The clock you control (src/paused_clock.rs, event_loop/clock.rs):
//! `Builder::start_paused`, `reel::time::pause` and `advance`, and the jump
//! to the next deadline when nothing else is ready.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

const HOUR: Duration = Duration::from_secs(3600);

/// A loop whose clock starts paused.
fn paused<F: std::future::Future + 'static>(future: F) -> F::Output {
    reel::Builder::new().start_paused(true).run(future)
}

#[test]
fn an_hour_of_sleep_takes_no_time_and_the_loop_clock_moves_by_exactly_that() {
    let wall = Instant::now();
    paused(async {
        let before = reel::time::now();
        reel::sleep(HOUR).await;
        assert_eq!(reel::time::now() - before, HOUR);
    });
    assert!(wall.elapsed() < Duration::from_secs(5), "took {:?}", wall.elapsed());
}

#[test]
fn sleepers_wake_in_deadline_order_each_at_its_own_instant() {
    paused(async {
        let start = reel::time::now();
        let log = Rc::new(RefCell::new(Vec::new()));
        let sleepers: Vec<_> = [30, 10, 20]
            .into_iter()
            .map(|secs| {
                let log = log.clone();
                reel::spawn(async move {
                    reel::sleep(Duration::from_secs(secs)).await;
                    log.borrow_mut().push((secs, reel::time::now() - start));
                })
            })
            .collect();
        for sleeper in sleepers {
            sleeper.await.expect("a sleeper");
        }
        let want: Vec<_> = [10, 20, 30].map(|s| (s, Duration::from_secs(s))).into();
        assert_eq!(*log.borrow(), want);
    });
}

#[test]
fn a_timeout_fires_at_once_on_a_paused_clock_and_not_before_its_time() {
    let wall = Instant::now();
    paused(async {
        let start = reel::time::now();
        let never = std::future::pending::<()>();
        let result = reel::timeout(Duration::from_secs(30), never).await;
        assert!(result.is_err(), "timed out");
        assert_eq!(reel::time::now() - start, Duration::from_secs(30));
    });
    assert!(wall.elapsed() < Duration::from_secs(5));
}

#[test]
fn advance_moves_the_clock_and_runs_what_came_due() {
    reel::run(async {
        reel::time::pause();
        let done = Rc::new(RefCell::new(false));
        let flag = done.clone();
        reel::spawn(async move {
            reel::sleep(Duration::from_secs(10)).await;
            *flag.borrow_mut() = true;
        });
        reel::yield_now().await; // the sleeper arms its timer
        reel::time::advance(Duration::from_secs(9)).await;
        assert!(!*done.borrow(), "not due yet");
        reel::time::advance(Duration::from_secs(1)).await;
        assert!(*done.borrow(), "due, and it ran before advance returned");
    });
}

#[test]
fn io_still_wakes_tasks_on_a_paused_clock() {
    paused(async {
        let (a, b) = reel::net::UnixDatagram::pair().expect("a pair");
        let reader = reel::spawn(async move {
            let mut buf = [0; 8];
            b.recv(&mut buf).await.expect("recv")
        });
        reel::yield_now().await;
        a.send(b"hello").await.expect("send");
        assert_eq!(reader.await.expect("the reader"), 5);
    });
}
