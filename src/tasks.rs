//! Every live task of the running loop, on demand: what it is, what it
//! waits on, how much it has run (asyncio: `asyncio.all_tasks()`;
//! tokio-console's task list).
//!
//! # Implementation
//!
//! Little is recorded for this on the hot path, all where the executor
//! holds the task's slot anyway: two counters (polls, and time in poll on
//! the coarse clock it reads for the slow-poll check), the call site its
//! last poll stopped at (await_site.rs), and who spawned it. A `JoinHandle`
//! or `TaskGroup` that returns `Pending` notes its awaiter. What a task
//! waits on is found when asked: every waker parked in the reactor's slots
//! and in the timers is matched, by the address of its data, against each
//! task's own waker; a task awaiting another's handle waits on that task;
//! a waker parked anywhere else (a channel, an event, a lock, a
//! combinator's own waker) is "something else". A waiting task whose waker
//! has no clone outside its slot can never be woken: `wakeable` is false.
//! task_tree.rs prints the table as a tree.

use std::fmt;
use std::net::SocketAddr;
use std::panic::Location;
use std::time::{Duration, Instant};

use crate::event_loop::context::with_core;
use crate::event_loop::slow_poll::coarse_nanos;
use crate::event_loop::task::TaskId;
pub use crate::event_loop::task::TaskState;

/// One live task, as [`tasks`] saw it.
#[derive(Debug, Clone)]
pub struct TaskSnapshot {
    /// The task's id.
    pub id: TaskId,
    /// Its name, if it was spawned with one (a server's handlers are
    /// `handler PEER`).
    pub name: Option<String>,
    /// Where it is: queued, being polled, or waiting for a wake.
    pub state: TaskState,
    /// What it waits on, where the runtime knows; empty unless waiting.
    pub waiting_on: Vec<WaitingOn>,
    /// How many times it has been polled.
    pub polls: u64,
    /// Its time in `poll`, in all (a coarse clock: millisecond grain).
    pub busy: Duration,
    /// How long ago it was spawned.
    pub age: Duration,
    /// Where its last poll left it waiting: the line of its own code that
    /// awaited a reel future (a read, a sleep, a lock), when one did.
    pub waiting_at: Option<&'static Location<'static>>,
    /// The task awaiting this one, through its `JoinHandle` or its
    /// `TaskGroup`, while one does.
    pub awaited_by: Option<TaskId>,
    /// The task that spawned it (a server's accept task, for a handler).
    pub spawned_by: Option<TaskId>,
    /// False when it is waiting and no waker of it is held anywhere but by
    /// the executor: nothing can wake it (a `poll` that returned `Pending`
    /// without keeping `cx.waker()`).
    pub wakeable: bool,
}

/// Something a waiting task waits on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitingOn {
    /// A socket (or pipe: stdin, a signal's self-pipe) registered with the
    /// reactor to become readable or writable, by its token.
    Io {
        /// Its slab key in the reactor (its `mio::Token`).
        token: usize,
        /// True for readable, false for writable.
        read: bool,
        /// The connection's peer, for a connection.
        peer: Option<SocketAddr>,
        /// What it is, when not a connection: `listener 127.0.0.1:8888`,
        /// `signal pipe SIGINT`, `stdin`.
        label: Option<String>,
    },
    /// A timer (a sleep, a timeout, an interval).
    Timer {
        /// How long until it fires (zero if due).
        due_in: Duration,
    },
    /// Another task, through its `JoinHandle` or its `TaskGroup`.
    Task(TaskId),
    /// Something else: a channel, an event, a lock, a queue.
    Other,
}

/// Every live task of the loop running on this thread, in slab order
/// (asyncio: `asyncio.all_tasks()`). Panics outside a running loop.
pub fn tasks() -> Vec<TaskSnapshot> {
    with_core("reel::tasks", |core| {
        let rows = core.executor.rows();
        let sockets = core.reactor.parked();
        let timers = core.timers.parked();
        // (awaited task, awaiting task), to say what a join waits on.
        let awaited: Vec<(TaskId, TaskId)> =
            rows.iter().filter_map(|row| Some((row.id, row.awaited_by?))).collect();
        let (now, clock) = (Instant::now(), coarse_nanos());
        let snapshot = |row: crate::event_loop::task_rows::Row| {
            let state = row.state;
            let mut waiting_on: Vec<WaitingOn> = sockets
                .iter()
                .filter(|parked| parked.waker == row.waker)
                .map(|p| WaitingOn::Io {
                    token: p.token,
                    read: p.read,
                    peer: p.peer,
                    label: p.label.clone(),
                })
                .collect();
            waiting_on.extend(
                timers
                    .iter()
                    .filter(|parked| parked.1 == row.waker)
                    .map(|t| WaitingOn::Timer { due_in: t.0.saturating_duration_since(now) }),
            );
            if state == TaskState::Waiting && waiting_on.is_empty() {
                waiting_on
                    .extend(awaited.iter().filter(|a| a.1 == row.id).map(|a| WaitingOn::Task(a.0)));
            }
            if state == TaskState::Waiting && waiting_on.is_empty() {
                waiting_on.push(WaitingOn::Other);
            }
            TaskSnapshot {
                id: row.id,
                name: row.name.map(|name| name.to_string()),
                state,
                waiting_on,
                polls: row.polls,
                busy: Duration::from_nanos(row.busy),
                age: Duration::from_nanos(clock.saturating_sub(row.born)),
                waiting_at: row.waiting_at,
                awaited_by: row.awaited_by,
                spawned_by: row.spawned_by,
                wakeable: row.wakeable,
            }
        };
        rows.into_iter().map(snapshot).collect()
    })
}

impl fmt::Display for TaskSnapshot {
    /// One line: `task 7 (handler 127.0.0.1:5000) waiting on I/O 5 read
    /// (127.0.0.1:5000) at examples/echo/plain.rs:36, 12 polls, 0.4 ms
    /// busy, age 2.1 s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.name.as_deref().unwrap_or("unnamed");
        write!(f, "task {} ({name}) ", self.id)?;
        match self.state {
            TaskState::Ready => f.write_str("ready")?,
            TaskState::Running => f.write_str("running")?,
            TaskState::Waiting if !self.wakeable => {
                f.write_str("pending, and no waker is held: nothing can wake it")?
            }
            TaskState::Waiting => {
                f.write_str("waiting on")?;
                for (i, on) in self.waiting_on.iter().enumerate() {
                    f.write_str(if i == 0 { " " } else { " and " })?;
                    on.fmt(f)?;
                }
            }
        }
        if let Some(at) = self.waiting_at.filter(|_| self.state == TaskState::Waiting) {
            write!(f, " at {}:{}", at.file(), at.line())?;
        }
        let busy = self.busy.as_secs_f64() * 1000.0;
        let age = self.age.as_secs_f64();
        write!(f, ", {} polls, {busy:.1} ms busy, age {age:.1} s", self.polls)
    }
}

impl fmt::Display for WaitingOn {
    /// `I/O 5 read (127.0.0.1:5000)`, `a timer due in 59.6s`, `task 9`,
    /// `something else`: the words of the trace, the timeline and gdb.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitingOn::Io { token, read, peer, label } => {
                let dir = if *read { "read" } else { "write" };
                write!(f, "I/O {token} {dir}")?;
                match (label, peer) {
                    (Some(label), _) => write!(f, " ({label})"),
                    (None, Some(peer)) => write!(f, " ({peer})"),
                    (None, None) => Ok(()),
                }
            }
            WaitingOn::Timer { due_in } => write!(f, "a timer due in {due_in:.1?}"),
            WaitingOn::Task(id) => write!(f, "task {id}"),
            WaitingOn::Other => f.write_str("something else"),
        }
    }
}
