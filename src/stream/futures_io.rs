//! `StreamReader` as the `futures-io` traits (the optional feature
//! `futures-io`): `AsyncRead`, and `AsyncBufRead` over its own buffer, so a
//! crate that reads lines or frames through `futures_io` reads them from
//! reel's buffer (the sockets' impls are in `net/futures_io.rs`).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncBufRead, AsyncRead};

use crate::stream::StreamReader;

impl<R: crate::io::AsyncRead + Unpin> AsyncRead for StreamReader<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let n = {
            let available = std::task::ready!(this.poll_buffered(cx))?;
            let n = available.len().min(buf.len());
            buf[..n].copy_from_slice(&available[..n]);
            n
        };
        this.consume(n);
        Poll::Ready(Ok(n))
    }
}

impl<R: crate::io::AsyncRead + Unpin> AsyncBufRead for StreamReader<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.get_mut().poll_buffered(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        StreamReader::consume(self.get_mut(), amt);
    }
}
