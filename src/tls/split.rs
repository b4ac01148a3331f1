//! The two halves of a [`TlsStream`], for one reader task and one writer
//! task (asyncio: the `StreamReader` and `StreamWriter` of a TLS
//! connection).
//!
//! Both share the stream through an `Rc`. The reader parks only on
//! readability and the writer only on writability: what a read makes
//! rustls want to send (an alert, a key update) is offered to the socket
//! without parking, and the writer sends the rest, so neither takes the
//! other's waker slot.

use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::TlsStream;
use crate::io::{AsyncRead, AsyncWrite};

/// The read half of a [`TlsStream`], from [`TlsStream::into_split`].
#[derive(Debug)]
pub struct TlsReadHalf {
    stream: Rc<TlsStream>,
}

/// The write half of a [`TlsStream`], from [`TlsStream::into_split`].
/// Dropping it sends `close_notify` and the FIN if the socket takes them at
/// once; a `StreamWriter` over it waits for them instead.
#[derive(Debug)]
pub struct TlsWriteHalf {
    stream: Rc<TlsStream>,
}

impl TlsStream {
    /// Splits into a read half and a write half (asyncio: the reader and
    /// writer of `open_connection(..., ssl=ctx)`).
    pub fn into_split(self) -> (TlsReadHalf, TlsWriteHalf) {
        let stream = Rc::new(self);
        (TlsReadHalf { stream: stream.clone() }, TlsWriteHalf { stream })
    }
}

impl TlsReadHalf {
    /// True if plaintext or socket bytes wait (see [`TlsStream::input_waiting`]).
    pub fn input_waiting(&self) -> bool {
        self.stream.input_waiting()
    }

    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// The stream both halves share.
    pub fn get_ref(&self) -> &TlsStream {
        &self.stream
    }

    /// Reads and drops until the peer ends, for at most `within` (see
    /// [`TlsStream::discard_until_eof`]).
    pub async fn discard_until_eof(&self, within: Duration) -> io::Result<u64> {
        self.stream.discard_until_eof(within).await
    }

    /// The protocol agreed by ALPN, if any.
    pub fn alpn_protocol(&self) -> Option<Vec<u8>> {
        self.stream.alpn_protocol()
    }
}

impl TlsWriteHalf {
    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// The stream both halves share.
    pub fn get_ref(&self) -> &TlsStream {
        &self.stream
    }
}

impl AsyncRead for TlsStream {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        TlsStream::poll_read(self, cx, buf)
    }
}

impl AsyncWrite for TlsStream {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        TlsStream::poll_write(self, cx, buf)
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        TlsStream::poll_flush(self, cx)
    }

    fn shutdown(&mut self) -> io::Result<()> {
        self.close();
        Ok(())
    }
}

impl AsyncRead for TlsReadHalf {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.stream.poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsWriteHalf {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.stream.poll_write(cx, buf)
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.stream.poll_flush(cx)
    }

    fn shutdown(&mut self) -> io::Result<()> {
        self.stream.close();
        Ok(())
    }
}

impl Drop for TlsWriteHalf {
    fn drop(&mut self) {
        self.stream.close_now();
    }
}
