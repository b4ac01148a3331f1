//! Sockets on the reactor: [`TcpListener`] and [`TcpStream`], [`UdpSocket`],
//! [`UnixListener`], [`UnixStream`] and [`UnixDatagram`]; and pipes,
//! [`PipeReader`] and [`PipeWriter`].
//!
//! asyncio counterpart: the low-level socket methods of the loop
//! (`loop.sock_accept`, `sock_connect`, `sock_recv`, `sock_sendall`, `sock_sendfile`); the
//! stream layer (`StreamReader`/`StreamWriter`) is built on these.
//!
//! Ground rules: every socket is non-blocking and registered with the running
//! loop's reactor when created; every read, write and accept goes through
//! `Registration::poll_io` or one of its twins (waits without I/O, such as
//! connect and `readable()`, through `Registration::poll_ready`); a socket
//! deregisters itself when dropped.
//! Errors are `std::io::Error`; nothing a peer does can panic.

mod addr;
#[cfg(feature = "futures-io")]
mod futures_io;
mod happy_eyeballs;
mod pipe;
mod readiness;
mod send;
pub(crate) mod socket;
mod split;
mod stream_loops;
mod tcp_listener;
mod tcp_send;
mod tcp_stream;
mod udp_socket;
mod unix_datagram;
mod unix_listener;
mod unix_stream;

pub use addr::{ToSocketAddrs, lookup_host};
pub use pipe::{PipeReader, PipeWriter, pipe};
pub use readiness::Readiness;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
pub use tcp_listener::TcpListener;
pub use tcp_stream::TcpStream;
pub use udp_socket::UdpSocket;
pub use unix_datagram::UnixDatagram;
pub use unix_listener::UnixListener;
pub use unix_stream::{UnixReadHalf, UnixStream, UnixWriteHalf};
