//! Byte streams, whatever they sit on: the traits the stream layer is built
//! on, and non-blocking stdin.
//!
//! asyncio counterpart: the transports under `StreamReader`/`StreamWriter`.
//!
//! [`AsyncRead`] and [`AsyncWrite`] are reel's own two-method traits (no
//! external crate): a TCP stream, its halves and stdin implement them (each
//! impl sits with its type, in `net` and here), and the stream layer accepts
//! any of them. This module imports nothing of the library above it.
//!
//! [`Stdin`] reads fd 0 (a pipe, a terminal, a file) without blocking the loop;
//! `reel::stream::stdin()` wraps it in a `StreamReader` (built there, since the
//! stream layer stands on this one).

use std::io;
use std::task::{Context, Poll};

mod stdin;
pub use stdin::Stdin;

/// A source of bytes that can wait for more (asyncio: a read transport).
pub trait AsyncRead {
    /// Reads into `buf`: `Ready(Ok(0))` at end of stream, `Pending` (with the
    /// task's waker parked) when nothing is there yet.
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
}

/// A sink of bytes that can wait for room (asyncio: a write transport).
pub trait AsyncWrite {
    /// Writes some of `buf`; `Pending` (with the task's waker parked) when
    /// the sink has no room.
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;

    /// Waits until bytes the sink holds itself have gone out, and after
    /// [`shutdown`](Self::shutdown) its end of stream too. A socket holds
    /// none (a written byte is in the kernel), so the default is ready at
    /// once; a TLS stream holds encrypted records until the socket takes
    /// them, and sends `close_notify` and the FIN here.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let _ = cx;
        Poll::Ready(Ok(()))
    }

    /// Signals end of stream to the peer (TCP: FIN; TLS: `close_notify`,
    /// sent by the [`poll_flush`](Self::poll_flush) that follows). Nothing
    /// more may be written afterwards.
    fn shutdown(&mut self) -> io::Result<()>;
}

/// A boxed source reads as what it holds, so one `StreamReader<Box<dyn
/// AsyncRead>>` type can carry a plain or a TLS connection.
impl<T: AsyncRead + ?Sized> AsyncRead for Box<T> {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        (**self).poll_read(cx, buf)
    }
}

/// A boxed sink writes as what it holds (see the `AsyncRead` impl above).
impl<T: AsyncWrite + ?Sized> AsyncWrite for Box<T> {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        (**self).poll_write(cx, buf)
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        (**self).poll_flush(cx)
    }

    fn shutdown(&mut self) -> io::Result<()> {
        (**self).shutdown()
    }
}
