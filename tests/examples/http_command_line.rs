//! The http example's command line (examples/http/SPEC.md, "Command line"):
//! `--help`, `--host`, the one `listening on` line, `--log` as a filter and
//! `--log-file` for the access log, and the errors that stop it at start.

#[path = "../common/mod.rs"]
mod common;

use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::process::ExitStatus;
use std::thread;
use std::time::{Duration, Instant};

use common::example::{DEADLINE, Server};
use common::http::{Client, DocRoot, assert_access_line, start};

/// Runs the http example with `args` to its exit: status, stdout, stderr.
fn run_to_exit(args: &[&str]) -> (ExitStatus, String, String) {
    common::example::run_to_exit("http", args)
}

/// Kills the server and returns everything it wrote to stderr.
fn stop_and_collect_stderr(mut server: Server) -> Vec<String> {
    server.kill();
    let mut lines = Vec::new();
    // The reader thread ends at the dead child's EOF, closing the channel.
    while let Ok(line) = server.log_lines.recv_timeout(DEADLINE) {
        lines.push(line);
    }
    lines
}

#[test]
fn help_names_every_flag_and_exits_zero() {
    let (status, usage, stderr) = run_to_exit(&["--help"]);
    assert!(status.success(), "http --help exited with {status}; stderr: {stderr}");
    assert!(usage.contains("Usage"), "no usage line in:\n{usage}");
    for flag in [
        "--host",
        "--port",
        "-r, --root",
        "-w, --workers",
        "--log ",
        "--log-file",
        "--max-body",
        "--keepalive-timeout",
        "--header-timeout",
        "--body-timeout",
        "--send-timeout",
        "--tls-cert",
        "--tls-key",
        "--help",
    ] {
        assert!(usage.contains(flag), "{flag} is not documented in:\n{usage}");
    }
}

#[test]
fn host_is_the_address_listened_on_and_the_only_stdout_line_names_it() {
    let root = DocRoot::new("cli-host");
    root.write("page.txt", "on another loopback address");
    let root_arg = root.root.to_str().expect("a UTF-8 temp path");
    // All of 127.0.0.0/8 is loopback on Linux: an address other than the
    // default shows the flag is used, and both workers bind it.
    let host = Ipv4Addr::new(127, 0, 0, 2);
    let args = ["--root", root_arg, "--host", "127.0.0.2", "--workers", "2"];
    let server = Server::start_example_at("http", &args, "listening on http://", host);
    let mut client = Client::connect(&server);
    assert_eq!(client.get("/page.txt").text(), "on another loopback address");
    let default_host = SocketAddr::from((Ipv4Addr::LOCALHOST, server.addr.port()));
    let refused = TcpStream::connect(default_host);
    assert!(refused.is_err(), "nothing listens on {default_host}: {refused:?}");
    drop(client);
    let more = server.stop();
    assert!(more.is_empty(), "stdout has exactly one line; also got {more:?}");
}

#[test]
fn log_warn_silences_the_access_log() {
    let root = DocRoot::new("cli-log-warn");
    root.write("page.txt", "quiet");
    let server = start(&root, &["--log", "warn"]);
    let mut client = Client::connect(&server);
    let peer = client.stream().local_addr().expect("local addr").to_string();
    assert_eq!(client.get("/page.txt").text(), "quiet");
    // The first request's line, if any, was written before this answer.
    assert_eq!(client.get("/missing").status, 404);
    let stderr = stop_and_collect_stderr(server);
    assert!(!stderr.iter().any(|line| line.contains(&peer)), "access log at warn: {stderr:?}");
}

/// Waits up to `DEADLINE` for a line of the file at `path` containing every
/// one of `parts`.
fn expect_file_line(path: &Path, parts: &[&str]) -> String {
    let started = Instant::now();
    loop {
        // The logger writes the file; nothing tells us when: poll it.
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if let Some(line) = text.lines().find(|line| parts.iter().all(|p| line.contains(p))) {
            return line.to_string();
        }
        assert!(started.elapsed() < DEADLINE, "no line with {parts:?} in {path:?}:\n{text}");
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn log_file_receives_the_access_log_instead_of_stderr() {
    let root = DocRoot::new("cli-log-file");
    root.write("page.txt", "twelve bytes");
    let log = root.base.join("server.log");
    let log_arg = log.to_str().expect("a UTF-8 temp path");
    let server = start(&root, &["--log", "info", "--log-file", log_arg]);
    let mut client = Client::connect(&server);
    let peer = client.stream().local_addr().expect("local addr").to_string();
    assert_eq!(client.get("/page.txt").text(), "twelve bytes");
    let line = expect_file_line(&log, &[&peer, "GET /page.txt "]);
    assert_access_line(&line, &peer, "GET", "/page.txt", 200, 12);
    assert_eq!(client.get("/missing.txt").status, 404);
    let line = expect_file_line(&log, &[&peer, "GET /missing.txt "]);
    assert_access_line(&line, &peer, "GET", "/missing.txt", 404, "404 Not Found\n".len());

    let stderr = stop_and_collect_stderr(server);
    assert!(!stderr.iter().any(|line| line.contains(&peer)), "access log on stderr: {stderr:?}");
}

#[test]
fn paths_are_escaped_in_the_log_and_the_log_file_is_appended_to() {
    let root = DocRoot::new("cli-log-escape");
    let log = root.base.join("server.log");
    std::fs::write(&log, "an earlier run's line\n").expect("seed the log");
    let log_arg = log.to_str().expect("a UTF-8 temp path");
    let server = start(&root, &["--log", "info", "--log-file", log_arg]);
    let mut client = Client::connect(&server);
    let peer = client.stream().local_addr().expect("local addr").to_string();
    // A decoded newline and spaces would split the record and forge one.
    let forged = "/a%0a127.0.0.1:1%20GET%20/forged%20200%201%200.1ms";
    assert_eq!(client.get(&format!("{forged}?q=1")).status, 404);
    let line = expect_file_line(&log, &[&peer, "GET /a%0A"]);
    assert_access_line(
        &line,
        &peer,
        "GET",
        "/a%0A127.0.0.1:1%20GET%20/forged%20200%201%200.1ms?q=1",
        404,
        14,
    );
    let text = std::fs::read_to_string(&log).expect("read the log");
    assert!(text.starts_with("an earlier run's line\n"), "the log was truncated:\n{text}");
    assert!(!text.lines().any(|l| l.trim_start().starts_with("127.0.0.1:1 ")), "forged:\n{text}");
    drop(server);
}

#[test]
fn a_log_file_in_a_missing_folder_is_reported_and_exits_non_zero() {
    let root = DocRoot::new("cli-log-missing");
    let log = root.base.join("no-such-folder").join("server.log");
    let log_arg = log.to_str().expect("a UTF-8 temp path");
    let root_arg = root.root.to_str().expect("a UTF-8 temp path");
    let (status, stdout, stderr) =
        run_to_exit(&["--port", "0", "-r", root_arg, "--log-file", log_arg]);
    assert!(!status.success(), "exit non-zero, got {status}; stderr: {stderr}");
    assert!(stdout.is_empty(), "never listening; stdout: {stdout:?}");
    assert!(stderr.contains(log_arg), "stderr names the log file: {stderr:?}");
    assert!(!log.exists(), "no log file appeared");
}

#[test]
fn a_root_that_is_not_a_directory_is_reported_and_exits_non_zero() {
    let root = DocRoot::new("cli-root-missing");
    let file = root.write("page.txt", "a file, not a folder");
    for bad in [root.root.join("no-such-folder"), file] {
        let bad = bad.to_str().expect("a UTF-8 temp path");
        let (status, stdout, stderr) = run_to_exit(&["--port", "0", "-r", bad]);
        assert!(!status.success(), "-r {bad}: exit non-zero, got {status}; stderr: {stderr}");
        assert!(stdout.is_empty(), "-r {bad}: never listening; stdout: {stdout:?}");
        assert!(stderr.contains(bad), "-r {bad}: stderr names the root: {stderr:?}");
    }
}

#[cfg(not(feature = "tls"))]
#[test]
fn tls_flags_in_a_build_without_tls_stop_it_and_say_how_to_get_it() {
    let root = DocRoot::new("cli-no-tls");
    let root_arg = root.root.to_str().expect("a UTF-8 temp path");
    let args = ["--port", "0", "--root", root_arg, "--tls-cert", "c.pem", "--tls-key", "k.pem"];
    let (status, stdout, stderr) = run_to_exit(&args);
    assert_eq!(status.code(), Some(1), "stderr: {stderr}");
    assert!(stdout.is_empty(), "no listening line: {stdout}");
    assert!(stderr.contains("--features tls"), "stderr: {stderr}");
}
