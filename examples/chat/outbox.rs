//! Each client's outgoing queue and the task that writes it to the socket.
//!
//! Every line a client receives, from its own session or from another
//! client's broadcast, goes through its `Outbox`: a queue of shared lines
//! (`Rc<str>`: a line broadcast to 10,000 members is stored once, and each
//! queue holds a pointer to it), written straight to the socket by the
//! client's writer task, as much as the kernel takes. There is no copy per
//! client in between (no `StreamWriter` buffer): the queue is the buffer.
//!
//! # When the writer writes
//!
//! Each `send(2)` costs the server and the client far more than copying a
//! line, so the writer gathers: it writes everything queued (up to
//! `writer::BATCH_BYTES`) in one call, and when it wakes to a short queue (under
//! `writer::DEFER_BELOW`) it first lets one tick pass, so that the other
//! handlers running in this tick add their lines to the same write. A lone
//! line waits one tick (microseconds). Measured under `bench/run.sh chat`
//! (100 clients in one room): 73 lines per `send` before, 127 after.
//!
//! Senders never wait: a client that is too slow is disconnected instead.
//! That is the fix for the course's classic bug, where `await writer.drain()`
//! inside the broadcast loop let one client that stopped reading stall the
//! whole room.
//!
//! # Too slow
//!
//! Judged in bytes and by progress, not by a count of lines (a burst of
//! short notices is not a slow client). A line cannot be queued, and the
//! client is disconnected, if its queue is not empty and either
//! - the line would take it over [`HARD_CAP`] bytes, or
//! - more than [`STALL_BUDGET`] bytes are queued and the socket has taken no
//!   byte for [`STALL_TIME`] (counted from when the queue was last empty, if
//!   that is later).
//!
//! A line always fits in an empty queue, however long (`/list` of 10,000
//! users). Bytes waiting in the queue exist only once the kernel's socket
//! buffer is full, so a client that reads at all keeps the queue short or
//! at least moving; memory per client is bounded by the cap.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::task::Waker;
use std::time::{Duration, Instant};

use reel::JoinHandle;
use reel::sync::Event;

use crate::transport::WriteSide;
use writer::write_out;

mod writer;

/// The most a client may have queued (in the process, past the kernel's
/// socket buffer): half a megabyte of chat is minutes of reading for a
/// person, so a client this far behind is not keeping up.
pub const HARD_CAP: usize = 512 * 1024;
/// Over this many bytes queued, a client must be making progress.
pub const STALL_BUDGET: usize = 64 * 1024;
/// How long a client over the budget may go without the socket taking a
/// byte: long enough for a retransmission or two on a bad network.
pub const STALL_TIME: Duration = Duration::from_secs(5);

/// Why a line could not be queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The line would take the queue over `HARD_CAP`.
    Full,
    /// Over `STALL_BUDGET`, and no byte written for `STALL_TIME`.
    Stalled,
    /// The writer has stopped: the connection failed or is closing.
    Gone,
}

/// The rule above, as a pure function: may a line of `more` bytes join a
/// queue of `queued` bytes whose socket last took a byte `stalled` ago?
pub fn judge(queued: usize, more: usize, stalled: Duration) -> Result<(), Refused> {
    if queued == 0 {
        Ok(())
    } else if queued + more > HARD_CAP {
        Err(Refused::Full)
    } else if queued > STALL_BUDGET && stalled >= STALL_TIME {
        Err(Refused::Stalled)
    } else {
        Ok(())
    }
}

/// What a client's outboxes share with its writer task.
struct Queue {
    /// Lines not yet written, oldest first; the first may be partly written.
    lines: VecDeque<Rc<str>>,
    /// Bytes of `lines[0]` already written.
    head_written: usize,
    /// Bytes queued and not yet written. Invariant: the lines' lengths
    /// summed, less `head_written`; 0 iff `lines` is empty.
    bytes: usize,
    /// When the socket last took a byte, or the queue was last empty.
    progress_at: Instant,
    /// The writer task, while it waits for a line.
    writer: Option<Waker>,
    /// Live `Outbox` handles; at zero the writer writes what is left,
    /// sends FIN and ends.
    senders: usize,
    /// The writer has ended: every send is refused.
    gone: bool,
    /// The writer let one tick pass before writing a short queue.
    deferred: bool,
}

/// The sending side of one client's queue; cheap to clone.
pub struct Outbox {
    queue: Rc<RefCell<Queue>>,
    /// Set when the client is kicked: its session ends at once.
    kicked: Event,
}

impl Outbox {
    /// Starts the writer task for `write` (named `writer PEER`); returns the
    /// outbox and the task.
    pub fn start(write: WriteSide, peer: std::net::SocketAddr) -> (Outbox, WriterTask) {
        let queue = Rc::new(RefCell::new(Queue {
            lines: VecDeque::new(),
            head_written: 0,
            bytes: 0,
            progress_at: reel::time::now(),
            writer: None,
            senders: 1,
            gone: false,
            deferred: false,
        }));
        let task = reel::spawn_named(&format!("writer {peer}"), write_out(queue.clone(), write));
        (Outbox { queue, kicked: Event::new() }, WriterTask(task))
    }

    /// Queues `line` without waiting, unless the client is too slow for it
    /// (see the module docs) or gone.
    pub fn send(&self, line: Rc<str>) -> Result<(), Refused> {
        let mut queue = self.queue.borrow_mut();
        if queue.gone {
            return Err(Refused::Gone);
        }
        // The clock is read only when it matters: a broadcast to a big
        // room calls this once per member.
        let queued = queue.bytes;
        let stalled = if queued > STALL_BUDGET {
            reel::time::now().saturating_duration_since(queue.progress_at)
        } else {
            Duration::ZERO
        };
        judge(queued, line.len(), stalled)?;
        if queued == 0 {
            queue.progress_at = reel::time::now();
        }
        queue.bytes += line.len();
        queue.lines.push_back(line);
        if let Some(writer) = queue.writer.take() {
            writer.wake();
        }
        Ok(())
    }

    /// Queues a line for this client only (a reply, a greeting). If it is
    /// refused the client is on its way out anyway, kicked by whoever
    /// broadcasts to it next or by its own session's end.
    pub fn say(&self, line: impl Into<Rc<str>>) {
        let _ = self.send(line.into());
    }

    /// Marks the client kicked: its session sees `kicked()` and ends.
    pub fn kick(&self) {
        self.kicked.set();
    }

    /// The event a session waits on to learn it was kicked.
    pub fn kicked(&self) -> &Event {
        &self.kicked
    }
}

impl Clone for Outbox {
    fn clone(&self) -> Self {
        self.queue.borrow_mut().senders += 1;
        Outbox { queue: self.queue.clone(), kicked: self.kicked.clone() }
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        let writer = {
            let mut queue = self.queue.borrow_mut();
            queue.senders -= 1;
            if queue.senders > 0 {
                return;
            }
            queue.writer.take()
        };
        if let Some(writer) = writer {
            writer.wake();
        }
    }
}

/// The writer task of one client: finishes writing what was queued after
/// every `Outbox` is dropped, then sends FIN. Dropping this handle (a
/// kicked client, a cancelled session) stops it at once.
pub struct WriterTask(JoinHandle<()>);

impl WriterTask {
    /// Waits until everything queued is written and the FIN sent.
    pub async fn finish(mut self) {
        let _ = (&mut self.0).await;
    }
}

impl Drop for WriterTask {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slowness_is_judged_by_bytes_and_progress() {
        let (fresh, stuck) = (Duration::ZERO, STALL_TIME);
        assert_eq!(judge(0, 10 * HARD_CAP, stuck), Ok(()), "an empty queue takes any line");
        assert_eq!(judge(HARD_CAP - 100, 100, fresh), Ok(()));
        assert_eq!(judge(HARD_CAP - 100, 101, fresh), Err(Refused::Full));
        assert_eq!(judge(STALL_BUDGET, 100, stuck), Ok(()), "at the budget, no hurry");
        assert_eq!(judge(STALL_BUDGET + 1, 100, stuck), Err(Refused::Stalled));
        assert_eq!(judge(STALL_BUDGET + 1, 100, STALL_TIME / 2), Ok(()), "still moving");
    }
}
