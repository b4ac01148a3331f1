//! Integration tests of `reel::net` against plain `std::net` peers.
//!
//! Every test runs its own `reel::run` on its own test thread, talks over
//! loopback only (127.0.0.1, port 0), and bounds every wait: std sockets get
//! read/write timeouts, awaits inside the loop are wrapped in `reel::timeout`.
//! Blocking std clients run on `reel::spawn_blocking` or a `std::thread`, never
//! on the loop's thread.
//!
//! The numbers in the tests' docs follow the test plan; (6), 10,000
//! connections, lives in `tests/runtime/many_connections.rs`, a binary of its own so
//! that its count of open file descriptors has the process to itself.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::thread;

use reel::net::{TcpListener, TcpStream};

#[path = "../common/mod.rs"]
mod common;

use common::net::{bounded, echo_until_eof, pattern, read_to_eof, set_timeouts, std_connect};

/// A std echo server on its own thread for exactly one connection: it echoes
/// until EOF, then closes. Returns the address and the thread, whose result
/// is the number of bytes echoed.
fn std_echo_server() -> (SocketAddr, thread::JoinHandle<io::Result<usize>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("std listener binds");
    let addr = listener.local_addr().expect("std listener address");
    let server = thread::spawn(move || {
        // A blocking accept is bounded too: the reel side connects first
        // thing, and if it fails, its test fails without joining this thread.
        let (mut stream, _) = listener.accept()?;
        set_timeouts(&stream);
        let mut buf = vec![0; 16 * 1024];
        let mut total = 0;
        loop {
            let n = stream.read(&mut buf)?;
            if n == 0 {
                stream.shutdown(Shutdown::Write)?;
                return Ok(total);
            }
            stream.write_all(&buf[..n])?;
            total += n;
        }
    });
    (addr, server)
}
/// (1) A reel echo server and a std client: a few KB go there and back
/// unchanged, and both sides agree on who is who.
#[test]
fn reel_server_echoes_to_std_client_and_addresses_agree() {
    reel::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let server_addr = listener.local_addr().expect("listener address");
        assert_eq!(server_addr.ip().to_string(), "127.0.0.1");
        assert_ne!(server_addr.port(), 0, "port 0 resolves to a real port");

        let payload = pattern(6 * 1024 + 123, 0x5a);
        let sent = payload.clone();
        let client = reel::spawn_blocking(move || {
            let mut client = std_connect(server_addr);
            let addrs = (
                client.local_addr().expect("client local"),
                client.peer_addr().expect("client peer"),
            );
            client.write_all(&sent).expect("client writes");
            let mut back = vec![0; sent.len()];
            client.read_exact(&mut back).expect("client reads the echo");
            (addrs, back)
        });

        let (mut stream, peer) = bounded("accept", listener.accept()).await.expect("accept");
        assert_eq!(stream.local_addr().expect("server local"), server_addr);
        assert_eq!(stream.peer_addr().expect("server peer"), peer);
        let echoed = echo_until_eof(&mut stream).await.expect("server echoes");

        let ((client_local, client_peer), back) =
            bounded("client thread", client).await.expect("client did not panic");
        assert_eq!(client_local, peer, "accept reports the client's address");
        assert_eq!(client_peer, server_addr, "the client reached the listener's address");
        assert_eq!(echoed, payload.len());
        assert!(back == payload, "the echo is byte for byte what was sent");
    });
}

/// (2a) `TcpStream::connect` from reel to a std server, and a round trip.
#[test]
fn reel_client_connects_to_std_server_and_round_trips() {
    let (addr, server) = std_echo_server();
    let echoed = reel::run(async move {
        let mut stream = bounded("connect", TcpStream::connect(addr)).await.expect("connect");
        assert_eq!(stream.peer_addr().expect("peer addr"), addr);
        let local = stream.local_addr().expect("local addr");
        assert_eq!(local.ip(), addr.ip());
        assert_ne!(local.port(), 0);
        stream.set_nodelay(true).expect("set_nodelay");
        assert!(stream.nodelay().expect("nodelay"), "nodelay reads back as set");

        let message = pattern(3000, 0x33);
        bounded("write", stream.write_all(&message)).await.expect("write_all");
        let mut back = vec![0; message.len()];
        let mut got = 0;
        while got < back.len() {
            let n = bounded("read", stream.read(&mut back[got..])).await.expect("read");
            assert_ne!(n, 0, "EOF before the whole echo arrived");
            got += n;
        }
        assert!(back == message, "the std server echoed every byte");

        stream.shutdown(Shutdown::Write).expect("shutdown write");
        let rest = read_to_eof(&mut stream).await.expect("read to EOF");
        assert!(rest.is_empty(), "nothing after the echo, then EOF");
        message.len()
    });
    let served = server.join().expect("std server did not panic").expect("std server I/O");
    assert_eq!(served, echoed);
}

/// (2b) `into_split`: a writer task and a reader task use one connection at
/// the same time. The volume exceeds what the socket buffers hold, so the
/// writer only finishes if the reader runs concurrently.
#[test]
fn split_halves_read_and_write_concurrently() {
    const MESSAGES: usize = 256;
    const SIZE: usize = 8 * 1024;
    let (addr, server) = std_echo_server();
    let total = reel::run(async move {
        let stream = bounded("connect", TcpStream::connect(addr)).await.expect("connect");
        let (mut reader, mut writer) = stream.into_split();
        assert_eq!(reader.peer_addr().expect("reader peer"), addr);
        assert_eq!(writer.peer_addr().expect("writer peer"), addr);

        let writing = reel::spawn(async move {
            for i in 0..MESSAGES {
                let message = pattern(SIZE, i as u8);
                bounded("split write", writer.write_all(&message)).await?;
            }
            // Dropping the write half sends FIN; the std server then closes.
            drop(writer);
            io::Result::Ok(())
        });
        let reading = reel::spawn(async move {
            let mut all = Vec::with_capacity(MESSAGES * SIZE);
            let mut buf = vec![0; 16 * 1024];
            loop {
                let n = bounded("split read", reader.read(&mut buf)).await?;
                if n == 0 {
                    return io::Result::Ok(all);
                }
                all.extend_from_slice(&buf[..n]);
            }
        });

        bounded("writer task", writing).await.expect("writer task").expect("writer I/O");
        let all = bounded("reader task", reading).await.expect("reader task").expect("reader I/O");
        let expected: Vec<u8> = (0..MESSAGES).flat_map(|i| pattern(SIZE, i as u8)).collect();
        assert_eq!(all.len(), expected.len(), "every byte came back");
        assert!(all == expected, "in order and unchanged");
        all.len()
    });
    let served = server.join().expect("std server did not panic").expect("std server I/O");
    assert_eq!(served, total);
}

/// (3) Connecting to a port nobody listens on fails with ConnectionRefused,
/// and the failed socket leaves no registration behind.
#[test]
fn connect_to_closed_port_is_refused() {
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address")
        // Dropped here: the port is closed again.
    };
    reel::run(async move {
        let before = reel::stats().registrations;
        let result = bounded("connect", TcpStream::connect(addr)).await;
        match result {
            Err(e) => assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused, "got {e}"),
            Ok(stream) => panic!("connected to a closed port: {stream:?}"),
        }
        assert_eq!(reel::stats().registrations, before, "the failed socket deregistered");
    });
}

#[test]
fn lookup_host_resolves_a_name_off_the_loop_and_passes_addresses_through() {
    reel::run(async {
        let by_name = bounded("lookup", reel::net::lookup_host(("localhost", 8000))).await;
        let by_name = by_name.expect("localhost resolves");
        assert!(by_name.iter().all(|a| a.port() == 8000 && a.ip().is_loopback()), "{by_name:?}");
        assert!(!by_name.is_empty());
        let given =
            bounded("addr", reel::net::lookup_host("127.0.0.1:9")).await.expect("an address");
        assert_eq!(given, ["127.0.0.1:9".parse().unwrap()]);
        let bad = bounded("bad", reel::net::lookup_host("no port here")).await;
        assert!(bad.is_err(), "a name without a port is an error: {bad:?}");
    });
}

#[test]
fn connect_takes_what_to_socket_addrs_takes_and_resolves_names() {
    reel::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let text = format!("127.0.0.1:{port}");
        let by_name = format!("localhost:{port}");
        let ip = std::net::Ipv4Addr::LOCALHOST;
        let tries: Vec<reel::JoinHandle<io::Result<TcpStream>>> = vec![
            reel::spawn(TcpStream::connect(listener.local_addr().expect("addr"))),
            reel::spawn(async move { TcpStream::connect(text.as_str()).await }),
            reel::spawn(async move { TcpStream::connect(by_name).await }),
            reel::spawn(TcpStream::connect(("localhost", port))),
            reel::spawn(TcpStream::connect((ip, port))),
        ];
        let mut accepted = Vec::new();
        for _ in 0..tries.len() {
            let (_, peer) = bounded("accept", listener.accept()).await.expect("accept");
            accepted.push(peer);
        }
        for (i, attempt) in tries.into_iter().enumerate() {
            let stream = bounded("connect", attempt).await.expect("task").expect("connected");
            assert_eq!(stream.peer_addr().expect("peer").port(), port, "form {i}");
            assert!(accepted.contains(&stream.local_addr().expect("local")), "form {i}");
        }
        // Every address of a name refused: the last error comes back.
        drop(listener);
        let refused = bounded("refused", TcpStream::connect(("localhost", port))).await;
        assert_eq!(refused.expect_err("closed").kind(), io::ErrorKind::ConnectionRefused);
    });
}
