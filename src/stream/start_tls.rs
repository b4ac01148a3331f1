//! `start_tls_client` and `start_tls_server`: an open plaintext
//! connection's reader and writer upgraded to TLS in place, as SMTP, IMAP
//! and Postgres do after a `STARTTLS` (the feature `tls`).
//!
//! asyncio counterpart: `await writer.start_tls(ctx, server_hostname=...)`
//! (3.11) on a client, and `await loop.start_tls(transport, protocol, ctx,
//! server_side=True)` on a server.
//!
//! The upgrade, in order:
//! 1. the writer is drained: every plaintext byte it accepted (the `OK`
//!    that answers `STARTTLS`) goes out before the first TLS byte, and a
//!    writer that was closed, or whose write failed, is an error;
//! 2. the reader gives up its read-ahead: what the peer sent after the last
//!    line returned. A client may send its ClientHello right behind its
//!    `STARTTLS` line, and the reader may already hold it: the socket will
//!    not deliver those bytes again, so rustls takes them first;
//! 3. the halves are reunited into the `TcpStream`, the handshake runs over
//!    it, and the `TlsStream` is split into a new reader and writer with
//!    the old ones' limit and water marks.
//!
//! On any error the connection is closed (asyncio closes the transport).

use std::io;
use std::sync::Arc;
use std::time::Duration;

use crate::net::TcpStream;
use crate::stream::{StreamReader, StreamWriter};
use crate::tls::{TlsReadHalf, TlsStream, TlsWriteHalf, within};

/// A reader and a writer over TLS, as `open_tls_connection` gives them.
type TlsPair = (StreamReader<TlsReadHalf>, StreamWriter<TlsWriteHalf>);

/// What the plaintext reader and writer leave to their TLS successors.
struct Plaintext {
    /// The connection, its halves reunited.
    tcp: TcpStream,
    /// The peer's bytes that the reader had read and not returned.
    read_ahead: Vec<u8>,
    /// The reader's limit and the writer's high- and low-water marks.
    limit: usize,
    water_marks: (usize, usize),
}

/// Upgrades a client's plaintext connection to TLS, checking that the
/// server's certificate is valid for `server_name` (asyncio: `await
/// writer.start_tls(ctx, server_hostname=server_name)`). Call it once the
/// server has agreed (`STARTTLS`, then its `OK` read). No time limit: wrap
/// it in [`timeout`](crate::time::timeout), as `open_tls_connection`.
pub async fn start_tls_client(
    reader: StreamReader,
    writer: StreamWriter,
    server_name: &str,
    config: Arc<rustls::ClientConfig>,
) -> io::Result<TlsPair> {
    let plain = Plaintext::take(reader, writer).await?;
    let tls = TlsStream::connect_after(plain.tcp, plain.read_ahead, server_name, config).await?;
    Ok(pair(tls, plain.limit, plain.water_marks))
}

/// Upgrades a server's plaintext connection to TLS within `limit` (the
/// writer's drain and the handshake), else `TimedOut` (asyncio: `await
/// loop.start_tls(transport, protocol, ctx, server_side=True,
/// ssl_handshake_timeout=limit)`), so that a client that stalls holds the
/// connection no longer. Call it once the client has asked (`STARTTLS`
/// read, `OK` written). A peer's bad handshake is an `InvalidData` error,
/// after rustls's alert is offered to it.
pub async fn start_tls_server(
    reader: StreamReader,
    writer: StreamWriter,
    config: Arc<rustls::ServerConfig>,
    limit: Duration,
) -> io::Result<TlsPair> {
    let upgrade = async {
        let plain = Plaintext::take(reader, writer).await?;
        let tls = TlsStream::accept_after(plain.tcp, plain.read_ahead, config).await?;
        Ok(pair(tls, plain.limit, plain.water_marks))
    };
    // Boxed, as `accept_within`'s: the rustls connection it holds would
    // otherwise stay in the caller's future for its whole life.
    within(limit, Box::pin(upgrade)).await
}

impl Plaintext {
    /// Steps 1 and 2 above, and the reunion of the halves.
    async fn take(reader: StreamReader, writer: StreamWriter) -> io::Result<Plaintext> {
        let water_marks = writer.water_marks();
        let write = writer.into_sink().await.map_err(|e| before_tls(e.kind(), e))?;
        let limit = reader.limit();
        let (read, read_ahead) = reader.into_parts();
        let tcp = read.reunite(write).map_err(|e| before_tls(io::ErrorKind::InvalidInput, e))?;
        Ok(Plaintext { tcp, read_ahead, limit, water_marks })
    }
}

/// An error found before the handshake, said as such.
fn before_tls(kind: io::ErrorKind, e: impl std::fmt::Display) -> io::Error {
    io::Error::new(kind, format!("start_tls: {e}"))
}

/// The reader and writer of the new TLS stream.
fn pair(tls: TlsStream, limit: usize, (high, low): (usize, usize)) -> TlsPair {
    let (read, write) = tls.into_split();
    (StreamReader::with_limit(read, limit), StreamWriter::with_water_marks(write, high, low))
}
