//! Blocking work off the loop: `spawn_blocking` and its thread pool.
//!
//! asyncio counterpart: `loop.run_in_executor(None, func)` (or
//! `asyncio.to_thread`) with its default `ThreadPoolExecutor`.
//!
//! # Implementation
//!
//! One process-wide pool shared by every loop: a job queue under a mutex, a
//! condition variable, and at most `min(32, cpus + 4)` threads (asyncio's
//! default), started on demand and stopped after 10 s idle. A job runs its
//! closure, stores the outcome (value or panic) in a slot shared with a small
//! task on the loop, and wakes that task through its `Waker`: the cross-thread
//! path of `waker.rs`. The task then returns the value or re-raises the panic,
//! which the executor turns into a `JoinError` as for any task.
//!
//! Cancelling the handle drops the waiting task; a closure already running on
//! a thread cannot be interrupted and runs to its end (as in asyncio and tokio).

use std::collections::VecDeque;
use std::future::poll_fn;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::task::{Poll, Waker};
use std::thread;
use std::time::Duration;

use crate::event_loop::context::JoinHandle;

type Job = Box<dyn FnOnce() + Send>;

/// How long an idle pool thread waits for work before it exits.
const KEEP_ALIVE: Duration = Duration::from_secs(10);

struct Pool {
    state: Mutex<PoolState>,
    work_ready: Condvar,
    max_threads: usize,
}

struct PoolState {
    /// Jobs not yet picked up by a thread.
    queue: VecDeque<Job>,
    /// Threads alive.
    threads: usize,
    /// Threads waiting for a job. While more jobs are queued than this, a new
    /// job starts another thread (up to `max_threads`).
    idle: usize,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let cpus = thread::available_parallelism().map_or(1, |n| n.get());
        Pool {
            state: Mutex::new(PoolState { queue: VecDeque::new(), threads: 0, idle: 0 }),
            work_ready: Condvar::new(),
            max_threads: (cpus + 4).min(32),
        }
    })
}

impl Pool {
    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        // Jobs run outside the lock and under catch_unwind, so poisoning
        // cannot leave the queue half-updated.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn execute(&'static self, job: Job) {
        let mut state = self.lock();
        state.queue.push_back(job);
        // Every queued job needs a thread of its own to wait on: start one
        // when the idle threads are already spoken for.
        if state.queue.len() > state.idle && state.threads < self.max_threads {
            let spawned =
                thread::Builder::new().name("reel-blocking".into()).spawn(move || self.worker());
            match spawned {
                Ok(_) => state.threads += 1,
                // Queued anyway: a running thread will pick it up.
                Err(e) => log::error!(target: "reel", "spawn_blocking: cannot start a thread: {e}"),
            }
        }
        self.work_ready.notify_one();
    }

    fn worker(&self) {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.queue.pop_front() {
                drop(state);
                job();
                state = self.lock();
                continue;
            }
            state.idle += 1;
            let (next, waited) =
                self.work_ready.wait_timeout(state, KEEP_ALIVE).unwrap_or_else(|e| e.into_inner());
            state = next;
            state.idle -= 1;
            if waited.timed_out() && state.queue.is_empty() {
                state.threads -= 1;
                return;
            }
        }
    }
}

/// The outcome of a blocking job, shared by the pool thread and the loop.
struct Slot<T> {
    outcome: Option<thread::Result<T>>,
    waker: Option<Waker>,
}

/// Runs the blocking `f` on a pool thread and returns a handle to await its
/// result (asyncio: `await loop.run_in_executor(None, f)`).
///
/// A panic in `f` surfaces as a panicked `JoinError`. Panics when called
/// outside a running loop.
pub fn spawn_blocking<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let slot = Arc::new(Mutex::new(Slot { outcome: None, waker: None }));
    let waiting = slot.clone();
    // Spawn first: outside a loop this panics before any work is queued.
    let handle = crate::event_loop::context::spawn_named("spawn_blocking", async move {
        let outcome = poll_fn(|cx| {
            let mut slot = waiting.lock().unwrap_or_else(|e| e.into_inner());
            match slot.outcome.take() {
                Some(outcome) => Poll::Ready(outcome),
                None => {
                    slot.waker = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
        .await;
        outcome.unwrap_or_else(|payload| resume_unwind(payload))
    });
    pool().execute(Box::new(move || {
        let outcome = catch_unwind(AssertUnwindSafe(f));
        let waker = {
            let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
            slot.outcome = Some(outcome);
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }));
    handle
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn the_pool_runs_jobs_on_its_own_threads_within_its_bound() {
        let (done, results) = mpsc::channel();
        for i in 0..100 {
            let done = done.clone();
            pool().execute(Box::new(move || {
                let name = thread::current().name().map(str::to_owned);
                done.send((i, name)).unwrap();
            }));
        }
        let mut seen = Vec::new();
        for _ in 0..100 {
            let (i, name) = results.recv_timeout(Duration::from_secs(5)).expect("job ran");
            assert_eq!(name.as_deref(), Some("reel-blocking"));
            seen.push(i);
        }
        seen.sort();
        assert_eq!(seen, (0..100).collect::<Vec<_>>());
        assert!(pool().lock().threads <= pool().max_threads);
    }
}
