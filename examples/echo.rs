//! The echo server every asyncio course starts with, on reel.
//!
//! Run it and connect:
//!
//! ```text
//! cargo run --release --example echo            # listens on 127.0.0.1:8888
//! cargo run --release --example echo -- --port 0  # any free port
//! nc 127.0.0.1 8888                             # type a line, get it back
//! ```
//!
//! Prints exactly one line on stdout, `listening on IP:PORT`, once it accepts
//! connections; connects and disconnects are logged on stderr (`RUST_LOG`
//! sets the level, default `info`; `RUST_LOG=reel=trace` shows every tick).
//!
//! The Python it mirrors:
//!
//! ```python
//! async def handle(reader, writer):
//!     while data := await reader.read(4096):
//!         writer.write(data)
//!         await writer.drain()
//! ```

use std::io::{self, Write};
use std::net::SocketAddr;

use clap::Parser;
use reel::net::{TcpListener, TcpStream};

/// A TCP echo server on reel: every byte a client sends comes back.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8888)]
    port: u16,
}

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let args = Args::parse();
    if let Err(e) = reel::run(serve(args)) {
        eprintln!("echo: {e}");
        std::process::exit(1);
    }
}

async fn serve(args: Args) -> io::Result<()> {
    let listener = TcpListener::bind((args.host.as_str(), args.port))?;
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                reel::spawn(handle(stream, peer));
            }
            // EMFILE and friends: keep serving the connections we have.
            Err(e) => {
                log::warn!("accept failed: {e}");
                reel::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

/// Echoes until the client closes (EOF) or the connection fails.
async fn handle(mut stream: TcpStream, peer: SocketAddr) {
    log::info!("{peer} connected");
    match echo(&mut stream).await {
        Ok(bytes) => log::info!("{peer} disconnected after {bytes} bytes"),
        Err(e) => log::info!("{peer} dropped: {e}"),
    }
}

async fn echo(stream: &mut TcpStream) -> io::Result<u64> {
    let mut buf = vec![0; 4096];
    let mut total = 0;
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(total);
        }
        stream.write_all(&buf[..n]).await?;
        total += n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::time::Duration;

    #[test]
    fn echo_returns_every_byte_and_counts_them() {
        let counted = reel::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let client = reel::spawn_blocking(move || {
                let mut client = std::net::TcpStream::connect(addr).unwrap();
                client.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let message = vec![7u8; 100_000];
                client.write_all(&message).unwrap();
                client.shutdown(std::net::Shutdown::Write).unwrap();
                let mut back = Vec::new();
                client.read_to_end(&mut back).unwrap();
                back == message
            });
            let (mut stream, _) = listener.accept().await.unwrap();
            let counted = echo(&mut stream).await.unwrap();
            drop(stream);
            assert!(client.await.unwrap(), "the client got its bytes back");
            counted
        });
        assert_eq!(counted, 100_000);
    }

    #[test]
    fn defaults_match_the_readme() {
        let args = Args::parse_from(["echo"]);
        assert_eq!((args.host.as_str(), args.port), ("127.0.0.1", 8888));
    }
}
