//! The tour, step 4: the same echo server on reel. Step 3's machinery is
//! the library now (`reel::run` is the loop, `accept` and `read` park the
//! task with the reactor, `timeout` is a timer); what is left is the
//! server, as the course's asyncio version reads. Read doc/tour.md,
//! "Step 4", for how to watch this loop: its trace, its task table, gdb.
//!
//! ```text
//! RUST_LOG=reel=trace cargo run --example tour_4_reel -- --port 9090
//! ```

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use reel::net::{TcpListener, TcpStream};

/// Step 4 of the tour: an echo server on reel.
#[derive(Parser)]
struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 9090)]
    port: u16,
    /// Seconds a client may stay silent before it is closed.
    #[arg(long, default_value_t = 10.0)]
    idle_timeout: f64,
}

fn main() -> io::Result<()> {
    let args = Args::parse();
    // `RUST_LOG=reel=trace` shows every tick of the loop.
    env_logger::init();
    let idle = Duration::try_from_secs_f64(args.idle_timeout).unwrap_or(Duration::MAX);
    reel::run(async move {
        let listener = TcpListener::bind(("127.0.0.1", args.port))?;
        println!("listening on {}", listener.local_addr()?);
        // `kill -USR1 PID` prints the loop's tasks: what each waits on.
        let _table = reel::print_tasks_on(reel::signal::SignalKind::user_defined1())?;
        loop {
            let (stream, peer) = listener.accept().await?;
            reel::spawn_named(&format!("client {peer}"), echo(stream, peer, idle));
        }
    })
}

/// One client: what it sends, back, until it closes or stays silent for
/// `idle` (asyncio: `await asyncio.wait_for(reader.read(1024), idle)`).
async fn echo(mut stream: TcpStream, peer: SocketAddr, idle: Duration) {
    eprintln!("new client {peer}");
    let mut buf = [0; 1024];
    loop {
        let n = match reel::timeout(idle, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => n,
            Ok(_) => break, // the end, or an error
            Err(_) => {
                eprintln!("idle client closed");
                break;
            }
        };
        if stream.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    eprintln!("bye-bye {peer}");
}
