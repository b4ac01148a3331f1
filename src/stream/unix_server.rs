//! `start_unix_server`: a [`Server`] on a Unix domain socket (asyncio:
//! `asyncio.start_unix_server`).
//!
//! The accept loop, the connection limit and the shutdown are the TCP
//! server's (`server.rs`); this file binds the path, hands each connection
//! to the handler as a reader and a writer; the socket file it makes is a
//! `SocketFile` (socket_file.rs), which `close` removes.

use std::future::Future;
use std::io;
use std::path::Path;
use std::rc::Rc;

use crate::net::{UnixListener, UnixReadHalf, UnixWriteHalf};
use crate::stream::ServerOptions;
use crate::stream::listener::{Connection, Listener};
use crate::stream::server::{HandlerGuard, Server, Spawner, serve};
use crate::stream::socket_file::SocketFile;
use crate::stream::{StreamReader, StreamWriter};

/// Starts serving the Unix socket at `path`: every connection runs
/// `handler(reader, writer)` in a task of its own (asyncio:
/// `await asyncio.start_unix_server(handler, path)`), with the same
/// [`Server`] (close, `wait_closed`, `shutdown`) as TCP.
///
/// A stale socket file at `path` (one no server answers on) is removed
/// first, as asyncio does; a live one, or a file that is not a socket, is
/// an error (see [`UnixListener::bind_replacing_stale`]). `close` removes
/// the socket file if it is still the one this server made (asyncio 3.13:
/// `cleanup_socket=True`). Past `max_connections` a Unix client is closed
/// at once (a refusal handler is only called for TCP).
pub fn start_unix_server<F, Fut>(path: impl AsRef<Path>, handler: F) -> io::Result<Server>
where
    F: Fn(StreamReader<UnixReadHalf>, StreamWriter<UnixWriteHalf>) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    start_unix_server_with(path, ServerOptions::new(), handler)
}

/// [`start_unix_server`] with [`ServerOptions`] (`reuse_port` does not
/// apply to a path).
pub fn start_unix_server_with<F, Fut>(
    path: impl AsRef<Path>,
    options: ServerOptions,
    handler: F,
) -> io::Result<Server>
where
    F: Fn(StreamReader<UnixReadHalf>, StreamWriter<UnixWriteHalf>) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let path = path.as_ref();
    let listener = UnixListener::bind_replacing_stale(path)?;
    let socket_file = SocketFile::of(path)?;
    let handler = Rc::new(handler);
    let spawn_handler: Spawner = Rc::new(move |connection, guard: HandlerGuard| {
        let Connection::Unix(stream) = connection else { return };
        let handler = handler.clone();
        guard.start(move || {
            let (read, write) = stream.into_split();
            handler(StreamReader::new(read), StreamWriter::new(write))
        });
    });
    let listeners = vec![Listener::Unix(listener)];
    Ok(serve(listeners, Vec::new(), Some(socket_file), options, spawn_handler))
}
