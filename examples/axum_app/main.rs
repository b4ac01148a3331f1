//! An axum application served by hyper on reel: the course's last web step
//! (its own loop running a real framework's application through a standard
//! interface, WSGI there) done the Rust way. The interface is hyper's
//! runtime traits below and `tower::Service` above: reel supplies the first
//! (`reel::hyper`), axum's `Router` is the second. No tokio runtime in the
//! build: the tokio crate comes in only as hyper's channels (its `sync`
//! feature) and, with `hyper-h2`, the I/O traits h2 is written against
//! (`cargo tree -e features --features axum,hyper-h2 -i tokio` shows it).
//!
//! Run it and connect:
//!
//! ```text
//! cargo run --release --example axum_app --features axum          # 127.0.0.1:3000
//! curl http://127.0.0.1:3000/json
//! curl 'http://127.0.0.1:3000/search?q=reel&limit=3'
//! curl --data-binary @big.file http://127.0.0.1:3000/echo > copy  # streamed both ways
//! cargo run --release --example axum_app --features axum,hyper-h2 # and HTTP/2 (h2c)
//! curl --http2-prior-knowledge http://127.0.0.1:3000/users/7
//! cargo run --release --example axum_app --features axum,hyper-h2,tls -- \
//!     --tls-cert cert.pem --tls-key key.pem                        # HTTPS, h2 by ALPN
//! ```
//!
//! Prints one line on stdout, `listening on http://IP:PORT` (or https), once
//! it accepts connections. One port speaks HTTP/1.1 and, built with
//! `hyper-h2`, HTTP/2 with prior knowledge (a connection that opens with
//! HTTP/2's preface) and, over TLS, HTTP/2 when ALPN picks `h2`.
//! SIGINT or SIGTERM: stop accepting, let every connection finish the
//! requests it has begun (hyper's `graceful_shutdown`), then exit 0; after
//! `--grace SECS` the rest are dropped.
//!
//! The routes are in `app.rs`; serving them is `serve.rs`.

mod app;
mod preface;
mod serve;
#[cfg(feature = "tls")]
mod tls;

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

/// axum's Router served by hyper on reel.
#[derive(Parser, Debug)]
#[command(about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// Seconds a client has to send a request's head (hyper's
    /// `header_read_timeout`); a client that stalls is disconnected.
    #[arg(long, default_value_t = 30.0)]
    header_timeout: f64,
    /// Seconds to wait, after SIGINT or SIGTERM, for requests in flight.
    #[arg(long, default_value_t = 30.0)]
    grace: f64,
    /// A PEM certificate chain: serve HTTPS (needs the `tls` feature).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The PEM private key for `--tls-cert`.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let args = Args::parse();
    let options = serve::Options {
        header_timeout: Duration::from_secs_f64(args.header_timeout),
        grace: Duration::from_secs_f64(args.grace),
    };
    let served = reel::run(async move {
        let listener = reel::net::TcpListener::bind((args.host.as_str(), args.port))?;
        let tls = acceptor(&args)?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        println!("listening on {scheme}://{}", listener.local_addr()?);
        io::stdout().flush()?;
        serve::serve(listener, app::router(), tls, options).await
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "tls")]
fn acceptor(args: &Args) -> io::Result<Option<serve::Acceptor>> {
    match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => tls::acceptor(cert, key).map(Some),
        _ => Ok(None),
    }
}

#[cfg(not(feature = "tls"))]
fn acceptor(args: &Args) -> io::Result<Option<serve::Acceptor>> {
    if args.tls_cert.is_some() {
        return Err(io::Error::other("--tls-cert needs the tls feature: --features axum,tls"));
    }
    Ok(None)
}
