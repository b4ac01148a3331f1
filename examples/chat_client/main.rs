//! The chat server's terminal client: what you type goes to the server, what
//! the server says is printed as it arrives, both at once on one reel loop.
//!
//! Run the server, then a client or two in other terminals:
//!
//! ```text
//! cargo run --release --example chat                       # the server, 127.0.0.1:8889
//! cargo run --release --example chat_client                # a client, same defaults
//! cargo run --release --example chat_client -- HOST PORT   # elsewhere
//! cargo run --release --example chat_client -- --help
//! ```
//!
//! Over TLS, to a server started with `--tls-cert` (the feature `tls`):
//! `cargo run --release --features tls --example chat_client -- --tls
//! --cacert ca.pem localhost 8889`.
//!
//! (`nc 127.0.0.1 8889` is a client too; this one is `nc` on reel, with a
//! line editor when it runs in a terminal.) The protocol is in
//! `examples/chat/PROTOCOL.md`: answer the name prompt, then type lines,
//! `/help` for commands, `/quit` to leave.
//!
//! Two modes, chosen once by `isatty` on fds 0 and 1:
//!
//! - In a terminal (`terminal`), the keys are read one by one in raw mode
//!   (`tty`) and edited on an input line (`line_editor`): a prompt `> `,
//!   Backspace, Ctrl-U, Enter; a line from the server is printed above the
//!   half-typed one, never through it. Ctrl-C and Ctrl-D leave as `/quit`
//!   does. The terminal's settings come back on every exit: a return, an
//!   error, a panic, and SIGTERM, SIGHUP or SIGINT sent from outside.
//! - Otherwise (`plain`: a pipe or a file), it is `nc`: server data is
//!   copied to stdout as it arrives, chunk by chunk, and flushed (the prompt
//!   `Welcome! Enter your name: ` has no newline and shows at once); each
//!   line of stdin is sent with its `\n` (one is added to a last line that
//!   lacks it); end of stdin sends `/quit`, so the server announces the leave.
//!
//! In both:
//!
//! - `/quit` (any case) is sent, then the client stops reading the keyboard,
//!   prints what the server still sends (its `Goodbye!`) and exits 0 when
//!   the server closes the connection; after at most 2 s it exits 0 anyway,
//!   with a note on stderr.
//! - The server closing on its own: `Server closed connection` on stdout,
//!   exit 0. A reset (or a broken pipe) counts as the server closing: the
//!   same line on stdout, exit 0, and the OS error as a note on stderr.
//! - A failed connect (refused, unknown host, no answer in 10 s): exactly
//!   `Cannot connect to HOST:PORT` on stderr, nothing on stdout, exit 1,
//!   and the terminal untouched.
//! - Any other error (stdin or stdout failing): `chat_client: ERROR` on
//!   stderr, exit 1. Nothing panics.

mod line_editor;
mod output;
mod plain;
mod terminal;
mod tty;

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use reel::io::{AsyncRead, AsyncWrite};
use reel::stream::{StreamReader, StreamWriter};

use crate::output::print;

/// The server's side of the conversation: a plain or a TLS connection.
type Reader = StreamReader<Box<dyn AsyncRead>>;
/// Our side of it.
type Writer = StreamWriter<Box<dyn AsyncWrite>>;

/// How long a connect may take before it counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait, after sending `/quit`, for the server to close.
const LEAVE_TIMEOUT: Duration = Duration::from_secs(2);
/// The most one read from the server asks for.
const CHUNK: usize = 4096;

/// A terminal client for reel's chat server: what you type is sent, what
/// others say is printed.
///
/// Try it: start `cargo run --release --example chat`, then
/// `cargo run --release --example chat_client` and type `/help`.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The chat server's address.
    #[arg(default_value = "127.0.0.1")]
    host: String,
    /// The chat server's port.
    #[arg(default_value_t = 8889)]
    port: u16,
    /// Connect over TLS (a server started with --tls-cert); needs a build
    /// with `--features tls`, and --cacert unless it is built with
    /// `--features native-roots` (then the system's trust roots).
    #[arg(long)]
    tls: bool,
    /// Trust the certificates in this PEM file (a CA, or the server's own)
    /// and no others, as `curl --cacert` does.
    #[arg(long, value_name = "PEM", requires = "tls")]
    cacert: Option<std::path::PathBuf>,
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let args = Args::parse();
    match reel::run(chat(args)) {
        Ok(code) => code,
        Err(e) => {
            // `eprintln!` would panic if stderr failed; a failed note is dropped.
            let _ = writeln!(io::stderr(), "chat_client: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The whole session: connect, chat until someone leaves, say how it ended.
async fn chat(args: Args) -> io::Result<ExitCode> {
    let (host, port) = (args.host.as_str(), args.port);
    let connected = match args.tls {
        true => reel::timeout(CONNECT_TIMEOUT, connect_tls(&args)?).await,
        false => reel::timeout(CONNECT_TIMEOUT, connect(host, port)).await,
    };
    let (server, writer) = match connected {
        Ok(Ok(pair)) => pair,
        // A TLS failure says why (an unknown CA, a name that does not match).
        Ok(Err(e)) if e.kind() == io::ErrorKind::InvalidData => {
            let _ = writeln!(io::stderr(), "Cannot connect to {host}:{port}: {e}");
            return Ok(ExitCode::FAILURE);
        }
        Ok(Err(_)) | Err(_) => {
            let _ = writeln!(io::stderr(), "Cannot connect to {host}:{port}");
            return Ok(ExitCode::FAILURE);
        }
    };
    if tty::is_terminal() {
        terminal::chat(server, writer).await
    } else {
        plain::chat(server, writer).await
    }
}

/// A plain TCP connection's reader and writer.
async fn connect(host: &str, port: u16) -> io::Result<(Reader, Writer)> {
    let (read, write) = reel::net::TcpStream::connect((host, port)).await?.into_split();
    Ok((StreamReader::new(Box::new(read)), StreamWriter::new(Box::new(write))))
}

/// A TLS connection's reader and writer, trusting `--cacert` only, or with
/// none given the system's roots (feature `native-roots`). The configuration
/// is read first, so a bad PEM file is its own error.
#[cfg(feature = "tls")]
fn connect_tls(
    args: &Args,
) -> io::Result<impl std::future::Future<Output = io::Result<(Reader, Writer)>> + use<>> {
    let config = match &args.cacert {
        Some(ca) => reel::tls::client_config(ca, &[])?,
        None => system_roots()?,
    };
    let host = args.host.clone();
    let port = args.port;
    Ok(async move {
        let (read, write) = reel::tls::connect(&host, port, config).await?.into_split();
        let reader: Reader = StreamReader::new(Box::new(read));
        let writer: Writer = StreamWriter::new(Box::new(write));
        Ok((reader, writer))
    })
}

/// The system's trust roots, for `--tls` without `--cacert`.
#[cfg(feature = "native-roots")]
fn system_roots() -> io::Result<std::sync::Arc<reel::tls::rustls::ClientConfig>> {
    reel::tls::system_client_config(&[])
}

/// Without the feature `native-roots`, `--tls` needs `--cacert`.
#[cfg(all(feature = "tls", not(feature = "native-roots")))]
fn system_roots() -> io::Result<std::sync::Arc<reel::tls::rustls::ClientConfig>> {
    let e = "--tls needs --cacert PEM (or a build with --features native-roots, for the system's roots)";
    Err(io::Error::new(io::ErrorKind::InvalidInput, e))
}

/// Without the feature `tls`, `--tls` is an error that says so.
#[cfg(not(feature = "tls"))]
fn connect_tls(_args: &Args) -> io::Result<std::future::Ready<io::Result<(Reader, Writer)>>> {
    let e = "--tls: this build has no TLS; build it with `--features tls`";
    Err(io::Error::new(io::ErrorKind::Unsupported, e))
}

/// After `/quit`: prints what the server still sends (its goodbye) until it
/// closes the connection, for at most `LEAVE_TIMEOUT`; exit 0 either way.
async fn print_goodbye(server: &mut Reader) -> io::Result<ExitCode> {
    match reel::timeout(LEAVE_TIMEOUT, print_until_closed(server)).await {
        Ok(result) => result?,
        Err(_elapsed) => {
            let _ = writeln!(
                io::stderr(),
                "chat_client: the server did not close the connection within {LEAVE_TIMEOUT:?}"
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints what the server sends until it closes the connection (or resets it).
async fn print_until_closed(server: &mut Reader) -> io::Result<()> {
    loop {
        match server.read(CHUNK).await {
            Ok(chunk) if chunk.is_empty() => return Ok(()),
            Ok(chunk) => print(&chunk).await?,
            Err(e) if is_disconnect(&e) => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

/// The server ended the session without being asked: say so, exit 0.
async fn closed_by_server(error: Option<io::Error>) -> io::Result<ExitCode> {
    if let Some(e) = error {
        let _ = writeln!(io::stderr(), "chat_client: {e}");
    }
    print(b"Server closed connection\n").await?;
    Ok(ExitCode::SUCCESS)
}

/// A failed send: the server is gone if the socket was reset or closed,
/// anything else is an error.
async fn closed_or_failed(e: io::Error) -> io::Result<ExitCode> {
    if is_disconnect(&e) { closed_by_server(Some(e)).await } else { Err(e) }
}

/// Errors that mean the server went away rather than that something broke.
fn is_disconnect(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}
