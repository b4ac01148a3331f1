//! What a `StreamWriter` shares with its flusher task, and the flusher: the
//! one small task that owns sending the buffer whenever it is not empty
//! (asyncio: the transport's `_write_ready` callback). It waits for
//! writability, writes, wakes the tasks in `drain` once the buffer is down
//! to the low-water mark, and after `close` sends FIN.
//!
//! Ground rules: the flusher runs iff `flushing` is true; a write error is
//! kept (`failed`) and returned by every later `write`, `drain` and
//! `wait_closed`, since the bytes behind it can no longer be delivered.

use std::cell::{RefCell, RefMut};
use std::future::poll_fn;
use std::io;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::event_loop::context::JoinHandle;
use crate::io::AsyncWrite;

/// The state the writer shares with its flusher task.
pub(super) struct Shared<W> {
    pub(super) sink: W,
    /// Bytes accepted and not yet written: `buf[start..]`.
    pub(super) buf: Vec<u8>,
    pub(super) start: usize,
    pub(super) high: usize,
    pub(super) low: usize,
    /// True while a flusher task exists; it exists iff there is something to
    /// send or a FIN to send after `close`.
    pub(super) flushing: bool,
    /// `close` was called: FIN follows the last buffered byte.
    pub(super) closing: bool,
    /// The sink was told the stream ends (`AsyncWrite::shutdown`).
    pub(super) end_sent: bool,
    /// FIN was sent (or the write side failed): `wait_closed` may return.
    pub(super) closed: bool,
    /// The first write error, repeated to every later caller.
    pub(super) failed: Option<(io::ErrorKind, String)>,
    /// Tasks in `drain` or `wait_closed`, woken on progress or failure.
    pub(super) waiters: Vec<Waker>,
    /// The flusher task while one runs, so that `abort` can stop it.
    pub(super) flusher: Option<JoinHandle<()>>,
}

/// Starts the flusher task for `shared` unless one runs (or the writer has
/// failed), given its borrow, which it ends before spawning.
pub(super) fn start_flusher<W: AsyncWrite + 'static>(
    this: &Rc<RefCell<Shared<W>>>,
    mut shared: RefMut<'_, Shared<W>>,
) {
    if shared.flushing || shared.failed.is_some() {
        return;
    }
    if crate::event_loop::context::try_core().is_none() {
        // Outside a loop (a writer dropped after `run` returned) nothing
        // can wait for writability; say so rather than panic in `drop`.
        let e = io::Error::other("StreamWriter: no running loop to flush the buffer");
        shared.fail(e);
        return;
    }
    shared.flushing = true;
    drop(shared);
    let flusher = this.clone();
    let task = crate::event_loop::context::spawn_named("stream-flusher", async move {
        poll_fn(|cx| flusher.borrow_mut().poll_flush(cx)).await;
    });
    this.borrow_mut().flusher = Some(task);
}

impl<W: AsyncWrite> Shared<W> {
    pub(super) fn check(&self) -> io::Result<()> {
        match &self.failed {
            Some((kind, message)) => Err(io::Error::new(*kind, message.clone())),
            None => Ok(()),
        }
    }

    /// Records the first failure: buffered bytes are dropped (they can no
    /// longer be delivered) and every waiter hears about it.
    pub(super) fn fail(&mut self, e: io::Error) -> io::Error {
        self.failed = Some((e.kind(), e.to_string()));
        self.buf = Vec::new();
        self.start = 0;
        self.closed = true;
        self.waiters.drain(..).for_each(Waker::wake);
        e
    }

    /// The flusher's body: write until the buffer is empty, then send FIN if
    /// closing. Ready means the flusher is done.
    pub(super) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        while self.start < self.buf.len() && self.failed.is_none() {
            match self.sink.poll_write(cx, &self.buf[self.start..]) {
                Poll::Ready(Ok(0)) => {
                    self.fail(io::ErrorKind::WriteZero.into());
                }
                Poll::Ready(Ok(n)) => {
                    self.start += n;
                    if self.buf.len() - self.start <= self.low {
                        self.waiters.drain(..).for_each(Waker::wake);
                    }
                }
                Poll::Ready(Err(e)) => {
                    self.fail(e);
                }
                Poll::Pending => return Poll::Pending,
            }
        }
        self.buf = Vec::new();
        self.start = 0;
        if self.failed.is_none() {
            // What the sink holds itself (TLS records), then the end.
            if self.closing {
                self.send_end();
            }
            match self.sink.poll_flush(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => {
                    self.fail(e);
                }
                Poll::Pending => return Poll::Pending,
            }
        }
        if self.closing {
            self.closed = true;
        }
        self.waiters.drain(..).for_each(Waker::wake);
        self.flushing = false;
        Poll::Ready(())
    }

    /// Tells the sink the stream ends (FIN, or TLS's `close_notify`), once.
    pub(super) fn send_end(&mut self) {
        if self.end_sent || self.failed.is_some() {
            return;
        }
        self.end_sent = true;
        if let Err(e) = self.sink.shutdown() {
            // The peer is gone already (ENOTCONN): nothing to tell it.
            log::debug!(target: "reel", "stream shutdown: {e}");
        }
    }

    /// Whether the sink still holds bytes of its own after an attempt to
    /// send them now; only a TLS sink ever does. The no-op waker is parked
    /// only until the flusher polls with a real one.
    pub(super) fn sink_holds_bytes(&mut self) -> io::Result<bool> {
        let mut cx = Context::from_waker(Waker::noop());
        match self.sink.poll_flush(&mut cx) {
            Poll::Ready(Ok(())) => Ok(false),
            Poll::Ready(Err(e)) => Err(self.fail(e)),
            Poll::Pending => Ok(true),
        }
    }
}
