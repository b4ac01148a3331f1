//! [`ServerOptions`]: how a server accepts (a connection limit and how to
//! refuse, `SO_REUSEPORT`) and what it carries its connections in (plain
//! TCP, or TLS with the feature `tls`).
//!
//! asyncio counterpart: the keyword arguments of `asyncio.start_server`
//! (`reuse_port=`, `ssl=`, `ssl_handshake_timeout=`).

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;

use crate::net::TcpStream;
use crate::net::socket::ReusePort;
use crate::stream::security::Plain;
use crate::stream::{StreamReader, StreamWriter, pair};

/// What runs for a refused connection, boxed so one `Server` type serves
/// every refusal.
pub(super) type Handler = Rc<dyn Fn(TcpStream, SocketAddr) -> Pin<Box<dyn Future<Output = ()>>>>;

/// Options for [`start_server_with`](super::start_server_with): a
/// connection limit and how to refuse, `SO_REUSEPORT`, and (the type
/// parameter) plain TCP or TLS (`ServerOptions::tls`, with the feature `tls`).
#[derive(Default)]
pub struct ServerOptions<S = Plain> {
    pub(super) max_connections: Option<usize>,
    pub(super) refuse: Option<Handler>,
    pub(super) reuse_port: ReusePort,
    security: S,
}

impl ServerOptions {
    /// Plain TCP, no limit, as `start_server`.
    pub fn new() -> Self {
        Self::default()
    }

    /// What a refused connection gets: a handler of its own, which can word
    /// the refusal (`Server is busy. Try again later.`) before it closes.
    /// Plain servers only: a TLS server closes a refused connection, since
    /// a refusal in plaintext would be garbage to a TLS client.
    pub fn refuse_with<F, Fut>(mut self, refuse: F) -> Self
    where
        F: Fn(StreamReader, StreamWriter) -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        self.refuse = Some(Rc::new(move |stream, _| {
            let (r, w) = pair(stream);
            Box::pin(refuse(r, w))
        }));
        self
    }
}

impl<S> ServerOptions<S> {
    /// At most `limit` handlers at once; connections past it go to the
    /// refusal handler (or are closed at once) while the others go on.
    pub fn max_connections(mut self, limit: usize) -> Self {
        self.max_connections = Some(limit);
        self
    }

    /// Binds as the first of a SO_REUSEPORT group
    /// ([`TcpListener::bind_reuse_port`](crate::net::TcpListener::bind_reuse_port)):
    /// the port must be free, and servers on other loops (one per thread)
    /// may then [join](Self::join_reuse_port) it, the kernel spreading the
    /// connections between them.
    pub fn reuse_port(mut self, reuse: bool) -> Self {
        self.reuse_port = if reuse { ReusePort::Lead } else { ReusePort::Off };
        self
    }

    /// Joins the SO_REUSEPORT group that a [`reuse_port`](Self::reuse_port)
    /// server of this process leads on the same address
    /// ([`TcpListener::join_reuse_port`](crate::net::TcpListener::join_reuse_port);
    /// asyncio: `start_server(reuse_port=True)`).
    pub fn join_reuse_port(mut self, join: bool) -> Self {
        self.reuse_port = if join { ReusePort::Join } else { ReusePort::Off };
        self
    }

    /// The accept-side options, and the security apart.
    pub(super) fn into_plain(self) -> (ServerOptions, S) {
        let ServerOptions { max_connections, refuse, reuse_port, security } = self;
        (ServerOptions { max_connections, refuse, reuse_port, security: Plain }, security)
    }
}

#[cfg(feature = "tls")]
mod tls {
    use std::sync::Arc;
    use std::time::Duration;

    use super::{ReusePort, ServerOptions};
    use crate::stream::security::Tls;

    /// asyncio's default `ssl_handshake_timeout`.
    const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(60);

    impl ServerOptions {
        /// TLS with `config` (see [`crate::tls::server_config`]): each
        /// connection makes a handshake, within 60 s unless
        /// [`handshake_timeout`](ServerOptions::handshake_timeout) says
        /// otherwise, and its handler gets TLS halves
        /// (asyncio: `start_server(..., ssl=ctx)`).
        pub fn tls(config: Arc<rustls::ServerConfig>) -> ServerOptions<Tls> {
            let security = Tls { config, handshake_timeout: HANDSHAKE_TIMEOUT };
            ServerOptions {
                max_connections: None,
                refuse: None,
                reuse_port: ReusePort::Off,
                security,
            }
        }
    }

    impl ServerOptions<Tls> {
        /// How long a handshake may take before the connection is closed
        /// (asyncio: `ssl_handshake_timeout`): what a client that connects
        /// and stalls can hold a connection slot for.
        pub fn handshake_timeout(mut self, limit: Duration) -> Self {
            self.security.handshake_timeout = limit;
            self
        }
    }
}
