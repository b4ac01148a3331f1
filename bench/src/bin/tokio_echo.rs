//! The echo server as a tokio user writes it: bind, accept in a loop, spawn a
//! task per connection with a 4 KiB buffer on its stack and Nagle off,
//! `read` then `write_all`.
//! The peer that reel's echo example is measured against (bench/run.sh).
//!
//! ```text
//! cargo run --release -p reel-bench --bin tokio_echo -- --flavor current_thread --port 0
//! nc 127.0.0.1 PORT
//! ```

use std::io::{self, Write};

use clap::{Parser, ValueEnum};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A TCP echo server on tokio.
#[derive(Parser, Debug)]
#[command(about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8888)]
    port: u16,
    /// Which tokio runtime runs the server.
    #[arg(long, value_enum, default_value_t = Flavor::CurrentThread)]
    flavor: Flavor,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
#[value(rename_all = "snake_case")]
enum Flavor {
    CurrentThread,
    MultiThread,
}

fn main() -> io::Result<()> {
    let args = Args::parse();
    let runtime = match args.flavor {
        Flavor::CurrentThread => {
            tokio::runtime::Builder::new_current_thread().enable_all().build()?
        }
        Flavor::MultiThread => tokio::runtime::Builder::new_multi_thread().enable_all().build()?,
    };
    runtime.block_on(serve(args))
}

async fn serve(args: Args) -> io::Result<()> {
    let listener = TcpListener::bind((args.host.as_str(), args.port)).await?;
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("accept: {e}");
                continue;
            }
        };
        tokio::spawn(async move {
            if let Err(e) = echo(stream).await {
                eprintln!("{peer}: {e}");
            }
        });
    }
}

async fn echo(mut stream: TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        stream.write_all(&buf[..n]).await?;
    }
}
