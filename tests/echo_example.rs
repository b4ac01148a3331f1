//! Black-box tests of the `echo` example, run as a user runs it: the built
//! binary, a port picked by the OS, and plain `std::net` clients.
//!
//! Every wait is bounded: socket reads and writes have timeouts, the child's
//! stdout is read on a thread and waited for with `recv_timeout`, and every
//! child is killed and reaped when its guard drops, pass or fail.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

/// The longest any single wait in these tests may take before it fails.
const DEADLINE: Duration = Duration::from_secs(10);

/// The example binary: `target/<profile>/examples/echo`, next to the `deps`
/// folder this test binary runs from.
///
/// A plain `cargo test` builds it before running the tests, but
/// `cargo test --test echo_example` does not, and an earlier build may be
/// stale; so the first call runs `cargo build --example echo` (a no-op when
/// the binary is fresh) with the same profile.
fn echo_binary() -> &'static PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let exe = std::env::current_exe().expect("path of this test binary");
        let deps = exe.parent().expect("the deps folder");
        let profile_dir = deps.parent().expect("the profile folder (target/debug)");
        let binary =
            profile_dir.join("examples").join(format!("echo{}", std::env::consts::EXE_SUFFIX));
        let profile = match profile_dir.file_name().and_then(|name| name.to_str()) {
            Some("debug") | None => "dev",
            Some(other) => other,
        };
        let built = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--example", "echo", "--profile", profile])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status();
        match built {
            Ok(status) => assert!(status.success(), "cargo build --example echo failed: {status}"),
            // No cargo here (a copied test binary): use what was built.
            Err(e) => eprintln!("could not run cargo ({e}); using {}", binary.display()),
        }
        assert!(binary.is_file(), "the echo example is not built at {}", binary.display());
        binary
    })
}

/// Waits for the child to exit, for at most `DEADLINE`.
fn wait_with_deadline(child: &mut Child) -> Option<ExitStatus> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        if started.elapsed() > DEADLINE {
            return None;
        }
        // There is no event to await for a child's exit in std: poll.
        thread::sleep(Duration::from_millis(5));
    }
}

/// Reads `stream` to its end on a thread; the text arrives on the channel.
fn read_on_thread(mut stream: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut text = String::new();
        let _ = stream.read_to_string(&mut text);
        let _ = tx.send(text);
    });
    rx
}

/// A running echo server; killed and reaped on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
    /// Stdout lines after the first, from a reader thread.
    more_lines: Receiver<String>,
}

impl Server {
    /// Starts `echo --port 0` and waits for its one line on stdout.
    fn start() -> Server {
        let mut child = Command::new(echo_binary())
            .args(["--port", "0"])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the echo example");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Build the guard first, so the child dies even if the line is wrong.
        let mut server =
            Server { child, addr: SocketAddr::from(([0, 0, 0, 0], 0)), more_lines: lines };
        let first = server
            .more_lines
            .recv_timeout(DEADLINE)
            .expect("the server prints its address within the deadline");
        let port = first
            .strip_prefix("listening on 127.0.0.1:")
            .and_then(|port| port.parse::<u16>().ok())
            .unwrap_or_else(|| panic!("unexpected first line: {first:?}"));
        assert_ne!(port, 0, "the real port is printed, not 0");
        assert_eq!(first, format!("listening on 127.0.0.1:{port}"), "the line is exact");
        server.addr = SocketAddr::from(([127, 0, 0, 1], port));
        server
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.addr).expect("connect to the echo server");
        stream.set_read_timeout(Some(DEADLINE)).expect("read timeout");
        stream.set_write_timeout(Some(DEADLINE)).expect("write timeout");
        stream
    }

    fn assert_running(&mut self) {
        let status = self.child.try_wait().expect("try_wait");
        assert!(status.is_none(), "the server exited: {status:?}");
    }

    /// Kills the server and returns the stdout lines it printed after the
    /// first one.
    fn stop(mut self) -> Vec<String> {
        self.kill();
        let mut lines = Vec::new();
        while let Ok(line) = self.more_lines.recv_timeout(DEADLINE) {
            lines.push(line);
        }
        lines
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `len` bytes that are not all the same, so a reordered or shifted echo shows.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i % 253) as u8 ^ seed).collect()
}

/// Sends `payload` from one thread while this one reads the echo, then
/// half-closes; returns everything read up to the server's EOF.
fn round_trip(stream: TcpStream, payload: Vec<u8>) -> Vec<u8> {
    let mut writer = stream.try_clone().expect("clone the client socket");
    let writing = thread::spawn(move || -> io::Result<()> {
        writer.write_all(&payload)?;
        writer.shutdown(Shutdown::Write)
    });
    let mut reader = stream;
    let mut back = Vec::new();
    reader.read_to_end(&mut back).expect("read the echo to EOF");
    writing.join().expect("writer thread did not panic").expect("write the payload");
    back
}

/// (a) Several clients at once, one of them sending 1 MB: each gets back
/// exactly what it sent, then EOF. The server prints nothing more on stdout.
#[test]
fn concurrent_clients_get_their_bytes_back() {
    let server = Server::start();
    let sizes = [1, 13, 4096, 4097, 65_536 + 7, 300_000, 1 << 20];
    let clients: Vec<_> = sizes
        .iter()
        .enumerate()
        .map(|(i, &size)| {
            let stream = server.connect();
            thread::spawn(move || {
                let payload = pattern(size, i as u8);
                let back = round_trip(stream, payload.clone());
                (size, back == payload, back.len())
            })
        })
        .collect();
    for client in clients {
        let (size, same, got) = client.join().expect("client thread did not panic");
        assert_eq!(got, size, "a client sending {size} bytes got {got} back");
        assert!(same, "the {size}-byte echo differs from what was sent");
    }
    let more = server.stop();
    assert!(more.is_empty(), "stdout has exactly one line; also got {more:?}");
}

/// Sets SO_LINGER to zero: closing the socket then sends RST instead of FIN.
#[allow(unsafe_code)]
fn set_linger_zero(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    // SAFETY: the value pointer and length describe `linger`, a live struct,
    // and the fd belongs to `stream`, which is open for the whole call.
    let result = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(result, 0, "setsockopt(SO_LINGER): {}", io::Error::last_os_error());
}

/// (b) Clients that vanish rudely do not take the server down: one resets
/// with SO_LINGER 0 after sending, one closes with its echo unread (the
/// kernel resets), one connects and closes at once. Afterwards the server
/// still runs and a new client gets its echo.
#[test]
fn clients_that_reset_do_not_kill_the_server() {
    let mut server = Server::start();
    for _ in 0..5 {
        // A hard reset right after sending.
        let mut client = server.connect();
        client.write_all(&pattern(10_000, 1)).expect("send before the reset");
        set_linger_zero(&client);
        drop(client);

        // Close with the echo unread: wait until part of it has come back
        // (peek does not consume it), then close; unread data means RST.
        let mut client = server.connect();
        client.write_all(&pattern(20_000, 2)).expect("send a lot");
        let mut first = [0; 1];
        assert_eq!(client.peek(&mut first).expect("the echo starts"), 1);
        drop(client);

        // Connect and go.
        drop(server.connect());
    }

    let back = round_trip(server.connect(), b"are you still there?".to_vec());
    assert_eq!(back, b"are you still there?");
    server.assert_running();
    let more = server.stop();
    assert!(more.is_empty(), "stdout has exactly one line; also got {more:?}");
}

/// (c) `--help` prints a usage that names both options, and exits 0.
#[test]
fn help_names_the_options_and_exits_zero() {
    let mut child = Command::new(echo_binary())
        .arg("--help")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run echo --help");
    let stdout = read_on_thread(child.stdout.take().expect("piped stdout"));
    let status = wait_with_deadline(&mut child);
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let status = status.expect("echo --help exits within the deadline");
    let usage = stdout.recv_timeout(DEADLINE).expect("help text");
    assert!(status.success(), "echo --help exited with {status}");
    assert!(usage.contains("Usage"), "no usage line in:\n{usage}");
    assert!(usage.contains("--host"), "--host is not documented in:\n{usage}");
    assert!(usage.contains("--port"), "--port is not documented in:\n{usage}");
}

/// A port that is taken makes the server say why on stderr and exit 1,
/// without printing the "listening" line.
#[test]
fn a_taken_port_is_reported_and_exits_one() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let port = taken.local_addr().expect("address").port().to_string();
    let mut child = Command::new(echo_binary())
        .args(["--port", &port])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the echo example");
    let stdout = read_on_thread(child.stdout.take().expect("piped stdout"));
    let stderr = read_on_thread(child.stderr.take().expect("piped stderr"));
    let status = wait_with_deadline(&mut child);
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let status = status.expect("the server gives up within the deadline");
    let stdout = stdout.recv_timeout(DEADLINE).expect("stdout");
    let stderr = stderr.recv_timeout(DEADLINE).expect("stderr");
    assert_eq!(status.code(), Some(1), "exit status; stderr: {stderr}");
    assert!(stdout.is_empty(), "nothing on stdout, got {stdout:?}");
    assert!(stderr.contains("echo: "), "the error is reported on stderr: {stderr:?}");
    drop(taken);
}
