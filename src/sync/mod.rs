//! Synchronisation between tasks of one loop: semaphores, locks, events,
//! barriers, queues, channels, and running several futures at once inside
//! one task.
//!
//! asyncio counterpart: `asyncio.Semaphore`, `asyncio.Lock`, `asyncio.Event`,
//! `asyncio.Barrier`, `asyncio.Queue`, `asyncio.gather`,
//! `asyncio.wait(return_when=FIRST_COMPLETED)`.
//!
//! | here | asyncio | file |
//! |---|---|---|
//! | [`Semaphore`], [`SemaphorePermit`] | `Semaphore`, `async with sem:` | `semaphore.rs` (queue in `permits.rs`) |
//! | [`BoundedSemaphore`] | `BoundedSemaphore` | `bounded_semaphore.rs` (on `Semaphore`) |
//! | [`Lock`], [`LockGuard`] | `Lock`, `async with lock:` | `lock.rs` (on `Semaphore`) |
//! | [`Event`] | `Event` | `event.rs` |
//! | [`Barrier`] | `Barrier` | `barrier.rs` |
//! | [`Queue`], [`PriorityQueue`], [`LifoQueue`] | `Queue(maxsize)`, `PriorityQueue`, `LifoQueue`, `task_done`, `join`, `shutdown`: many getters | `queue/` (queues in `permits.rs`) |
//! | [`channel`], [`unbounded_channel`] | `Queue(maxsize)`, `Queue()` with one consumer, and an end when the senders go | `channel/` |
//! | [`join`], [`join_all`] | `gather` | `join.rs` |
//! | [`select`], [`race`] | `wait(return_when=FIRST_COMPLETED)` | `select.rs` |
//!
//! # Ground rules
//!
//! - Single thread: shared state is `Rc<RefCell<_>>` or `Cell`, never
//!   `Arc`/`Mutex`, and the handles are not `Send`. The exception is the
//!   per-child waker of `join_all`/`race` (`children.rs`), because a `Waker`
//!   may be woken from another thread.
//! - A waiting future parks its waker in the primitive's state on `Pending`
//!   and takes it out in `Drop`, so a cancelled wait leaves nothing behind.
//!   Where a wait can be *granted* something before it runs again (a
//!   semaphore permit, a lock, a channel or queue slot, a queued item), its
//!   `Drop` hands that on.
//! - Waiters are woken after the `RefCell` borrow ends, never inside it, and
//!   values (user code) are dropped outside borrows too.
//! - Nothing here spawns a task: `join`, `join_all`, `select` and `race` poll
//!   their children inside the task that awaits them.

mod barrier;
mod bounded_semaphore;
mod channel;
mod children;
mod condition;
mod event;
mod join;
mod lock;
mod permits;
mod queue;
mod select;
mod semaphore;

pub use barrier::{Barrier, BarrierWait, BarrierWaitResult, BrokenBarrier};
pub use bounded_semaphore::{BoundedSemaphore, ReleasedTooOften};
pub use channel::{
    Receiver, SendError, Sender, Sending, TryRecvError, TrySendError, UnboundedSender, channel,
    unbounded_channel,
};
pub use condition::Condition;
pub use event::{Event, Wait};
pub use join::{join, join_all};
pub use lock::{Lock, LockGuard};
pub use queue::{
    Fifo, GenericQueue, Lifo, LifoQueue, Order, Priority, PriorityQueue, Queue, QueueShutDown,
    TryGetError, TryPutError,
};
pub use select::{Either, race, select};
pub use semaphore::{Acquire, Semaphore, SemaphorePermit};
