//! `UnixDatagram`: datagrams between processes on one machine, addressed
//! by a path in the file system (`AF_UNIX`, `SOCK_DGRAM`).
//!
//! asyncio counterpart: `loop.create_datagram_endpoint(..., family=AF_UNIX)`
//! and `loop.sock_sendto` / `sock_recvfrom` on such a socket; tokio's
//! `UnixDatagram`.
//!
//! The datagram rule of `udp_socket.rs` holds here too: each `recv` takes
//! one whole datagram, so readiness is cleared only on `WouldBlock`, never
//! after a short read. Unlike UDP, a Unix datagram is never lost in
//! transit: a sender whose peer's queue is full waits (the socket is not
//! writable) instead of dropping it.

use std::future::{Future, poll_fn};
use std::io;
use std::net::Shutdown;
use std::os::unix::net::SocketAddr;
use std::panic::Location;
use std::path::Path;
use std::task::{Context, Poll};

use crate::event_loop::await_site::note;
use crate::event_loop::reactor::Direction;
use crate::event_loop::registration::Registration;

/// A Unix datagram socket registered with the running loop. Sends and
/// receives take `&self`: one task may receive while another sends. Each
/// receive takes one whole datagram (one larger than the buffer is cut to
/// fit). Dropping it does not remove the socket's file.
#[derive(Debug)]
pub struct UnixDatagram {
    io: mio::net::UnixDatagram,
    pub(super) registration: Registration,
}

impl UnixDatagram {
    /// Binds a socket to `path` (a file that must not exist yet). Panics
    /// outside a running loop.
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        Self::from_mio(mio::net::UnixDatagram::bind(path)?)
    }

    /// A socket with no name: it can send, and receive the answers of a
    /// peer it [`connect`](Self::connect)ed to. Panics outside a running loop.
    pub fn unbound() -> io::Result<UnixDatagram> {
        Self::from_mio(mio::net::UnixDatagram::unbound()?)
    }

    /// Two sockets connected to each other (`socketpair(2)`).
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = mio::net::UnixDatagram::pair()?;
        Ok((Self::from_mio(a)?, Self::from_mio(b)?))
    }

    /// Wraps a `std::os::unix::net::UnixDatagram`, switching it to
    /// non-blocking mode. Panics outside a running loop.
    pub fn from_std(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        Self::from_mio(mio::net::UnixDatagram::from_std(socket))
    }

    fn from_mio(mut io: mio::net::UnixDatagram) -> io::Result<UnixDatagram> {
        let registration = Registration::new(&mut io, "UnixDatagram")?;
        match io.local_addr().ok().and_then(|a| a.as_pathname().map(Path::to_path_buf)) {
            Some(path) => registration.set_label(&format!("Unix datagram {}", path.display())),
            None => registration.set_label("Unix datagram"),
        }
        Ok(UnixDatagram { io, registration })
    }

    /// Sets the one peer this socket talks to: then [`send`](Self::send)
    /// goes there and only its datagrams are received. Immediate: no packet
    /// is sent.
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.io.connect(path)
    }

    /// Sends `buf` as one datagram to the socket bound at `target`; returns
    /// its length. Waits while the receiver's queue is full.
    #[track_caller]
    pub fn send_to<'a>(
        &'a self,
        buf: &'a [u8],
        target: &'a Path,
    ) -> impl Future<Output = io::Result<usize>> + 'a {
        let at = Location::caller();
        poll_fn(move |cx| {
            let sent =
                self.registration.poll_io(cx, Direction::Write, || self.io.send_to(buf, target));
            note(at, sent)
        })
    }

    /// Waits for one datagram; its length and its sender's address (unnamed
    /// for an unbound sender).
    #[track_caller]
    pub fn recv_from<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<(usize, SocketAddr)>> + 'a {
        let at = Location::caller();
        poll_fn(move |cx| note(at, self.poll_recv_from(cx, buf)))
    }

    /// The poll behind [`recv_from`](Self::recv_from); readiness is kept
    /// after a datagram, whatever its size.
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.registration.poll_io(cx, Direction::Read, || self.io.recv_from(buf))
    }

    /// Sends `buf` as one datagram to the connected peer.
    #[track_caller]
    pub fn send<'a>(&'a self, buf: &'a [u8]) -> impl Future<Output = io::Result<usize>> + 'a {
        let at = Location::caller();
        poll_fn(move |cx| {
            note(at, self.registration.poll_io(cx, Direction::Write, || self.io.send(buf)))
        })
    }

    /// Waits for one datagram from the connected peer; returns its length.
    #[track_caller]
    pub fn recv<'a>(&'a self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<usize>> + 'a {
        let at = Location::caller();
        poll_fn(move |cx| {
            note(at, self.registration.poll_io(cx, Direction::Read, || self.io.recv(buf)))
        })
    }

    /// Receives a datagram if one is queued, without waiting: `WouldBlock`
    /// if none is.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.registration.try_io(Direction::Read, || self.io.recv_from(buf))
    }

    /// The address this socket is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.local_addr()
    }

    /// The peer set by [`connect`](Self::connect).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.peer_addr()
    }

    /// Shuts down sending, receiving or both.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.shutdown(how)
    }
}

impl Drop for UnixDatagram {
    fn drop(&mut self) {
        self.registration.deregister(&mut self.io);
    }
}
