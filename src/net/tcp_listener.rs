//! `TcpListener`: accepting connections on the loop.

use std::future::Future;
use std::future::poll_fn;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::panic::Location;
use std::task::{Context, Poll};

use crate::event_loop::await_site::note;
use crate::event_loop::reactor::Direction;
use crate::event_loop::registration::Registration;
use crate::net::TcpStream;
use crate::net::addr::bind_first;
use crate::net::socket::{self, ListenOptions, ReusePort};

/// A listening TCP socket registered with the running loop
/// (asyncio: a listening socket plus `await loop.sock_accept(sock)`).
#[derive(Debug)]
pub struct TcpListener {
    io: mio::net::TcpListener,
    pub(super) registration: Registration,
}

impl TcpListener {
    /// Binds to `addr` with SO_REUSEADDR and starts listening (backlog 1024).
    ///
    /// Tries each address `addr` resolves to until one binds. Use port 0 to
    /// let the OS pick a free port, then [`local_addr`](Self::local_addr).
    /// Panics outside a running loop.
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        Self::bind_with(addr, ListenOptions::default())
    }

    /// [`bind`](Self::bind) as the first listener of a SO_REUSEPORT group:
    /// several loops (one per thread) may then each bind a listener of their
    /// own to this port with [`join_reuse_port`](Self::join_reuse_port), and
    /// the kernel spreads new connections between them.
    ///
    /// What SO_REUSEPORT allows: any socket of the same user that sets it may
    /// bind a port whose every holder has it set, and then takes a share of
    /// the connections. So that a second server cannot silently join a first
    /// one this way, this binds *without* the option, failing with
    /// `AddrInUse` if any socket holds the port (with SO_REUSEPORT or not),
    /// and sets it once bound. Port 0 picks a free port for the group.
    pub fn bind_reuse_port(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        Self::bind_with(addr, ListenOptions { reuse_port: ReusePort::Lead, ..Default::default() })
    }

    /// Binds another listener of a SO_REUSEPORT group to the port that a
    /// [`bind_reuse_port`](Self::bind_reuse_port) listener holds (pass its
    /// [`local_addr`](Self::local_addr)), to share its connections (asyncio:
    /// `start_server(reuse_port=True)`). Sets the option before binding, so
    /// it joins whatever SO_REUSEPORT sockets of this user hold the port:
    /// only join a port that your own group leads.
    pub fn join_reuse_port(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        Self::bind_with(addr, ListenOptions { reuse_port: ReusePort::Join, ..Default::default() })
    }

    fn bind_with(addr: impl ToSocketAddrs, options: ListenOptions) -> io::Result<TcpListener> {
        Self::from_std(bind_first(addr, |addr| socket::listen(addr, options))?)
    }

    /// Wraps a listening `std::net::TcpListener`, switching it to
    /// non-blocking mode. Panics outside a running loop.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        let mut io = mio::net::TcpListener::from_std(listener);
        let registration = Registration::new(&mut io, "TcpListener::bind")?;
        match io.local_addr() {
            Ok(addr) => registration.set_label(&format!("listener {addr}")),
            Err(_) => registration.set_label("listener"),
        }
        Ok(TcpListener { io, registration })
    }

    /// Waits for a connection and returns it with the peer's address
    /// (asyncio: `await loop.sock_accept(sock)`).
    ///
    /// Errors such as EMFILE (out of file descriptors) are returned as they
    /// are; the listener stays usable.
    #[track_caller]
    pub fn accept(&self) -> impl Future<Output = io::Result<(TcpStream, SocketAddr)>> {
        let at = Location::caller();
        poll_fn(move |cx| note(at, self.poll_accept(cx)))
    }

    /// The poll behind [`accept`](Self::accept). Only one task should accept
    /// from a listener at a time: a second would take the first one's waker.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        self.registration.poll_io(cx, Direction::Read, || self.io.accept()).map(|accepted| {
            let (io, peer) = accepted?;
            Ok((TcpStream::from_mio_to(io, peer)?, peer))
        })
    }

    /// Accepts a connection the kernel has already completed, without
    /// waiting: `WouldBlock` if none is in the backlog. Always asks the
    /// kernel, even when the loop has heard of no new connection yet, so a
    /// server that stops can take every connection the kernel accepted for
    /// it before it closes the listener (which would reset them).
    /// `WouldBlock` forgets the listener's readiness, as any accept that
    /// finds the backlog empty does: the next `accept` waits for an event.
    pub fn accept_now(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (io, peer) = self.registration.attempt_now(Direction::Read, || self.io.accept())?;
        Ok((TcpStream::from_mio_to(io, peer)?, peer))
    }

    /// The address this listener is bound to (the real port if bound to 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.local_addr()
    }
}

impl Drop for TcpListener {
    fn drop(&mut self) {
        self.registration.deregister(&mut self.io);
    }
}
