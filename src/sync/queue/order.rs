//! The orders a queue can hand out its items in: first-in first-out
//! ([`Fifo`]), lowest first ([`Priority`]) and last-in first-out ([`Lifo`]).
//!
//! asyncio counterpart: the `_init`, `_put`, `_get` and `_qsize` methods that
//! `asyncio.PriorityQueue` and `asyncio.LifoQueue` override in `Queue`. Here
//! they are the [`Order`] trait, and a queue is generic over it: the
//! waiting, bounds, `task_done` and shutdown are written once, in `mod.rs`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Where a queue keeps its items and which one a getter takes next
/// (asyncio: a `Queue` subclass's `_put`, `_get` and `_qsize`). Implement it
/// for an order of your own and build the queue with
/// [`GenericQueue::with_order`](super::GenericQueue::with_order).
pub trait Order<T>: Default {
    /// Stores an item that was put.
    fn push(&mut self, item: T);

    /// Removes the item the next getter takes. The queue has promised
    /// `promised` items to getters that were woken and have not run yet: an
    /// order that serves items in the order they came keeps the oldest
    /// `promised` ones for them and takes the one after; other orders hand
    /// out whichever item is next when the getter runs, and may ignore it.
    fn pop(&mut self, promised: usize) -> Option<T>;

    /// Items stored.
    fn len(&self) -> usize;

    /// True when no item is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// First in, first out (asyncio: `asyncio.Queue`).
pub struct Fifo<T>(VecDeque<T>);

impl<T> Default for Fifo<T> {
    fn default() -> Self {
        Fifo(VecDeque::new())
    }
}

impl<T> Order<T> for Fifo<T> {
    fn push(&mut self, item: T) {
        self.0.push_back(item);
    }

    fn pop(&mut self, promised: usize) -> Option<T> {
        // The oldest items wait for the getters they were promised to.
        self.0.remove(promised)
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Lowest first, as `heapq` orders them (asyncio: `asyncio.PriorityQueue`,
/// whose entries are often `(priority, data)` tuples; here any `T: Ord`,
/// such as `(u32, String)`). Equal items come out in no promised order.
pub struct Priority<T>(BinaryHeap<Reverse<T>>);

impl<T: Ord> Default for Priority<T> {
    fn default() -> Self {
        Priority(BinaryHeap::new())
    }
}

impl<T: Ord> Order<T> for Priority<T> {
    fn push(&mut self, item: T) {
        self.0.push(Reverse(item));
    }

    /// The lowest item now: a woken getter takes the best there is when it
    /// runs, not the item whose arrival woke it.
    fn pop(&mut self, _promised: usize) -> Option<T> {
        self.0.pop().map(|Reverse(item)| item)
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Last in, first out: a stack (asyncio: `asyncio.LifoQueue`).
pub struct Lifo<T>(Vec<T>);

impl<T> Default for Lifo<T> {
    fn default() -> Self {
        Lifo(Vec::new())
    }
}

impl<T> Order<T> for Lifo<T> {
    fn push(&mut self, item: T) {
        self.0.push(item);
    }

    /// The newest item now, whoever's arrival woke the getter.
    fn pop(&mut self, _promised: usize) -> Option<T> {
        self.0.pop()
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}
