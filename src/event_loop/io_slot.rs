//! One registered socket as the reactor knows it: what epoll has said of it
//! (readiness bits, edge-triggered, so remembered until an operation shows
//! the socket drained) and the one waker parked for each direction.
//!
//! asyncio counterpart: the selector's `SelectorKey` and its reader and
//! writer `Handle`s.
//!
//! The methods the reactor calls on every I/O attempt are `#[inline]`: in
//! a file of their own they would otherwise be calls (a release build
//! splits the crate into codegen units), which cost the echo example 18
//! instructions a message under callgrind.

use std::net::SocketAddr;
use std::rc::Rc;
use std::task::Waker;

use mio::event::Event;

/// One direction of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Readable: data, EOF, an error, or (listeners) a connection to accept.
    Read,
    /// Writable: room in the send buffer, a finished connect, or an error.
    Write,
}

impl Direction {
    #[inline]
    fn bit(self) -> u8 {
        match self {
            Direction::Read => READABLE,
            Direction::Write => WRITABLE,
        }
    }
}

const READABLE: u8 = 0b01;
const WRITABLE: u8 = 0b10;
/// Sticky: the peer closed its side or the socket failed. Never cleared, as
/// epoll will not report it again (the edge has come and gone).
const READ_CLOSED: u8 = 0b100;

/// What a registration is, beside its token.
pub(crate) enum What {
    /// A connection, and its peer.
    Peer(SocketAddr),
    /// Anything else, named.
    Label(Rc<str>),
}

/// What the reactor knows about one registered socket.
#[derive(Default)]
pub(crate) struct IoSlot {
    /// READABLE / WRITABLE bits: set from events, cleared when an operation
    /// shows the socket is drained; plus the sticky READ_CLOSED bit.
    readiness: u8,
    /// The task waiting to read (or accept); taken when woken.
    reader: Option<Waker>,
    /// The task waiting to write (or to finish connecting); taken when woken.
    writer: Option<Waker>,
    /// What the registration is: a connection's peer, or a label
    /// (`listener 127.0.0.1:8888`, `signal pipe SIGINT`, `stdin`), for the
    /// trace, the task table, the timeline and gdb. One field for both:
    /// every connection has a slot, and the slab grows by doubling.
    what: Option<What>,
}

impl IoSlot {
    /// Takes in one epoll event: the readiness it reports, and the wakers
    /// parked for the directions that became ready, moved to `to_wake`.
    /// Errors and hang-ups count for both directions, so that the pending
    /// read or write runs, fails, and reports the error. Returns the
    /// directions for the trace: `r`, `w`, `rw` or `-`.
    #[inline]
    pub(super) fn take_event(&mut self, event: &Event, to_wake: &mut Vec<Waker>) -> &'static str {
        let failed = event.is_error();
        let mut bits = 0;
        if event.is_readable() || event.is_read_closed() || failed {
            bits |= READABLE;
        }
        if event.is_writable() || event.is_write_closed() || failed {
            bits |= WRITABLE;
        }
        if event.is_read_closed() || failed {
            bits |= READ_CLOSED;
        }
        self.readiness |= bits;
        if bits & READABLE != 0 {
            to_wake.extend(self.reader.take());
        }
        if bits & WRITABLE != 0 {
            to_wake.extend(self.writer.take());
        }
        ["-", "r", "w", "rw"][(bits & (READABLE | WRITABLE)) as usize]
    }

    #[inline]
    pub(super) fn is_ready(&self, dir: Direction) -> bool {
        self.readiness & dir.bit() != 0
    }

    /// Forgets readiness in `dir`: the socket was seen drained.
    #[inline]
    pub(super) fn clear(&mut self, dir: Direction) {
        self.readiness &= !dir.bit();
    }

    /// The peer closed its side or the socket failed (that edge came once).
    #[inline]
    pub(super) fn read_closed(&self) -> bool {
        self.readiness & READ_CLOSED != 0
    }

    /// Parks `waker` for `dir`, keeping the parked one if it would wake the
    /// same task (no reference-count traffic on the hot path).
    #[inline]
    pub(super) fn park(&mut self, dir: Direction, waker: &Waker) {
        let parked = match dir {
            Direction::Read => &mut self.reader,
            Direction::Write => &mut self.writer,
        };
        match parked {
            Some(old) if old.will_wake(waker) => {}
            _ => *parked = Some(waker.clone()),
        }
    }

    pub(super) fn set_peer(&mut self, peer: SocketAddr) {
        self.what = Some(What::Peer(peer));
    }

    pub(super) fn set_label(&mut self, label: Rc<str>) {
        self.what = Some(What::Label(label));
    }

    /// The connection's peer, when it is one.
    pub(super) fn peer(&self) -> Option<SocketAddr> {
        match self.what {
            Some(What::Peer(peer)) => Some(peer),
            _ => None,
        }
    }

    /// What the registration is, in parentheses after `I/O 4`: its label,
    /// else its peer; `None` for an unnamed one.
    pub(super) fn what(&self) -> Option<String> {
        match &self.what {
            Some(What::Label(label)) => Some(label.to_string()),
            Some(What::Peer(peer)) => Some(peer.to_string()),
            None => None,
        }
    }

    /// The parked wakers: whether each waits to read, the peer, and the
    /// address of the waker's data, for `reel::tasks()`.
    pub(super) fn parked(&self) -> impl Iterator<Item = (bool, Option<SocketAddr>, usize)> + '_ {
        [(&self.reader, true), (&self.writer, false)]
            .into_iter()
            .filter_map(|(waker, read)| Some((read, self.peer(), waker.as_ref()?.data() as usize)))
    }

    /// The label, for `reel::tasks()`.
    pub(super) fn label(&self) -> Option<&Rc<str>> {
        match &self.what {
            Some(What::Label(label)) => Some(label),
            _ => None,
        }
    }
}
