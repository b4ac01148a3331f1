//! What a server does with an accepted TCP connection before its handler
//! runs: nothing ([`Plain`]), or a TLS handshake ([`Tls`], the feature
//! `tls`). Chosen by the [`ServerOptions`](super::ServerOptions) a server
//! starts with, which also fixes the reader and writer types its handler
//! gets (asyncio: `start_server(..., ssl=None)` or `ssl=ctx`).

use std::future::Future;
use std::net::SocketAddr;
use std::rc::Rc;

use crate::io::{AsyncRead, AsyncWrite};
use crate::net::{OwnedReadHalf, OwnedWriteHalf, TcpStream};
use crate::stream::{StreamReader, StreamWriter, pair};

/// How a server's connections are carried: [`Plain`] TCP, or `Tls` (with the feature `tls`).
/// Sealed: reel's two are the only ones.
pub trait Security: private::Sealed + Clone + 'static {
    /// What the handler reads from.
    type Read: AsyncRead + 'static;
    /// What the handler writes to.
    type Write: AsyncWrite + 'static;

    /// The future of one connection: any handshake, then the handler.
    /// Owned arguments only, so that the future borrows nothing.
    fn serve<F, Fut>(
        self,
        stream: TcpStream,
        peer: SocketAddr,
        handler: Rc<F>,
    ) -> impl Future<Output = ()> + 'static
    where
        F: Fn(StreamReader<Self::Read>, StreamWriter<Self::Write>) -> Fut + 'static,
        Fut: Future<Output = ()> + 'static;
}

/// Plain TCP: the handler gets the connection's halves as accepted.
#[derive(Debug, Default, Clone, Copy)]
pub struct Plain;

impl Security for Plain {
    type Read = OwnedReadHalf;
    type Write = OwnedWriteHalf;

    fn serve<F, Fut>(
        self,
        stream: TcpStream,
        _peer: SocketAddr,
        handler: Rc<F>,
    ) -> impl Future<Output = ()> + 'static
    where
        F: Fn(StreamReader<OwnedReadHalf>, StreamWriter<OwnedWriteHalf>) -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let (reader, writer) = pair(stream);
        handler(reader, writer)
    }
}

#[cfg(feature = "tls")]
pub use tls::Tls;

#[cfg(feature = "tls")]
mod tls {
    use std::future::Future;
    use std::net::SocketAddr;
    use std::rc::Rc;
    use std::sync::Arc;
    use std::time::Duration;

    use super::Security;
    use crate::net::TcpStream;
    use crate::stream::{StreamReader, StreamWriter};
    use crate::tls::{TlsReadHalf, TlsStream, TlsWriteHalf};

    /// TLS: the handler runs once the handshake is done; a handshake that
    /// fails, or takes longer than the timeout, closes the connection. The
    /// handshake runs in the handler's task, so it counts against
    /// `max_connections` like a handler does.
    #[derive(Debug, Clone)]
    pub struct Tls {
        pub(in crate::stream) config: Arc<rustls::ServerConfig>,
        pub(in crate::stream) handshake_timeout: Duration,
    }

    impl Security for Tls {
        type Read = TlsReadHalf;
        type Write = TlsWriteHalf;

        fn serve<F, Fut>(
            self,
            stream: TcpStream,
            peer: SocketAddr,
            handler: Rc<F>,
        ) -> impl Future<Output = ()> + 'static
        where
            F: Fn(StreamReader<TlsReadHalf>, StreamWriter<TlsWriteHalf>) -> Fut + 'static,
            Fut: Future<Output = ()> + 'static,
        {
            let Tls { config, handshake_timeout: limit } = self;
            async move {
                let tls = match TlsStream::accept_within(stream, config, limit).await {
                    Ok(tls) => tls,
                    Err(e) => return log::info!(target: "reel", "{peer}: {e}"),
                };
                let (read, write) = tls.into_split();
                handler(StreamReader::new(read), StreamWriter::new(write)).await
            }
        }
    }
}

mod private {
    pub trait Sealed {}
    impl Sealed for super::Plain {}
    #[cfg(feature = "tls")]
    impl Sealed for super::Tls {}
}
