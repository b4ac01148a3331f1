//! An HTTP/1.1 server on reel: static files, a few routes, keep-alive,
//! pipelining, timeouts, workers on SO_REUSEPORT, graceful stop.
//! Its behaviour, exactly, is in SPEC.md here.
//!
//! Run it and connect:
//!
//! ```text
//! cargo run --release --example http                   # the demo site, on 127.0.0.1:8080
//! cargo run --release --example http -- -r ./some/dir   # your own folder
//! curl -i http://127.0.0.1:8080/                        # index.html, or a hello page
//! curl -i http://127.0.0.1:8080/status
//! curl -i --data-binary @file http://127.0.0.1:8080/echo
//! cargo run --release --example http -- --help          # every flag
//! ```
//!
//! HTTPS, with the feature `tls` and a certificate (ALPN `http/1.1`):
//!
//! ```text
//! cargo run --release --features tls --example http -- --tls-cert cert.pem --tls-key key.pem
//! curl --cacert ca.pem https://localhost:8080/
//! ```
//!
//! Prints exactly one stdout line, `listening on http://IP:PORT`, once every
//! worker accepts connections. Logs go to stderr (or `--log-file`); `--log`
//! is an env_logger filter: `--log warn` silences the access log,
//! `--log reel=trace,info` shows every tick of the loop.
//!
//! Adding a route: one call in `App::new` (routes.rs), before the static
//! files, which any route wins over:
//!
//! ```text
//! app.route("/hello", |req| async move {
//!     Response::text(200, format!("hello, {}\n", req.peer))
//! });
//! ```
//!
//! The modules, in the order a request meets them: `workers` (threads,
//! listeners, signals), `conn` (one connection's request loop), `transport`
//! (plain TCP or TLS, and the handshake), `input`
//! (reading: buffer, timeouts, bodies), `chunked` (the chunked body
//! decoder), `parse` (httparse and the framing rules), `target` (the
//! request target: path, query, decoding), `routes` (the app and its
//! handlers), `files` (static files), `cache` (what paths resolved to, for
//! a second), `ranges` (the `Range` header), `response` (the response type
//! and its head), `buffers` (read and write buffers, lent while a
//! connection is busy), `mime` (content types), `clock` (dates), `config`
//! (the settings from the command line). Imports run down this list's
//! layers, never back up. `chunked`, `parse`, `target` and `ranges` depend
//! on nothing else here: the fuzz targets include them.

mod buffers;
mod cache;
mod chunked;
mod clock;
mod config;
mod conn;
mod files;
mod headers;
mod input;
mod mime;
mod output;
mod parse;
mod ranges;
mod response;
mod routes;
mod target;
mod transport;
mod workers;

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::config::Config;

/// An HTTP/1.1 server on reel: static files, a few routes, keep-alive, one
/// loop per worker thread.
///
/// Try it: run `cargo run --release --example http`, then
/// `curl -i http://127.0.0.1:8080/` in another terminal.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The directory to serve files from [default: the demo site,
    /// examples/http/site/].
    #[arg(short, long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Worker threads, each with its own loop and SO_REUSEPORT listener.
    #[arg(short, long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..=workers::MAX_WORKERS as i64))]
    workers: u16,
    /// Log filter, env_logger syntax (`info`, `warn`, `access=off,info`).
    #[arg(long, value_name = "LEVEL", default_value = "info")]
    log: String,
    /// Write the logs to this file instead of stderr.
    #[arg(long, value_name = "PATH")]
    log_file: Option<PathBuf>,
    /// The largest request body, in bytes (else 413).
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024)]
    max_body: u64,
    /// Close a keep-alive connection idle this long, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    keepalive_timeout: f64,
    /// A request head must arrive within this many seconds of its first
    /// byte (else 408).
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    header_timeout: f64,
    /// A request body may pause this long between two reads (else 408).
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    body_timeout: f64,
    /// A client that takes no byte of a response for this long is
    /// disconnected.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    send_timeout: f64,
    /// Files are fresh for this many seconds: `Cache-Control: max-age=SECS`
    /// (default: none, as nginx; a cache then guesses from Last-Modified).
    #[arg(long, value_name = "SECS")]
    max_age: Option<u64>,
    /// Serve HTTPS with this certificate chain (PEM, leaf first); needs
    /// --tls-key and a build with `--features tls`.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

/// What `/` shows when no `--root` is given: a page with a module script, a
/// classic one, a stylesheet, a web font and an image.
const DEMO_SITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/http/site");

fn main() {
    let args = Args::parse();
    if let Err(e) = start_logging(&args) {
        eprintln!("http: --log-file {}: {e}", args.log_file.unwrap_or_default().display());
        std::process::exit(1);
    }
    let seconds = |s: f64| Duration::try_from_secs_f64(s).unwrap_or(Duration::MAX);
    let config = Config {
        max_body: args.max_body,
        keepalive_timeout: seconds(args.keepalive_timeout),
        header_timeout: seconds(args.header_timeout),
        body_timeout: seconds(args.body_timeout),
        send_timeout: seconds(args.send_timeout),
        max_age: args.max_age,
        tls: tls_config(&args).unwrap_or_else(|e| {
            eprintln!("http: {e}");
            std::process::exit(1);
        }),
    };
    let root = args.root.clone().unwrap_or_else(|| PathBuf::from(DEMO_SITE));
    if !root.is_dir() {
        eprintln!("http: --root {}: not a directory", root.display());
        std::process::exit(1);
    }
    let workers = usize::from(args.workers);
    if let Err(e) = workers::run(&args.host, args.port, workers, root, config) {
        eprintln!("http: {e}");
        std::process::exit(1);
    }
}

/// The TLS configuration of `--tls-cert` and `--tls-key`, if given.
#[cfg(feature = "tls")]
fn tls_config(args: &Args) -> std::io::Result<Option<config::TlsConfig>> {
    let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) else { return Ok(None) };
    reel::tls::server_config(cert, key, &[b"http/1.1"]).map(Some)
}

/// Without the feature `tls`, `--tls-cert` is an error that says so.
#[cfg(not(feature = "tls"))]
fn tls_config(args: &Args) -> std::io::Result<Option<config::TlsConfig>> {
    if args.tls_cert.is_some() {
        let e = "--tls-cert: this build has no TLS; build it with `--features tls`";
        return Err(std::io::Error::new(std::io::ErrorKind::Unsupported, e));
    }
    Ok(None)
}

/// env_logger with `--log` as its filter, to stderr or `--log-file`.
fn start_logging(args: &Args) -> std::io::Result<()> {
    let mut builder = env_logger::Builder::new();
    builder.parse_filters(&args.log);
    if let Some(path) = &args.log_file {
        // Appended to, as a log file is: a restart keeps what came before.
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        builder.target(env_logger::Target::Pipe(Box::new(file)));
    }
    builder.init();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_spec() {
        let args = Args::parse_from(["http"]);
        assert_eq!((args.host.as_str(), args.port, args.workers), ("127.0.0.1", 8080, 1));
        assert_eq!(
            (args.root, args.log.as_str(), args.max_body, args.max_age),
            (None, "info", 1 << 20, None)
        );
        assert!(PathBuf::from(DEMO_SITE).join("index.html").is_file());
        assert_eq!((args.keepalive_timeout, args.header_timeout), (5.0, 10.0));
        assert_eq!((args.body_timeout, args.send_timeout), (10.0, 30.0));
    }
}
