//! `TcpStream::sendfile` (asyncio's `loop.sock_sendfile`) and
//! `write_all_more` against plain std peers on loopback: the bytes arrive
//! exactly and in order, from the offset asked for, through a full send
//! buffer; a file shorter than promised is an error after the bytes it had.

#[path = "../common/mod.rs"]
mod common;

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::thread;
use std::time::Duration;

use common::bounded;
use reel::net::{TcpListener, TcpStream};

fn temp_file(name: &str, content: &[u8]) -> (PathBuf, std::fs::File) {
    let dir = std::env::temp_dir().join(format!("reel-sendfile-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("data.bin");
    std::fs::File::create(&path).and_then(|mut f| f.write_all(content)).expect("write file");
    let file = std::fs::File::open(&path).expect("open file");
    (dir, file)
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8 ^ (i / 251) as u8).collect()
}

/// A std client that connects to `addr`, waits `pause`, then reads to EOF.
fn reader(addr: SocketAddr, pause: Duration) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(common::LIMIT)).expect("timeout");
        thread::sleep(pause);
        let mut got = Vec::new();
        stream.read_to_end(&mut got).expect("read to EOF");
        got
    })
}

#[test]
fn a_file_larger_than_the_send_buffer_arrives_exactly_from_its_offset() {
    let content = pattern(8 << 20);
    let (dir, file) = temp_file("large", &content);
    reel::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        // The client reads only after a pause, so the send buffer fills and
        // the task has to wait for writability, perhaps many times.
        let client = reader(listener.local_addr().expect("addr"), Duration::from_millis(100));
        let (stream, _) = bounded(listener.accept()).await.expect("accept");
        let offset = 12_345;
        let len = content.len() as u64 - offset - 6_789;
        bounded(stream.sendfile(&file, offset, len)).await.expect("sendfile");
        drop(stream);
        let got = client.join().expect("reader thread");
        let want = &content[offset as usize..][..len as usize];
        assert_eq!(got.len(), want.len());
        assert!(got == want, "the bytes differ");
    });
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_head_written_with_more_to_follow_arrives_before_the_file() {
    let content = pattern(300_000);
    let (dir, file) = temp_file("head", &content);
    reel::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let client = reader(listener.local_addr().expect("addr"), Duration::ZERO);
        let (stream, _) = bounded(listener.accept()).await.expect("accept");
        stream.set_nodelay(true).expect("nodelay");
        let head = b"HEAD LINE\r\n\r\n";
        bounded(stream.write_all_more(head)).await.expect("head");
        bounded(stream.sendfile(&file, 0, content.len() as u64)).await.expect("file");
        // A plain write after the held bytes still goes out, in order.
        let mut stream = stream;
        bounded(stream.write_all(b"tail")).await.expect("tail");
        drop(stream);
        let got = client.join().expect("reader thread");
        assert_eq!(got.len(), head.len() + content.len() + 4);
        assert!(got.starts_with(head) && got.ends_with(b"tail"), "head first, tail last");
        assert!(got[head.len()..][..content.len()] == content[..], "the file between");
    });
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_file_shorter_than_promised_is_unexpected_eof_after_its_bytes() {
    let content = pattern(10_000);
    let (dir, file) = temp_file("short", &content);
    reel::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let client = reader(listener.local_addr().expect("addr"), Duration::ZERO);
        let (stream, _) = bounded(listener.accept()).await.expect("accept");
        let error = bounded(stream.sendfile(&file, 0, 20_000)).await.expect_err("too short");
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        assert!(bounded(stream.sendfile(&file, 100, 0)).await.is_ok(), "nothing to send is Ok");
        drop(stream);
        assert!(client.join().expect("reader thread") == content, "the file's bytes came first");
    });
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_reset_peer_is_an_error_not_a_hang() {
    let content = pattern(16 << 20);
    let (dir, file) = temp_file("reset", &content);
    reel::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        // This client reads a little, then closes with unread data: a reset.
        let client = thread::spawn(move || {
            let mut stream = std::net::TcpStream::connect(addr).expect("connect");
            let mut first = [0; 1024];
            stream.read_exact(&mut first).expect("first bytes");
        });
        let (stream, _): (TcpStream, _) = bounded(listener.accept()).await.expect("accept");
        let sent = bounded(stream.sendfile(&file, 0, content.len() as u64)).await;
        client.join().expect("client thread");
        assert!(sent.is_err(), "16 MiB cannot all go to a peer that reset");
    });
    let _ = std::fs::remove_dir_all(dir);
}
