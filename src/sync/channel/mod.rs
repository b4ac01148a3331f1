//! Channels: a queue between tasks, many senders and one receiver.
//!
//! asyncio counterpart: `asyncio.Queue` (`put` / `get`), with the end of the
//! stream made explicit: when every sender is gone, `recv` returns `None`.
//! For several consumers of one queue, and `task_done`/`join`, use
//! [`Queue`](super::Queue).
//!
//! # Implementation
//!
//! One [`Chan`] shared by all the handles through an `Rc`: the queue, the
//! receiver's waker, and for a bounded channel a [`Permits`] counting free
//! slots. A bounded send is a semaphore acquire: a sender takes a slot (or
//! queues for one, first-in first-out), then pushes; the receiver pops and
//! releases the slot, which goes straight to the oldest waiting sender. So
//! `queue.len()` never exceeds the capacity, and a cancelled send gives its
//! slot back exactly as a cancelled `Semaphore::acquire` gives its permit.
//!
//! Ground rules: each field has its own `RefCell`/`Cell` and no borrow is held
//! while a waker runs or a value is dropped (values are user code).

mod error;
mod sender;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::future::poll_fn;
use std::panic::Location;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::event_loop::await_site::note;

use super::permits::{self, Permits};

pub use error::{SendError, TryRecvError, TrySendError};
pub use sender::{Sender, Sending, UnboundedSender};

/// Creates a channel holding at most `capacity` values: a send waits while
/// it is full (asyncio: `asyncio.Queue(maxsize=capacity)`).
///
/// Panics if `capacity` is zero; asyncio reads `maxsize=0` as "unbounded",
/// which here is [`unbounded_channel`].
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(capacity > 0, "reel::sync::channel: capacity must be at least 1");
    let chan = Rc::new(Chan::new(Some(capacity)));
    (Sender::new(chan.clone()), Receiver { chan })
}

/// Creates a channel without a bound: sending never waits
/// (asyncio: `asyncio.Queue()`, `put_nowait`).
///
/// Nothing stops a fast producer from filling memory; prefer [`channel`]
/// when the producer can be made to wait.
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, Receiver<T>) {
    let chan = Rc::new(Chan::new(None));
    (UnboundedSender::new(chan.clone()), Receiver { chan })
}

/// What the senders and the receiver of one channel share.
struct Chan<T> {
    /// Values sent and not yet received, oldest first. Bounded channels:
    /// `queue.len()` plus free and granted slots equals the capacity.
    queue: RefCell<VecDeque<T>>,
    /// Free slots and the senders waiting for one; `None` when unbounded.
    slots: Option<RefCell<Permits>>,
    /// The capacity a bounded channel was created with.
    capacity: Option<usize>,
    /// Live sender handles; at zero the channel is closed for receiving
    /// once the queue is empty.
    senders: Cell<usize>,
    /// False once the receiver is dropped: every send fails from then on.
    receiver_alive: Cell<bool>,
    /// The receiver's waker while it waits on an empty queue; taken by the
    /// next push or by the last sender going away.
    recv_waker: RefCell<Option<Waker>>,
}

impl<T> Chan<T> {
    fn new(capacity: Option<usize>) -> Self {
        Chan {
            queue: RefCell::new(VecDeque::new()),
            slots: capacity.map(|n| RefCell::new(Permits::new(n))),
            capacity,
            senders: Cell::new(1),
            receiver_alive: Cell::new(true),
            recv_waker: RefCell::new(None),
        }
    }

    /// Appends a value (a bounded sender holds a slot for it) and wakes the
    /// receiver.
    fn push(&self, value: T) {
        self.queue.borrow_mut().push_back(value);
        self.wake_receiver();
    }

    fn wake_receiver(&self) {
        let waker = self.recv_waker.borrow_mut().take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The receiving half of a channel, from [`channel`] or [`unbounded_channel`]
/// (asyncio: the consumer's side of an `asyncio.Queue`).
///
/// There is one receiver; dropping it closes the channel, so sends fail with
/// [`SendError`] and the values still queued are dropped.
pub struct Receiver<T> {
    /// The channel; while this lives, `chan.receiver_alive` is true.
    chan: Rc<Chan<T>>,
}

impl<T> Receiver<T> {
    /// Waits for the next value; `None` once every sender is gone and the
    /// queue is empty (asyncio: `await queue.get()`).
    ///
    /// Cancellation-safe: a dropped `recv` loses no value.
    #[track_caller]
    pub fn recv(&mut self) -> impl Future<Output = Option<T>> {
        let at = Location::caller();
        poll_fn(move |cx| note(at, self.poll_recv(cx)))
    }

    /// The poll behind [`recv`](Self::recv), for hand-written futures.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        match self.try_recv() {
            Ok(value) => Poll::Ready(Some(value)),
            Err(TryRecvError::Disconnected) => Poll::Ready(None),
            Err(TryRecvError::Empty) => {
                let mut parked = self.chan.recv_waker.borrow_mut();
                match &*parked {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    _ => *parked = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        }
    }

    /// Takes the next value if one is queued (asyncio: `queue.get_nowait()`).
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let value = self.chan.queue.borrow_mut().pop_front();
        match value {
            Some(value) => {
                if let Some(slots) = &self.chan.slots {
                    permits::release(slots, 1);
                }
                Ok(value)
            }
            None if self.chan.senders.get() == 0 => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Values queued now (asyncio: `queue.qsize()`).
    pub fn len(&self) -> usize {
        self.chan.queue.borrow().len()
    }

    /// True when no value is queued (asyncio: `queue.empty()`).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bound given to [`channel`]; `None` for an unbounded channel
    /// (asyncio: `queue.maxsize`).
    pub fn capacity(&self) -> Option<usize> {
        self.chan.capacity
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.receiver_alive.set(false);
        // Senders waiting for a slot must wake up to see the channel closed.
        if let Some(slots) = &self.chan.slots {
            let waiters = slots.borrow_mut().take_waiters();
            for waker in waiters.into_values() {
                waker.wake();
            }
        }
        // Nobody will receive these; drop them now, outside the borrow, rather
        // than when the last sender goes.
        let unreceived = std::mem::take(&mut *self.chan.queue.borrow_mut());
        drop(unreceived);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("senders", &self.chan.senders.get())
            .finish()
    }
}
