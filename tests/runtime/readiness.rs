//! `reel::net` readiness against plain `std::net` peers: an idle loop costs
//! nothing, `try_read` trusts the reactor and `try_peek` asks the kernel,
//! and a lingering close drains what the peer still sends.

use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::thread;
use std::time::{Duration, Instant};

use reel::net::TcpListener;

#[path = "../common/mod.rs"]
mod common;

use common::net::{DEADLINE, bounded, pattern, std_connect};

/// Whose CPU time: this thread's on Linux; the process's where there is no
/// RUSAGE_THREAD (macOS), which still shows an idle loop, since the test's
/// other threads only wait.
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
const WHO: libc::c_int = libc::RUSAGE_THREAD;
#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
const WHO: libc::c_int = libc::RUSAGE_SELF;

/// CPU time this thread has used so far (user + system).
#[allow(unsafe_code)]
fn thread_cpu_time() -> Duration {
    // SAFETY: rusage is plain old data; all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a live, writable rusage for getrusage to fill.
    let result = unsafe { libc::getrusage(WHO, &mut usage) };
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
