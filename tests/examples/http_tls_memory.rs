//! What a slow reader costs the http example over TLS, against plain HTTP,
//! and whether the memory comes back when a crowd of them leaves
//! (examples/http/output.rs, reel's `TlsStream::poll_write`,
//! `reel::release_free_memory`). A slow
//! reader asks for a large file and then reads nothing: plain HTTP sends it
//! with `sendfile` and holds no copy; TLS must read and encrypt it in user
//! space, and holds what the socket has not taken yet. Each server runs in
//! its own process, so its resident memory is its own.

#[path = "../common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::example::Server;
use common::http::DocRoot;
use common::proc_status_kib;
use common::tls::{Certs, blocking_client};

/// Slow readers held at once.
const READERS: usize = 200;

/// The file they ask for: far more than the socket buffers hold.
const FILE: u64 = 64 * 1024 * 1024;

const REQUEST: &[u8] = b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n";

/// A client, plain or TLS.
trait Client: Read + Write + Sized {
    fn connect(server: &Server, certs: &Certs) -> Self;

    /// A slow reader: it has the first byte of the response and reads no
    /// more.
    fn slow_reader(server: &Server, certs: &Certs) -> Self {
        let mut client = Self::connect(server, certs);
        client.write_all(REQUEST).expect("send the request");
        client.read_exact(&mut [0; 1]).expect("the response begins");
        client
    }

    /// The server's `/status`, on a connection of its own.
    fn status(server: &Server, certs: &Certs) -> String {
        let mut client = Self::connect(server, certs);
        client.write_all(STATUS).expect("send the request");
        let mut response = String::new();
        client.read_to_string(&mut response).expect("the status");
        response
    }
}

const STATUS: &[u8] = b"GET /status HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";

impl Client for TcpStream {
    fn connect(server: &Server, _certs: &Certs) -> Self {
        server.connect()
    }
}

type TlsClient = reel::tls::rustls::StreamOwned<reel::tls::rustls::ClientConnection, TcpStream>;

impl Client for TlsClient {
    fn connect(server: &Server, certs: &Certs) -> Self {
        blocking_client(certs.client_config(&[b"http/1.1"]), server.addr)
    }
}

/// The server's resident memory: before, with `READERS` slow readers, and
/// once they have gone; and the cost of one, in bytes.
#[derive(Debug)]
struct Figures {
    before_kib: u64,
    held_kib: u64,
    after_kib: u64,
    per_reader: u64,
}

fn measure<C: Client>(server: &Server, certs: &Certs) -> Figures {
    let pid = server.child.id();
    // Warm up: one reader to the end of its first bytes and gone, so the
    // pools and the file cache exist.
    drop(C::slow_reader(server, certs));
    wait_for_connections::<C>(server, certs);
    let before_kib = proc_status_kib(pid, "VmRSS");
    let readers: Vec<C> = (0..READERS).map(|_| C::slow_reader(server, certs)).collect();
    let held_kib = proc_status_kib(pid, "VmRSS");
    drop(readers);
    wait_for_connections::<C>(server, certs);
    let after_kib = proc_status_kib(pid, "VmRSS");
    let per_reader = held_kib.saturating_sub(before_kib) * 1024 / READERS as u64;
    Figures { before_kib, held_kib, after_kib, per_reader }
}

/// Waits until the server has no connection open but the one that asks.
fn wait_for_connections<C: Client>(server: &Server, certs: &Certs) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = C::status(server, certs);
        if status.contains("\"connections\":1}") {
            return;
        }
        assert!(Instant::now() < deadline, "still open: {status}");
        std::thread::yield_now();
    }
}

fn start(root: &DocRoot, certs: Option<&Certs>) -> Server {
    let dir = root.path("");
    let mut args = vec!["--root", dir.to_str().expect("a UTF-8 temp path"), "--log", "warn"];
    let prefix = match certs {
        Some(certs) => {
            args.extend(["--tls-cert", certs.cert.to_str().expect("UTF-8")]);
            args.extend(["--tls-key", certs.key.to_str().expect("UTF-8")]);
            "listening on https://"
        }
        None => "listening on http://",
    };
    Server::start_example("http", &args, prefix)
}

#[test]
fn slow_readers_hold_no_copy_of_the_file_and_their_memory_comes_back() {
    let root = DocRoot::new("tls-memory");
    let big = root.write("big.bin", "");
    std::fs::OpenOptions::new().write(true).open(big).expect("open").set_len(FILE).expect("len");
    let certs = Certs::new();
    let plain = measure::<TcpStream>(&start(&root, None), &certs);
    let https = start(&root, Some(&certs));
    let tls = measure::<TlsClient>(&https, &certs);
    println!("{READERS} slow readers: plain {plain:?}, TLS {tls:?}");
    // Plain: the head written, the rest `sendfile`d; the read buffer back in
    // the pool while the file goes out (before: 11.5 KB a reader).
    assert!(plain.per_reader <= 6 * 1024, "plain: {plain:?}");
    // TLS: no copy of the file, and what is encrypted is about what the
    // socket has room for (before: 111 KB a reader, the file read 64 KiB at
    // a time and encrypted in full).
    assert!(tls.per_reader <= 24 * 1024, "TLS: {tls:?}");
    // Once they have gone, the memory goes back but for the worker's pools
    // of buffers, 2 MiB at most (before: all of it stayed).
    for figures in [&plain, &tls] {
        assert!(figures.held_kib > figures.before_kib, "the readers cost something: {figures:?}");
        let kept = figures.after_kib.saturating_sub(figures.before_kib);
        assert!(kept <= 3 * 1024, "{kept} KiB kept after the readers left: {figures:?}");
    }
}
