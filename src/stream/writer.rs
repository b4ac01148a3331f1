//! `StreamWriter`: buffered writes with backpressure (asyncio.StreamWriter).
//!
//! # Implementation
//!
//! As in asyncio's transport, `write` first tries the socket and buffers only
//! what the kernel did not take. Whenever the buffer is not empty, one small
//! *flusher* task owns sending it (asyncio's `_write_ready` callback): it waits
//! for writability, writes, wakes the tasks in `drain` once the buffer is down
//! to the low-water mark, and after `close` sends FIN. So accepted bytes go
//! out even if nobody awaits `drain`, and dropping the writer loses nothing.
//!
//! Ground rules: the flusher runs iff `flushing` is true; a write error is
//! kept (`failed`) and returned by every later `write`, `drain` and
//! `wait_closed`, since the bytes behind it can no longer be delivered.

use std::cell::RefCell;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::event_loop::task_cell::JoinHandle;
use crate::io::AsyncWrite;
use crate::net::OwnedWriteHalf;

/// Default high-water mark: above it, `drain` waits (asyncio: 64 KiB).
pub const DEFAULT_HIGH_WATER: usize = 64 * 1024;
/// Default low-water mark: `drain` returns once the buffer is this small.
pub const DEFAULT_LOW_WATER: usize = 16 * 1024;

/// Writes bytes to a sink, buffering what it cannot take yet
/// (asyncio: `asyncio.StreamWriter`).
pub struct StreamWriter<W: AsyncWrite + 'static = OwnedWriteHalf> {
    shared: Rc<RefCell<Shared<W>>>,
}

/// The state the writer shares with its flusher task.
struct Shared<W> {
    sink: W,
    /// Bytes accepted and not yet written: `buf[start..]`.
    buf: Vec<u8>,
    start: usize,
    high: usize,
    low: usize,
    /// True while a flusher task exists; it exists iff there is something to
    /// send or a FIN to send after `close`.
    flushing: bool,
    /// `close` was called: FIN follows the last buffered byte.
    closing: bool,
    /// The sink was told the stream ends (`AsyncWrite::shutdown`).
    end_sent: bool,
    /// FIN was sent (or the write side failed): `wait_closed` may return.
    closed: bool,
    /// The first write error, repeated to every later caller.
    failed: Option<(io::ErrorKind, String)>,
    /// Tasks in `drain` or `wait_closed`, woken on progress or failure.
    waiters: Vec<Waker>,
    /// The flusher task while one runs, so that `abort` can stop it.
    flusher: Option<JoinHandle<()>>,
}

impl<W: AsyncWrite + 'static> StreamWriter<W> {
    /// A writer over `sink` with the default water marks.
    pub fn new(sink: W) -> Self {
        Self::with_water_marks(sink, DEFAULT_HIGH_WATER, DEFAULT_LOW_WATER)
    }

    /// A writer whose `drain` waits above `high` bytes until the buffer is
    /// down to `low` (asyncio: `transport.set_write_buffer_limits`).
    pub fn with_water_marks(sink: W, high: usize, low: usize) -> Self {
        let low = low.min(high);
        let shared = Shared {
            sink,
            buf: Vec::new(),
            start: 0,
            high,
            low,
            flushing: false,
            closing: false,
            end_sent: false,
            closed: false,
            failed: None,
            waiters: Vec::new(),
            flusher: None,
        };
        StreamWriter { shared: Rc::new(RefCell::new(shared)) }
    }

    /// Queues `data` without waiting (asyncio: `writer.write(data)`).
    ///
    /// Tries the sink at once and buffers what it does not take; a flusher
    /// sends the rest. Fails if an earlier write failed (a reset, a broken
    /// pipe) or after `close`. Call [`drain`](Self::drain) to respect
    /// backpressure.
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        let mut shared = self.shared.borrow_mut();
        shared.check()?;
        if shared.closing {
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "write after close"));
        }
        let mut data = data;
        if !shared.flushing {
            // Nothing queued: try the socket now. The no-op waker is parked
            // only until the flusher (or the next drain) polls with a real one.
            let mut cx = Context::from_waker(Waker::noop());
            match shared.sink.poll_write(&mut cx, data) {
                Poll::Ready(Ok(n)) => data = &data[n..],
                Poll::Ready(Err(e)) => return Err(shared.fail(e)),
                Poll::Pending => {}
            }
        }
        if !data.is_empty() {
            shared.buf.extend_from_slice(data);
            self.start_flusher(shared);
        } else if !shared.flushing && shared.sink_holds_bytes()? {
            // All taken, but a TLS sink may hold its records: the flusher
            // waits for them to go out.
            self.start_flusher(shared);
        }
        Ok(())
    }

    /// Waits for the buffer to drain enough (asyncio: `await writer.drain()`).
    ///
    /// Returns at once while the buffer is at or under the high-water mark;
    /// above it, waits until the flusher has brought it down to the low-water
    /// mark. This is the backpressure: a writer that awaits `drain` after each
    /// `write` holds at most about `high` bytes for a peer that stops reading.
    /// Returns the write error, if one happened.
    pub async fn drain(&mut self) -> io::Result<()> {
        let mut waiting = false;
        poll_fn(|cx| {
            let mut shared = self.shared.borrow_mut();
            shared.check()?;
            let pending = shared.buf.len() - shared.start;
            if pending <= shared.low || (!waiting && pending <= shared.high) {
                return Poll::Ready(Ok(()));
            }
            waiting = true;
            shared.waiters.push(cx.waker().clone());
            Poll::Pending
        })
        .await
    }

    /// Sends FIN after the buffered bytes; further writes fail
    /// (asyncio: `writer.close()`). Does not wait: see `wait_closed`.
    pub fn close(&mut self) {
        let mut shared = self.shared.borrow_mut();
        if shared.closing {
            return;
        }
        shared.closing = true;
        if shared.flushing {
            return; // the flusher sends FIN after the last byte
        }
        if shared.failed.is_none() {
            shared.send_end();
            if shared.sink_holds_bytes().unwrap_or(false) {
                // A TLS sink's close_notify is still to go out.
                self.start_flusher(shared);
                return;
            }
        }
        shared.closed = true;
        shared.waiters.drain(..).for_each(Waker::wake);
    }

    /// Waits until `close` has sent everything and the FIN
    /// (asyncio: `await writer.wait_closed()`). Closes first if needed.
    pub async fn wait_closed(&mut self) -> io::Result<()> {
        self.close();
        poll_fn(|cx| {
            let mut shared = self.shared.borrow_mut();
            shared.check()?;
            if shared.closed {
                return Poll::Ready(Ok(()));
            }
            shared.waiters.push(cx.waker().clone());
            Poll::Pending
        })
        .await
    }

    /// Gives up on the peer: drops what is buffered, stops the flusher, and
    /// lets the socket close as soon as the writer (and the read half) are
    /// dropped (asyncio: `transport.abort()`). For a peer that is being
    /// disconnected for not reading: `close` would wait for it forever.
    pub fn abort(&mut self) {
        let (flusher, waiters) = {
            let mut shared = self.shared.borrow_mut();
            shared.buf = Vec::new();
            shared.start = 0;
            shared.closing = true;
            shared.closed = true;
            shared.flushing = false;
            if shared.failed.is_none() {
                shared.failed = Some((io::ErrorKind::ConnectionAborted, "writer aborted".into()));
            }
            (shared.flusher.take(), std::mem::take(&mut shared.waiters))
        };
        if let Some(flusher) = flusher {
            flusher.cancel();
        }
        waiters.into_iter().for_each(Waker::wake);
    }

    /// Bytes accepted and not yet written
    /// (asyncio: `transport.get_write_buffer_size()`).
    pub fn buffered(&self) -> usize {
        let shared = self.shared.borrow();
        shared.buf.len() - shared.start
    }

    fn start_flusher(&self, mut shared: std::cell::RefMut<'_, Shared<W>>) {
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
        let flusher = self.shared.clone();
        let task = crate::event_loop::context::spawn_named("stream-flusher", async move {
            poll_fn(|cx| flusher.borrow_mut().poll_flush(cx)).await;
        });
        self.shared.borrow_mut().flusher = Some(task);
    }
}

impl StreamWriter<OwnedWriteHalf> {
    /// The remote address (asyncio: `writer.get_extra_info('peername')`).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.shared.borrow().sink.peer_addr()
    }
}

impl<W: AsyncWrite> Shared<W> {
    fn check(&self) -> io::Result<()> {
        match &self.failed {
            Some((kind, message)) => Err(io::Error::new(*kind, message.clone())),
            None => Ok(()),
        }
    }

    /// Records the first failure: buffered bytes are dropped (they can no
    /// longer be delivered) and every waiter hears about it.
    fn fail(&mut self, e: io::Error) -> io::Error {
        self.failed = Some((e.kind(), e.to_string()));
        self.buf = Vec::new();
        self.start = 0;
        self.closed = true;
        self.waiters.drain(..).for_each(Waker::wake);
        e
    }

    /// The flusher's body: write until the buffer is empty, then send FIN if
    /// closing. Ready means the flusher is done.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<()> {
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
    fn send_end(&mut self) {
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
    fn sink_holds_bytes(&mut self) -> io::Result<bool> {
        let mut cx = Context::from_waker(Waker::noop());
        match self.sink.poll_flush(&mut cx) {
            Poll::Ready(Ok(())) => Ok(false),
            Poll::Ready(Err(e)) => Err(self.fail(e)),
            Poll::Pending => Ok(true),
        }
    }
}

impl<W: AsyncWrite + 'static> Drop for StreamWriter<W> {
    /// Dropping the writer closes it; the flusher still delivers what was
    /// accepted (asyncio closes the transport when the writer is collected).
    fn drop(&mut self) {
        self.close();
    }
}

impl<W: AsyncWrite + 'static> fmt::Debug for StreamWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = self.shared.borrow();
        f.debug_struct("StreamWriter")
            .field("buffered", &(shared.buf.len() - shared.start))
            .field("closing", &shared.closing)
            .field("failed", &shared.failed)
            .finish()
    }
}
