//! `UnixListener`: accepting connections on a Unix domain socket, and what
//! to do with the socket file an earlier server left behind.
//!
//! asyncio counterpart: the listening socket of `asyncio.start_unix_server`.
//!
//! # A stale socket file
//!
//! Binding creates a file at the path, and closing the socket does not
//! remove it, so a server that was killed leaves one behind, and the next
//! bind fails with `EADDRINUSE`. asyncio's `create_unix_server` removes any
//! socket file it finds at the path, even one a live server is using (the
//! live server then quietly stops getting connections). reel tells the two
//! cases apart by trying to connect: nobody answers, so the file is stale;
//! somebody does, so it is live. [`UnixListener::bind`] reports either
//! clearly and touches nothing; [`UnixListener::bind_replacing_stale`]
//! removes a stale file (never a live one, nor a file that is not a socket)
//! and binds again. Dropping a listener leaves its file, as std's does;
//! remove it when the server is done.

use std::future::Future;
use std::future::poll_fn;
use std::io;
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::SocketAddr;
use std::panic::Location;
use std::path::Path;
use std::task::{Context, Poll};

use crate::event_loop::await_site::note;
use crate::event_loop::reactor::Direction;
use crate::event_loop::registration::Registration;
use crate::net::UnixStream;

/// A listening Unix stream socket registered with the running loop
/// (asyncio: the socket of `start_unix_server`, with `sock_accept`).
#[derive(Debug)]
pub struct UnixListener {
    io: mio::net::UnixListener,
    pub(super) registration: Registration,
}

impl UnixListener {
    /// Binds to `path` and listens. A socket file already at `path` is an
    /// `AddrInUse` error that says whether a server answers on it (live) or
    /// not (stale); nothing is removed. Panics outside a running loop.
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        let path = path.as_ref();
        match mio::net::UnixListener::bind(path) {
            Ok(io) => Self::from_mio(io),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => Err(in_use(path, is_stale(path))),
            Err(e) => Err(e),
        }
    }

    /// [`bind`](Self::bind), but a stale socket file (one no server answers
    /// on) is removed first, as asyncio's `start_unix_server` does. A live
    /// socket, or a path that is not a socket, is still an error.
    pub fn bind_replacing_stale(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        let path = path.as_ref();
        match Self::bind(path) {
            Err(e) if e.kind() == io::ErrorKind::AddrInUse && is_stale(path) => {
                log::info!(target: "reel", "{}: removing a stale socket file", path.display());
                std::fs::remove_file(path)?;
                Self::bind(path)
            }
            result => result,
        }
    }

    fn from_mio(mut io: mio::net::UnixListener) -> io::Result<UnixListener> {
        let registration = Registration::new(&mut io, "UnixListener::bind")?;
        match io.local_addr().ok().and_then(|a| a.as_pathname().map(|p| p.display().to_string())) {
            Some(path) => registration.set_label(&format!("unix listener {path}")),
            None => registration.set_label("unix listener"),
        }
        Ok(UnixListener { io, registration })
    }

    /// Waits for a connection (asyncio: `await loop.sock_accept(sock)`).
    #[track_caller]
    pub fn accept(&self) -> impl Future<Output = io::Result<(UnixStream, SocketAddr)>> {
        let at = Location::caller();
        poll_fn(move |cx| note(at, self.poll_accept(cx)))
    }

    /// The poll behind [`accept`](Self::accept).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        self.registration.poll_io(cx, Direction::Read, || self.io.accept()).map(|accepted| {
            let (io, peer) = accepted?;
            Ok((UnixStream::from_mio(io)?, peer))
        })
    }

    /// Accepts a connection already in the backlog, without waiting:
    /// `WouldBlock` if none is, which forgets the listener's readiness (see
    /// [`TcpListener::accept_now`](crate::net::TcpListener::accept_now)).
    pub fn accept_now(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (io, peer) = self.registration.attempt_now(Direction::Read, || self.io.accept())?;
        Ok((UnixStream::from_mio(io)?, peer))
    }

    /// The address this listener is bound to (its path).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.local_addr()
    }
}

impl Drop for UnixListener {
    fn drop(&mut self) {
        self.registration.deregister(&mut self.io);
    }
}

/// True if `path` is a socket file that no server answers on. The kernel
/// answers a Unix connect at once (refused when nobody listens); only a
/// live server's full backlog would make it wait, so the probe is
/// non-blocking and counts anything but a refusal as live.
fn is_stale(path: &Path) -> bool {
    let is_socket = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket());
    is_socket
        && matches!(
            mio::net::UnixStream::connect(path),
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused
        )
}

fn in_use(path: &Path, stale: bool) -> io::Error {
    let why = if stale {
        "a stale socket file is there (no server answers on it): remove it, or bind with \
         UnixListener::bind_replacing_stale"
    } else {
        "it is taken: a server is listening on it, or it is not a socket file"
    };
    io::Error::new(io::ErrorKind::AddrInUse, format!("{}: {why}", path.display()))
}
