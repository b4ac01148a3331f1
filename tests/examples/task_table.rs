//! `kill -USR1 PID` prints every task of the loop to stderr, on the echo,
//! chat and http servers: a tree, a line per task under the task that
//! spawned or awaits it, each with its id and name (the connection handlers
//! named `handler 127.0.0.1:PORT`) and the line of the example where it waits.

#[path = "../common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Write};

use common::example::Server;
use common::http::DocRoot;

/// Connects a client that stays open, sends SIGUSR1, and expects its
/// handler's line, waiting on its socket, among the server's stderr lines;
/// returns that line.
fn table_shows_the_handler(server: &Server, greet: Option<&str>) -> String {
    let client = server.connect();
    let mut reader = BufReader::new(client.try_clone().expect("clone"));
    if let Some(first) = greet {
        let mut start = vec![0; first.len()];
        std::io::Read::read_exact(&mut reader, &mut start).expect("the greeting");
        assert_eq!(start, first.as_bytes());
    } else {
        (&client).write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n").expect("request");
        let mut line = String::new();
        reader.read_line(&mut line).expect("the response");
    }
    let handler = format!("(handler {})", client.local_addr().expect("addr"));
    server.signal(libc::SIGUSR1);
    server.expect_log(&["tasks on thread"]);
    let line = server.expect_log(&[&handler]);
    assert!(line.contains("task "), "{line}");
    assert!(line.contains("waiting on I/O"), "{line}");
    line
}

#[test]
fn echo_prints_its_tasks_on_sigusr1() {
    let server = Server::start_example("echo", &["--protocol"], "listening on ");
    let line = table_shows_the_handler(&server, Some("Welcome to Echo Server!"));
    // A tree: the handler under the accept task that spawned it, waiting
    // at the line of the echo example that awaits its socket.
    assert!(line.starts_with("     └─ task "), "two levels down: {line:?}");
    assert!(line.contains(" at examples/echo/"), "where it waits: {line}");
}

#[test]
fn chat_prints_its_tasks_on_sigusr1() {
    let server = Server::start_example("chat", &[], "listening on ");
    let line = table_shows_the_handler(&server, Some("Welcome!"));
    assert!(line.contains(" at examples/chat/"), "where it waits: {line}");
    // Every task the chat spawns has a name: its client's writer too.
    let writer = server.expect_log(&["(writer 127.0.0.1:"]);
    assert!(writer.contains("└─ task "), "under its handler: {writer}");
    server.signal(libc::SIGUSR1);
    server.expect_log(&["tasks on thread"]);
    let notices = server.expect_log(&["(notices)"]);
    assert!(!notices.contains("unnamed"), "{notices}");
}

#[test]
fn http_prints_each_workers_tasks_on_sigusr1() {
    let root = DocRoot::new("task-table");
    let server = common::http::start(&root, &["-w", "2"]);
    table_shows_the_handler(&server, None);
}
