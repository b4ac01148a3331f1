//! asyncio-style streams: [`StreamReader`], [`StreamWriter`],
//! [`open_connection`], [`start_server`], and (the feature `tls`)
//! `open_tls_connection` and the STARTTLS upgrade of an open connection,
//! `start_tls_client` / `start_tls_server`.
//!
//! asyncio counterpart: `asyncio.open_connection`, `asyncio.StreamReader`,
//! `asyncio.StreamWriter`.
//!
//! A connection splits into a reader over its read half and a writer over its
//! write half, so one task can read while another writes. Both work over any
//! [`AsyncRead`](crate::io::AsyncRead) / [`AsyncWrite`](crate::io::AsyncWrite),
//! stdin included.

mod accept;
mod flusher;
#[cfg(feature = "futures-io")]
mod futures_io;
mod listener;
mod options;
mod read_errors;
mod reader;
mod reserve;
mod security;
mod server;
mod socket_file;
mod start;
#[cfg(feature = "tls")]
mod start_tls;
mod unix_server;
mod writer;

use std::io;

pub use options::ServerOptions;
pub use read_errors::{IncompleteRead, LimitOverrun};
pub use reader::{DEFAULT_LIMIT, StreamReader};
#[cfg(feature = "tls")]
pub use security::Tls;
pub use security::{Plain, Security};
pub use server::{Server, ShutdownReport};
pub use start::{start_server, start_server_with, start_tcp_server};
#[cfg(feature = "tls")]
pub use start_tls::{start_tls_client, start_tls_server};
pub use unix_server::{start_unix_server, start_unix_server_with};
pub use writer::{DEFAULT_HIGH_WATER, DEFAULT_LOW_WATER, StreamWriter};

use crate::io::Stdin;
use crate::net::{TcpStream, UnixReadHalf, UnixStream, UnixWriteHalf};

/// Opens a TCP connection and returns its reader and writer
/// (asyncio: `await asyncio.open_connection(host, port)`).
///
/// A host name is resolved on the blocking pool (`getaddrinfo` blocks), then
/// each address is tried in turn (see [`TcpStream::connect`]). Panics
/// outside a running loop.
pub async fn open_connection(host: &str, port: u16) -> io::Result<(StreamReader, StreamWriter)> {
    Ok(pair(TcpStream::connect((host, port)).await?))
}

/// Opens a connection to the Unix socket at `path` and returns its reader
/// and writer (asyncio: `await asyncio.open_unix_connection(path)`).
/// Panics outside a running loop.
pub async fn open_unix_connection(
    path: impl AsRef<std::path::Path>,
) -> io::Result<(StreamReader<UnixReadHalf>, StreamWriter<UnixWriteHalf>)> {
    let (read, write) = UnixStream::connect(path).await?.into_split();
    Ok((StreamReader::new(read), StreamWriter::new(write)))
}

/// Opens a TCP connection, makes a TLS handshake checking the server's
/// certificate for `host`, and returns its reader and writer (asyncio:
/// `await asyncio.open_connection(host, port, ssl=ctx)`). The feature
/// `tls`; `config` from [`crate::tls::client_config`] or built by hand.
#[cfg(feature = "tls")]
pub async fn open_tls_connection(
    host: &str,
    port: u16,
    config: std::sync::Arc<rustls::ClientConfig>,
) -> io::Result<(StreamReader<crate::tls::TlsReadHalf>, StreamWriter<crate::tls::TlsWriteHalf>)> {
    let (read, write) = crate::tls::connect(host, port, config).await?.into_split();
    Ok((StreamReader::new(read), StreamWriter::new(write)))
}

/// The reader and writer of an accepted (or connected) stream, as
/// `start_server` hands them to its handler.
pub fn pair(stream: TcpStream) -> (StreamReader, StreamWriter) {
    let (read, write) = stream.into_split();
    (StreamReader::new(read), StreamWriter::new(write))
}

/// Standard input as a [`StreamReader`]: lines,
/// exact reads and separators, without blocking the loop (asyncio: a
/// `StreamReader` fed by `loop.connect_read_pipe(..., sys.stdin)`).
///
/// At most one may exist per loop (the reactor takes fd 0 once); see
/// [`Stdin`] for pipes, terminals and the regular-file fallback.
pub fn stdin() -> io::Result<StreamReader<Stdin>> {
    Ok(StreamReader::new(Stdin::new()?))
}
