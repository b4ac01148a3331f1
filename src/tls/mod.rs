//! TLS over reel's TCP streams (the optional feature `tls`): a
//! [`TlsStream`] that encrypts through rustls, a server option for
//! [`start_server_with`](super::stream::start_server_with)
//! ([`ServerOptions::tls`](super::stream::ServerOptions::tls)), and a
//! client connect ([`connect`], or
//! [`open_tls_connection`](super::stream::open_tls_connection) for a reader
//! and writer); an open plaintext reader and writer become TLS ones with
//! [`start_tls_client`](super::stream::start_tls_client) and
//! [`start_tls_server`](super::stream::start_tls_server) (STARTTLS).
//!
//! asyncio counterpart: `start_server(..., ssl=ctx)`,
//! `open_connection(..., ssl=ctx)` and `StreamWriter.start_tls`, and
//! underneath them `sslproto`.
//!
//! # The design: sans-IO, as in `sslproto`
//!
//! asyncio does not hand its sockets to OpenSSL. `sslproto` keeps an
//! `ssl.SSLObject` between two memory buffers (`ssl.MemoryBIO`): what the
//! socket delivers is written into the incoming buffer, the `SSLObject`
//! decrypts from it, and what it encrypts (records, handshake messages,
//! alerts) piles up in the outgoing buffer, which the transport writes to
//! the socket when the socket has room. The TLS state machine never does
//! I/O and never blocks; the event loop moves the bytes.
//!
//! rustls is built the same way. A `rustls::Connection` holds both buffers
//! itself: [`read_tls`](rustls::Connection::read_tls) fills its incoming
//! one from any `io::Read`, [`write_tls`](rustls::Connection::write_tls)
//! drains its outgoing one into any `io::Write`, and
//! `process_new_packets` is `SSLObject.do_handshake`/`read` in one. So
//! [`TlsStream`] is a `TcpStream` beside a `rustls::Connection`, and its
//! poll functions (in `stream.rs`, where TLS bytes move)
//! hand rustls the socket's non-blocking reads and writes in the shape of
//! `io::Read`/`io::Write` (`bridge.rs`): a `WouldBlock` there parks the
//! task on the reactor exactly as a plain socket read does.
//!
//! Ground rules:
//! - plaintext handed to `poll_write` is encrypted at once; the records wait
//!   in rustls until the socket takes them, which `poll_flush` waits for
//!   (a `StreamWriter` polls it before it reports a buffer drained);
//! - closing sends `close_notify`, then the TCP FIN once it is out;
//! - a peer that ends the TCP stream without `close_notify` is a read error
//!   (`UnexpectedEof`), not a quiet end: it may be a truncation attack;
//! - a peer's bad record or handshake message is an `InvalidData` error,
//!   after rustls's alert has been offered to the socket.

/// The value of an `io::Result` from rustls's bridge to the socket; a
/// `WouldBlock` (the task is parked on the reactor) returns `Pending`.
/// Defined before the modules, so `stream` and `handshake` share it.
macro_rules! try_io {
    ($e:expr) => {
        match $e {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                return std::task::Poll::Pending;
            }
            Err(e) => return std::task::Poll::Ready(Err(e)),
        }
    };
}

mod bridge;
mod config;
mod handshake;
mod split;
mod stream;

use std::io;
use std::sync::Arc;

#[cfg(feature = "native-roots")]
pub use config::system_client_config;
pub use config::{client_config, load_certs, load_key, server_config};
pub(crate) use handshake::within;
pub use split::{TlsReadHalf, TlsWriteHalf};
pub use stream::TlsStream;

/// The rustls crate reel is built with, for building configurations by
/// hand (`rustls::ServerConfig`, `rustls::ClientConfig`) with the same
/// version reel takes.
pub use rustls;

use crate::net::TcpStream;

/// Connects to `host:port` over TCP, then makes a TLS handshake as a client,
/// checking the server's certificate for `host` (asyncio:
/// `open_connection(host, port, ssl=ctx)` below the streams).
pub async fn connect(
    host: &str,
    port: u16,
    config: Arc<rustls::ClientConfig>,
) -> io::Result<TlsStream> {
    let tcp = TcpStream::connect((host, port)).await?;
    TlsStream::connect(tcp, host, config).await
}
