//! The two owned halves of a `TcpStream`, for one reader task and one writer
//! task (asyncio: a `StreamReader` and a `StreamWriter` of one connection).
//!
//! Both halves share the stream through an `Rc` (one thread, no atomics).
//! The reactor keeps one waker per direction, so the reader and the writer
//! never take each other's wakeups. [`OwnedReadHalf::reunite`] puts the two
//! back together, for a connection that changes hands (a STARTTLS upgrade).

use std::fmt;
use std::future::Future;
use std::future::poll_fn;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::panic::Location;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::event_loop::await_site::note;
use crate::io::{AsyncRead, AsyncWrite};
use crate::net::TcpStream;
use crate::net::stream_loops::write_all_with;

/// The read half of a [`TcpStream`], from [`TcpStream::into_split`].
#[derive(Debug)]
pub struct OwnedReadHalf {
    stream: Rc<TcpStream>,
}

/// The write half of a [`TcpStream`], from [`TcpStream::into_split`].
/// Dropping it shuts down the writing direction: the peer reads EOF.
#[derive(Debug)]
pub struct OwnedWriteHalf {
    stream: Rc<TcpStream>,
    /// False only inside [`OwnedReadHalf::reunite`], which hands the stream
    /// back whole: dropping this half there must not end its writing.
    shutdown_on_drop: bool,
}

/// The halves handed to [`OwnedReadHalf::reunite`] are not the two halves
/// of one stream; both are handed back, untouched.
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl OwnedReadHalf {
    pub(crate) fn new(stream: Rc<TcpStream>) -> Self {
        OwnedReadHalf { stream }
    }

    /// Reads into `buf`; 0 at end of stream. See [`TcpStream::read`].
    #[track_caller]
    pub fn read(&mut self, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>> {
        let at = Location::caller();
        poll_fn(move |cx| note(at, self.stream.poll_read(cx, buf)))
    }

    /// The poll behind [`read`](Self::read).
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.stream.poll_read(cx, buf)
    }

    /// Looks at what has arrived without taking it; always asks the
    /// kernel. See [`TcpStream::try_peek`].
    pub fn try_peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.try_peek(buf)
    }

    /// True if a byte (or the FIN) has arrived and not been read. See
    /// [`TcpStream::input_waiting`].
    pub fn input_waiting(&self) -> bool {
        self.stream.input_waiting()
    }

    /// Reads and discards until the peer closes, for at most `within`: a
    /// lingering close. See [`TcpStream::discard_until_eof`].
    pub async fn discard_until_eof(&self, within: Duration) -> io::Result<u64> {
        self.stream.discard_until_eof(within).await
    }

    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// Puts this half and `write` back together into the stream they were
    /// split from (tokio: `OwnedReadHalf::reunite`; asyncio has one
    /// transport and never splits it). The writing direction stays open.
    /// An error, giving both back, if they are halves of two streams.
    pub fn reunite(self, mut write: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        if !Rc::ptr_eq(&self.stream, &write.stream) {
            return Err(ReuniteError(self, write));
        }
        write.shutdown_on_drop = false;
        drop(write);
        // The halves are the only holders of the stream: with the write
        // half gone, this one holds it alone. Were it not so, say so.
        Rc::try_unwrap(self.stream).map_err(|stream| {
            ReuniteError(OwnedReadHalf::new(stream.clone()), OwnedWriteHalf::new(stream))
        })
    }
}

impl OwnedWriteHalf {
    pub(crate) fn new(stream: Rc<TcpStream>) -> Self {
        OwnedWriteHalf { stream, shutdown_on_drop: true }
    }

    /// Writes some of `buf`. See [`TcpStream::write`].
    #[track_caller]
    pub fn write(&mut self, buf: &[u8]) -> impl Future<Output = io::Result<usize>> {
        let at = Location::caller();
        poll_fn(move |cx| note(at, self.stream.poll_write(cx, buf)))
    }

    /// Writes all of `buf`. See [`TcpStream::write_all`].
    #[track_caller]
    pub fn write_all(&mut self, buf: &[u8]) -> impl Future<Output = io::Result<()>> {
        let stream = &self.stream;
        write_all_with(Location::caller(), buf, move |cx, rest| stream.poll_write(cx, rest))
    }

    /// The poll behind [`write`](Self::write).
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.stream.poll_write(cx, buf)
    }

    /// Sends FIN now, without waiting for the half to be dropped.
    pub fn shutdown(&self) -> io::Result<()> {
        self.stream.shutdown(Shutdown::Write)
    }

    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if !self.shutdown_on_drop {
            return;
        }
        // The peer may have gone already (ENOTCONN): nothing left to tell it.
        let _ = self.stream.shutdown(Shutdown::Write);
    }
}

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the read and write halves are not the two halves of one stream")
    }
}

impl std::error::Error for ReuniteError {}

impl From<ReuniteError> for io::Error {
    fn from(e: ReuniteError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidInput, e.to_string())
    }
}

impl AsyncRead for OwnedReadHalf {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        OwnedReadHalf::poll_read(self, cx, buf)
    }
}

impl AsyncWrite for OwnedWriteHalf {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        OwnedWriteHalf::poll_write(self, cx, buf)
    }

    fn shutdown(&mut self) -> io::Result<()> {
        OwnedWriteHalf::shutdown(self)
    }
}
