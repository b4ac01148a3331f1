//! The course's `selectors` echo server, rebuilt from callbacks on reel's
//! loop: no task and no `.await` in the server itself, only
//! `reel::add_reader`, `reel::add_writer` and `reel::call_later`, the way
//! asyncio's own loop works underneath its tasks.
//!
//! ```text
//! cargo run --example callbacks_echo -- --port 8000
//! nc 127.0.0.1 8000        # type lines; each comes back
//! ```
//!
//! The Python it mirrors (the course's loop, by hand):
//!
//! ```python
//! selector.register(server_socket, selectors.EVENT_READ)
//! while True:
//!     events = selector.select(timeout=1)
//!     if len(events) == 0:
//!         print('no events, waiting')
//!     for event, _ in events:
//!         if event.fileobj == server_socket:
//!             connection, address = server_socket.accept()
//!             selector.register(connection, selectors.EVENT_READ)
//!         else:
//!             data = event.fileobj.recv(1024)
//!             event.fileobj.send(data)
//! ```
//!
//! and with asyncio's callbacks, what this file does:
//! `loop.add_reader(server_socket, on_accept)`, then in `on_accept`
//! `loop.add_reader(connection, on_readable, client)`. Two things the
//! course's loop leaves out are here: a client that closes (`recv` gives
//! `b''`) is dropped, and a client that does not read its echo stops this
//! one reading: the rest waits for `add_writer`, as an asyncio transport
//! pauses reading when its write buffer is full. The first line on stdout
//! is `listening on ADDR`; the rest goes to stderr.

use std::cell::{Cell, RefCell};
use std::io::{self, ErrorKind};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use clap::Parser;
use reel::callbacks::Handle;
use reel::net::{TcpListener, TcpStream};

/// The course's `selectors` echo server on reel's callbacks.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8000)]
    port: u16,
}

/// One connected client: the course's registered `connection`.
struct Client {
    /// The socket, shared with the callback watching it.
    socket: Rc<TcpStream>,
    /// Who it is, for the messages.
    peer: SocketAddr,
    /// Bytes read and not yet sent back. While any wait, the client has a
    /// writer and no reader.
    unsent: RefCell<Vec<u8>>,
    /// The reader or the writer now watching the socket.
    watcher: RefCell<Option<Handle>>,
    /// Marked busy by each call.
    idle: Rc<Idle>,
    /// How often reading paused because the client was not reading its echo.
    pauses: Cell<u32>,
}

/// What the one-second check needs: the course's `select(timeout=1)`.
#[derive(Default)]
struct Idle {
    /// A callback ran since the last check.
    busy: Cell<bool>,
    /// The notice was printed for this quiet stretch already.
    told: Cell<bool>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let served = reel::run(async move {
        let listener = Rc::new(TcpListener::bind((args.host.as_str(), args.port))?);
        println!("listening on {}", listener.local_addr()?);
        let idle = Rc::new(Idle::default());
        let accepting = {
            let (listener, idle) = (listener.clone(), idle.clone());
            reel::add_reader(listener.clone(), move || on_accept(&listener, &idle))
        };
        reel::call_later(Duration::from_secs(1), move || check_idle(idle));
        // The loop runs the callbacks; this task only waits for Ctrl-C.
        reel::signal::interrupt_or_terminate()?.await;
        accepting.cancel();
        io::Result::Ok(())
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("callbacks_echo: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The listener is readable: a client is waiting. One accept per call, as
/// the course's loop does; readiness stays set until an accept finds the
/// backlog empty, so the next tick calls again while clients wait.
fn on_accept(listener: &TcpListener, idle: &Rc<Idle>) {
    idle.busy.set(true);
    let (socket, peer) = match listener.accept_now() {
        Ok(accepted) => accepted,
        Err(e) if e.kind() == ErrorKind::WouldBlock => return,
        Err(e) => return eprintln!("accept failed: {e}"),
    };
    eprintln!("connection from {peer}");
    let client = Rc::new(Client {
        socket: Rc::new(socket),
        peer,
        unsent: RefCell::new(Vec::new()),
        watcher: RefCell::new(None),
        idle: idle.clone(),
        pauses: Cell::new(0),
    });
    watch_reading(&client);
}

/// `loop.add_reader(connection, on_readable)`.
fn watch_reading(client: &Rc<Client>) {
    let me = client.clone();
    let reader = reel::add_reader(client.socket.clone(), move || on_readable(&me));
    client.watcher.replace(Some(reader));
}

/// `loop.add_writer(connection, on_writable)`.
fn watch_writing(client: &Rc<Client>) {
    let me = client.clone();
    let writer = reel::add_writer(client.socket.clone(), move || on_writable(&me));
    client.watcher.replace(Some(writer));
}

/// The client's socket is readable: the course's `recv(1024)` and `send`.
fn on_readable(client: &Rc<Client>) {
    client.idle.busy.set(true);
    let mut buf = [0; 1024];
    match client.socket.try_read(&mut buf) {
        Ok(0) => close(client, "closed"),
        Ok(n) => {
            client.unsent.borrow_mut().extend_from_slice(&buf[..n]);
            send_unsent(client);
            if !client.unsent.borrow().is_empty() {
                // The client is not reading its echo: stop reading it too.
                if client.pauses.replace(client.pauses.get() + 1) == 0 {
                    eprintln!("{} is not reading its echo; reading paused", client.peer);
                }
                stop_watching(client);
                watch_writing(client);
            }
        }
        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
        Err(e) => close(client, &format!("failed: {e}")),
    }
}

/// The client's socket has room again: send the rest, then read again.
fn on_writable(client: &Rc<Client>) {
    client.idle.busy.set(true);
    send_unsent(client);
    if client.unsent.borrow().is_empty() {
        stop_watching(client);
        watch_reading(client);
    }
}

/// Writes what the socket takes now, keeping the rest.
fn send_unsent(client: &Client) {
    let mut unsent = client.unsent.borrow_mut();
    while !unsent.is_empty() {
        match client.socket.try_write(&unsent) {
            Ok(n) => drop(unsent.drain(..n)),
            Err(e) if e.kind() == ErrorKind::WouldBlock => return,
            Err(e) => {
                eprintln!("{}: write failed: {e}", client.peer);
                return unsent.clear();
            }
        }
    }
}

/// `loop.remove_reader` or `remove_writer`, whichever is registered.
fn stop_watching(client: &Client) {
    if let Some(watcher) = client.watcher.take() {
        watcher.cancel();
    }
}

/// Stops watching the client and sends FIN; the socket closes when the
/// last callback holding it is gone.
fn close(client: &Client, why: &str) {
    stop_watching(client);
    let _ = client.socket.shutdown(std::net::Shutdown::Both);
    match client.pauses.get() {
        0 => eprintln!("{} {why}", client.peer),
        n => eprintln!("{} {why} (reading paused {n} times)", client.peer),
    }
}

/// Every second, says so once when nothing happened: the course's
/// `select(timeout=1)` returning no events. A `call_later` that schedules
/// itself again.
fn check_idle(idle: Rc<Idle>) {
    if idle.busy.replace(false) {
        idle.told.set(false);
    } else if !idle.told.replace(true) {
        eprintln!("no events for a second; waiting");
    }
    reel::call_later(Duration::from_secs(1), move || check_idle(idle));
}
