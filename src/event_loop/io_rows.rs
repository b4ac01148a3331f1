//! The reactor's registrations as others read them: a registration's peer
//! and label (what the trace, the task table, the timeline and gdb call
//! it), the wakers parked on each for `reel::tasks()`, and the count for
//! `stats()`. A first reading of the loop skips this file.
//!
//! asyncio counterpart: `selector.get_map()`, the selector's keys.

use std::net::SocketAddr;
use std::rc::Rc;

use crate::event_loop::reactor::Reactor;

/// A waker parked on a registration, as `reel::tasks()` reads it.
pub(crate) struct Parked {
    pub(crate) token: usize,
    pub(crate) read: bool,
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) label: Option<String>,
    /// The address of the waker's data, to match against each task's.
    pub(crate) waker: usize,
}

impl Reactor {
    /// Notes the peer of the connection registered at `token`.
    pub(crate) fn set_peer(&self, token: usize, peer: SocketAddr) {
        if let Some(slot) = self.slots.borrow_mut().get_mut(token) {
            slot.set_peer(peer);
        }
    }

    /// Names the registration at `token` (`listener 127.0.0.1:8888`).
    pub(crate) fn set_label(&self, token: usize, label: Rc<str>) {
        if let Some(slot) = self.slots.borrow_mut().get_mut(token) {
            slot.set_label(label);
        }
    }

    /// Every parked waker: its registration, whether it waits to read, and
    /// the address of the waker's data, for `reel::tasks()` to match
    /// against the tasks; not on any hot path.
    pub(crate) fn parked(&self) -> Vec<Parked> {
        let slots = self.slots.borrow();
        let mut parked = Vec::new();
        for (token, slot) in slots.iter() {
            let label = slot.label().map(|label| label.to_string());
            parked.extend(slot.parked().map(|(read, peer, waker)| Parked {
                token,
                read,
                peer,
                label: label.clone(),
                waker,
            }));
        }
        parked
    }

    /// Number of registered sockets.
    pub(crate) fn len(&self) -> usize {
        self.slots.borrow().len()
    }
}
