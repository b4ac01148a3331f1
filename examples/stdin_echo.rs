//! Reads standard input on the loop and echoes each chunk to stdout.
//!
//! Run it:
//!
//! ```text
//! cargo run --example stdin_echo                          # type lines; Ctrl-D ends
//! printf 'one\ntwo\n' | cargo run --example stdin_echo    # a pipe
//! cargo run --example stdin_echo < Cargo.toml             # a regular file
//! cargo run --example stdin_echo -- --tick-ms 500         # and a ticker on stderr
//! ```
//!
//! Each chunk read becomes `got: CHUNK` on stdout (with a newline added if
//! the chunk has none); at end of input it prints `eof after N bytes` and
//! exits 0. On stderr it says first how stdin is read (`stdin: polled` for
//! a pipe, socket or terminal, `stdin: read directly` for a file), and with
//! `--tick-ms` prints `tick N` that often: the ticks keep coming while the
//! read waits, because waiting for stdin does not block the loop.
//!
//! The Python it mirrors:
//!
//! ```python
//! reader = asyncio.StreamReader()
//! await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
//! while chunk := await reader.read(4096):
//!     print("got:", chunk.decode(errors="replace"), end="")
//! ```

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use reel::io::Stdin;

/// Echoes standard input, chunk by chunk, without blocking the event loop:
/// reel's `Stdin` (asyncio: `loop.connect_read_pipe` on `sys.stdin`).
///
/// Try it: `printf 'one\ntwo\n' | cargo run --example stdin_echo`, or run
/// it in a terminal with `-- --tick-ms 500` and type lines (Ctrl-D ends).
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Also print `tick N` on stderr every this many milliseconds.
    #[arg(long)]
    tick_ms: Option<u64>,
    /// Read whole lines through `reel::stream::stdin()` (a StreamReader) and
    /// print each as `line: TEXT`.
    #[arg(long)]
    lines: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let run = if args.lines { reel::run(echo_lines()) } else { reel::run(echo(args.tick_ms)) };
    match run {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stdin_echo: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `--lines`: the StreamReader flavour, `while line := await reader.readline()`.
async fn echo_lines() -> io::Result<()> {
    let mut reader = reel::stream::stdin()?;
    let mut count = 0;
    loop {
        let line = reader.read_line().await?;
        if line.is_empty() {
            break;
        }
        count += 1;
        let text = String::from_utf8_lossy(&line);
        let mut stdout = io::stdout().lock();
        writeln!(stdout, "line: {}", text.trim_end_matches(['\r', '\n']))?;
        stdout.flush()?;
    }
    println!("eof after {count} lines");
    Ok(())
}

async fn echo(tick_ms: Option<u64>) -> io::Result<()> {
    if let Some(ms) = tick_ms.filter(|&ms| ms > 0) {
        // Cancelled when `echo` returns and the loop stops.
        reel::spawn_named("ticker", tick(Duration::from_millis(ms)));
    }
    let mut stdin = Stdin::new()?;
    eprintln!("stdin: {}", if stdin.is_polled() { "polled" } else { "read directly" });
    let mut buf = vec![0; 4096];
    let mut total = 0;
    loop {
        let n = stdin.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        total += n;
        let chunk = String::from_utf8_lossy(&buf[..n]);
        let newline = if chunk.ends_with('\n') { "" } else { "\n" };
        // A blocking write to stdout, flushed so a reader sees each chunk at
        // once; fine for a demo (a real program would put stdout on the loop).
        let mut stdout = io::stdout().lock();
        write!(stdout, "got: {chunk}{newline}")?;
        stdout.flush()?;
    }
    println!("eof after {total} bytes");
    Ok(())
}

async fn tick(period: Duration) {
    let mut interval = reel::time::interval(period);
    for n in 1.. {
        interval.tick().await;
        eprintln!("tick {n}");
    }
}
