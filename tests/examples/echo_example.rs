//! Black-box tests of the `echo` example, run as a user runs it: the built
//! binary, a port picked by the OS, and plain `std::net` clients.
//!
//! Every wait is bounded: socket reads and writes have timeouts, the child's
//! stdout is read on a thread and waited for with `recv_timeout`, and every
//! child is killed and reaped when its guard drops, pass or fail.

#[path = "../common/mod.rs"]
mod common;

use common::example::{DEADLINE, Server, read_on_thread, wait_with_deadline};

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::{Command, Stdio};
use std::thread;

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
    let mut child = Command::new(common::example::example_binary("echo"))
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
    let (status, stdout, stderr) = common::example::run_to_exit("echo", &["--port", &port]);
    assert_eq!(status.code(), Some(1), "exit status; stderr: {stderr}");
    assert!(stdout.is_empty(), "nothing on stdout, got {stdout:?}");
    assert!(stderr.contains("echo: "), "the error is reported on stderr: {stderr:?}");
    drop(taken);
}
