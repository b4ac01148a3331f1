//! The `futures-io` feature: crates written against `futures_io`'s traits
//! run on reel. futures-lite's `io::copy`, `AsyncBufReadExt::read_line` and
//! `AsyncWriteExt::write_all` drive reel's `TcpStream`, its halves and a
//! `StreamReader`, against std peers on loopback. Run with
//! `cargo test --features futures-io --test futures_io` (as .ci/run does).

use std::io::{Read, Write};

use futures_lite::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use reel::net::TcpListener;
use reel::stream::StreamReader;

#[path = "../common/mod.rs"]
mod common;

use common::bounded;
use common::net::{pattern, set_timeouts};

/// A std client on a thread: sends `data`, half-closes, returns all it read.
fn std_client(addr: std::net::SocketAddr, data: Vec<u8>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        set_timeouts(&stream);
        let mut writer = stream.try_clone().unwrap();
        let sending = std::thread::spawn(move || {
            writer.write_all(&data).expect("send");
            writer.shutdown(std::net::Shutdown::Write).expect("half-close");
        });
        let mut back = Vec::new();
        stream.read_to_end(&mut back).expect("read to EOF");
        sending.join().unwrap();
        back
    })
}

#[test]
fn futures_lite_io_copy_echoes_over_split_halves() {
    reel::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let sent = pattern(300_000, 7);
        let client = std_client(listener.local_addr().unwrap(), sent.clone());
        let (stream, _) = bounded(listener.accept()).await.expect("accept");
        let (mut reader, mut writer) = stream.into_split();
        let copied = bounded(futures_lite::io::copy(&mut reader, &mut writer)).await.unwrap();
        assert_eq!(copied, 300_000);
        bounded(writer.close()).await.expect("close sends FIN");
        drop((reader, writer));
        let back = client.join().unwrap();
        assert!(back == sent, "the copy came back whole");
    });
}

#[test]
fn futures_lite_reads_lines_from_a_stream_reader_and_writes_to_a_stream() {
    reel::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std_client(listener.local_addr().unwrap(), b"one\ntwo\nthree".to_vec());
        let (stream, _) = bounded(listener.accept()).await.expect("accept");
        let (read, _write) = stream.into_split();
        let mut reader = StreamReader::new(read);
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            if bounded(AsyncBufReadExt::read_line(&mut reader, &mut line)).await.unwrap() == 0 {
                break;
            }
            lines.push(line);
        }
        assert_eq!(lines, ["one\n", "two\n", "three"]);
        drop((reader, _write));
        assert!(client.join().unwrap().is_empty());

        // A whole TcpStream through AsyncWriteExt / AsyncReadExt.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std_client(listener.local_addr().unwrap(), b"ping".to_vec());
        let (mut server, _) = bounded(listener.accept()).await.expect("accept");
        let mut got = [0; 4];
        bounded(AsyncReadExt::read_exact(&mut server, &mut got)).await.unwrap();
        assert_eq!(&got, b"ping");
        bounded(AsyncWriteExt::write_all(&mut server, b"pong")).await.unwrap();
        bounded(AsyncWriteExt::close(&mut server)).await.unwrap();
        assert_eq!(client.join().unwrap(), b"pong");
    });
}
