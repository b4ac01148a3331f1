//! `reel::Loop`: a loop driven one tick at a time, and what each tick did.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

#[test]
fn each_step_is_one_tick_and_a_task_woken_in_it_runs_in_the_next() {
    let mut event_loop = reel::Loop::new();
    let child_ran = Rc::new(Cell::new(false));
    let flag = child_ran.clone();
    let parent = event_loop.spawn(async move {
        reel::spawn(async move { flag.set(true) });
        reel::yield_now().await;
        "parent done"
    });
    let first = event_loop.step();
    assert_eq!((first.tick, first.polled), (1, 1), "the parent only: {first:?}");
    assert!(!child_ran.get(), "the child waits for the next pass");
    let second = event_loop.step();
    assert_eq!(second.polled, 2, "the child and the parent again: {second:?}");
    assert!(child_ran.get() && parent.is_finished());
    let idle = event_loop.step();
    assert_eq!((idle.polled, idle.timers_fired, idle.woken), (0, 0, 0));
}

#[test]
fn on_a_paused_clock_a_step_with_nothing_ready_jumps_to_the_next_timer() {
    let mut event_loop = reel::Builder::new().start_paused(true).build();
    let slept = event_loop.spawn(async {
        let start = reel::time::now();
        reel::sleep(Duration::from_secs(3600)).await;
        reel::time::now() - start
    });
    assert_eq!(event_loop.step().polled, 1, "the task arms its timer");
    let jump = event_loop.step();
    assert_eq!((jump.timers_fired, jump.polled), (1, 1), "{jump:?}");
    assert!(slept.is_finished());
    assert_eq!(event_loop.run_until_stalled(10), 1, "nothing left to do");
}

#[test]
fn io_shows_up_as_events_and_wakes() {
    let mut event_loop = reel::Loop::new();
    let got = event_loop.spawn(async {
        let (a, b) = reel::net::UnixDatagram::pair().expect("a pair");
        let reader = reel::spawn(async move {
            let mut buf = [0; 8];
            b.recv(&mut buf).await.expect("recv")
        });
        reel::yield_now().await; // the reader parks
        a.send(b"ping").await.expect("send");
        reader.await.expect("the reader")
    });
    let (mut events, mut woken) = (0, 0);
    for _ in 0..10 {
        let report = event_loop.step();
        events += report.events;
        woken += report.woken;
        if got.is_finished() {
            break;
        }
    }
    assert!(got.is_finished(), "done within 10 steps");
    assert!(
        events >= 1 && woken >= 1,
        "the datagram came as an event: {events} events, {woken} woken"
    );
}

#[test]
fn dropping_the_loop_drops_the_tasks_still_alive() {
    struct Guard(Rc<Cell<bool>>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    let dropped = Rc::new(Cell::new(false));
    let guard = Guard(dropped.clone());
    let event_loop = reel::Loop::new();
    event_loop.spawn(async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    });
    drop(event_loop);
    assert!(dropped.get(), "the pending task was dropped with the loop");
}

#[test]
#[should_panic(expected = "Loop::step called inside a running reel loop")]
fn a_loop_cannot_be_stepped_from_inside_another() {
    reel::run(async {
        let mut inner = reel::Loop::new();
        inner.step();
    });
}
