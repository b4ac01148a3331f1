//! A socket's link to the reactor, and the helpers every socket operation
//! goes through: `poll_io` (try, and park on `WouldBlock`), `poll_read` (the
//! same, knowing a short read drained the socket), `try_io`/`try_read` and
//! `attempt_now` (try without parking), `poll_ready`/`clear_ready`
//! (readiness alone, for waits without I/O). All run through
//! `Reactor::attempt`.
//!
//! asyncio counterpart: the pattern inside `loop.sock_recv`: try the call; on
//! `BlockingIOError` add a reader callback and wait for it.

use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::task::{Context, Poll};

use mio::event::Source;

use crate::event_loop::budget;
use crate::event_loop::context::{Core, with_core};
use crate::event_loop::reactor::Direction;

/// A registered socket's token, and the loop it is registered with.
///
/// Holds an `Rc<Core>` so that a socket dropped after its loop stopped can
/// still deregister. The owner must call [`Registration::deregister`] with the
/// source before closing it (the socket types do so in `Drop`).
pub(crate) struct Registration {
    core: Rc<Core>,
    /// The slab key in the reactor, used as the `mio::Token`.
    token: usize,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration").field("token", &self.token).finish()
    }
}

impl Registration {
    /// Registers `source` with the running loop's reactor.
    /// Panics outside a running loop (as every reel socket constructor does).
    pub(crate) fn new(source: &mut impl Source, what: &str) -> io::Result<Self> {
        with_core(what, |core| {
            let token = core.reactor.register(source)?;
            Ok(Registration { core: core.clone(), token })
        })
    }

    /// Runs the non-blocking operation `op` when `dir` may be ready.
    ///
    /// 1. Not known ready: park the task's waker, return `Pending` (no syscall).
    /// 2. Known ready: call `op`.
    ///    - `WouldBlock`: the socket is drained; clear readiness, park, `Pending`.
    ///    - `Interrupted` (EINTR): retry at once.
    ///    - anything else: that is the result.
    ///
    /// Readiness only comes back through an epoll event, which `dispatch`
    /// turns into a wake of the parked waker. Each step runs under one borrow
    /// of the reactor's slab (`Reactor::attempt`).
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_attempt(cx, dir, op, |_| false)
    }

    /// [`poll_io`](Self::poll_io) for reads into `buf`: a read that fills less
    /// than `buf` (and is not EOF) means the socket is drained, so readiness
    /// is cleared now instead of after one more read that would block. That
    /// saves a syscall per message on a busy connection. Not once the peer
    /// has closed (or the socket failed): the data and the FIN (or RST) may
    /// have come in one epoll event, and the EOF (or error) behind the data
    /// would never be reported again.
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf_len: usize,
        op: impl FnMut() -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        self.poll_attempt(cx, Direction::Read, op, |&n| n > 0 && n < buf_len)
    }

    fn poll_attempt<R>(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        mut op: impl FnMut() -> io::Result<R>,
        drained: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        loop {
            if !budget::spend() {
                return yield_now(cx);
            }
            let attempt =
                self.core.reactor.attempt(self.token, dir, Some(cx.waker()), &mut op, &drained);
            match attempt {
                None => return Poll::Pending,
                // Readiness was cleared: the next turn parks. EINTR: retry.
                Some(Err(e))
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                    ) => {}
                Some(result) => return Poll::Ready(result),
            }
        }
    }

    /// One attempt at `op`, without waiting: `WouldBlock` at once (and no
    /// syscall) when `dir` is not known ready; on `WouldBlock` from `op`,
    /// readiness is cleared so that the next `readable()` waits for an event.
    pub(crate) fn try_io<R>(
        &self,
        dir: Direction,
        op: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        if !budget::spend() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        self.core
            .reactor
            .attempt(self.token, dir, None, op, |_| false)
            .unwrap_or_else(|| Err(io::ErrorKind::WouldBlock.into()))
    }

    /// [`try_io`](Self::try_io) for reads, with `poll_read`'s short-read rule.
    pub(crate) fn try_read(
        &self,
        buf_len: usize,
        op: impl FnOnce() -> io::Result<usize>,
    ) -> io::Result<usize> {
        if !budget::spend() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        self.core
            .reactor
            .attempt(self.token, Direction::Read, None, op, |&n| n > 0 && n < buf_len)
            .unwrap_or_else(|| Err(io::ErrorKind::WouldBlock.into()))
    }

    /// Runs `op` now, whatever the loop knows of readiness (retrying EINTR):
    /// for calls that must ask the kernel, such as taking a listener's
    /// backlog at close. `WouldBlock` forgets readiness in `dir`, as any
    /// attempt that finds nothing does, so the next wait waits for an event.
    pub(crate) fn attempt_now<R>(
        &self,
        dir: Direction,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            match op() {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.clear_ready(dir);
                    return Err(e);
                }
                result => return result,
            }
        }
    }

    /// Resolves once `dir` is known ready, without doing any I/O
    /// (connect completion, `readable()`, `writable()`).
    #[inline]
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>, dir: Direction) -> Poll<()> {
        if !budget::spend() {
            return yield_now(cx);
        }
        if self.core.reactor.poll_ready(self.token, dir, cx.waker()) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Forgets readiness in `dir` (the caller saw `WouldBlock` itself).
    pub(crate) fn clear_ready(&self, dir: Direction) {
        self.core.reactor.clear_ready(self.token, dir);
    }

    /// Notes the connection's peer, which `reel::tasks()` shows.
    pub(crate) fn set_peer(&self, peer: SocketAddr) {
        self.core.reactor.set_peer(self.token, peer);
    }

    /// Names the registration where it is not a connection (`listener
    /// 127.0.0.1:8888`, `signal pipe SIGINT`): the trace, the task table,
    /// the timeline and gdb show it after `I/O 4`.
    pub(crate) fn set_label(&self, label: &str) {
        self.core.reactor.set_label(self.token, Rc::from(label));
    }

    /// Removes `source` from the reactor and frees the slot.
    pub(crate) fn deregister(&self, source: &mut impl Source) {
        self.core.reactor.deregister(self.token, source);
    }
}

/// The budget ran out (budget.rs): queue the task for the next tick and
/// return `Pending`. The socket's readiness is kept: nothing was tried.
#[cold]
#[inline(never)]
fn yield_now<T>(cx: &mut Context<'_>) -> Poll<T> {
    cx.waker().wake_by_ref();
    Poll::Pending
}
