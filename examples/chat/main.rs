//! The chat server of the course (Python asyncio examples), on reel: names, rooms, private messages,
//! history, and no slow client can stall a room.
//!
//! Run it and connect (the protocol, line by line, is in PROTOCOL.md here):
//!
//! ```text
//! cargo run --release --example chat                 # 127.0.0.1:8889
//! cargo run --release --example chat_client          # the terminal client
//! nc 127.0.0.1 8889                                  # or any line-based client
//! ```
//!
//! Over TLS (the feature `tls`): `cargo run --release --features tls
//! --example chat -- --tls-cert cert.pem --tls-key key.pem`, and
//! `chat_client --tls --cacert ca.pem` (or `openssl s_client`).
//!
//! Prints exactly one stdout line, `listening on IP:PORT`, once it accepts
//! connections; logs on stderr (`RUST_LOG`, default `info`).
//!
//! How it is built: every client gets a session task (its name dialogue,
//! then its lines and commands) and a writer task fed by a queue of shared
//! lines (`outbox`). The shared state (`chat`) is one `Rc<RefCell<Chat>>`;
//! a broadcast queues a line for each member without ever waiting, and a
//! member too far behind (in bytes, or with no progress) is disconnected,
//! so one client that stops reading cannot slow anyone else down. Rooms of
//! more than 100 gather their join and leave notices (`notices`), which one
//! task says once a second. `protocol` is the line protocol as pure
//! functions, for fuzzing.

mod chat;
mod commands;
mod ctx;
mod limits;
mod memory;
mod notices;
mod outbox;
mod protocol;
mod rate;
mod session;
mod stop;
mod transport;

use std::io::{self, Write};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use clap::Parser;
use reel::stream::{ServerOptions, StreamReader, StreamWriter, start_tcp_server};
use reel::sync::Event;

use crate::chat::Chat;
use crate::ctx::Ctx;

/// The chat server on reel: names, rooms, private messages, history.
///
/// Try it: run `cargo run --release --example chat`, then in two other
/// terminals `cargo run --release --example chat_client` (or
/// `nc 127.0.0.1 8889`), and type `/help`.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8889)]
    port: u16,
    /// Chat lines each room keeps for newcomers.
    #[arg(long, value_name = "N", default_value_t = 50)]
    history: usize,
    /// Messages per second a client may send.
    #[arg(long, value_name = "N", default_value_t = 5)]
    rate: u32,
    /// The longest message, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 500)]
    max_message: usize,
    /// A client that has not given a valid name within this many seconds is
    /// told `Timed out. Goodbye!` and closed.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    login_timeout: f64,
    /// The most clients at once; more are told `Server is busy. Try again
    /// later.` and closed [default: the open-file limit less 64].
    #[arg(long, value_name = "N")]
    max_conns: Option<usize>,
    /// The most clients at once from one address [default: no limit].
    #[arg(long, value_name = "N")]
    max_per_ip: Option<usize>,
    /// On SIGINT, SIGTERM or SIGHUP, wait this many seconds for goodbyes to go out.
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    grace: f64,
    /// Serve over TLS with this certificate chain (PEM, leaf first); needs
    /// --tls-key and a build with `--features tls`. Clients connect with
    /// `chat_client --tls --cacert CA.pem`.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let args = Args::parse();
    if let Err(e) = reel::run(serve(args)) {
        eprintln!("chat: {e}");
        std::process::exit(1);
    }
}

async fn serve(args: Args) -> io::Result<()> {
    // Every client is a descriptor: 10,000 of them need more than the usual
    // soft limit of 1024.
    let open_files = match reel::raise_open_file_limit() {
        Ok(limit) => limit.soft,
        Err(e) => {
            log::warn!("cannot raise the open-file limit: {e}");
            1024
        }
    };
    let max_conns = args.max_conns.unwrap_or_else(|| limits::default_max_conns(open_files));
    log::debug!("open files: at most {open_files}; clients: at most {max_conns}");
    let stop_signal = reel::signal::stop_signal()?;
    // `kill -USR1 PID` prints every task of the loop to stderr.
    let _task_table = reel::print_tasks_on(reel::signal::SignalKind::user_defined1())?;
    let notices_due = Event::new();
    // The reader refuses longer lines whole, so the message limit must fit
    // inside it for "Message too long" to be exact.
    let max_message = args.max_message.min(session::LINE_LIMIT - 2);
    let chat = Chat::new(args.history, notices_due.clone());
    let tls = tls_config(&args)?;
    let login_timeout = Duration::try_from_secs_f64(args.login_timeout).unwrap_or(Duration::MAX);
    let limits = limits::Limits::new(login_timeout, args.max_per_ip);
    let ctx = Rc::new(Ctx::new(chat, max_message, args.rate, tls, limits));
    reel::spawn_named("notices", say_gathered_notices(ctx.clone(), notices_due));
    let shared = ctx.clone();
    let mut options = ServerOptions::new().max_connections(max_conns);
    if ctx.tls.is_none() {
        // Over TLS the line would be garbage to the client: a close only.
        options = options.refuse_with(busy);
    }
    let server =
        start_tcp_server((args.host.as_str(), args.port), options, move |stream, peer| {
            session::serve(stream, peer, shared.clone())
        })?;
    if ctx.tls.is_some() {
        log::info!("clients connect over TLS");
    }
    println!("listening on {}", server.local_addrs()[0]);
    io::stdout().flush()?;

    let signal = stop_signal.await;
    log::info!(
        "{signal}: shutting down: {} clients to say goodbye to",
        server.active_connections()
    );
    let grace = Duration::try_from_secs_f64(args.grace).unwrap_or(Duration::from_secs(5));
    // Connections still in the backlog get sessions too, which see the stop.
    server.close();
    // Half the grace to answer what came before the stop; the rest for the
    // goodbyes to go out.
    ctx.stop.begin(grace / 2);
    let report = server.shutdown(grace).await;
    log::info!("stopped: {} sessions ended, {} cancelled", report.finished, report.cancelled);
    Ok(())
}

/// What a client past `--max-conns` gets before the close.
async fn busy(_reader: StreamReader, mut writer: StreamWriter) {
    if writer.write(limits::BUSY.as_bytes()).is_ok() {
        let _ = writer.wait_closed().await;
    }
}

/// The TLS configuration of `--tls-cert` and `--tls-key`, if given.
#[cfg(feature = "tls")]
fn tls_config(args: &Args) -> io::Result<Option<transport::TlsConfig>> {
    let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) else { return Ok(None) };
    reel::tls::server_config(cert, key, &[]).map(Some)
}

/// Without the feature `tls`, `--tls-cert` is an error that says so.
#[cfg(not(feature = "tls"))]
fn tls_config(args: &Args) -> io::Result<Option<transport::TlsConfig>> {
    if args.tls_cert.is_some() {
        let e = "--tls-cert: this build has no TLS; build it with `--features tls`";
        return Err(io::Error::new(io::ErrorKind::Unsupported, e));
    }
    Ok(None)
}

/// Says the notices big rooms gather, at most once per `GATHER`: the first
/// gathered notice starts the clock, and every room's go out together.
async fn say_gathered_notices(ctx: Rc<Ctx>, due: Event) {
    loop {
        due.wait().await;
        reel::sleep(GATHER).await;
        due.clear();
        ctx.chat.borrow_mut().flush_notices();
    }
}

/// How long a big room gathers join and leave notices.
const GATHER: Duration = Duration::from_secs(1);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_issue() {
        let args = Args::parse_from(["chat"]);
        assert_eq!((args.port, args.history, args.rate, args.max_message), (8889, 50, 5, 500));
        assert_eq!((args.login_timeout, args.max_conns, args.max_per_ip), (30.0, None, None));
    }
}
