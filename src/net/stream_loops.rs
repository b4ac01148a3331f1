//! The loop behind `write_all`, shared by every stream socket (TCP, Unix)
//! and its write half: a `poll_fn` over the socket's `poll_write`.
//!
//! asyncio counterpart: the loop inside `loop.sock_sendall`.

use std::future::{Future, poll_fn};
use std::io;
use std::task::{Context, Poll};

use crate::event_loop::await_site::{Site, note};

/// Writes all of `buf` through `poll_write`, one call per wake; a write of
/// 0 bytes is `WriteZero`. The `write_all` of every stream socket, noting
/// `at` (its caller) while it waits. A `poll_fn`, not an `async fn`: its
/// state is the slice and the closure, which a connection's task holds
/// for as long as it lives.
pub(crate) fn write_all_with(
    at: Site,
    mut buf: &[u8],
    mut poll_write: impl FnMut(&mut Context<'_>, &[u8]) -> Poll<io::Result<usize>>,
) -> impl Future<Output = io::Result<()>> {
    poll_fn(move |cx| {
        while !buf.is_empty() {
            let n = std::task::ready!(note(at, poll_write(cx, buf)))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            buf = &buf[n..];
        }
        Poll::Ready(Ok(()))
    })
}
