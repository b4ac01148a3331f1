//! One connection, from accept to close: keep-alive, pipelining, the idle
//! and header timeouts, sending responses, and the access log.
//!
//! The connection's task loops over requests. Between requests it waits for
//! a first byte, at most `--keepalive-timeout`, and watches the stop flag.
//! A head must then be complete within `--header-timeout`, or `408`. The
//! body is read, the app answers, and the response goes to `output`.
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
//! Pipelining: requests are read and answered strictly in order, and the
//! output is written to the socket only when no further request is already
//! buffered (or it is large; see `output`). A pipelined batch is answered with one write,
//! and a lone request with head and body in one write.

use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::time::{Duration, Instant};

use reel::net::TcpStream;
use reel::sync::Wait;

use crate::input::{Filled, Halt, Input};
use crate::output::Output;
use crate::parse::{self, Framing, Head};
use crate::response::Response;
use crate::routes::{App, Stats};
use crate::target::percent_encode;
use crate::transport::Transport;

/// The most a lingering close reads and drops before it gives up.
const LINGER_BYTES: usize = 1024 * 1024;

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
    let output = Output::new(app.buffers.clone(), app.config.send_timeout);
    let mut conn = Conn { stream, peer, app: &app, input, output };
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
    /// Responses not yet written, in order, in a buffer lent by the
    /// worker's pool for each request and given back when the connection
    /// goes idle (or sends a large body), so a busy connection allocates no
    /// response buffer per request and an idle one holds none.
    output: Output,
}

impl Conn<'_> {
    /// The request loop.
    async fn run(&mut self, mut stop: Pin<&mut Wait<'_>>) -> io::Result<()> {
        loop {
            // 1. Idle: write what is owed, then wait for the next request's
            //    first byte, the keep-alive timeout, or shutdown.
            if self.input.pending().is_empty() {
                self.flush().await?;
                self.output.release();
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
            self.output.push(b"HTTP/1.1 100 Continue\r\n\r\n");
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
        // The request is read: unless the next one is already buffered, the
        // read buffer goes back to the pool while the answer is made and
        // sent (a large file to a slow reader can take minutes).
        self.input.release();
        let head_only = request.method == "HEAD";
        let keep_alive = keep_alive && !self.app.stop.is_set();
        let response = self.app.respond(request).await;
        let status = response.status;
        let sent = self.output.send(&self.stream, response, head_only, keep_alive).await?;
        self.log(label, status, sent, started);
        Ok(keep_alive)
    }

    /// Answers `response` (an error) with `Connection: close` and closes.
    async fn reject(
        &mut self,
        response: Response,
        label: Option<String>,
        started: Option<Instant>,
    ) -> io::Result<()> {
        let status = response.status;
        let sent = self.output.send(&self.stream, response, false, false).await?;
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
        while discarded < LINGER_BYTES {
            discarded += self.input.pending().len();
            self.input.consume(self.input.pending().len());
            if self.input.fill(&self.stream, None).await? != Filled::Data {
                break;
            }
        }
        Ok(())
    }

    /// Writes what is owed.
    async fn flush(&mut self) -> io::Result<()> {
        self.output.flush(&self.stream).await
    }

    /// The access log line: `PEER METHOD PATH STATUS BYTES MSms`.
    fn log(&self, label: Option<String>, status: u16, bytes: u64, started: Option<Instant>) {
        let Some(started) = started else { return };
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let label = label.as_deref().unwrap_or("- -");
        log::info!(target: "access", "{} {label} {status} {bytes} {ms:.2}ms", self.peer);
    }
}

/// Counts a connection as open in `/status` while it lives; the last of a
/// crowd to leave gives memory back (`Stats::left`).
struct Open(Rc<Stats>);

impl Open {
    fn count(stats: &Rc<Stats>) -> Open {
        stats.arrived();
        Open(stats.clone())
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.left();
    }
}
