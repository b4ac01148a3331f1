//! `TcpStream`: a connection on the loop.

use std::future::{Future, poll_fn};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::panic::Location;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::event_loop::await_site::{note, traced};
use crate::event_loop::reactor::Direction;
use crate::event_loop::registration::Registration;
use crate::io::{AsyncRead, AsyncWrite};
use crate::net::addr::{ToSocketAddrs, resolve};
use crate::net::happy_eyeballs::connect_first;
use crate::net::stream_loops::write_all_with;
use crate::net::{OwnedReadHalf, OwnedWriteHalf};

/// A TCP connection registered with the running loop (asyncio: a connected
/// socket used with `loop.sock_recv` / `loop.sock_sendall`).
///
/// One task reads and one task writes at a time; to read and write from two
/// tasks at once, [`into_split`](Self::into_split) it.
#[derive(Debug)]
pub struct TcpStream {
    pub(super) io: mio::net::TcpStream,
    pub(super) registration: Registration,
}

impl TcpStream {
    /// Opens a connection to `addr`: a `SocketAddr`, `(ip, port)`,
    /// `"host:port"` or `(host, port)`, as std's `ToSocketAddrs` accepts
    /// (asyncio: `await loop.sock_connect`, after `loop.getaddrinfo`).
    ///
    /// A host name is resolved on the blocking pool; then the addresses are
    /// raced with Happy Eyeballs (RFC 8305, happy_eyeballs.rs): IPv6 and IPv4
    /// alternating, each next attempt starting when the one before fails or
    /// after 250 ms without an answer, the first to connect winning and the
    /// others closed; if none answers, the last error is returned (a closed
    /// port: `ConnectionRefused`). Each connect is non-blocking: the socket
    /// is registered, the task waits until epoll reports it writable, and
    /// then the kernel's verdict (SO_ERROR) decides. Panics outside a
    /// running loop.
    #[track_caller]
    pub fn connect(addr: impl ToSocketAddrs) -> impl Future<Output = io::Result<TcpStream>> {
        traced!(async move { connect_first(resolve(&addr).await?, Self::connect_to).await })
    }

    /// One connect to one address.
    async fn connect_to(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = Self::from_mio_to(mio::net::TcpStream::connect(addr)?, addr)?;
        poll_fn(|cx| stream.poll_connected(cx)).await?;
        Ok(stream)
    }

    fn poll_connected(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            if self.registration.poll_ready(cx, Direction::Write).is_pending() {
                return Poll::Pending;
            }
            // Writable means "connect finished", successfully or not
            // (mio's TcpStream::connect docs give this recipe).
            if let Some(e) = self.io.take_error()? {
                return Poll::Ready(Err(e));
            }
            match self.io.peer_addr() {
                Ok(_) => return Poll::Ready(Ok(())),
                // Spurious readiness: still connecting.
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                    self.registration.clear_ready(Direction::Write);
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    pub(crate) fn from_mio(mut io: mio::net::TcpStream) -> io::Result<TcpStream> {
        let registration = Registration::new(&mut io, "TcpStream")?;
        Ok(TcpStream { io, registration })
    }

    /// [`from_mio`](Self::from_mio) for a connection whose peer is known.
    pub(crate) fn from_mio_to(io: mio::net::TcpStream, peer: SocketAddr) -> io::Result<TcpStream> {
        let stream = Self::from_mio(io)?;
        stream.registration.set_peer(peer);
        Ok(stream)
    }

    /// Wraps a connected `std::net::TcpStream`, switching it to non-blocking
    /// mode. Panics outside a running loop.
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        match stream.peer_addr() {
            Ok(peer) => Self::from_mio_to(mio::net::TcpStream::from_std(stream), peer),
            Err(_) => Self::from_mio(mio::net::TcpStream::from_std(stream)),
        }
    }

    /// Reads into `buf`; returns how many bytes arrived, 0 at end of stream
    /// (asyncio: `await loop.sock_recv(sock, n)`).
    #[track_caller]
    pub fn read(&mut self, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>> {
        let at = Location::caller();
        poll_fn(move |cx| note(at, self.poll_read(cx, buf)))
    }

    /// Writes some of `buf`; returns how many bytes the kernel took.
    #[track_caller]
    pub fn write(&mut self, buf: &[u8]) -> impl Future<Output = io::Result<usize>> {
        let at = Location::caller();
        poll_fn(move |cx| note(at, self.poll_write(cx, buf)))
    }

    /// Writes all of `buf` (asyncio: `await loop.sock_sendall(sock, data)`).
    #[track_caller]
    pub fn write_all(&mut self, buf: &[u8]) -> impl Future<Output = io::Result<()>> {
        write_all_with(Location::caller(), buf, move |cx, rest| self.poll_write(cx, rest))
    }

    /// Waits until the socket is readable (data, EOF or an error) without
    /// reading (asyncio: `loop.add_reader`, as a future). Readiness stays set
    /// until a read or [`try_read`](Self::try_read) sees `WouldBlock`.
    #[track_caller]
    pub fn readable(&self) -> impl Future<Output = io::Result<()>> {
        let at = Location::caller();
        poll_fn(move |cx| note(at, self.registration.poll_ready(cx, Direction::Read).map(Ok)))
    }

    /// Waits until the socket is writable without writing.
    #[track_caller]
    pub fn writable(&self) -> impl Future<Output = io::Result<()>> {
        let at = Location::caller();
        poll_fn(move |cx| note(at, self.registration.poll_ready(cx, Direction::Write).map(Ok)))
    }

    /// Reads what is there without waiting: `WouldBlock` if nothing is.
    /// With [`readable`](Self::readable), this lets a task hold a read buffer
    /// only while data is in flight (tokio: `try_read`).
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let len = buf.len();
        self.registration.try_read(len, || (&self.io).read(buf))
    }

    /// Looks at what has arrived, without taking it and without waiting:
    /// the bytes at the head of the receive buffer are copied into `buf`
    /// (`recv` with `MSG_PEEK`); `Ok(0)` means the peer has closed, and
    /// `WouldBlock` that nothing is there (asyncio: `sock.recv(n,
    /// MSG_PEEK)`).
    ///
    /// Unlike [`try_read`](Self::try_read) it always asks the kernel, even
    /// when the loop has heard of no data yet: bytes that arrived since the
    /// last `epoll_wait` are seen too. That is what a graceful stop needs,
    /// to tell a connection that holds the start of a request (answer it)
    /// from one that holds nothing (close it). It changes no readiness: if
    /// it finds data the loop has not heard of, the event is on its way.
    pub fn try_peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.io.peek(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => return other,
            }
        }
    }

    /// True if a byte (or the peer's FIN) has arrived and not been read:
    /// [`try_peek`](Self::try_peek) of one byte. An error (a reset) counts
    /// as nothing waiting.
    pub fn input_waiting(&self) -> bool {
        self.try_peek(&mut [0]).is_ok()
    }

    /// The second half of a lingering close: after `shutdown(Write)`, reads
    /// and discards whatever the peer still sends until it closes too, for
    /// at most `within`; returns the bytes discarded.
    ///
    /// Closing a socket whose receive buffer holds unread bytes makes the
    /// kernel send a reset instead of a FIN, and a reset can destroy data
    /// the peer has not read yet: the response or goodbye just written. So a
    /// server that closes while the peer may still be sending (a shutdown, a
    /// refused upload) shuts its write side, drains, and only then closes,
    /// as Apache's and nginx's `lingering_close` do.
    pub async fn discard_until_eof(&self, within: Duration) -> io::Result<u64> {
        let mut discarded = 0;
        let drain = async {
            // Most peers send nothing more and just close: wait with no
            // buffer, and take one (on the heap: an array here would sit in
            // the state of every task that may call this) only once something
            // arrives. Ten thousand connections closing at once then cost no
            // 40 MB.
            self.readable().await?;
            let mut sink = vec![0; 4096];
            loop {
                match poll_fn(|cx| self.poll_read(cx, &mut sink)).await? {
                    0 => return Ok(()),
                    n => discarded += n as u64,
                }
            }
        };
        match crate::time::timeout(within, drain).await {
            Ok(Err(e)) => Err(e),
            Ok(Ok(())) | Err(_) => Ok(discarded),
        }
    }

    /// Writes what fits without waiting: `WouldBlock` if nothing does.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.registration.try_io(Direction::Write, || (&self.io).write(buf))
    }

    /// Writes from several buffers in one `writev`, without waiting:
    /// `WouldBlock` if nothing fits. TLS sends a flight of records this way.
    pub fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.registration.try_io(Direction::Write, || (&self.io).write_vectored(bufs))
    }

    /// [`poll_write`](Self::poll_write) from several buffers, in one `writev`.
    pub fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.registration.poll_io(cx, Direction::Write, || (&self.io).write_vectored(bufs))
    }

    /// The poll behind [`read`](Self::read). An empty `buf` reads nothing.
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let len = buf.len();
        self.registration.poll_read(cx, len, || (&self.io).read(buf))
    }

    /// The poll behind [`write`](Self::write).
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        self.registration.poll_io(cx, Direction::Write, || (&self.io).write(buf))
    }

    /// Shuts down reading, writing or both (`Shutdown::Write` sends FIN: the
    /// peer reads EOF). asyncio: `sock.shutdown(how)`.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.shutdown(how)
    }

    /// Turns Nagle's algorithm off (true) or on: small writes go out at once.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.set_nodelay(nodelay)
    }

    /// Whether Nagle's algorithm is off.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.nodelay()
    }

    /// The remote address (asyncio: `sock.getpeername()`).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.peer_addr()
    }

    /// The local address (asyncio: `sock.getsockname()`).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.local_addr()
    }

    /// Splits the stream into a read half and a write half that two tasks can
    /// own and use at the same time (one reader, one writer). The socket
    /// closes when both halves are dropped.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        let shared = Rc::new(self);
        (OwnedReadHalf::new(shared.clone()), OwnedWriteHalf::new(shared))
    }
}

impl Drop for TcpStream {
    fn drop(&mut self) {
        self.registration.deregister(&mut self.io);
    }
}

/// reel's own traits, for the stream layer (`StreamReader::new(stream)`).
impl AsyncRead for TcpStream {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        TcpStream::poll_read(self, cx, buf)
    }
}

impl AsyncWrite for TcpStream {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        TcpStream::poll_write(self, cx, buf)
    }

    fn shutdown(&mut self) -> io::Result<()> {
        TcpStream::shutdown(self, std::net::Shutdown::Write)
    }
}
