//! The tour, step 3: the same echo server with futures, by hand. Each
//! connection is a `Future` written out as a state machine; a `Waker`
//! (`impl Wake`) puts its task back on a ready queue; a reactor on mio
//! keeps the waker each socket waits with; a heap of deadlines closes idle
//! clients. std and mio only. The functions carry reel's names
//! (`run_once`, `dispatch`, `fire_expired`, `poll_task`): step 4 is the
//! same loop, grown up. Read doc/tour.md, "Step 3", beside it.
//!
//! ```text
//! cargo run --example tour_3_futures -- --port 9090 --idle-timeout 10
//! ```

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::future::Future;
use std::io::{self, ErrorKind, Read, Write};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use clap::Parser;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Token};

/// Step 3 of the tour: an echo server on hand-made futures.
#[derive(Parser)]
struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 9090)]
    port: u16,
    /// Seconds a client may stay silent before it is closed.
    #[arg(long, default_value_t = 10.0)]
    idle_timeout: f64,
}

/// A task: a future boxed so that tasks of different types share a table.
type Task = Pin<Box<dyn Future<Output = ()>>>;

/// The ids of the tasks to poll on the next pass (asyncio: `_ready`). A
/// `Waker` may be sent to another thread, so this one is behind a lock.
type ReadyQueue = Arc<Mutex<VecDeque<usize>>>;

/// What a waker does: put its task on the ready queue (asyncio:
/// `loop.call_soon(task.__step)`).
struct TaskWaker {
    task: usize,
    ready: ReadyQueue,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.ready.lock().unwrap_or_else(|e| e.into_inner()).push_back(self.task);
    }
}

/// The reactor: mio's poll, the waker each socket waits with, and the
/// deadlines (asyncio: the selector, and the `_scheduled` heap).
struct Reactor {
    poll: mio::Poll,
    waiting: HashMap<Token, Waker>,
    timers: BinaryHeap<Reverse<(Instant, usize)>>,
    timer_wakers: HashMap<usize, Waker>,
    next_id: usize,
}

/// Shared by the loop and the futures (one thread: `Rc<RefCell>`).
type Shared = Rc<RefCell<Reactor>>;

impl Reactor {
    /// Waits for `token` to become ready: the task is woken by `dispatch`.
    fn wait_for(&mut self, token: Token, cx: &Context<'_>) {
        self.waiting.insert(token, cx.waker().clone());
    }

    /// Wakes the task at `deadline`: by `fire_expired`.
    fn wake_at(&mut self, deadline: Instant, cx: &Context<'_>) {
        self.next_id += 1;
        self.timers.push(Reverse((deadline, self.next_id)));
        self.timer_wakers.insert(self.next_id, cx.waker().clone());
    }
}

/// The executor: tasks by id, new ones to start, the ready queue.
struct EventLoop {
    reactor: Shared,
    tasks: HashMap<usize, Task>,
    spawned: Rc<RefCell<Vec<Task>>>,
    ready: ReadyQueue,
    next_task: usize,
}

impl EventLoop {
    /// One tick, as asyncio's `_run_once`: wait for I/O (not at all if a
    /// task is ready, else until the next deadline), wake the tasks whose
    /// sockets are ready, then those whose deadlines passed, then poll each
    /// ready task once.
    fn run_once(&mut self, events: &mut Events) -> io::Result<()> {
        for task in self.spawned.borrow_mut().drain(..) {
            self.next_task += 1;
            self.tasks.insert(self.next_task, task);
            self.ready.lock().unwrap_or_else(|e| e.into_inner()).push_back(self.next_task);
        }
        let timeout = self.timeout();
        match self.reactor.borrow_mut().poll.poll(events, timeout) {
            Err(e) if e.kind() != ErrorKind::Interrupted => return Err(e),
            _ => {}
        }
        self.dispatch(events);
        self.fire_expired();
        let ready: Vec<usize> =
            self.ready.lock().unwrap_or_else(|e| e.into_inner()).drain(..).collect();
        for task in ready {
            self.poll_task(task);
        }
        Ok(())
    }

    fn timeout(&self) -> Option<Duration> {
        if !self.ready.lock().unwrap_or_else(|e| e.into_inner()).is_empty() {
            return Some(Duration::ZERO);
        }
        let reactor = self.reactor.borrow();
        let next = reactor.timers.peek()?;
        Some(next.0.0.saturating_duration_since(Instant::now()))
    }

    /// Each event wakes the task waiting on its socket.
    fn dispatch(&mut self, events: &Events) {
        let mut reactor = self.reactor.borrow_mut();
        let woken: Vec<Waker> =
            events.iter().filter_map(|event| reactor.waiting.remove(&event.token())).collect();
        drop(reactor); // a wake must not run inside the borrow
        woken.into_iter().for_each(Waker::wake);
    }

    /// Each deadline that has passed wakes its task.
    fn fire_expired(&mut self) {
        let now = Instant::now();
        let mut woken = Vec::new();
        let mut reactor = self.reactor.borrow_mut();
        while let Some(Reverse((deadline, id))) = reactor.timers.peek().copied() {
            if deadline > now {
                break;
            }
            reactor.timers.pop();
            woken.extend(reactor.timer_wakers.remove(&id));
        }
        drop(reactor);
        woken.into_iter().for_each(Waker::wake);
    }

    /// Polls one task once with a waker that names it; drops it when done.
    fn poll_task(&mut self, id: usize) {
        let Some(task) = self.tasks.get_mut(&id) else { return };
        let waker = Waker::from(Arc::new(TaskWaker { task: id, ready: self.ready.clone() }));
        if task.as_mut().poll(&mut Context::from_waker(&waker)).is_ready() {
            self.tasks.remove(&id);
        }
    }
}

/// Accepts clients and starts a task for each: the accept loop.
struct Acceptor {
    listener: TcpListener,
    reactor: Shared,
    spawned: Rc<RefCell<Vec<Task>>>,
    idle: Duration,
    next_token: usize,
}

impl Future for Acceptor {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            match self.listener.accept() {
                Ok((mut stream, peer)) => {
                    self.next_token += 1;
                    let token = Token(self.next_token);
                    let registry = self.reactor.borrow().poll.registry().try_clone();
                    let interest = Interest::READABLE | Interest::WRITABLE;
                    if let Err(e) = registry.and_then(|r| r.register(&mut stream, token, interest))
                    {
                        eprintln!("register: {e}");
                        continue;
                    }
                    eprintln!("new client {peer}");
                    let echo = Echo::new(stream, token, self.reactor.clone(), self.idle);
                    self.spawned.borrow_mut().push(Box::pin(echo));
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    self.reactor.borrow_mut().wait_for(Token(0), cx);
                    return Poll::Pending;
                }
                Err(e) => eprintln!("accept: {e}"),
            }
        }
    }
}

/// One client, as a state machine: the bytes owed (`buf[sent..len]`), and
/// when it goes idle. An `async fn` would make this struct for us.
struct Echo {
    stream: TcpStream,
    token: Token,
    reactor: Shared,
    buf: [u8; 1024],
    len: usize,
    sent: usize,
    idle: Duration,
    deadline: Instant,
    /// When the timer set for this client fires, if one is set.
    timer: Option<Instant>,
}

impl Echo {
    fn new(stream: TcpStream, token: Token, reactor: Shared, idle: Duration) -> Echo {
        let deadline = Instant::now() + idle;
        let (buf, len, sent, timer) = ([0; 1024], 0, 0, None);
        Echo { stream, token, reactor, buf, len, sent, idle, deadline, timer }
    }
}

impl Future for Echo {
    type Output = ();

    /// Writes what is owed, then reads; on `WouldBlock` asks the reactor to
    /// wake it and returns `Pending` (asyncio: the coroutine yields a future
    /// and the task waits on it). `Ready` ends the client.
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        loop {
            if this.sent < this.len {
                match this.stream.write(&this.buf[this.sent..this.len]) {
                    Ok(n) => this.sent += n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => return Poll::Ready(()),
                }
                continue;
            }
            if Instant::now() >= this.deadline {
                eprintln!("idle client closed");
                return Poll::Ready(());
            }
            match this.stream.read(&mut this.buf) {
                Ok(0) => return Poll::Ready(()), // the client closed
                Ok(n) => {
                    (this.len, this.sent) = (n, 0);
                    this.deadline = Instant::now() + this.idle;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return Poll::Ready(()),
            }
        }
        let mut reactor = this.reactor.borrow_mut();
        reactor.wait_for(this.token, cx);
        // One timer at a time: a deadline moved later by a message keeps the
        // earlier timer, which wakes the task early; it then sees it is not
        // idle yet, and sets one for the new deadline (reel's timers do so).
        if this.timer.is_none_or(|at| at <= Instant::now()) {
            reactor.wake_at(this.deadline, cx);
            this.timer = Some(this.deadline);
        }
        Poll::Pending
    }
}

fn main() -> io::Result<()> {
    let args = Args::parse();
    let mut listener = TcpListener::bind(([127, 0, 0, 1], args.port).into())?;
    let poll = mio::Poll::new()?;
    poll.registry().register(&mut listener, Token(0), Interest::READABLE)?;
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;
    let reactor = Rc::new(RefCell::new(Reactor {
        poll,
        waiting: HashMap::new(),
        timers: BinaryHeap::new(),
        timer_wakers: HashMap::new(),
        next_id: 0,
    }));
    let spawned: Rc<RefCell<Vec<Task>>> = Rc::default();
    let idle = Duration::try_from_secs_f64(args.idle_timeout).unwrap_or(Duration::MAX);
    let acceptor = Acceptor {
        listener,
        reactor: reactor.clone(),
        spawned: spawned.clone(),
        idle,
        next_token: 0,
    };
    spawned.borrow_mut().push(Box::pin(acceptor));
    let mut event_loop = EventLoop {
        reactor,
        tasks: HashMap::new(),
        spawned,
        ready: ReadyQueue::default(),
        next_task: 0,
    };
    let mut events = Events::with_capacity(256);
    loop {
        event_loop.run_once(&mut events)?;
    }
}
