//! The timeline: with `REEL_TIMELINE=FILE` (or `Builder::timeline`) the
//! loop records every tick as trace events that Perfetto and
//! `chrome://tracing` draw: one track per loop, each tick's phases as
//! slices (`epoll_wait`, `dispatch`, `fire_expired`, `run_ready`), each poll
//! as a slice named `task ID NAME`, an arrow from what woke a task (an I/O
//! registration, a timer, another task, another thread) to the poll it
//! caused, and counters of tasks ready and alive. A first reading of the
//! loop skips this file.
//!
//! asyncio counterpart: none built in; the trace `RUST_LOG=reel=trace`
//! prints is asyncio debug mode's logging, this is its picture.
//!
//! # Implementation
//!
//! Thread-locals, since a wake reaches the executor from the reactor, the
//! timers or a task without passing the loop's `Core` along. `ON`
//! (timeline_recorder.rs, with the events not yet written) is the one flag
//! the tick reads per phase; off, nothing else here runs. `WATCH`
//! says whether wakes are followed this tick (the timeline, or the trace,
//! which names the task behind a wake); `CAUSE` is what is waking tasks
//! now, set by `dispatch`, `fire_expired` and the inbox drain (a task's own
//! wakes are known from the executor's current task). Ground rule: the
//! recorder is borrowed only inside this file, never across a call out.

use std::cell::{Cell, RefCell};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::event_loop::task::TaskId;
use crate::event_loop::timeline_file::{Event, micros};
use crate::event_loop::timeline_recorder::{self, with_full_recorder, with_recorder};
pub(crate) use crate::event_loop::timeline_recorder::{flush, on};

thread_local! {
    /// True while wakes are followed (timeline or trace on, this tick).
    static WATCH: Cell<bool> = const { Cell::new(false) };
    /// What is waking tasks now, outside any task's poll.
    static CAUSE: RefCell<Cause> = const { RefCell::new(Cause::Nothing) };
    /// The tick now running, for the trace's wake lines.
    static TICK: Cell<u64> = const { Cell::new(0) };
}

/// What woke a task, in the words of the trace and the timeline.
#[derive(Clone, Debug)]
pub(crate) enum Cause {
    /// Not in a phase that wakes (the main task's first wake).
    Nothing,
    /// An I/O registration's event: `I/O 4 read (127.0.0.1:5000)`.
    Io(String),
    /// A timer that fired.
    Timer,
    /// Another task, polled now (or spawning this one).
    Task(TaskId, String),
    /// A wake from another thread, through the loop's inbox.
    Thread,
}

impl Cause {
    fn kind(&self) -> &'static str {
        match self {
            Cause::Nothing => "wake",
            Cause::Io(_) => "woken by I/O",
            Cause::Timer => "woken by a timer",
            Cause::Task(..) => "woken by a task",
            Cause::Thread => "woken from another thread",
        }
    }

    /// `I/O 4 read (127.0.0.1:5000)`, `a timer`, `task 4 (handler ...)`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Cause::Nothing => "nothing".into(),
            Cause::Io(what) => what.clone(),
            Cause::Timer => "a timer".into(),
            Cause::Task(id, name) => format!("task {id} ({name})"),
            Cause::Thread => "another thread".into(),
        }
    }
}

/// Records this thread's loop until the guard is dropped (the end of
/// `run`, even by unwinding), when `path` (or else `REEL_TIMELINE`) names a
/// file.
pub(crate) fn record(path: Option<PathBuf>, limit: Option<u64>) -> Recording {
    timeline_recorder::start(path, limit);
    Recording
}

/// Flushes and ends the timeline when dropped.
pub(crate) struct Recording;

impl Drop for Recording {
    fn drop(&mut self) {
        timeline_recorder::finish();
        WATCH.with(|w| w.set(false));
    }
}

/// True while wakes are followed (the timeline or the trace is on).
#[inline]
pub(crate) fn watching() -> bool {
    WATCH.with(Cell::get)
}

/// Sets what wakes tasks from now on (`dispatch`, `fire_expired`, the
/// inbox); only while watching.
pub(crate) fn set_cause(cause: Cause) {
    CAUSE.with(|c| *c.borrow_mut() = cause);
}

/// What wakes tasks now, when no task is being polled.
pub(crate) fn cause() -> Cause {
    CAUSE.with(|c| c.borrow().clone())
}

/// A task was queued by `by`: the trace names both when a task woke
/// another; the timeline starts an arrow to the task's next poll.
pub(crate) fn woken(task: TaskId, name: &str, by: &Cause, spawned: bool) {
    let tick = TICK.with(Cell::get);
    if let Cause::Task(waker, waker_name) = by {
        if *waker != task {
            let verb = if spawned { "spawned" } else { "woke" };
            log::trace!(target: "reel", "tick {tick}: task {waker} ({waker_name}) {verb} task {task} ({name})");
        }
    }
    if matches!(by, Cause::Nothing) {
        return;
    }
    with_recorder(|recorder| {
        let id = recorder.next_flow;
        recorder.next_flow += 1;
        let kind = if spawned { "spawned" } else { by.kind() };
        let ts = micros(Instant::now());
        Event::new(&mut recorder.events, 's', kind, ts, recorder.track)
            .num("id", id)
            .text("cat", "wake")
            .arg_text("by", &by.describe())
            .end();
        recorder.flows.insert(task, (id, kind));
    });
}

/// A poll of `task` begins: when, and the arrow it ends (taken now, as
/// the poll may wake the task again and start the next one).
pub(crate) fn poll_begins(task: TaskId) -> PollMark {
    let mut flow = None;
    with_recorder(|recorder| flow = recorder.flows.remove(&task));
    PollMark { began: Instant::now(), flow }
}

/// When a poll began and the arrow it ends.
pub(crate) struct PollMark {
    began: Instant,
    flow: Option<(u64, &'static str)>,
}

/// One poll is over: its slice, and the end of the arrow from what woke
/// the task.
pub(crate) fn polled(mark: PollMark, task: TaskId, name: &str) {
    let ended = Instant::now();
    with_recorder(|recorder| {
        let (ts, track) = (micros(mark.began), recorder.track);
        if let Some((id, kind)) = mark.flow {
            Event::new(&mut recorder.events, 'f', kind, ts, track)
                .num("id", id)
                .text("cat", "wake")
                .text("bp", "e")
                .end();
        }
        let slice = format!("task {task} {name}");
        Event::new(&mut recorder.events, 'X', &slice, ts, track)
            .text("cat", "poll")
            .num("dur", micros(ended) - ts)
            .end();
    });
}

/// A tick as the timeline and the trace follow it: its number, whether
/// wakes are followed, and (only while recording) when each phase ended.
pub(crate) struct Marks {
    tick: u64,
    watching: bool,
    /// Phases ended so far (0 to 4).
    done: usize,
    /// The tick's start and the end of each of its four phases; `None`
    /// while the timeline is off.
    at: Option<[Instant; 5]>,
}

impl Marks {
    /// A tick begins: whether to record it, and to follow its wakes.
    #[inline]
    pub(crate) fn begin(tick: u64, tracing: bool) -> Marks {
        let on = on();
        let watching = on || tracing;
        WATCH.with(|w| w.set(watching));
        if watching {
            TICK.with(|t| t.set(tick));
            set_cause(Cause::Nothing);
        }
        Marks { tick, watching, done: 0, at: on.then(|| [Instant::now(); 5]) }
    }

    /// A phase ended. While wakes are followed, the next phase's cause is
    /// set: the phase after `dispatch` is `fire_expired`, a timer's wakes.
    #[inline]
    pub(crate) fn phase_done(&mut self) {
        self.done += 1;
        if let Some(at) = &mut self.at {
            at[self.done.min(4)] = Instant::now();
        }
        if self.watching && self.done == 2 {
            set_cause(Cause::Timer);
        }
    }
}

/// What a tick did, for its slices' arguments.
pub(crate) struct TickFacts {
    pub(crate) timeout: Option<Duration>,
    pub(crate) interrupted: bool,
    pub(crate) events: usize,
    pub(crate) wakes: usize,
    pub(crate) remote: usize,
    pub(crate) fired: usize,
    pub(crate) polled: usize,
    pub(crate) ready: usize,
    pub(crate) alive: usize,
}

/// The tick is over: its slice, its phases' slices, the counters.
#[inline]
pub(crate) fn tick(marks: &Marks, facts: impl FnOnce() -> TickFacts) {
    if marks.at.is_some() {
        record_tick(marks, &facts());
    }
}

fn record_tick(marks: &Marks, facts: &TickFacts) {
    let Marks { tick, at: Some([t0, t1, t2, t3, t4]), .. } = *marks else {
        return;
    };
    let full = with_full_recorder(|recorder| {
        let track = recorder.track;
        let out = &mut recorder.events;
        fn slice<'a>(
            out: &'a mut String,
            name: &str,
            span: (Instant, Instant),
            track: u64,
        ) -> Event<'a> {
            let ts = micros(span.0);
            Event::new(out, 'X', name, ts, track)
                .text("cat", "tick")
                .num("dur", micros(span.1) - ts)
        }
        slice(out, &format!("tick {tick}"), (t0, t4), track).end();
        let timeout = facts.timeout.map_or("none (until an event)".into(), |t| format!("{t:?}"));
        slice(out, "epoll_wait", (t0, t1), track)
            .arg_text("timeout", &timeout)
            .arg("events", facts.events)
            .arg("interrupted_by_a_signal", facts.interrupted)
            .end();
        slice(out, "dispatch", (t1, t2), track)
            .arg("wakes", facts.wakes)
            .arg("from_other_threads", facts.remote)
            .end();
        slice(out, "fire_expired", (t2, t3), track).arg("fired", facts.fired).end();
        slice(out, "run_ready", (t3, t4), track).arg("polled", facts.polled).end();
        Event::new(out, 'C', "tasks", micros(t4), track)
            .arg("ready", facts.ready)
            .arg("alive", facts.alive)
            .end();
    });
    if full {
        flush();
    }
}
