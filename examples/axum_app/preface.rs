//! Which protocol a plain connection speaks. A client that knows the server
//! speaks HTTP/2 (`curl --http2-prior-knowledge`, `h2load`) opens with
//! HTTP/2's fixed 24-byte preface; anything else is HTTP/1.1. The bytes
//! read to tell are handed to hyper first by [`Prefixed`]. (Over TLS, ALPN
//! tells instead.) Built without `hyper-h2`, every connection is HTTP/1.1
//! and nothing is read here.

use std::io;
use std::task::{Context, Poll};

use reel::io::{AsyncRead, AsyncWrite};
use reel::net::TcpStream;

/// How an HTTP/2 connection with prior knowledge begins (RFC 9113, 3.4).
#[cfg_attr(not(feature = "hyper-h2"), allow(dead_code))]
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// A stream whose first bytes, already read, are read again.
#[derive(Debug)]
pub struct Prefixed {
    /// What was read to tell the protocol.
    head: Vec<u8>,
    /// How much of `head` has been read again.
    at: usize,
    inner: TcpStream,
}

/// Reads until the first bytes match the preface or cannot: the stream,
/// with those bytes put back, and whether it is HTTP/2. A client that sends
/// nothing waits here: the caller bounds it.
pub async fn sniff(mut stream: TcpStream) -> io::Result<(Prefixed, bool)> {
    let mut head = Vec::new();
    if cfg!(feature = "hyper-h2") {
        head.resize(PREFACE.len(), 0);
        let mut filled = 0;
        while filled < PREFACE.len() && head[..filled] == PREFACE[..filled] {
            let n = stream.read(&mut head[filled..]).await?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        head.truncate(filled);
    }
    let h2 = head == PREFACE;
    Ok((Prefixed { head, at: 0, inner: stream }, h2))
}

impl AsyncRead for Prefixed {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if self.at < self.head.len() {
            let n = buf.len().min(self.head.len() - self.at);
            buf[..n].copy_from_slice(&self.head[self.at..self.at + n]);
            self.at += n;
            return Poll::Ready(Ok(n));
        }
        self.inner.poll_read(cx, buf)
    }
}

impl AsyncWrite for Prefixed {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.inner.poll_write(cx, buf)
    }

    fn shutdown(&mut self) -> io::Result<()> {
        AsyncWrite::shutdown(&mut self.inner)
    }
}
