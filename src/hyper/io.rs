//! [`HyperIo`]: a reel stream as hyper's `rt::Read` and `rt::Write`. The
//! only place hyper's buffers meet reel's sockets, so it allows `unsafe`
//! for one call: telling hyper how many bytes a read filled.
//!
//! asyncio counterpart: a transport handed to a protocol; tokio's is
//! hyper-util's `TokioIo`.

#![allow(unsafe_code)]

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use ::hyper::rt::{Read, ReadBufCursor, Write};

use crate::io::{AsyncRead, AsyncWrite};

/// The most one read asks for. hyper hands over uninitialised room, which a
/// safe `&mut [u8]` must zero first; 16 KiB (what reel's own streams read at
/// once) keeps that to one L1-sized `memset` a read.
const READ_CHUNK: usize = 16 * 1024;

/// A reel stream (`TcpStream`, `UnixStream`, `tls::TlsStream`) that hyper
/// can serve or send on: `http1::Builder::serve_connection(HyperIo::new(stream), ...)`.
#[derive(Debug)]
pub struct HyperIo<T> {
    /// The stream; every read and write goes to its own `poll_*`.
    inner: T,
    /// Whether `poll_shutdown` already sent the end of stream (it is called
    /// until it is ready, and the FIN or `close_notify` goes once).
    shut: bool,
}

impl<T> HyperIo<T> {
    /// Wraps `inner` for hyper.
    pub fn new(inner: T) -> Self {
        HyperIo { inner, shut: false }
    }

    /// The stream.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The stream, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// The stream back.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncRead + Unpin> Read for HyperIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let room = buf.remaining().min(READ_CHUNK);
        let dst = buf.initialize_unfilled_to(room);
        let n = ready!(self.get_mut().inner.poll_read(cx, dst))?;
        debug_assert!(n <= room);
        // SAFETY: `initialize_unfilled_to(room)` initialised the first `room`
        // bytes of the unfilled part, and the read wrote its first `n` (a
        // read never reports more than the slice it was given).
        unsafe { buf.advance(n.min(room)) };
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> Write for HyperIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().inner.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner.poll_flush(cx)
    }

    /// The end of stream: FIN for a socket; for TLS, `close_notify` and then
    /// the FIN, sent by the flush that follows.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.shut {
            this.shut = true;
            this.inner.shutdown()?;
        }
        this.inner.poll_flush(cx)
    }
}
