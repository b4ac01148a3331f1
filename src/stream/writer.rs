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
//! The shared state and the flusher are in `flusher.rs`.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::event_loop::await_site::traced;
use crate::io::AsyncWrite;
use crate::net::OwnedWriteHalf;
use crate::stream::flusher::{Shared, start_flusher};

/// Default high-water mark: above it, `drain` waits (asyncio: 64 KiB).
pub const DEFAULT_HIGH_WATER: usize = 64 * 1024;
/// Default low-water mark: `drain` returns once the buffer is this small.
pub const DEFAULT_LOW_WATER: usize = 16 * 1024;

/// Writes bytes to a sink, buffering what it cannot take yet
/// (asyncio: `asyncio.StreamWriter`).
pub struct StreamWriter<W: AsyncWrite + 'static = OwnedWriteHalf> {
    shared: Rc<RefCell<Shared<W>>>,
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
            start_flusher(&self.shared, shared);
        } else if !shared.flushing && shared.sink_holds_bytes()? {
            // All taken, but a TLS sink may hold its records: the flusher
            // waits for them to go out.
            start_flusher(&self.shared, shared);
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
    #[track_caller]
    pub fn drain(&mut self) -> impl Future<Output = io::Result<()>> {
        traced!(async move {
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
        })
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
                start_flusher(&self.shared, shared);
                return;
            }
        }
        shared.closed = true;
        shared.waiters.drain(..).for_each(Waker::wake);
    }

    /// Waits until `close` has sent everything and the FIN
    /// (asyncio: `await writer.wait_closed()`). Closes first if needed.
    #[track_caller]
    pub fn wait_closed(&mut self) -> impl Future<Output = io::Result<()>> {
        traced!(async move {
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
        })
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
}

/// What a STARTTLS upgrade (`start_tls.rs`) takes from a plaintext writer.
#[cfg(feature = "tls")]
impl<W: AsyncWrite + 'static> StreamWriter<W> {
    /// The high- and low-water marks, as given to `with_water_marks`.
    pub(super) fn water_marks(&self) -> (usize, usize) {
        let shared = self.shared.borrow();
        (shared.high, shared.low)
    }

    /// Waits until every accepted byte is written, then hands back the sink
    /// unclosed, for whoever writes to it from here on (asyncio's
    /// `start_tls` drains the writer the same way before its handshake). An
    /// error if the writer was closed or a write failed.
    pub(super) async fn into_sink(self) -> io::Result<W> {
        poll_fn(|cx| {
            let mut shared = self.shared.borrow_mut();
            shared.check()?;
            if shared.closing {
                let e = io::Error::new(io::ErrorKind::BrokenPipe, "the writer is closed");
                return Poll::Ready(Err(e));
            }
            if !shared.flushing {
                return Poll::Ready(Ok(()));
            }
            shared.waiters.push(cx.waker().clone());
            Poll::Pending
        })
        .await?;
        // No flusher runs (its task, and its share of `shared`, ended with
        // its last poll), so this writer holds `shared` alone. Marked
        // closing, it closes nothing when it is dropped.
        let shared = self.shared.clone();
        shared.borrow_mut().closing = true;
        drop(self);
        match Rc::try_unwrap(shared) {
            Ok(shared) => Ok(shared.into_inner().sink),
            Err(_) => Err(io::Error::other("the writer's flusher still holds its sink")),
        }
    }
}

impl StreamWriter<OwnedWriteHalf> {
    /// The remote address (asyncio: `writer.get_extra_info('peername')`).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.shared.borrow().sink.peer_addr()
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
