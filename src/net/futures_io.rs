//! reel's sockets as the `futures-io` traits (the optional feature
//! `futures-io`), so that crates written against `futures_io::AsyncRead`
//! and `AsyncWrite` (futures-lite's `io::copy`, codecs, protocol crates)
//! run on them; `StreamReader`'s `AsyncBufRead` is in
//! `stream/futures_io.rs`.
//!
//! asyncio counterpart: none; it is the same idea as asyncio's transports
//! and protocols being the one interface every library speaks.
//!
//! Every impl forwards to the type's own `poll_*` method, which goes
//! through `Registration`'s helpers as always: nothing here touches the
//! reactor.
//! `poll_flush` is ready at once (a socket write is in the kernel when it
//! returns), and `poll_close` sends FIN (`shutdown(Write)`).

use std::io;
use std::net::Shutdown;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use crate::net::{OwnedReadHalf, OwnedWriteHalf, TcpStream};
use crate::net::{UnixReadHalf, UnixStream, UnixWriteHalf};

/// `AsyncRead` for a type with an inherent `poll_read(&self, cx, buf)`.
macro_rules! read_via_poll_read {
    ($($ty:ty),*) => {$(
        impl AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                <$ty>::poll_read(&*self, cx, buf)
            }
        }
    )*};
}

/// `AsyncWrite` for a type with an inherent `poll_write(&self, cx, buf)`, and a
/// `shutdown` that sends FIN.
macro_rules! write_via_poll_write {
    ($($ty:ty => $close:expr),*) => {$(
        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                <$ty>::poll_write(&*self, cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                let close: fn(&Self) -> io::Result<()> = $close;
                Poll::Ready(close(self.get_mut()))
            }
        }
    )*};
}

read_via_poll_read!(TcpStream, OwnedReadHalf, UnixStream, UnixReadHalf);
write_via_poll_write!(
    TcpStream => |s| s.shutdown(Shutdown::Write),
    OwnedWriteHalf => |s| s.shutdown(),
    UnixStream => |s| s.shutdown(Shutdown::Write),
    UnixWriteHalf => |s| s.shutdown()
);
