//! The echo server every asyncio course starts with, on reel, grown into
//! every variant the course (its Python asyncio examples) teaches.
//!
//! Run it and connect:
//!
//! ```text
//! cargo run --release --example echo                    # 127.0.0.1:8888, byte echo
//! cargo run --release --example echo -- --protocol      # the course's line protocol
//! cargo run --release --example echo -- --udp           # datagrams, each sent back
//! cargo run --release --example echo -- --help          # every flag
//! nc 127.0.0.1 8888                                     # type a line, get it back
//! nc -u 127.0.0.1 8888                                  # the same, over UDP
//! ```
//!
//! Prints exactly one line on stdout, `listening on IP:PORT`, once it accepts
//! connections; connects and disconnects are logged on stderr (`RUST_LOG`
//! sets the level, default `info`; `RUST_LOG=reel=trace` shows every tick).
//!
//! - default: the plain byte echo that `nc` and load tools expect;
//! - `--protocol`: `Welcome to Echo Server!`, then `TIME`, `HELP`, `QUIT`, or
//!   `Echo: <text>` for anything else, lines ended by `\r\n`;
//! - `--udp`: a UDP socket instead, each datagram echoed to its sender
//!   (`udp.rs`); the other flags are for TCP;
//! - `--idle-timeout SECS`: an idle client gets `Connection timeout. Goodbye!`;
//! - `--max-conns N`: a client past N gets `Server is busy. Try again later.`;
//! - SIGINT, SIGTERM or SIGHUP (the terminal closed): stop accepting at once, answer what each client
//!   has sent, then send it `Server shutting down. Goodbye!`, wait up to
//!   `--grace SECS` for them, exit 0;
//! - `boom` (a chunk in byte mode, a line in protocol mode) makes that
//!   connection's handler fail, as in the course: it alone closes, and the
//!   failure is logged with the peer's address.

mod idle;
mod plain;
mod protocol;
mod reply;
mod udp;

use std::fmt;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use clap::Parser;
use reel::net::TcpStream;
use reel::stream::{ServerOptions, StreamReader, StreamWriter, start_tcp_server};
use reel::sync::Event;

pub use idle::IdleTimer;

/// After the last line to a client (a goodbye), how long to read and drop
/// what it still sends before closing: a close with unread bytes is a
/// reset, which can destroy the goodbye before the client reads it.
pub const LINGER: Duration = Duration::from_secs(2);

/// Runs `drain`, a lingering close (reading and dropping for `LINGER`).
/// Only at shutdown does the handler wait for it, since the server waits
/// for its handlers; else it goes on in a task of its own, so that a client
/// that has been told goodbye no longer counts against `--max-conns`.
pub async fn linger<F>(ending: &Ending, drain: F) -> io::Result<()>
where
    F: Future<Output = io::Result<u64>> + 'static,
{
    if matches!(ending, Ending::Shutdown) {
        drain.await?;
    } else {
        reel::spawn_named("lingering close", async move {
            let _ = drain.await;
        });
    }
    Ok(())
}

/// The echo server on reel: every byte (or, with --protocol, every line) goes
/// back to its sender; --udp echoes datagrams instead.
///
/// Try it: run `cargo run --release --example echo`, then `nc 127.0.0.1 8888`
/// in another terminal and type a line.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8888)]
    port: u16,
    /// Speak the course's line protocol (TIME, HELP, QUIT) instead of echoing bytes.
    #[arg(long)]
    protocol: bool,
    /// Echo UDP datagrams instead: each goes back to its sender.
    #[arg(long, conflicts_with_all = ["protocol", "max_conns"])]
    udp: bool,
    /// Close a client that sends nothing for this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    idle_timeout: f64,
    /// Refuse clients past this many at once.
    #[arg(long, value_name = "N")]
    max_conns: Option<usize>,
    /// On SIGINT, SIGTERM or SIGHUP, wait this many seconds for clients before exiting.
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    grace: f64,
}

/// What every connection's handler shares.
pub struct Config {
    idle_timeout: Duration,
    /// Set on SIGINT, SIGTERM or SIGHUP: every handler says goodbye and ends.
    stop: Event,
    protocol: bool,
}

/// How a connection ended, for the disconnect log line.
pub enum Ending {
    Eof,
    Quit,
    Idle,
    Shutdown,
}

impl fmt::Display for Ending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ending::Eof => "closed by the client",
            Ending::Quit => "quit",
            Ending::Idle => "idle timeout",
            Ending::Shutdown => "server shutdown",
        })
    }
}

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let args = Args::parse();
    // Every client is a descriptor: the usual soft limit of 1024 would cap
    // the server far below what the hard limit allows.
    if let Err(e) = reel::raise_open_file_limit() {
        log::warn!("could not read the open-file limit: {e}");
    }
    if let Err(e) = reel::run(serve(args)) {
        eprintln!("echo: {e}");
        std::process::exit(1);
    }
}

async fn serve(args: Args) -> io::Result<()> {
    let seconds = |s: f64| Duration::try_from_secs_f64(s).unwrap_or(Duration::MAX);
    let stop_signal = reel::signal::stop_signal()?;
    // `kill -USR1 PID` prints every task of the loop to stderr.
    let _task_table = reel::print_tasks_on(reel::signal::SignalKind::user_defined1())?;
    if args.udp {
        return udp::serve(&args.host, args.port, stop_signal).await;
    }
    let config = Rc::new(Config {
        idle_timeout: seconds(args.idle_timeout),
        stop: Event::new(),
        protocol: args.protocol,
    });
    let mut options = ServerOptions::new();
    if let Some(limit) = args.max_conns {
        options = options.max_connections(limit).refuse_with(refuse);
    }
    let shared = config.clone();
    let server =
        start_tcp_server((args.host.as_str(), args.port), options, move |stream, peer| {
            handle(stream, peer, shared.clone())
        })?;
    println!("listening on {}", server.local_addrs()[0]);
    io::stdout().flush()?;

    let signal = stop_signal.await;
    log::info!(
        "{signal}: shutting down: no new connections, {} clients to say goodbye to",
        server.active_connections()
    );
    server.close();
    config.stop.set();
    let report = server.shutdown(seconds(args.grace)).await;
    log::info!(
        "stopped: {} clients finished, {} cancelled after the grace period",
        report.finished,
        report.cancelled
    );
    Ok(())
}

/// One connection, from connect to disconnect.
async fn handle(stream: TcpStream, peer: SocketAddr, config: Rc<Config>) {
    log::info!("{peer} connected");
    // Boxed: the protocol's state (a reader, a writer, a line) is larger
    // than the byte echo's, and an async fn reserves room for its largest.
    let ended = if config.protocol {
        Box::pin(protocol::serve(stream, &config)).await
    } else {
        plain::serve(stream, &config).await
    };
    match ended {
        Ok(ending) => log::info!("{peer} disconnected: {ending}"),
        Err(e) => log::info!("{peer} dropped: {e}"),
    }
}

/// What a client past `--max-conns` gets.
async fn refuse(_reader: StreamReader, mut writer: StreamWriter) {
    if writer.write(b"Server is busy. Try again later.\r\n").is_ok() {
        let _ = writer.wait_closed().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_readme() {
        let args = Args::parse_from(["echo"]);
        assert_eq!((args.host.as_str(), args.port, args.protocol), ("127.0.0.1", 8888, false));
        assert_eq!((args.idle_timeout, args.grace, args.max_conns), (60.0, 5.0, None));
        assert!(!args.udp);
        assert!(Args::try_parse_from(["echo", "--udp", "--protocol"]).is_err());
    }
}
