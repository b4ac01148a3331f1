//! The http example's connections (examples/http/SPEC.md, "Connections"):
//! keep-alive, HTTP/1.0, `Connection: close`, pipelining, the idle
//! keep-alive timeout and the header timeout against slow clients.

#[path = "../common/mod.rs"]
mod common;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::example::Server;
use common::http::{Client, DocRoot, get, start};

fn server(root: &DocRoot, args: &[&str]) -> Server {
    for name in ["a", "b", "c"] {
        root.write(&format!("{name}.txt"), format!("file {name}\n"));
    }
    start(root, args)
}

#[test]
fn http_1_1_keeps_one_connection_alive_for_several_requests() {
    let root = DocRoot::new("conn-keepalive");
    let server = server(&root, &[]);
    let mut client = Client::connect(&server);
    let local = client.stream().local_addr().expect("local addr");
    for round in 0..3 {
        for name in ["a", "b", "c"] {
            let response = client.get(&format!("/{name}.txt"));
            assert_eq!(response.text(), format!("file {name}\n"), "round {round}");
            assert_eq!(response.header("Connection"), Some("keep-alive"));
        }
        assert_eq!(client.get("/missing").header("Connection"), Some("keep-alive"));
    }
    assert_eq!(client.stream().local_addr().expect("local addr"), local, "one connection");
    let last = client.request("GET /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    assert_eq!(last.text(), "file a\n");
    assert_eq!(last.header("Connection"), Some("close"), "Connection: close is honoured");
    client.expect_closed();
}

#[test]
fn http_1_0_closes_unless_it_asks_for_keep_alive() {
    let root = DocRoot::new("conn-http10");
    let server = server(&root, &[]);
    let mut plain = Client::connect(&server);
    let response = plain.request("GET /a.txt HTTP/1.0\r\n\r\n");
    assert_eq!(response.text(), "file a\n");
    assert_eq!(response.header("Connection"), Some("close"));
    plain.expect_closed();

    let mut kept = Client::connect(&server);
    for name in ["a", "b"] {
        let response =
            kept.request(format!("GET /{name}.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
        assert_eq!(response.text(), format!("file {name}\n"));
        assert_eq!(response.header("Connection"), Some("keep-alive"));
    }
    // Without the header again, this one closes.
    assert_eq!(kept.request("GET /c.txt HTTP/1.0\r\n\r\n").header("Connection"), Some("close"));
    kept.expect_closed();
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let root = DocRoot::new("conn-pipeline");
    let server = server(&root, &[]);
    let mut client = Client::connect(&server);
    let mut batch = String::new();
    for name in ["c", "a", "missing", "b"] {
        batch.push_str(&format!("GET /{name}.txt HTTP/1.1\r\nHost: t\r\n\r\n"));
    }
    batch.push_str("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 9\r\n\r\npipelined");
    batch.push_str("HEAD /a.txt HTTP/1.1\r\nHost: t\r\n\r\n");
    batch.push_str("GET /b.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    client.send(batch.as_bytes());
    assert_eq!(client.response().text(), "file c\n");
    assert_eq!(client.response().text(), "file a\n");
    assert_eq!(client.response().status, 404);
    assert_eq!(client.response().text(), "file b\n");
    assert_eq!(client.response().text(), "pipelined");
    let head = client.head_response();
    assert_eq!((head.status, head.header("Content-Length")), (200, Some("7")));
    let last = client.response();
    assert_eq!(last.text(), "file b\n");
    assert_eq!(last.header("Connection"), Some("close"));
    client.expect_closed();
}

#[test]
fn many_pipelined_requests_in_one_write_all_come_back() {
    let root = DocRoot::new("conn-pipeline-many");
    let server = server(&root, &[]);
    let mut client = Client::connect(&server);
    let names = ["a", "b", "c"];
    let batch: String = (0..200)
        .map(|i| format!("GET /{}.txt?i={i} HTTP/1.1\r\nHost: t\r\n\r\n", names[i % 3]))
        .collect();
    client.send(batch.as_bytes());
    for i in 0..200 {
        assert_eq!(client.response().text(), format!("file {}\n", names[i % 3]), "response {i}");
    }
}

#[test]
fn an_idle_keep_alive_connection_closes_after_the_timeout() {
    let root = DocRoot::new("conn-idle");
    let server = server(&root, &["--keepalive-timeout", "0.5"]);
    let mut client = Client::connect(&server);
    assert_eq!(client.get("/a.txt").text(), "file a\n");
    let idle_from = Instant::now();
    client.expect_closed();
    let idle = idle_from.elapsed();
    assert!(idle >= Duration::from_millis(400), "closed too early: {idle:?}");
    assert!(idle < Duration::from_secs(3), "closed too late: {idle:?}");
    assert_eq!(get(&server, "/b.txt").text(), "file b\n");
}

#[test]
fn slow_heads_get_408_while_other_clients_are_served_promptly() {
    let root = DocRoot::new("conn-slowloris");
    let server = server(&root, &["--header-timeout", "2", "--keepalive-timeout", "5"]);
    let started = Instant::now();

    // Hundreds of clients that send part of a head and then nothing more.
    let mut stalled = Vec::new();
    for _ in 0..300 {
        let mut client = Client::connect(&server);
        client.send("GET /a.txt HTTP/1.1\r\nHost: t\r\nX-Slow: ");
        stalled.push(client);
    }
    // One that trickles a byte every 50 ms: still never a complete head.
    let mut trickler = Client::connect(&server);
    let mut writer = trickler.stream().try_clone().expect("clone the socket");
    let stop = Arc::new(AtomicBool::new(false));
    let trickling = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            for byte in b"GET /a.txt HTTP/1.1\r\n".iter().chain(b"X-Slow: ".iter().cycle()) {
                if stop.load(Ordering::Relaxed) || writer.write_all(&[*byte]).is_err() {
                    break;
                }
                thread::sleep(Duration::from_millis(50));
            }
        })
    };

    // Meanwhile, well within the header timeout, fresh clients are served:
    // the stalled ones hold no one up. (The bounds are loose, for a loaded
    // machine: what fails them is a server that waits on the stalled.)
    for name in ["a", "b", "c", "a", "b"] {
        let asked = Instant::now();
        assert_eq!(get(&server, &format!("/{name}.txt")).text(), format!("file {name}\n"));
        assert!(asked.elapsed() < Duration::from_millis(1000), "slow: {:?}", asked.elapsed());
    }
    let served_by = started.elapsed();
    assert!(served_by < Duration::from_millis(1800), "all served in {served_by:?}");

    let timed_out = trickler.response();
    let took = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    timed_out.assert_status(408);
    assert_eq!(timed_out.header("Connection"), Some("close"));
    assert!(took >= Duration::from_millis(1900), "408 too early: {took:?}");
    assert!(took < Duration::from_secs(5), "408 too late: {took:?}");
    trickler.expect_closed();
    trickling.join().expect("the trickling thread");

    for (i, mut client) in stalled.into_iter().enumerate() {
        let response = client.response();
        assert_eq!(response.status, 408, "stalled client {i}: {response:?}");
        client.expect_closed();
    }
    assert!(started.elapsed() < Duration::from_secs(6), "{:?}", started.elapsed());
    assert_eq!(get(&server, "/c.txt").text(), "file c\n");
}
