//! hyper on reel (the optional feature `hyper`; `hyper-h2` adds HTTP/2).
//!
//! hyper 1.x brings no runtime of its own: it asks for four things through
//! `hyper::rt` and runs on whatever supplies them. This module supplies them
//! from reel, so hyper's HTTP/1.1 and HTTP/2 servers and clients, and the
//! frameworks above them (axum's `Router` is a `tower::Service`), run on
//! reel's loop:
//!
//! | hyper asks for | reel gives | asyncio | tokio (hyper-util) |
//! |---|---|---|---|
//! | `rt::Read` + `rt::Write` | [`HyperIo`] around a `TcpStream`, `UnixStream` or `TlsStream` | a transport | `TokioIo` |
//! | `rt::Timer` (header and keep-alive timeouts, HTTP/2 pings) | [`HyperTimer`]: the loop's timers | `loop.call_later` | `TokioTimer` |
//! | `rt::Executor` (HTTP/2 runs each stream as a task) | [`HyperExecutor`]: `reel::spawn` | `loop.create_task` | `TokioExecutor` |
//!
//! ```no_run
//! use hyper::server::conn::http1;
//! use hyper::service::service_fn;
//! use reel::hyper::{HyperIo, HyperTimer};
//!
//! reel::run(async {
//!     let listener = reel::net::TcpListener::bind("127.0.0.1:8080").expect("bind");
//!     while let Ok((stream, _peer)) = listener.accept().await {
//!         reel::spawn(async move {
//!             let service = service_fn(|_request| async {
//!                 Ok::<_, std::convert::Infallible>(hyper::Response::new(
//!                     http_body_util::Full::new(hyper::body::Bytes::from("hello\n")),
//!                 ))
//!             });
//!             let served = http1::Builder::new()
//!                 .timer(HyperTimer)
//!                 .serve_connection(HyperIo::new(stream), service)
//!                 .await;
//!             if let Err(e) = served {
//!                 log::info!("connection: {e}");
//!             }
//!         });
//!     }
//! });
//! ```
//!
//! Ground rules: everything here runs on the loop's thread. hyper's futures
//! need not be `Send` on reel ([`HyperExecutor`] spawns `!Send` futures on
//! the current loop), but hyper requires its sleeps to be `Send + Sync`, so
//! [`HyperTimer`]'s sleep holds plain data (a deadline and a timer id) and
//! finds the loop when polled; polling one on a thread with no running loop
//! panics with a message saying so.

mod executor;
mod io;
mod timer;

pub use executor::HyperExecutor;
pub use io::HyperIo;
pub use timer::HyperTimer;
