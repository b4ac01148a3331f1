//! The task table as a tree, printed on a signal: each task under the task
//! awaiting it (its `JoinHandle` or `TaskGroup`), else under the task that
//! spawned it, with where each waits (asyncio: `python -m asyncio pstree
//! PID`, Python 3.14; Python's `faulthandler` dumps threads on a signal).

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::event_loop::context::{JoinHandle, spawn_named};
use crate::event_loop::task::TaskId;
use crate::signal::{SignalKind, signal};
use crate::tasks::{TaskSnapshot, tasks};

/// Prints [`tasks`] to stderr as a tree whenever `kind` arrives (a
/// server's `kill -USR1 PID`):
///
/// ```text
/// reel: 4 tasks on thread main:
///   task 1 (main) waiting on I/O 0 read (signal pipe SIGINT) and ... at examples/echo/main.rs:163, ...
///   └─ task 3 (accept) waiting on I/O 4 read (listener 127.0.0.1:8888) at src/stream/accept.rs:45, ...
///      └─ task 4 (handler 127.0.0.1:5000) waiting on I/O 5 read (127.0.0.1:5000) at examples/echo/plain.rs:36, ...
/// ```
///
/// The task it spawns runs until cancelled; dropping the handle leaves it
/// running, as with any task.
pub fn print_tasks_on(kind: SignalKind) -> io::Result<JoinHandle<()>> {
    let mut arrivals = signal(kind)?;
    Ok(spawn_named("task table", async move {
        while arrivals.recv().await.is_some() {
            let thread = std::thread::current();
            let thread = thread.name().unwrap_or("unnamed");
            let table = tasks();
            let mut out = format!("reel: {} tasks on thread {thread}:\n", table.len());
            out.push_str(&tree(&table));
            // One write, so that the tables of several loops do not mix.
            let _ = io::stderr().write_all(out.as_bytes());
        }
    }))
}

/// The table as a tree, a line a task, two spaces in: a task under the
/// task awaiting it, else under its spawner, when that one is alive;
/// siblings in id order. An awaited task says so.
pub fn tree(table: &[TaskSnapshot]) -> String {
    let alive: BTreeMap<TaskId, &TaskSnapshot> = table.iter().map(|t| (t.id, t)).collect();
    let parent = |task: &TaskSnapshot| {
        task.awaited_by.or(task.spawned_by).filter(|p| *p != task.id && alive.contains_key(p))
    };
    let mut children: BTreeMap<Option<TaskId>, Vec<&TaskSnapshot>> = BTreeMap::new();
    for task in alive.values() {
        children.entry(parent(task)).or_default().push(task);
    }
    let mut out = String::new();
    // Depth first, without recursion: (task, depth), the stack in reverse.
    let mut stack: Vec<(&TaskSnapshot, usize)> =
        children.get(&None).into_iter().flatten().rev().map(|t| (*t, 0)).collect();
    while let Some((task, depth)) = stack.pop() {
        out.push_str("  ");
        if depth > 0 {
            out.push_str(&"   ".repeat(depth - 1));
            out.push_str("└─ ");
        }
        out.push_str(&task.to_string());
        if let Some(by) = task.awaited_by {
            out.push_str(&format!(" (awaited by task {by})"));
        }
        out.push('\n');
        let below = children.get(&Some(task.id)).into_iter().flatten().rev();
        stack.extend(below.map(|t| (*t, depth + 1)));
    }
    out
}
