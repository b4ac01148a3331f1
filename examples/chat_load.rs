//! A fan-out load generator for the chat server, on reel: many clients in
//! one room, every message delivered to everyone else.
//!
//! Start a server with the rate limit out of the way, then load it:
//!
//! ```text
//! cargo run --release --example chat -- --port 8889 --rate 1000000
//! cargo run --release --example chat_load -- --clients 100 --messages 200 --size 64
//! cargo run --release --example chat_load -- --clients 100 --duration 5
//! ```
//!
//! Each client connects, reads the name prompt, sends a unique name and
//! waits for its `Hello`. Once every client has joined and every `joined`
//! notice has arrived, each client sends its messages while reading all it
//! receives. A message's text carries its round, its sender and the time it
//! was sent (`ROUND SENDER NANOS` padded to `--size`), so a receiver
//! computes the delivery latency on the same process clock.
//!
//! The pace: message k of every client is round k. A client may send round
//! k only once every round before `k - --window` reached every other client,
//! which bounds what the server holds per client to `window * (clients - 1)`
//! lines: by default 250, under the 256-line queue of bench's tokio_chat and,
//! at `--size 64`, about 25 KB, under the 64 KiB the reel chat server lets
//! a client have queued without progress (a client past either is kicked).
//! With `--rate R`, each client also sends at most
//! R messages per second, on a steady schedule. With `--duration`, the last
//! round is the highest one begun when the time is up.
//!
//! At the end every client says `/quit`, and it prints one `key: value`
//! line per figure (delivered chat lines, the expected count
//! `clients * (clients - 1) * rounds`, delivered per second, latency
//! percentiles) for people and for `bench/run.sh chat`.

use std::cell::RefCell;
use std::fmt;
use std::future::poll_fn;
use std::io::{self, ErrorKind, Write as _};
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};
use std::process::ExitCode;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use clap::Parser;
use reel::net::{OwnedReadHalf, OwnedWriteHalf, TcpStream};
use reel::sync::{Either, Event, select};

#[path = "shared/histogram.rs"]
mod histogram;
use histogram::Histogram;

/// A fan-out load generator for the chat server: senders and listeners in
/// one room; prints deliveries per second and latency.
///
/// Try it: start `cargo run --release --example chat`, then
/// `cargo run --release --example chat_load`.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The server's address.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The server's port.
    #[arg(long, default_value_t = 8889)]
    port: u16,
    /// How many clients join the room.
    #[arg(long, value_name = "N", default_value_t = 100)]
    clients: usize,
    /// Messages each client sends (ignored with --duration).
    #[arg(long, value_name = "M", default_value_t = 100)]
    messages: usize,
    /// Send for this many seconds instead of a fixed number of messages.
    #[arg(long, value_name = "SECS")]
    duration: Option<f64>,
    /// Bytes of text per message (at least what the stamp needs).
    #[arg(long, value_name = "B", default_value_t = 64)]
    size: usize,
    /// Messages per second per client; 0: as fast as the window allows.
    #[arg(long, value_name = "R", default_value_t = 0.0)]
    rate: f64,
    /// Rounds in flight; default: as many as keep 250 lines per client queue.
    #[arg(long, value_name = "ROUNDS")]
    window: Option<usize>,
    /// Give up this many seconds after the start (after --duration, with it).
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    timeout: f64,
}

/// The read buffer per client: many chat lines per read system call.
const READ_BUF: usize = 64 * 1024;
/// The most members a chat room has before its notices are gathered.
const BIG_ROOM: usize = 100;

fn main() -> ExitCode {
    let args = Args::parse();
    if args.clients < 2 {
        eprintln!("chat_load: --clients must be at least 2 (nobody hears a lone client)");
        return ExitCode::FAILURE;
    }
    let addr = match (args.host.as_str(), args.port).to_socket_addrs().map(|mut a| a.next()) {
        Ok(Some(addr)) => addr,
        Ok(None) => {
            eprintln!("chat_load: {}: no address", args.host);
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("chat_load: {}: {e}", args.host);
            return ExitCode::FAILURE;
        }
    };
    let report = reel::run(load(addr, args));
    print!("{report}");
    let ok = report.failed == 0 && report.delivered == report.expected;
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// What every client of the run shares (one loop, so `Rc`/`RefCell`).
struct Run {
    clients: usize,
    /// A client sends round k only once rounds below `k - window` are complete.
    window: usize,
    /// Messages per second per client, or 0.
    rate: f64,
    size: usize,
    /// How long to send, with `--duration`.
    duration: Option<Duration>,
    /// The clock the stamps in the messages count from.
    origin: Instant,
    /// Set once every client has joined and heard every other join.
    started: Event,
    /// Set once the number of rounds is fixed (at the start with --messages).
    end_known: Event,
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    /// `Hello` lines received.
    hellos: usize,
    /// `joined the chat` notices received.
    join_notices: usize,
    /// When sending began.
    start: Option<Instant>,
    /// The rounds every client sends, once known.
    end: Option<usize>,
    /// Chat lines of round k received so far, by all clients: `arrivals[k]`.
    /// Its length is the number of rounds begun.
    arrivals: Vec<usize>,
    /// Rounds `0..complete` reached every client but their senders.
    complete: usize,
    /// Senders waiting for `complete` to move.
    window_waiters: Vec<Waker>,
    sent: u64,
    delivered: u64,
    /// Lines that are neither chat lines of this run nor notices.
    unexpected: u64,
    first_unexpected: Option<String>,
    last_delivery: Option<Instant>,
    latency: Histogram,
}

impl Run {
    /// Counts a `Hello` or a join notice; starts the run once all are in.
    fn joined(&self, hello: bool) {
        let mut state = self.state.borrow_mut();
        if hello {
            state.hellos += 1;
        } else {
            state.join_notices += 1;
        }
        // Above 100 members the reel server gathers its join notices (see
        // examples/chat/PROTOCOL.md), and there is no fixed count to wait
        // for: the run starts on the greetings alone, and notices that come
        // during the run are counted as notices, not chat lines.
        let all_notices =
            if self.clients <= BIG_ROOM { self.clients * (self.clients - 1) / 2 } else { 0 };
        if state.start.is_none()
            && state.hellos == self.clients
            && state.join_notices >= all_notices
        {
            state.start = Some(Instant::now());
            drop(state);
            self.started.set();
        }
    }

    /// Ready(true) once round `k` may be sent (and counts it sent);
    /// Ready(false) if the run has fewer rounds.
    fn poll_send(&self, k: usize, cx: &mut Context<'_>) -> Poll<bool> {
        let mut state = self.state.borrow_mut();
        if state.end.is_none() {
            let start = state.start.unwrap_or(self.origin);
            if self.duration.is_some_and(|d| Instant::now() >= start + d) {
                // Time is up: finish the rounds begun, and no more.
                state.end = Some(state.arrivals.len());
                self.end_known.set();
            }
        }
        if state.end.is_some_and(|end| k >= end) {
            return Poll::Ready(false);
        }
        if k >= state.complete + self.window {
            state.window_waiters.push(cx.waker().clone());
            return Poll::Pending;
        }
        if k >= state.arrivals.len() {
            state.arrivals.push(0);
        }
        state.sent += 1;
        Poll::Ready(true)
    }

    /// Counts one delivered chat line of round `k`, received at `now`.
    fn delivered(&self, k: usize, sent_at: Instant, now: Instant) -> bool {
        let mut state = self.state.borrow_mut();
        let Some(arrivals) = state.arrivals.get_mut(k) else { return false };
        *arrivals += 1;
        state.delivered += 1;
        state.last_delivery = Some(now);
        state.latency.record(now.saturating_duration_since(sent_at));
        let full = self.clients * (self.clients - 1);
        let before = state.complete;
        while state.arrivals.get(state.complete) == Some(&full) {
            state.complete += 1;
        }
        if state.complete > before {
            state.window_waiters.drain(..).for_each(Waker::wake);
        }
        true
    }

    fn unexpected(&self, line: &[u8]) {
        let mut state = self.state.borrow_mut();
        state.unexpected += 1;
        state.first_unexpected.get_or_insert_with(|| String::from_utf8_lossy(line).into_owned());
    }

    /// True once this client has heard every round of every other client.
    fn heard_all(&self, heard: u64) -> bool {
        let state = self.state.borrow();
        state.end.is_some_and(|end| heard >= (end * (self.clients - 1)) as u64)
    }
}

/// Runs every client to the end (or the timeout) and adds up what they did.
async fn load(addr: SocketAddr, args: Args) -> Report {
    let seconds = |s: f64| Duration::try_from_secs_f64(s).unwrap_or(Duration::MAX);
    let origin = Instant::now();
    let window = args.window.unwrap_or(250 / (args.clients - 1)).clamp(1, 64);
    let run = Rc::new(Run {
        clients: args.clients,
        window,
        rate: args.rate,
        size: args.size,
        duration: args.duration.map(seconds),
        origin,
        started: Event::new(),
        end_known: Event::new(),
        state: RefCell::new(State::default()),
    });
    if args.duration.is_none() {
        run.state.borrow_mut().end = Some(args.messages);
        run.end_known.set();
    }
    let handles: Vec<_> =
        (0..args.clients).map(|id| reel::spawn(client(addr, id, run.clone()))).collect();

    let give_up = origin + seconds(args.duration.unwrap_or(0.0)) + seconds(args.timeout);
    let mut report = Report { clients: args.clients, window, ..Report::default() };
    for (id, mut handle) in handles.into_iter().enumerate() {
        let left = give_up.saturating_duration_since(Instant::now());
        let outcome = match reel::timeout(left, &mut handle).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(e)) => Err(io::Error::other(e.to_string())),
            Err(_) => {
                handle.cancel();
                Err(io::Error::new(ErrorKind::TimedOut, "still running at --timeout"))
            }
        };
        if let Err(e) = outcome {
            report.failed += 1;
            report.first_error.get_or_insert_with(|| format!("client {id}: {e}"));
        }
    }
    report.fill(&run.state.borrow());
    report
}

/// One client: join, then send and receive until everyone heard everything.
async fn client(addr: SocketAddr, id: usize, run: Rc<Run>) -> io::Result<()> {
    // A blocking connect: on loopback the kernel completes the handshake
    // without the server's help, and reel's own connect does not show the
    // socket's fd, which `quick_ack` needs.
    let stream = std::net::TcpStream::connect(addr)?;
    let fd = stream.as_raw_fd();
    let stream = TcpStream::from_std(stream)?;
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut reader = Reader { read, fd, buf: vec![0; READ_BUF], start: 0, end: 0 };
    reader.wait_for_prompt().await?;
    let name = format!("load{}_{id}", std::process::id() % 100_000);
    write.write_all(format!("{name}\n").as_bytes()).await?;

    let sender = reel::spawn(send(write, id, run.clone()));
    let hello = format!("Hello, {name}!");
    let mut client = Receiver { run: &run, hello, joined: false, in_history: false, heard: 0 };
    // Until the run has started (every join heard) and this client has heard
    // every round of every other client.
    while !(run.started.is_set() && run.heard_all(client.heard)) {
        let n = if run.end_known.is_set() {
            reader.fill().await?
        } else {
            match select(reader.fill(), run.end_known.wait()).await {
                Either::Left(n) => n?,
                Either::Right(()) => continue,
            }
        };
        if n == 0 {
            return Err(io::Error::new(
                ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        let now = Instant::now();
        while let Some(line) = reader.next_line() {
            client.line(line, now);
        }
    }
    let mut write = sender.await.map_err(|e| io::Error::other(e.to_string()))??;
    // Leave politely, and read to the end (the others' leave notices).
    write.write_all(b"/quit\n").await?;
    while reader.fill().await? > 0 {
        while reader.next_line().is_some() {}
    }
    Ok(())
}

/// Sends this client's rounds; returns the write half for the `/quit`.
async fn send(mut write: OwnedWriteHalf, id: usize, run: Rc<Run>) -> io::Result<OwnedWriteHalf> {
    run.started.wait().await;
    let start = run.state.borrow().start.unwrap_or_else(Instant::now);
    let mut message = Vec::with_capacity(run.size + 64);
    for k in 0.. {
        if run.rate > 0.0 {
            // A steady schedule, the clients spread over each period.
            let offset = (k as f64 + id as f64 / run.clients as f64) / run.rate;
            reel::sleep_until(start + Duration::from_secs_f64(offset)).await;
        }
        if !poll_fn(|cx| run.poll_send(k, cx)).await {
            break;
        }
        let nanos = run.origin.elapsed().as_nanos();
        message.clear();
        write!(message, "{k} {id} {nanos} ")?;
        message.resize(message.len().max(run.size), b'x');
        message.push(b'\n');
        write.write_all(&message).await?;
    }
    Ok(write)
}

/// Lines out of a read half, many per read.
struct Reader {
    read: OwnedReadHalf,
    /// The socket's fd, owned by `read`, for `quick_ack`.
    fd: RawFd,
    buf: Vec<u8>,
    /// Unread bytes are `buf[start..end]`.
    start: usize,
    end: usize,
}

impl Reader {
    /// Reads more; 0 at end of stream.
    async fn fill(&mut self) -> io::Result<usize> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            return Err(io::Error::new(ErrorKind::InvalidData, "a line longer than the buffer"));
        }
        let n = self.read.read(&mut self.buf[self.end..]).await?;
        self.end += n;
        quick_ack(self.fd)?;
        Ok(n)
    }

    /// The next complete line, without its `\n`.
    fn next_line(&mut self) -> Option<&[u8]> {
        let unread = &self.buf[self.start..self.end];
        let at = unread.iter().position(|&b| b == b'\n')?;
        let line = &self.buf[self.start..self.start + at];
        self.start += at + 1;
        Some(line)
    }

    /// Reads until the name prompt (which has no newline), and drops it.
    async fn wait_for_prompt(&mut self) -> io::Result<()> {
        while !self.buf[..self.end].ends_with(b"Enter your name: ") {
            if self.fill().await? == 0 {
                return Err(io::Error::new(ErrorKind::UnexpectedEof, "closed before the prompt"));
            }
        }
        (self.start, self.end) = (0, 0);
        Ok(())
    }
}

/// Asks the kernel to acknowledge what arrives at once (TCP_QUICKACK), not
/// up to 40 ms later. The chat servers do not set TCP_NODELAY, so Nagle holds
/// their next small write to a client until the last one is acknowledged; a
/// client waiting for its window would otherwise stall the room for a
/// delayed-ACK timeout per round. Linux may fall back to delayed ACKs, so it
/// is set again after every read.
/// Linux only: elsewhere (macOS, the BSDs) there is no such option, and
/// this does nothing.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[allow(unsafe_code)]
fn quick_ack(fd: RawFd) -> io::Result<()> {
    let on: libc::c_int = 1;
    // SAFETY: `fd` is the open socket of the `Reader` that calls this (its
    // read half owns it); the option value points to a live c_int and the
    // length given is its size.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            (&raw const on).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn quick_ack(_fd: RawFd) -> io::Result<()> {
    Ok(())
}

/// One client's view of the lines it receives.
struct Receiver<'a> {
    run: &'a Run,
    /// The start of this client's `Hello` line.
    hello: String,
    joined: bool,
    in_history: bool,
    /// Chat lines of this run received.
    heard: u64,
}

impl Receiver<'_> {
    fn line(&mut self, line: &[u8], now: Instant) {
        if self.in_history {
            self.in_history = line != b"=== End of history ===";
        } else if line.starts_with(b"[") {
            match parse_chat_line(line) {
                Some((k, nanos)) => {
                    let sent_at = self.run.origin + Duration::from_nanos(nanos);
                    if self.run.delivered(k, sent_at, now) {
                        self.heard += 1;
                    } else {
                        self.run.unexpected(line);
                    }
                }
                None => self.run.unexpected(line),
            }
        } else if line.starts_with(b"*** ") && line.ends_with(b" joined the chat ***") {
            self.run.joined(false);
        } else if !self.joined && line.starts_with(self.hello.as_bytes()) {
            self.joined = true;
            self.run.joined(true);
        } else if line == b"=== Recent messages ===" {
            self.in_history = true;
        } else if !(line.starts_with(b"*** ") || line == b"Goodbye!") {
            self.run.unexpected(line);
        }
    }
}

/// `[HH:MM] NAME: ROUND SENDER NANOS xxx`: the round and the send stamp.
fn parse_chat_line(line: &[u8]) -> Option<(usize, u64)> {
    let line = std::str::from_utf8(line).ok()?;
    let (_, rest) = line.split_once("] ")?;
    let (_, text) = rest.split_once(": ")?;
    let mut fields = text.split(' ');
    let k = fields.next()?.parse().ok()?;
    let _sender: usize = fields.next()?.parse().ok()?;
    let nanos = fields.next()?.parse().ok()?;
    Some((k, nanos))
}

/// Everything the run did, printed as `key: value` lines.
#[derive(Default)]
struct Report {
    clients: usize,
    window: usize,
    failed: usize,
    first_error: Option<String>,
    rounds: usize,
    sent: u64,
    delivered: u64,
    expected: u64,
    unexpected: u64,
    first_unexpected: Option<String>,
    elapsed: Duration,
    latency: Histogram,
}

impl Report {
    fn fill(&mut self, state: &State) {
        self.rounds = state.end.unwrap_or(state.arrivals.len());
        self.sent = state.sent;
        self.delivered = state.delivered;
        self.expected = (self.clients * (self.clients - 1) * self.rounds) as u64;
        self.unexpected = state.unexpected;
        self.first_unexpected = state.first_unexpected.clone();
        if let (Some(start), Some(last)) = (state.start, state.last_delivery) {
            self.elapsed = last.saturating_duration_since(start);
        }
        self.latency = state.latency.clone();
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        let rate = if secs > 0.0 { self.delivered as f64 / secs } else { 0.0 };
        writeln!(f, "clients: {}", self.clients)?;
        writeln!(f, "clients failed: {}", self.failed)?;
        if let Some(e) = &self.first_error {
            writeln!(f, "first error: {e}")?;
        }
        writeln!(f, "window: {} rounds", self.window)?;
        writeln!(f, "messages sent: {}", self.sent)?;
        writeln!(f, "delivered: {}", self.delivered)?;
        writeln!(f, "expected: {}", self.expected)?;
        writeln!(f, "unexpected lines: {}", self.unexpected)?;
        if let Some(line) = &self.first_unexpected {
            writeln!(f, "first unexpected line: {line}")?;
        }
        writeln!(f, "seconds: {secs:.3}")?;
        writeln!(f, "delivered per second: {rate:.0}")?;
        let micros = |p: f64| self.latency.percentile(p).as_secs_f64() * 1e6;
        writeln!(f, "latency p50: {:.1} us", micros(50.0))?;
        writeln!(f, "latency p99: {:.1} us", micros(99.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_lines_give_their_round_and_stamp() {
        assert_eq!(parse_chat_line(b"[12:34] load7_3: 42 3 123456789 xxxx"), Some((42, 123456789)));
        assert_eq!(parse_chat_line(b"[12:34] load7_3: 0 0 5 "), Some((0, 5)));
        assert_eq!(parse_chat_line(b"[12:34] alice: hello there"), None);
        assert_eq!(parse_chat_line(b"[12:34] alice"), None);
    }
}
