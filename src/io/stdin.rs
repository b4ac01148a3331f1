//! `Stdin`: file descriptor 0, read without blocking the loop.
//!
//! asyncio counterpart: `loop.connect_read_pipe(protocol, sys.stdin)`, the
//! usual way an asyncio program reads its standard input.
//!
//! # Implementation
//!
//! What fd 0 is decides how it is read, and epoll decides for us:
//!
//! - A pipe, a FIFO, a socket or a terminal: epoll accepts it. fd 0 is
//!   registered with the reactor like a socket, switched to O_NONBLOCK, and
//!   read with `read(2)` through `Registration::poll_read`, as a socket's reads are.
//! - A regular file or `/dev/null`: `epoll_ctl` refuses it with EPERM (such a
//!   file is always "ready"; there is nothing to wait for). Then `Stdin` reads
//!   it with a plain blocking `read(2)` on the loop's thread. asyncio instead
//!   refuses ("Pipe transport is only for pipes, sockets and character
//!   devices"); a read from a local file returns within microseconds, so a
//!   direct read is both simpler and faster than `spawn_blocking`. The corners
//!   cut: a file on a slow network disk stalls the loop while it reads, and
//!   such a read is never `Pending`, so a task that reads a large file in a
//!   loop does not let others run until it awaits something else
//!   (`reel::yield_now()` between chunks fixes that).
//!
//! # Ground rules
//!
//! - `Stdin` borrows fd 0 and never closes it.
//! - O_NONBLOCK belongs to the *open file description*, which fd 0 shares
//!   with every process it was inherited from or passed to: the shell's
//!   terminal, the other end of `cmd | prog`. So `Stdin` clears the flag again
//!   on drop, if it was clear before; a process that is killed cannot, and
//!   leaves the terminal non-blocking (as in asyncio). In a terminal, fds 1
//!   and 2 are usually the same description as fd 0: while a `Stdin` is alive
//!   there, a write to stdout can fail with `WouldBlock` if the terminal is
//!   slow (or paused with Ctrl-S).
//! - One `Stdin` at a time per loop: a second cannot register fd 0 again.

#![allow(unsafe_code)]

use std::future::Future;
use std::future::poll_fn;
use std::io;
use std::os::fd::RawFd;
use std::panic::Location;
use std::task::{Context, Poll};

use libc::c_int;
use mio::unix::SourceFd;

use crate::event_loop::await_site::note;
use crate::event_loop::registration::Registration;
use crate::fd;
use crate::io::AsyncRead;

const FD: RawFd = libc::STDIN_FILENO;

/// The standard input of the process, read on the loop (asyncio: the read
/// pipe transport of `loop.connect_read_pipe` on `sys.stdin`).
#[derive(Debug)]
pub struct Stdin {
    mode: Mode,
}

/// How fd 0 is read; chosen once, by whether epoll accepts it.
#[derive(Debug)]
enum Mode {
    /// fd 0 is registered with the loop and O_NONBLOCK: a read that finds
    /// nothing parks the task until epoll reports data or EOF.
    Polled {
        registration: Registration,
        /// Whether O_NONBLOCK was already set before us; if not, drop clears it.
        was_nonblocking: bool,
    },
    /// epoll refused fd 0 (a regular file, `/dev/null`): every read is a
    /// plain blocking `read(2)`, which for such files does not wait.
    Direct,
}

impl Stdin {
    /// Takes fd 0 onto the running loop; see the module docs for what
    /// happens to pipes, terminals and files.
    ///
    /// Fails if fd 0 is not open, or if another `Stdin` is alive on this
    /// loop. Panics outside a running loop.
    pub fn new() -> io::Result<Stdin> {
        let flags = get_flags().map_err(|e| context("fd 0 is not open", e))?;
        let registration = match Registration::new(&mut SourceFd(&FD), "reel::io::Stdin") {
            Ok(registration) => {
                registration.set_label("stdin");
                registration
            }
            // epoll says EPERM for a file; kqueue may say EINVAL for a device
            // it cannot watch (macOS: some character devices).
            Err(e) if matches!(e.raw_os_error(), Some(libc::EPERM | libc::EINVAL)) => {
                log::debug!(target: "reel", "stdin: the poller refuses fd 0 (a file?); reading it directly");
                return Ok(Stdin { mode: Mode::Direct });
            }
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {
                return Err(context("another Stdin is alive on this loop", e));
            }
            Err(e) => return Err(context("cannot register fd 0", e)),
        };
        if let Err(e) = set_flags(flags | libc::O_NONBLOCK) {
            registration.deregister(&mut SourceFd(&FD));
            return Err(context("cannot make fd 0 non-blocking", e));
        }
        let was_nonblocking = flags & libc::O_NONBLOCK != 0;
        Ok(Stdin { mode: Mode::Polled { registration, was_nonblocking } })
    }

    /// Reads into `buf`; returns how many bytes came, 0 at end of input
    /// (asyncio: `await reader.read(n)` on the pipe's `StreamReader`).
    #[track_caller]
    pub fn read(&mut self, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>> {
        let at = Location::caller();
        poll_fn(move |cx| note(at, self.poll_read(cx, buf)))
    }

    /// The poll behind [`read`](Self::read). An empty `buf` reads nothing.
    pub fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        match &self.mode {
            Mode::Polled { registration, .. } => {
                let len = buf.len();
                registration.poll_read(cx, len, || read(buf))
            }
            Mode::Direct => loop {
                match read(buf) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    result => return Poll::Ready(result),
                }
            },
        }
    }

    /// True if fd 0 is registered with the loop (a pipe, socket or
    /// terminal), false if it is read directly (a file, `/dev/null`).
    pub fn is_polled(&self) -> bool {
        matches!(self.mode, Mode::Polled { .. })
    }
}

impl AsyncRead for Stdin {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        Stdin::poll_read(self, cx, buf)
    }
}

impl Drop for Stdin {
    fn drop(&mut self) {
        let Mode::Polled { registration, was_nonblocking } = &self.mode else {
            return;
        };
        registration.deregister(&mut SourceFd(&FD));
        if *was_nonblocking {
            return;
        }
        // Clear only our bit, keeping any flag someone else changed since.
        let restored = get_flags().and_then(|flags| set_flags(flags & !libc::O_NONBLOCK));
        if let Err(e) = restored {
            log::warn!(target: "reel", "stdin: could not clear O_NONBLOCK again: {e}");
        }
    }
}

/// One `read(2)` from fd 0.
fn read(buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is live and writable for `buf.len()` bytes; fd 0 is only
    // read, never closed.
    let n = unsafe { libc::read(FD, buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 { Err(io::Error::last_os_error()) } else { Ok(n as usize) }
}

/// fd 0's file status flags (F_GETFL).
fn get_flags() -> io::Result<c_int> {
    fd::status_flags(FD)
}

/// Sets fd 0's file status flags (F_SETFL).
fn set_flags(flags: c_int) -> io::Result<()> {
    fd::set_status_flags(FD, flags)
}

/// `e`, with a message that says what reel was doing.
fn context(what: &str, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("reel::io::Stdin: {what}: {e}"))
}
