//! `UnixStream`: a connection over a Unix domain socket, and its two owned
//! halves.
//!
//! asyncio counterpart: the socket behind `asyncio.open_unix_connection(path)`
//! and the connections `asyncio.start_unix_server` accepts.
//!
//! A Unix stream socket is a byte stream like TCP, so reads keep the
//! short-read rule (`Registration::poll_read`): a read that fills less than
//! its buffer has drained the socket. There is no peer IP address; the peer
//! of an accepted connection is usually unnamed.

use std::future::Future;
use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::os::unix::net::SocketAddr;
use std::panic::Location;
use std::path::Path;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::event_loop::await_site::{note, traced};
use crate::event_loop::reactor::Direction;
use crate::event_loop::registration::Registration;
use crate::io::{AsyncRead, AsyncWrite};
use crate::net::stream_loops::write_all_with;

/// A connected Unix stream socket registered with the running loop
/// (asyncio: the socket of `open_unix_connection`). One task reads and one
/// writes at a time; [`into_split`](Self::into_split) gives each its half.
#[derive(Debug)]
pub struct UnixStream {
    io: mio::net::UnixStream,
    pub(super) registration: Registration,
}

impl UnixStream {
    /// Connects to the socket at `path` (asyncio: `sock_connect` on an
    /// `AF_UNIX` socket). The kernel answers at once: a path with no
    /// listener is `ConnectionRefused` (or `NotFound`). A connect that the
    /// kernel leaves pending (a full backlog) waits for writability.
    /// Panics outside a running loop.
    #[track_caller]
    pub fn connect(path: impl AsRef<Path>) -> impl Future<Output = io::Result<UnixStream>> {
        traced!(async move {
            let stream = Self::from_mio(mio::net::UnixStream::connect(path)?)?;
            poll_fn(|cx| stream.registration.poll_ready(cx, Direction::Write)).await;
            if let Some(e) = stream.io.take_error()? {
                return Err(e);
            }
            Ok(stream)
        })
    }

    pub(crate) fn from_mio(mut io: mio::net::UnixStream) -> io::Result<UnixStream> {
        let registration = Registration::new(&mut io, "UnixStream")?;
        Ok(UnixStream { io, registration })
    }

    /// Wraps a connected `std::os::unix::net::UnixStream`, switching it to
    /// non-blocking mode. Panics outside a running loop.
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Self::from_mio(mio::net::UnixStream::from_std(stream))
    }

    /// Reads into `buf`; 0 at end of stream (asyncio: `sock_recv`).
    #[track_caller]
    pub fn read(&mut self, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>> {
        let at = Location::caller();
        poll_fn(move |cx| note(at, self.poll_read(cx, buf)))
    }

    /// The poll behind [`read`](Self::read).
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        self.registration.poll_read(cx, buf.len(), || (&self.io).read(buf))
    }

    /// Writes some of `buf`; returns how many bytes the kernel took.
    #[track_caller]
    pub fn write(&mut self, buf: &[u8]) -> impl Future<Output = io::Result<usize>> {
        let at = Location::caller();
        poll_fn(move |cx| note(at, self.poll_write(cx, buf)))
    }

    /// Writes all of `buf` (asyncio: `sock_sendall`).
    #[track_caller]
    pub fn write_all(&mut self, buf: &[u8]) -> impl Future<Output = io::Result<()>> {
        write_all_with(Location::caller(), buf, move |cx, rest| self.poll_write(cx, rest))
    }

    /// The poll behind [`write`](Self::write).
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        self.registration.poll_io(cx, Direction::Write, || (&self.io).write(buf))
    }

    /// Shuts down reading, writing or both (`Shutdown::Write`: the peer
    /// reads EOF).
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.shutdown(how)
    }

    /// This end's address (a path, or unnamed).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.local_addr()
    }

    /// The other end's address (a path, or unnamed).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.peer_addr()
    }

    /// Splits into a read half and a write half that two tasks can own
    /// (asyncio: the `StreamReader` and `StreamWriter` of one connection).
    pub fn into_split(self) -> (UnixReadHalf, UnixWriteHalf) {
        let shared = Rc::new(self);
        (UnixReadHalf { stream: shared.clone() }, UnixWriteHalf { stream: shared })
    }
}

impl Drop for UnixStream {
    fn drop(&mut self) {
        self.registration.deregister(&mut self.io);
    }
}

/// The read half of a [`UnixStream`], from [`UnixStream::into_split`].
#[derive(Debug)]
pub struct UnixReadHalf {
    stream: Rc<UnixStream>,
}

/// The write half of a [`UnixStream`], from [`UnixStream::into_split`].
/// Dropping it shuts down the writing direction: the peer reads EOF.
#[derive(Debug)]
pub struct UnixWriteHalf {
    stream: Rc<UnixStream>,
}

impl UnixReadHalf {
    /// Reads into `buf`; 0 at end of stream.
    #[track_caller]
    pub fn read(&mut self, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>> {
        let at = Location::caller();
        poll_fn(move |cx| note(at, self.stream.poll_read(cx, buf)))
    }

    /// The poll behind [`read`](Self::read).
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.stream.poll_read(cx, buf)
    }
}

impl UnixWriteHalf {
    /// Writes all of `buf`.
    #[track_caller]
    pub fn write_all(&mut self, buf: &[u8]) -> impl Future<Output = io::Result<()>> {
        let stream = &self.stream;
        write_all_with(Location::caller(), buf, move |cx, rest| stream.poll_write(cx, rest))
    }

    /// Writes some of `buf`; returns how many bytes the kernel took.
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.stream.poll_write(cx, buf)
    }

    /// Sends EOF now, without waiting for the half to be dropped.
    pub fn shutdown(&self) -> io::Result<()> {
        self.stream.shutdown(Shutdown::Write)
    }
}

impl Drop for UnixWriteHalf {
    fn drop(&mut self) {
        // The peer may have gone already (ENOTCONN): nothing left to tell it.
        let _ = self.stream.shutdown(Shutdown::Write);
    }
}

impl AsyncRead for UnixReadHalf {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        UnixReadHalf::poll_read(self, cx, buf)
    }
}

impl AsyncWrite for UnixWriteHalf {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        UnixWriteHalf::poll_write(self, cx, buf)
    }

    fn shutdown(&mut self) -> io::Result<()> {
        UnixWriteHalf::shutdown(self)
    }
}

impl AsyncRead for UnixStream {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        UnixStream::poll_read(self, cx, buf)
    }
}

impl AsyncWrite for UnixStream {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        UnixStream::poll_write(self, cx, buf)
    }

    fn shutdown(&mut self) -> io::Result<()> {
        UnixStream::shutdown(self, Shutdown::Write)
    }
}
