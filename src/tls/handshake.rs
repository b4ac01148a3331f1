//! How a `TlsStream` comes to be: the server's side of a handshake
//! (`accept`, and `accept_within` a time limit) and the client's
//! (`connect`, which checks the server's name), driven until rustls is done
//! and its last flight is out (asyncio: `SSLProtocol._do_handshake`). A
//! STARTTLS upgrade begins the same handshakes with bytes already read
//! from the socket (`accept_after`, `connect_after`).

use std::cell::RefCell;
use std::future::{Future, poll_fn};
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
        Self::accept_after(tcp, Vec::new(), config).await
    }

    /// [`accept`](Self::accept) over a connection whose next bytes were
    /// read from the socket already (`read_ahead`, a `StreamReader`'s
    /// buffer): a STARTTLS client may send its ClientHello right behind its
    /// command, in the same read. rustls takes them before the socket.
    pub(crate) async fn accept_after(
        tcp: TcpStream,
        read_ahead: Vec<u8>,
        config: Arc<rustls::ServerConfig>,
    ) -> io::Result<Self> {
        let tls = rustls::ServerConnection::new(config).map_err(invalid)?;
        Self::handshake(tcp, tls.into(), &read_ahead).await
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
        within(limit, Box::pin(Self::accept(tcp, config))).await
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
        Self::connect_after(tcp, Vec::new(), server_name, config).await
    }

    /// [`connect`](Self::connect) over a connection whose next bytes were
    /// read from the socket already (see `accept_after`).
    pub(crate) async fn connect_after(
        tcp: TcpStream,
        read_ahead: Vec<u8>,
        server_name: &str,
        config: Arc<rustls::ClientConfig>,
    ) -> io::Result<Self> {
        let name = ServerName::try_from(server_name.to_owned()).map_err(|e| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("{server_name:?}: {e}"))
        })?;
        let tls = rustls::ClientConnection::new(config, name).map_err(invalid)?;
        Self::handshake(tcp, tls.into(), &read_ahead).await
    }

    async fn handshake(
        tcp: TcpStream,
        tls: rustls::Connection,
        read_ahead: &[u8],
    ) -> io::Result<Self> {
        let state = State { tls, closing: false, fin_sent: false };
        let stream = TlsStream { tcp, state: RefCell::new(state) };
        stream.take_read_ahead(read_ahead)?;
        poll_fn(|cx| stream.poll_handshake(cx)).await?;
        Ok(stream)
    }

    /// Hands rustls the bytes read before the handshake began, as if the
    /// socket had just delivered them: they are the start of the peer's
    /// first flight, and the socket will not deliver them again.
    fn take_read_ahead(&self, mut bytes: &[u8]) -> io::Result<()> {
        let mut state = self.state.borrow_mut();
        while !bytes.is_empty() {
            // Reading from a slice moves it on past what rustls took.
            if state.tls.read_tls(&mut bytes)? == 0 {
                break; // rustls takes nothing more (the peer's close_notify)
            }
            self.process(&mut state)?;
        }
        Ok(())
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

/// `handshake`'s outcome within `limit`, else `TimedOut`.
pub(crate) async fn within<T>(
    limit: Duration,
    handshake: impl Future<Output = io::Result<T>>,
) -> io::Result<T> {
    crate::time::timeout(limit, handshake).await.unwrap_or_else(|_| {
        let e = format!("no TLS handshake within {limit:?}");
        Err(io::Error::new(io::ErrorKind::TimedOut, e))
    })
}
