//! `reel::io::Stdin` as a user meets it: the `stdin_echo` example, with its
//! stdin a pipe, a socket, a regular file and `/dev/null`.
//!
//! Every wait is bounded: the child's output is read on threads and waited
//! for with `recv_timeout`, its exit with `wait_with_deadline`, and a guard
//! kills and reaps it, pass or fail.

#![allow(unsafe_code)]

#[path = "../common/mod.rs"]
mod common;

use common::example::{DEADLINE, example_binary, read_on_thread, wait_with_deadline};

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::Shutdown;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;

/// A running `stdin_echo`; killed and reaped on drop.
struct Echo {
    child: Child,
}

impl Echo {
    /// Starts `stdin_echo` with `stdin` and `args`, stdout and stderr piped.
    fn start(stdin: Stdio, args: &[&str]) -> Echo {
        let child = Command::new(example_binary("stdin_echo"))
            .args(args)
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the stdin_echo example");
        Echo { child }
    }

    /// Waits for exit 0, then returns all of stdout and stderr.
    fn finish(mut self, stdout: Receiver<String>, stderr: Receiver<String>) -> (String, String) {
        let status = wait_with_deadline(&mut self.child).expect("it exits within the deadline");
        let stdout = stdout.recv_timeout(DEADLINE).expect("stdout");
        let stderr = stderr.recv_timeout(DEADLINE).expect("stderr");
        assert!(status.success(), "exit status {status}; stderr: {stderr}");
        (stdout, stderr)
    }

    /// Stdout and stderr, each read to its end on a thread.
    fn outputs(&mut self) -> (Receiver<String>, Receiver<String>) {
        let stdout = self.child.stdout.take().expect("piped stdout");
        let stderr = self.child.stderr.take().expect("piped stderr");
        (read_on_thread(stdout), read_on_thread(stderr))
    }
}

impl Drop for Echo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends each line of `stream` down the channel as it arrives.
fn lines_on_thread(stream: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn send(stdin: &mut ChildStdin, text: &str) {
    stdin.write_all(text.as_bytes()).expect("write to the example's stdin");
    stdin.flush().expect("flush");
}

/// Waits for a `tick N` line on stderr with N at least `at_least`.
fn wait_for_tick(stderr: &Receiver<String>, at_least: u64) -> u64 {
    loop {
        let line = stderr.recv_timeout(DEADLINE).expect("a tick within the deadline");
        if let Some(n) = line.strip_prefix("tick ").and_then(|n| n.parse().ok()) {
            if n >= at_least {
                return n;
            }
        }
    }
}

/// A pipe: each line is echoed while stdin is still open, ticks keep coming
/// while the read waits, and closing stdin ends the example with exit 0.
#[test]
fn a_pipe_is_echoed_as_it_arrives_while_the_loop_keeps_ticking() {
    let mut echo = Echo::start(Stdio::piped(), &["--tick-ms", "20"]);
    let mut stdin = echo.child.stdin.take().expect("piped stdin");
    let stdout = lines_on_thread(echo.child.stdout.take().expect("piped stdout"));
    let stderr = lines_on_thread(echo.child.stderr.take().expect("piped stderr"));
    assert_eq!(stderr.recv_timeout(DEADLINE).as_deref(), Ok("stdin: polled"));

    send(&mut stdin, "hello\n");
    assert_eq!(stdout.recv_timeout(DEADLINE).as_deref(), Ok("got: hello"));
    // The read now waits on an open, empty pipe. Ticks printed after this
    // point (three past any already seen) show the loop is not blocked in it.
    let seen = stderr.try_iter().filter_map(|l| l.strip_prefix("tick ")?.parse().ok()).max();
    wait_for_tick(&stderr, seen.unwrap_or(0) + 3);

    send(&mut stdin, "world\n");
    assert_eq!(stdout.recv_timeout(DEADLINE).as_deref(), Ok("got: world"));
    drop(stdin);
    assert_eq!(stdout.recv_timeout(DEADLINE).as_deref(), Ok("eof after 12 bytes"));
    let status = wait_with_deadline(&mut echo.child).expect("it exits within the deadline");
    assert!(status.success(), "exit status {status}");
}

/// `reel::stream::stdin()` is a StreamReader: lines split across writes come
/// out whole, one per `read_line`.
#[test]
fn stdin_as_a_stream_reader_reads_whole_lines_from_a_pipe() {
    let mut echo = Echo::start(Stdio::piped(), &["--lines"]);
    let mut stdin = echo.child.stdin.take().expect("piped stdin");
    let stdout = lines_on_thread(echo.child.stdout.take().expect("piped stdout"));
    send(&mut stdin, "first li");
    send(&mut stdin, "ne\nsecond\r\n");
    assert_eq!(stdout.recv_timeout(DEADLINE).as_deref(), Ok("line: first line"));
    assert_eq!(stdout.recv_timeout(DEADLINE).as_deref(), Ok("line: second"));
    send(&mut stdin, "unterminated");
    drop(stdin);
    assert_eq!(stdout.recv_timeout(DEADLINE).as_deref(), Ok("line: unterminated"));
    assert_eq!(stdout.recv_timeout(DEADLINE).as_deref(), Ok("eof after 3 lines"));
    let status = wait_with_deadline(&mut echo.child).expect("it exits within the deadline");
    assert!(status.success(), "exit status {status}");
}

/// A megabyte through a pipe, written faster than it is echoed: every byte
/// is counted.
#[test]
fn a_megabyte_through_a_pipe_arrives_whole() {
    let mut echo = Echo::start(Stdio::piped(), &[]);
    let mut stdin = echo.child.stdin.take().expect("piped stdin");
    let (stdout, stderr) = echo.outputs();
    let line = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n";
    let writer = thread::spawn(move || {
        for _ in 0..(1 << 20) / line.len() {
            stdin.write_all(line.as_bytes())?;
        }
        Ok::<_, std::io::Error>(())
    });
    let (stdout, _) = echo.finish(stdout, stderr);
    writer.join().expect("the writer did not panic").expect("write a megabyte");
    assert_eq!(stdout.lines().last(), Some("eof after 1048576 bytes"));
}

/// A temporary file holding `contents`, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &[u8]) -> TempFile {
        let path = std::env::temp_dir().join(format!("reel-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).expect("write the temporary file");
        TempFile(path)
    }

    fn open(&self) -> Stdio {
        Stdio::from(File::open(&self.0).expect("open the temporary file"))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A regular file: epoll refuses it, so it is read directly, to its end.
#[test]
fn a_regular_file_is_read_directly_to_its_end() {
    let small = TempFile::new("small", b"alpha\nbeta\n");
    let mut echo = Echo::start(small.open(), &[]);
    let (stdout, stderr) = echo.outputs();
    let (stdout, stderr) = echo.finish(stdout, stderr);
    assert_eq!(stdout, "got: alpha\nbeta\neof after 11 bytes\n");
    assert_eq!(stderr, "stdin: read directly\n");

    let large = TempFile::new("large", &vec![b'x'; 100_000]);
    let mut echo = Echo::start(large.open(), &[]);
    let (stdout, stderr) = echo.outputs();
    let (stdout, _) = echo.finish(stdout, stderr);
    assert_eq!(stdout.lines().last(), Some("eof after 100000 bytes"));
}

/// `/dev/null`: also refused by epoll; an empty stream.
#[test]
fn dev_null_is_an_empty_stream() {
    let mut echo = Echo::start(Stdio::null(), &[]);
    let (stdout, stderr) = echo.outputs();
    let (stdout, stderr) = echo.finish(stdout, stderr);
    assert_eq!(stdout, "eof after 0 bytes\n");
    assert_eq!(stderr, "stdin: read directly\n");
}

/// Whether O_NONBLOCK is set on the open file description behind `fd`.
fn is_nonblocking(fd: &impl AsRawFd) -> bool {
    // SAFETY: F_GETFL takes no pointer; `fd` is open for the whole call.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    assert!(flags >= 0, "fcntl(F_GETFL): {}", std::io::Error::last_os_error());
    flags & libc::O_NONBLOCK != 0
}

/// A socket as stdin, whose open file description this test also holds
/// (as a shell holds its terminal): O_NONBLOCK is set while the example
/// reads, and clear again once it has exited.
#[test]
fn a_socket_stdin_is_non_blocking_only_while_it_is_read() {
    let (mut ours, theirs) = UnixStream::pair().expect("a socket pair");
    let probe = theirs.try_clone().expect("a second fd for their end");
    assert!(!is_nonblocking(&probe), "blocking to begin with");
    let mut echo = Echo::start(Stdio::from(OwnedFd::from(theirs)), &[]);
    let stdout = lines_on_thread(echo.child.stdout.take().expect("piped stdout"));
    let stderr = read_on_thread(echo.child.stderr.take().expect("piped stderr"));

    ours.write_all(b"ping\n").expect("write to the socket");
    assert_eq!(stdout.recv_timeout(DEADLINE).as_deref(), Ok("got: ping"));
    assert!(is_nonblocking(&probe), "non-blocking while the example reads it");

    ours.shutdown(Shutdown::Write).expect("half-close: the example reads EOF");
    assert_eq!(stdout.recv_timeout(DEADLINE).as_deref(), Ok("eof after 5 bytes"));
    let status = wait_with_deadline(&mut echo.child).expect("it exits within the deadline");
    assert!(status.success(), "exit status {status}");
    assert_eq!(stderr.recv_timeout(DEADLINE).as_deref(), Ok("stdin: polled\n"));
    assert!(!is_nonblocking(&probe), "blocking again after the example's Stdin dropped");
}
