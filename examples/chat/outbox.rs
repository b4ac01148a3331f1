//! Each client's outgoing queue and the task that writes it to the socket.
//!
//! Every line a client receives, from its own session or from another
//! client's broadcast, goes through its `Outbox`: a bounded channel, so order
//! is kept and memory is bounded. Senders never wait (`try_send`): a client
//! whose queue is full is too slow, and the broadcaster kicks it instead of
//! waiting for it. That is the fix for the seeds' classic bug, where
//! `await writer.drain()` inside the broadcast loop let one client that
//! stopped reading stall the whole room.

use std::rc::Rc;

use reel::JoinHandle;
use reel::stream::StreamWriter;
use reel::sync::{Event, Receiver, Sender, TrySendError, channel};

/// Lines a client may have queued before it counts as too slow. With lines
/// of at most a few KiB and the writer's 64 KiB high-water mark, a client
/// costs the server well under a megabyte however it behaves.
pub const QUEUE_LINES: usize = 256;

/// The sending side of one client's queue; cheap to clone.
#[derive(Clone)]
pub struct Outbox {
    lines: Sender<Rc<str>>,
    /// Set when the client is kicked: its session ends at once.
    kicked: Event,
}

impl Outbox {
    /// Starts the writer task for `writer`; returns the outbox and the task.
    pub fn start(writer: StreamWriter) -> (Outbox, WriterTask) {
        let (lines, queue) = channel(QUEUE_LINES);
        let task = reel::spawn(write_out(queue, writer));
        (Outbox { lines, kicked: Event::new() }, WriterTask(task))
    }

    /// Queues `line` without waiting; false if the queue is full (the client
    /// is not keeping up) or the writer has stopped (the client is gone).
    pub fn send(&self, line: Rc<str>) -> bool {
        match self.lines.try_send(line) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Closed(_)) => false,
        }
    }

    /// Queues an owned line (a reply to this client only).
    pub fn say(&self, line: impl Into<Rc<str>>) -> bool {
        self.send(line.into())
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

/// The writer task of one client: finishes writing what was queued after
/// every `Outbox` is dropped, then closes the connection. Dropping this
/// handle (a kicked client, a cancelled session) stops it at once.
pub struct WriterTask(JoinHandle<()>);

impl WriterTask {
    /// Waits until everything queued is written and the connection closed.
    pub async fn finish(mut self) {
        let _ = (&mut self.0).await;
    }
}

impl Drop for WriterTask {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

async fn write_out(mut queue: Receiver<Rc<str>>, writer: StreamWriter) {
    // Cancelled (a kicked client, a session cancelled at shutdown): abort,
    // so the socket closes now instead of waiting on a peer that never reads.
    let mut writer = AbortOnDrop(Some(writer));
    let mut batch = Vec::new();
    while let Some(line) = queue.recv().await {
        let Some(out) = writer.0.as_mut() else { return };
        // Everything already queued goes out in one write: in a busy room a
        // client has several lines waiting, and one send(2) per line is most
        // of the server's CPU (the kernel's send path).
        batch.extend_from_slice(line.as_bytes());
        while batch.len() < BATCH_BYTES {
            let Ok(more) = queue.try_recv() else { break };
            batch.extend_from_slice(more.as_bytes());
        }
        // drain() returns at once below the high-water mark, so a client that
        // reads keeps up without a wait per batch; one that does not makes
        // this task wait here, its queue fills, and the broadcaster kicks it.
        if out.write(&batch).is_err() || out.drain().await.is_err() {
            return;
        }
        // An idle client holds no batch buffer.
        if queue.is_empty() {
            batch = Vec::new();
        } else {
            batch.clear();
        }
    }
    if let Some(mut out) = writer.0.take() {
        let _ = out.wait_closed().await;
    }
}

/// The most one batch gathers before it is written.
const BATCH_BYTES: usize = 16 * 1024;

/// Aborts the writer it holds when dropped before the end.
struct AbortOnDrop(Option<StreamWriter>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(writer) = self.0.as_mut() {
            writer.abort();
        }
    }
}
