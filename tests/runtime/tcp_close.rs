//! How TCP connections end, against plain `std::net` peers: resets either
//! way, a half-close, data and FIN in one event (connects and round trips:
//! tcp.rs).
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
use std::net::Shutdown;

use reel::net::TcpListener;

#[path = "../common/mod.rs"]
mod common;

use common::net::{bounded, echo_until_eof, pattern, read_to_eof, std_connect};

/// (4a) The reel server drops a connection with unread data, which makes the
/// kernel send RST: the std client sees a reset, and the loop keeps serving.
#[test]
fn server_reset_reaches_client_and_loop_keeps_serving() {
    reel::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("address");

        let client = reel::spawn_blocking(move || {
            let mut client = std_connect(addr);
            client.write_all(b"you will never read this").expect("client writes");
            let mut buf = [0; 64];
            // The server closes with our bytes unread: RST, not FIN.
            client.read(&mut buf)
        });
        let (stream, _) = bounded("accept", listener.accept()).await.expect("accept");
        // Wait until the client's bytes are in our receive buffer, unread.
        bounded("readable", stream.readable()).await.expect("readable");
        drop(stream);
        let read = bounded("client thread", client).await.expect("client did not panic");
        match read {
            Err(e) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset, "got {e}"),
            Ok(n) => panic!("expected a reset, the client read {n} bytes"),
        }

        // The loop survived: a second connection gets its echo.
        let client = reel::spawn_blocking(move || {
            let mut client = std_connect(addr);
            client.write_all(b"still there?").expect("second client writes");
            client.shutdown(Shutdown::Write).expect("second client shutdown");
            let mut back = Vec::new();
            client.read_to_end(&mut back).expect("second client reads");
            back
        });
        let (mut stream, _) = bounded("second accept", listener.accept()).await.expect("accept");
        echo_until_eof(&mut stream).await.expect("second echo");
        drop(stream);
        let back = bounded("second client", client).await.expect("client did not panic");
        assert_eq!(back, b"still there?");
    });
}

/// (4b) The std client goes away with data from the server still unread (its
/// kernel answers with RST): the reel side gets an `io::Error` from its next
/// writes, no panic, and reading afterwards also returns promptly.
#[test]
fn client_reset_gives_server_an_error_not_a_panic() {
    reel::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("address");

        let client = reel::spawn_blocking(move || {
            let mut client = std_connect(addr);
            client.write_all(b"hello, then goodbye").expect("client writes");
            // Block until the server's data has arrived, without consuming
            // it, then close with it unread: the kernel sends RST.
            let mut first = [0; 1];
            let peeked = client.peek(&mut first).expect("client peeks");
            drop(client);
            peeked
        });
        let (mut stream, _) = bounded("accept", listener.accept()).await.expect("accept");
        let chunk = pattern(64 * 1024, 0x77);
        // The client never reads, so the buffers fill and the writes stop
        // being accepted; the reset then fails them.
        let error = bounded("writes until the reset", async {
            loop {
                if let Err(e) = stream.write_all(&chunk).await {
                    return e;
                }
            }
        })
        .await;
        assert!(
            matches!(error.kind(), io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe),
            "write after the peer's reset: {error}"
        );
        let peeked = bounded("client thread", client).await.expect("client did not panic");
        assert_eq!(peeked, 1, "the client saw the server's data before closing");

        // Reading the dead connection ends promptly, with its leftovers, EOF
        // or an error: whatever it is, it is an io::Result.
        let mut buf = vec![0; 4096];
        let mut reads = 0;
        loop {
            match bounded("read after reset", stream.read(&mut buf)).await {
                Ok(0) | Err(_) => break,
                Ok(_) => reads += 1,
            }
            assert!(reads < 100, "a reset connection keeps returning data");
        }
        let write = bounded("write after reset", stream.write(b"x")).await;
        assert!(write.is_err(), "writes keep failing after the reset: {write:?}");
    });
}

/// (5) `shutdown(Write)` sends FIN: the std peer reads EOF, while the reel
/// side can still read what the peer sends afterwards (a half-close).
#[test]
fn shutdown_write_half_closes_and_reading_still_works() {
    reel::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("address");

        let client = reel::spawn_blocking(move || {
            let mut client = std_connect(addr);
            let mut received = Vec::new();
            // Returns only at EOF (or fails at the read timeout).
            client.read_to_end(&mut received).expect("client reads to EOF");
            client.write_all(b"sent after your FIN").expect("client writes after EOF");
            client.shutdown(Shutdown::Write).expect("client shutdown");
            received
        });

        let (mut stream, _) = bounded("accept", listener.accept()).await.expect("accept");
        bounded("write", stream.write_all(b"server says bye")).await.expect("write");
        stream.shutdown(Shutdown::Write).expect("shutdown write");
        let after = read_to_eof(&mut stream).await.expect("read after shutdown");
        assert_eq!(after, b"sent after your FIN", "reading works after shutdown(Write)");

        let received = bounded("client thread", client).await.expect("client did not panic");
        assert_eq!(received, b"server says bye", "the client got the data, then EOF");
        let write = bounded("write after shutdown", stream.write(b"too late")).await;
        assert!(write.is_err(), "writing after shutdown(Write) fails: {write:?}");
    });
}

/// The peer's data and its FIN arrive together, before the first read: the
/// read returns the data (less than the buffer holds), and the next read must
/// still see EOF rather than wait for an epoll edge that already came.
#[test]
fn data_and_fin_arriving_together_are_both_seen() {
    reel::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("address");
        // The client sends and shuts down before we accept, so the data and
        // the FIN are both queued when the socket is registered.
        let sent = reel::spawn_blocking(move || {
            let mut client = std_connect(addr);
            client.write_all(b"short").expect("client writes");
            client.shutdown(Shutdown::Write).expect("client shutdown");
            client
        });
        let mut client = bounded("client sends", sent).await.expect("client did not panic");
        let (mut stream, _) = bounded("accept", listener.accept()).await.expect("accept");
        // Stay open until the server closes, so it sees a clean FIN.
        let client = reel::spawn_blocking(move || {
            let mut rest = Vec::new();
            client.read_to_end(&mut rest).expect("client waits for EOF");
            rest
        });
        let mut buf = [0; 4096];
        let mut all = Vec::new();
        while all.len() < b"short".len() {
            let n = bounded("read the data", stream.read(&mut buf)).await.expect("read");
            assert_ne!(n, 0, "EOF before the data");
            all.extend_from_slice(&buf[..n]);
        }
        assert_eq!(all, b"short");
        let n = bounded("read EOF after the data", stream.read(&mut buf)).await.expect("read");
        assert_eq!(n, 0, "EOF follows the data");
        drop(stream);
        let rest = bounded("client thread", client).await.expect("client did not panic");
        assert!(rest.is_empty());
    });
}
