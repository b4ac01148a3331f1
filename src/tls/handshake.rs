//! How a `TlsStream` comes to be: the server's side of a handshake
//! (`accept`, and `accept_within` a time limit) and the client's
//! (`connect`, which checks the server's name), driven until rustls is done
//! and its last flight is out (asyncio: `SSLProtocol._do_handshake`).

use std::cell::RefCell;
use std::future::poll_fn;
use std::io;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::pki_types::ServerName;

use super::bridge::Reader;
use super::stream::{State, TlsStream, invalid};
use crate::net::TcpStream;

impl TlsStream {
    /// Makes the server's side of a handshake over an accepted `tcp`
    /// (asyncio: what `start_server(..., ssl=ctx)` does before the handler
    /// runs). No time limit: wrap it in [`timeout`](crate::time::timeout),
    /// or use [`ServerOptions::tls`](super::super::stream::ServerOptions::tls).
    pub async fn accept(tcp: TcpStream, config: Arc<rustls::ServerConfig>) -> io::Result<Self> {
        let tls = rustls::ServerConnection::new(config).map_err(invalid)?;
        Self::handshake(tcp, tls.into()).await
    }

    /// [`accept`](Self::accept) within `limit`, else `TimedOut` (asyncio:
    /// `ssl_handshake_timeout`): what a server calls, so that a client that
    /// connects and stalls holds its connection no longer. The handshake's
    /// future is boxed: it holds a rustls connection (about a kilobyte),
    /// which would otherwise stay in the caller's future, in every session's
    /// task, for its whole life.
    pub async fn accept_within(
        tcp: TcpStream,
        config: Arc<rustls::ServerConfig>,
        limit: Duration,
    ) -> io::Result<Self> {
        let handshake = Box::pin(Self::accept(tcp, config));
        crate::time::timeout(limit, handshake).await.unwrap_or_else(|_| {
            let e = format!("no TLS handshake within {limit:?}");
            Err(io::Error::new(io::ErrorKind::TimedOut, e))
        })
    }

    /// Makes the client's side of a handshake over a connected `tcp`,
    /// checking that the server's certificate is valid for `server_name`
    /// (a host name or an IP address), which is also sent as SNI (asyncio:
    /// `open_connection(..., ssl=ctx, server_hostname=...)`).
    pub async fn connect(
        tcp: TcpStream,
        server_name: &str,
        config: Arc<rustls::ClientConfig>,
    ) -> io::Result<Self> {
        let name = ServerName::try_from(server_name.to_owned()).map_err(|e| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("{server_name:?}: {e}"))
        })?;
        let tls = rustls::ClientConnection::new(config, name).map_err(invalid)?;
        Self::handshake(tcp, tls.into()).await
    }

    async fn handshake(tcp: TcpStream, tls: rustls::Connection) -> io::Result<Self> {
        let state = State { tls, closing: false, fin_sent: false };
        let stream = TlsStream { tcp, state: RefCell::new(state) };
        poll_fn(|cx| stream.poll_handshake(cx)).await?;
        Ok(stream)
    }

    /// Drives the handshake: send what rustls has to say, else read what
    /// it waits for, until it is done and its last flight is out.
    fn poll_handshake(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut state = self.state.borrow_mut();
        loop {
            std::task::ready!(self.send(&mut state, cx))?;
            if !state.tls.is_handshaking() {
                return Poll::Ready(Ok(()));
            }
            let mut source = Reader { tcp: &self.tcp, cx };
            if try_io!(state.tls.read_tls(&mut source)) == 0 {
                let e = "the peer closed the connection during the TLS handshake";
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::UnexpectedEof, e)));
            }
            self.process(&mut state)?;
        }
    }
}
