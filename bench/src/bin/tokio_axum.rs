//! The axum example's application (`examples/axum_app/app.rs`, the same
//! file) served the way a tokio user serves it: `axum::serve` on tokio's
//! current_thread runtime, HTTP/1.1 and h2c on one port. The peer that
//! `bench/run.sh axum` measures reel's `axum_app` against.
//!
//! ```text
//! cargo run --release -p reel-bench --bin tokio_axum -- --port 0
//! curl http://127.0.0.1:PORT/json
//! ```

#[path = "../../../examples/axum_app/app.rs"]
mod app;

use std::io::{self, Write};

use clap::Parser;

/// axum on tokio current_thread.
#[derive(Parser, Debug)]
#[command(about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 3000)]
    port: u16,
}

fn main() -> io::Result<()> {
    let args = Args::parse();
    tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port)).await?;
        println!("listening on http://{}", listener.local_addr()?);
        io::stdout().flush()?;
        axum::serve(listener, app::router()).await
    })
}
