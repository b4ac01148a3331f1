//! `UdpSocket`: datagrams on the loop.
//!
//! asyncio counterpart: `loop.create_datagram_endpoint` (a transport that
//! calls `datagram_received`), or, closer to this type, a non-blocking
//! socket with `await loop.sock_sendto(sock, data, addr)` and
//! `await loop.sock_recvfrom(sock, n)`.
//!
//! # The datagram rule
//!
//! A TCP read that fills less than its buffer has drained the socket, so
//! `Registration::poll_read` clears readiness at once and saves the read
//! that would end in `EAGAIN`. A datagram read says nothing of the kind: each
//! `recv` takes exactly one datagram, however small, and another may be
//! queued behind it. Under edge-triggered epoll, clearing readiness after a
//! short datagram would leave the rest waiting for an event that has
//! already been delivered, perhaps forever. So every receive here goes
//! through `Registration::poll_io`, which clears readiness only on
//! `WouldBlock`: a burst of N datagrams costs N + 1 `recv`s.

use std::future::Future;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::panic::Location;
use std::task::{Context, Poll};

use crate::event_loop::await_site::{note, traced};
use crate::event_loop::reactor::Direction;
use crate::event_loop::registration::Registration;
use crate::net::addr::{ToSocketAddrs, bind_first, resolve};

/// A UDP socket registered with the running loop (asyncio: the socket
/// behind `create_datagram_endpoint`, used with `loop.sock_sendto` and
/// `loop.sock_recvfrom`).
///
/// Each receive takes one whole datagram; one larger than the buffer is
/// cut to fit and the rest is lost, as with `recv(2)`, so give it 65,536
/// bytes when the sender's sizes are not known. Sends and receives take
/// `&self`: one task may receive while another sends.
///
/// ```no_run
/// fn main() -> std::io::Result<()> {
///     reel::run(async {
///         let socket = reel::net::UdpSocket::bind("127.0.0.1:9999")?;
///         let mut buf = vec![0; 65536];
///         loop {
///             let (n, peer) = socket.recv_from(&mut buf).await?;
///             socket.send_to(&buf[..n], peer).await?;
///         }
///     })
/// }
/// ```
#[derive(Debug)]
pub struct UdpSocket {
    io: mio::net::UdpSocket,
    pub(super) registration: Registration,
}

impl UdpSocket {
    /// Binds a socket to `addr` (asyncio: `create_datagram_endpoint(...,
    /// local_addr=addr)`). Tries each address `addr` resolves to until one
    /// binds; port 0 lets the OS pick one, see
    /// [`local_addr`](Self::local_addr). A host name is resolved with a
    /// blocking lookup, as [`TcpListener::bind`](crate::net::TcpListener::bind)
    /// does. Panics outside a running loop.
    pub fn bind(addr: impl std::net::ToSocketAddrs) -> io::Result<UdpSocket> {
        Self::from_mio(bind_first(addr, mio::net::UdpSocket::bind)?)
    }

    /// Wraps a bound `std::net::UdpSocket`, switching it to non-blocking
    /// mode. Panics outside a running loop.
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Self::from_mio(mio::net::UdpSocket::from_std(socket))
    }

    fn from_mio(mut io: mio::net::UdpSocket) -> io::Result<UdpSocket> {
        let registration = Registration::new(&mut io, "UdpSocket")?;
        match io.local_addr() {
            Ok(addr) => registration.set_label(&format!("UDP {addr}")),
            Err(_) => registration.set_label("UDP"),
        }
        Ok(UdpSocket { io, registration })
    }

    /// Sets the one peer this socket talks to (asyncio:
    /// `create_datagram_endpoint(..., remote_addr=addr)`): then
    /// [`send`](Self::send) goes there, and only its datagrams are
    /// received. No packet is sent; a host name is resolved on the blocking
    /// pool, and the first address that connects is kept.
    #[track_caller]
    pub fn connect(&self, addr: impl ToSocketAddrs) -> impl Future<Output = io::Result<()>> {
        traced!(async move {
            let mut last_error = io::Error::new(io::ErrorKind::NotFound, "the name has no address");
            for addr in resolve(&addr).await? {
                match self.io.connect(addr) {
                    Ok(()) => {
                        self.registration.set_peer(addr);
                        return Ok(());
                    }
                    Err(e) => last_error = e,
                }
            }
            Err(last_error)
        })
    }

    /// Sends `buf` as one datagram to `target`; returns its length
    /// (asyncio: `await loop.sock_sendto(sock, data, addr)`). A datagram
    /// too large for the network is an error (`EMSGSIZE`), never split.
    #[track_caller]
    pub fn send_to(
        &self,
        buf: &[u8],
        target: SocketAddr,
    ) -> impl Future<Output = io::Result<usize>> {
        let at = Location::caller();
        poll_fn(move |cx| note(at, self.poll_send_to(cx, buf, target)))
    }

    /// The poll behind [`send_to`](Self::send_to).
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.registration.poll_io(cx, Direction::Write, || self.io.send_to(buf, target))
    }

    /// Waits for one datagram and returns its length and its sender
    /// (asyncio: `await loop.sock_recvfrom(sock, n)`).
    #[track_caller]
    pub fn recv_from(
        &self,
        buf: &mut [u8],
    ) -> impl Future<Output = io::Result<(usize, SocketAddr)>> {
        let at = Location::caller();
        poll_fn(move |cx| note(at, self.poll_recv_from(cx, buf)))
    }

    /// The poll behind [`recv_from`](Self::recv_from); readiness is kept
    /// after a datagram, whatever its size (the module docs say why).
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.registration.poll_io(cx, Direction::Read, || self.io.recv_from(buf))
    }

    /// Sends `buf` as one datagram to the peer set by
    /// [`connect`](Self::connect) (asyncio: `transport.sendto(data)` on a
    /// connected endpoint); an error if the socket is not connected.
    #[track_caller]
    pub fn send(&self, buf: &[u8]) -> impl Future<Output = io::Result<usize>> {
        traced!(async move {
            poll_fn(|cx| self.registration.poll_io(cx, Direction::Write, || self.io.send(buf)))
                .await
        })
    }

    /// Waits for one datagram from the connected peer; returns its length.
    /// A peer with no socket on its port may make this fail with
    /// `ConnectionRefused` (the ICMP error of an earlier send).
    #[track_caller]
    pub fn recv(&self, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>> {
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

    /// The address this socket is bound to (the real port if bound to 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.local_addr()
    }

    /// The peer set by [`connect`](Self::connect); `NotConnected` if none.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.peer_addr()
    }

    /// Allows sending to broadcast addresses (`SO_BROADCAST`).
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.set_broadcast(on)
    }
}

impl Drop for UdpSocket {
    fn drop(&mut self) {
        self.registration.deregister(&mut self.io);
    }
}
