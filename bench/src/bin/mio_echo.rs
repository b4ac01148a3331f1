//! An echo server on bare mio, with no futures at all: the floor of what an
//! event loop on epoll costs, for bench/run.sh to measure reel against.
//!
//! ```text
//! cargo run --release -p reel-bench --bin mio_echo -- --port 0
//! nc 127.0.0.1 PORT
//! ```
//!
//! Shaped like mio's `examples/tcp_server.rs`: one loop, one `match` on the
//! token, connections in one slab whose index is the token. Sockets are
//! edge-triggered (mio always is) and registered for reading only; a
//! connection asks for writability, and holds a buffer, only while the peer
//! has not taken all of its echo.

use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;

use clap::Parser;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

/// A TCP echo server on bare mio.
#[derive(Parser, Debug)]
#[command(about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8888)]
    port: u16,
}

/// The listener's token; connections use their slab index plus one.
const LISTENER: Token = Token(0);

/// One client.
struct Connection {
    stream: TcpStream,
    /// Echo bytes the kernel has not taken yet. Empty (and unallocated) in
    /// the common case; while not empty, the socket is also registered for
    /// writability and reading waits.
    unsent: Vec<u8>,
    /// Whether epoll was told to report writability too.
    wants_write: bool,
}

/// Connections by token, with a free list so tokens are reused.
#[derive(Default)]
struct Slab {
    entries: Vec<Option<Connection>>,
    free: Vec<usize>,
}

impl Slab {
    /// The token the next `insert` will use (it must be registered first).
    fn next_token(&self) -> Token {
        Token(self.free.last().copied().unwrap_or(self.entries.len()) + 1)
    }

    fn insert(&mut self, connection: Connection) {
        match self.free.pop() {
            Some(index) => self.entries[index] = Some(connection),
            None => self.entries.push(Some(connection)),
        }
    }

    fn get_mut(&mut self, token: Token) -> Option<&mut Connection> {
        self.entries.get_mut(token.0.checked_sub(1)?)?.as_mut()
    }

    fn remove(&mut self, token: Token) -> Option<Connection> {
        let index = token.0.checked_sub(1)?;
        let connection = self.entries.get_mut(index)?.take()?;
        self.free.push(index);
        Some(connection)
    }
}

fn main() -> io::Result<()> {
    let args = Args::parse();
    let addr: SocketAddr =
        std::net::ToSocketAddrs::to_socket_addrs(&(args.host.as_str(), args.port))?
            .next()
            .ok_or_else(|| io::Error::new(ErrorKind::InvalidInput, "no address"))?;
    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(1024);
    let mut listener = TcpListener::bind(addr)?;
    poll.registry().register(&mut listener, LISTENER, Interest::READABLE)?;
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;

    let mut connections = Slab::default();
    // One read buffer for every connection: a message is echoed (or copied
    // into `unsent`) before the next connection is read.
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        if let Err(e) = poll.poll(&mut events, None) {
            if e.kind() == ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        for event in events.iter() {
            if event.token() == LISTENER {
                accept_all(&poll, &listener, &mut connections);
                continue;
            }
            let token = event.token();
            let Some(connection) = connections.get_mut(token) else { continue };
            // An error (a reset by the peer and the like) just closes it.
            let done = serve(connection, &mut buf, event.is_read_closed()).unwrap_or(true);
            if done {
                if let Some(mut connection) = connections.remove(token) {
                    let _ = poll.registry().deregister(&mut connection.stream);
                }
            } else if let Err(e) = update_interest(&poll, token, connection) {
                eprintln!("reregister: {e}");
            }
        }
    }
}

/// Accepts every pending connection: with edge triggering, the listener will
/// not be reported again until a new one arrives after `WouldBlock`.
fn accept_all(poll: &Poll, listener: &TcpListener, connections: &mut Slab) {
    loop {
        match listener.accept() {
            Ok((mut stream, _peer)) => {
                let token = connections.next_token();
                match poll.registry().register(&mut stream, token, Interest::READABLE) {
                    Ok(()) => connections.insert(Connection {
                        stream,
                        unsent: Vec::new(),
                        wants_write: false,
                    }),
                    Err(e) => eprintln!("register: {e}"),
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                // EMFILE and the like: the listener stays usable.
                eprintln!("accept: {e}");
                return;
            }
        }
    }
}

/// Handles readiness on one connection: flush what is owed, then read and
/// echo until the socket is drained. True when the connection is finished.
fn serve(connection: &mut Connection, buf: &mut [u8], read_closed: bool) -> io::Result<bool> {
    if !connection.unsent.is_empty() {
        let n = write_some(&mut connection.stream, &connection.unsent)?;
        connection.unsent.drain(..n);
        if !connection.unsent.is_empty() {
            return Ok(false); // still full: wait for writability
        }
    }
    loop {
        let n = match connection.stream.read(buf) {
            Ok(0) => return Ok(true), // EOF
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(false),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let written = write_some(&mut connection.stream, &buf[..n])?;
        if written < n {
            connection.unsent.extend_from_slice(&buf[written..n]);
            return Ok(false);
        }
        // A short read drained the socket: any later data is a new edge.
        // Not once the peer closed, though: its FIN came with this event and
        // would not be reported again, so read on to the EOF.
        if n < buf.len() && !read_closed {
            return Ok(false);
        }
    }
}

/// Writes what the kernel takes now; 0 on `WouldBlock`.
fn write_some(stream: &mut TcpStream, data: &[u8]) -> io::Result<usize> {
    loop {
        match stream.write(data) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(0),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Readable only, or also writable while an echo is owed: reregisters only
/// when that changes, which a ping-pong client never causes.
fn update_interest(poll: &Poll, token: Token, connection: &mut Connection) -> io::Result<()> {
    let wants_write = !connection.unsent.is_empty();
    if wants_write == connection.wants_write {
        return Ok(());
    }
    let interest =
        if wants_write { Interest::READABLE | Interest::WRITABLE } else { Interest::READABLE };
    poll.registry().reregister(&mut connection.stream, token, interest)?;
    connection.wants_write = wants_write;
    Ok(())
}
