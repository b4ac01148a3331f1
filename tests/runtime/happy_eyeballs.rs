//! Happy Eyeballs in `TcpStream::connect` (src/net/happy_eyeballs.rs): a
//! first address that never answers costs the 250 ms stagger, not the
//! kernel's connect timeout; one that refuses costs nothing.

#[path = "../common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use common::bounded;

/// A black hole on loopback: a listener whose accept queue is full, so the
/// kernel drops a new client's SYN and its connect hangs. Returns the
/// address, and the listener and its one queued client, to keep alive.
#[allow(unsafe_code)]
fn black_hole() -> (SocketAddr, std::net::TcpListener, Vec<std::net::TcpStream>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    // SAFETY: listen(2) on a socket this function owns; it only changes the
    // length of its accept queue, to the smallest there is.
    assert_eq!(unsafe { libc::listen(listener.as_raw_fd(), 0) }, 0, "listen(fd, 0)");
    let addr = listener.local_addr().expect("addr");
    let mut queued = Vec::new();
    for _ in 0..8 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(stream) => queued.push(stream),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => return (addr, listener, queued),
            Err(e) => panic!("filling the accept queue: {e}"),
        }
    }
    panic!("the accept queue never filled: no black hole here");
}

#[test]
fn a_first_address_that_never_answers_costs_the_stagger_not_a_timeout() {
    let (hole, _listener, _queued) = black_hole();
    reel::run(bounded(async move {
        let good = reel::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let good_addr = good.local_addr().expect("addr");
        let accepting = reel::spawn(async move { good.accept().await.map(|(_, peer)| peer) });
        let started = Instant::now();
        let stream = reel::net::TcpStream::connect(&[hole, good_addr][..]).await.expect("connect");
        let waited = started.elapsed();
        assert_eq!(stream.peer_addr().expect("peer"), good_addr, "the second address won");
        assert!(
            waited >= Duration::from_millis(240),
            "started the second only after the stagger: {waited:?}"
        );
        assert!(waited < Duration::from_millis(900), "not the SYN retry of the first: {waited:?}");
        accepting.await.expect("the accept task").expect("accepted");
    }));
}

#[test]
fn a_first_address_that_refuses_is_passed_at_once() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr")
    }; // dropped: nothing listens there now
    reel::run(bounded(async move {
        let good = reel::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let good_addr = good.local_addr().expect("addr");
        let accepting = reel::spawn(async move { good.accept().await.map(|(_, peer)| peer) });
        let started = Instant::now();
        let stream =
            reel::net::TcpStream::connect(&[closed, good_addr][..]).await.expect("connect");
        assert_eq!(stream.peer_addr().expect("peer"), good_addr);
        assert!(started.elapsed() < Duration::from_millis(200), "no stagger after a refusal");
        accepting.await.expect("the accept task").expect("accepted");
        let error = reel::net::TcpStream::connect(&[closed][..]).await.expect_err("refused");
        assert_eq!(error.kind(), std::io::ErrorKind::ConnectionRefused, "the last error");
    }));
}
