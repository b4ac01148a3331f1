//! The state every handle of one queue shares, and the steps `mod.rs`'s
//! public methods are made of: storing an item, taking one, waiting for a
//! permit unless the queue shuts down, and the shutdown itself.

use std::cell::{Cell, RefCell};
use std::future::{Future, poll_fn};
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::Poll;

use super::order::Order;
use crate::sync::event::Event;
use crate::sync::permits::{self, Permits, Take};

/// What the handles of one queue share.
pub(super) struct Shared<T, O> {
    /// Items put and not yet got. Invariant, until a shutdown with
    /// `immediate`: their count is the free plus granted `getters` permits,
    /// and `granted` of them are promised to woken getters.
    pub(super) items: RefCell<O>,
    /// A permit per queued item: free ones for items nobody was promised,
    /// granted ones for items promised to woken getters; and the getters
    /// waiting for one.
    pub(super) getters: RefCell<Permits>,
    /// Free slots and the putters waiting for one; `None` when unbounded.
    /// Bounded: items, free and granted slots add up to `maxsize`.
    pub(super) slots: Option<RefCell<Permits>>,
    /// The bound the queue was built with; 0 for unbounded.
    pub(super) maxsize: usize,
    /// Items put and not yet marked done with `task_done`.
    pub(super) unfinished: Cell<usize>,
    /// Set exactly while `unfinished` is zero; `join` waits on it.
    pub(super) finished: Event,
    /// Set once by `shutdown`, never cleared: puts fail from then on, and
    /// gets once no item is left for them.
    pub(super) shut_down: Cell<bool>,
    /// The item type: `O` stores the items, but the queue is of `T`.
    item: PhantomData<T>,
}

impl<T, O: Order<T>> Shared<T, O> {
    pub(super) fn new(maxsize: usize) -> Self {
        let finished = Event::new();
        finished.set();
        Shared {
            items: RefCell::new(O::default()),
            getters: RefCell::new(Permits::new(0)),
            slots: (maxsize > 0).then(|| RefCell::new(Permits::new(maxsize))),
            maxsize,
            unfinished: Cell::new(0),
            finished,
            shut_down: Cell::new(false),
            item: PhantomData,
        }
    }

    /// Stores an item (a bounded putter holds a slot for it) and hands it
    /// to the oldest waiting getter, if any.
    pub(super) fn push(&self, item: T) {
        self.items.borrow_mut().push(item);
        self.unfinished.set(self.unfinished.get() + 1);
        self.finished.clear();
        permits::release(&self.getters, 1);
    }

    /// Removes the item for a getter that holds a permit, `promised` items
    /// being kept for woken getters, and frees its slot for the oldest
    /// waiting putter. `None` only after a shutdown with `immediate` dropped
    /// the items that permits stood for.
    pub(super) fn take(&self, promised: usize) -> Option<T> {
        let item = self.items.borrow_mut().pop(promised)?;
        if let Some(slots) = &self.slots {
            permits::release(slots, 1);
        }
        Some(item)
    }

    /// Waits for one of `permits` (queueing behind earlier waiters); `Err`
    /// if the queue is shut down while it waits. Dropped, or shut down,
    /// it gives up its place and passes on a permit it was granted.
    pub(super) async fn take_unless_shut_down(&self, permits: &RefCell<Permits>) -> Result<(), ()> {
        let mut take = Some(Take::new(permits));
        poll_fn(|cx| {
            let Some(waiting) = take.as_mut() else { return Poll::Ready(Err(())) };
            if Pin::new(waiting).poll(cx).is_ready() {
                take = None;
                return Poll::Ready(Ok(()));
            }
            if self.shut_down.get() {
                take = None; // its `Drop` leaves the line
                return Poll::Ready(Err(()));
            }
            Poll::Pending
        })
        .await
    }

    /// asyncio's `shutdown(immediate)`: puts fail from now on; with
    /// `immediate`, the items are dropped (each counted as done for `join`);
    /// then every waiting putter and getter wakes to see it.
    pub(super) fn shut_down(&self, immediate: bool) {
        self.shut_down.set(true);
        // Taken before any slot is freed below, so no putter is granted one.
        let putters = self.slots.as_ref().map(|slots| slots.borrow_mut().take_waiters());
        let getters = self.getters.borrow_mut().take_waiters();
        if immediate {
            self.getters.borrow_mut().discard_available();
            let dropped = std::mem::take(&mut *self.items.borrow_mut());
            let unfinished = self.unfinished.get().saturating_sub(dropped.len());
            self.unfinished.set(unfinished);
            if unfinished == 0 {
                self.finished.set();
            }
            if let Some(slots) = &self.slots {
                permits::release(slots, dropped.len());
            }
            drop(dropped); // user code, outside the borrow
        }
        for waker in putters.into_iter().flatten().chain(getters).map(|(_, waker)| waker) {
            waker.wake();
        }
    }
}
