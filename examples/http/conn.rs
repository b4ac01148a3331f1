//! One connection, from accept to close: keep-alive, pipelining, the idle
//! and header timeouts, sending responses, and the access log.
//!
//! The connection's task loops over requests. Between requests it waits for
//! a first byte, at most `--keepalive-timeout`, and watches the stop flag.
//! A head must then be complete within `--header-timeout`, or `408`. The
//! body is read, the app answers, and the response goes into `out`.
//!
//! Graceful stop: a connection between requests asks the kernel whether any
//! byte of a next request has arrived (`input_waiting`: the reactor may not
//! have heard yet). If so, that request is read and answered with
//! `Connection: close`; if not, the connection is closed the lingering way
//! (FIN first, then what the client still sends is read and dropped), so a
//! request sent at that moment meets a clean FIN before any response, which
//! RFC 9112 section 9.3.1 lets a client retry. A busy connection finishes
//! its response, with `Connection: close`. No client sees a reset.
//!
//! Pipelining: requests are read and answered strictly in order, and `out`
//! is written to the socket only when no further request is already
//! buffered (or it is large). A pipelined batch is answered with one write,
//! and a lone request with head and body in one write.

use std::future::{Future, poll_fn};
use std::io;
use std::net::SocketAddr;
use std::os::unix::fs::FileExt;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use reel::net::TcpStream;
use reel::sync::Wait;
use reel::time::Sleep;

use crate::cache::{Content, OpenFile};
use crate::input::{Filled, Halt, Input};
use crate::parse::{self, Framing, Head};
use crate::response::{Body, Response, write_head};
use crate::routes::{App, Stats};
use crate::target::percent_encode;
use crate::transport::Transport;

/// Files up to this size that the cache holds no bytes of are read whole
/// into the response; larger ones are `sendfile`d, so a connection holds at
/// most this much of a file however large it is.
const CHUNK: usize = 64 * 1024;

/// Pending output past this is written even if more requests are buffered.
const FLUSH_AT: usize = 32 * 1024;

/// After answering a request with `Connection: close`, how long to read and
/// discard what the client still sends (see `Conn::close`).
const LINGER: Duration = Duration::from_secs(2);

/// Serves one accepted connection until it closes.
pub async fn serve(tcp: TcpStream, peer: SocketAddr, app: Rc<App>) {
    let _open = Open::count(&app.stats);
    // Every response is one write (or a head and then whole chunks): Nagle's
    // delay would only hold back the last segment.
    let _ = tcp.set_nodelay(true);
    let Some(stream) = Transport::accept(tcp, peer, &app.config).await else { return };
    let mut stop = pin!(app.stop.wait());
    let input = Input::new(app.buffers.clone());
    let mut conn = Conn { stream, peer, app: &app, input, out: Vec::new() };
    if let Err(e) = conn.run(stop.as_mut()).await {
        log::debug!("{peer}: {e}");
    }
}

/// A connection's state between its requests.
struct Conn<'a> {
    stream: Transport,
    peer: SocketAddr,
    app: &'a App,
    /// What was read and not yet parsed; the read deadline.
    input: Input,
    /// Responses not yet written, in order. Lent by the worker's pool for
    /// each request and given back when the connection goes idle, so a
    /// busy connection allocates no response buffer per request and an idle
    /// one holds none.
    out: Vec<u8>,
}

impl Conn<'_> {
    /// The request loop.
    async fn run(&mut self, mut stop: Pin<&mut Wait<'_>>) -> io::Result<()> {
        loop {
            // 1. Idle: write what is owed, then wait for the next request's
            //    first byte, the keep-alive timeout, or shutdown.
            if self.input.pending().is_empty() {
                self.flush().await?;
                self.app.buffers.give_write(std::mem::take(&mut self.out));
                self.input.release();
                self.input.set_deadline(self.app.config.keepalive_timeout);
                match self.input.fill(&self.stream, Some(stop.as_mut())).await? {
                    Filled::Data => {}
                    // The client is done (FIN, or over TLS `close_notify`
                    // with its TCP side still open for us): our own end,
                    // `close_notify` and FIN, goes out now.
                    Filled::Eof => return self.close().await,
                    // The kernel may hold the start of a request the loop
                    // has not heard of yet (its event comes next tick):
                    // that one is answered, with `Connection: close` if the
                    // server is stopping. Only a connection with nothing
                    // received is closed, and with a lingering close, so a
                    // request sent meanwhile meets a FIN, never a reset.
                    Filled::TimedOut | Filled::Stopped => {
                        if !self.stream.input_waiting() {
                            return self.close().await;
                        }
                    }
                }
            }
            // 2. The head, complete within the header timeout.
            let started = log::log_enabled!(target: "access", log::Level::Info).then(Instant::now);
            self.input.set_deadline(self.app.config.header_timeout);
            let head = match self.read_head().await {
                Ok(head) => head,
                Err(Halt::Closed) => return Ok(()),
                Err(Halt::Reject(status)) => {
                    return self.reject(Response::error(status), None, started).await;
                }
            };
            // 3. The body, the answer, the log line.
            if !self.exchange(head, started).await? {
                return self.close().await;
            }
        }
    }

    /// Reads until a whole head is buffered and parses it.
    async fn read_head(&mut self) -> Result<Head, Halt> {
        let max_body = self.app.config.max_body;
        loop {
            self.input.skip_blank_lines();
            if !self.input.pending().is_empty() {
                match parse::parse_head(self.input.pending(), self.peer, max_body) {
                    Ok(Some((head, length))) => {
                        self.input.consume(length);
                        return Ok(head);
                    }
                    Ok(None) => {}
                    Err(status) => return Err(Halt::Reject(status)),
                }
            }
            self.input.more(&self.stream).await?;
        }
    }

    /// Reads the body, answers, logs. Returns whether the connection goes
    /// on; `Ok(false)` after a rejection, which has been answered already.
    async fn exchange(&mut self, head: Head, started: Option<Instant>) -> io::Result<bool> {
        let Head { mut request, framing, keep_alive, expect_continue } = head;
        let stats = &self.app.stats;
        stats.requests.set(stats.requests.get() + 1);
        // The decoded path is escaped again for the log: a `%0a` or `%20`
        // in it must not split or forge a line. The query is as sent, which
        // httparse has already held to visible ASCII.
        let label = started.map(|_| {
            let path = percent_encode(&request.path);
            match &request.query {
                Some(query) => format!("{} {path}?{query}", request.method),
                None => format!("{} {path}", request.method),
            }
        });
        let framing = match framing {
            Ok(framing) => framing,
            Err(status) => {
                // A body the target would never take: its length is moot,
                // the method is the error (405 before 411 or 413).
                let refusal = matches!(status, 411 | 413).then(|| self.app.refusal(&request));
                let response = refusal.flatten().unwrap_or_else(|| Response::error(status));
                return self.reject(response, label, started).await.map(|()| false);
            }
        };
        if expect_continue && framing != Framing::None && self.input.pending().is_empty() {
            self.out.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
            self.flush().await?;
        }
        let (max_body, pause) = (self.app.config.max_body, self.app.config.body_timeout);
        request.body = match self.input.body(&self.stream, framing, max_body, pause).await {
            Ok(body) => body,
            Err(Halt::Closed) => return Ok(false),
            Err(Halt::Reject(status)) => {
                return self.reject(Response::error(status), label, started).await.map(|()| false);
            }
        };
        let head_only = request.method == "HEAD";
        let keep_alive = keep_alive && !self.app.stop.is_set();
        let response = self.app.respond(request).await;
        let status = response.status;
        let sent = self.send(response, head_only, keep_alive).await?;
        self.log(label, status, sent, started);
        Ok(keep_alive)
    }

    /// Queues `response` (writing it if `out` grew large); returns the body
    /// bytes sent.
    async fn send(
        &mut self,
        response: Response,
        head_only: bool,
        keep_alive: bool,
    ) -> io::Result<u64> {
        if self.out.capacity() == 0 {
            self.out = self.app.buffers.take_write();
        }
        write_head(&mut self.out, &response, keep_alive);
        let sent = match response.body {
            _ if head_only => 0,
            Body::Empty => 0,
            Body::Bytes(bytes) => {
                self.out.extend_from_slice(&bytes);
                bytes.len() as u64
            }
            Body::File { file, offset, len } => {
                self.send_file(&file, offset, len).await?;
                len
            }
        };
        if self.out.len() >= FLUSH_AT {
            self.flush().await?;
        }
        Ok(sent)
    }

    /// Appends a small file's bytes to `out` (from the cache, or read), so
    /// head and body go out in one write; a large file follows its head
    /// with `sendfile`, straight from the page cache. The reads are plain
    /// `pread`s on the loop's thread, page-cache reads, as nginx does
    /// without its thread pool: a cold disk would stall this worker.
    async fn send_file(&mut self, open: &OpenFile, offset: u64, len: u64) -> io::Result<()> {
        let file = match &open.content {
            Content::Bytes(bytes) => {
                self.out.extend_from_slice(&bytes[offset as usize..][..len as usize]);
                return Ok(());
            }
            Content::File(file) => file,
        };
        if len <= CHUNK as u64 || self.stream.is_tls() {
            return self.copy_file(file, offset, len).await;
        }
        // The head (and any responses before it) shares the file's first
        // segment rather than going out as a small packet of its own.
        self.write_out(true).await?;
        let (limit, mut done) = (self.app.config.send_timeout, 0);
        while done < len {
            let (at, rest) = (offset + done, len - done);
            let tcp = self.stream.tcp();
            let n = sent_within(limit, |cx| tcp.poll_sendfile(cx, file, at, rest)).await?;
            if n == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the file ended early"));
            }
            done += n as u64;
        }
        Ok(())
    }

    /// Reads a file into `out`, whole if it is small; a large one through
    /// TLS goes in `CHUNK`s, each written before the next is read, so a
    /// connection holds at most one chunk of it.
    async fn copy_file(&mut self, file: &std::fs::File, offset: u64, len: u64) -> io::Result<()> {
        let mut done = 0;
        while done < len {
            if done > 0 {
                self.flush().await?;
            }
            let n = (len - done).min(CHUNK as u64) as usize;
            let at = self.out.len();
            self.out.resize(at + n, 0);
            file.read_exact_at(&mut self.out[at..], offset + done)?;
            done += n as u64;
        }
        Ok(())
    }

    /// Writes all of `out`.
    async fn flush(&mut self) -> io::Result<()> {
        self.write_out(false).await
    }

    /// Writes all of `out`, each write waiting at most `--send-timeout`;
    /// with `more`, as `MSG_MORE` sends (more bytes follow at once).
    async fn write_out(&mut self, more: bool) -> io::Result<()> {
        let (limit, mut done) = (self.app.config.send_timeout, 0);
        while done < self.out.len() {
            let (stream, rest) = (&self.stream, &self.out[done..]);
            let n = sent_within(limit, |cx| {
                if more { stream.poll_write_more(cx, rest) } else { stream.poll_write(cx, rest) }
            })
            .await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            done += n;
        }
        self.out.clear();
        if self.stream.is_tls() {
            // The last records may wait in the TLS stream: out they go too.
            let stream = &self.stream;
            sent_within(limit, |cx| stream.poll_flush(cx).map_ok(|()| 0)).await?;
        }
        Ok(())
    }

    /// Answers `response` (an error) with `Connection: close` and closes.
    async fn reject(
        &mut self,
        response: Response,
        label: Option<String>,
        started: Option<Instant>,
    ) -> io::Result<()> {
        let status = response.status;
        let sent = self.send(response, false, false).await?;
        self.log(label, status, sent, started);
        self.close().await
    }

    /// Closes after the last response: writes it, sends FIN, then reads and
    /// discards what the client still sends, until it closes too or for
    /// `LINGER` at most. Closing with unread bytes would send a reset, and
    /// the client could lose the response it has not read yet (a `413`
    /// while it is still uploading).
    async fn close(&mut self) -> io::Result<()> {
        self.flush().await?;
        self.stream.shutdown(self.app.config.send_timeout).await?;
        self.input.set_deadline(LINGER);
        let mut discarded = 0;
        while discarded < 16 * CHUNK {
            discarded += self.input.pending().len();
            self.input.consume(self.input.pending().len());
            if self.input.fill(&self.stream, None).await? != Filled::Data {
                break;
            }
        }
        Ok(())
    }

    /// The access log line: `PEER METHOD PATH STATUS BYTES MSms`.
    fn log(&self, label: Option<String>, status: u16, bytes: u64, started: Option<Instant>) {
        let Some(started) = started else { return };
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let label = label.as_deref().unwrap_or("- -");
        log::info!(target: "access", "{} {label} {status} {bytes} {ms:.2}ms", self.peer);
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

/// Counts a connection as open in `/status` while it lives.
struct Open(Rc<Stats>);

impl Open {
    fn count(stats: &Rc<Stats>) -> Open {
        stats.connections.set(stats.connections.get() + 1);
        Open(stats.clone())
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.connections.set(self.0.connections.get() - 1);
    }
}
