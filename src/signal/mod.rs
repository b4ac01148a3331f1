//! Unix signals as events on the loop: [`signal`] and [`ctrl_c`].
//!
//! asyncio counterpart: `loop.add_signal_handler(signum, callback)`. asyncio
//! runs the callback on the loop; here a task awaits [`Signals::recv`] instead.
//!
//! ```no_run
//! use reel::signal::{SignalKind, signal};
//!
//! reel::run(async {
//!     let mut hangups = signal(SignalKind::hangup())?;
//!     while let Some(()) = hangups.recv().await {
//!         eprintln!("SIGHUP: reloading the configuration");
//!     }
//!     Ok::<(), std::io::Error>(())
//! });
//! ```
//!
//! # Implementation: the self-pipe trick
//!
//! A signal handler runs on whichever thread the kernel picks, in the middle
//! of whatever that thread was doing, so it may not take a lock, allocate, or
//! touch the loop. asyncio's answer (`signal.set_wakeup_fd`) and ours: the
//! handler only bumps a per-signal arrival counter (an atomic) and writes one
//! byte to a pipe; the pipe's read end is registered with the reactor like a
//! socket, so the byte is an ordinary readable event on the loop, and the
//! waiting task runs in an ordinary tick. All of that lives in the unsafe leaf
//! `signal::sys`.
//!
//! Each [`Signals`] has its own pipe, from a process-wide table the handler
//! walks, so several `Signals` for one signal, in one loop or in loops on
//! several threads, are all woken by one arrival. The counter, not the pipe,
//! says whether a signal came: bytes are only wake-ups.
//!
//! # Ground rules
//!
//! - The handler is installed (with SA_RESTART) when the first `Signals` for a
//!   signal is created, and the disposition found then is restored when the
//!   last one is dropped. While any `Signals` for it is alive, the signal's
//!   default action (for SIGINT: exit) does not happen.
//! - Arrivals coalesce: the kernel merges a signal sent while the same one is
//!   pending, and every arrival between two `recv`s yields one `recv`.
//! - A `Signals` is registered with the loop that created it; one task at a
//!   time awaits it. At most 64 may be alive in the process at once.
//! - SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE and SIGILL are refused.

use std::fmt;
use std::future::{Future, poll_fn};
use std::io;
use std::panic::Location;
use std::task::{Context, Poll};

use mio::unix::SourceFd;

use crate::event_loop::await_site::{note, traced};
use crate::event_loop::reactor::Direction;
use crate::event_loop::registration::Registration;

mod sys;

/// Which signal to listen for: a signal number with names for the common ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalKind(i32);

impl SignalKind {
    /// Any signal by number (`libc::SIGWINCH`, `libc::SIGRTMIN() + 1`, ...).
    pub const fn from_raw(signum: i32) -> Self {
        SignalKind(signum)
    }

    /// The signal number.
    pub const fn as_raw(self) -> i32 {
        self.0
    }

    /// SIGINT: Ctrl-C in the terminal (Python: `signal.SIGINT`).
    pub const fn interrupt() -> Self {
        SignalKind(libc::SIGINT)
    }

    /// SIGTERM: a polite request to stop (`kill PID`, systemd, docker stop).
    pub const fn terminate() -> Self {
        SignalKind(libc::SIGTERM)
    }

    /// SIGHUP: the terminal went away; daemons use it for "reload".
    pub const fn hangup() -> Self {
        SignalKind(libc::SIGHUP)
    }

    /// SIGQUIT: Ctrl-\ in the terminal.
    pub const fn quit() -> Self {
        SignalKind(libc::SIGQUIT)
    }

    /// SIGUSR1: for the application to define.
    pub const fn user_defined1() -> Self {
        SignalKind(libc::SIGUSR1)
    }

    /// SIGUSR2: for the application to define.
    pub const fn user_defined2() -> Self {
        SignalKind(libc::SIGUSR2)
    }

    /// SIGWINCH: the terminal window changed size.
    pub const fn window_change() -> Self {
        SignalKind(libc::SIGWINCH)
    }
}

/// The signal's name, as `kill -l` and Python's `signal.Signals(n).name`
/// give it (`SIGINT`, `SIGTERM`, ...); a number without a name here prints
/// as `signal N`.
impl fmt::Display for SignalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.0 {
            libc::SIGINT => "SIGINT",
            libc::SIGTERM => "SIGTERM",
            libc::SIGHUP => "SIGHUP",
            libc::SIGQUIT => "SIGQUIT",
            libc::SIGUSR1 => "SIGUSR1",
            libc::SIGUSR2 => "SIGUSR2",
            libc::SIGWINCH => "SIGWINCH",
            libc::SIGPIPE => "SIGPIPE",
            libc::SIGALRM => "SIGALRM",
            libc::SIGCHLD => "SIGCHLD",
            libc::SIGCONT => "SIGCONT",
            libc::SIGTSTP => "SIGTSTP",
            other => return write!(f, "signal {other}"),
        };
        f.write_str(name)
    }
}

/// Arrivals of one signal, as a stream on the loop (asyncio: the callback of
/// `loop.add_signal_handler`, turned into something a task awaits).
///
/// Dropping the last `Signals` for a signal restores the disposition that was
/// there before the first one (asyncio: `loop.remove_signal_handler`).
#[derive(Debug)]
pub struct Signals {
    kind: SignalKind,
    /// The arrival count last reported by `recv` (or found at creation):
    /// `recv` is ready exactly when the process-wide count differs from it.
    seen: usize,
    /// The pipe's read end, registered with `registration`'s loop.
    listener: sys::Listener,
    registration: Registration,
}

/// Starts listening for `kind` on the running loop (asyncio:
/// `loop.add_signal_handler(signum, ...)`).
///
/// Arrivals from the moment this returns are reported by
/// [`Signals::recv`]. Fails for a signal that cannot be caught (see the
/// module's ground rules) or when 64 `Signals` are already alive. Panics
/// outside a running loop.
pub fn signal(kind: SignalKind) -> io::Result<Signals> {
    let listener = sys::listen(kind.as_raw())?;
    let registration = Registration::new(&mut SourceFd(&listener.read_fd()), "reel::signal")?;
    registration.set_label(&format!("signal pipe {kind}"));
    let seen = listener.arrivals();
    Ok(Signals { kind, seen, listener, registration })
}

impl Signals {
    /// Waits for the next arrival (asyncio: the handler callback being
    /// called). Several arrivals before the task runs count as one.
    ///
    /// `None` only if the wake-up pipe fails (an OS error, logged), which
    /// does not happen in practice; it is there so that a
    /// `while let Some(()) = signals.recv().await` loop ends cleanly.
    #[track_caller]
    pub fn recv(&mut self) -> impl Future<Output = Option<()>> {
        let at = Location::caller();
        poll_fn(move |cx| note(at, self.poll_recv(cx)))
    }

    /// The poll behind [`recv`](Self::recv): `Ready(Some(()))` if the signal
    /// arrived since the last `Ready`, else `Pending` with the waker parked on
    /// the pipe.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        let fd = self.listener.read_fd();
        loop {
            let arrivals = self.listener.arrivals();
            if arrivals != self.seen {
                self.seen = arrivals;
                return Poll::Ready(Some(()));
            }
            // Nothing new counted. Empty the pipe: if it held bytes, look at
            // the count again (the handler counts before it writes); if it
            // was empty, poll_io parks us until the next byte.
            match self.registration.poll_io(cx, Direction::Read, || sys::drain(fd)) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(_bytes)) => {}
                Poll::Ready(Err(e)) => {
                    log::error!(target: "reel", "signal {}: wake-up pipe: {e}", self.kind.0);
                    return Poll::Ready(None);
                }
            }
        }
    }

    /// The signal this listens for.
    pub fn kind(&self) -> SignalKind {
        self.kind
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        // Out of the reactor first; then `listener` drops, frees its slot
        // and, if it was the last, restores the old disposition.
        self.registration.deregister(&mut SourceFd(&self.listener.read_fd()));
    }
}

/// Completes when SIGINT (Ctrl-C) arrives (asyncio:
/// `loop.add_signal_handler(signal.SIGINT, ...)`; without one, Python raises
/// `KeyboardInterrupt`).
///
/// The handler is installed when `ctrl_c()` is called, not when the future is
/// first polled, so a Ctrl-C in between is not lost. Once the future completes
/// or is dropped, the previous disposition is back: a second Ctrl-C then
/// stops the process as usual (unless another `Signals` for SIGINT is alive).
/// Panics outside a running loop.
pub fn ctrl_c() -> impl Future<Output = io::Result<()>> {
    let signals = signal(SignalKind::interrupt());
    async move {
        match signals?.recv().await {
            Some(()) => Ok(()),
            None => Err(io::Error::other("reel::signal::ctrl_c: the wake-up pipe failed")),
        }
    }
}

/// Completes with whichever of `kinds` arrives first, and says which.
///
/// Every handler is installed when this is called, so a signal that
/// arrives before the first poll is not lost; the dispositions come back
/// when the future completes or is dropped. Panics outside a running loop.
pub fn any_of(kinds: &[SignalKind]) -> io::Result<impl Future<Output = SignalKind> + use<>> {
    let mut streams =
        kinds.iter().map(|&kind| Ok((kind, signal(kind)?))).collect::<io::Result<Vec<_>>>()?;
    Ok(poll_fn(move |cx| {
        for (kind, stream) in &mut streams {
            if stream.poll_recv(cx).is_ready() {
                return Poll::Ready(*kind);
            }
        }
        Poll::Pending
    }))
}

/// Completes with whichever of SIGINT and SIGTERM arrives first (asyncio:
/// `add_signal_handler` for both, each setting the same stop event).
/// Panics outside a running loop.
pub fn interrupt_or_terminate() -> io::Result<impl Future<Output = SignalKind>> {
    any_of(&[SignalKind::interrupt(), SignalKind::terminate()])
}

/// What a server stops gracefully on: SIGINT (Ctrl-C), SIGTERM (`kill`)
/// or SIGHUP (its terminal closed), whichever comes first. A server that
/// promises to lose nothing handles the hangup too, rather than die of it
/// with every request in flight. When it arrives, the loop's timeline
/// (`REEL_TIMELINE`) is written out, in case the stop never finishes.
/// Panics outside a running loop.
#[track_caller]
pub fn stop_signal() -> io::Result<impl Future<Output = SignalKind>> {
    let _at = Location::caller();
    let arrival =
        any_of(&[SignalKind::interrupt(), SignalKind::terminate(), SignalKind::hangup()])?;
    Ok(traced!(async move {
        let kind = arrival.await;
        crate::event_loop::timeline::flush();
        kind
    }))
}

#[cfg(test)]
mod tests {
    use super::SignalKind;

    #[test]
    fn a_signal_prints_as_its_name() {
        let shown: Vec<String> =
            [SignalKind::interrupt(), SignalKind::terminate(), SignalKind::hangup()]
                .iter()
                .map(ToString::to_string)
                .collect();
        assert_eq!(shown, ["SIGINT", "SIGTERM", "SIGHUP"]);
        assert_eq!(SignalKind::user_defined1().to_string(), "SIGUSR1");
        assert_eq!(SignalKind::from_raw(99).to_string(), "signal 99");
    }
}
