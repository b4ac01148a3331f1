//! What a `TcpStream` sends that a plain write does not: a head that shares
//! the next segment (`MSG_MORE`), a file straight from the page cache
//! (`sendfile`), and how much room its send buffer has, for a writer that
//! makes what it sends (TLS records). The system calls are the libc leaf
//! `send.rs`'s, each with its portable twin.
//!
//! asyncio counterpart: `loop.sock_sendfile`.

use std::fs::File;
use std::future::Future;
use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll};

use crate::event_loop::await_site::traced;
use crate::event_loop::reactor::Direction;
#[cfg(feature = "tls")]
use crate::net::send::send_room;
use crate::net::send::{send_more, sendfile};
use crate::net::tcp_stream::TcpStream;

impl TcpStream {
    /// Writes all of `buf`, telling the kernel that more follows at once
    /// (`send` with `MSG_MORE`), so the end of `buf` waits to share a
    /// segment with the next write instead of going out alone, even with
    /// Nagle off. For a head before a [`sendfile`](Self::sendfile): sent
    /// alone, the head costs the peer a packet and a read of its own, which
    /// halved a 1 MiB download's rate under load. The next write must
    /// follow; what is held is sent with it (or by `shutdown`).
    #[track_caller]
    pub fn write_all_more(&self, mut buf: &[u8]) -> impl Future<Output = io::Result<()>> {
        traced!(async move {
            while !buf.is_empty() {
                let n = poll_fn(|cx| self.poll_write_more(cx, buf)).await?;
                if n == 0 {
                    return Err(io::ErrorKind::WriteZero.into());
                }
                buf = &buf[n..];
            }
            Ok(())
        })
    }

    /// The poll behind [`write_all_more`](Self::write_all_more): one `send`
    /// with `MSG_MORE`, or `Pending` until the socket is writable.
    pub fn poll_write_more(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        self.registration.poll_io(cx, Direction::Write, || send_more(&self.io, buf))
    }

    /// Sends `len` bytes of `file` from `offset`, all of them, straight
    /// from the page cache with `sendfile(2)` (asyncio:
    /// `await loop.sock_sendfile(sock, file, offset, count)`). The task waits
    /// for writability whenever the socket's send buffer is full, so a large
    /// file costs no buffer in the process, however slow the peer. A file
    /// that turns out shorter than `offset + len` is an `UnexpectedEof`
    /// error, after the bytes it did have were sent. Reads from a disk that
    /// is not cached block the loop, as a `read` of the file would.
    #[track_caller]
    pub fn sendfile(
        &self,
        file: &File,
        offset: u64,
        len: u64,
    ) -> impl Future<Output = io::Result<()>> {
        traced!(async move {
            let mut done = 0;
            while done < len {
                let n =
                    poll_fn(|cx| self.poll_sendfile(cx, file, offset + done, len - done)).await?;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the file ended early",
                    ));
                }
                done += n as u64;
            }
            Ok(())
        })
    }

    /// The poll behind [`sendfile`](Self::sendfile): one `sendfile(2)` of
    /// up to `len` bytes, or `Pending` until the socket is writable.
    pub fn poll_sendfile(
        &self,
        cx: &mut Context<'_>,
        file: &File,
        offset: u64,
        len: u64,
    ) -> Poll<io::Result<usize>> {
        if len == 0 {
            return Poll::Ready(Ok(0));
        }
        // No short-write rule here: a short count may mean the file ended,
        // not that the send buffer is full, so readiness is cleared only on
        // `WouldBlock`.
        self.registration.poll_io(cx, Direction::Write, || sendfile(&self.io, file, offset, len))
    }

    /// About how many bytes a write would hand the kernel now without
    /// waiting (Linux; `None` where the system does not say). For a writer
    /// that makes what it sends, such as TLS records: made beyond this, they
    /// would wait in the process's memory instead.
    #[cfg(feature = "tls")]
    pub(crate) fn send_room(&self) -> Option<usize> {
        send_room(&self.io)
    }
}
