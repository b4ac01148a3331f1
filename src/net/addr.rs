//! What a connect accepts: the forms std's `ToSocketAddrs` accepts, with a
//! host name resolved on the blocking pool (`getaddrinfo` blocks the
//! thread that calls it, which must not be the loop's).
//!
//! asyncio counterpart: `loop.getaddrinfo`, which `open_connection` and
//! `sock_connect` run in the default executor. Also the one "try each
//! address until one binds" loop, for listeners and datagram sockets.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// An address to connect to, as std's `ToSocketAddrs` accepts it: a
/// `SocketAddr`, `(ip, port)`, `"host:port"`, `(host, port)`, or a slice of
/// addresses. A host name is resolved on the blocking pool; every other
/// form without a system call. Sealed: implemented by reel for those forms.
pub trait ToSocketAddrs: sealed::Sealed {
    /// The addresses at once, or the `host:port` name to resolve.
    #[doc(hidden)]
    fn target(&self) -> Target;
}

/// What an address comes to before any system call.
#[doc(hidden)]
pub enum Target {
    /// Known addresses, to try in turn.
    Addrs(Vec<SocketAddr>),
    /// A `host:port` name for `getaddrinfo`.
    Name(String),
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! resolved {
    ($($ty:ty => |$me:ident| $addrs:expr;)*) => {$(
        impl sealed::Sealed for $ty {}
        impl ToSocketAddrs for $ty {
            fn target(&self) -> Target {
                let $me = self;
                Target::Addrs($addrs)
            }
        }
    )*};
}

resolved! {
    SocketAddr => |me| vec![*me];
    SocketAddrV4 => |me| vec![SocketAddr::V4(*me)];
    SocketAddrV6 => |me| vec![SocketAddr::V6(*me)];
    (IpAddr, u16) => |me| vec![SocketAddr::new(me.0, me.1)];
    (Ipv4Addr, u16) => |me| vec![SocketAddr::new(IpAddr::V4(me.0), me.1)];
    (Ipv6Addr, u16) => |me| vec![SocketAddr::new(IpAddr::V6(me.0), me.1)];
    &[SocketAddr] => |me| me.to_vec();
}

impl sealed::Sealed for str {}
impl ToSocketAddrs for str {
    fn target(&self) -> Target {
        match self.parse() {
            Ok(addr) => Target::Addrs(vec![addr]),
            Err(_) => Target::Name(self.to_owned()),
        }
    }
}

impl sealed::Sealed for String {}
impl ToSocketAddrs for String {
    fn target(&self) -> Target {
        self.as_str().target()
    }
}

impl sealed::Sealed for (&str, u16) {}
impl ToSocketAddrs for (&str, u16) {
    fn target(&self) -> Target {
        let (host, port) = *self;
        match host.parse::<IpAddr>() {
            Ok(ip) => Target::Addrs(vec![SocketAddr::new(ip, port)]),
            Err(_) => Target::Name(format!("{host}:{port}")),
        }
    }
}

impl sealed::Sealed for (String, u16) {}
impl ToSocketAddrs for (String, u16) {
    fn target(&self) -> Target {
        (self.0.as_str(), self.1).target()
    }
}

impl<T: ToSocketAddrs + ?Sized> sealed::Sealed for &T {}
impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {
    fn target(&self) -> Target {
        (**self).target()
    }
}

/// The addresses `addr` names, in the order the resolver gives them: a
/// host name is looked up on the blocking pool, so the loop goes on
/// (asyncio: `await loop.getaddrinfo(host, port)`; tokio: `lookup_host`).
///
/// ```no_run
/// reel::run(async {
///     let addrs = reel::net::lookup_host(("localhost", 8000)).await?;
///     println!("{addrs:?}");
///     std::io::Result::Ok(())
/// });
/// ```
pub async fn lookup_host(addr: impl ToSocketAddrs) -> io::Result<Vec<SocketAddr>> {
    resolve(&addr).await
}

/// The addresses `addr` names, resolving a host name on the blocking pool.
pub(crate) async fn resolve(addr: &(impl ToSocketAddrs + ?Sized)) -> io::Result<Vec<SocketAddr>> {
    match addr.target() {
        Target::Addrs(addrs) => Ok(addrs),
        Target::Name(name) => {
            let lookup =
                move || std::net::ToSocketAddrs::to_socket_addrs(&name).map(Vec::from_iter);
            crate::blocking::spawn_blocking(lookup).await.map_err(io::Error::from)?
        }
    }
}

/// Runs `bind` on each address `addr` names (a blocking lookup for a host
/// name, as std's `bind` does) until one succeeds; else the last error.
/// The listeners' and datagram sockets' "try each address" loop.
pub(crate) fn bind_first<T>(
    addr: impl std::net::ToSocketAddrs,
    mut bind: impl FnMut(SocketAddr) -> io::Result<T>,
) -> io::Result<T> {
    let mut last_error = None;
    for addr in addr.to_socket_addrs()? {
        match bind(addr) {
            Ok(bound) => return Ok(bound),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error
        .unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to bind to")))
}
