//! `reel::net::UnixDatagram`: datagrams by path, whole each, none lost.

#[path = "../common/mod.rs"]
mod common;

use std::path::PathBuf;

use common::bounded;
use reel::net::UnixDatagram;

/// A fresh folder for this test's socket files.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("reel-udg-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp folder");
    dir
}

#[test]
fn datagrams_go_by_path_and_come_back_to_their_sender() {
    let dir = folder("paths");
    let (server_path, client_path) = (dir.join("server.sock"), dir.join("client.sock"));
    reel::run(bounded(async move {
        let server = UnixDatagram::bind(&server_path).expect("bind the server");
        let client = UnixDatagram::bind(&client_path).expect("bind the client");
        client.send_to(b"ping", &server_path).await.expect("send_to");
        let mut buf = [0; 64];
        let (n, from) = server.recv_from(&mut buf).await.expect("recv_from");
        assert_eq!(&buf[..n], b"ping");
        assert_eq!(from.as_pathname(), Some(client_path.as_path()));
        server.send_to(b"pong", from.as_pathname().expect("a path")).await.expect("answer");
        let (n, _) = client.recv_from(&mut buf).await.expect("the answer");
        assert_eq!(&buf[..n], b"pong");
    }));
    let _ = std::fs::remove_dir_all(dir);
}

/// The datagram rule: a burst of small datagrams, each shorter than the
/// buffer, all arrive, one per receive, none merged and none stranded.
#[test]
fn a_burst_of_short_datagrams_is_received_whole_one_by_one() {
    reel::run(bounded(async {
        let (a, b) = UnixDatagram::pair().expect("a pair");
        for i in 0..100u32 {
            a.send(&i.to_le_bytes()).await.expect("send");
        }
        let mut buf = [0; 64];
        for i in 0..100u32 {
            let n = b.recv(&mut buf).await.expect("recv");
            assert_eq!(&buf[..n], i.to_le_bytes(), "datagram {i}");
        }
        assert_eq!(
            b.try_recv_from(&mut buf).map_err(|e| e.kind()).err(),
            Some(std::io::ErrorKind::WouldBlock),
            "nothing left"
        );
    }));
}

/// A receiver that does not read fills its queue; the sender then waits
/// for room instead of losing datagrams, and every one arrives.
#[test]
fn a_full_receiver_holds_the_sender_back_and_nothing_is_lost() {
    let dir = folder("full");
    let path = dir.join("slow.sock");
    reel::run(bounded(async move {
        let slow = UnixDatagram::bind(&path).expect("bind");
        let sender = UnixDatagram::unbound().expect("unbound");
        sender.connect(&path).expect("connect");
        const COUNT: u32 = 5_000;
        let writer = reel::spawn(async move {
            for i in 0..COUNT {
                sender.send(&i.to_le_bytes()).await.expect("send");
            }
        });
        reel::yield_now().await; // the sender runs until the queue is full
        assert!(!writer.is_finished(), "the queue filled and the sender waits for room");
        let mut buf = [0; 16];
        for i in 0..COUNT {
            let n = slow.recv(&mut buf).await.expect("recv");
            assert_eq!(&buf[..n], i.to_le_bytes());
        }
        writer.await.expect("the sender finished");
    }));
    let _ = std::fs::remove_dir_all(dir);
}
