//! A first-in first-out queue with many producers and many consumers.
//!
//! asyncio counterpart: `asyncio.Queue` (`put`, `get`, the `_nowait` forms,
//! `task_done`, `join`). Unlike [`channel`](super::channel), whose single
//! [`Receiver`](super::Receiver) wants `&mut`, every handle here can get, so
//! several workers can drain one queue. There is no closing (asyncio 3.13's
//! `shutdown()`): a queue lives while any handle does.
//!
//! # Implementation
//!
//! Two [`Permits`] counts, both first-in first-out: `getters` counts queued
//! items, a permit per item, and for a bounded queue `slots` counts free
//! slots. A putter takes a slot (or queues for one), pushes, and releases a
//! getter permit; a getter takes a getter permit, removes an item and
//! releases a slot. A release *grants* the permit to the oldest waiter, so an
//! item goes to the oldest waiting getter, a free slot to the oldest waiting
//! putter, and a newcomer's `get_nowait` or `put_nowait` cannot barge past
//! them.
//!
//! An item granted to a getter stays in the queue until that getter runs:
//! the first `granted` items are the promised ones. A woken getter pops the
//! front; a getter that found an item free takes the first one past the
//! promised ones. A cancelled grant loses nothing: `permits::cancel` passes
//! it to the next waiting getter, or the item becomes the first free one.
//!
//! `join` is an [`Event`] set while no put item is waiting for `task_done`.
//!
//! Ground rules: each field has its own `RefCell`/`Cell`, released before any
//! waker runs (`permits::release` wakes outside its borrow).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::rc::Rc;

use crate::event_loop::await_site::traced;

use super::Event;
use super::permits::{self, Permits, Take};

/// A queue shared by producers and consumers
/// (asyncio: `asyncio.Queue(maxsize)`).
///
/// `maxsize == 0` means unbounded, as in asyncio. Clones are handles to the
/// same queue: clone one into each task. `Rc`, not `Arc`, because a queue
/// belongs to one loop's thread.
///
/// Cancellation: dropping a `get()` or `put()` future gives up its place in
/// line. A `get()` that was handed an item (woken, not yet run) and is then
/// dropped passes that item to the next waiting getter; with none waiting,
/// the item stays at the front of the queue for the next `get`. A `put()` granted a free slot and
/// then dropped passes the slot to the next waiting putter, or frees it. A
/// dropped `put()` has put nothing: its item is dropped with it.
///
/// ```no_run
/// use reel::sync::Queue;
///
/// reel::run(async {
///     let jobs = Queue::new(16);
///     for _ in 0..2 {
///         let jobs = jobs.clone();
///         reel::spawn(async move {
///             loop {
///                 let job: u32 = jobs.get().await;
///                 println!("job {job}");
///                 jobs.task_done();
///             }
///         });
///     }
///     for job in 0..100 {
///         jobs.put(job).await;
///     }
///     jobs.join().await; // every job was marked done
/// });
/// ```
pub struct Queue<T> {
    /// Shared by every clone and pending wait.
    shared: Rc<Shared<T>>,
}

/// What the handles of one [`Queue`] share.
struct Shared<T> {
    /// Items put and not yet got, oldest first. Invariant: its length is the
    /// free plus granted `getters` permits, and the first `granted` items are
    /// those promised to woken getters.
    items: RefCell<VecDeque<T>>,
    /// A permit per queued item: free ones for items nobody was promised,
    /// granted ones for items promised to woken getters; and the getters
    /// waiting for one.
    getters: RefCell<Permits>,
    /// Free slots and the putters waiting for one; `None` when unbounded.
    /// Bounded: items, free and granted slots add up to `maxsize`.
    slots: Option<RefCell<Permits>>,
    /// The bound given to [`Queue::new`]; 0 for unbounded.
    maxsize: usize,
    /// Items put and not yet marked done with [`Queue::task_done`].
    unfinished: Cell<usize>,
    /// Set exactly while `unfinished` is zero; [`Queue::join`] waits on it.
    finished: Event,
}

impl<T> Queue<T> {
    /// A queue holding at most `maxsize` items; 0 means no bound
    /// (asyncio: `asyncio.Queue(maxsize=0)`).
    pub fn new(maxsize: usize) -> Self {
        let finished = Event::new();
        finished.set();
        let shared = Shared {
            items: RefCell::new(VecDeque::new()),
            getters: RefCell::new(Permits::new(0)),
            slots: (maxsize > 0).then(|| RefCell::new(Permits::new(maxsize))),
            maxsize,
            unfinished: Cell::new(0),
            finished,
        };
        Queue { shared: Rc::new(shared) }
    }

    /// Puts `item` at the back, waiting while the queue is full; waiting
    /// putters are served first-in first-out (asyncio: `await queue.put(item)`).
    #[track_caller]
    pub fn put(&self, item: T) -> impl Future<Output = ()> {
        traced!(async move {
            if let Some(slots) = &self.shared.slots {
                // Cancelled here, `Take` passes a granted slot on.
                Take::new(slots).await;
            }
            self.shared.push(item);
        })
    }

    /// Puts `item` if a slot is free now and no putter is waiting for one,
    /// else hands it back (asyncio: `queue.put_nowait(item)`, `QueueFull`).
    pub fn put_nowait(&self, item: T) -> Result<(), QueueFull<T>> {
        if let Some(slots) = &self.shared.slots {
            if !slots.borrow_mut().try_take() {
                return Err(QueueFull(item));
            }
        }
        self.shared.push(item);
        Ok(())
    }

    /// Removes and returns the front item, waiting while there is none;
    /// waiting getters are served first-in first-out
    /// (asyncio: `await queue.get()`).
    #[track_caller]
    pub fn get(&self) -> impl Future<Output = T> {
        traced!(async move {
            if let Ok(item) = self.get_nowait() {
                return item;
            }
            // `get_nowait` just failed, so this queues, and returns only when an
            // item is granted. Cancelled here, `Take` passes a grant on.
            Take::new(&self.shared.getters).await;
            // Granted items are the front ones.
            self.shared.take(0)
        })
    }

    /// Removes and returns the oldest item no waiting getter has been
    /// promised, if there is one (asyncio: `queue.get_nowait()`, `QueueEmpty`).
    pub fn get_nowait(&self) -> Result<T, QueueEmpty> {
        let promised = {
            let mut getters = self.shared.getters.borrow_mut();
            if !getters.try_take() {
                return Err(QueueEmpty);
            }
            getters.granted()
        };
        // The first `promised` items wait for the getters they were granted to.
        Ok(self.shared.take(promised))
    }

    /// Items in the queue now, counting those promised to woken getters
    /// (asyncio: `queue.qsize()`).
    pub fn qsize(&self) -> usize {
        self.shared.items.borrow().len()
    }

    /// The bound; 0 for an unbounded queue (asyncio: `queue.maxsize`).
    pub fn maxsize(&self) -> usize {
        self.shared.maxsize
    }

    /// True when [`get_nowait`](Self::get_nowait) would fail now
    /// (asyncio: `queue.empty()`). It differs from `qsize() == 0` only while
    /// the queued items are promised to getters that have not yet run.
    pub fn empty(&self) -> bool {
        self.shared.getters.borrow().available() == 0
    }

    /// True when [`put_nowait`](Self::put_nowait) would fail now; never for
    /// an unbounded queue (asyncio: `queue.full()`). It differs from
    /// `qsize() >= maxsize` only while free slots are promised to putters
    /// that have not yet run.
    pub fn full(&self) -> bool {
        self.shared.slots.as_ref().is_some_and(|slots| slots.borrow().available() == 0)
    }

    /// Marks one item that was got as processed; when every item put has
    /// been marked, [`join`](Self::join) returns (asyncio: `queue.task_done()`).
    ///
    /// # Panics
    ///
    /// If called more times than items were put: that is a bug in the caller,
    /// as in asyncio, which raises `ValueError`.
    pub fn task_done(&self) {
        let unfinished = self.shared.unfinished.get();
        assert!(
            unfinished > 0,
            "reel::sync::Queue::task_done called more times than items were put"
        );
        self.shared.unfinished.set(unfinished - 1);
        if unfinished == 1 {
            self.shared.finished.set();
        }
    }

    /// Waits until every item put so far has been marked with
    /// [`task_done`](Self::task_done); returns at once if none is pending
    /// (asyncio: `await queue.join()`). Dropping the future leaves nothing
    /// behind.
    #[track_caller]
    pub fn join(&self) -> impl Future<Output = ()> {
        traced!(async move {
            self.shared.finished.wait().await;
        })
    }
}

impl<T> Shared<T> {
    /// Appends an item (a bounded putter holds a slot for it) and hands it
    /// to the oldest waiting getter, if any.
    fn push(&self, item: T) {
        self.items.borrow_mut().push_back(item);
        self.unfinished.set(self.unfinished.get() + 1);
        self.finished.clear();
        permits::release(&self.getters, 1);
    }

    /// Removes the item at `index` for a getter that holds a permit, and
    /// frees its slot for the oldest waiting putter.
    fn take(&self, index: usize) -> T {
        let item = self.items.borrow_mut().remove(index);
        let item = item.expect("a getter's permit stands for a queued item");
        if let Some(slots) = &self.slots {
            permits::release(slots, 1);
        }
        item
    }
}

impl<T> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Queue { shared: self.shared.clone() }
    }
}

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("qsize", &self.qsize())
            .field("maxsize", &self.maxsize())
            .field("unfinished", &self.shared.unfinished.get())
            .finish()
    }
}

/// [`Queue::put_nowait`] found no free slot; here is the item back
/// (asyncio: `asyncio.QueueFull`). Its `Debug` does not print the item, so
/// it works as an error for any `T`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct QueueFull<T>(pub T);

impl<T> QueueFull<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueFull(..)")
    }
}

impl<T> fmt::Display for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("putting on a full queue")
    }
}

impl<T> std::error::Error for QueueFull<T> {}

/// [`Queue::get_nowait`] found no item to take (asyncio: `asyncio.QueueEmpty`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueEmpty;

impl fmt::Display for QueueEmpty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("getting from an empty queue")
    }
}

impl std::error::Error for QueueEmpty {}
