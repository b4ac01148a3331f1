//! Serving the Router: the accept loop, one task per connection, which
//! protocol each connection speaks, and the graceful stop.
//!
//! Each connection is one hyper connection future in one reel task: hyper
//! reads requests, calls the Router (a `tower::Service`) for each, and
//! writes the responses. HTTP/2 runs each stream as a task of its own,
//! through `HyperExecutor`.

use std::cell::Cell;
use std::future::{Future, poll_fn};
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use reel::hyper::{HyperIo, HyperTimer};
use reel::io::{AsyncRead, AsyncWrite};
use reel::net::{TcpListener, TcpStream};
use reel::sync::Event;
use tower_service::Service;

/// A TLS server configuration (`--tls-cert`); with no `tls` feature there
/// is none to have.
#[cfg(feature = "tls")]
pub type Acceptor = std::sync::Arc<reel::tls::rustls::ServerConfig>;
#[cfg(not(feature = "tls"))]
#[derive(Clone)]
pub enum Acceptor {}

/// How long a TLS client has for its handshake.
#[cfg(feature = "tls")]
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(10);

/// The command line's timeouts.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// hyper's `header_read_timeout`.
    pub header_timeout: Duration,
    /// After the stop signal, how long requests in flight may take.
    pub grace: Duration,
}

/// What the accept loop and the connections share for the stop.
#[derive(Default)]
struct Stop {
    /// Set by the stop signal: each connection then asks hyper to finish
    /// the request in hand and close.
    requested: Event,
    /// Connections still open.
    live: Cell<usize>,
    /// Set when the last connection closed after the stop.
    drained: Event,
}

/// Accepts until SIGINT or SIGTERM, then waits up to `options.grace` for
/// the connections to finish what they have begun.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    tls: Option<Acceptor>,
    options: Options,
) -> io::Result<()> {
    let stop = Rc::new(Stop::default());
    let mut signal = pin!(reel::signal::stop_signal()?);
    let spawn = |(stream, peer)| spawn_connection(stream, peer, &router, &tls, options, &stop);
    let kind = loop {
        let mut accept = pin!(listener.accept());
        let next = poll_fn(|cx| match signal.as_mut().poll(cx) {
            Poll::Ready(kind) => Poll::Ready(Err(kind)),
            Poll::Pending => accept.as_mut().poll(cx).map(Ok),
        })
        .await;
        match next {
            Ok(Ok(accepted)) => spawn(accepted),
            // EMFILE and the like: this client is refused, the server goes on.
            Ok(Err(e)) => log::warn!("accept: {e}"),
            Err(kind) => break kind,
        }
    };
    // Connections the kernel completed before the stop are clients that may
    // have sent a request already: served like the others, not reset.
    while let Ok(accepted) = listener.accept_now() {
        spawn(accepted);
    }
    drop(listener);
    log::info!("{kind:?}: no new connections; finishing the requests in flight");
    stop.requested.set();
    if stop.live.get() > 0 && reel::timeout(options.grace, stop.drained.wait()).await.is_err() {
        log::warn!("{} connections still open after {:?}: dropped", stop.live.get(), options.grace);
    }
    Ok(())
}

/// Serves one accepted connection in a task of its own, counted in `stop`.
fn spawn_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: &Router,
    tls: &Option<Acceptor>,
    options: Options,
    stop: &Rc<Stop>,
) {
    stop.live.set(stop.live.get() + 1);
    let (router, tls, stop) = (router.clone(), tls.clone(), stop.clone());
    reel::spawn_named(&format!("connection {peer}"), async move {
        if let Err(e) = connection(stream, peer, router, tls, options, &stop).await {
            log::info!("{peer}: {e}");
        }
        stop.live.set(stop.live.get() - 1);
        if stop.live.get() == 0 && stop.requested.is_set() {
            stop.drained.set();
        }
    });
}

/// One connection: TLS if configured, then HTTP/1.1 or HTTP/2.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    tls: Option<Acceptor>,
    options: Options,
    stop: &Stop,
) -> io::Result<()> {
    stream.set_nodelay(true)?;
    match tls {
        #[cfg(feature = "tls")]
        Some(config) => {
            let stream =
                reel::tls::TlsStream::accept_within(stream, config, HANDSHAKE_LIMIT).await?;
            let h2 = stream.alpn_protocol().as_deref() == Some(b"h2");
            speak(HyperIo::new(stream), h2, peer, router, options, stop).await
        }
        #[cfg(not(feature = "tls"))]
        Some(never) => match never {},
        None => {
            let sniffed = reel::timeout(options.header_timeout, crate::preface::sniff(stream));
            let (stream, h2) = sniffed.await.map_err(|_| io::ErrorKind::TimedOut)??;
            speak(HyperIo::new(stream), h2, peer, router, options, stop).await
        }
    }
}

/// Serves `io` with hyper, HTTP/2 if `h2`, until the client closes, or
/// until the stop, when hyper finishes the requests begun and closes.
async fn speak<T>(
    io: HyperIo<T>,
    h2: bool,
    peer: SocketAddr,
    router: Router,
    options: Options,
    stop: &Stop,
) -> io::Result<()>
where
    T: AsyncRead + AsyncWrite + Unpin + 'static,
{
    let service = service_fn(move |request: hyper::Request<Incoming>| router.clone().call(request));
    let served = if h2 {
        #[cfg(feature = "hyper-h2")]
        {
            let mut builder = hyper::server::conn::http2::Builder::new(reel::hyper::HyperExecutor);
            let conn = builder.timer(HyperTimer).serve_connection(io, service);
            until_stopped(conn, |conn| conn.graceful_shutdown(), stop).await
        }
        #[cfg(not(feature = "hyper-h2"))]
        unreachable!("h2 is chosen only when built with hyper-h2")
    } else {
        let mut builder = http1::Builder::new();
        builder.timer(HyperTimer).header_read_timeout(options.header_timeout);
        let conn = builder.serve_connection(io, service);
        until_stopped(conn, |conn| conn.graceful_shutdown(), stop).await
    };
    served.map_err(|e| io::Error::other(format!("{} ({peer})", e)))
}

/// Drives a hyper connection; when the stop is requested, calls its
/// `graceful_shutdown` and keeps driving it to the end.
///
/// Not at once: hyper closes an idle connection at `graceful_shutdown`
/// without reading, and a request may already be in the socket (sent while
/// the stop signal was on its way), or its readiness not yet reported (a
/// connection accepted from the backlog at the stop). So the first poll
/// that sees the stop lets hyper read what it knows of, and yields; the
/// tick that follows runs `epoll_wait` and dispatches every readiness
/// pending, and the next poll lets hyper read that too, then shuts down:
/// a request that had reached the server is answered, not reset.
async fn until_stopped<C: Future>(
    conn: C,
    graceful_shutdown: impl FnOnce(Pin<&mut C>),
    stop: &Stop,
) -> C::Output {
    let mut conn = pin!(conn);
    let mut requested = pin!(stop.requested.wait());
    let (mut graceful_shutdown, mut seen) = (Some(graceful_shutdown), false);
    poll_fn(|cx| {
        if let Poll::Ready(done) = conn.as_mut().poll(cx) {
            return Poll::Ready(done);
        }
        if seen {
            if let Some(shutdown) = graceful_shutdown.take() {
                shutdown(conn.as_mut());
                return conn.as_mut().poll(cx);
            }
        } else if requested.as_mut().poll(cx).is_ready() {
            seen = true;
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    })
    .await
}
