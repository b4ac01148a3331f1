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
use std::future::poll_fn;
use std::io::{self, ErrorKind, Write as _};
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use clap::Parser;
use reel::net::{OwnedWriteHalf, TcpStream};
use reel::sync::{Either, Event, select};

#[path = "../shared/addr.rs"]
mod addr;
#[path = "../shared/histogram.rs"]
mod histogram;
mod lines;
mod report;
mod run;

use addr::first_addr;
use lines::{Reader, Receiver};
use report::Report;
use run::{Run, State};

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
pub(crate) const BIG_ROOM: usize = 100;

fn main() -> ExitCode {
    let args = Args::parse();
    if args.clients < 2 {
        eprintln!("chat_load: --clients must be at least 2 (nobody hears a lone client)");
        return ExitCode::FAILURE;
    }
    let Some(addr) = first_addr("chat_load", &args.host, args.port) else {
        return ExitCode::FAILURE;
    };
    let report = reel::run(load(addr, args));
    print!("{report}");
    let ok = report.failed == 0 && report.delivered == report.expected;
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
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
    let handles: Vec<_> = (0..args.clients)
        .map(|id| reel::spawn_named(&format!("client {id}"), client(addr, id, run.clone())))
        .collect();

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

    let sender = reel::spawn_named(&format!("sender {id}"), send(write, id, run.clone()));
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
