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
//! (`nc 127.0.0.1 8889` is a client too; this one is `nc` on reel.)
//! The protocol is in `examples/chat/PROTOCOL.md`: answer the name prompt,
//! then type lines, `/help` for commands, `/quit` to leave.
//!
//! What it does, exactly:
//!
//! - Server data is copied to stdout as it arrives, chunk by chunk, and
//!   flushed: the prompt `Welcome! Enter your name: ` has no newline and
//!   shows at once.
//! - Each line read from stdin (`reel::stream::stdin()`, non-blocking) is sent
//!   with its `\n` (one is added to a last line that lacks it).
//! - `/quit` (any case) is sent, then the client stops reading stdin, prints
//!   what the server still sends (its `Goodbye!`) and exits 0 when the
//!   server closes the connection.
//! - End of stdin (Ctrl-D, the end of a pipe or file) sends `/quit` too, so
//!   the server announces the leave, and ends the same way.
//! - After `/quit` the client waits at most 2 s for the server to close,
//!   then exits 0 anyway, with a note on stderr.
//! - The server closing on its own: `Server closed connection` on stdout,
//!   exit 0. A reset (or a broken pipe) counts as the server closing: the
//!   same line on stdout, exit 0, and the OS error as a note on stderr.
//! - A failed connect (refused, unknown host, no answer in 10 s): exactly
//!   `Cannot connect to HOST:PORT` on stderr, nothing on stdout, exit 1.
//! - Any other error (stdin or stdout failing): `chat_client: ERROR` on
//!   stderr, exit 1. Nothing panics.
//!
//! The Python it mirrors:
//!
//! ```python
//! reader, writer = await asyncio.open_connection(host, port)
//! stdin = asyncio.StreamReader()
//! await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
//! while True:
//!     done, _ = await asyncio.wait({reader.read(4096), stdin.readline()},
//!                                  return_when=asyncio.FIRST_COMPLETED)
//!     ...  # print the chunk, or send the line
//! ```

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use reel::io::Stdin;
use reel::stream::{LimitOverrun, StreamReader, StreamWriter};
use reel::sync::{Either, select};

/// How long a connect may take before it counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait, after sending `/quit`, for the server to close.
const LEAVE_TIMEOUT: Duration = Duration::from_secs(2);
/// The most one read from the server asks for.
const CHUNK: usize = 4096;
/// How long to wait before retrying a write to a full, non-blocking stdout.
const STDOUT_RETRY: Duration = Duration::from_millis(10);

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
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let args = Args::parse();
    match reel::run(chat(args.host, args.port)) {
        Ok(code) => code,
        Err(e) => {
            // `eprintln!` would panic if stderr failed; a failed note is dropped.
            let _ = writeln!(io::stderr(), "chat_client: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The whole session: connect, chat until someone leaves, say how it ended.
async fn chat(host: String, port: u16) -> io::Result<ExitCode> {
    let connected = reel::timeout(CONNECT_TIMEOUT, reel::open_connection(&host, port)).await;
    let Ok(Ok((mut server, mut writer))) = connected else {
        let _ = writeln!(io::stderr(), "Cannot connect to {host}:{port}");
        return Ok(ExitCode::FAILURE);
    };
    // Only now take fd 0: a client that cannot connect leaves it untouched.
    let mut stdin = reel::stream::stdin()?;

    // Talking: the server's bytes and the user's lines, whichever comes first.
    loop {
        // A fresh pair of futures per turn; the loser is dropped, which is
        // safe for both: a StreamReader keeps what it has read in its buffer,
        // and an unfinished `read` or `read_line` has taken nothing out of it.
        let next_line = next_line(&mut stdin, &mut writer);
        match select(server.read(CHUNK), next_line).await {
            // Server first (select is biased to the left): its output is
            // never starved by a fast stdin, such as a file.
            Either::Left(Ok(chunk)) if chunk.is_empty() => return closed_by_server(None).await,
            Either::Left(Ok(chunk)) => print(&chunk).await?,
            Either::Left(Err(e)) if is_disconnect(&e) => return closed_by_server(Some(e)).await,
            Either::Left(Err(e)) => return Err(e),

            Either::Right(Ok(line)) if line.is_empty() => {
                // End of stdin: leave as politely as `/quit` does.
                if let Err(e) = writer.write(b"/quit\n") {
                    return closed_or_failed(e).await;
                }
                break;
            }
            Either::Right(Ok(mut line)) => {
                if !line.ends_with(b"\n") {
                    line.push(b'\n'); // the last line of a file or pipe
                }
                if let Err(e) = writer.write(&line) {
                    return closed_or_failed(e).await;
                }
                if line.trim_ascii().eq_ignore_ascii_case(b"/quit") {
                    break;
                }
            }
            Either::Right(Err(e)) if LimitOverrun::is(&e) => {
                // The reader has skipped the overlong line; go on with the next.
                let _ = writeln!(io::stderr(), "chat_client: line too long, not sent");
            }
            Either::Right(Err(e)) => return Err(e), // stdin failed
        }
    }

    // Leaving: `/quit` is sent; print the goodbye until the server closes.
    drop(stdin); // fd 0 goes back to blocking now, not at exit
    match reel::timeout(LEAVE_TIMEOUT, print_until_closed(&mut server)).await {
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

/// Waits until the writer has room (backpressure, while the other side of
/// the `select` keeps printing the server's output), then reads the next
/// line of stdin: empty at end of input.
async fn next_line(
    stdin: &mut StreamReader<Stdin>,
    writer: &mut StreamWriter,
) -> io::Result<Vec<u8>> {
    // A drain fails only if the connection did; that is reported by the
    // next `write`, which returns the same error, so the errors of this
    // function are stdin's alone.
    let _ = writer.drain().await;
    stdin.read_line().await
}

/// Prints what the server sends until it closes the connection (or resets it).
async fn print_until_closed(server: &mut StreamReader) -> io::Result<()> {
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

/// Writes `data` to stdout and flushes it, without blocking the loop.
///
/// In a terminal, fds 0 and 1 are usually one open file description, so
/// while `reel::stream::stdin()` keeps fd 0 non-blocking, fd 1 is non-blocking
/// too, and a write to a slow (or Ctrl-S paused) terminal fails with
/// `WouldBlock` (the ground rules of `reel::io::Stdin`). reel has no async
/// stdout, so this is the corner cut: such a write is retried after a short
/// sleep on the loop, rather than waiting for fd 1 in the reactor. A pipe or
/// a file as stdout never gets here.
async fn print(mut data: &[u8]) -> io::Result<()> {
    // `write`, not `write_all`: after an error it is known what was taken.
    while !data.is_empty() {
        match io::stdout().write(data) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => data = &data[n..],
            Err(e) => retry_later(e).await?,
        }
    }
    loop {
        match io::stdout().flush() {
            Ok(()) => return Ok(()),
            Err(e) => retry_later(e).await?,
        }
    }
}

/// Returns once a failed stdout write may be retried, or the error if it may not.
async fn retry_later(e: io::Error) -> io::Result<()> {
    match e.kind() {
        io::ErrorKind::Interrupted => Ok(()),
        io::ErrorKind::WouldBlock => {
            reel::sleep(STDOUT_RETRY).await;
            Ok(())
        }
        _ => Err(e),
    }
}
