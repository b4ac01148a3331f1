//! A child's stdin, stdout and stderr as reel streams: the pipe's end in
//! this process, made non-blocking and registered with the loop like a
//! socket, so a read parks until the child writes and a write parks until
//! the child reads (backpressure, as asyncio's pipe transports have).

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::task::{Context, Poll};

use mio::unix::SourceFd;

use crate::event_loop::reactor::Direction;
use crate::event_loop::registration::Registration;
use crate::fd::{set_status_flags, status_flags};
use crate::io::{AsyncRead, AsyncWrite};

/// One end of a pipe on the loop.
#[derive(Debug)]
struct Pipe {
    /// The descriptor, as a `File` for `read`/`write`; `None` once closed.
    file: Option<File>,
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

    /// Closes this end now: the child reads EOF.
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

/// The child's standard input, for writing (asyncio: `proc.stdin`, a
/// `StreamWriter`; wrap this in `reel::stream::StreamWriter` for one).
/// `shutdown` (or dropping it) closes the pipe: the child reads EOF.
#[derive(Debug)]
pub struct ChildStdin(Pipe);

/// The child's standard output, for reading (asyncio: `proc.stdout`).
#[derive(Debug)]
pub struct ChildStdout(Pipe);

/// The child's standard error, for reading (asyncio: `proc.stderr`).
#[derive(Debug)]
pub struct ChildStderr(Pipe);

impl ChildStdin {
    pub(super) fn new(pipe: std::process::ChildStdin) -> io::Result<Self> {
        Pipe::new(pipe.into(), "child stdin").map(ChildStdin)
    }
}

impl ChildStdout {
    pub(super) fn new(pipe: std::process::ChildStdout) -> io::Result<Self> {
        Pipe::new(pipe.into(), "child stdout").map(ChildStdout)
    }
}

impl ChildStderr {
    pub(super) fn new(pipe: std::process::ChildStderr) -> io::Result<Self> {
        Pipe::new(pipe.into(), "child stderr").map(ChildStderr)
    }
}

impl AsyncWrite for ChildStdin {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.0.poll_write(cx, buf)
    }

    fn shutdown(&mut self) -> io::Result<()> {
        self.0.close();
        Ok(())
    }
}

impl AsyncRead for ChildStdout {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.0.poll_read(cx, buf)
    }
}

impl AsyncRead for ChildStderr {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.0.poll_read(cx, buf)
    }
}
