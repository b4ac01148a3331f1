//! The event loop: `run`, its configuration, and the tick.
//!
//! asyncio counterpart: `asyncio.run` and `BaseEventLoop._run_once`.
//!
//! The loop owns one `Core` (see `context`), shared through `Rc` with the
//! sockets (their `Registration`, so a socket can deregister) and reachable
//! from anywhere on the loop's thread through a thread-local (a waker holds
//! no `Core`: it holds the loop's `Arc<Remote>`, see `waker`), the way
//! `asyncio.get_running_loop()` finds the loop. `run` sets it for exactly as
//! long as it runs.

use std::cell::Cell;
use std::future::Future;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::event_loop::clock::Clock;
use crate::event_loop::context::{Core, enter, polling_task, try_core, with_core};
use crate::event_loop::executor::Executor;
use crate::event_loop::reactor::Reactor;
use crate::event_loop::timeline::{self, Marks, TickFacts};
use crate::event_loop::timers::Timers;
use crate::event_loop::trace;

/// Settings for a loop, then [`Builder::run`]. `reel::run` uses the defaults.
#[derive(Debug, Clone)]
pub struct Builder {
    slow_callback_duration: Option<Duration>,
    events_capacity: usize,
    timeline: Option<PathBuf>,
    timeline_limit: Option<u64>,
    start_paused: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            slow_callback_duration: Some(Duration::from_millis(100)),
            events_capacity: 1024,
            timeline: None,
            timeline_limit: None,
            start_paused: false,
        }
    }
}

impl Builder {
    /// A builder with the defaults: slow-poll warnings past 100 ms, up to
    /// 1024 events per `epoll_wait`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Warn when one poll of a task takes longer than `limit` (`None`: never).
    ///
    /// asyncio: `loop.slow_callback_duration` in debug mode. A slow poll
    /// blocks every other connection, so this is on by default.
    pub fn slow_callback_duration(mut self, limit: Option<Duration>) -> Self {
        self.slow_callback_duration = limit;
        self
    }

    /// How many readiness events one `epoll_wait` may return (default 1024).
    pub fn events_capacity(mut self, capacity: usize) -> Self {
        self.events_capacity = capacity.max(1);
        self
    }

    /// Records the loop's timeline into `path`: the Chrome trace-event
    /// format (JSON) that Perfetto (ui.perfetto.dev) and `chrome://tracing`
    /// open, with each tick's phases, each poll, an arrow from what woke a
    /// task to its poll, and the tasks ready and alive. The environment
    /// variable `REEL_TIMELINE=FILE` does the same for every loop. The loops
    /// of one process share the file, a track each; it is written at the
    /// end of `run`, on a stop signal (`reel::signal::stop_signal`), and
    /// every megabyte, and is valid JSON after each write.
    pub fn timeline(mut self, path: impl Into<PathBuf>) -> Self {
        self.timeline = Some(path.into());
        self
    }

    /// Caps the timeline file's events at `bytes` (default 64 MiB, or
    /// `REEL_TIMELINE_LIMIT_MB`); past it, recording stops, the file's last
    /// event says why, and one warning is logged.
    pub fn timeline_limit(mut self, bytes: u64) -> Self {
        self.timeline_limit = Some(bytes);
        self
    }

    /// Starts the loop with its clock paused (tokio: `start_paused`): it
    /// moves only by `reel::time::advance`, or to the next deadline when
    /// nothing else is ready, so sleeps and timeouts take no real time.
    pub fn start_paused(mut self, paused: bool) -> Self {
        self.start_paused = paused;
        self
    }

    /// Runs `future` to completion on a new loop on this thread and returns
    /// its output; then cancels and drops every task still alive.
    ///
    /// Panics if a loop already runs on this thread, or if the OS refuses an
    /// epoll instance (out of file descriptors).
    pub fn run<F: Future + 'static>(self, future: F) -> F::Output {
        if try_core().is_some() {
            panic!("reel::run called from a running reel loop: spawn a task instead");
        }
        let core = self.core();
        // Cleared even if `run_until_complete` unwinds.
        let _entered = enter(&core);
        let _shown = crate::event_loop::debugger::show(&core);
        let _recording = timeline::record(self.timeline, self.timeline_limit);
        run_until_complete(&core, future)
    }

    /// A new loop's core, with the panic hook installed. Panics if the OS
    /// refuses an epoll instance (out of file descriptors).
    pub(crate) fn core(&self) -> Rc<Core> {
        crate::event_loop::panic::install_hook(|| polling_task().map(|task| task.0));
        let reactor = Reactor::new(self.events_capacity)
            .unwrap_or_else(|e| panic!("reel could not create its epoll instance: {e}"));
        let executor = Executor::new(&reactor, self.slow_callback_duration)
            .unwrap_or_else(|e| panic!("reel could not create its waker: {e}"));
        let clock = Clock::new(self.start_paused);
        Rc::new(Core {
            executor,
            reactor,
            timers: Timers::new(),
            now: Cell::new(clock.read()),
            clock,
            tick: Cell::new(0),
        })
    }
}

/// Runs `future` on a new loop on this thread until it completes, then cancels
/// the tasks still alive (asyncio: `asyncio.run(main())`).
///
/// ```
/// let answer = reel::run(async { 6 * 7 });
/// assert_eq!(answer, 42);
/// ```
pub fn run<F: Future + 'static>(future: F) -> F::Output {
    Builder::new().run(future)
}

fn run_until_complete<F: Future + 'static>(core: &Rc<Core>, future: F) -> F::Output {
    let (_, main) = core.executor.spawn(Some(Rc::new("main".to_owned())), future);
    while !main.is_finished() {
        run_once(core, Wait::Block);
    }
    // asyncio.run cancels the remaining tasks; dropping a future is how a Rust
    // task is cancelled. Their destructors run while the loop is still current.
    let cancelled = core.executor.cancel_all();
    log::debug!(target: "reel", "loop stopped after {} ticks, {cancelled} tasks cancelled", core.tick.get());
    match main.take_outcome() {
        Some(Ok(output)) => output,
        Some(Err(e)) if e.is_panic() => panic!("reel::run: the main future panicked: {e}"),
        _ => unreachable!("the main task finished without a result"),
    }
}

/// One turn of the loop: asyncio's `_run_once`, phase for phase.
///
/// ```text
///   asyncio _run_once                      reel run_once
///   ----------------------------------     ------------------------------------------
///   timeout = 0 if self._ready else        1. timeout: 0 if a task is ready, else
///     (nearest scheduled - now), or None      until the nearest deadline, else forever
///   event_list = self._selector.select()   2. reactor.poll(timeout) -> epoll_wait
///   self._process_events(event_list)       3. reactor.dispatch: events -> readiness,
///                                              readiness -> task wakes (and the
///                                              cross-thread inbox, if it rang)
///   move due self._scheduled to _ready     4. timers.fire_expired: due sleepers woken
///   ntodo = len(self._ready); run ntodo    5. executor.run_ready: poll exactly the
///                                              tasks that were ready when it began
/// ```
///
/// Tasks woken while phase 5 runs (a task waking another, `yield_now`) land at
/// the back of the ready queue and run in the next tick, after another
/// `epoll_wait(0)`: a task that keeps waking itself cannot starve I/O or timers.
/// Nor can one whose sockets stay ready: after 32 I/O attempts in one poll
/// it yields the same way (budget.rs).
pub(crate) fn run_once(core: &Core, wait: Wait) -> TickReport {
    let tick = core.tick.get() + 1;
    core.tick.set(tick);
    // The timeline's marks: one branch per phase while it is off.
    let mut marks = Marks::begin(tick, trace::enabled());

    // 1. How long may we sleep in the kernel? (Never for a timer on a
    //    paused clock: that clock jumps instead, in phase 4.)
    let timeout = if core.executor.has_ready() || wait == Wait::Never {
        Some(Duration::ZERO)
    } else {
        core.timers.next_deadline().map(|deadline| match core.clock.is_paused() {
            true => Duration::ZERO,
            false => deadline.saturating_duration_since(Instant::now()),
        })
    };

    // 2. Wait for I/O (the loop's only blocking call), then read the clock once.
    let interrupted = core.reactor.poll(timeout);
    core.now.set(core.clock.read());
    marks.phase_done();

    // 3. Turn readiness events into task wakes.
    let dispatched = core.reactor.dispatch();
    let remote = if dispatched.remote_woken { core.executor.drain_remote() } else { 0 };
    let io = (dispatched.events, dispatched.summary.as_str(), dispatched.wakes);
    trace::io(tick, timeout, interrupted, io, remote);
    marks.phase_done();

    // 4. Wake the sleepers whose deadline has passed. A paused clock with
    //    nothing to run first jumps to the nearest deadline (clock.rs).
    if core.clock.is_paused() && dispatched.wakes == 0 && !core.executor.has_ready() {
        if let Some(deadline) = core.timers.next_deadline() {
            core.clock.advance_to(deadline);
            core.now.set(core.clock.read());
        }
    }
    let fired = core.timers.fire_expired(core.now());
    trace::timers(tick, fired);
    marks.phase_done();

    // 5. Run the tasks that are ready now; the only place futures are polled.
    let mut names = String::new();
    let ran = core.executor.run_ready(trace::enabled().then_some(&mut names));
    trace::ran(tick, ran, &names, || core.executor.ready_len());
    marks.phase_done();
    timeline::tick(&marks, || TickFacts {
        timeout,
        interrupted,
        events: dispatched.events,
        wakes: dispatched.wakes,
        remote,
        fired,
        polled: ran,
        ready: core.executor.ready_len(),
        alive: core.executor.len(),
    });
    TickReport {
        tick,
        events: dispatched.events,
        woken: dispatched.wakes + remote,
        timers_fired: fired,
        polled: ran,
    }
}

/// Whether a tick may block in `epoll_wait`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Until an event or the nearest deadline, as `run` does.
    Block,
    /// Not at all: `Loop::step` (a timeout of 0).
    Never,
}

/// What one tick did, phase by phase: [`Loop::step`](crate::Loop::step)'s
/// answer, the numbers the trace prints for a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TickReport {
    /// The tick's number (the first is 1).
    pub tick: u64,
    /// Readiness events `epoll_wait` returned (phase 2).
    pub events: usize,
    /// Tasks those events, and other threads, woke (phase 3).
    pub woken: usize,
    /// Sleepers whose deadline had come (phase 4).
    pub timers_fired: usize,
    /// Tasks polled (phase 5).
    pub polled: usize,
}

/// A snapshot of the running loop's bookkeeping; see [`stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Tasks alive: spawned and not yet finished or cancelled
    /// (asyncio: `len(asyncio.all_tasks())`).
    pub tasks: usize,
    /// Tasks in the ready queue, waiting for the next run phase.
    pub ready: usize,
    /// Sockets registered with the reactor (slots in its slab).
    pub registrations: usize,
    /// Timers pending (sleeps, timeouts and intervals not yet fired).
    pub timers: usize,
    /// Ticks run so far.
    pub ticks: u64,
}

/// Counts of what the running loop holds: tasks, sockets, timers.
///
/// Useful in tests and debugging: after every connection closes,
/// `registrations` is back where it started. Panics outside a running loop.
pub fn stats() -> Stats {
    with_core("reel::stats", |core| Stats {
        tasks: core.executor.len(),
        ready: core.executor.ready_len(),
        registrations: core.reactor.len(),
        timers: core.timers.len(),
        ticks: core.tick.get(),
    })
}
