//! Queues with many producers and many consumers: first-in first-out
//! ([`Queue`]), lowest first ([`PriorityQueue`]) and last-in first-out
//! ([`LifoQueue`]).
//!
//! asyncio counterpart: `asyncio.Queue`, `asyncio.PriorityQueue`,
//! `asyncio.LifoQueue` (`put`, `get`, the `_nowait` forms, `task_done`,
//! `join`, and 3.13's `shutdown`). Unlike [`channel`](super::channel), whose
//! single [`Receiver`](super::Receiver) wants `&mut`, every handle here can
//! get, so several workers can drain one queue. The three are one type,
//! [`GenericQueue`], over an [`Order`] (`order.rs`), as asyncio's are one
//! class whose subclasses override `_put` and `_get`.
//!
//! # Implementation
//!
//! Two [`Permits`](super::permits) counts, both first-in first-out: `getters`
//! counts queued items, a permit per item, and for a bounded queue `slots`
//! counts free slots. A putter takes a slot (or queues for one), pushes, and
//! releases a getter permit; a getter takes a getter permit, removes an item
//! and releases a slot. A release *grants* the permit to the oldest waiter,
//! so the oldest waiting getter is served first, a free slot goes to the
//! oldest waiting putter, and a newcomer's `get_nowait` or `put_nowait`
//! cannot barge past them.
//!
//! Items granted to getters stay stored until those getters run. In a
//! [`Queue`] they are the oldest ones, kept for them: a woken getter takes
//! the front, a getter that found an item free takes the first one past the
//! promised ones. The other orders hand a woken getter whatever is next when
//! it runs. A cancelled grant loses nothing: `permits::cancel` passes it to
//! the next waiting getter, or the item becomes a free one.
//!
//! `join` is an [`Event`](super::Event) set while no put item is waiting for
//! `task_done`. `shutdown` sets a flag and wakes every waiting putter and
//! getter, which see the flag and fail (`shared.rs`).
//!
//! Ground rules: each field has its own `RefCell`/`Cell`, released before any
//! waker runs (`permits::release` wakes outside its borrow).

mod error;
mod order;
mod shared;

use std::fmt;
use std::future::Future;
use std::rc::Rc;

use crate::event_loop::await_site::traced;

use super::permits;

pub use error::{QueueShutDown, TryGetError, TryPutError};
pub use order::{Fifo, Lifo, Order, Priority};
use shared::Shared;

/// A first-in first-out queue shared by producers and consumers
/// (asyncio: `asyncio.Queue(maxsize)`). See [`GenericQueue`] for its methods.
///
/// ```no_run
/// use reel::sync::Queue;
///
/// reel::run(async {
///     let jobs = Queue::new(16);
///     for _ in 0..2 {
///         let jobs = jobs.clone();
///         reel::spawn(async move {
///             // Until the queue is shut down and empty.
///             while let Ok(job) = jobs.get().await {
///                 let job: u32 = job;
///                 println!("job {job}");
///                 jobs.task_done();
///             }
///         });
///     }
///     for job in 0..100 {
///         jobs.put(job).await.expect("nobody shut it down yet");
///     }
///     jobs.join().await; // every job was marked done
///     jobs.shutdown(false); // the workers' `get` fail: they end
/// });
/// ```
pub type Queue<T> = GenericQueue<T, Fifo<T>>;

/// A queue that hands out its lowest item first
/// (asyncio: `asyncio.PriorityQueue(maxsize)`); often of `(priority, data)`
/// pairs. See [`GenericQueue`] for its methods.
pub type PriorityQueue<T> = GenericQueue<T, Priority<T>>;

/// A queue that hands out its newest item first, a stack
/// (asyncio: `asyncio.LifoQueue(maxsize)`). See [`GenericQueue`] for its
/// methods.
pub type LifoQueue<T> = GenericQueue<T, Lifo<T>>;

/// A queue whose items come out in the [`Order`] `O`: the type behind
/// [`Queue`], [`PriorityQueue`] and [`LifoQueue`], which are what to name.
///
/// `maxsize == 0` means unbounded, as in asyncio. Clones are handles to the
/// same queue: clone one into each task. `Rc`, not `Arc`, because a queue
/// belongs to one loop's thread.
///
/// Cancellation: dropping a `get()` or `put()` future gives up its place in
/// line. A `get()` that was handed an item (woken, not yet run) and is then
/// dropped passes that item to the next waiting getter; with none waiting,
/// the item stays for the next `get`. A `put()` granted a free slot and then
/// dropped passes the slot to the next waiting putter, or frees it. A
/// dropped `put()` has put nothing: its item is dropped with it.
pub struct GenericQueue<T, O> {
    /// Shared by every clone and pending wait.
    shared: Rc<Shared<T, O>>,
}

impl<T> Queue<T> {
    /// A first-in first-out queue holding at most `maxsize` items; 0 means
    /// no bound (asyncio: `asyncio.Queue(maxsize=0)`).
    pub fn new(maxsize: usize) -> Self {
        Self::with_order(maxsize)
    }
}

impl<T: Ord> PriorityQueue<T> {
    /// A lowest-first queue holding at most `maxsize` items; 0 means no
    /// bound (asyncio: `asyncio.PriorityQueue(maxsize=0)`).
    pub fn new(maxsize: usize) -> Self {
        Self::with_order(maxsize)
    }
}

impl<T> LifoQueue<T> {
    /// A last-in first-out queue holding at most `maxsize` items; 0 means
    /// no bound (asyncio: `asyncio.LifoQueue(maxsize=0)`).
    pub fn new(maxsize: usize) -> Self {
        Self::with_order(maxsize)
    }
}

impl<T, O: Order<T>> GenericQueue<T, O> {
    /// A queue in an [`Order`] of your own, holding at most `maxsize` items;
    /// 0 means no bound (asyncio: subclassing `Queue`).
    pub fn with_order(maxsize: usize) -> Self {
        GenericQueue { shared: Rc::new(Shared::new(maxsize)) }
    }

    /// Puts `item`, waiting while the queue is full; waiting putters are
    /// served first-in first-out (asyncio: `await queue.put(item)`). Fails,
    /// handing the item back, once the queue is shut down, also while
    /// waiting (asyncio: `QueueShutDown`).
    #[track_caller]
    pub fn put(&self, item: T) -> impl Future<Output = Result<(), QueueShutDown<T>>> {
        traced!(async move {
            let shared = &self.shared;
            if shared.shut_down.get() {
                return Err(QueueShutDown(item));
            }
            if let Some(slots) = &shared.slots {
                // Cancelled here, `Take` passes a granted slot on.
                if shared.take_unless_shut_down(slots).await.is_err() {
                    return Err(QueueShutDown(item));
                }
                if shared.shut_down.get() {
                    // Granted a slot just before the shutdown: give it back.
                    permits::release(slots, 1);
                    return Err(QueueShutDown(item));
                }
            }
            shared.push(item);
            Ok(())
        })
    }

    /// Puts `item` if a slot is free now and no putter is waiting for one,
    /// else hands it back (asyncio: `queue.put_nowait(item)`, `QueueFull`,
    /// `QueueShutDown`).
    pub fn put_nowait(&self, item: T) -> Result<(), TryPutError<T>> {
        let shared = &self.shared;
        if shared.shut_down.get() {
            return Err(TryPutError::ShutDown(item));
        }
        if let Some(slots) = &shared.slots {
            if !slots.borrow_mut().try_take() {
                return Err(TryPutError::Full(item));
            }
        }
        shared.push(item);
        Ok(())
    }

    /// Removes and returns the next item, waiting while there is none;
    /// waiting getters are served first-in first-out
    /// (asyncio: `await queue.get()`). Once the queue is shut down, items
    /// still in it are got; then it fails (asyncio: `QueueShutDown`).
    #[track_caller]
    pub fn get(&self) -> impl Future<Output = Result<T, QueueShutDown>> {
        traced!(async move {
            match self.get_nowait() {
                Ok(item) => return Ok(item),
                Err(TryGetError::ShutDown) => return Err(QueueShutDown(())),
                Err(TryGetError::Empty) => {}
            }
            // `get_nowait` just failed, so this queues, and returns only when
            // an item is granted. Cancelled here, `Take` passes a grant on.
            let shared = &self.shared;
            shared.take_unless_shut_down(&shared.getters).await.map_err(QueueShutDown)?;
            // A granted getter takes the first item; a shutdown with
            // `immediate` may have dropped it.
            shared.take(0).ok_or(QueueShutDown(()))
        })
    }

    /// Removes and returns the next item no waiting getter has been
    /// promised, if there is one (asyncio: `queue.get_nowait()`,
    /// `QueueEmpty`, `QueueShutDown` once shut down and empty).
    pub fn get_nowait(&self) -> Result<T, TryGetError> {
        let shared = &self.shared;
        let promised = {
            let mut getters = shared.getters.borrow_mut();
            if !getters.try_take() {
                let shut = shared.shut_down.get();
                return Err(if shut { TryGetError::ShutDown } else { TryGetError::Empty });
            }
            getters.granted()
        };
        // The permit stands for an item; only a shutdown with `immediate`
        // drops them, and it takes the permits too.
        shared.take(promised).ok_or(TryGetError::ShutDown)
    }

    /// Shuts the queue down (asyncio 3.13: `queue.shutdown(immediate)`):
    /// `put` and `put_nowait` fail from now on, waiting putters too. With
    /// `immediate` false, getters still get the items left, then fail; with
    /// `immediate` true, the items are dropped now, each counted as done for
    /// [`join`](Self::join), and every getter fails, waiting ones too.
    pub fn shutdown(&self, immediate: bool) {
        self.shared.shut_down(immediate);
    }

    /// True once [`shutdown`](Self::shutdown) was called
    /// (asyncio: `queue._is_shutdown`).
    pub fn is_shut_down(&self) -> bool {
        self.shared.shut_down.get()
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

    /// True when [`get_nowait`](Self::get_nowait) would find nothing now
    /// (asyncio: `queue.empty()`). It differs from `qsize() == 0` only while
    /// the queued items are promised to getters that have not yet run.
    pub fn empty(&self) -> bool {
        self.shared.getters.borrow().available() == 0
    }

    /// True when [`put_nowait`](Self::put_nowait) would find no slot now;
    /// never for an unbounded queue (asyncio: `queue.full()`). It differs
    /// from `qsize() >= maxsize` only while free slots are promised to
    /// putters that have not yet run.
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
    /// [`task_done`](Self::task_done) (or dropped by an immediate
    /// [`shutdown`](Self::shutdown)); returns at once if none is pending
    /// (asyncio: `await queue.join()`). Dropping the future leaves nothing
    /// behind.
    #[track_caller]
    pub fn join(&self) -> impl Future<Output = ()> {
        traced!(async move {
            self.shared.finished.wait().await;
        })
    }
}

impl<T, O> Clone for GenericQueue<T, O> {
    fn clone(&self) -> Self {
        GenericQueue { shared: self.shared.clone() }
    }
}

impl<T, O: Order<T>> fmt::Debug for GenericQueue<T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("qsize", &self.qsize())
            .field("maxsize", &self.maxsize())
            .field("unfinished", &self.shared.unfinished.get())
            .field("shut_down", &self.is_shut_down())
            .finish()
    }
}
