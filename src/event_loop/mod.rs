//! The event loop: everything one tick touches, and nothing above it. The
//! library (sockets, streams, servers, sync, signals, TLS) stands on this
//! folder and reaches it by path (`crate::event_loop::context::spawn`).
//!
//! The map, in the order a tick runs (asyncio: `BaseEventLoop._run_once`):
//!
//! | file | what it owns | asyncio |
//! |---|---|---|
//! | `runtime` | `run`, `Builder`, and `run_once`, the tick | `asyncio.run`, `_run_once` |
//! | `reactor` | mio's `Poll`, a slot per socket, `dispatch`: events to wakes | the selector |
//! | `io_slot` | one socket's readiness bits and the waker parked per direction | a `SelectorKey` |
//! | `registration` | a socket's link to the reactor: try, park on `WouldBlock` | `add_reader` |
//! | `timers` | deadlines and their wakers, `fire_expired` | `_scheduled` |
//! | `executor` | the task slab, the ready queue, `poll_task` | `_ready`, `Handle._run` |
//! | `turn` | one poll of one task, under `catch_unwind` | `Task.__step` |
//! | `task`, `task_slot`, `task_cell` | a task's id and outcome; its slot in the slab; a joinable task's future and outcome | `asyncio.Task` |
//! | `waker` | a wake: back on the ready queue, from this thread or another | `call_soon`, `call_soon_threadsafe` |
//! | `context` | what one loop owns (`Core`), the thread-local, `spawn`, `JoinHandle` | `get_running_loop()`, `create_task` |
//!
//! What a first reading skips: `slow_poll` (the warning for a poll that held
//! the loop too long), `panic` (how a task's panic becomes one log line),
//! `task_rows` and `io_rows` (the tasks and the registrations as the task
//! table sees them, and their counters), `trace` (what `RUST_LOG=reel=trace`
//! prints of each tick, and a registration's name), and `timeline`,
//! `timeline_recorder` and `timeline_file` (what `REEL_TIMELINE=FILE`
//! records, for Perfetto), `await_site` (the line where a task waits) and
//! `debugger` (where gdb finds the loops); the core calls them through
//! named helpers. `budget` (a poll's 32 I/O attempts) is read with
//! `registration`.
//! `io_slot` is one socket's readiness and wakers, read with `reactor`.

pub(crate) mod await_site;
pub(crate) mod budget;
pub(crate) mod clock;
pub(crate) mod context;
pub(crate) mod debugger;
pub(crate) mod executor;
pub(crate) mod io_rows;
pub(crate) mod io_slot;
pub(crate) mod panic;
pub(crate) mod reactor;
pub(crate) mod registration;
pub(crate) mod runtime;
pub(crate) mod slow_poll;
pub(crate) mod step;
pub(crate) mod task;
pub(crate) mod task_cell;
pub(crate) mod task_rows;
pub(crate) mod task_slot;
pub(crate) mod timeline;
pub(crate) mod timeline_file;
pub(crate) mod timeline_recorder;
pub(crate) mod timers;
pub(crate) mod trace;
pub(crate) mod turn;
pub(crate) mod waker;
