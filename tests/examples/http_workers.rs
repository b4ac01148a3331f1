//! The http example's workers, shutdown and access log (examples/http/SPEC.md,
//! "Workers and shutdown" and "Command line"): `-w 2` shares one port,
//! SIGTERM/SIGINT finish what is in flight and exit 0.

#[path = "../common/mod.rs"]
mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::thread;
use std::time::{Duration, Instant};

use common::example::Server;
use common::http::{Client, DocRoot, assert_access_line, get, pattern, start};

#[test]
fn two_workers_share_the_port_and_serve_many_connections() {
    let root = DocRoot::new("workers-many");
    root.write("page.txt", "from a worker\n");
    let server = start(&root, &["-w", "2"]);
    let addr = server.addr;
    let threads: Vec<_> = (0..8)
        .map(|t| {
            thread::spawn(move || {
                let mut client = Client::connect_to(addr);
                for i in 0..25 {
                    let response = client.get(&format!("/page.txt?t={t}&i={i}"));
                    assert_eq!(response.text(), "from a worker\n", "thread {t} request {i}");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("a client thread");
    }
    // SO_REUSEPORT spreads fresh connections by their addresses: over 40,
    // both workers answer (all on one: odds 2^-39).
    let mut workers = BTreeSet::new();
    for _ in 0..40 {
        let json = get(&server, "/status").text();
        let at = json.find("\"worker\":").unwrap_or_else(|| panic!("{json}")) + 9;
        let digits: String = json[at..].chars().take_while(char::is_ascii_digit).collect();
        workers.insert(digits);
    }
    assert_eq!(workers.len(), 2, "two workers seen: {workers:?}");
}

/// One server per port: a second `http` on a port that a first one (with
/// its SO_REUSEPORT workers) holds must not join it and split the
/// connections, whatever its `-w`; it exits 1 saying the address is in use.
/// A port held by any other socket is refused the same way.
#[test]
fn a_second_server_on_a_held_port_exits_with_address_in_use() {
    let (first_root, other_root) = (DocRoot::new("port-first"), DocRoot::new("port-other"));
    first_root.write("which.txt", "first\n");
    let first = start(&first_root, &["-w", "2"]);
    let port = first.addr.port().to_string();
    let other = other_root.root.to_str().expect("a UTF-8 temp path");
    for workers in ["1", "2"] {
        let args = ["--port", &port, "-r", other, "-w", workers];
        let (status, stdout, stderr) = common::example::run_to_exit("http", &args);
        assert_eq!(status.code(), Some(1), "-w {workers}: {stdout}{stderr}");
        assert!(stdout.is_empty(), "-w {workers} printed {stdout:?}");
        assert!(stderr.contains("ddress already in use"), "-w {workers}: {stderr}");
    }
    for _ in 0..20 {
        assert_eq!(get(&first, "/which.txt").text(), "first\n", "only the first server answers");
    }
    let held = std::net::TcpListener::bind("127.0.0.1:0").expect("hold a port");
    let port = held.local_addr().expect("its address").port().to_string();
    let (status, _, stderr) = common::example::run_to_exit("http", &["--port", &port]);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("ddress already in use"), "{stderr}");
}

/// Starts a download of `/large.bin` and reads its status line and headers;
/// the body is still coming.
fn start_download(server: &Server) -> BufReader<std::net::TcpStream> {
    let mut stream = server.connect();
    stream.write_all(b"GET /large.bin HTTP/1.1\r\nHost: t\r\n\r\n").expect("send");
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).expect("the status line");
    assert_eq!(line, "HTTP/1.1 200 OK\r\n");
    while line != "\r\n" {
        line.clear();
        reader.read_line(&mut line).expect("a header line");
    }
    reader
}

fn shutdown_finishes_in_flight_work_and_exits_zero(signal: libc::c_int) {
    let root = DocRoot::new("workers-signal");
    let content = pattern(32 << 20, 3);
    root.write("large.bin", &content);
    root.write("page.txt", "page");
    let mut server = start(&root, &["-w", "2"]);
    let mut idle = Client::connect(&server);
    assert_eq!(idle.get("/page.txt").text(), "page");
    let mut download = start_download(&server);

    server.signal(signal);
    // The idle keep-alive connection is closed.
    idle.expect_closed();
    // The download in flight runs to its end.
    let mut body = vec![0; content.len()];
    download.read_exact(&mut body).expect("the whole body after the signal");
    assert!(body == content, "the body is intact");
    // Then the server's FIN; it lingers (reads what the client may still
    // send) until the client closes too, and exits.
    let mut rest = Vec::new();
    download.read_to_end(&mut rest).expect("a clean EOF");
    assert!(rest.is_empty(), "nothing after the body");
    drop(download);
    let finished = Instant::now();
    let status = server.wait_exit();
    assert!(status.success(), "exit 0, got {status}");
    let took = finished.elapsed();
    assert!(took < Duration::from_secs(1), "exited {took:?} after the client closed");
    assert!(std::net::TcpStream::connect(server.addr).is_err(), "no longer accepting");
}

/// SIGHUP (the terminal that started the server closed) is a graceful
/// stop too: it used to kill the server (exit 129) with the download cut.
#[test]
fn sighup_does_the_same() {
    shutdown_finishes_in_flight_work_and_exits_zero(libc::SIGHUP);
}

#[test]
fn sigterm_finishes_in_flight_requests_closes_idle_ones_and_exits_zero() {
    shutdown_finishes_in_flight_work_and_exits_zero(libc::SIGTERM);
}

#[test]
fn sigint_does_the_same() {
    shutdown_finishes_in_flight_work_and_exits_zero(libc::SIGINT);
}

/// With one worker, the idle connection's close shows that the worker has
/// taken the signal, and it closes its listener first: from then on, while
/// the download in flight goes on, new connections are refused.
#[test]
fn a_stopping_server_refuses_new_connections_while_it_finishes_a_download() {
    let root = DocRoot::new("workers-refuse");
    let content = pattern(32 << 20, 5);
    root.write("large.bin", &content);
    root.write("page.txt", "page");
    let mut server = start(&root, &[]);
    let mut idle = Client::connect(&server);
    assert_eq!(idle.get("/page.txt").text(), "page");
    let mut download = start_download(&server);

    server.signal(libc::SIGTERM);
    idle.expect_closed();
    let refused = std::net::TcpStream::connect(server.addr);
    assert!(refused.is_err(), "a new connection while stopping: {refused:?}");
    let mut body = vec![0; content.len()];
    download.read_exact(&mut body).expect("the whole body after the signal");
    assert!(body == content, "the body is intact");
    let status = server.wait_exit();
    assert!(status.success(), "exit 0, got {status}");
}

#[test]
fn sigterm_on_an_idle_server_exits_zero_promptly() {
    let root = DocRoot::new("workers-idle");
    let mut server = start(&root, &["-w", "2"]);
    assert_eq!(get(&server, "/").status, 200);
    let signalled = Instant::now();
    server.signal(libc::SIGTERM);
    let status = server.wait_exit();
    assert!(status.success(), "exit 0, got {status}");
    let took = signalled.elapsed();
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[test]
fn each_request_is_one_access_log_line() {
    let root = DocRoot::new("workers-log");
    root.write("page.txt", "twelve bytes");
    let server = start(&root, &[]);
    let mut client = Client::connect(&server);
    let peer = client.stream().local_addr().expect("local addr").to_string();
    client.get("/page.txt");
    let line = server.expect_log(&[&peer, "GET /page.txt "]);
    assert_access_line(&line, &peer, "GET", "/page.txt", 200, 12);
    client.get("/missing.txt");
    let line = server.expect_log(&[&peer, "GET /missing.txt "]);
    assert_access_line(&line, &peer, "GET", "/missing.txt", 404, "404 Not Found\n".len());
    client.request("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
    let line = server.expect_log(&[&peer, "POST /echo "]);
    assert_access_line(&line, &peer, "POST", "/echo", 200, 5);
}
