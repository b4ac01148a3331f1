//! `StreamReader::read_until_any`: asyncio 3.13's `readuntil` with several
//! separators.

#[path = "../common/mod.rs"]
mod common;

use std::io::Write;

use common::bounded;
use reel::net::TcpListener;
use reel::stream::{IncompleteRead, LimitOverrun, StreamReader};

/// A reader over a connection whose peer wrote `bytes` and closed.
async fn reader_of(bytes: &'static [u8], limit: usize) -> StreamReader {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let mut peer = std::net::TcpStream::connect(addr).expect("connect");
        peer.write_all(bytes).expect("write");
    });
    let (stream, _) = bounded(listener.accept()).await.expect("accept");
    StreamReader::with_limit(stream.into_split().0, limit)
}

#[test]
fn the_first_separator_to_end_wins_and_the_longest_of_a_tie() {
    reel::run(async {
        let mut reader = reader_of(b"a;b\r\nc\nd\r\n\r\ne", 1024).await;
        let seps: &[&[u8]] = &[b"\n", b";", b"\r\n"];
        assert_eq!(bounded(reader.read_until_any(seps)).await.unwrap(), b"a;");
        // "\r\n" and "\n" end at the same byte: the longer one is the match.
        assert_eq!(bounded(reader.read_until_any(seps)).await.unwrap(), b"b\r\n");
        assert_eq!(bounded(reader.read_until_any(seps)).await.unwrap(), b"c\n");
        let blank: &[&[u8]] = &[b"\r\n\r\n", b"\n\n"];
        assert_eq!(bounded(reader.read_until_any(blank)).await.unwrap(), b"d\r\n\r\n");
        let err = bounded(reader.read_until_any(seps)).await.expect_err("EOF first");
        assert_eq!(IncompleteRead::take(err), b"e");
    });
}

#[test]
fn an_overrun_skips_through_any_of_the_separators() {
    reel::run(async {
        let mut reader = reader_of(b"xxxxxxxxxxxxxxxxxxxxxxxx|rest;next|", 8).await;
        let seps: &[&[u8]] = &[b";", b"|"];
        let err = bounded(reader.read_until_any(seps)).await.expect_err("over the limit");
        assert!(LimitOverrun::is(&err), "{err}");
        assert_eq!(bounded(reader.read_until_any(seps)).await.unwrap(), b"rest;");
        assert_eq!(bounded(reader.read_until_any(seps)).await.unwrap(), b"next|");
    });
}
