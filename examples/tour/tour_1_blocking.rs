//! The tour, step 1: an echo server on blocking sockets, one client at a
//! time. The course's first server (`serversocket.accept()`, then
//! `clientsocket.recv(1024)` until it returns `b''`), in Rust with nothing
//! but std. Read doc/tour.md, "Step 1", beside it.
//!
//! ```text
//! cargo run --example tour_1_blocking -- --port 9090
//! nc 127.0.0.1 9090      # then a second nc: it waits for the first to leave
//! ```

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

use clap::Parser;

/// Step 1 of the tour: a blocking echo server.
#[derive(Parser)]
struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 9090)]
    port: u16,
}

fn main() -> io::Result<()> {
    let args = Args::parse();
    let listener = TcpListener::bind(("127.0.0.1", args.port))?;
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;
    // `accept` blocks until a client arrives; while one client is served
    // below, the next one waits in the kernel's backlog.
    for client in listener.incoming() {
        match client {
            Ok(stream) => {
                if let Err(e) = serve(stream) {
                    eprintln!("client: {e}");
                }
            }
            Err(e) => eprintln!("accept: {e}"),
        }
    }
    Ok(())
}

/// Echoes one client until it closes: `read` blocks until bytes come (or
/// the end: 0), `write_all` until the kernel has taken them all.
fn serve(mut stream: TcpStream) -> io::Result<()> {
    let peer = stream.peer_addr()?;
    eprintln!("new client {peer}");
    let mut buf = [0; 1024];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            eprintln!("bye-bye {peer}");
            return Ok(());
        }
        stream.write_all(&buf[..n])?;
    }
}
