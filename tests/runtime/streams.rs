//! StreamReader and StreamWriter against plain std peers: limits, partial
//! reads, EOF, backpressure, delivery after drop, and resets.

#[path = "../common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener as StdListener};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::{LIMIT, bounded};
use reel::net::TcpListener;
use reel::stream::{self, IncompleteRead, LimitOverrun, StreamReader, StreamWriter};

type Peer<T> = (StreamReader, StreamWriter, thread::JoinHandle<T>);

/// Starts a reel listener and a std peer thread running `peer` against it;
/// returns the accepted reader/writer and the peer's join handle.
async fn with_peer<T: Send + 'static>(
    peer: impl FnOnce(std::net::TcpStream) -> T + Send + 'static,
) -> Peer<T> {
    with_peer_limit(stream::DEFAULT_LIMIT, peer).await
}

/// [`with_peer`] with a reader limited to `limit` bytes.
async fn with_peer_limit<T: Send + 'static>(
    limit: usize,
    peer: impl FnOnce(std::net::TcpStream) -> T + Send + 'static,
) -> Peer<T> {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let handle = thread::spawn(move || {
        let stream = std::net::TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(LIMIT)).expect("timeout");
        stream.set_write_timeout(Some(LIMIT)).expect("timeout");
        peer(stream)
    });
    let (stream, _) = bounded(listener.accept()).await.expect("accept");
    let (read, write) = stream.into_split();
    (StreamReader::with_limit(read, limit), StreamWriter::new(write), handle)
}

#[test]
fn read_returns_what_is_there_and_empty_at_eof() {
    reel::run(async {
        let (mut reader, _writer, peer) = with_peer(|mut s| {
            s.write_all(b"hello world").expect("write");
        })
        .await;
        let first = bounded(reader.read(5)).await.expect("read");
        assert_eq!(first, b"hello");
        let mut rest = Vec::new();
        loop {
            let chunk = bounded(reader.read(100)).await.expect("read");
            if chunk.is_empty() {
                break;
            }
            rest.extend(chunk);
        }
        assert_eq!(rest, b" world");
        assert!(reader.at_eof());
        peer.join().expect("peer");
    });
}

#[test]
fn read_line_splits_lines_and_returns_the_unterminated_rest_at_eof() {
    reel::run(async {
        let (mut reader, _writer, peer) = with_peer(|mut s| {
            // Split writes: a line may arrive in pieces.
            for piece in [&b"one\ntw"[..], b"o\r\nthr", b"ee"] {
                s.write_all(piece).expect("write");
                s.flush().expect("flush");
            }
        })
        .await;
        assert_eq!(bounded(reader.read_line()).await.unwrap(), b"one\n");
        assert_eq!(bounded(reader.read_line()).await.unwrap(), b"two\r\n");
        assert_eq!(bounded(reader.read_line()).await.unwrap(), b"three");
        assert_eq!(bounded(reader.read_line()).await.unwrap(), b"", "EOF");
        assert_eq!(reader.buffered(), 0);
        peer.join().expect("peer");
    });
}

#[test]
fn read_until_finds_a_separator_split_across_reads() {
    reel::run(async {
        let (tx, rx) = mpsc::channel::<&'static [u8]>();
        let (mut reader, _writer, peer) = with_peer(move |mut s| {
            while let Ok(piece) = rx.recv_timeout(LIMIT) {
                s.write_all(piece).expect("write");
            }
        })
        .await;
        tx.send(b"header\r\n\r").expect("peer alive");
        let read = reel::spawn(async move {
            let block = reader.read_until(b"\r\n\r\n").await;
            (block, reader)
        });
        reel::yield_now().await; // the reader parks on a partial separator
        tx.send(b"\nbody").expect("peer alive");
        let (block, mut reader) = bounded(read).await.expect("task");
        assert_eq!(block.expect("found"), b"header\r\n\r\n");
        drop(tx);
        let err = bounded(reader.read_until(b"\r\n\r\n")).await.expect_err("EOF first");
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
        assert_eq!(IncompleteRead::take(err), b"body");
        peer.join().expect("peer");
    });
}

#[test]
fn read_exact_at_eof_carries_the_partial_bytes() {
    reel::run(async {
        let (mut reader, _writer, peer) = with_peer(|mut s| {
            s.write_all(b"0123456789abc").expect("write");
        })
        .await;
        assert_eq!(bounded(reader.read_exact(10)).await.unwrap(), b"0123456789");
        let err = bounded(reader.read_exact(10)).await.expect_err("only 3 left");
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
        assert!(err.to_string().contains("3 of 10"), "{err}");
        assert_eq!(IncompleteRead::take(err), b"abc");
        peer.join().expect("peer");
    });
}

#[test]
fn an_overlong_line_is_refused_without_growing_the_buffer_and_the_reader_goes_on() {
    reel::run(async {
        let (mut reader, _writer, peer) = with_peer_limit(1024, |mut s| {
            // 1 MiB with no newline, then its end, then a normal line.
            s.write_all(&vec![b'x'; 1 << 20]).expect("write");
            s.write_all(b"end of the long one\nnext line\n").expect("write");
        })
        .await;
        let err = bounded(reader.read_line()).await.expect_err("over the limit");
        assert!(LimitOverrun::is(&err), "{err}");
        assert!(reader.buffered() <= 1024, "buffer held {}", reader.buffered());
        // The rest of the overlong line is skipped; the next line is intact.
        assert_eq!(bounded(reader.read_line()).await.unwrap(), b"next line\n");
        assert_eq!(bounded(reader.read_line()).await.unwrap(), b"");
        peer.join().expect("peer");
    });
}

#[test]
fn after_an_overrun_read_exact_also_starts_at_the_next_record() {
    reel::run(async {
        let (mut reader, _writer, peer) = with_peer_limit(16, |mut s| {
            s.write_all(&[b'x'; 100]).expect("write");
            s.write_all(b"\n0123rest").expect("write");
        })
        .await;
        let err = bounded(reader.read_line()).await.expect_err("over the limit");
        assert!(LimitOverrun::is(&err), "{err}");
        // Found by the stream_reader_records fuzzer: read_exact used to
        // return the middle of the overlong line, depending on how the
        // input had been split into reads.
        assert_eq!(bounded(reader.read_exact(4)).await.unwrap(), b"0123");
        assert_eq!(bounded(reader.read(100)).await.unwrap(), b"rest");
        peer.join().expect("peer");
    });
}

#[test]
fn drain_waits_while_the_peer_does_not_read_and_resumes_when_it_does() {
    reel::run(async {
        let (start_reading, go) = mpsc::channel::<()>();
        let (_reader, mut writer, peer) = with_peer(move |mut s| {
            go.recv_timeout(LIMIT).expect("told to read");
            let mut total = 0usize;
            let mut buf = vec![0u8; 1 << 16];
            loop {
                match s.read(&mut buf) {
                    Ok(0) => return total,
                    Ok(n) => total += n,
                    Err(e) => panic!("peer read: {e}"),
                }
            }
        })
        .await;
        let chunk = vec![7u8; 64 * 1024];
        let mut written = 0usize;
        // Fill the kernel's buffers until drain has to wait.
        loop {
            writer.write(&chunk).expect("write");
            written += chunk.len();
            let drained = reel::timeout(Duration::from_millis(200), writer.drain()).await;
            if drained.is_err() {
                break;
            }
            assert!(written < 256 << 20, "drain never waited");
        }
        assert!(writer.buffered() > stream::DEFAULT_LOW_WATER, "waiting above the low mark");
        start_reading.send(()).expect("peer alive");
        bounded(writer.drain()).await.expect("drain resumes once the peer reads");
        bounded(writer.wait_closed()).await.expect("closed");
        assert_eq!(peer.join().expect("peer"), written, "every accepted byte arrived");
    });
}

#[test]
fn a_dropped_writer_still_delivers_what_it_accepted() {
    reel::run(async {
        let (go, wait) = mpsc::channel::<()>();
        let (_reader, mut writer, peer) = with_peer(move |mut s| {
            wait.recv_timeout(LIMIT).expect("told to read");
            let mut all = Vec::new();
            s.read_to_end(&mut all).expect("read to EOF");
            all
        })
        .await;
        let payload: Vec<u8> = (0..4 << 20).map(|i| (i % 251) as u8).collect();
        writer.write(&payload).expect("accepted");
        assert!(writer.buffered() > 0, "more than the kernel takes at once");
        drop(writer);
        go.send(()).expect("peer alive");
        // The flusher task finishes the job; wait for the peer's EOF.
        let received =
            bounded(reel::spawn_blocking(move || peer.join().expect("peer"))).await.expect("join");
        assert_eq!(received.len(), payload.len());
        assert!(received == payload, "bytes arrived intact and in order");
    });
}

#[test]
fn a_reset_peer_surfaces_as_an_error_from_write_or_drain() {
    reel::run(async {
        let (_reader, mut writer, peer) = with_peer(|s| {
            // Close at once; our writes then meet RST.
            s.shutdown(Shutdown::Both).expect("shutdown");
        })
        .await;
        peer.join().expect("peer");
        let chunk = vec![1u8; 64 * 1024];
        let mut failure = None;
        for _ in 0..1000 {
            let step = match writer.write(&chunk) {
                Ok(()) => bounded(writer.drain()).await,
                Err(e) => Err(e),
            };
            if let Err(e) = step {
                failure = Some(e);
                break;
            }
        }
        let e = failure.expect("a write to a closed peer fails");
        assert!(
            matches!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
            ),
            "{e:?}"
        );
        assert!(writer.write(b"more").is_err(), "the failure sticks");
    });
}

#[test]
fn open_connection_resolves_names_and_talks_to_a_std_server() {
    reel::run(async {
        let server = StdListener::bind("127.0.0.1:0").expect("bind");
        let port = server.local_addr().expect("addr").port();
        let echo = thread::spawn(move || {
            let (mut s, _) = server.accept().expect("accept");
            let mut line = [0u8; 6];
            s.read_exact(&mut line).expect("read");
            s.write_all(&line).expect("write");
        });
        let (mut reader, mut writer) =
            bounded(reel::open_connection("localhost", port)).await.expect("connect");
        let peer: SocketAddr = writer.peer_addr().expect("peer");
        assert_eq!(peer.port(), port);
        writer.write(b"hello\n").expect("write");
        bounded(writer.drain()).await.expect("drain");
        assert_eq!(bounded(reader.read_line()).await.expect("line"), b"hello\n");
        echo.join().expect("server");
        let refused = bounded(reel::open_connection("127.0.0.1", 1)).await;
        assert!(refused.is_err(), "nothing listens on port 1");
    });
}

#[test]
fn abort_gives_up_on_a_peer_that_never_reads_and_frees_the_socket() {
    reel::run(async {
        let (done, wait) = mpsc::channel::<()>();
        let (reader, mut writer, peer) = with_peer(move |s| {
            // Never reads; holds the socket open until the test is done.
            wait.recv_timeout(LIMIT).ok();
            drop(s);
        })
        .await;
        let baseline = reel::stats().registrations;
        writer.write(&vec![9u8; 4 << 20]).expect("accepted");
        assert!(writer.buffered() > 0, "the peer does not read: bytes wait in the writer");
        drop(reader);
        writer.abort();
        assert!(writer.write(b"more").is_err(), "an aborted writer takes nothing");
        drop(writer);
        // The cancelled flusher is dropped in the next tick; then the socket goes.
        reel::yield_now().await;
        reel::yield_now().await;
        assert_eq!(reel::stats().registrations, baseline - 1, "the socket is closed");
        assert_eq!(reel::stats().tasks, 1, "no flusher left behind");
        done.send(()).expect("peer alive");
        peer.join().expect("peer");
    });
}
