//! `start_server`, `start_server_with` and `start_tcp_server`: a TCP
//! [`Server`] on an address (asyncio: `asyncio.start_server`). Each binds
//! its listeners (one per address the name resolves to, or one group of
//! SO_REUSEPORT listeners), says how a connection becomes a handler task,
//! and hands both to `server::serve`.

use std::future::Future;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::rc::Rc;

use crate::net::socket::ReusePort;
use crate::net::{TcpListener, TcpStream};
use crate::stream::listener::{Connection, Listener};
use crate::stream::options::ServerOptions;
use crate::stream::security::Security;
use crate::stream::server::{HandlerGuard, Server, Spawner, serve};
use crate::stream::{StreamReader, StreamWriter};

/// Starts serving `addr`: every accepted connection runs `handler(reader,
/// writer)` in a task of its own (asyncio: `await asyncio.start_server(...)`).
///
/// Binds every address `addr` resolves to. Binding does not block, so unlike
/// asyncio's this is not a coroutine. Panics outside a running loop.
pub fn start_server<F, Fut>(addr: impl ToSocketAddrs, handler: F) -> io::Result<Server>
where
    F: Fn(StreamReader, StreamWriter) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    start_server_with(addr, ServerOptions::new(), handler)
}

/// [`start_server`] with [`ServerOptions`]: a connection limit, a
/// refusal, `SO_REUSEPORT`, or TLS (`ServerOptions::tls`, with the feature `tls`), which makes
/// the handler's reader and writer TLS halves (asyncio:
/// `start_server(..., limit=..., ssl=ctx)`).
pub fn start_server_with<S, F, Fut>(
    addr: impl ToSocketAddrs,
    options: ServerOptions<S>,
    handler: F,
) -> io::Result<Server>
where
    S: Security,
    F: Fn(StreamReader<S::Read>, StreamWriter<S::Write>) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let (options, security) = options.into_plain();
    let handler = Rc::new(handler);
    start_tcp_server(addr, options, move |stream, peer| {
        security.clone().serve(stream, peer, handler.clone())
    })
}

/// [`start_server_with`] for handlers that want the `TcpStream` itself and
/// the peer's address, not a reader and writer: the same accept loop,
/// connection limit and shutdown, with no stream buffering in between
/// (asyncio: `loop.create_server` with a protocol, rather than streams).
pub fn start_tcp_server<F, Fut>(
    addr: impl ToSocketAddrs,
    options: ServerOptions,
    handler: F,
) -> io::Result<Server>
where
    F: Fn(TcpStream, SocketAddr) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let mut listeners = Vec::new();
    for addr in addr.to_socket_addrs()? {
        listeners.push(match options.reuse_port {
            ReusePort::Off => TcpListener::bind(addr)?,
            ReusePort::Lead => TcpListener::bind_reuse_port(addr)?,
            ReusePort::Join => TcpListener::join_reuse_port(addr)?,
        });
    }
    if listeners.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "no address to listen on"));
    }
    let local_addrs = listeners.iter().map(TcpListener::local_addr).collect::<io::Result<_>>()?;
    let handler = Rc::new(handler);
    let spawn_handler: Spawner = Rc::new(move |connection, guard: HandlerGuard| {
        // A TCP server's listeners accept only TCP connections.
        let Connection::Tcp(stream, peer) = connection else { return };
        let handler = handler.clone();
        guard.start(move || handler(stream, peer));
    });
    let listeners = listeners.into_iter().map(Listener::Tcp).collect();
    Ok(serve(listeners, local_addrs, None, options, spawn_handler))
}
