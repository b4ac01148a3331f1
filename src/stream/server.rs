//! `Server` (asyncio.Server): the accept tasks and the table of handlers
//! that `close`, `wait_closed` and `shutdown` work on. The starters that
//! make one are in `start.rs` (TCP) and `unix_server.rs` (a Unix socket).
//!
//! # Implementation
//!
//! One accept task per listening socket; each connection gets a handler task
//! named after its peer (so a panic is logged with the peer's address). The
//! server tracks its handler tasks through a guard that each handler holds:
//! when a handler ends (returns, panics or is cancelled), its guard's `Drop`
//! removes it from the table and wakes `wait_closed`/`shutdown`.
//!
//! Ground rules: `close` drops the listening sockets at once (new connects
//! are refused rather than left in the backlog) and ends the accept tasks;
//! handlers already running go on until they finish or `shutdown` cancels
//! them.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;
use std::future::{Future, poll_fn};
use std::net::SocketAddr;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::Duration;

use crate::event_loop::context::JoinHandle;
use crate::event_loop::context::{cancel_task, reserve_task, spawn_named, start_reserved};
use crate::event_loop::task::{TaskId, TaskRef, yield_now};
use crate::stream::accept::{ListenerSlot, accept_loop, take_backlog};
use crate::stream::listener::{Connection, Listener};
use crate::stream::options::ServerOptions;
use crate::stream::reserve;
use crate::stream::socket_file::SocketFile;

/// Spawns one connection's handler task with its guard inside, typed, so the
/// task's future is the handler's own (one allocation, not a box in a box).
pub(super) type Spawner = Rc<dyn Fn(Connection, HandlerGuard)>;

/// The server around `listeners`: one accept task each, and the table of
/// handlers that `close`, `wait_closed` and `shutdown` work on.
pub(super) fn serve(
    listeners: Vec<Listener>,
    local_addrs: Vec<SocketAddr>,
    socket_file: Option<SocketFile>,
    options: ServerOptions,
    spawn_handler: Spawner,
) -> Server {
    let inner = Rc::new(Inner {
        local_addrs,
        socket_file,
        serving: Cell::new(true),
        spawn_handler,
        options,
        handlers: RefCell::new(BTreeMap::new()),
        accept_tasks: RefCell::new(Vec::new()),
        waiters: RefCell::new(Vec::new()),
    });
    reserve::keep();
    for listener in listeners {
        let slot = Rc::new(RefCell::new(Some(listener)));
        let server = inner.clone();
        let start = move |connection| start_handler(&server, connection);
        let accept = accept_loop(slot.clone(), start);
        let task = spawn_named("accept", accept);
        inner.accept_tasks.borrow_mut().push((slot, task));
    }
    Server { inner }
}

/// A listening server (asyncio: `asyncio.Server`). Dropping it does not stop
/// it: call [`close`](Self::close) or [`shutdown`](Self::shutdown).
pub struct Server {
    inner: Rc<Inner>,
}

struct Inner {
    /// A TCP server's addresses; empty for a Unix server.
    local_addrs: Vec<SocketAddr>,
    /// A Unix server's socket file, removed by `close`.
    socket_file: Option<SocketFile>,
    /// False once `close` ran: no accept task is left.
    serving: Cell<bool>,
    spawn_handler: Spawner,
    options: ServerOptions,
    /// The live handler tasks, by task id; an entry leaves when its handler
    /// ends (see `HandlerGuard`).
    handlers: RefCell<BTreeMap<TaskId, TaskRef>>,
    /// Each listener (taken out and dropped by `close`) and its accept task.
    accept_tasks: RefCell<Vec<(ListenerSlot, JoinHandle<()>)>>,
    /// Tasks in `wait_closed`, `serve_forever` or `shutdown`.
    waiters: RefCell<Vec<Waker>>,
}

/// How a [`Server::shutdown`] went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Handlers that finished by themselves within the grace period.
    pub finished: usize,
    /// Handlers still running when it ran out, and cancelled.
    pub cancelled: usize,
}

impl Server {
    /// The addresses it listens on, with the real ports
    /// (asyncio: `[s.getsockname() for s in server.sockets]`).
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.inner.local_addrs
    }

    /// True until `close` (asyncio: `Server.is_serving()`).
    pub fn is_serving(&self) -> bool {
        self.inner.serving.get()
    }

    /// Handlers running now.
    pub fn active_connections(&self) -> usize {
        self.inner.handlers.borrow().len()
    }

    /// Stops listening at once: the sockets are closed, so new connects are
    /// refused; running handlers go on (asyncio: `Server.close()`).
    ///
    /// Connections the kernel had already completed, still in a listener's
    /// backlog, are first accepted and handed to handlers like any other:
    /// closing the listener would reset them, and their clients may have
    /// sent a request already. Those handlers start after the stop, and
    /// can tell so from whatever stop flag the server watches.
    pub fn close(&self) {
        if !self.inner.serving.replace(false) {
            return;
        }
        let accepts = std::mem::take(&mut *self.inner.accept_tasks.borrow_mut());
        for (listener, task) in accepts {
            let listener = listener.borrow_mut().take();
            if let Some(listener) = listener {
                let start = |connection| start_handler(&self.inner, connection);
                let taken = take_backlog(&listener, start);
                if taken > 0 {
                    log::debug!(target: "reel", "close: took {taken} connections from the backlog");
                }
            }
            task.cancel();
        }
        if let Some(file) = &self.inner.socket_file {
            file.remove();
        }
        self.inner.wake_waiters();
    }

    /// Waits until `close` has been called (asyncio: `Server.serve_forever()`,
    /// which in reel ends when another task closes the server).
    pub async fn serve_forever(&self) {
        self.wait_until(|inner| !inner.serving.get()).await;
    }

    /// Waits until the server is closed and every handler has ended
    /// (asyncio 3.12: `Server.wait_closed()`).
    pub async fn wait_closed(&self) {
        self.wait_until(|inner| !inner.serving.get() && inner.handlers.borrow().is_empty()).await;
    }

    /// Closes, waits up to `grace` for the handlers to finish, then cancels
    /// the rest, and reports how many did which.
    pub async fn shutdown(&self, grace: Duration) -> ShutdownReport {
        self.close();
        let running = self.active_connections();
        let _ = crate::time::timeout(grace, self.wait_closed()).await;
        let left: Vec<TaskRef> =
            std::mem::take(&mut *self.inner.handlers.borrow_mut()).into_values().collect();
        for &task in &left {
            cancel_task(task);
        }
        // A cancelled task is dropped when it next comes up; they were queued
        // before this yield, so by the time it returns they are gone.
        yield_now().await;
        ShutdownReport { finished: running - left.len(), cancelled: left.len() }
    }

    async fn wait_until(&self, done: impl Fn(&Inner) -> bool) {
        poll_fn(|cx| {
            if done(&self.inner) {
                return Poll::Ready(());
            }
            self.inner.waiters.borrow_mut().push(cx.waker().clone());
            Poll::Pending
        })
        .await
    }
}

impl Inner {
    fn wake_waiters(&self) {
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        waiters.into_iter().for_each(Waker::wake);
    }

    fn at_limit(&self) -> bool {
        self.options.max_connections.is_some_and(|limit| self.handlers.borrow().len() >= limit)
    }
}

/// Runs the server's handler for a new connection, or its refusal past the
/// connection limit.
fn start_handler(inner: &Rc<Inner>, connection: Connection) {
    if inner.at_limit() {
        if let (Some(refuse), Connection::Tcp(stream, peer)) = (&inner.options.refuse, connection) {
            spawn_named(&format!("refuse {peer}"), refuse(stream, peer));
        }
        return;
    }
    // The task's slot is reserved first, so its guard knows the task from
    // the start (as async-executor reserves its slab entry before spawning).
    let task = reserve_task(format!("handler {}", connection.peer()));
    inner.handlers.borrow_mut().insert(task.id, task);
    (inner.spawn_handler)(connection, HandlerGuard { inner: inner.clone(), task });
}

/// Held by every handler task: its `Drop` (on return, panic or cancel) takes
/// the task out of the server's table. It knows its task from the start: the
/// task's slot was reserved before the guard was made.
pub(super) struct HandlerGuard {
    inner: Rc<Inner>,
    task: TaskRef,
}

impl HandlerGuard {
    /// Runs the handler's future, made by `make`, in the task reserved for
    /// this guard, with the guard inside. The future is made inside the
    /// task, not captured by it: a captured future is stored twice
    /// (rust-lang/rust#62958). Detached: the server never awaits a handler,
    /// so it needs no join slot; a panic is logged at once, naming the peer.
    pub(super) fn start<Fut: Future<Output = ()> + 'static>(
        self,
        make: impl FnOnce() -> Fut + 'static,
    ) {
        start_reserved(self.task, async move {
            let _guard = self;
            make().await;
        });
    }
}

impl Drop for HandlerGuard {
    fn drop(&mut self) {
        self.inner.handlers.borrow_mut().remove(&self.task.id);
        self.inner.wake_waiters();
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("local_addrs", &self.inner.local_addrs)
            .field("serving", &self.inner.serving.get())
            .field("active", &self.inner.handlers.borrow().len())
            .finish()
    }
}
