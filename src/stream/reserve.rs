//! The spare descriptor every server's accept loop sheds with, one per
//! process, and the gate that keeps its freed slot for the shed.
//!
//! asyncio has no counterpart (its loop pauses on EMFILE); the reserve is
//! libuv's trick (`uv__emfile_trick`), made safe for several loops.
//!
//! Descriptors are a process-wide table: a slot freed on one thread is the
//! next `accept` or `open` on any thread. With one reserve per loop, two
//! loops shedding at once (the HTTP example's `-w 2`) took each other's
//! freed slots, lost their reserves, and fell back to pausing while
//! clients waited in the backlogs. So the process holds one reserve behind
//! a read-write lock: every accept of a reel server holds it shared, for
//! the one system call; a shed holds it alone, for the few calls it takes
//! per connection (close the reserve, accept, close the connection, reopen
//! the reserve). Another loop's accept then waits for the shed (at worst
//! microseconds per connection in the backlog) rather than take its slot.
//! An `open` elsewhere (a file the HTTP cache opens) can still take it;
//! the reserve is then reopened at the next shed, once any descriptor is
//! free, and until then the accept loop pauses.

use std::fmt::Display;
use std::fs::File;
use std::io;
use std::sync::{PoisonError, RwLock, RwLockWriteGuard};
use std::time::{Duration, Instant};

use crate::stream::listener::Listener;

/// At most one "out of file descriptors" warning per this long, for the
/// whole process.
const WARN_EVERY: Duration = Duration::from_secs(1);

/// The only place the reserve lives.
static RESERVE: RwLock<Reserve> = RwLock::new(Reserve { file: None, shed: 0, warned: None });

/// The spare descriptor, and when the last warning about shedding went out.
struct Reserve {
    /// `/dev/null`, open; `None` before the first server, or if it could
    /// not be reopened.
    file: Option<File>,
    /// Connections closed since the last warning.
    shed: u64,
    warned: Option<Instant>,
}

/// Opens the reserve if it is not held: called as a server starts, before
/// descriptors can run out, not when they have.
pub(super) fn keep() {
    write().reopen();
}

/// Held across one `accept`: the gate a shed closes.
pub(super) fn accepting() -> impl Sized {
    RESERVE.read().unwrap_or_else(PoisonError::into_inner)
}

/// The accept loop is out of descriptors: frees the reserve, accepts and
/// closes one connection, reopens the reserve; again until `listener`'s
/// backlog is empty. False if the reserve is gone and cannot be reopened:
/// the caller must pause instead.
pub(super) fn shed_backlog(listener: &Listener) -> bool {
    let mut reserve = write();
    reserve.reopen();
    if reserve.file.is_none() {
        return false;
    }
    while reserve.file.take().is_some() {
        // The connection is dropped (closed) before the reserve is
        // reopened: it holds the one descriptor the reserve gave up.
        let peer = listener.accept_now().map(|connection| connection.peer());
        reserve.reopen();
        match peer {
            Ok(peer) => {
                reserve.shed += 1;
                reserve.warn(|shed| {
                    format!(
                        "out of file descriptors: closed {shed} new connections at once (the \
                         last from {peer}) rather than leave them waiting in the backlog"
                    )
                });
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => {
                log::warn!(target: "reel", "accept failed with the reserve freed: {e}");
                break;
            }
        }
    }
    true
}

/// Warns of an accept error the loop pauses for, at most once a second.
pub(super) fn warn_paused(error: &io::Error, pause: Duration) {
    write().warn(|_| format!("accept failed: {error}; pausing {pause:?}"));
}

fn write() -> RwLockWriteGuard<'static, Reserve> {
    RESERVE.write().unwrap_or_else(PoisonError::into_inner)
}

impl Reserve {
    fn reopen(&mut self) {
        if self.file.is_none() {
            self.file = File::open("/dev/null").ok();
        }
    }

    /// Logs `message(shed)` unless a warning went out less than
    /// `WARN_EVERY` ago.
    fn warn<M: Display>(&mut self, message: impl FnOnce(u64) -> M) {
        let now = Instant::now();
        if self.warned.is_some_and(|at| now - at < WARN_EVERY) {
            return;
        }
        log::warn!(target: "reel", "{}", message(std::mem::take(&mut self.shed)));
        self.warned = Some(now);
    }
}
