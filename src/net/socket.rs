//! Creating listening sockets with the options std and mio do not expose.
//!
//! This is a leaf module that calls libc (`socket`, `setsockopt`, `bind`,
//! `listen`), so it is one of the few modules that allow `unsafe` (lib.rs
//! lists them). Why not `std::net::TcpListener::bind` or mio's? Both listen with a backlog of 128: a burst of a few hundred
//! connects overflows it, and the kernel then drops SYNs that the client
//! retries only after a second. We listen with 1024, as tokio does (the kernel
//! caps it at `net.core.somaxconn`), and can set SO_REUSEPORT for servers that
//! run one loop per core on the same port: the first listener of such a group
//! binds alone, so that a port another socket holds is refused, and only
//! then lets the others join ([`ReusePort`]).

#![allow(unsafe_code)]

use std::io;
use std::mem;
use std::net::{SocketAddr, TcpListener};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// Options for [`listen`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListenOptions {
    /// Length of the queue of connections the kernel completes for us.
    pub(crate) backlog: i32,
    /// Whether, and how, the port is shared with other sockets.
    pub(crate) reuse_port: ReusePort,
}

impl Default for ListenOptions {
    fn default() -> Self {
        ListenOptions { backlog: 1024, reuse_port: ReusePort::Off }
    }
}

/// How a listener shares its port through SO_REUSEPORT, which lets any
/// socket of the same user bind a port whose holders all have it set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReusePort {
    /// No sharing: the port must be free.
    #[default]
    Off,
    /// The first of a group: bind without SO_REUSEPORT, so that the bind
    /// fails if any socket holds the port (even one with SO_REUSEPORT), then
    /// set it, so that `Join` listeners may bind beside this one.
    Lead,
    /// Join a group: SO_REUSEPORT before bind. Succeeds when every socket on
    /// the port has it set and belongs to this user.
    Join,
}

/// A non-blocking, close-on-exec TCP socket bound to `addr` with SO_REUSEADDR
/// (a restarted server can bind while old connections sit in TIME_WAIT),
/// listening.
pub(crate) fn listen(addr: SocketAddr, options: ListenOptions) -> io::Result<TcpListener> {
    let domain = if addr.is_ipv4() { libc::AF_INET } else { libc::AF_INET6 };
    let fd = stream_socket(domain)?;
    set_flag(&fd, libc::SO_REUSEADDR)?;
    // Connections accepted from it inherit this: a send to a closed peer is
    // EPIPE, not SIGPIPE (Linux says so per send, with MSG_NOSIGNAL).
    #[cfg(target_vendor = "apple")]
    set_flag(&fd, libc::SO_NOSIGPIPE)?;
    if options.reuse_port == ReusePort::Join {
        set_flag(&fd, libc::SO_REUSEPORT)?;
    }
    let (storage, len) = sockaddr(&addr);
    // SAFETY: `storage` is a properly initialised sockaddr_in/sockaddr_in6 of
    // `len` bytes that lives until bind(2) returns.
    cvt(unsafe { libc::bind(fd.as_raw_fd(), (&raw const storage).cast(), len) })?;
    // Bound alone: the port was free. From now on the group may join (the
    // kernel checks the holders' flag when the next socket binds).
    if options.reuse_port == ReusePort::Lead {
        set_flag(&fd, libc::SO_REUSEPORT)?;
    }
    // SAFETY: listen(2) takes no pointers; `fd` is an open, bound socket.
    cvt(unsafe { libc::listen(fd.as_raw_fd(), options.backlog) })?;
    Ok(TcpListener::from(fd))
}

/// A new non-blocking, close-on-exec TCP socket, in one call: Linux takes
/// both flags in the socket type.
#[cfg(all(target_os = "linux", not(reel_portable)))]
fn stream_socket(domain: libc::c_int) -> io::Result<OwnedFd> {
    let kind = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: socket(2) takes no pointers; a negative result is checked.
    let fd = cvt(unsafe { libc::socket(domain, kind, 0) })?;
    // SAFETY: `fd` was just returned by socket(2), is open, and nothing else
    // owns it; the OwnedFd closes it on every early return after this.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A new non-blocking, close-on-exec TCP socket: `socket`, then `fcntl`
/// (macOS has no `SOCK_NONBLOCK` or `SOCK_CLOEXEC`).
#[cfg(not(all(target_os = "linux", not(reel_portable))))]
fn stream_socket(domain: libc::c_int) -> io::Result<OwnedFd> {
    // SAFETY: socket(2) takes no pointers; a negative result is checked.
    let fd = cvt(unsafe { libc::socket(domain, libc::SOCK_STREAM, 0) })?;
    // SAFETY: as above: just returned by socket(2) and owned by nobody else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    crate::fd::set_nonblocking_cloexec(fd.as_raw_fd())?;
    Ok(fd)
}

fn set_flag(fd: &OwnedFd, option: libc::c_int) -> io::Result<()> {
    let on: libc::c_int = 1;
    // SAFETY: the value pointer and length describe `on`, a live c_int.
    cvt(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            option,
            (&raw const on).cast(),
            mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    })
    .map(drop)
}

/// `addr` as the C structure bind(2) expects, in network byte order.
fn sockaddr(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: sockaddr_storage is plain old data; all-zero bytes are valid.
    let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(v4) => {
            // SAFETY: sockaddr_storage is larger than and aligned for every
            // sockaddr type, which is what it exists for.
            let sin = unsafe { &mut *(&raw mut storage).cast::<libc::sockaddr_in>() };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = v4.port().to_be();
            sin.sin_addr.s_addr = u32::from_ne_bytes(v4.ip().octets());
            mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(v6) => {
            // SAFETY: as above, for sockaddr_in6.
            let sin6 = unsafe { &mut *(&raw mut storage).cast::<libc::sockaddr_in6>() };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = v6.port().to_be();
            sin6.sin6_addr.s6_addr = v6.ip().octets();
            sin6.sin6_flowinfo = v6.flowinfo();
            sin6.sin6_scope_id = v6.scope_id();
            mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

fn cvt(result: libc::c_int) -> io::Result<libc::c_int> {
    if result < 0 { Err(io::Error::last_os_error()) } else { Ok(result) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listens_on_ipv4_and_reports_the_port() {
        let listener = listen("127.0.0.1:0".parse().unwrap(), ListenOptions::default()).unwrap();
        let addr = listener.local_addr().unwrap();
        assert_eq!(addr.ip().to_string(), "127.0.0.1");
        assert_ne!(addr.port(), 0);
        std::net::TcpStream::connect(addr).expect("a client can connect");
    }

    fn with(reuse_port: ReusePort) -> ListenOptions {
        ListenOptions { reuse_port, ..ListenOptions::default() }
    }

    #[test]
    fn a_leader_lets_its_group_join_and_nobody_lead_beside_it() {
        let first = listen("127.0.0.1:0".parse().unwrap(), with(ReusePort::Lead)).unwrap();
        let addr = first.local_addr().unwrap();
        let second = listen(addr, with(ReusePort::Join)).expect("a member joins the leader");
        assert_eq!(second.local_addr().unwrap(), addr);
        let busy = listen(addr, ListenOptions::default());
        assert!(busy.is_err(), "without SO_REUSEPORT the port is taken");
        let other_leader = listen(addr, with(ReusePort::Lead));
        let error = other_leader.expect_err("a second group's leader is refused");
        assert_eq!(error.kind(), io::ErrorKind::AddrInUse);
    }

    #[test]
    fn a_leader_refuses_a_port_that_a_joiner_holds() {
        let joiner = listen("127.0.0.1:0".parse().unwrap(), with(ReusePort::Join)).unwrap();
        let addr = joiner.local_addr().unwrap();
        let error = listen(addr, with(ReusePort::Lead)).expect_err("held by a SO_REUSEPORT socket");
        assert_eq!(error.kind(), io::ErrorKind::AddrInUse);
    }
}
