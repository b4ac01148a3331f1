//! `reel::net::UdpSocket` against plain `std::net::UdpSocket` peers on
//! loopback: datagrams of every size arrive whole, a burst is read to the
//! end (the datagram rule), and a connected socket talks to its one peer.
//!
//! Every wait is bounded: std sockets get read timeouts, awaits in the loop
//! go through `bounded`. The std peers run on `spawn_blocking`, off the
//! loop's thread.

use std::net::{SocketAddr, UdpSocket as StdUdp};
use std::time::Duration;

use reel::net::UdpSocket;

#[path = "../common/mod.rs"]
mod common;

use common::bounded;
use common::net::pattern;

fn std_peer() -> StdUdp {
    let socket = StdUdp::bind("127.0.0.1:0").expect("std socket binds");
    socket.set_read_timeout(Some(Duration::from_secs(5))).expect("read timeout");
    socket
}

#[test]
fn datagrams_from_0_to_60000_bytes_come_back_whole() {
    reel::run(async {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let server = socket.local_addr().unwrap();
        let sizes = [0, 1, 100, 1472, 1473, 9000, 32_768, 60_000];
        let client = reel::spawn_blocking(move || {
            let peer = std_peer();
            let mut buf = vec![0; 65_536];
            for (i, &size) in sizes.iter().enumerate() {
                let sent = pattern(size, i as u8);
                peer.send_to(&sent, server).expect("std send_to");
                let (n, from) = peer.recv_from(&mut buf).expect("the echo came back");
                assert_eq!(from, server);
                assert_eq!(n, size, "datagram {i} came back at another size");
                assert!(buf[..n] == sent[..], "datagram {i} came back changed");
            }
        });
        let mut buf = vec![0; 65_536];
        for &size in &sizes {
            let (n, peer) = bounded(socket.recv_from(&mut buf)).await.expect("recv_from");
            assert_eq!(n, size);
            assert_eq!(bounded(socket.send_to(&buf[..n], peer)).await.expect("send_to"), n);
        }
        bounded(client).await.expect("the std client's asserts held");
    });
}

/// The datagram rule: a short datagram says nothing of what queues behind
/// it. Ten small datagrams are all queued before the loop reads the first;
/// had a short read cleared readiness (the TCP rule), the second receive
/// would wait for an edge that epoll already delivered, and time out.
#[test]
fn a_burst_of_short_datagrams_is_read_to_the_end() {
    reel::run(async {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let server = socket.local_addr().unwrap();
        bounded(reel::spawn_blocking(move || {
            let peer = std_peer();
            for i in 0..10u8 {
                peer.send_to(&[i; 3], server).expect("std send_to");
            }
        }))
        .await
        .expect("the sender ran");
        let mut buf = [0; 1500];
        for i in 0..10u8 {
            let (n, _) = bounded(socket.recv_from(&mut buf)).await.expect("recv_from");
            assert_eq!(&buf[..n], &[i; 3], "datagrams arrive in order on loopback");
        }
        let none = socket.try_recv_from(&mut buf).expect_err("the queue is empty now");
        assert_eq!(none.kind(), std::io::ErrorKind::WouldBlock);
    });
}

#[test]
fn a_connected_socket_sends_to_and_hears_only_its_peer() {
    reel::run(async {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let server = socket.local_addr().unwrap();
        let (peer, stranger) = (std_peer(), std_peer());
        let peer_addr = peer.local_addr().unwrap();
        assert!(socket.peer_addr().is_err(), "not connected yet");
        // By name: the resolver runs on the blocking pool.
        bounded(socket.connect(("localhost", peer_addr.port()))).await.expect("connect");
        assert_eq!(socket.peer_addr().unwrap().port(), peer_addr.port());

        bounded(socket.send(b"hello")).await.expect("send");
        let replied = reel::spawn_blocking(move || {
            let mut buf = [0; 64];
            let (n, from) = peer.recv_from(&mut buf).expect("the peer hears us");
            assert_eq!((&buf[..n], from), (&b"hello"[..], server));
            stranger.send_to(b"not for you", server).expect("stranger sends");
            peer.send_to(b"reply", server).expect("peer replies");
        });
        bounded(replied).await.expect("the std side's asserts held");
        let mut buf = [0; 64];
        let n = bounded(socket.recv(&mut buf)).await.expect("recv");
        assert_eq!(&buf[..n], b"reply", "the stranger's datagram was filtered out");
    });
}

#[test]
fn binding_a_taken_port_is_an_error_and_send_to_reports_its_length() {
    reel::run(async {
        let first = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let taken: SocketAddr = first.local_addr().unwrap();
        let error = UdpSocket::bind(taken).expect_err("the port is taken");
        assert_eq!(error.kind(), std::io::ErrorKind::AddrInUse);
        let other = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let n = bounded(other.send_to(&[7; 512], taken)).await.expect("send_to");
        assert_eq!(n, 512);
        let mut buf = [0; 100];
        let (n, from) = bounded(first.recv_from(&mut buf)).await.expect("recv_from");
        assert_eq!((n, from), (100, other.local_addr().unwrap()), "cut to the buffer");
    });
}
