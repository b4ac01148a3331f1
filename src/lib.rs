//! # reel: an event loop you can read
//!
//! reel is a single-threaded async runtime written to be read end to end. It is
//! built like Python's asyncio event loop (one thread, a ready queue, a selector,
//! a queue of timers) but drives Rust's `std::future::Future`s through
//! `std::task::Waker`s, with mio's epoll (Linux) or kqueue (macOS, the BSDs)
//! underneath. The few libc calls that are Linux's own (`SOCK_NONBLOCK`,
//! `pipe2`, `MSG_MORE`, `sendfile`) have portable twins beside them, which
//! `--cfg reel_portable` selects on Linux so that they are tested there too;
//! DESIGN.md, "Platforms", says what differs.
//!
//! An echo server on a free port and a client of it, in one loop (this
//! example runs with the crate's tests):
//!
//! ```
//! use reel::net::{TcpListener, TcpStream};
//!
//! fn main() -> std::io::Result<()> {
//!     reel::run(async {
//!         let listener = TcpListener::bind("127.0.0.1:0")?;
//!         let addr = listener.local_addr()?;
//!         // The server: one task per connection, echoing until EOF.
//!         reel::spawn(async move {
//!             while let Ok((mut stream, _peer)) = listener.accept().await {
//!                 reel::spawn(async move {
//!                     let mut buf = vec![0; 4096];
//!                     while let Ok(n @ 1..) = stream.read(&mut buf).await {
//!                         if stream.write_all(&buf[..n]).await.is_err() {
//!                             break;
//!                         }
//!                     }
//!                 });
//!             }
//!         });
//!         // The client, in the same loop.
//!         let mut client = TcpStream::connect(addr).await?;
//!         client.write_all(b"hello").await?;
//!         let mut echo = [0; 5];
//!         let mut got = 0;
//!         while got < echo.len() {
//!             got += client.read(&mut echo[got..]).await?;
//!         }
//!         assert_eq!(&echo, b"hello");
//!         Ok(())
//!     })
//! }
//! ```
//!
//! ## Where things live
//!
//! | module | owns | asyncio counterpart |
//! |---|---|---|
//! | [`runtime`](crate::run) | the loop and its tick | `asyncio.run`, `BaseEventLoop._run_once` |
//! | `context` | the running loop's parts, the thread-local that finds them, `spawn` | `get_running_loop`, `create_task` |
//! | `executor` | tasks and the ready queue | `loop._ready` |
//! | `turn` | one poll of a task, and how it ended | `Task.__step` |
//! | `task`, `task_cell` | task ids, `JoinError`; a task's future and outcome, `JoinHandle` | `asyncio.Task` |
//! | `waker` | how a wake reaches the ready queue, from any thread | `call_soon`, `call_soon_threadsafe` |
//! | `reactor` | `mio::Poll` and the slab of socket registrations | `selectors.EpollSelector` |
//! | `timers` | deadlines and the sleepers waiting on them | `loop._scheduled` (a heap) |
//! | [`time`] | `sleep`, `timeout`, `interval` | `asyncio.sleep`, `asyncio.wait_for` |
//! | [`net`] | `TcpListener`, `TcpStream`, `UdpSocket`, `UnixListener`, `UnixStream` | `loop.sock_accept`, `sock_recv`, `sock_sendall`, `sock_recvfrom` |
//! | [`stream`] | `StreamReader`, `StreamWriter`, `start_server`, `Server` | asyncio streams, `asyncio.Server` |
//! | `step` | [`Loop`]: a loop stepped one tick at a time, and its [`TickReport`] | calling `loop._run_once()` by hand |
//! | [`callbacks`] | `call_soon`, `call_later`, `call_at` and their `Handle` | `loop.call_soon`, `call_later`, `call_at` |
//! | [`process`] | child processes, their pipes, waiting for them | `asyncio.create_subprocess_exec` |
//! | `blocking` | a small thread pool | `loop.run_in_executor` |
//! | [`io`] | `AsyncRead`/`AsyncWrite`, stdin | transports |
//! | [`sync`] | semaphores, locks, conditions, events, barriers, queues, channels, gather/select | `asyncio.Semaphore`, `Lock`, `Condition`, `Event`, `Barrier`, `Queue`, `gather`, `wait` |
//! | `task_group` | [`TaskGroup`]: child tasks that succeed or fail together | `asyncio.TaskGroup`, `as_completed` |
//! | [`signal`] | signals as events on the loop | `loop.add_signal_handler` |
//! | `panic` | how a task's panic is reported: one line, no backtrace | the loop's exception handler |
//! | `slow_poll` | the warning for a poll that held the loop | `slow_callback_duration` |
//! | [`tasks`](mod@tasks) | every live task: state, what it waits on, polls, time | `asyncio.all_tasks()` |
//! | `limits` | the limit on open files, raised at a server's start | `resource.setrlimit` |
//! | `fd` | a descriptor's `O_NONBLOCK` and `FD_CLOEXEC` flags | `os.set_blocking` |
//! | `hyper` (feature) | hyper's I/O, timer and executor on reel | (hyper-util's `rt::tokio`) |
//!
//! ## Ground rules
//!
//! - The core stacks in the order of the tick: the leaves (`reactor`,
//!   `timers`, `task`, `task_cell`, `panic`) under `waker`, under
//!   `executor`, under `context`, under `runtime`, under the public API
//!   (`net`, `time`, `stream`, `sync`, `task_group`, `signal`). One call
//!   goes up: a wake on the loop's own thread reaches the ready queue
//!   through `context::schedule_local`, as asyncio's `call_soon` does.
//!   Above, `io` imports none of the library, `net` stands on `io`, `tls`
//!   on `net`, `stream` on all three; `tests/runtime/imports.rs` fails on a
//!   cycle.
//! - One loop per thread. Everything it owns sits behind `Rc`/`RefCell`, not
//!   `Arc`/`Mutex`: only the loop's thread touches it. The one exception is the
//!   cross-thread wake path in `waker`, the only lock on the loop's state
//!   (the `spawn_blocking` pool, which lives off the loop, has its own).
//! - No `RefCell` borrow is held while user code runs (a future's `poll`, a
//!   `Drop`), so user code may call back into the loop (spawn, sleep, wake).
//! - `unsafe` is denied crate-wide and allowed only in the leaves that must
//!   call libc: `net::socket` (listening sockets), `net::send` (`sendfile`,
//!   `MSG_MORE`, `SO_MEMINFO`), `signal::sys` (the signal handler and its self-pipes),
//!   `io::stdin` (fd 0's flags), `limits` (`RLIMIT_NOFILE`), `memory`
//!   (`malloc_trim`), `slow_poll` (the coarse clock), `fd` (`fcntl`
//!   flags), `process::exit_watch` (`pidfd_open`), and `hyper::io`
//!   (telling hyper how many bytes a read filled);
//!   every block carries a `// SAFETY:` comment.
//!
//! DESIGN.md in the repository walks through the tick and one read from
//! `.await` to `epoll_wait` and back, with the gdb breakpoints to watch it.

#![deny(unsafe_code)]
// gdb that speaks reel (DESIGN.md, "Watch it in gdb"): printers and `reel-tasks`.
#![debugger_visualizer(gdb_script_file = "gdb/reel.py")]
#![warn(missing_docs)]

mod blocking;
pub mod callbacks;
mod event_loop;
mod fd;
#[cfg(feature = "hyper")]
pub mod hyper;
pub mod io;
mod limits;
mod memory;
pub mod net;
mod paused_clock;
pub mod process;
pub mod signal;
pub mod stream;
pub mod sync;
mod task_group;
mod task_tree;
pub mod tasks;
pub mod time;
#[cfg(feature = "tls")]
pub mod tls;

pub use blocking::spawn_blocking;
pub use callbacks::{add_reader, add_writer, call_at, call_later, call_soon};
pub use event_loop::context::JoinHandle;
pub use event_loop::context::{current_task, spawn, spawn_named};
pub use event_loop::panic::take_panic_location;
pub use event_loop::runtime::{Builder, Stats, TickReport, run, stats};
pub use event_loop::step::Loop;
pub use event_loop::task::{JoinError, TaskId, TaskInfo, yield_now};
pub use limits::{OpenFileLimit, open_file_limit, raise_open_file_limit};
pub use memory::release_free_memory;
pub use stream::{open_connection, open_unix_connection, start_server};
pub use task_group::{GroupError, TaskGroup};
pub use task_tree::print_tasks_on;
pub use tasks::tasks;
pub use time::{sleep, sleep_until, timeout};

/// The README's Rust code, compiled (and the blocks not marked `no_run`
/// run) by `cargo test --doc`, so its examples and the signatures its
/// asyncio table states cannot drift from the code.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
