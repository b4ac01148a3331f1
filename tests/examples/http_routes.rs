//! The http example's shipped routes (examples/http/SPEC.md, "Routes"): the
//! hello page or the index at `/`, `/status`, `/time`, `/echo` and `/panic`,
//! and routes winning over static files.

#[path = "../common/mod.rs"]
mod common;

use std::net::Ipv4Addr;

use common::example::Server;
use common::http::{Client, DocRoot, get, start};

/// The number after `"key":` in a flat JSON object.
fn json_number(json: &str, key: &str) -> u64 {
    let at = json.find(&format!("\"{key}\":")).unwrap_or_else(|| panic!("no {key} in {json}"));
    let rest = &json[at + key.len() + 3..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap_or_else(|_| panic!("{key} is not a number in {json}"))
}

#[test]
fn root_is_a_hello_page_without_an_index_and_the_index_with_one() {
    let bare = DocRoot::new("routes-hello");
    let server = start(&bare, &[]);
    let hello = get(&server, "/");
    hello.assert_status(200);
    assert_eq!(hello.header("Content-Type"), Some("text/html"));
    assert!(hello.text().contains("Hello from reel"), "{hello:?}");

    let with_index = DocRoot::new("routes-index");
    with_index.write("index.html", "<title>my own index</title>");
    let server = start(&with_index, &[]);
    let index = get(&server, "/");
    index.assert_status(200);
    assert_eq!(index.text(), "<title>my own index</title>");
    assert_eq!(index.header("Content-Type"), Some("text/html"));
    assert!(index.header("ETag").is_some(), "served as a static file");
}

#[test]
fn status_is_json_counting_requests_and_open_connections() {
    let root = DocRoot::new("routes-status");
    let server = start(&root, &[]);
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut client = Client::connect(&server);
        assert_eq!(client.get("/missing").status, 404);
        held.push(client); // still open, kept alive
    }
    let mut client = Client::connect(&server);
    let first = client.get("/status");
    first.assert_status(200);
    assert_eq!(first.header("Content-Type"), Some("application/json"));
    let json = first.text();
    assert!(json.starts_with("{\"status\":\"ok\",\"worker\":"), "{json}");
    assert!(json.ends_with('}') || json.ends_with("}\n"), "{json}");
    json_number(&json, "worker");
    let requests = json_number(&json, "requests");
    assert!(requests >= 3, "at least the three before: {json}");
    assert!(json_number(&json, "connections") >= 4, "three held and this one: {json}");

    let second = client.get("/status").text();
    assert_eq!(json_number(&second, "requests"), requests + 1, "{json} then {second}");
    drop(held);
    // The three closes reach the server in its own time: ask until seen.
    let deadline = std::time::Instant::now() + common::example::DEADLINE;
    loop {
        let now = json_number(&client.get("/status").text(), "connections");
        if now == 1 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still {now} connections");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// `/time` is the server's local time, in the zone `TZ` names (through the
/// zone database), with its offset: Tokyo is +09:00 all year.
#[test]
fn time_is_the_iso_8601_local_time_now() {
    let root = DocRoot::new("routes-time");
    let dir = root.root.to_str().expect("a UTF-8 temp path");
    let env = [("TZ", "Asia/Tokyo")];
    let server = Server::start_example_with_env(
        "http",
        &["-r", dir],
        "listening on http://",
        Ipv4Addr::LOCALHOST,
        &env,
    );
    let response = get(&server, "/time");
    response.assert_status(200);
    assert_eq!(response.header("Content-Type"), Some("text/plain"));
    let text = response.text();
    let line = text.strip_suffix('\n').unwrap_or_else(|| panic!("no newline: {text:?}"));
    let b = line.as_bytes();
    let shape = b.len() == 29
        && [4, 7].iter().all(|&i| b[i] == b'-')
        && b[10] == b'T'
        && [13, 16].iter().all(|&i| b[i] == b':')
        && b[19] == b'.';
    assert!(shape, "not YYYY-MM-DDTHH:MM:SS.mmm+HH:MM: {line:?}");
    assert!(line.ends_with("+09:00"), "not Tokyo's local time: {line:?}");
    let when: jiff::Timestamp = line.parse().expect("an RFC 3339 time");
    let off = when.duration_since(jiff::Timestamp::now()).as_secs().abs();
    assert!(off <= 5, "{line:?} is not now");
}

#[test]
fn post_echo_returns_the_body_and_its_content_type() {
    let root = DocRoot::new("routes-echo");
    let server = start(&root, &[]);
    let mut client = Client::connect(&server);
    let body: Vec<u8> = (0..=255).chain(0..=255).collect();
    let mut request = format!(
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-test\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    let echoed = client.request(&request);
    echoed.assert_status(200);
    assert_eq!(echoed.body, body);
    assert_eq!(echoed.header("Content-Type"), Some("application/x-test"));

    let untyped = client.request("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc");
    assert_eq!(untyped.text(), "abc");
    assert_eq!(untyped.header("Content-Type"), Some("application/octet-stream"));
    let empty = client.request("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
    empty.assert_status(200);
    assert!(empty.body.is_empty());
    let with_query = "POST /echo?q=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nq";
    assert_eq!(client.request(with_query).text(), "q");
}

#[test]
fn other_methods_on_echo_get_405_allowing_post() {
    let root = DocRoot::new("routes-echo-405");
    let server = start(&root, &[]);
    let mut client = Client::connect(&server);
    for method in ["GET", "PUT", "DELETE"] {
        let response = client
            .request(format!("{method} /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"));
        response.assert_status(405);
        assert_eq!(response.header("Allow"), Some("POST"), "{method}");
    }
    let head = client.request("HEAD /echo HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!((head.status, head.header("Allow")), (405, Some("POST")));
}

#[test]
fn a_panicking_handler_is_a_500_and_the_server_goes_on() {
    let root = DocRoot::new("routes-panic");
    root.write("page.txt", "still here");
    let server = start(&root, &[]);
    for round in 0..3 {
        get(&server, "/panic").assert_status(500);
        assert_eq!(get(&server, "/page.txt").text(), "still here", "round {round}");
    }
    // A kept-alive neighbour is not disturbed.
    let mut neighbour = Client::connect(&server);
    assert_eq!(neighbour.get("/page.txt").text(), "still here");
    get(&server, "/panic").assert_status(500);
    assert_eq!(neighbour.get("/page.txt").text(), "still here");
    assert!(get(&server, "/time").status == 200);
}

#[test]
fn routes_win_over_static_files_of_the_same_name() {
    let root = DocRoot::new("routes-win");
    for name in ["time", "status", "echo", "panic"] {
        root.write(name, format!("static {name}"));
    }
    let server = start(&root, &[]);
    assert!(get(&server, "/status").text().starts_with("{\"status\":\"ok\""));
    assert!(get(&server, "/time").text().starts_with("20"));
    assert_eq!(get(&server, "/echo").status, 405);
    assert_eq!(get(&server, "/panic").status, 500);
}
