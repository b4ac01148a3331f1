//! A hello page on hyper 1.x, written the way a hyper user writes it: accept
//! in a loop, one `http1` connection per socket (keep-alive on, hyper's
//! default), served by a `service_fn` in a spawned task. On tokio
//! current_thread (the default) it is the peer that reel's HTTP example is
//! measured against (`bench/run.sh http`); with `--runtime reel` the same
//! service runs on reel through `reel::hyper` (`bench/run.sh axum`).
//!
//! The body is the bytes of `--body FILE` (bench/run.sh passes reel's own hello
//! page, fetched from it, so both send the same bytes) or, without it, a small
//! built-in page.
//!
//! ```text
//! cargo run --release -p reel-bench --bin hyper_hello -- --port 0
//! curl -i http://127.0.0.1:PORT/
//! ```

use std::convert::Infallible;
use std::io::{self, Write};
use std::path::PathBuf;

use clap::Parser;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue, SERVER};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const DEFAULT_BODY: &str = "<!DOCTYPE html>\n<html><head><title>reel</title></head>\
<body><h1>Hello from reel</h1></body></html>\n";

/// An HTTP/1.1 hello server on hyper.
#[derive(Parser, Debug)]
#[command(about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The page's bytes (text/html); a built-in hello page without it.
    #[arg(long)]
    body: Option<PathBuf>,
    /// The runtime under hyper.
    #[arg(long, value_enum, default_value = "tokio")]
    runtime: Runtime,
}

/// Which runtime runs hyper.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum Runtime {
    /// tokio's current_thread runtime, with hyper-util's `TokioIo`.
    Tokio,
    /// reel, with `reel::hyper::HyperIo`.
    Reel,
}

fn main() -> io::Result<()> {
    let args = Args::parse();
    let body = match &args.body {
        Some(path) => Bytes::from(std::fs::read(path)?),
        None => Bytes::from_static(DEFAULT_BODY.as_bytes()),
    };
    match args.runtime {
        Runtime::Tokio => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(serve(args, body)),
        Runtime::Reel => reel::run(serve_on_reel(args, body)),
    }
}

/// `serve`, on reel: the same loop, the same builder, the same service.
async fn serve_on_reel(args: Args, body: Bytes) -> io::Result<()> {
    let listener = reel::net::TcpListener::bind((args.host.as_str(), args.port))?;
    println!("listening on http://{}", listener.local_addr()?);
    io::stdout().flush()?;
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("accept: {e}");
                continue;
            }
        };
        let body = body.clone();
        reel::spawn(async move {
            let service = service_fn(move |req| hello(req, body.clone()));
            if let Err(e) = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(reel::hyper::HyperIo::new(stream), service)
                .await
            {
                eprintln!("{peer}: {e}");
            }
        });
    }
}

async fn serve(args: Args, body: Bytes) -> io::Result<()> {
    let listener = TcpListener::bind((args.host.as_str(), args.port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    io::stdout().flush()?;
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("accept: {e}");
                continue;
            }
        };
        let body = body.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| hello(req, body.clone()));
            if let Err(e) = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                eprintln!("{peer}: {e}");
            }
        });
    }
}

async fn hello(req: Request<Incoming>, body: Bytes) -> Result<Response<Full<Bytes>>, Infallible> {
    if req.uri().path() != "/" {
        let mut response = Response::new(Full::new(Bytes::from_static(b"404 Not Found\n")));
        *response.status_mut() = StatusCode::NOT_FOUND;
        return Ok(response);
    }
    let mut response = Response::new(Full::new(body));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
    headers.insert(SERVER, HeaderValue::from_static("hyper"));
    Ok(response)
}
