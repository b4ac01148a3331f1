//! The sending halves: [`Sender`] for a bounded channel, whose `send` waits
//! for a free slot, and [`UnboundedSender`], whose `send` never waits.
//!
//! asyncio counterpart: `await queue.put(item)` and `queue.put_nowait(item)`.
//!
//! Both count themselves in `Chan::senders`: a clone adds one, a drop takes
//! one away, and the last one to go wakes the receiver so that its `recv`
//! can return `None`.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, ready};

use super::{Chan, SendError, TrySendError};
use crate::event_loop::await_site::{Site, note};
use crate::sync::permits::{self, Permits, Ticket};

/// The sending half of a bounded [`channel`](super::channel)
/// (asyncio: the producer's side of `asyncio.Queue(maxsize)`).
///
/// Clone it for each producer; the channel stays open for the receiver until
/// every clone is dropped.
pub struct Sender<T> {
    /// Invariant: `chan.slots` is `Some` (the channel is bounded).
    handle: Counted<T>,
}

impl<T> Sender<T> {
    pub(super) fn new(chan: Rc<Chan<T>>) -> Self {
        Sender { handle: Counted::new(chan) }
    }

    /// Sends `value`, waiting while the channel is full; senders that wait
    /// are served first-in first-out (asyncio: `await queue.put(item)`).
    ///
    /// Fails with the value back if the receiver is gone, or goes while this
    /// waits. Cancellation-safe: a dropped send has sent nothing, and a slot
    /// it had been granted passes to the next waiting sender.
    #[track_caller]
    pub fn send(&self, value: T) -> Sending<'_, T> {
        Sending {
            chan: &self.handle.chan,
            value: Some(value),
            ticket: None,
            at: Location::caller(),
        }
    }

    /// Sends `value` if there is a free slot now and no sender is queued for
    /// it (asyncio: `queue.put_nowait(item)`).
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        if !self.handle.chan.receiver_alive.get() {
            return Err(TrySendError::Closed(value));
        }
        if !self.slots().borrow_mut().try_take() {
            return Err(TrySendError::Full(value));
        }
        self.handle.chan.push(value);
        Ok(())
    }

    /// True once the receiver is gone and every send would fail.
    pub fn is_closed(&self) -> bool {
        !self.handle.chan.receiver_alive.get()
    }

    /// Values queued now (asyncio: `queue.qsize()`).
    pub fn len(&self) -> usize {
        self.handle.chan.queue.borrow().len()
    }

    /// True when no value is queued (asyncio: `queue.empty()`).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn slots(&self) -> &RefCell<Permits> {
        slots(&self.handle.chan)
    }
}

fn slots<T>(chan: &Chan<T>) -> &RefCell<Permits> {
    chan.slots.as_ref().expect("a Sender's channel is bounded")
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender { handle: self.handle.clone() }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("len", &self.len())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// The future of [`Sender::send`] (asyncio: the coroutine `queue.put(item)`).
#[must_use = "a send does nothing unless awaited"]
pub struct Sending<'a, T> {
    /// The channel, which is bounded (its `slots` is `Some`).
    chan: &'a Chan<T>,
    /// The value to send; `None` once it was sent or handed back.
    value: Option<T>,
    /// This send's place in the queue for a slot: `Some` while it waits or
    /// holds a granted slot it has not yet filled.
    ticket: Option<Ticket>,
    /// Where it was awaited, for the task table (await_site.rs).
    at: Site,
}

// `value` is only ever moved out whole, never pinned in place, so a `Sending`
// may move even if `T` may not.
impl<T> Unpin for Sending<'_, T> {}

impl<T> Future for Sending<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let at = self.at;
        note(at, self.poll_wait(cx))
    }
}

impl<T> Sending<'_, T> {
    /// `poll`, less the note of where it waits.
    #[inline(always)]
    fn poll_wait(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        let this = &mut *self;
        if !this.chan.receiver_alive.get() {
            return Poll::Ready(Err(SendError(this.take_value())));
        }
        ready!(slots(this.chan).borrow_mut().poll_take(&mut this.ticket, cx.waker()));
        // The slot is ours (the ticket is spent): fill it.
        this.chan.push(this.take_value());
        Poll::Ready(Ok(()))
    }
}

impl<T> Sending<'_, T> {
    fn take_value(&mut self) -> T {
        self.value.take().expect("Sending polled after it completed")
    }
}

impl<T> Drop for Sending<'_, T> {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            permits::cancel(slots(self.chan), ticket);
        }
    }
}

impl<T> fmt::Debug for Sending<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sending").field("ticket", &self.ticket).finish_non_exhaustive()
    }
}

/// The sending half of an [`unbounded_channel`](super::unbounded_channel)
/// (asyncio: `queue.put_nowait(item)` on an unbounded `asyncio.Queue`).
pub struct UnboundedSender<T> {
    /// Invariant: `chan.slots` is `None` (the channel is unbounded).
    handle: Counted<T>,
}

impl<T> UnboundedSender<T> {
    pub(super) fn new(chan: Rc<Chan<T>>) -> Self {
        UnboundedSender { handle: Counted::new(chan) }
    }

    /// Queues `value` without waiting; fails with the value back if the
    /// receiver is gone (asyncio: `queue.put_nowait(item)`).
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if !self.handle.chan.receiver_alive.get() {
            return Err(SendError(value));
        }
        self.handle.chan.push(value);
        Ok(())
    }

    /// True once the receiver is gone and every send would fail.
    pub fn is_closed(&self) -> bool {
        !self.handle.chan.receiver_alive.get()
    }

    /// Values queued now (asyncio: `queue.qsize()`).
    pub fn len(&self) -> usize {
        self.handle.chan.queue.borrow().len()
    }

    /// True when no value is queued (asyncio: `queue.empty()`).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        UnboundedSender { handle: self.handle.clone() }
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender")
            .field("len", &self.len())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// One counted handle on a channel, inside each sender: a clone counts a
/// sender in, a drop counts it out.
struct Counted<T> {
    /// The channel; this handle is counted in `chan.senders` while it lives.
    chan: Rc<Chan<T>>,
}

impl<T> Counted<T> {
    fn new(chan: Rc<Chan<T>>) -> Self {
        // `Chan::new` starts the count at 1 for the first sender.
        Counted { chan }
    }
}

impl<T> Clone for Counted<T> {
    fn clone(&self) -> Self {
        self.chan.senders.set(self.chan.senders.get() + 1);
        Counted { chan: self.chan.clone() }
    }
}

impl<T> Drop for Counted<T> {
    fn drop(&mut self) {
        let left = self.chan.senders.get() - 1;
        self.chan.senders.set(left);
        if left == 0 {
            // The receiver may be waiting on an empty queue: its `recv` now
            // returns `None`.
            self.chan.wake_receiver();
        }
    }
}
