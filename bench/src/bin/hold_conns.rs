//! Opens many idle connections to a server and holds them, so bench/run.sh can
//! read the server's resident memory per idle connection.
//!
//! ```text
//! cargo run --release -p reel-bench --bin hold_conns -- --port PORT --count 10000 --hold 5
//! ```
//!
//! Prints `held N` once all N are connected, sleeps `--hold` seconds, and
//! exits, which closes them all. Plain blocking std sockets: nothing here is
//! measured.

use std::io::{self, Write};
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

use clap::Parser;

/// Holds idle connections open.
#[derive(Parser, Debug)]
#[command(about)]
struct Args {
    /// The server's address.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The server's port.
    #[arg(long)]
    port: u16,
    /// How many connections to open.
    #[arg(long, default_value_t = 10_000)]
    count: usize,
    /// Seconds to hold them before exiting.
    #[arg(long, default_value_t = 5.0)]
    hold: f64,
}

fn main() -> io::Result<()> {
    let args = Args::parse();
    let mut held = Vec::with_capacity(args.count);
    for i in 0..args.count {
        let stream = TcpStream::connect((args.host.as_str(), args.port))
            .map_err(|e| io::Error::new(e.kind(), format!("connection {i}: {e}")))?;
        held.push(stream);
    }
    println!("held {}", held.len());
    io::stdout().flush()?;
    thread::sleep(Duration::try_from_secs_f64(args.hold).unwrap_or(Duration::ZERO));
    Ok(())
}
