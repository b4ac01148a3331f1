//! What a connection's bytes travel in: the TCP stream as accepted, or a
//! TLS stream over it (`--tls-cert`/`--tls-key`, the feature `tls`), behind
//! the handful of calls `conn` and `input` make.
//!
//! The TLS handshake happens here, within `--header-timeout`: a client that
//! connects and stalls, or sends garbage, holds its connection no longer
//! than one that stalls in a request head (the same slowloris limit).

use std::io;
use std::net::{Shutdown, SocketAddr};
use std::task::{Context, Poll};
use std::time::Duration;

use reel::net::TcpStream;
#[cfg(feature = "tls")]
use reel::tls::TlsStream;

use crate::config::Config;

/// A connection's stream.
pub enum Transport {
    Plain(TcpStream),
    /// Boxed: a rustls connection is about a kilobyte of state.
    #[cfg(feature = "tls")]
    Tls(Box<TlsStream>),
}

impl Transport {
    /// The stream for an accepted `tcp`: itself, or after a TLS handshake
    /// if the server has a certificate. `None` (logged) if the handshake
    /// failed or took longer than `--header-timeout`.
    pub async fn accept(tcp: TcpStream, peer: SocketAddr, config: &Config) -> Option<Transport> {
        let Some(tls) = &config.tls else { return Some(Transport::Plain(tcp)) };
        #[cfg(feature = "tls")]
        {
            let limit = config.header_timeout;
            match TlsStream::accept_within(tcp, tls.clone(), limit).await {
                Ok(stream) => Some(Transport::Tls(Box::new(stream))),
                Err(e) => {
                    log::debug!("{peer}: {e}");
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

    /// The TCP stream underneath, for its socket options.
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Transport::Plain(tcp) => tcp,
            #[cfg(feature = "tls")]
            Transport::Tls(tls) => tls.get_ref(),
        }
    }

    /// Whether this is TLS: files cannot go with `sendfile` (they must be
    /// encrypted in user space), and writes leave records to flush.
    pub fn is_tls(&self) -> bool {
        !matches!(self, Transport::Plain(_))
    }

    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        match self {
            Transport::Plain(tcp) => tcp.poll_read(cx, buf),
            #[cfg(feature = "tls")]
            Transport::Tls(tls) => tls.poll_read(cx, buf),
        }
    }

    pub async fn readable(&self) -> io::Result<()> {
        match self {
            Transport::Plain(tcp) => tcp.readable().await,
            #[cfg(feature = "tls")]
            Transport::Tls(tls) => tls.readable().await,
        }
    }

    pub fn input_waiting(&self) -> bool {
        match self {
            Transport::Plain(tcp) => tcp.input_waiting(),
            #[cfg(feature = "tls")]
            Transport::Tls(tls) => tls.input_waiting(),
        }
    }

    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self {
            Transport::Plain(tcp) => tcp.poll_write(cx, buf),
            #[cfg(feature = "tls")]
            Transport::Tls(tls) => tls.poll_write(cx, buf),
        }
    }

    /// A write that more bytes follow at once (`MSG_MORE` on TCP).
    pub fn poll_write_more(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self {
            Transport::Plain(tcp) => tcp.poll_write_more(cx, buf),
            #[cfg(feature = "tls")]
            Transport::Tls(tls) => tls.poll_write(cx, buf),
        }
    }

    /// Waits until what the stream holds itself (TLS records) is sent.
    pub fn poll_flush(&self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Transport::Plain(_) => Poll::Ready(Ok(())),
            #[cfg(feature = "tls")]
            Transport::Tls(tls) => tls.poll_flush(_cx),
        }
    }

    /// Ends the sending direction: FIN at once; over TLS `close_notify`
    /// first, which waits for the socket at most `within`.
    pub async fn shutdown(&self, within: Duration) -> io::Result<()> {
        match self {
            Transport::Plain(tcp) => {
                let _ = within;
                tcp.shutdown(Shutdown::Write)
            }
            #[cfg(feature = "tls")]
            Transport::Tls(tls) => {
                reel::time::timeout(within, tls.shutdown()).await.map_err(|_| {
                    let e = "the client took no byte for --send-timeout";
                    io::Error::new(io::ErrorKind::TimedOut, e)
                })?
            }
        }
    }
}
