//! Integration tests of `reel::net` against plain `std::net` peers.
//!
//! Every test runs its own `reel::run` on its own test thread, talks over
//! loopback only (127.0.0.1, port 0), and bounds every wait: std sockets get
//! read/write timeouts, awaits inside the loop are wrapped in `reel::timeout`.
//! Blocking std clients run on `reel::spawn_blocking` or a `std::thread`, never
//! on the loop's thread.
//!
//! The numbers in the tests' docs follow the test plan; (6), 10,000
//! connections, lives in `tests/many_connections.rs`, a binary of its own so
//! that its count of open file descriptors has the process to itself.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::thread;
use std::time::{Duration, Instant};

use reel::net::{TcpListener, TcpStream};

/// The longest any single wait in these tests may take before it fails.
const DEADLINE: Duration = Duration::from_secs(10);

/// A blocking std client with read and write timeouts, so it can never hang.
fn std_connect(addr: SocketAddr) -> std::net::TcpStream {
    let stream = std::net::TcpStream::connect(addr).expect("std client connects");
    set_timeouts(&stream);
    stream
}

fn set_timeouts(stream: &std::net::TcpStream) {
    stream.set_read_timeout(Some(DEADLINE)).expect("set read timeout");
    stream.set_write_timeout(Some(DEADLINE)).expect("set write timeout");
}

/// `len` bytes that are not all the same, so a reordered or shifted echo shows.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8 ^ seed).collect()
}

/// Awaits `future` for at most `DEADLINE`, panicking with `what` past it.
async fn bounded<F: std::future::Future>(what: &str, future: F) -> F::Output {
    match reel::timeout(DEADLINE, future).await {
        Ok(output) => output,
        Err(_) => panic!("timed out after {DEADLINE:?}: {what}"),
    }
}

/// Reads from a reel stream until EOF (bounded), returning everything read.
async fn read_to_eof(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut all = Vec::new();
    let mut buf = vec![0; 4096];
    loop {
        let n = bounded("reel read until EOF", stream.read(&mut buf)).await?;
        if n == 0 {
            return Ok(all);
        }
        all.extend_from_slice(&buf[..n]);
    }
}

/// Echoes on a reel stream until EOF; returns the number of bytes echoed.
async fn echo_until_eof(stream: &mut TcpStream) -> io::Result<usize> {
    let mut buf = vec![0; 4096];
    let mut total = 0;
    loop {
        let n = bounded("reel echo read", stream.read(&mut buf)).await?;
        if n == 0 {
            return Ok(total);
        }
        bounded("reel echo write", stream.write_all(&buf[..n])).await?;
        total += n;
    }
}

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

/// CPU time this thread has used so far (user + system).
#[allow(unsafe_code)]
fn thread_cpu_time() -> Duration {
    // SAFETY: rusage is plain old data; all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a live, writable rusage for getrusage to fill.
    let result = unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
    assert_eq!(result, 0, "getrusage: {}", io::Error::last_os_error());
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

/// (7) A loop with a listener and nothing to do sleeps in the kernel: one
/// second of idling costs almost no CPU time on the loop's thread.
#[test]
fn idle_loop_uses_almost_no_cpu() {
    let (cpu, wall) = reel::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let ticks_before = reel::stats().ticks;
        let cpu_before = thread_cpu_time();
        let wall_before = Instant::now();
        reel::sleep(Duration::from_secs(1)).await;
        let cpu = thread_cpu_time() - cpu_before;
        let wall = wall_before.elapsed();
        let ticks = reel::stats().ticks - ticks_before;
        eprintln!("idle loop: {cpu:?} CPU in {wall:?} wall, {ticks} ticks");
        assert!(ticks < 10, "an idle loop should not spin: {ticks} ticks in a second");
        drop(listener);
        (cpu, wall)
    });
    assert!(wall >= Duration::from_secs(1), "sleep(1s) returned early: {wall:?}");
    assert!(cpu < Duration::from_millis(20), "an idle second cost {cpu:?} of CPU");
}

/// `readable()` then `try_read` reads what arrived; a second `try_read`
/// says `WouldBlock` and the next `readable()` waits for new data.
#[test]
fn try_read_after_readable_drains_and_readable_waits_again() {
    reel::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (to_client, from_test) = std::sync::mpsc::channel::<&'static [u8]>();
        let client = std::thread::spawn(move || {
            let mut client = std::net::TcpStream::connect(addr).expect("connect");
            while let Ok(chunk) = from_test.recv_timeout(DEADLINE) {
                client.write_all(chunk).expect("write");
            }
        });
        let (stream, _) = bounded("accept", listener.accept()).await.expect("accept");
        let mut buf = [0u8; 64];
        assert_eq!(
            stream.try_read(&mut buf).expect_err("nothing yet").kind(),
            std::io::ErrorKind::WouldBlock
        );
        to_client.send(b"first").expect("client alive");
        bounded("readable", stream.readable()).await.expect("readable");
        assert_eq!(stream.try_read(&mut buf).expect("data"), 5);
        assert_eq!(&buf[..5], b"first");
        assert_eq!(
            stream.try_read(&mut buf).expect_err("drained").kind(),
            std::io::ErrorKind::WouldBlock
        );
        to_client.send(b"second").expect("client alive");
        bounded("readable again", stream.readable()).await.expect("readable again");
        assert_eq!(stream.try_read(&mut buf).expect("data"), 6);
        assert_eq!(stream.try_write(b"ok").expect("room to write"), 2);
        drop(to_client);
        client.join().expect("client thread");
    });
}

#[test]
fn try_peek_asks_the_kernel_before_the_loop_has_heard_of_the_data() {
    reel::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let mut client = std_connect(listener.local_addr().expect("addr"));
        let (mut stream, _) = bounded("accept", listener.accept()).await.expect("accept");
        client.write_all(b"hello").expect("send");
        // No turn of the loop from here on: no epoll_wait, so the reactor
        // has not heard of the bytes, and try_read (which trusts it) sees
        // nothing while try_peek (which asks the kernel) sees them.
        let started = Instant::now();
        let mut peeked = [0u8; 16];
        let n = loop {
            match stream.try_peek(&mut peeked) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    assert!(started.elapsed() < DEADLINE, "the bytes never arrived");
                }
                Err(e) => panic!("try_peek: {e}"),
            }
        };
        assert_eq!(&peeked[..n], b"hello");
        assert!(stream.input_waiting());
        let unheard = stream.try_read(&mut [0u8; 16]).expect_err("the loop has not heard");
        assert_eq!(unheard.kind(), io::ErrorKind::WouldBlock);
        let mut buf = [0u8; 16];
        let n = bounded("read", stream.read(&mut buf)).await.expect("read");
        assert_eq!(&buf[..n], b"hello", "peeking took nothing away");
        assert!(!stream.input_waiting(), "all read");
        client.shutdown(Shutdown::Write).expect("FIN");
        let started = Instant::now();
        while !stream.input_waiting() {
            assert!(started.elapsed() < DEADLINE, "the FIN never arrived");
        }
        assert_eq!(stream.try_peek(&mut buf).expect("EOF"), 0, "a FIN peeks as 0");
    });
}

#[test]
fn a_lingering_close_drains_what_the_peer_still_sends_so_it_sees_no_reset() {
    reel::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let mut client = std_connect(listener.local_addr().expect("addr"));
        let (mut stream, _) = bounded("accept", listener.accept()).await.expect("accept");
        // The peer reads the goodbye and EOF, then still sends 64 KiB, and
        // closes: the server must take it all before closing, or the close
        // is a reset.
        let peer = thread::spawn(move || {
            let mut goodbye = Vec::new();
            client.read_to_end(&mut goodbye).expect("goodbye, then EOF");
            client.write_all(&pattern(64 * 1024, 7)).expect("late bytes");
            client.shutdown(Shutdown::Write).expect("FIN");
            let mut after = Vec::new();
            (goodbye, client.read_to_end(&mut after))
        });
        stream.write_all(b"goodbye\n").await.expect("goodbye");
        stream.shutdown(Shutdown::Write).expect("FIN");
        let discarded = stream.discard_until_eof(DEADLINE).await.expect("drained");
        assert_eq!(discarded, 64 * 1024);
        drop(stream);
        let (goodbye, after) = peer.join().expect("peer");
        assert_eq!(goodbye, b"goodbye\n");
        assert_eq!(after.expect("no reset"), 0);

        // A peer that never closes: the drain gives up at its deadline.
        let _silent = std_connect(listener.local_addr().expect("addr"));
        let (stream, _) = bounded("accept", listener.accept()).await.expect("accept");
        let started = Instant::now();
        let within = Duration::from_millis(100);
        assert_eq!(stream.discard_until_eof(within).await.expect("deadline"), 0);
        assert!(started.elapsed() >= within);
    });
}
