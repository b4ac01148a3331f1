//! The timeline's file: trace events written as the Chrome trace-event
//! format (JSON), which Perfetto (ui.perfetto.dev) and `chrome://tracing`
//! open. Every loop of the process appends to the one file, each as its
//! own track; the file is valid JSON after every flush. A first reading
//! of the loop skips this file.
//!
//! asyncio counterpart: none; the nearest are `python -X importtime`'s and
//! `viztracer`'s trace files.
//!
//! # Implementation
//!
//! A loop gathers its events in a `String` (one JSON object each, each
//! preceded by `,`) and hands the text to the process-wide [`Sink`] when it
//! flushes. The sink keeps the file ending in `]}`: it cuts that tail,
//! appends the text, and writes the tail again. It also counts the bytes of
//! all loops against one cap; past it, loops stop recording and say so.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// How the file ends after every flush.
const TAIL: &str = "\n]}\n";

/// The open timeline file, shared by every loop of the process.
struct Sink {
    path: PathBuf,
    file: File,
    /// Where the tail starts: the next text goes here.
    end: u64,
    /// Bytes of events written so far, by every loop.
    written: u64,
    /// False until the first event: it takes no leading comma.
    any: bool,
}

/// The files open for timelines: one, unless loops were given different paths.
static SINKS: Mutex<Vec<Sink>> = Mutex::new(Vec::new());
static EPOCH: OnceLock<Instant> = OnceLock::new();
/// Numbers the loops' tracks: 1 for the first loop of the process.
static NEXT_TRACK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Time since the process's first timeline event: the `ts` field.
pub(crate) fn micros(at: Instant) -> Micros {
    let epoch = *EPOCH.get_or_init(Instant::now);
    Micros(at.saturating_duration_since(epoch).as_nanos() as u64)
}

/// A time or a duration in nanoseconds, written as microseconds with three
/// decimals (the trace-event format's unit) by integer formatting, which
/// costs a fraction of a float's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Micros(pub(crate) u64);

impl std::ops::Sub for Micros {
    type Output = Micros;
    fn sub(self, earlier: Micros) -> Micros {
        Micros(self.0.saturating_sub(earlier.0))
    }
}

impl std::fmt::Display for Micros {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:03}", self.0 / 1000, self.0 % 1000)
    }
}

/// A new track (the `tid` of a loop's events).
pub(crate) fn new_track() -> u64 {
    NEXT_TRACK.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Opens `path` for the timeline (truncating it), unless this process has
/// it open already: the loops of one process share one file.
pub(crate) fn open(path: &Path) -> io::Result<()> {
    let mut sinks = SINKS.lock().unwrap_or_else(|e| e.into_inner());
    if sinks.iter().any(|s| s.path == path) {
        return Ok(());
    }
    let mut file = File::create(path)?;
    let head = "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
    file.write_all(head.as_bytes())?;
    file.write_all(TAIL.as_bytes())?;
    let end = head.len() as u64;
    sinks.push(Sink { path: path.to_owned(), file, end, written: 0, any: false });
    Ok(())
}

/// Appends one loop's events to the file; false once the file has reached
/// `limit` bytes of events (the loop then stops recording).
pub(crate) fn append(path: &Path, events: &str, limit: u64) -> io::Result<bool> {
    let mut sinks = SINKS.lock().unwrap_or_else(|e| e.into_inner());
    let Some(sink) = sinks.iter_mut().find(|s| s.path == path) else { return Ok(false) };
    let text = if sink.any { events } else { events.strip_prefix(',').unwrap_or(events) };
    if text.is_empty() {
        return Ok(sink.written < limit);
    }
    sink.file.seek(SeekFrom::Start(sink.end))?;
    sink.file.write_all(text.as_bytes())?;
    sink.file.write_all(TAIL.as_bytes())?;
    sink.end += text.len() as u64;
    sink.written += text.len() as u64;
    sink.any = true;
    Ok(sink.written < limit)
}

/// Bytes of events already in the file at `path`, by every loop.
pub(crate) fn written(path: &Path) -> u64 {
    let sinks = SINKS.lock().unwrap_or_else(|e| e.into_inner());
    sinks.iter().find(|s| s.path == path).map_or(0, |sink| sink.written)
}

/// One event, built field by field: `{"ph":"X","name":"...",...}`.
pub(crate) struct Event<'a> {
    out: &'a mut String,
    args: bool,
}

impl<'a> Event<'a> {
    /// Starts an event of phase `ph` (`X` slice, `s`/`f` flow, `C` counter,
    /// `i` instant, `M` metadata) at `ts` on `track`.
    pub(crate) fn new(out: &'a mut String, ph: char, name: &str, ts: Micros, track: u64) -> Self {
        let pid = std::process::id();
        let _ = write!(out, ",\n{{\"ph\":\"{ph}\",\"pid\":{pid},\"tid\":{track},\"ts\":{ts}");
        out.push_str(",\"name\":");
        quote(out, name);
        Event { out, args: false }
    }

    /// A field with a number.
    pub(crate) fn num(self, key: &str, value: impl std::fmt::Display) -> Self {
        let _ = write!(self.out, ",\"{key}\":{value}");
        self
    }

    /// A field with a string.
    pub(crate) fn text(self, key: &str, value: &str) -> Self {
        let _ = write!(self.out, ",\"{key}\":");
        quote(self.out, value);
        self
    }

    /// An argument (shown when the event is selected), a number.
    pub(crate) fn arg(mut self, key: &str, value: impl std::fmt::Display) -> Self {
        self.open_args(key);
        let _ = write!(self.out, "{value}");
        self
    }

    /// An argument, a string.
    pub(crate) fn arg_text(mut self, key: &str, value: &str) -> Self {
        self.open_args(key);
        quote(self.out, value);
        self
    }

    fn open_args(&mut self, key: &str) {
        self.out.push_str(if self.args { "," } else { ",\"args\":{" });
        self.args = true;
        quote(self.out, key);
        self.out.push(':');
    }

    /// Closes the event.
    pub(crate) fn end(self) {
        self.out.push_str(if self.args { "}}" } else { "}" });
    }
}

/// `text` as a JSON string.
fn quote(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_one_json_object_with_its_args() {
        let mut out = String::new();
        Event::new(&mut out, 'X', "task 4 \"a\"", Micros(1500), 2)
            .num("dur", 3)
            .arg("polled", 1)
            .end();
        let pid = std::process::id();
        assert_eq!(
            out,
            format!(
                ",\n{{\"ph\":\"X\",\"pid\":{pid},\"tid\":2,\"ts\":1.500,\"name\":\"task 4 \\\"a\\\"\",\"dur\":3,\"args\":{{\"polled\":1}}}}"
            )
        );
    }
}
