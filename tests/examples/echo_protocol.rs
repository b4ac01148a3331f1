//! The echo example's line protocol, idle timeout, connection limit and
//! failing handler, on the built binary with std clients.

#[path = "../common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use common::example::Server;

fn start(args: &[&str]) -> Server {
    Server::start_example("echo", args, "listening on ")
}

/// A line-oriented client.
struct Client(BufReader<TcpStream>);

impl Client {
    fn connect(server: &Server) -> Client {
        Client(BufReader::new(server.connect()))
    }

    fn send(&mut self, line: &str) {
        self.0.get_mut().write_all(line.as_bytes()).expect("send");
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.0.read_line(&mut line).expect("a line within the deadline");
        line
    }

    /// Everything up to EOF.
    fn rest(mut self) -> String {
        let mut text = String::new();
        let _ = self.0.read_to_string(&mut text);
        text
    }

    /// Reads EOF: the server has closed its side (the client has not).
    fn expect_eof(&mut self) {
        let mut byte = [0; 1];
        assert_eq!(self.0.read(&mut byte).expect("EOF within the deadline"), 0, "EOF");
    }

    fn greeted(server: &Server) -> Client {
        let mut client = Client::connect(server);
        assert_eq!(client.line(), "Welcome to Echo Server!\r\n");
        assert_eq!(client.line(), "Commands: TIME, QUIT, or any text for echo\r\n");
        client
    }
}

/// `TIME` is the server's local time with its offset (the course answers
/// `datetime.now().isoformat()`): with `TZ=Asia/Tokyo`, UTC+9.
#[test]
fn time_is_the_servers_local_time() {
    let env = [("TZ", "Asia/Tokyo")];
    let localhost = std::net::Ipv4Addr::LOCALHOST;
    let args = ["--protocol"];
    let server = Server::start_example_with_env("echo", &args, "listening on ", localhost, &env);
    let mut client = Client::greeted(&server);
    client.send("TIME\r\n");
    let line = client.line();
    let time = line.strip_prefix("Server time: ").and_then(|t| t.strip_suffix("\r\n"));
    let time = time.unwrap_or_else(|| panic!("not a time line: {line:?}"));
    assert!(time.ends_with("+09:00"), "not Tokyo's local time: {time:?}");
    let when: jiff::Timestamp = time.parse().expect("an RFC 3339 time");
    let off = when.duration_since(jiff::Timestamp::now()).as_secs().abs();
    assert!(off <= 5, "{time:?} is not now");
}

#[test]
fn the_protocol_greets_answers_each_command_and_quits() {
    let server = start(&["--protocol"]);
    let mut client = Client::greeted(&server);
    client.send("hello reel\r\n");
    assert_eq!(client.line(), "Echo: hello reel\r\n");
    client.send("TIME\r\n");
    let time = client.line();
    assert!(time.starts_with("Server time: 20") && time.ends_with("\r\n"), "{time:?}");
    client.send("help\n");
    assert!(client.line().starts_with("Commands: TIME, QUIT"), "bare \\n works too");
    client.send("QUIT\r\n");
    assert_eq!(client.rest(), "Goodbye!\r\n", "then the server closes");
}

#[test]
fn an_overlong_line_gets_an_error_line_and_the_client_goes_on() {
    let server = start(&["--protocol"]);
    let mut client = Client::greeted(&server);
    client.send(&format!("{}\r\n", "x".repeat(100_000)));
    assert_eq!(client.line(), "Error: line too long (max 1024 bytes)\r\n");
    client.send("short\r\n");
    assert_eq!(client.line(), "Echo: short\r\n");
}

#[test]
fn an_idle_client_is_told_and_closed_in_both_modes() {
    let server = start(&["--protocol", "--idle-timeout", "0.3"]);
    let mut client = Client::greeted(&server);
    client.send("still here\r\n");
    assert_eq!(client.line(), "Echo: still here\r\n");
    assert_eq!(client.rest(), "Connection timeout. Goodbye!\r\n");

    let plain = start(&["--idle-timeout", "0.3"]);
    let mut client = Client::connect(&plain);
    client.send("bytes\n");
    assert_eq!(client.line(), "bytes\n");
    assert_eq!(client.rest(), "Connection timeout. Goodbye!\r\n");
}

#[test]
fn past_max_conns_a_client_is_refused_while_the_others_go_on() {
    let server = start(&["--protocol", "--max-conns", "1"]);
    let mut first = Client::greeted(&server);
    let refused = Client::connect(&server);
    assert_eq!(refused.rest(), "Server is busy. Try again later.\r\n");
    first.send("after the refusal\r\n");
    assert_eq!(first.line(), "Echo: after the refusal\r\n");
}

/// A client that has been told goodbye (after `QUIT`, or at the idle
/// timeout) gives back its `--max-conns` slot at once, though its socket
/// stays open while the server drains it (the lingering close): the next
/// client is served, not told the server is busy.
#[test]
fn a_client_told_goodbye_frees_its_slot_while_its_socket_drains() {
    let server = start(&["--protocol", "--max-conns", "1", "--idle-timeout", "0.5"]);
    let mut quitter = Client::greeted(&server);
    quitter.send("QUIT\r\n");
    assert_eq!(quitter.line(), "Goodbye!\r\n");
    quitter.expect_eof();
    // `quitter` keeps its socket open: the server is still draining it.
    let mut idler = Client::greeted(&server);
    assert_eq!(idler.line(), "Connection timeout. Goodbye!\r\n");
    idler.expect_eof();
    let mut third = Client::greeted(&server);
    third.send("still served\r\n");
    assert_eq!(third.line(), "Echo: still served\r\n");
    drop((quitter, idler));
}

#[test]
fn boom_fails_that_handler_only_and_the_log_names_the_peer() {
    for args in [&["--protocol"][..], &[]] {
        let server = start(args);
        let mut doomed = Client::connect(&server);
        let peer = doomed.0.get_ref().local_addr().expect("addr").to_string();
        if args.is_empty() {
            doomed.send("boom\r\n");
        } else {
            doomed.line();
            doomed.line();
            doomed.send("boom\r\n");
        }
        assert_eq!(doomed.rest(), "", "closed without a reply");
        server.expect_log(&["never retrieved", &peer, "boom"]);
        let mut next = Client::connect(&server);
        next.send("fine\n");
        if args.is_empty() {
            assert_eq!(next.line(), "fine\n");
        } else {
            next.line();
            next.line();
            assert_eq!(next.line(), "Echo: fine\r\n");
        }
    }
}

#[test]
fn with_rust_backtrace_set_a_panic_is_one_log_line_with_its_location_and_costs_no_memory() {
    let server = Server::start_example_with_env(
        "echo",
        &[],
        "listening on ",
        std::net::Ipv4Addr::LOCALHOST,
        &[("RUST_BACKTRACE", "1")],
    );
    let rss_before = common::proc_status_kib(server.child.id(), "VmRSS");
    for _ in 0..20 {
        let mut doomed = Client::connect(&server);
        doomed.send("boom\r\n");
        assert_eq!(doomed.rest(), "", "closed without a reply");
    }
    // A connect after the panics: its log line comes after all of theirs.
    let mut last = Client::connect(&server);
    let marker = last.0.get_ref().local_addr().expect("addr").to_string();
    last.send("fine\n");
    assert_eq!(last.line(), "fine\n");
    let mut log = Vec::new();
    while !log.last().is_some_and(|l: &String| l.contains(&marker)) {
        log.push(server.log_lines.recv_timeout(common::example::DEADLINE).expect("a log line"));
    }
    let panics: Vec<&String> = log.iter().filter(|l| l.contains("boom")).collect();
    assert_eq!(panics.len(), 20, "one line per panic: {log:#?}");
    for line in panics {
        assert!(line.contains("never retrieved"), "{line}");
        assert!(line.contains("panicked at examples/echo/plain.rs:"), "the location: {line}");
    }
    let noise = ["stack backtrace", "note: run with", "thread '"];
    assert!(!log.iter().any(|l| noise.iter().any(|n| l.contains(n))), "{log:#?}");
    let rss_after = common::proc_status_kib(server.child.id(), "VmRSS");
    assert!(
        rss_after < rss_before + 4 * 1024,
        "RSS {rss_before} KiB -> {rss_after} KiB: a backtrace was symbolized"
    );
}
