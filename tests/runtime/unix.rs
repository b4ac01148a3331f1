//! Unix domain sockets: `reel::net::UnixListener` and `UnixStream` against
//! std peers, `reel::open_unix_connection`, and what a bind does with a
//! socket file already at its path (stale, live, or not a socket).
//!
//! Each test works in a directory of its own under the temp dir, removed at
//! the end; every wait is bounded.

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener as StdListener, UnixStream as StdStream};
use std::path::PathBuf;
use std::time::Duration;

use reel::net::{UnixListener, UnixStream};

#[path = "../common/mod.rs"]
mod common;

use common::bounded;

/// A fresh directory for one test's socket files; removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("reel-unix-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("make the test's directory");
        Dir(dir)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn std_client(path: PathBuf) -> StdStream {
    let stream = StdStream::connect(path).expect("std client connects");
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    stream
}

#[test]
fn a_listener_accepts_and_split_halves_echo_to_a_std_client() {
    let dir = Dir::new("echo");
    let path = dir.path("echo.sock");
    reel::run(async move {
        let listener = UnixListener::bind(&path).expect("bind");
        assert_eq!(listener.local_addr().unwrap().as_pathname(), Some(path.as_path()));
        let client_path = path.clone();
        let client = reel::spawn_blocking(move || {
            let mut stream = std_client(client_path);
            let sent: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
            stream.write_all(&sent).expect("send");
            stream.shutdown(std::net::Shutdown::Write).expect("half-close");
            let mut back = Vec::new();
            stream.read_to_end(&mut back).expect("read the echo to EOF");
            back == sent
        });
        let (stream, _peer) = bounded(listener.accept()).await.expect("accept");
        let (mut reader, mut writer) = stream.into_split();
        let mut buf = vec![0; 16 * 1024];
        loop {
            let n = bounded(reader.read(&mut buf)).await.expect("read");
            if n == 0 {
                break;
            }
            bounded(writer.write_all(&buf[..n])).await.expect("write");
        }
        drop(writer);
        assert!(bounded(client).await.unwrap(), "200,000 bytes came back whole, then EOF");
    });
}

#[test]
fn open_unix_connection_gives_a_reader_and_a_writer() {
    let dir = Dir::new("open");
    let path = dir.path("lines.sock");
    let listener = StdListener::bind(&path).expect("std bind");
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("std accept");
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        stream.write_all(b"hello\nworld\n").expect("std write");
        let mut got = [0; 4];
        stream.read_exact(&mut got).expect("std read");
        got
    });
    reel::run(async move {
        let (mut reader, mut writer) =
            bounded(reel::open_unix_connection(&path)).await.expect("connect");
        assert_eq!(bounded(reader.read_line()).await.unwrap(), b"hello\n");
        assert_eq!(bounded(reader.read_line()).await.unwrap(), b"world\n");
        writer.write(b"ping").expect("queue");
        bounded(writer.drain()).await.expect("drain");
    });
    assert_eq!(&server.join().unwrap(), b"ping");
}

#[test]
fn a_stale_socket_file_is_reported_and_can_be_replaced() {
    let dir = Dir::new("stale");
    let path = dir.path("stale.sock");
    drop(StdListener::bind(&path).expect("std bind")); // a killed server's leftover
    assert!(path.exists(), "closing a socket leaves its file");
    reel::run(async move {
        let error = UnixListener::bind(&path).expect_err("the file is there");
        assert_eq!(error.kind(), std::io::ErrorKind::AddrInUse);
        let message = error.to_string();
        assert!(message.contains("stale") && message.contains("stale.sock"), "{message}");

        let listener = UnixListener::bind_replacing_stale(&path).expect("replaces the stale file");
        let connecting = UnixStream::connect(&path);
        let (accepted, connected) = reel::sync::join(listener.accept(), connecting).await;
        accepted.expect("accept");
        connected.expect("a client reaches the new listener");
    });
}

#[test]
fn a_live_socket_or_a_plain_file_is_never_replaced() {
    let dir = Dir::new("live");
    let (live, plain) = (dir.path("live.sock"), dir.path("plain"));
    std::fs::write(&plain, b"keep me").unwrap();
    let plain_path = plain.clone();
    reel::run(async move {
        let listener = UnixListener::bind(&live).expect("bind");
        for attempt in [UnixListener::bind(&live), UnixListener::bind_replacing_stale(&live)] {
            let message = attempt.expect_err("the path is live").to_string();
            assert!(message.contains("taken"), "{message}");
        }
        let (accepted, connected) =
            reel::sync::join(listener.accept(), UnixStream::connect(&live)).await;
        assert!(accepted.is_ok() && connected.is_ok(), "the live server still serves");

        let error = UnixListener::bind_replacing_stale(&plain_path).expect_err("not a socket");
        assert_eq!(error.kind(), std::io::ErrorKind::AddrInUse);
    });
    assert_eq!(std::fs::read(&plain).unwrap(), b"keep me", "a plain file is left alone");
}

#[test]
fn connecting_where_nobody_listens_is_an_error() {
    let dir = Dir::new("nobody");
    let path = dir.path("none.sock");
    reel::run(async move {
        let error = bounded(UnixStream::connect(path)).await.expect_err("none");
        assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
    });
}

/// `start_unix_server`: a stale file from a killed server is replaced, two
/// std clients are served by line, and `close` removes the socket file
/// while `wait_closed` waits for the handlers.
#[test]
fn start_unix_server_serves_clients_and_close_removes_its_file() {
    let dir = Dir::new("server");
    let path = dir.path("server.sock");
    drop(StdListener::bind(&path).expect("std bind")); // stale
    let server_path = path.clone();
    reel::run(async move {
        let server =
            reel::stream::start_unix_server(&server_path, |mut reader, mut writer| async move {
                while let Ok(line) = reader.read_line().await {
                    if line.is_empty() || writer.write(&line).is_err() {
                        break;
                    }
                }
                let _ = writer.wait_closed().await;
            })
            .expect("start over the stale file");
        assert!(server.local_addrs().is_empty(), "a Unix server has no IP address");
        let client_path = server_path.clone();
        let clients = reel::spawn_blocking(move || {
            let replies: Vec<String> = (0..2)
                .map(|i| {
                    let mut stream = std_client(client_path.clone());
                    stream.write_all(format!("hello {i}\n").as_bytes()).unwrap();
                    stream.shutdown(std::net::Shutdown::Write).unwrap();
                    let mut back = String::new();
                    stream.read_to_string(&mut back).expect("the echo, then EOF");
                    back
                })
                .collect();
            replies
        });
        let replies = bounded(clients).await.expect("the clients ran");
        assert_eq!(replies, ["hello 0\n", "hello 1\n"]);
        assert!(server_path.exists());
        server.close();
        assert!(!server_path.exists(), "close removes the socket file it made");
        bounded(server.wait_closed()).await;
    });
}
