//! A connection's write side: the responses not yet written, how each body
//! goes out, and the one limit every write waits under (`--send-timeout`).
//!
//! Responses are queued in a buffer lent by the worker's pool (`buffers`)
//! and written when no further request is buffered, or when they pass
//! `FLUSH_AT`: a pipelined batch goes out in one write, a lone response with
//! its head and body in one. A large body is never copied into the buffer:
//! a file goes with `sendfile` over plain TCP, and a piece at a time through
//! TLS; bytes the handler made (`/echo`) are written from where they are.
//! While such a body goes out the buffer is back in the pool, so a client
//! that reads slowly holds no buffer of this connection, only what the
//! kernel holds and, over TLS, one record.

use std::future::{Future, poll_fn};
use std::io;
use std::os::unix::fs::FileExt;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use reel::time::Sleep;

use crate::buffers::Buffers;
use crate::cache::{Content, OpenFile};
use crate::response::{Body, Response, write_head};
use crate::transport::Transport;

/// Bodies up to this size are copied after their head, so both go in one
/// write; larger ones are written from where they are.
const SMALL_BODY: usize = 16 * 1024;

/// Pending output past this is written even if more requests are buffered.
const FLUSH_AT: usize = 32 * 1024;

/// What a file is read in to go through TLS, on the stack: the most a TLS
/// stream encrypts in one write (two records).
const PIECE: usize = 32 * 1024;

/// The responses not yet written.
pub struct Output {
    /// Empty, with no capacity, when lent back to the pool.
    buf: Vec<u8>,
    buffers: Rc<Buffers>,
    /// `--send-timeout`.
    limit: Duration,
}

impl Output {
    pub fn new(buffers: Rc<Buffers>, limit: Duration) -> Output {
        Output { buf: Vec::new(), buffers, limit }
    }

    /// Gives the buffer back to the pool (after a flush: it is empty).
    pub fn release(&mut self) {
        debug_assert!(self.buf.is_empty(), "released with output pending");
        self.buffers.give_write(std::mem::take(&mut self.buf));
    }

    /// Queues raw bytes (a `100 Continue`).
    pub fn push(&mut self, bytes: &[u8]) {
        self.lend().extend_from_slice(bytes);
    }

    /// Queues `response` (writing what is queued if it grew large, or to
    /// send a large body); returns the body bytes sent.
    pub async fn send(
        &mut self,
        stream: &Transport,
        response: Response,
        head_only: bool,
        keep_alive: bool,
    ) -> io::Result<u64> {
        write_head(self.lend(), &response, keep_alive);
        let sent = match response.body {
            _ if head_only => 0,
            Body::Empty => 0,
            Body::Bytes(bytes) => {
                self.send_bytes(stream, &bytes).await?;
                bytes.len() as u64
            }
            Body::File { file, offset, len } => {
                self.send_file(stream, &file, offset, len).await?;
                len
            }
        };
        if self.buf.len() >= FLUSH_AT {
            self.flush(stream).await?;
        }
        Ok(sent)
    }

    /// Writes all that is queued, and over TLS the records it left.
    pub async fn flush(&mut self, stream: &Transport) -> io::Result<()> {
        self.write_out(stream, false).await?;
        if stream.is_tls() {
            sent_within(self.limit, |cx| stream.poll_flush(cx).map_ok(|()| 0)).await?;
        }
        Ok(())
    }

    /// The buffer, taken from the pool if it was given back.
    fn lend(&mut self) -> &mut Vec<u8> {
        if self.buf.capacity() == 0 {
            self.buf = self.buffers.take_write();
        }
        &mut self.buf
    }

    /// Bytes in memory: copied after the head if they are few, else
    /// written from where they are.
    async fn send_bytes(&mut self, stream: &Transport, bytes: &[u8]) -> io::Result<()> {
        if bytes.len() <= SMALL_BODY {
            self.buf.extend_from_slice(bytes);
            return Ok(());
        }
        let write =
            |cx: &mut Context<'_>, done: u64| stream.poll_write(cx, &bytes[done as usize..]);
        self.write_large(stream, write, bytes.len() as u64).await
    }

    /// A small file's bytes (from the cache, or read) go after the head in
    /// the buffer; a large one is sent from the file. The reads are plain
    /// `pread`s on the loop's thread, page-cache reads, as nginx does
    /// without its thread pool: a cold disk would stall this worker.
    async fn send_file(
        &mut self,
        stream: &Transport,
        open: &OpenFile,
        offset: u64,
        len: u64,
    ) -> io::Result<()> {
        let file = match &open.content {
            Content::Bytes(bytes) => {
                return self.send_bytes(stream, &bytes[offset as usize..][..len as usize]).await;
            }
            Content::File(file) => file,
        };
        if len <= SMALL_BODY as u64 {
            let at = self.buf.len();
            self.buf.resize(at + len as usize, 0);
            return file.read_exact_at(&mut self.buf[at..], offset);
        }
        if stream.is_tls() {
            // A piece is read only when the socket has taken every record
            // before it, and the stream encrypts of it what the socket has
            // room for (the rest is read again): the connection holds no
            // copy of the file, and little encrypted.
            let encrypt = |cx: &mut Context<'_>, done: u64| {
                if stream.poll_flush(cx)?.is_pending() {
                    return Poll::Pending;
                }
                let mut piece = [0; PIECE];
                let want = (len - done).min(PIECE as u64) as usize;
                let n = file.read_at(&mut piece[..want], offset + done)?;
                if n == 0 {
                    return Poll::Ready(Ok(0));
                }
                stream.poll_write(cx, &piece[..n])
            };
            return self.write_large(stream, encrypt, len).await;
        }
        let tcp = stream.tcp();
        let sendfile = |cx: &mut Context<'_>, done: u64| {
            tcp.poll_sendfile(cx, file, offset + done, len - done)
        };
        self.write_large(stream, sendfile, len).await
    }

    /// Sends a large body of `len` bytes through `write` (given the bytes
    /// done so far): first what is queued, sent as more-to-come so the
    /// head shares the body's first segment, then the buffer goes back to
    /// the pool for as long as the body takes.
    async fn write_large(
        &mut self,
        stream: &Transport,
        mut write: impl FnMut(&mut Context<'_>, u64) -> Poll<io::Result<usize>>,
        len: u64,
    ) -> io::Result<()> {
        self.write_out(stream, true).await?;
        self.release();
        let mut done = 0;
        while done < len {
            let n = sent_within(self.limit, |cx| write(cx, done)).await?;
            if n == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the body ended early"));
            }
            done += n as u64;
        }
        Ok(())
    }

    /// Writes all that is queued, each write waiting at most the limit;
    /// with `more`, as `MSG_MORE` sends (more bytes follow at once).
    async fn write_out(&mut self, stream: &Transport, more: bool) -> io::Result<()> {
        let mut done = 0;
        while done < self.buf.len() {
            let rest = &self.buf[done..];
            let n = sent_within(self.limit, |cx| {
                if more { stream.poll_write_more(cx, rest) } else { stream.poll_write(cx, rest) }
            })
            .await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            done += n;
        }
        self.buf.clear();
        Ok(())
    }
}

/// One write, `send`, that fails with `TimedOut` if the socket takes
/// nothing for `limit` (nginx's `send_timeout`): a client that stops
/// reading cannot hold its connection, and a large file, for ever. The
/// timer exists only once a write has had to wait, so the usual write that
/// goes straight through costs none.
async fn sent_within(
    limit: Duration,
    mut send: impl FnMut(&mut Context<'_>) -> Poll<io::Result<usize>>,
) -> io::Result<usize> {
    let mut timer: Option<Sleep> = None;
    poll_fn(|cx| {
        if let Poll::Ready(sent) = send(cx) {
            return Poll::Ready(sent);
        }
        let timer = timer.get_or_insert_with(|| reel::time::sleep(limit));
        Pin::new(timer).poll(cx).map(|()| {
            Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client took no byte for --send-timeout",
            ))
        })
    })
    .await
}
