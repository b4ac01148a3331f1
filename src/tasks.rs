//! Every live task of the running loop, on demand: what it is, what it
//! waits on, how much it has run (asyncio: `asyncio.all_tasks()`;
//! tokio-console's task list).
//!
//! # Implementation
//!
//! Nothing is recorded for this on the hot path beyond two counters the
//! executor updates where it holds the task's slot anyway (polls, and time
//! in poll on the coarse clock it reads for the slow-poll check). What a
//! task waits on is found when asked: every waker parked in the reactor's
//! slots and in the timers is matched, by the address of its data, against
//! each task's own waker. A task whose waker is parked elsewhere (a channel,
//! an event, a join handle, a combinator's own waker) waits on "other".

use std::fmt;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::event_loop::context::JoinHandle;
use crate::event_loop::context::with_core;
use crate::event_loop::slow_poll::coarse_nanos;
use crate::event_loop::task::TaskId;
pub use crate::event_loop::task::TaskState;
use crate::signal::{SignalKind, signal};

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
    /// Something else: a channel, an event, a join handle, a lock.
    Other,
}

/// Every live task of the loop running on this thread, in slab order
/// (asyncio: `asyncio.all_tasks()`). Panics outside a running loop.
pub fn tasks() -> Vec<TaskSnapshot> {
    with_core("reel::tasks", |core| {
        let rows = core.executor.rows();
        let sockets = core.reactor.parked();
        let timers = core.timers.parked();
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
            }
        };
        rows.into_iter().map(snapshot).collect()
    })
}

impl fmt::Display for TaskSnapshot {
    /// One line: `task 7 (handler 127.0.0.1:5000) waiting on I/O 3 read
    /// (127.0.0.1:5000), 12 polls, 0.4 ms busy, age 2.1 s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.name.as_deref().unwrap_or("unnamed");
        let state = match self.state {
            TaskState::Ready => "ready",
            TaskState::Running => "running",
            TaskState::Waiting => "waiting on",
        };
        write!(f, "task {} ({name}) {state}", self.id)?;
        for (i, on) in self.waiting_on.iter().enumerate() {
            f.write_str(if i == 0 { " " } else { " and " })?;
            match on {
                WaitingOn::Io { token, read, peer, label } => {
                    let dir = if *read { "read" } else { "write" };
                    write!(f, "I/O {token} {dir}")?;
                    match (label, peer) {
                        (Some(label), _) => write!(f, " ({label})")?,
                        (None, Some(peer)) => write!(f, " ({peer})")?,
                        (None, None) => {}
                    }
                }
                WaitingOn::Timer { due_in } => write!(f, "a timer due in {due_in:.1?}")?,
                WaitingOn::Other => f.write_str("something else")?,
            }
        }
        let busy = self.busy.as_secs_f64() * 1000.0;
        let age = self.age.as_secs_f64();
        write!(f, ", {} polls, {busy:.1} ms busy, age {age:.1} s", self.polls)
    }
}

/// Prints [`tasks`] to stderr, a line each, whenever `kind` arrives (a
/// server's `kill -USR1 PID`, as Python's `faulthandler` dumps threads on a
/// signal). The task it spawns runs until cancelled; dropping the handle
/// leaves it running, as with any task.
pub fn print_tasks_on(kind: SignalKind) -> io::Result<JoinHandle<()>> {
    let mut arrivals = signal(kind)?;
    Ok(crate::event_loop::context::spawn_named("task table", async move {
        while arrivals.recv().await.is_some() {
            let table = tasks();
            let thread = std::thread::current();
            let thread = thread.name().unwrap_or("unnamed");
            let mut out = format!("reel: {} tasks on thread {thread}:\n", table.len());
            for task in &table {
                out.push_str(&format!("  {task}\n"));
            }
            // One write, so that the tables of several loops do not mix.
            let _ = io::stderr().write_all(out.as_bytes());
        }
    }))
}
