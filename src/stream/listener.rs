//! What a [`Server`](super::Server) listens on and what it accepts: a TCP
//! or a Unix stream socket, as one type each, so that one accept loop, one
//! connection table and one shutdown serve both (asyncio: the listening
//! sockets of `start_server` and `start_unix_server`, both `asyncio.Server`).

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};

use crate::net::{TcpListener, TcpStream, UnixListener, UnixStream};

/// A server's listening socket.
#[derive(Debug)]
pub(super) enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

/// A connection it accepted, with what is known of the peer.
pub(super) enum Connection {
    Tcp(TcpStream, SocketAddr),
    /// A Unix client's address is usually unnamed, so none is kept.
    Unix(UnixStream),
}

impl Listener {
    /// Waits for the next connection (see `TcpListener::poll_accept`).
    pub(super) fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<Connection>> {
        match self {
            Listener::Tcp(l) => l.poll_accept(cx).map_ok(|(s, peer)| Connection::Tcp(s, peer)),
            Listener::Unix(l) => l.poll_accept(cx).map_ok(|(s, _)| Connection::Unix(s)),
        }
    }

    /// A connection already in the backlog, without waiting: `WouldBlock`
    /// when there is none (see `TcpListener::accept_now`).
    pub(super) fn accept_now(&self) -> io::Result<Connection> {
        match self {
            Listener::Tcp(l) => l.accept_now().map(|(s, peer)| Connection::Tcp(s, peer)),
            Listener::Unix(l) => l.accept_now().map(|(s, _)| Connection::Unix(s)),
        }
    }
}

impl Connection {
    /// Who is on the other end, for task names and log lines.
    pub(super) fn peer(&self) -> Peer {
        match self {
            Connection::Tcp(_, peer) => Peer(Some(*peer)),
            Connection::Unix(_) => Peer(None),
        }
    }
}

/// A peer as task names show it: its address, or `unix` for a Unix client.
#[derive(Debug, Clone, Copy)]
pub(super) struct Peer(Option<SocketAddr>);

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(addr) => addr.fmt(f),
            None => f.write_str("unix"),
        }
    }
}
