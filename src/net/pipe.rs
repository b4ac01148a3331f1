//! Pipes on the loop: either end of a pipe, a FIFO, or a child's stdio, made
//! non-blocking and registered with the reactor like a socket, so a read
//! parks until the writer writes and a write parks until the reader reads.
//!
//! asyncio counterpart: `loop.connect_read_pipe(protocol, pipe)` and
//! `loop.connect_write_pipe(protocol, pipe)`; the names are std's
//! (`std::io::pipe()`, `PipeReader`, `PipeWriter`).
//!
//! Ground rules: the descriptor's file status gets `O_NONBLOCK`, which is
//! shared by every descriptor of the same open file: hand a pipe to reel
//! only if no other code does blocking I/O on it (asyncio has the same
//! rule). On Linux a regular file cannot be polled (epoll refuses it):
//! `new` fails with `PermissionDenied`.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::task::{Context, Poll};

use mio::unix::SourceFd;

use crate::event_loop::reactor::Direction;
use crate::event_loop::registration::Registration;
use crate::fd::{self, set_status_flags, status_flags};
use crate::io::{AsyncRead, AsyncWrite};

use super::Readiness;

/// One end of a pipe on the loop.
#[derive(Debug)]
struct Pipe {
    /// The descriptor, as a `File` for `read`/`write`; `None` once closed.
    file: Option<File>,
    /// Its entry in the reactor.
    registration: Registration,
}

impl Pipe {
    fn new(fd: OwnedFd, what: &str) -> io::Result<Pipe> {
        let raw = fd.as_raw_fd();
        set_status_flags(raw, status_flags(raw)? | libc::O_NONBLOCK)?;
        let registration = Registration::new(&mut SourceFd(&raw), what)?;
        registration.set_label(what);
        Ok(Pipe { file: Some(File::from(fd)), registration })
    }

    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let Some(file) = &self.file else { return Poll::Ready(Ok(0)) };
        self.registration.poll_read(cx, buf.len(), || (&*file).read(buf))
    }

    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let Some(file) = &self.file else {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        };
        self.registration.poll_io(cx, Direction::Write, || (&*file).write(buf))
    }

    fn poll_ready(&self, cx: &mut Context<'_>, direction: Direction) -> Poll<io::Result<()>> {
        self.registration.poll_ready(cx, direction).map(Ok)
    }

    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(file) = &self.file else { return Ok(0) };
        self.registration.try_read(buf.len(), || (&*file).read(buf))
    }

    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        let Some(file) = &self.file else { return Err(io::ErrorKind::BrokenPipe.into()) };
        self.registration.try_io(Direction::Write, || (&*file).write(buf))
    }

    /// Closes this end now: a reader at the other end sees EOF.
    fn close(&mut self) {
        if let Some(file) = self.file.take() {
            self.registration.deregister(&mut SourceFd(&file.as_raw_fd()));
        }
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        self.close();
    }
}

/// The reading end of a pipe (asyncio: `connect_read_pipe`; wrap it in
/// `reel::stream::StreamReader` for `read_line` and the rest).
#[derive(Debug)]
pub struct PipeReader(Pipe);

/// The writing end of a pipe (asyncio: `connect_write_pipe`; wrap it in
/// `reel::stream::StreamWriter` for `write` and `drain`). `shutdown`, or
/// dropping it, closes it: the reader sees EOF.
#[derive(Debug)]
pub struct PipeWriter(Pipe);

/// A new pipe, both ends on the loop (asyncio: `os.pipe()` handed to
/// `connect_read_pipe` and `connect_write_pipe`; std: `std::io::pipe()`).
pub fn pipe() -> io::Result<(PipeReader, PipeWriter)> {
    let (reader, writer) = fd::pipe()?;
    Ok((PipeReader::new(reader)?, PipeWriter::new(writer)?))
}

impl PipeReader {
    /// Puts the reading end `fd` on the loop: a `std::io::PipeReader`, a
    /// child's stdout, a FIFO opened for reading, or any pipe's `OwnedFd`.
    pub fn new(fd: impl Into<OwnedFd>) -> io::Result<Self> {
        Self::labelled(fd.into(), "pipe reader")
    }

    /// [`new`](Self::new), named `what` in the task table and the trace.
    pub(crate) fn labelled(fd: OwnedFd, what: &str) -> io::Result<Self> {
        Pipe::new(fd, what).map(PipeReader)
    }

    /// Reads what is there without waiting: `WouldBlock` if nothing is,
    /// `Ok(0)` once the writers are gone (what an `add_reader` callback
    /// calls; asyncio: `os.read(fd, n)` on a non-blocking pipe).
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.try_read(buf)
    }
}

impl PipeWriter {
    /// Puts the writing end `fd` on the loop: a `std::io::PipeWriter`, a
    /// child's stdin, a FIFO opened for writing, or any pipe's `OwnedFd`.
    pub fn new(fd: impl Into<OwnedFd>) -> io::Result<Self> {
        Self::labelled(fd.into(), "pipe writer")
    }

    /// [`new`](Self::new), named `what` in the task table and the trace.
    pub(crate) fn labelled(fd: OwnedFd, what: &str) -> io::Result<Self> {
        Pipe::new(fd, what).map(PipeWriter)
    }

    /// Writes what fits without waiting: `WouldBlock` if nothing does
    /// (what an `add_writer` callback calls; asyncio: `os.write(fd, data)`).
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.0.try_write(buf)
    }
}

impl AsyncRead for PipeReader {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.0.poll_read(cx, buf)
    }
}

impl AsyncWrite for PipeWriter {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.0.poll_write(cx, buf)
    }

    fn shutdown(&mut self) -> io::Result<()> {
        self.0.close();
        Ok(())
    }
}

/// For `reel::add_reader` (asyncio: `loop.add_reader` on a pipe's fd).
impl Readiness for PipeReader {
    fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_ready(cx, Direction::Read)
    }

    /// A reading end never becomes writable.
    fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_ready(cx, Direction::Write)
    }
}

/// For `reel::add_writer` (asyncio: `loop.add_writer` on a pipe's fd).
impl Readiness for PipeWriter {
    /// Ready when the reader has closed its end (an error to report).
    fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_ready(cx, Direction::Read)
    }

    fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_ready(cx, Direction::Write)
    }
}
