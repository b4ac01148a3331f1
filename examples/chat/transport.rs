//! What a client's bytes travel in: the TCP connection's halves as
//! accepted, or TLS halves over it (`--tls-cert`/`--tls-key`, the feature
//! `tls`), behind the calls `session`, `stop` and `outbox` make.
//!
//! The TLS handshake happens here, within `HANDSHAKE_TIMEOUT`: a client
//! that connects and stalls, or sends something that is not TLS, is closed
//! and the others go on.

use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};
use std::time::Duration;

use reel::io::AsyncRead;
use reel::net::{OwnedReadHalf, OwnedWriteHalf, TcpStream};
#[cfg(feature = "tls")]
use reel::tls::{TlsReadHalf, TlsStream, TlsWriteHalf};

/// How long a TLS handshake may take.
#[cfg(feature = "tls")]
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A TLS server configuration: `--tls-cert` and `--tls-key`.
#[cfg(feature = "tls")]
pub type TlsConfig = std::sync::Arc<reel::tls::rustls::ServerConfig>;

/// Built without the feature `tls`, there is no TLS configuration.
#[cfg(not(feature = "tls"))]
pub type TlsConfig = std::convert::Infallible;

/// The reading side of a client's connection.
pub enum ReadSide {
    Plain(OwnedReadHalf),
    #[cfg(feature = "tls")]
    Tls(TlsReadHalf),
}

/// The writing side of a client's connection.
pub enum WriteSide {
    Plain(OwnedWriteHalf),
    #[cfg(feature = "tls")]
    Tls(TlsWriteHalf),
}

/// The halves of an accepted `tcp`: as they are, or after a TLS handshake
/// with `tls`. `None` (logged) if the handshake failed or took too long.
pub async fn accept(
    tcp: TcpStream,
    peer: SocketAddr,
    tls: Option<&TlsConfig>,
) -> Option<(ReadSide, WriteSide)> {
    let Some(tls) = tls else {
        let (read, write) = tcp.into_split();
        return Some((ReadSide::Plain(read), WriteSide::Plain(write)));
    };
    #[cfg(feature = "tls")]
    {
        match TlsStream::accept_within(tcp, tls.clone(), HANDSHAKE_TIMEOUT).await {
            Ok(stream) => {
                let (read, write) = stream.into_split();
                Some((ReadSide::Tls(read), WriteSide::Tls(write)))
            }
            Err(e) => {
                log::info!("{peer}: {e}");
                None
            }
        }
    }
    #[cfg(not(feature = "tls"))]
    {
        let _ = (tcp, peer);
        match *tls {}
    }
}

impl AsyncRead for ReadSide {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        match self {
            ReadSide::Plain(read) => read.poll_read(cx, buf),
            #[cfg(feature = "tls")]
            ReadSide::Tls(read) => read.get_ref().poll_read(cx, buf),
        }
    }
}

impl ReadSide {
    /// True if a byte (or the end) has arrived and not been read.
    pub fn input_waiting(&self) -> bool {
        match self {
            ReadSide::Plain(read) => read.input_waiting(),
            #[cfg(feature = "tls")]
            ReadSide::Tls(read) => read.input_waiting(),
        }
    }

    /// What the kernel holds, without taking it. Over TLS these are
    /// records, a little more than the text in them: an upper bound.
    pub fn try_peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            ReadSide::Plain(read) => read.try_peek(buf),
            #[cfg(feature = "tls")]
            ReadSide::Tls(read) => read.get_ref().get_ref().try_peek(buf),
        }
    }

    /// Reads and drops until the client ends, for at most `within`.
    pub async fn discard_until_eof(&self, within: Duration) -> io::Result<u64> {
        match self {
            ReadSide::Plain(read) => read.discard_until_eof(within).await,
            #[cfg(feature = "tls")]
            ReadSide::Tls(read) => read.discard_until_eof(within).await,
        }
    }
}

impl WriteSide {
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self {
            WriteSide::Plain(write) => write.poll_write(cx, buf),
            #[cfg(feature = "tls")]
            WriteSide::Tls(write) => write.get_ref().poll_write(cx, buf),
        }
    }

    /// Ends the sending direction after what was written: FIN, or over TLS
    /// `close_notify` and FIN, which wait for the socket at most `within`.
    pub async fn close(&self, within: Duration) -> io::Result<()> {
        match self {
            WriteSide::Plain(write) => {
                let _ = within;
                write.shutdown()
            }
            #[cfg(feature = "tls")]
            WriteSide::Tls(write) => {
                let closing = write.get_ref().shutdown();
                reel::time::timeout(within, closing).await.unwrap_or_else(|_| {
                    Err(io::Error::new(io::ErrorKind::TimedOut, "close_notify not taken"))
                })
            }
        }
    }
}
