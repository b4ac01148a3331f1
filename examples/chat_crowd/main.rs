//! A crowd for the chat server, on reel: N clients join one room as fast as
//! they can connect, one message reaches every other client, then all leave;
//! optionally twice or more, to see whether the server's memory comes back.
//!
//! ```text
//! cargo run --release --example chat -- --port 8889 &
//! cargo run --release --example chat_crowd -- --clients 10000 --rounds 2 --server-pid $!
//! ```
//!
//! Each round: every client connects, reads the name prompt, sends a unique
//! name and reads until its `Hello`, at most `--parallel` clients between
//! connect and `Hello` at once (the listen backlog is 1024: more in flight
//! and the kernel drops handshakes, which then wait a second to retry).
//! Every client reads everything the whole time. Once all have joined,
//! client 0 sends one chat line and the others read until it arrives; then
//! every client says `/quit` and reads to the end: `Goodbye!`, then EOF.
//! A probe client then checks that nobody is left online.
//!
//! Prints one `key: value` line per figure. The times, counts and bytes are
//! measured here, on the client side; with `--server-pid`, the server's
//! VmRSS and VmHWM (peak) from /proc/PID/status are printed too.

use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use clap::Parser;
use reel::net::{OwnedWriteHalf, TcpStream};
use reel::sync::{Either, Event, Semaphore, select};

#[path = "../shared/addr.rs"]
mod addr;
use addr::first_addr;

mod lines;
mod tally;
use lines::Lines;
use tally::{Phase, Tally};

/// A crowd of chat clients in one room: thousands join, one speaks, all leave;
/// reports who was dropped and the server's memory.
///
/// Try it: start `cargo run --release --example chat -- --port 18889`, then
/// `cargo run --release --example chat_crowd -- --port 18889 --clients 1000`.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The server's address.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The server's port.
    #[arg(long, default_value_t = 8889)]
    port: u16,
    /// Clients in the room.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    clients: usize,
    /// Rounds of join, message, leave.
    #[arg(long, value_name = "R", default_value_t = 1)]
    rounds: usize,
    /// Clients between connect and `Hello` at once.
    #[arg(long, value_name = "K", default_value_t = 500)]
    parallel: usize,
    /// The chat server's process id, to report its memory.
    #[arg(long, value_name = "PID")]
    server_pid: Option<u32>,
    /// Give up on a phase (joins, message, leave) after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    timeout: f64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.clients < 2 || args.parallel == 0 {
        eprintln!("chat_crowd: --clients must be at least 2 and --parallel at least 1");
        return ExitCode::FAILURE;
    }
    let Some(addr) = first_addr("chat_crowd", &args.host, args.port) else {
        return ExitCode::FAILURE;
    };
    // Each client is a descriptor; the usual soft limit is 1024.
    if let Err(e) = reel::raise_open_file_limit() {
        eprintln!("chat_crowd: cannot raise the open-file limit: {e}");
    }
    match reel::run(crowd(addr, args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("chat_crowd: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs every round; true if every one went as it should.
async fn crowd(addr: SocketAddr, args: Args) -> io::Result<bool> {
    let rss = |field| args.server_pid.map(|pid| proc_status_kib(pid, field));
    let idle = rss("VmRSS");
    println!("clients: {}", args.clients);
    if let Some(kib) = idle {
        println!("server VmRSS before: {kib} KiB");
    }
    let mut all_good = true;
    let mut after_leave = Vec::new();
    for round in 1..=args.rounds {
        let (good, joined_rss) = one_round(addr, &args, round).await?;
        all_good &= good;
        if let (Some(before), Some(joined)) = (idle, joined_rss) {
            let per_client = joined.saturating_sub(before) * 1024 / args.clients as u64;
            println!("round {round} server bytes per client: {per_client}");
        }
        all_good &= probe(addr, round).await?;
        if let (Some(hwm), Some(left)) = (rss("VmHWM"), rss("VmRSS")) {
            println!("round {round} server VmHWM: {hwm} KiB");
            println!("round {round} server VmRSS after leave: {left} KiB");
            after_leave.push(left);
        }
    }
    if let (Some(first), Some(last)) = (after_leave.first(), after_leave.last()) {
        let growth = (*last as f64 - *first as f64) * 100.0 / *first as f64;
        println!("server VmRSS growth after leave, first to last round: {growth:.1}%");
    }
    Ok(all_good)
}

/// One round; whether it went well, and the server's VmRSS once all joined.
async fn one_round(addr: SocketAddr, args: &Args, round: usize) -> io::Result<(bool, Option<u64>)> {
    let n = args.clients;
    let tally = Rc::new(Tally::new(n, round));
    let joining = Semaphore::new(args.parallel);
    let handles: Vec<_> = (0..n)
        .map(|id| {
            let joining = joining.clone();
            reel::spawn_named(&format!("client {id}"), client(addr, id, tally.clone(), joining))
        })
        .collect();
    let limit = Duration::try_from_secs_f64(args.timeout).unwrap_or(Duration::MAX);
    let started = Instant::now();
    let mut finished = true;
    let mut joined_rss = None;
    for phase in Phase::ALL {
        if phase == Phase::Heard {
            joined_rss = args.server_pid.map(|pid| proc_status_kib(pid, "VmRSS"));
            if let Some(pid) = args.server_pid {
                let peak = proc_status_kib(pid, "VmHWM");
                println!("round {round} server VmHWM once joined: {peak} KiB");
            }
        }
        tally.start(phase);
        if reel::timeout(limit, tally.wait(phase)).await.is_err() {
            eprintln!("round {round}: phase {phase:?} not done within {limit:?}");
            finished = false;
            break;
        }
    }
    for handle in handles {
        handle.cancel();
    }
    let good = tally.report(started) && finished;
    Ok((good, joined_rss))
}

/// The name of client `id`.
fn name(id: usize) -> String {
    format!("crowd{id}")
}

/// One client for one round; any error counts it as failed.
async fn client(addr: SocketAddr, id: usize, tally: Rc<Tally>, joining: Semaphore) {
    let mut reached = None;
    let outcome = one_client(addr, id, &tally, joining, &mut reached).await;
    if let Err(e) = outcome {
        tally.failed(id, reached, &e);
    }
}

/// Joins, hears (or, as client 0, sends) the message, and leaves;
/// `reached` is the last phase completed.
async fn one_client(
    addr: SocketAddr,
    id: usize,
    tally: &Tally,
    joining: Semaphore,
    reached: &mut Option<Phase>,
) -> io::Result<()> {
    let permit = joining.acquire().await;
    let (read, mut write) = TcpStream::connect(addr).await?.into_split();
    let mut reader = Lines::new(read);
    reader.prompt(b"Enter your name: ").await?;
    let name = name(id);
    write.write_all(format!("{name}\n").as_bytes()).await?;
    let hello = format!("Hello, {name}!");
    while !next_line(&mut reader, tally).await?.starts_with(&hello) {}
    drop(permit);
    tally.reached(Phase::Joined);
    *reached = Some(Phase::Joined);

    if id == 0 {
        read_until(&mut reader, tally, &tally.send_message).await?;
        send(&mut write, &tally.message()).await?;
    } else {
        let want = format!("{name}: {}", tally.message().trim_end(), name = self::name(0));
        while !next_line(&mut reader, tally).await?.ends_with(&want) {}
    }
    tally.reached(Phase::Heard);
    *reached = Some(Phase::Heard);

    read_until(&mut reader, tally, &tally.leave).await?;
    send(&mut write, "/quit\n").await?;
    let mut last = String::new();
    loop {
        let line = reader.line().await?;
        if line.is_empty() {
            break;
        }
        tally.line(&line);
        last = String::from_utf8_lossy(&line).into_owned();
    }
    if last != "Goodbye!\n" {
        return Err(io::Error::other(format!("the last line was {last:?}, not Goodbye!")));
    }
    tally.reached(Phase::Left);
    *reached = Some(Phase::Left);
    Ok(())
}

/// The next line, counted; EOF before the end is an error.
async fn next_line(reader: &mut Lines, tally: &Tally) -> io::Result<String> {
    let line = reader.line().await?;
    if line.is_empty() {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "disconnected by the server"));
    }
    tally.line(&line);
    Ok(String::from_utf8_lossy(&line).trim_end().to_string())
}

/// Reads and counts lines until `event` is set.
async fn read_until(reader: &mut Lines, tally: &Tally, event: &Event) -> io::Result<()> {
    while !event.is_set() {
        // `line` keeps what it read when dropped: nothing is lost here.
        if let Either::Left(line) = select(next_line(reader, tally), event.wait()).await {
            line?;
        }
    }
    Ok(())
}

async fn send(write: &mut OwnedWriteHalf, line: &str) -> io::Result<()> {
    write.write_all(line.as_bytes()).await
}

/// After a round: a fresh client must find itself alone online, so every
/// client of the round has been taken off the server's lists.
async fn probe(addr: SocketAddr, round: usize) -> io::Result<bool> {
    let (read, mut write) = TcpStream::connect(addr).await?.into_split();
    let mut reader = Lines::new(read);
    let answer = reel::timeout(Duration::from_secs(10), async {
        reader.prompt(b"Enter your name: ").await?;
        send(&mut write, "crowdprobe\n/list\n/quit\n").await?;
        loop {
            let line = reader.line().await?;
            if line.is_empty() || line.starts_with(b"Online users: ") {
                return io::Result::Ok(String::from_utf8_lossy(&line).trim_end().to_string());
            }
        }
    })
    .await??;
    let alone = answer == "Online users: crowdprobe";
    println!("round {round} online after leave: {}", if alone { "none" } else { &answer });
    Ok(alone)
}

/// `field` (`VmRSS`, `VmHWM`) of /proc/PID/status, in KiB; 0 if unreadable.
fn proc_status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().strip_suffix("kB")?.trim().parse().ok())
        .unwrap_or(0)
}
