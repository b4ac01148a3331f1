//! The socket in the shape rustls reads from and writes to: `io::Read` and
//! `io::Write` over a `TcpStream`'s non-blocking calls.
//!
//! These are the two ends of `sslproto`'s memory buffers: rustls fills its
//! incoming buffer through a [`Reader`] and empties its outgoing one through
//! a [`Writer`]. Each maps "not now" to `WouldBlock`, which rustls passes
//! back up unchanged, so the stream's poll function can return `Pending`.

use std::io;
use std::task::{Context, Poll};

use crate::net::TcpStream;

/// Reads from the socket; a `WouldBlock` has parked the task's waker for
/// readability (through `TcpStream::poll_read`).
pub(super) struct Reader<'a, 'b> {
    pub(super) tcp: &'a TcpStream,
    pub(super) cx: &'a mut Context<'b>,
}

impl io::Read for Reader<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.tcp.poll_read(self.cx, buf) {
            Poll::Ready(read) => read,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

/// Writes to the socket. With a context, a `WouldBlock` has parked the
/// task's waker for writability; without one (`cx: None`) it parks nothing:
/// the read side offers rustls's output (an alert, a key update) this way,
/// so that it never takes the write side's waker slot.
pub(super) struct Writer<'a, 'b> {
    pub(super) tcp: &'a TcpStream,
    pub(super) cx: Option<&'a mut Context<'b>>,
}

impl io::Write for Writer<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let Some(cx) = self.cx.as_deref_mut() else {
            return self.tcp.try_write(buf);
        };
        match self.tcp.poll_write(cx, buf) {
            Poll::Ready(written) => written,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }

    /// rustls hands over its records as a list of buffers: one `writev`
    /// sends a whole handshake flight, where `write` would take one each.
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        let Some(cx) = self.cx.as_deref_mut() else {
            return self.tcp.try_write_vectored(bufs);
        };
        match self.tcp.poll_write_vectored(cx, bufs) {
            Poll::Ready(written) => written,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
