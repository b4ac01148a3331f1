//! The timeline's recorder: one loop's trace events, gathered in memory
//! and handed to the file (timeline_file.rs) every megabyte, at the end of
//! `run` and on a stop signal, until the cap; and `ON`, the one flag the
//! tick reads per phase. timeline.rs says what is recorded.
//!
//! asyncio counterpart: none (see timeline.rs).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use crate::event_loop::task::TaskId;
use crate::event_loop::timeline_file::{self, Event, Micros, micros};

/// The cap on a timeline's events, in all loops of a process, unless
/// `Builder::timeline_limit` or `REEL_TIMELINE_LIMIT_MB` says otherwise.
pub(crate) const DEFAULT_LIMIT: u64 = 64 << 20;
/// A loop hands its events to the file once it holds this many bytes.
const FLUSH_AT: usize = 1 << 20;

thread_local! {
    /// True while this thread's loop records a timeline.
    static ON: Cell<bool> = const { Cell::new(false) };
    static RECORDER: RefCell<Option<Recorder>> = const { RefCell::new(None) };
}

/// One loop's events not yet in the file.
pub(super) struct Recorder {
    /// The file it goes to.
    pub(super) path: PathBuf,
    /// The loop's track (`tid`) in the file.
    pub(super) track: u64,
    /// The cap on the file's events, in bytes.
    pub(super) limit: u64,
    pub(super) events: String,
    pub(super) next_flow: u64,
    /// The arrow each woken task's next poll ends: its id and name.
    pub(super) flows: HashMap<TaskId, (u64, &'static str)>,
}

pub(super) fn start(path: Option<PathBuf>, limit: Option<u64>) {
    let Some(path) = path.or_else(|| std::env::var_os("REEL_TIMELINE").map(PathBuf::from)) else {
        return;
    };
    let env_limit = std::env::var("REEL_TIMELINE_LIMIT_MB").ok().and_then(|mb| mb.parse().ok());
    let limit = limit.or(env_limit.map(|mb: u64| mb << 20)).unwrap_or(DEFAULT_LIMIT);
    if let Err(e) = timeline_file::open(&path) {
        log::warn!(target: "reel", "no timeline: cannot write {}: {e}", path.display());
        return;
    }
    let track = timeline_file::new_track();
    let mut recorder =
        Recorder { path, track, limit, events: String::new(), next_flow: 1, flows: HashMap::new() };
    let thread = std::thread::current().name().unwrap_or("unnamed").to_owned();
    let label = format!("reel loop {track} (thread {thread})");
    Event::new(&mut recorder.events, 'M', "thread_name", Micros(0), track)
        .arg_text("name", &label)
        .end();
    RECORDER.with(|r| *r.borrow_mut() = Some(recorder));
    ON.with(|on| on.set(true));
}

/// Writes what this thread's loop has recorded to the file (the end of
/// `run`, a stop signal, every megabyte).
pub(crate) fn flush() {
    let stopped = RECORDER.with(|r| {
        let mut r = r.borrow_mut();
        let recorder = r.as_mut()?;
        let text = std::mem::take(&mut recorder.events);
        match timeline_file::append(&recorder.path, &text, recorder.limit) {
            Ok(true) => None,
            Ok(false) => Some(format!("it reached its limit of {} MiB", recorder.limit >> 20)),
            Err(e) => Some(format!("writing it failed: {e}")),
        }
    });
    if let Some(why) = stopped {
        stop_recording(&why);
    }
}

/// Flushes and ends this thread's timeline (the end of `run`).
pub(super) fn finish() {
    flush();
    RECORDER.with(|r| r.borrow_mut().take());
    ON.with(|on| on.set(false));
}

/// The cap was reached or the file failed: one last event says so.
fn stop_recording(why: &str) {
    let last = RECORDER.with(|r| {
        let mut recorder = r.borrow_mut().take()?;
        let ts = micros(Instant::now());
        let name = format!("timeline stopped: {why}");
        Event::new(&mut recorder.events, 'i', &name, ts, recorder.track).text("s", "g").end();
        let _ = timeline_file::append(&recorder.path, &recorder.events, u64::MAX);
        Some((name, recorder.path))
    });
    ON.with(|on| on.set(false));
    if let Some((name, path)) = last {
        let bytes = timeline_file::written(&path);
        log::warn!(target: "reel", "{name} ({bytes} bytes in {})", path.display());
    }
}

pub(super) fn with_recorder(f: impl FnOnce(&mut Recorder)) {
    RECORDER.with(|r| {
        if let Some(recorder) = r.borrow_mut().as_mut() {
            f(recorder);
        }
    });
}

/// Runs `f` on the recorder; true when its events should go to the file.
pub(super) fn with_full_recorder(f: impl FnOnce(&mut Recorder)) -> bool {
    RECORDER.with(|r| match r.borrow_mut().as_mut() {
        Some(recorder) => {
            f(recorder);
            recorder.events.len() >= FLUSH_AT
        }
        None => false,
    })
}

/// True while this loop records: the one branch the tick takes per phase.
#[inline]
pub(crate) fn on() -> bool {
    ON.with(Cell::get)
}
