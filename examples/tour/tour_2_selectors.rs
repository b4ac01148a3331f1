//! The tour, step 2: non-blocking sockets and a readiness loop, with a
//! callback waiting on each socket. The course's `select` loop (its
//! `read_waiters` and `write_waiters`, a handler and its arguments per file
//! descriptor) in Rust, on mio, which is epoll on Linux and kqueue on macOS.
//! Read doc/tour.md, "Step 2", beside it.
//!
//! ```text
//! cargo run --example tour_2_selectors -- --port 9090
//! ```
//!
//! One difference from the course's loop matters: `select` is
//! level-triggered (a socket with unread bytes is reported on every call),
//! mio is edge-triggered (a socket is reported once each time it *becomes*
//! readable or writable). So a handler reads until `WouldBlock`, or it
//! never hears of the rest; and it writes first and waits for writability
//! only when the kernel refused, because a socket that stayed writable
//! makes no new edge.

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};

use clap::Parser;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

/// Step 2 of the tour: an echo server on a readiness loop.
#[derive(Parser)]
struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 9090)]
    port: u16,
}

/// What waits on a socket: the course's `(handler, args)`; the token is
/// the argument.
type Handler = fn(&mut EventLoop, Token);

const LISTENER: Token = Token(0);

/// The loop's state: the course's module-level dictionaries.
struct EventLoop {
    poll: Poll,
    listener: TcpListener,
    /// The course's `connections`: each client's socket and the bytes it
    /// is owed (the echo the kernel has not taken yet).
    clients: HashMap<Token, (TcpStream, Vec<u8>)>,
    read_waiters: HashMap<Token, Handler>,
    write_waiters: HashMap<Token, Handler>,
    next_token: usize,
}

fn main() -> io::Result<()> {
    let args = Args::parse();
    let mut listener = TcpListener::bind(([127, 0, 0, 1], args.port).into())?;
    let poll = Poll::new()?;
    poll.registry().register(&mut listener, LISTENER, Interest::READABLE)?;
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;
    let mut event_loop = EventLoop {
        poll,
        listener,
        clients: HashMap::new(),
        read_waiters: HashMap::from([(LISTENER, accept_handler as Handler)]),
        write_waiters: HashMap::new(),
        next_token: 1,
    };
    event_loop.run()
}

impl EventLoop {
    /// The course's `while True: select(...)`, then each ready socket's
    /// waiting handler, popped: a handler that wants more puts itself back.
    fn run(&mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(256);
        loop {
            if let Err(e) = self.poll.poll(&mut events, None) {
                if e.kind() == ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            for event in &events {
                let token = event.token();
                if event.is_readable() || event.is_read_closed() || event.is_error() {
                    if let Some(handler) = self.read_waiters.remove(&token) {
                        handler(self, token);
                    }
                }
                if event.is_writable() {
                    if let Some(handler) = self.write_waiters.remove(&token) {
                        handler(self, token);
                    }
                }
            }
        }
    }

    fn close(&mut self, token: Token) {
        if let Some((mut stream, _)) = self.clients.remove(&token) {
            let _ = self.poll.registry().deregister(&mut stream);
            eprintln!("bye-bye {token:?}");
        }
        self.write_waiters.remove(&token);
        self.read_waiters.remove(&token);
    }
}

/// Accepts every waiting client (edge-triggered: until `WouldBlock`), and
/// waits for the next ones.
fn accept_handler(event_loop: &mut EventLoop, token: Token) {
    loop {
        match event_loop.listener.accept() {
            Ok((mut stream, peer)) => {
                let client = Token(event_loop.next_token);
                event_loop.next_token += 1;
                let interest = Interest::READABLE | Interest::WRITABLE;
                if let Err(e) = event_loop.poll.registry().register(&mut stream, client, interest) {
                    eprintln!("register: {e}");
                    continue;
                }
                eprintln!("new client {peer} as {client:?}");
                event_loop.clients.insert(client, (stream, Vec::new()));
                event_loop.read_waiters.insert(client, recv_handler);
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) => {
                eprintln!("accept: {e}");
                break;
            }
        }
    }
    event_loop.read_waiters.insert(token, accept_handler);
}

/// Reads until `WouldBlock`, echoing as it goes; if the kernel refuses part
/// of an echo, the rest waits for writability and reading pauses.
fn recv_handler(event_loop: &mut EventLoop, token: Token) {
    let Some((stream, unsent)) = event_loop.clients.get_mut(&token) else { return };
    let mut buf = [0; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return event_loop.close(token),
            Ok(n) => match write_some(stream, &buf[..n]) {
                Ok(sent) if sent == n => continue,
                Ok(sent) => {
                    unsent.extend_from_slice(&buf[sent..n]);
                    event_loop.write_waiters.insert(token, send_handler);
                    return;
                }
                Err(_) => return event_loop.close(token),
            },
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return event_loop.close(token),
        }
    }
    event_loop.read_waiters.insert(token, recv_handler);
}

/// Sends what is owed; once all of it is out, reading goes on (the bytes
/// that came meanwhile are read at once: no new edge would announce them).
fn send_handler(event_loop: &mut EventLoop, token: Token) {
    let Some((stream, unsent)) = event_loop.clients.get_mut(&token) else { return };
    match write_some(stream, unsent) {
        Ok(sent) => {
            unsent.drain(..sent);
        }
        Err(_) => return event_loop.close(token),
    }
    if unsent.is_empty() {
        recv_handler(event_loop, token);
    } else {
        event_loop.write_waiters.insert(token, send_handler);
    }
}

/// Writes what the kernel takes now: 0 if it takes nothing.
fn write_some(stream: &mut TcpStream, bytes: &[u8]) -> io::Result<usize> {
    match stream.write(bytes) {
        Ok(n) => Ok(n),
        Err(e) if e.kind() == ErrorKind::WouldBlock => Ok(0),
        Err(e) => Err(e),
    }
}
