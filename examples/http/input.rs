//! A connection's read side: its read buffer, the one timer its reads wait
//! under, and the body readers (`Content-Length`, and chunked through the
//! `chunked` decoder).
//!
//! The buffer holds what was read and not yet used: the rest of a pipelined
//! batch, the start of the next request. Heads are parsed in place (httparse
//! borrows from it) and consumed; the buffer is never reallocated. It is
//! lent by the worker's pool (`buffers`) and given back whenever nothing is
//! pending and the connection goes idle.
//!
//! The timer is re-armed lazily, like the echo example's idle timer: moving
//! the deadline later only stores it, and the timer entry moves when it fires
//! early, so a busy keep-alive connection costs the loop's timers nothing
//! per request.

use std::future::{Future, poll_fn};
use std::io;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use reel::sync::Wait;
use reel::time::{Sleep, sleep_until};

use crate::buffers::Buffers;
use crate::chunked;
use crate::parse::{Framing, HEAD_LIMIT};
use crate::transport::Transport;

/// How a wait for more bytes ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Filled {
    /// New bytes are in the buffer.
    Data,
    /// The peer closed its side.
    Eof,
    /// The deadline passed first.
    TimedOut,
    /// The server is stopping (only when the wait watched for it).
    Stopped,
}

/// Why a request could not be read to the end.
#[derive(Debug)]
pub enum Halt {
    /// The peer closed, or the socket failed: close without a word.
    Closed,
    /// Answer this status and close (400, 408, 413, 431, ...).
    Reject(u16),
}

impl From<io::Error> for Halt {
    fn from(error: io::Error) -> Self {
        log::debug!("read failed: {error}");
        Halt::Closed
    }
}

/// The read buffer and the deadline its reads wait under.
pub struct Input {
    /// `buf[start..end]` is read and not yet used. Empty (no allocation)
    /// while the connection is idle: see `release`.
    buf: Box<[u8]>,
    /// Where the buffer comes from and goes back to.
    buffers: Rc<Buffers>,
    start: usize,
    end: usize,
    /// When the current wait gives up.
    due: Instant,
    /// Armed at or before `due`; re-armed when it fires early.
    sleep: Sleep,
    /// While a body is read: the longest pause allowed between two reads,
    /// each read moving the deadline (nginx's `client_body_timeout`).
    pause: Option<Duration>,
}

impl Input {
    pub fn new(buffers: Rc<Buffers>) -> Input {
        let due = reel::time::now();
        Input {
            buf: Box::default(),
            buffers,
            start: 0,
            end: 0,
            due,
            sleep: sleep_until(due),
            pause: None,
        }
    }

    /// Bytes read and not yet used.
    pub fn pending(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Marks the first `n` pending bytes used.
    pub fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
    }

    /// Gives the buffer back to the worker's pool if nothing read is
    /// pending: the next `fill` waits for a byte to arrive before it takes
    /// one again, so an idle connection holds no buffer.
    pub fn release(&mut self) {
        if self.start == self.end && !self.buf.is_empty() {
            self.buffers.give_read(std::mem::take(&mut self.buf));
        }
    }

    /// Drops the empty lines a client may send before a request
    /// (RFC 9112 section 2.2).
    pub fn skip_blank_lines(&mut self) {
        let blank = self.pending().iter().take_while(|&&b| b == b'\r' || b == b'\n').count();
        self.consume(blank);
    }

    /// Sets the deadline of the waits to come: `now + limit`.
    pub fn set_deadline(&mut self, limit: Duration) {
        self.due = reel::time::now() + limit;
        if self.due < self.sleep.deadline() {
            self.sleep.reset(self.due);
        }
    }

    /// Reads more bytes from `stream` into the buffer, waiting until some
    /// come, the deadline passes, or (if given) `stop` is set.
    pub async fn fill(
        &mut self,
        stream: &Transport,
        mut stop: Option<Pin<&mut Wait<'_>>>,
    ) -> io::Result<Filled> {
        if self.buf.is_empty() {
            // Released: wait for readability with no buffer, then take one.
            let mut readable = pin!(stream.readable());
            let woke = poll_fn(|cx| {
                if readable.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(None);
                }
                self.poll_stop_or_deadline(cx, &mut stop).map(Some)
            })
            .await;
            if let Some(outcome) = woke {
                return Ok(outcome);
            }
            self.buf = self.buffers.take_read();
        }
        if self.start > 0 {
            // Move the pending bytes (a part of one request) to the front.
            self.buf.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, self.end - self.start);
        }
        // The callers' limits (head, chunk line) are well under the buffer.
        debug_assert!(self.end < self.buf.len(), "fill with a full buffer");
        poll_fn(|cx| {
            if let Poll::Ready(read) = stream.poll_read(cx, &mut self.buf[self.end..]) {
                let n = read?;
                self.end += n;
                return Poll::Ready(Ok(if n == 0 { Filled::Eof } else { Filled::Data }));
            }
            self.poll_stop_or_deadline(cx, &mut stop).map(Ok)
        })
        .await
    }

    /// Ready with `Stopped` once `stop` (if given) is set, or `TimedOut`
    /// once the deadline has passed.
    fn poll_stop_or_deadline(
        &mut self,
        cx: &mut Context<'_>,
        stop: &mut Option<Pin<&mut Wait<'_>>>,
    ) -> Poll<Filled> {
        if stop.as_mut().is_some_and(|stop| stop.as_mut().poll(cx).is_ready()) {
            return Poll::Ready(Filled::Stopped);
        }
        self.poll_deadline(cx).map(|()| Filled::TimedOut)
    }

    /// Ready once the loop's clock has reached `due`.
    fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            if Pin::new(&mut self.sleep).poll(cx).is_pending() {
                return Poll::Pending;
            }
            if reel::time::now() >= self.due {
                return Poll::Ready(());
            }
            self.sleep.reset(self.due);
        }
    }

    /// `fill` for the middle of a request: end of stream is `Closed` and
    /// the deadline `408`.
    pub async fn more(&mut self, stream: &Transport) -> Result<(), Halt> {
        if let Some(pause) = self.pause {
            self.set_deadline(pause);
        }
        match self.fill(stream, None).await? {
            Filled::Data => Ok(()),
            Filled::TimedOut => Err(Halt::Reject(408)),
            Filled::Eof | Filled::Stopped => Err(Halt::Closed),
        }
    }

    /// Reads the body `framing` announces, at most `max` bytes decoded,
    /// waiting at most `pause` for each next piece (else `408`): a slow
    /// upload goes on as long as it moves, a stalled one is cut off.
    pub async fn body(
        &mut self,
        stream: &Transport,
        framing: Framing,
        max: u64,
        pause: Duration,
    ) -> Result<Vec<u8>, Halt> {
        self.pause = Some(pause);
        let body = self.read_body(stream, framing, max).await;
        self.pause = None;
        body
    }

    async fn read_body(
        &mut self,
        stream: &Transport,
        framing: Framing,
        max: u64,
    ) -> Result<Vec<u8>, Halt> {
        match framing {
            Framing::None => Ok(Vec::new()),
            Framing::Length(n) => {
                let mut body = Vec::with_capacity(n as usize);
                self.take_into(stream, &mut body, n as usize).await?;
                Ok(body)
            }
            Framing::Chunked => Box::pin(self.chunked(stream, max as usize)).await,
        }
    }

    /// Moves exactly `n` more bytes into `body`, reading as needed.
    async fn take_into(
        &mut self,
        stream: &Transport,
        body: &mut Vec<u8>,
        mut n: usize,
    ) -> Result<(), Halt> {
        loop {
            let now = n.min(self.pending().len());
            body.extend_from_slice(&self.pending()[..now]);
            self.consume(now);
            n -= now;
            if n == 0 {
                return Ok(());
            }
            self.more(stream).await?;
        }
    }

    /// Decodes a chunked body (see `chunked`): the decoder takes what is
    /// buffered, and what it leaves (a line not complete yet) stays pending
    /// until more is read.
    async fn chunked(&mut self, stream: &Transport, max: usize) -> Result<Vec<u8>, Halt> {
        let mut decoder = chunked::Decoder::new(max, HEAD_LIMIT);
        let mut body = Vec::new();
        loop {
            let used = decoder.decode(self.pending(), &mut body).map_err(Halt::Reject)?;
            self.consume(used);
            if decoder.is_done() {
                return Ok(body);
            }
            self.more(stream).await?;
        }
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        self.buffers.give_read(std::mem::take(&mut self.buf));
    }
}
