//! Black-box tests of `echo --udp`, run as a user runs it: the built binary
//! with `--port 0`, its `listening on IP:PORT` line, and plain
//! `std::net::UdpSocket` clients. Every receive has a timeout; the child is
//! killed and reaped when its guard drops.

#[path = "../common/mod.rs"]
mod common;

use std::net::UdpSocket;

use common::example::{DEADLINE, Server};
use common::net::pattern;

fn client() -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("client binds");
    socket.set_read_timeout(Some(DEADLINE)).expect("read timeout");
    socket
}

fn start() -> Server {
    Server::start_example("echo", &["--udp"], "listening on ")
}

/// Datagrams from 0 to 60,000 bytes come back whole, to their sender only,
/// from two clients taking turns.
#[test]
fn each_datagram_goes_back_whole_to_its_sender() {
    let server = start();
    let (a, b) = (client(), client());
    let mut buf = vec![0; 65_536];
    for (i, size) in [0, 1, 512, 1472, 1473, 8192, 32_000, 60_000].into_iter().enumerate() {
        for (who, socket) in [(0u8, &a), (1, &b)] {
            let sent = pattern(size, i as u8 * 2 + who);
            socket.send_to(&sent, server.addr).expect("send");
            let (n, from) = socket.recv_from(&mut buf).expect("the echo comes back in time");
            assert_eq!(from, server.addr);
            assert_eq!(n, size, "client {who}'s {size}-byte datagram came back at {n}");
            assert!(buf[..n] == sent[..], "client {who}'s {size}-byte datagram changed");
        }
    }
}

/// A burst sent before the first echo is read is echoed to the last one
/// (the datagram rule, seen from outside), and the server is unharmed.
#[test]
fn a_burst_is_echoed_in_full() {
    let mut server = start();
    let socket = client();
    for i in 0..50u8 {
        socket.send_to(&[i; 10], server.addr).expect("send");
    }
    let mut buf = [0; 64];
    let mut back: Vec<u8> = (0..50)
        .map(|_| {
            let (n, _) = socket.recv_from(&mut buf).expect("every echo comes back in time");
            assert_eq!(n, 10);
            buf[0]
        })
        .collect();
    back.sort_unstable();
    assert_eq!(back, (0..50).collect::<Vec<u8>>(), "all 50 came back, each once");
    server.assert_running();
}

/// SIGTERM stops the UDP echo at once with exit status 0.
#[test]
fn sigterm_stops_it_cleanly() {
    let mut server = start();
    let socket = client();
    socket.send_to(b"ping", server.addr).expect("send");
    let mut buf = [0; 16];
    assert_eq!(socket.recv_from(&mut buf).expect("echo").0, 4);
    server.signal(libc::SIGTERM);
    assert!(server.wait_exit().success(), "exit 0 on SIGTERM");
    server.expect_log(&["SIGTERM: stopping after 1 datagrams"]);
}
