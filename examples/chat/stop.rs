//! The graceful stop as each session lives it (PROTOCOL.md, "Shutdown").
//!
//! On SIGINT/SIGTERM a session first answers, as usual, what its client
//! had sent before the stop: chat lines are broadcast, commands answered.
//! That is the lines its reader holds, and up to [`OWED_AT_MOST`] bytes in
//! the socket's receive buffer, which the loop may not have heard of yet
//! (epoll is edge-triggered: the event is dispatched on a later tick), so
//! the kernel is asked ([`owed_at_stop`]). Then it waits until every
//! session has done so ([`Answering`]), so that every goodbye comes after
//! every last broadcast, and says goodbye. Once its writer has sent
//! everything and FIN, it reads and drops what the peer still sends until
//! the peer closes ([`linger`]): closing with unread input makes the
//! kernel send a reset, which can destroy the goodbye before it is read.
//!
//! asyncio counterpart: none built in; a server's shutdown coroutine
//! would `await reader.read()` what is pending before `writer.close()`.

use std::cell::Cell;
use std::io;
use std::time::{Duration, Instant};

use reel::stream::{LimitOverrun, StreamReader};

use crate::transport::ReadSide;
use reel::sync::Event;

/// The most received input a session answers at the stop, in bytes.
const OWED_AT_MOST: usize = 64 * 1024;
/// How long the rest of a line that had begun to arrive may take.
const LINE_WAIT: Duration = Duration::from_millis(200);
/// How long a closing session drains its peer's input before it closes.
const LINGER: Duration = Duration::from_secs(2);

/// The server's stop, shared by every session.
pub struct Stop {
    /// Set on SIGINT/SIGTERM.
    stopping: Event,
    /// Once stopping: when the answering and the waiting for each other end.
    answer_by: Cell<Instant>,
    /// Live sessions that have not yet answered what they received before
    /// the stop (before it: every live session).
    answering: Cell<usize>,
    /// Set once `answering` is 0 after the stop: the goodbyes may go out.
    answered: Event,
}

impl Stop {
    pub fn new() -> Stop {
        Stop {
            stopping: Event::new(),
            answer_by: Cell::new(Instant::now()),
            answering: Cell::new(0),
            answered: Event::new(),
        }
    }

    /// Stops every session: they have `answer_for` to answer what they had
    /// received and to wait for each other; then they say goodbye anyway.
    pub fn begin(&self, answer_for: Duration) {
        self.answer_by.set(reel::time::now() + answer_for);
        self.stopping.set();
        if self.answering.get() == 0 {
            self.answered.set();
        }
    }

    /// The event sessions wait on.
    pub fn event(&self) -> &Event {
        &self.stopping
    }

    /// Counts a new session as answering until it is done or ends.
    pub fn enter(&self) -> Answering<'_> {
        self.answering.set(self.answering.get() + 1);
        Answering { stop: self }
    }

    fn time_left(&self) -> Duration {
        self.answer_by.get().saturating_duration_since(reel::time::now())
    }
}

/// Counts its session in `Stop::answering` until the session has answered
/// what it received before the stop, or ends.
pub struct Answering<'a> {
    stop: &'a Stop,
}

impl Answering<'_> {
    /// Done answering: waits (bounded) until every other session is too.
    pub async fn wait_for_all(self) {
        let stop = self.stop;
        drop(self);
        let _ = reel::timeout(stop.time_left(), stop.answered.wait()).await;
    }
}

impl Drop for Answering<'_> {
    fn drop(&mut self) {
        let stop = self.stop;
        let left = stop.answering.get() - 1;
        stop.answering.set(left);
        if left == 0 && stop.stopping.is_set() {
            stop.answered.set();
        }
    }
}

/// Bytes received and not yet handled when a session sees the stop: those
/// its reader holds, and those in the socket (up to `OWED_AT_MOST`), which
/// `try_peek` finds even before the loop has heard of them.
pub fn owed_at_stop(reader: &StreamReader<ReadSide>) -> usize {
    let socket = reader.get_ref();
    let mut in_kernel = 0;
    if socket.input_waiting() {
        in_kernel = socket.try_peek(&mut vec![0; OWED_AT_MOST]).unwrap_or(0);
    }
    reader.buffered() + in_kernel
}

/// The next line of the input still `owed` an answer, which it counts
/// down; `None` once it is all handled, the peer has closed, a line never
/// ended, or the time is up.
pub async fn owed_line(
    reader: &mut StreamReader<ReadSide>,
    owed: &mut usize,
    stop: &Stop,
) -> Option<io::Result<Vec<u8>>> {
    let left = stop.time_left();
    if *owed == 0 || left.is_zero() {
        return None;
    }
    match reel::timeout(LINE_WAIT.min(left), reader.read_line()).await {
        Ok(Ok(line)) if !line.is_empty() => {
            *owed = owed.saturating_sub(line.len());
            Some(Ok(line))
        }
        Ok(Err(e)) if LimitOverrun::is(&e) => {
            *owed = owed.saturating_sub(reader.limit());
            Some(Err(e))
        }
        // EOF, a reset, or a line that never ended: nothing more to answer.
        Ok(_) | Err(_) => {
            *owed = 0;
            None
        }
    }
}

/// The lingering close: after our FIN, reads and drops what the peer still
/// sends until it closes too, for at most `LINGER`, so that the close is a
/// FIN and not a reset that could destroy what we sent last. It waits with
/// no buffer until something arrives, so 10,000 clients leaving at once
/// cost no read buffers.
pub async fn linger(reader: &mut StreamReader<ReadSide>) {
    let _ = reader.get_ref().discard_until_eof(LINGER).await;
}
