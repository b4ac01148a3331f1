//! Running an example binary as a user does: built binary, `--port 0`, its
//! `listening on` line, and a guard that kills and reaps it.

use std::io::{BufRead, BufReader, Read};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

/// The longest any single wait in these tests may take before it fails.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// An example's binary: `target/<profile>/examples/NAME`, next to the `deps`
/// folder this test binary runs from.
///
/// A plain `cargo test` builds examples before running the tests, but
/// `cargo test --test X` does not, and an earlier build may be stale; so the
/// first call per example runs `cargo build --example NAME` (a no-op when the
/// binary is fresh) with the same profile and features.
pub fn example_binary(name: &str) -> PathBuf {
    static BUILT: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    {
        // Held across the build, so two tests do not build the same example.
        let exe = std::env::current_exe().expect("path of this test binary");
        let deps = exe.parent().expect("the deps folder");
        let profile_dir = deps.parent().expect("the profile folder (target/debug)");
        let binary =
            profile_dir.join("examples").join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
        if built.iter().any(|b| b == name) {
            return binary;
        }
        let profile = match profile_dir.file_name().and_then(|name| name.to_str()) {
            Some("debug") | None => "dev",
            Some(other) => other,
        };
        // The features this test was built with, so that the build neither
        // drops them (an http without TLS) nor replaces the binary that a
        // `cargo test --features ...` built.
        let features: Vec<&str> = [
            ("tls", cfg!(feature = "tls")),
            ("futures-io", cfg!(feature = "futures-io")),
            ("hyper", cfg!(feature = "hyper")),
            ("hyper-h2", cfg!(feature = "hyper-h2")),
            ("axum", cfg!(feature = "axum")),
            ("native-roots", cfg!(feature = "native-roots")),
        ]
        .into_iter()
        .filter_map(|(feature, on)| on.then_some(feature))
        .collect();
        let build = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--example", name, "--profile", profile])
            .args(["--features", &features.join(",")])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status();
        match build {
            Ok(status) => {
                assert!(status.success(), "cargo build --example {name} failed: {status}")
            }
            // No cargo here (a copied test binary): use what was built.
            Err(e) => eprintln!("could not run cargo ({e}); using {}", binary.display()),
        }
        assert!(binary.is_file(), "the {name} example is not built at {}", binary.display());
        built.push(name.to_string());
        binary
    }
}

/// Waits for the child to exit, for at most `DEADLINE`.
pub fn wait_with_deadline(child: &mut Child) -> Option<ExitStatus> {
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

/// Runs the example `name` with `args` to its exit, with no stdin; returns
/// its status, stdout and stderr. A run past `DEADLINE` is killed and fails
/// the test.
pub fn run_to_exit(name: &str, args: &[&str]) -> (ExitStatus, String, String) {
    let mut child = Command::new(example_binary(name))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("run the {name} example: {e}"));
    let stdout = read_on_thread(child.stdout.take().expect("piped stdout"));
    let stderr = read_on_thread(child.stderr.take().expect("piped stderr"));
    let status = wait_with_deadline(&mut child);
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let status = status.unwrap_or_else(|| panic!("{name} {args:?} exits within the deadline"));
    let stdout = stdout.recv_timeout(DEADLINE).expect("stdout");
    let stderr = stderr.recv_timeout(DEADLINE).expect("stderr");
    (status, stdout, stderr)
}

/// Reads `stream` to its end on a thread; the text arrives on the channel.
pub fn read_on_thread(mut stream: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut text = String::new();
        let _ = stream.read_to_string(&mut text);
        let _ = tx.send(text);
    });
    rx
}

/// Sends each line `stream` yields to the returned channel, from a thread
/// that drains it (so the child never blocks on a full pipe).
fn lines_on_thread(stream: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, lines) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

/// A running example server; killed and reaped on drop.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    /// Stdout lines after the first, from a reader thread.
    pub more_lines: Receiver<String>,
    /// Stderr (the log), line by line, from a reader thread.
    pub log_lines: Receiver<String>,
}

impl Server {
    /// Starts `echo --port 0` and waits for its one line on stdout.
    pub fn start() -> Server {
        Self::start_example("echo", &[], "listening on ")
    }

    /// Starts example `name` with `--port 0` and `args`, and waits for its
    /// first stdout line: exactly `{prefix}127.0.0.1:PORT`.
    pub fn start_example(name: &str, args: &[&str], prefix: &str) -> Server {
        Self::start_example_at(name, args, prefix, Ipv4Addr::LOCALHOST)
    }

    /// [`Server::start_example`] for a server that listens on `ip` (which
    /// `args` asks for): its first line is exactly `{prefix}{ip}:PORT`.
    pub fn start_example_at(name: &str, args: &[&str], prefix: &str, ip: Ipv4Addr) -> Server {
        Self::start_example_with_env(name, args, prefix, ip, &[])
    }

    /// [`Server::start_example_at`] with more environment variables
    /// (`RUST_LOG` is `info` unless `env` sets it).
    pub fn start_example_with_env(
        name: &str,
        args: &[&str],
        prefix: &str,
        ip: Ipv4Addr,
        env: &[(&str, &str)],
    ) -> Server {
        let mut command = Command::new(example_binary(name));
        command.args(["--port", "0"]).args(args).env("RUST_LOG", "info").envs(env.iter().copied());
        Self::start_command(command, prefix, ip)
    }

    /// Starts `command` (an example with its arguments, or a shell that
    /// execs one) and waits for its first stdout line, `{prefix}{ip}:PORT`.
    pub fn start_command(mut command: Command, prefix: &str, ip: Ipv4Addr) -> Server {
        let name = command.get_program().to_string_lossy().into_owned();
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start the {name} example: {e}"));
        let lines = lines_on_thread(child.stdout.take().expect("piped stdout"));
        let log_lines = lines_on_thread(child.stderr.take().expect("piped stderr"));
        // Build the guard first, so the child dies even if the line is wrong.
        let mut server = Server {
            child,
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
            more_lines: lines,
            log_lines,
        };
        let first = server
            .more_lines
            .recv_timeout(DEADLINE)
            .expect("the server prints its address within the deadline");
        let port = first
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix(&format!("{ip}:")))
            .and_then(|port| port.parse::<u16>().ok())
            .unwrap_or_else(|| panic!("unexpected first line: {first:?}"));
        assert_ne!(port, 0, "the real port is printed, not 0");
        assert_eq!(first, format!("{prefix}{ip}:{port}"), "the line is exact");
        server.addr = SocketAddr::from((ip, port));
        server
    }

    pub fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.addr).expect("connect to the echo server");
        stream.set_read_timeout(Some(DEADLINE)).expect("read timeout");
        stream.set_write_timeout(Some(DEADLINE)).expect("write timeout");
        stream
    }

    /// Waits up to `DEADLINE` for a log line containing every one of `parts`.
    pub fn expect_log(&self, parts: &[&str]) -> String {
        let started = Instant::now();
        while let Some(left) = DEADLINE.checked_sub(started.elapsed()) {
            match self.log_lines.recv_timeout(left) {
                Ok(line) if parts.iter().all(|p| line.contains(p)) => return line,
                Ok(_) => continue,
                Err(_) => break,
            }
        }
        panic!("no log line with {parts:?} within {DEADLINE:?}")
    }

    /// Collects log lines for up to `DEADLINE`, until `done` holds for
    /// those collected so far; returns them either way.
    pub fn logs_until(&self, done: impl Fn(&[String]) -> bool) -> Vec<String> {
        let (started, mut lines) = (Instant::now(), Vec::new());
        while !done(&lines) {
            let Some(left) = DEADLINE.checked_sub(started.elapsed()) else { break };
            match self.log_lines.recv_timeout(left) {
                Ok(line) => lines.push(line),
                Err(_) => break,
            }
        }
        lines
    }

    /// Sends `signal` to the server process.
    #[allow(unsafe_code)]
    pub fn signal(&self, signal: libc::c_int) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) takes plain integers; the pid is our own live child.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "kill({pid}, {signal})");
    }

    /// Waits up to `DEADLINE` for the server to exit; its status.
    pub fn wait_exit(&mut self) -> ExitStatus {
        wait_with_deadline(&mut self.child).expect("the server exits within the deadline")
    }

    pub fn assert_running(&mut self) {
        let status = self.child.try_wait().expect("try_wait");
        assert!(status.is_none(), "the server exited: {status:?}");
    }

    /// Kills the server and returns the stdout lines it printed after the
    /// first one.
    pub fn stop(mut self) -> Vec<String> {
        self.kill();
        let mut lines = Vec::new();
        while let Ok(line) = self.more_lines.recv_timeout(DEADLINE) {
            lines.push(line);
        }
        lines
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}
