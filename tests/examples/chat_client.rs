//! The `chat_client` example as a user meets it: the built binary, its stdin
//! a pipe the test writes to, talking to a fake chat server the test runs on
//! `std::net` (so these tests need no real server).
//!
//! Every wait is bounded: the fake server's socket has read and write
//! timeouts, its accept and the client's output are waited for on channels
//! with `recv_timeout`, the client's exit with `wait_with_deadline`, and a
//! guard kills and reaps the client, pass or fail.

#![allow(unsafe_code)]

#[path = "../common/mod.rs"]
mod common;

use common::example::{DEADLINE, example_binary, read_on_thread, wait_with_deadline};

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

const PROMPT: &str = "Welcome! Enter your name: ";

/// A running `chat_client`; killed and reaped on drop.
struct Client {
    child: Child,
    /// The client's stdin; `None` once closed.
    stdin: Option<ChildStdin>,
    /// The client's stdout, chunk by chunk as it arrives.
    stdout: Output,
    /// All of stderr, once the client has exited.
    stderr: Receiver<String>,
}

impl Client {
    /// Starts `chat_client 127.0.0.1 PORT`, every stdio piped.
    fn start(port: u16) -> Client {
        let mut child = Command::new(example_binary("chat_client"))
            .args(["127.0.0.1", &port.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the chat_client example");
        let stdin = child.stdin.take();
        let stdout = Output::new(child.stdout.take().expect("piped stdout"));
        let stderr = read_on_thread(child.stderr.take().expect("piped stderr"));
        Client { child, stdin, stdout, stderr }
    }

    /// Writes `text` to the client's stdin.
    fn type_in(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().expect("stdin is still open");
        stdin.write_all(text.as_bytes()).expect("write to the client's stdin");
        stdin.flush().expect("flush");
    }

    /// Closes the client's stdin: it reads end of input.
    fn close_stdin(&mut self) {
        drop(self.stdin.take());
    }

    /// Waits for the client to exit; its status, the rest of its stdout
    /// (after what `expect` consumed) and all of its stderr.
    fn finish(mut self) -> (ExitStatus, String, String) {
        let status = wait_with_deadline(&mut self.child).expect("the client exits in time");
        let rest = self.stdout.rest();
        let stderr = self.stderr.recv_timeout(DEADLINE).expect("the client's stderr");
        (status, rest, stderr)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A child's stdout read on a thread in chunks, as they come: the name prompt
/// has no newline, so waiting for lines would not see it.
struct Output {
    chunks: Receiver<Vec<u8>>,
    /// What arrived and was not yet matched by `expect`.
    seen: String,
}

impl Output {
    fn new(mut stream: impl Read + Send + 'static) -> Output {
        let (tx, chunks) = mpsc::channel();
        thread::spawn(move || {
            let mut buf = [0; 4096];
            while let Ok(n @ 1..) = stream.read(&mut buf) {
                if tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Output { chunks, seen: String::new() }
    }

    /// Waits up to `DEADLINE` until the output holds `text`, and consumes the
    /// output through it.
    fn expect(&mut self, text: &str) {
        let started = Instant::now();
        loop {
            if let Some(at) = self.seen.find(text) {
                self.seen.drain(..at + text.len());
                return;
            }
            let left = DEADLINE.saturating_sub(started.elapsed());
            match self.chunks.recv_timeout(left) {
                Ok(chunk) => self.seen.push_str(&String::from_utf8_lossy(&chunk)),
                Err(_) => panic!("no {text:?} on stdout within {DEADLINE:?}; got {:?}", self.seen),
            }
        }
    }

    /// Everything not yet consumed, up to the end of the stream.
    fn rest(&mut self) -> String {
        let started = Instant::now();
        loop {
            let left = DEADLINE.saturating_sub(started.elapsed());
            match self.chunks.recv_timeout(left) {
                Ok(chunk) => self.seen.push_str(&String::from_utf8_lossy(&chunk)),
                Err(RecvTimeoutError::Disconnected) => return std::mem::take(&mut self.seen),
                Err(RecvTimeoutError::Timeout) => panic!("stdout did not end within {DEADLINE:?}"),
            }
        }
    }
}

/// The fake chat server: one listening socket on 127.0.0.1, one connection.
struct FakeServer {
    listener: Option<TcpListener>,
    port: u16,
}

impl FakeServer {
    fn new() -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake server");
        let port = listener.local_addr().expect("local address").port();
        FakeServer { listener: Some(listener), port }
    }

    /// Waits up to `DEADLINE` for the client to connect.
    fn accept(&mut self) -> Connection {
        let listener = self.listener.take().expect("one connection per fake server");
        let (tx, rx) = mpsc::channel();
        // std's accept has no timeout: it runs on a thread, waited for here.
        thread::spawn(move || {
            let _ = tx.send(listener.accept());
        });
        let (stream, _peer) = rx
            .recv_timeout(DEADLINE)
            .expect("the client connects within the deadline")
            .expect("accept");
        stream.set_read_timeout(Some(DEADLINE)).expect("read timeout");
        stream.set_write_timeout(Some(DEADLINE)).expect("write timeout");
        let reader = BufReader::new(stream.try_clone().expect("clone the socket"));
        Connection { stream, reader }
    }
}

/// The fake server's side of the client's connection.
struct Connection {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Connection {
    fn send(&mut self, text: &str) {
        self.stream.write_all(text.as_bytes()).expect("the fake server sends");
    }

    /// The next line from the client, `\n` included; a timeout fails the test.
    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("a line from the client in time");
        line
    }

    /// Closes the connection with a reset (RST) instead of FIN: SO_LINGER
    /// on with a zero timeout, then close.
    fn reset(self) {
        let linger = libc::linger { l_onoff: 1, l_linger: 0 };
        // SAFETY: `linger` is a live, initialised `struct linger` whose size
        // is passed; the fd is open for the whole call.
        let rc = unsafe {
            libc::setsockopt(
                self.stream.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                (&raw const linger).cast(),
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            )
        };
        assert_eq!(rc, 0, "setsockopt(SO_LINGER): {}", std::io::Error::last_os_error());
        // Both fds (the stream and the reader's clone) must close for the RST.
    }
}

/// A client connected to a fake server that has sent the name prompt, and
/// whose prompt the client has printed.
fn connected() -> (Client, Connection) {
    let mut server = FakeServer::new();
    let mut client = Client::start(server.port);
    let mut conn = server.accept();
    conn.send(PROMPT);
    client.stdout.expect(PROMPT);
    (client, conn)
}

/// The prompt is printed without waiting for a newline; a typed name reaches
/// the server; server lines are printed while stdin stays open and idle, and
/// stdin is still read after them: both directions run at once.
#[test]
fn the_prompt_shows_and_lines_go_both_ways_at_once() {
    let (mut client, mut conn) = connected();
    client.type_in("alice\n");
    assert_eq!(conn.line(), "alice\n");

    // Nothing is typed now: the client waits on stdin and on the socket.
    conn.send("Hello, alice! Type /help for commands.\n");
    client.stdout.expect("Hello, alice! Type /help for commands.\n");
    conn.send("[12:00] bob: hi alice\n");
    client.stdout.expect("[12:00] bob: hi alice\n");

    client.type_in("hi bob\n");
    assert_eq!(conn.line(), "hi bob\n");
    // A server chunk without a newline is shown too, not held back.
    conn.send("[12:01] bob: typing");
    client.stdout.expect("[12:01] bob: typing");
}

/// `/quit` reaches the server, whose `Goodbye!` is printed; the client exits
/// 0 when the server closes, without `Server closed connection`.
#[test]
fn quit_is_sent_and_the_goodbye_printed_before_exit_0() {
    let (mut client, mut conn) = connected();
    client.type_in("alice\n");
    assert_eq!(conn.line(), "alice\n");
    client.type_in("/quit\n");
    assert_eq!(conn.line(), "/quit\n");
    conn.send("Goodbye!\n");
    drop(conn);

    let (status, rest, stderr) = client.finish();
    assert_eq!(rest, "Goodbye!\n", "nothing after the goodbye; stderr: {stderr}");
    assert!(status.success(), "exit status {status}; stderr: {stderr}");
    assert_eq!(stderr, "");
}

/// End of stdin: a last line without a newline is sent whole, then `/quit`;
/// the client keeps printing (the goodbye) and exits 0 once the server closes.
#[test]
fn eof_on_stdin_sends_quit_and_exits_0_after_the_server_closes() {
    let (mut client, mut conn) = connected();
    client.type_in("alice\nbye for now");
    client.close_stdin();
    assert_eq!(conn.line(), "alice\n");
    assert_eq!(conn.line(), "bye for now\n");
    assert_eq!(conn.line(), "/quit\n");
    conn.send("Goodbye!\n");
    drop(conn);

    let (status, rest, stderr) = client.finish();
    assert_eq!(rest, "Goodbye!\n", "stderr: {stderr}");
    assert!(status.success(), "exit status {status}; stderr: {stderr}");
}

/// End of stdin against a server that ignores `/quit` and stays connected:
/// the client gives up waiting after its short bound and exits 0.
#[test]
fn eof_on_stdin_exits_0_within_the_bound_if_the_server_stays() {
    let (mut client, mut conn) = connected();
    client.close_stdin();
    assert_eq!(conn.line(), "/quit\n");
    let started = Instant::now();
    let status = wait_with_deadline(&mut client.child).expect("the client exits in time");
    let waited = started.elapsed();
    let mut rest = String::new();
    conn.reader.read_to_string(&mut rest).expect("the client closed the connection");
    assert_eq!(rest, "", "nothing after /quit");
    let (_, stdout, stderr) = client.finish();
    assert!(status.success(), "exit status {status}; stderr: {stderr}");
    // It waited for the server (the bound is 2 s), but not much longer.
    assert!(waited > Duration::from_secs(1), "exited after {waited:?}, without waiting");
    assert!(waited < Duration::from_secs(5), "exited after {waited:?}, not about 2 s");
    assert_eq!(stdout, "");
    assert!(stderr.contains("did not close"), "the wait is noted on stderr: {stderr:?}");
}

/// The server closing on its own while stdin is open:
/// `Server closed connection`, exit 0.
#[test]
fn the_server_closing_prints_server_closed_connection_and_exits_0() {
    let (client, mut conn) = connected();
    conn.send("Too many attempts. Goodbye!\n");
    drop(conn);
    let (status, rest, stderr) = client.finish();
    assert_eq!(rest, "Too many attempts. Goodbye!\nServer closed connection\n");
    assert!(status.success(), "exit status {status}; stderr: {stderr}");
    assert_eq!(stderr, "");
}

/// A reset counts as the server closing: the same line and exit 0, with
/// the OS error as a note on stderr.
#[test]
fn a_reset_from_the_server_counts_as_closed() {
    let (client, conn) = connected();
    conn.reset();
    let (status, rest, stderr) = client.finish();
    assert_eq!(rest, "Server closed connection\n", "stderr: {stderr}");
    assert!(status.success(), "exit status {status}; stderr: {stderr}");
    assert!(stderr.starts_with("chat_client: "), "the reset is noted on stderr: {stderr:?}");
    assert!(stderr.contains("reset"), "the reset is noted on stderr: {stderr:?}");
}

/// A closed port: exactly `Cannot connect to 127.0.0.1:PORT` on stderr,
/// nothing on stdout, exit 1.
#[test]
fn a_closed_port_prints_cannot_connect_and_exits_1() {
    // A port that was just free: bound by the OS, then released.
    let port = FakeServer::new().port;
    let client = Client::start(port);
    let (status, stdout, stderr) = client.finish();
    assert_eq!(stderr, format!("Cannot connect to 127.0.0.1:{port}\n"));
    assert_eq!(stdout, "");
    assert_eq!(status.code(), Some(1));
}

/// `--help` names both positional arguments and their defaults.
#[test]
fn help_shows_host_and_port_with_their_defaults() {
    let output = Command::new(example_binary("chat_client"))
        .arg("--help")
        .stdin(Stdio::null())
        .output()
        .expect("run chat_client --help");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for part in ["[HOST]", "[PORT]", "[default: 127.0.0.1]", "[default: 8889]"] {
        assert!(help.contains(part), "{part} in:\n{help}");
    }
}
