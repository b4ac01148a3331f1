//! Waiting for a socket to become readable or writable without reading or
//! writing: what [`reel::add_reader`](crate::add_reader) and
//! [`add_writer`](crate::add_writer) watch.
//!
//! asyncio counterpart: the file objects `loop.add_reader(fd, cb)` and
//! `add_writer` take (anything with a `fileno()`), and the readiness a
//! `selectors` key reports. Readiness is the reactor's: it stays set until
//! a read or write on the socket sees `WouldBlock`, so a callback that
//! leaves bytes unread is told again, as `select` would tell it.

use std::io;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::event_loop::reactor::Direction;

use super::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream};

/// A socket on the reactor whose readiness can be waited for
/// (asyncio: a file object registered with a selector).
pub trait Readiness {
    /// Ready once the socket has something to read: data, EOF or an error;
    /// for a listener, a connection to accept (selectors: `EVENT_READ`).
    fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Ready once the socket has room to write (selectors: `EVENT_WRITE`).
    /// A listener never becomes writable.
    fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

/// One impl per socket type, each asking its own registration.
macro_rules! readiness_from_registration {
    ($($socket:ty),*) => {$(
        impl Readiness for $socket {
            fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.registration.poll_ready(cx, Direction::Read).map(Ok)
            }

            fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.registration.poll_ready(cx, Direction::Write).map(Ok)
            }
        }
    )*};
}

readiness_from_registration!(
    TcpListener,
    TcpStream,
    UdpSocket,
    UnixDatagram,
    UnixListener,
    UnixStream
);

/// A shared socket, as a callback that also reads it holds one.
impl<S: Readiness> Readiness for Rc<S> {
    fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        S::poll_readable(self, cx)
    }

    fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        S::poll_writable(self, cx)
    }
}
