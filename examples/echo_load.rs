//! The course's load tester, on reel: many clients ping-ponging with an echo
//! server, each as a reel task on one loop.
//!
//! Start a server, then load it:
//!
//! ```text
//! cargo run --release --example echo -- --port 8888
//! cargo run --release --example echo_load -- --clients 100 --size 64 --duration 10
//! cargo run --release --example echo_load -- --clients 10 --messages 1000
//! cargo run --release --example echo_load -- --clients 99 --firehose 1 --duration 5
//! ```
//!
//! Each client connects, then writes one message, reads exactly that many
//! bytes back, checks they are the ones it sent, and repeats: one message in
//! flight per client, so the server sees `--clients` concurrent round trips.
//! At the end it prints one `key: value` line per figure (clients, messages,
//! seconds, messages per second, latency percentiles), for people and for
//! `bench/run.sh`.
//!
//! With `--firehose N`, N more connections stream 16 KiB chunks as fast as
//! the server takes them, and the ping-pong clients' latency shows what one
//! connection that always has data waiting does to the others.
//!
//! It is meant to be the load generator of a benchmark, so the hot loop
//! allocates nothing: each client owns one message and one read buffer, and
//! latencies go into a fixed-size histogram instead of a growing list.

use std::cell::Cell;
use std::fmt;
use std::io::{self, ErrorKind};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use clap::Parser;
use reel::net::TcpStream;

#[path = "shared/addr.rs"]
mod addr;
#[path = "shared/histogram.rs"]
mod histogram;
use addr::first_addr;
use histogram::Histogram;

/// A ping-pong load generator for an echo server: many clients, each sending a
/// message and waiting for its echo; prints messages per second and latency.
///
/// Try it: start `cargo run --release --example echo`, then
/// `cargo run --release --example echo_load -- --clients 100 --duration 5`.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The server's address.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The server's port.
    #[arg(long, default_value_t = 8888)]
    port: u16,
    /// How many connections ping-pong at once.
    #[arg(long, value_name = "N", default_value_t = 10)]
    clients: usize,
    /// Round trips per client (ignored with --duration).
    #[arg(long, value_name = "M", default_value_t = 100)]
    messages: u64,
    /// Run for this many seconds instead of a fixed number of messages.
    #[arg(long, value_name = "SECS")]
    duration: Option<f64>,
    /// Bytes per message.
    #[arg(long, value_name = "B", default_value_t = 64)]
    size: usize,
    /// Give up on clients still running this many seconds after the start
    /// (after the end of --duration, with it); they count as failed.
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    timeout: f64,
    /// Also run this many firehose connections beside the ping-pong
    /// clients: each writes 16 KiB chunks as fast as the server takes them
    /// and reads the echo on the side, until the ping-pong clients are done.
    /// Their latency is not counted: the question is what a connection that
    /// always has data waiting does to the others' latency.
    #[arg(long, value_name = "N", default_value_t = 0)]
    firehose: usize,
}

/// When a client stops sending.
#[derive(Clone, Copy, Debug)]
enum Plan {
    /// After this many round trips.
    Messages(u64),
    /// At the first round trip that ends after this instant.
    Until(Instant),
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.size == 0 {
        eprintln!("echo_load: --size must be at least 1");
        return ExitCode::FAILURE;
    }
    let Some(addr) = first_addr("echo_load", &args.host, args.port) else {
        return ExitCode::FAILURE;
    };
    let report = reel::run(load(addr, args));
    print!("{report}");
    if report.failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// Runs every client to the end (or the timeout) and adds up what they did.
async fn load(addr: SocketAddr, args: Args) -> Report {
    let seconds = |s: f64| Duration::try_from_secs_f64(s).unwrap_or(Duration::MAX);
    let started = Instant::now();
    let plan = match args.duration {
        Some(secs) => Plan::Until(started + seconds(secs)),
        None => Plan::Messages(args.messages),
    };
    let give_up = started + seconds(args.duration.unwrap_or(0.0)) + seconds(args.timeout);
    let done = Rc::new(Cell::new(false));
    let hoses: Vec<_> = (0..args.firehose)
        .map(|id| reel::spawn_named(&format!("firehose {id}"), firehose(addr, done.clone())))
        .collect();
    let handles: Vec<_> = (0..args.clients)
        .map(|id| reel::spawn_named(&format!("client {id}"), client(addr, id, args.size, plan)))
        .collect();

    let mut report = Report::default();
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
        match outcome {
            Ok(stats) => {
                report.succeeded += 1;
                report.messages += stats.messages;
                report.latency.merge(&stats.latency);
            }
            Err(e) => {
                report.failed += 1;
                report.first_error.get_or_insert_with(|| format!("client {id}: {e}"));
            }
        }
    }
    report.elapsed = started.elapsed();
    done.set(true);
    for hose in hoses {
        let left = give_up.saturating_duration_since(Instant::now());
        if let Ok(Ok(Ok(bytes))) = reel::timeout(left, hose).await {
            report.firehose_bytes += bytes;
        }
    }
    report
}

/// One firehose connection: writes 16 KiB chunks until `done`, reads the
/// echo in a task of its own, then closes its side and waits for the rest
/// of the echo; returns the bytes echoed back.
async fn firehose(addr: SocketAddr, done: Rc<Cell<bool>>) -> io::Result<u64> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (mut read, mut write) = stream.into_split();
    let echoed = reel::spawn_named("firehose reader", async move {
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0u64;
        while let Ok(n @ 1..) = read.read(&mut buf).await {
            total += n as u64;
        }
        total
    });
    let chunk = vec![b'x'; 16 * 1024];
    while !done.get() {
        write.write_all(&chunk).await?;
    }
    drop(write);
    echoed.await.map_err(io::Error::other)
}

/// What one client did.
struct ClientStats {
    messages: u64,
    latency: Histogram,
}

/// One connection's ping-pong.
async fn client(addr: SocketAddr, id: usize, size: usize, plan: Plan) -> io::Result<ClientStats> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    // A pattern that differs per client, so crossed wires show.
    let mut message: Vec<u8> = (0..size).map(|i| (i % 251) as u8 ^ id as u8).collect();
    // Twice the message: a complete echo then fills less than the buffer, so
    // reel knows the socket is drained without one more read (the short-read
    // rule), and a server that sends too much is caught.
    let mut back = vec![0u8; 2 * size];
    let mut stats = ClientStats { messages: 0, latency: Histogram::new() };
    let mut sent_at = Instant::now();
    loop {
        match plan {
            Plan::Messages(n) if stats.messages >= n => break,
            Plan::Until(end) if sent_at >= end => break,
            _ => {}
        }
        // A counter in the first byte, so a stale or repeated echo shows.
        message[0] = stats.messages as u8;
        stream.write_all(&message).await?;
        let mut got = 0;
        while got < size {
            let n = stream.read(&mut back[got..]).await?;
            if n == 0 {
                return Err(io::Error::new(
                    ErrorKind::UnexpectedEof,
                    format!("the server closed the connection after {got} of {size} bytes"),
                ));
            }
            got += n;
        }
        if got != size || back[..size] != message[..] {
            return Err(io::Error::new(
                ErrorKind::InvalidData,
                format!("message {}: the echo differs from what was sent", stats.messages),
            ));
        }
        let now = Instant::now();
        stats.latency.record(now.saturating_duration_since(sent_at));
        stats.messages += 1;
        sent_at = now;
    }
    Ok(stats)
}

/// Everything the run did, printed as `key: value` lines.
#[derive(Default)]
struct Report {
    succeeded: usize,
    failed: usize,
    first_error: Option<String>,
    messages: u64,
    elapsed: Duration,
    latency: Histogram,
    /// Bytes the firehose connections got back.
    firehose_bytes: u64,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        let rate = if secs > 0.0 { self.messages as f64 / secs } else { 0.0 };
        writeln!(f, "clients succeeded: {}", self.succeeded)?;
        writeln!(f, "clients failed: {}", self.failed)?;
        if let Some(e) = &self.first_error {
            writeln!(f, "first error: {e}")?;
        }
        writeln!(f, "messages: {}", self.messages)?;
        writeln!(f, "seconds: {secs:.3}")?;
        writeln!(f, "messages per second: {rate:.0}")?;
        let micros = |p: f64| self.latency.percentile(p).as_secs_f64() * 1e6;
        writeln!(f, "latency p50: {:.1} us", micros(50.0))?;
        writeln!(f, "latency p99: {:.1} us", micros(99.0))?;
        if self.firehose_bytes > 0 {
            let rate = self.firehose_bytes as f64 / secs.max(1e-9) / 1e6;
            writeln!(f, "firehose MB per second: {rate:.1}")?;
        }
        Ok(())
    }
}
