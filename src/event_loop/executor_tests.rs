//! The executor's unit test: a task woken during its own poll runs in the
//! next run phase and sits in the ready queue once.

use super::*;

#[test]
fn a_task_woken_during_its_poll_runs_next_phase_and_is_queued_once() {
    let reactor = Reactor::new(8).unwrap();
    let executor = Executor::new(&reactor, None).unwrap();
    let mut polls = 0;
    let (_, handle) = executor.spawn(
        None,
        std::future::poll_fn(move |cx| {
            polls += 1;
            // Wake twice while running: still one entry in the queue.
            cx.waker().wake_by_ref();
            cx.waker().wake_by_ref();
            if polls == 3 { Poll::Ready(polls) } else { Poll::Pending }
        }),
    );
    // No loop runs on this thread, so the wakes take the remote path;
    // draining the inbox turns them into one schedule.
    for phase in 1..=3 {
        assert_eq!(executor.run_ready(None), 1, "phase {phase} polls the task once");
        executor.drain_remote();
        assert!(executor.ready_len() <= 1);
    }
    assert_eq!(handle.take_outcome().map(|r| r.ok()), Some(Some(3)));
    assert_eq!(executor.len(), 0, "the finished task left the slab");
}
