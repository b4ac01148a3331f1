//! The reactor: `mio::Poll`, its events buffer, and a slab of registrations.
//!
//! asyncio counterpart: the selector (`selectors.EpollSelector`) plus
//! `_process_events`, which turns ready file descriptors into callbacks.
//!
//! # Implementation
//!
//! Every socket is registered once, for both directions, edge-triggered, with
//! its slab key as its `mio::Token`. Its `IoSlot` (io_slot.rs) keeps what
//! epoll has told us (the readiness bits) and who waits for each direction
//! (one waker each).
//!
//! Edge-triggered means epoll reports a socket when it *becomes* ready, not
//! while it *is* ready. So readiness is remembered here and cleared only when
//! the socket is known to be drained: an operation returned `WouldBlock`
//! (`Registration::poll_io`), or a read filled less than its buffer while the
//! peer is still open (`Registration::poll_read`). Clearing earlier would lose
//! an event; clearing later wastes a syscall. A hang-up or error sets the
//! sticky `READ_CLOSED` bit, which is never cleared: that edge comes once.
//!
//! Ground rules: only `dispatch` sets readiness and wakes on its behalf, and
//! it wakes only after releasing its borrows (a waker may run any code, and
//! one that panics is logged and the loop goes on); only
//! the loop's thread touches any of this. Events and task polls never
//! interleave (the tick runs `dispatch` to the end before polling any task),
//! so a slot freed by a task cannot receive a stale event from the same batch.

use std::cell::RefCell;
use std::io;
use std::task::Waker;
use std::time::Duration;

use mio::event::Source;
use mio::{Events, Interest, Poll, Token};
use slab::Slab;

pub(crate) use crate::event_loop::io_slot::Direction;
use crate::event_loop::io_slot::IoSlot;
use crate::event_loop::timeline;
use crate::event_loop::trace;

/// The token of the loop's cross-thread `mio::Waker`; slab keys never get here.
pub(crate) const WAKE_TOKEN: Token = Token(usize::MAX);

/// What one `dispatch` did, for the tick's trace line.
pub(crate) struct Dispatched {
    /// Events the last `poll` returned.
    pub(crate) events: usize,
    /// Task wakes issued (a task woken for both directions counts twice).
    pub(crate) wakes: usize,
    /// True if the cross-thread waker rang: the inbox needs draining.
    pub(crate) remote_woken: bool,
    /// " [I/O 3 r (listener 127.0.0.1:8888), I/O 5 rw (127.0.0.1:5000)]"
    /// when trace logging is on; empty otherwise.
    pub(crate) summary: String,
}

/// Owns the `mio::Poll`, its events buffer and the registrations.
pub(crate) struct Reactor {
    /// The epoll (or kqueue) instance.
    poll: RefCell<Poll>,
    /// Filled by `poll`, read by `dispatch`; reused every tick.
    events: RefCell<Events>,
    /// One slot per registered socket; the key is the socket's token.
    pub(super) slots: RefCell<Slab<IoSlot>>,
    /// Wakers taken by `dispatch`, woken once its borrows end; kept to reuse
    /// the allocation every tick.
    to_wake: RefCell<Vec<Waker>>,
}

impl Reactor {
    pub(crate) fn new(events_capacity: usize) -> io::Result<Self> {
        Ok(Reactor {
            poll: RefCell::new(Poll::new()?),
            events: RefCell::new(Events::with_capacity(events_capacity)),
            slots: RefCell::new(Slab::new()),
            to_wake: RefCell::new(Vec::new()),
        })
    }

    /// A `mio::Waker` on this poll, for the cross-thread inbox.
    pub(crate) fn new_waker(&self) -> io::Result<mio::Waker> {
        mio::Waker::new(self.poll.borrow().registry(), WAKE_TOKEN)
    }

    /// Registers `source` for both directions, edge-triggered, and returns its
    /// token. Readiness starts empty: epoll reports a socket that is already
    /// ready right after registration, so the first event tells the truth.
    pub(crate) fn register(&self, source: &mut impl Source) -> io::Result<usize> {
        let key = self.slots.borrow_mut().insert(IoSlot::default());
        let interest = Interest::READABLE | Interest::WRITABLE;
        if let Err(e) = self.poll.borrow().registry().register(source, Token(key), interest) {
            self.slots.borrow_mut().remove(key);
            return Err(e);
        }
        Ok(key)
    }

    /// Removes `source` from epoll and frees its slot.
    pub(crate) fn deregister(&self, token: usize, source: &mut impl Source) {
        if let Err(e) = self.poll.borrow().registry().deregister(source) {
            // The fd is closed right after this anyway, which also removes it
            // from epoll; log so that a real bug still shows.
            log::debug!(target: "reel", "deregister token {token}: {e}");
        }
        let slot = self.slots.borrow_mut().try_remove(token);
        drop(slot); // wakers dropped outside the borrow
    }

    /// Waits in `epoll_wait` for at most `timeout` (`None`: until an event).
    /// EINTR (a signal arrived while it waited) counts as no events and
    /// returns true: the tick goes on, and the signal's pipe, which reel's
    /// signal handler wrote to, is readable at the next wait.
    pub(crate) fn poll(&self, timeout: Option<Duration>) -> bool {
        let mut events = self.events.borrow_mut();
        match self.poll.borrow_mut().poll(&mut events, timeout) {
            Ok(()) => false,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                events.clear();
                true
            }
            Err(e) => {
                // Only EBADF/EFAULT/EINVAL are left: a bug, not a peer's doing.
                log::error!(target: "reel", "epoll_wait failed: {e}");
                events.clear();
                false
            }
        }
    }

    /// Turns the events of the last `poll` into readiness bits and task wakes.
    ///
    /// This is the only place where readiness events become wakes: break here
    /// to see which socket woke which task.
    pub(crate) fn dispatch(&self) -> Dispatched {
        // The wakers are taken out of `to_wake` before any of them runs: a
        // waker may run any code, even code that ends up here again.
        let mut to_wake = std::mem::take(&mut *self.to_wake.borrow_mut());
        // What each waker is woken by, only while the timeline or the trace
        // follows wakes (an empty Vec allocates nothing).
        let mut causes = Vec::new();
        let mut done = self.collect_wakes(&mut to_wake, &mut causes);
        done.wakes = to_wake.len();
        if causes.is_empty() {
            for waker in to_wake.drain(..) {
                crate::event_loop::panic::wake_guarded(waker, "an I/O event");
            }
        } else {
            trace::wake_telling_why(&mut to_wake, causes);
        }
        // Given back empty, so the next tick reuses the allocation.
        *self.to_wake.borrow_mut() = to_wake;
        done
    }

    /// `dispatch`'s first half: readiness bits from events, and the wakers
    /// parked for the directions that became ready (while wakes are
    /// followed, with what woke each in `causes`).
    fn collect_wakes(&self, to_wake: &mut Vec<Waker>, causes: &mut Vec<String>) -> Dispatched {
        let events = self.events.borrow();
        let mut slots = self.slots.borrow_mut();
        // Followed while the timeline or the trace is on (the trace turns
        // `watching` on for its tick).
        let watching = timeline::watching();
        let mut done =
            Dispatched { events: 0, wakes: 0, remote_woken: false, summary: String::new() };
        for event in events.iter() {
            done.events += 1;
            if event.token() == WAKE_TOKEN {
                done.remote_woken = true;
                if watching && trace::enabled() {
                    trace::note_event(&mut done.summary, "the cross-thread waker", "r", None);
                }
                continue;
            }
            // Defensive: nothing runs between `poll` and here, so every token
            // should still have its slot.
            let Some(slot) = slots.get_mut(event.token().0) else {
                continue;
            };
            let before = to_wake.len();
            let dirs = slot.take_event(event, to_wake);
            if watching {
                let woke = to_wake.len() - before;
                trace::note_wakes(&mut done.summary, causes, (event.token().0, dirs, woke), slot);
            }
        }
        trace::end_events(&mut done.summary);
        done
    }

    /// One I/O attempt on `token` in `dir`, under a single borrow of the slab:
    /// the heart of `Registration::poll_io`.
    ///
    /// - Not known ready: park `waker` (if given) and return `None`; no syscall.
    /// - Known ready: run `op`. Clear readiness if it said `WouldBlock`, or if
    ///   `drained` says its result emptied the socket (a short read) and the
    ///   peer has not closed (the sticky READ_CLOSED bit: that edge comes once).
    ///
    /// `op` is a plain syscall on the socket; it never calls back into reel,
    /// so holding the borrow across it is safe.
    pub(crate) fn attempt<R>(
        &self,
        token: usize,
        dir: Direction,
        waker: Option<&Waker>,
        op: impl FnOnce() -> io::Result<R>,
        drained: impl FnOnce(&R) -> bool,
    ) -> Option<io::Result<R>> {
        let mut slots = self.slots.borrow_mut();
        let Some(slot) = slots.get_mut(token) else {
            return Some(Err(io::Error::other("socket is not registered with this loop")));
        };
        if !slot.is_ready(dir) {
            if let Some(waker) = waker {
                slot.park(dir, waker);
            }
            return None;
        }
        io_attempt(token, dir);
        let result = op();
        let clear = match &result {
            Err(e) => e.kind() == io::ErrorKind::WouldBlock,
            Ok(value) => !slot.read_closed() && drained(value),
        };
        if clear {
            slot.clear(dir);
        }
        Some(result)
    }

    /// True if `token` is known ready in `dir`; otherwise parks `waker`.
    pub(crate) fn poll_ready(&self, token: usize, dir: Direction, waker: &Waker) -> bool {
        let mut slots = self.slots.borrow_mut();
        let Some(slot) = slots.get_mut(token) else { return true };
        if slot.is_ready(dir) {
            return true;
        }
        slot.park(dir, waker);
        false
    }

    /// Forgets readiness in `dir`: the caller saw the socket drained.
    pub(crate) fn clear_ready(&self, token: usize, dir: Direction) {
        if let Some(slot) = self.slots.borrow_mut().get_mut(token) {
            slot.clear(dir);
        }
    }
}

/// Called by `Reactor::attempt` just before it runs a system call on a
/// socket known ready: a breakpoint for every read, write and accept.
/// `attempt` is generic, so gdb knows only its instances; this is not, and
/// `#[inline(never)]` keeps it a function even in an optimized build.
#[inline(never)]
fn io_attempt(token: usize, dir: Direction) {
    std::hint::black_box((token, dir));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::task::Wake;

    struct Flag(AtomicBool);
    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn an_event_sets_readiness_and_wakes_the_parked_reader_once() {
        let reactor = Reactor::new(16).unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        server.set_nonblocking(true).unwrap();
        let mut server = mio::net::TcpStream::from_std(server);
        let token = reactor.register(&mut server).unwrap();
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(flag.clone());
        let mut buf = [0u8; 16];
        let read = |buf: &mut [u8]| (&server).read(buf);
        assert!(
            reactor
                .attempt(token, Direction::Read, Some(&waker), || read(&mut buf), |_| false)
                .is_none(),
            "readiness starts unknown: no syscall, the waker is parked"
        );
        client.write_all(b"ping").unwrap();
        // Registration reports writability at once; the data may need a moment.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !flag.0.load(Ordering::SeqCst) {
            assert!(std::time::Instant::now() < deadline, "no readable event");
            reactor.poll(Some(Duration::from_millis(100)));
            reactor.dispatch();
        }
        assert!(reactor.poll_ready(token, Direction::Write, &waker), "writable too");
        let got = reactor.attempt(token, Direction::Read, None, || read(&mut buf), |&n| n < 16);
        assert_eq!(got.map(|r| r.unwrap()), Some(4), "the read ran");
        assert!(
            reactor.attempt(token, Direction::Read, None, || read(&mut buf), |_| false).is_none(),
            "a short read cleared readiness: the next attempt makes no syscall"
        );

        assert_eq!(reactor.len(), 1);
        reactor.deregister(token, &mut server);
        assert_eq!(reactor.len(), 0, "the slot is freed");
    }
}
