//! A server's accept loop: new connections to handler tasks, what to do
//! when the process is out of file descriptors, and the backlog a stopping
//! server takes in before it closes its listener.
//!
//! asyncio counterpart: `BaseSelectorEventLoop._accept_connection`, which
//! also pauses on EMFILE; the reserve descriptor is libuv's trick.
//!
//! Out of descriptors (EMFILE, ENFILE), `accept` fails and the connection
//! stays in the kernel's backlog: its client waits, seconds or for ever,
//! until some descriptor is freed. First the accept task yields once: a
//! burst accepted in one go has started tasks that have not run yet (a
//! refusal that writes "busy" and closes, a short handler), and they free
//! descriptors of their own. If accept still fails, it sheds: the loop keeps
//! one descriptor in reserve (`/dev/null`, opened at start), closes it,
//! accepts with the freed slot, closes that connection at once (its client
//! learns now, and can retry elsewhere or later), reopens the reserve, and
//! repeats until the backlog is empty. The listener then waits for its next
//! event as usual, so the loop does not spin. Only if the reserve cannot be
//! reopened does it fall back to pausing.

use std::cell::RefCell;
use std::fmt::Display;
use std::fs::File;
use std::future::poll_fn;
use std::io;
use std::rc::Rc;
use std::task::Poll;
use std::time::{Duration, Instant};

use crate::stream::listener::{Connection, Listener};

/// A listening socket shared by the server (which takes it away in
/// `close`) and its accept task (which then sees `None` and ends).
pub(super) type ListenerSlot = Rc<RefCell<Option<Listener>>>;

/// How long the accept loop pauses after an error it cannot shed: retrying
/// at once would spin the loop at 100% CPU.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// At most one "out of file descriptors" warning per this long.
const WARN_EVERY: Duration = Duration::from_secs(1);

/// Accepts connections from `listener` until `close` takes it away, and
/// hands each to `start`.
pub(super) async fn accept_loop(
    listener: ListenerSlot,
    mut reserve: Reserve,
    start: impl Fn(Connection),
) {
    // Whether the last accept failed for want of a descriptor and this
    // task has since let the others run once.
    let mut yielded = false;
    loop {
        let accepted = poll_fn(|cx| match &*listener.borrow() {
            Some(listener) => listener.poll_accept(cx).map(Some),
            None => Poll::Ready(None),
        })
        .await;
        match accepted {
            None => return,
            Some(Ok(connection)) => {
                yielded = false;
                start(connection);
            }
            // A burst accepted in one go starts tasks that have not run yet:
            // refusals and short handlers about to close their descriptors.
            // Let them run once before shedding connections for want of one.
            Some(Err(e)) if out_of_descriptors(&e) && !yielded => {
                yielded = true;
                crate::yield_now().await;
            }
            Some(Err(e)) if out_of_descriptors(&e) && reserve.is_held() => {
                if let Some(listener) = &*listener.borrow() {
                    reserve.shed_backlog(listener);
                }
            }
            Some(Err(e)) => {
                log::warn!(target: "reel", "accept failed: {e}; pausing {ACCEPT_BACKOFF:?}");
                crate::time::sleep(ACCEPT_BACKOFF).await;
                reserve.reopen();
            }
        }
    }
}

/// Takes in every connection the kernel completed for `listener` and hands
/// each to `start`, as `Server::close` does before dropping it: closing a
/// listener resets the connections still in its backlog, whose clients may
/// already have sent a request.
pub(super) fn take_backlog(listener: &Listener, start: impl Fn(Connection)) -> usize {
    let mut taken = 0;
    loop {
        match listener.accept_now() {
            Ok(connection) => {
                start(connection);
                taken += 1;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return taken,
            Err(e) => {
                log::warn!(target: "reel", "accepting the backlog at close: {e}");
                return taken;
            }
        }
    }
}

/// EMFILE (this process) or ENFILE (the whole system).
fn out_of_descriptors(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}

/// The spare descriptor, and when the last warning about shedding went out.
pub(super) struct Reserve {
    /// `/dev/null`, open; `None` if it could not be (re)opened.
    file: Option<File>,
    /// Connections closed since the last warning.
    shed: u64,
    warned: Option<Instant>,
}

impl Reserve {
    /// Opens the spare; opened with the listener, before descriptors can
    /// run out, not at the accept task's first poll.
    pub(super) fn open() -> Reserve {
        Reserve { file: File::open("/dev/null").ok(), shed: 0, warned: None }
    }

    fn is_held(&self) -> bool {
        self.file.is_some()
    }

    fn reopen(&mut self) {
        if self.file.is_none() {
            self.file = File::open("/dev/null").ok();
        }
    }

    /// Frees the reserve, accepts and closes one connection, reopens the
    /// reserve; again until the backlog is empty or the reserve is lost.
    fn shed_backlog(&mut self, listener: &Listener) {
        while self.file.take().is_some() {
            // The connection is dropped (closed) before the reserve is
            // reopened: it holds the one descriptor the reserve gave up.
            let peer = listener.accept_now().map(|connection| connection.peer());
            self.reopen();
            match peer {
                Ok(peer) => {
                    self.shed += 1;
                    self.warn(peer);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) => {
                    log::warn!(target: "reel", "accept failed with the reserve freed: {e}");
                    return;
                }
            }
        }
    }

    fn warn(&mut self, peer: impl Display) {
        let now = Instant::now();
        if self.warned.is_some_and(|at| now - at < WARN_EVERY) {
            return;
        }
        log::warn!(
            target: "reel",
            "out of file descriptors: closed {} new connections at once (the last from {peer}) \
             rather than leave them waiting in the backlog",
            std::mem::take(&mut self.shed)
        );
        self.warned = Some(now);
    }
}
