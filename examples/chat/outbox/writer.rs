//! The writer task's side of an outbox: it writes what is queued to the
//! socket, gathering lines into one `send` (see "When the writer writes" in
//! outbox.rs), and marks the queue gone when it ends.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::io;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::Queue;
use crate::transport::WriteSide;

pub(super) async fn write_out(queue: Rc<RefCell<Queue>>, write: WriteSide) {
    // Ended or cancelled: refuse later sends and free what is queued. The
    // write half is dropped with this future, which sends FIN.
    let _gone = MarkGone(queue.clone());
    if poll_fn(|cx| poll_write_queue(&queue, &write, cx)).await.is_ok() {
        // The peer may be gone already (ENOTCONN): nothing left to tell it.
        let _ = write.close(CLOSE_WAIT).await;
    }
}

/// Writes queued lines while the kernel takes them; Ready(Ok) once the
/// queue is empty and every `Outbox` dropped.
fn poll_write_queue(
    queue: &RefCell<Queue>,
    write: &WriteSide,
    cx: &mut Context<'_>,
) -> Poll<io::Result<()>> {
    let mut queue = queue.borrow_mut();
    loop {
        if queue.lines.is_empty() {
            if queue.senders == 0 {
                return Poll::Ready(Ok(()));
            }
            queue.writer = Some(cx.waker().clone());
            return Poll::Pending;
        }
        if !queue.deferred && queue.bytes < DEFER_BELOW {
            queue.deferred = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        queue.deferred = false;
        let written = match with_next_bytes(&queue, |bytes| write.poll_write(cx, bytes)) {
            Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
            Poll::Ready(Ok(n)) => n,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            // The reactor holds our waker until the socket is writable.
            Poll::Pending => return Poll::Pending,
        };
        queue.progress_at = reel::time::now();
        queue.consume(written);
    }
}

/// A queue shorter than this waits one tick before it is written (see
/// "When the writer writes").
pub(super) const DEFER_BELOW: usize = 16 * 1024;

/// How long a TLS client may take to accept our `close_notify`.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// The most one write gathers from several queued lines.
pub(super) const BATCH_BYTES: usize = 16 * 1024;

thread_local! {
    /// Where several short lines are copied to go out in one write: in a
    /// busy room a client has many lines queued, and one send(2) per line
    /// is most of the server's CPU. One buffer for the whole loop, used
    /// only inside one poll: an idle client holds none.
    static BATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Calls `write` with the next bytes to send: the rest of the first line
/// alone if it is long or alone, else up to `BATCH_BYTES` of lines.
fn with_next_bytes<R>(queue: &Queue, write: impl FnOnce(&[u8]) -> R) -> R {
    let head = &queue.lines[0].as_bytes()[queue.head_written..];
    if queue.lines.len() == 1 || head.len() >= BATCH_BYTES {
        return write(head);
    }
    BATCH.with_borrow_mut(|batch| {
        batch.clear();
        batch.extend_from_slice(head);
        for line in queue.lines.iter().skip(1) {
            if batch.len() + line.len() > BATCH_BYTES {
                break;
            }
            batch.extend_from_slice(line.as_bytes());
        }
        write(batch)
    })
}

impl Queue {
    /// Drops the first `n` queued bytes, which the socket took.
    fn consume(&mut self, mut n: usize) {
        self.bytes -= n;
        while n > 0 {
            let left_in_head = self.lines[0].len() - self.head_written;
            if n < left_in_head {
                self.head_written += n;
                return;
            }
            n -= left_in_head;
            self.lines.pop_front();
            self.head_written = 0;
        }
        if self.lines.is_empty() && self.lines.capacity() > IDLE_CAPACITY {
            // A burst grew the queue: an idle client gives the memory back.
            self.lines = VecDeque::new();
        }
    }
}

/// The most line slots an empty queue keeps allocated.
const IDLE_CAPACITY: usize = 16;

/// Marks the queue gone when the writer task ends, however it ends.
struct MarkGone(Rc<RefCell<Queue>>);

impl Drop for MarkGone {
    fn drop(&mut self) {
        let lines = {
            let mut queue = self.0.borrow_mut();
            queue.gone = true;
            queue.bytes = 0;
            queue.head_written = 0;
            std::mem::take(&mut queue.lines)
        };
        drop(lines); // outside the borrow
    }
}
