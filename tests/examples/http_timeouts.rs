//! The http example's timeouts on the body and on the response
//! (examples/http/SPEC.md, "Connections"): an upload may take as long as it
//! keeps moving, a stalled one gets `408`; a client that stops reading a
//! response is disconnected after `--send-timeout`, and others are served
//! meanwhile.

#[path = "../common/mod.rs"]
mod common;

use std::io::{ErrorKind, Read};
use std::thread;
use std::time::{Duration, Instant};

use common::http::{Client, DocRoot, get, pattern, start};

#[test]
fn a_slow_body_that_keeps_moving_is_read_and_a_stalled_one_is_408() {
    let root = DocRoot::new("timeouts-body");
    let server = start(&root, &["--header-timeout", "0.5", "--body-timeout", "0.5"]);

    // Ten bytes, one every 100 ms: twice the header timeout in all, but
    // never a pause as long as the body timeout.
    let mut slow = Client::connect(&server);
    slow.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n");
    for byte in b"0123456789" {
        thread::sleep(Duration::from_millis(100));
        slow.send([*byte]);
    }
    let echoed = slow.response();
    echoed.assert_status(200);
    assert_eq!(echoed.text(), "0123456789");

    let mut stalled = Client::connect(&server);
    let started = Instant::now();
    stalled.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n012");
    let cut_off = stalled.response();
    let took = started.elapsed();
    cut_off.assert_status(408);
    assert_eq!(cut_off.header("Connection"), Some("close"));
    assert!(took >= Duration::from_millis(450), "408 too early: {took:?}");
    assert!(took < Duration::from_secs(3), "408 too late: {took:?}");
}

#[test]
fn a_client_that_stops_reading_is_disconnected_after_the_send_timeout() {
    let root = DocRoot::new("timeouts-send");
    let len = 64 << 20;
    root.write("large.bin", pattern(len, 7));
    root.write("small.txt", "small");
    let server = start(&root, &["--send-timeout", "0.3"]);

    let mut client = Client::connect(&server);
    client.send("GET /large.bin HTTP/1.1\r\nHost: t\r\n\r\n");
    // Not reading is the behaviour under test: the server's writes stall
    // once the socket buffers are full, and stay stalled.
    thread::sleep(Duration::from_millis(1500));
    // Others are served all the while.
    assert_eq!(get(&server, "/small.txt").text(), "small");

    let mut stream = client.stream().try_clone().expect("clone the socket");
    stream.set_read_timeout(Some(common::example::DEADLINE)).expect("read timeout");
    let (mut received, mut buf) = (0usize, vec![0; 1 << 20]);
    let started = Instant::now();
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => received += n,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("reading what was sent before the cut: {e}"),
        }
        assert!(started.elapsed() < common::example::DEADLINE, "no end after the timeout");
    }
    assert!(received > 0 && received < len, "cut off part way: {received} of {len} bytes");
}
