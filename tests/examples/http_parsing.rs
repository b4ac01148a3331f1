//! The http example's request parsing (examples/http/SPEC.md, "Parsing" and
//! "Every response"): head and header-count limits, body limits, chunked
//! bodies, framing conflicts, malformed and truncated requests, versions.

#[path = "../common/mod.rs"]
mod common;

use common::example::Server;
use common::http::date::{parse_imf_fixdate, unix_now};
use common::http::{Client, DocRoot, Response, exchange, get, start};

fn server(root: &DocRoot, args: &[&str]) -> Server {
    root.write("page.txt", "page\n");
    start(root, args)
}

/// Sends `request` on a fresh connection: the one response, then EOF.
fn answered_and_closed(server: &Server, request: impl AsRef<[u8]>) -> Response {
    let mut client = Client::connect(server);
    let response = client.request(request);
    assert_eq!(response.header("Connection"), Some("close"), "{response:?}");
    client.expect_closed();
    response
}

#[test]
fn a_head_over_8_kib_is_431_and_one_under_is_served() {
    let root = DocRoot::new("parse-431");
    let server = server(&root, &[]);
    let under = format!("GET /page.txt HTTP/1.1\r\nHost: t\r\nX-Pad: {}\r\n\r\n", "a".repeat(7000));
    assert_eq!(exchange(&server, under).text(), "page\n");
    let over = format!("GET /page.txt HTTP/1.1\r\nHost: t\r\nX-Pad: {}\r\n\r\n", "a".repeat(9000));
    answered_and_closed(&server, over).assert_status(431);
    // Many small headers adding up past 8 KiB.
    let mut many = String::from("GET /page.txt HTTP/1.1\r\nHost: t\r\n");
    for i in 0..90 {
        many.push_str(&format!("X-Pad-{i:02}: {}\r\n", "b".repeat(100)));
    }
    many.push_str("\r\n");
    answered_and_closed(&server, many).assert_status(431);
    assert_eq!(get(&server, "/page.txt").text(), "page\n");
}

#[test]
fn more_than_100_headers_are_refused_and_100_are_served() {
    let root = DocRoot::new("parse-headers");
    let server = server(&root, &[]);
    let with_headers = |count: usize| {
        let mut request = String::from("GET /page.txt HTTP/1.1\r\nHost: t\r\n");
        for i in 1..count {
            request.push_str(&format!("X-H{i}: v\r\n"));
        }
        request + "\r\n"
    };
    assert_eq!(exchange(&server, with_headers(100)).text(), "page\n", "100 headers are fine");
    // SPEC: 431 and close (400 would also be a fair answer; SPEC picks 431).
    answered_and_closed(&server, with_headers(101)).assert_status(431);
}

#[test]
fn a_body_over_max_body_is_413_by_length_and_by_chunks() {
    let root = DocRoot::new("parse-413");
    let server = server(&root, &["--max-body", "1024"]);
    let post = |body: &[u8]| {
        let mut request =
            format!("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n", body.len())
                .into_bytes();
        request.extend_from_slice(body);
        request
    };
    let fits = exchange(&server, post(&[b'x'; 1024]));
    fits.assert_status(200);
    assert_eq!(fits.body, [b'x'; 1024]);
    answered_and_closed(&server, post(&[b'y'; 1025])).assert_status(413);
    // The length alone decides: no body needs to follow.
    let huge = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 999999999999\r\n\r\n";
    answered_and_closed(&server, huge).assert_status(413);

    let chunked = |sizes: &[usize]| {
        let mut request = String::from("POST /echo HTTP/1.1\r\nHost: t\r\n");
        request.push_str("Transfer-Encoding: chunked\r\n\r\n");
        for size in sizes {
            request.push_str(&format!("{size:x}\r\n{}\r\n", "z".repeat(*size)));
        }
        request + "0\r\n\r\n"
    };
    let fits = exchange(&server, chunked(&[512, 512]));
    fits.assert_status(200);
    assert_eq!(fits.body.len(), 1024);
    answered_and_closed(&server, chunked(&[512, 512, 1])).assert_status(413);
    assert_eq!(get(&server, "/page.txt").text(), "page\n");
}

#[test]
fn a_chunked_post_is_decoded_with_extensions_and_trailers() {
    let root = DocRoot::new("parse-chunked");
    let server = server(&root, &[]);
    let mut client = Client::connect(&server);
    let response = client.request(
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\n\
         Transfer-Encoding: chunked\r\n\r\n\
         5\r\nhello\r\n1;name=value\r\n \r\nA\r\n0123456789\r\nc\r\n, chunked!\r\n\r\n\
         0\r\nX-Trailer: one\r\nX-Other: two\r\n\r\n",
    );
    response.assert_status(200);
    assert_eq!(response.text(), "hello 0123456789, chunked!\r\n");
    assert_eq!(response.header("Content-Length"), Some("28"));
    assert_eq!(response.header("Content-Type"), Some("text/plain"));
    // The trailers were consumed: the connection is in step.
    assert_eq!(client.get("/page.txt").text(), "page\n");
    let empty = client
        .request("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    empty.assert_status(200);
    assert!(empty.body.is_empty());
    assert_eq!(client.get("/page.txt").text(), "page\n");
}

#[test]
fn framing_conflicts_are_400_unknown_codings_501_and_no_length_411() {
    let root = DocRoot::new("parse-framing");
    let server = server(&root, &[]);
    let head = "POST /echo HTTP/1.1\r\nHost: t\r\n";
    // A coding reel does not decode, before the final chunked: 501.
    let response = exchange(&server, format!("{head}Transfer-Encoding: gzip, chunked\r\n\r\n"));
    response.assert_status(501);
    for framing in [
        // Chunked not last (or twice): the body's end is unknown (RFC 9112 6.3).
        "Transfer-Encoding: gzip\r\n",
        "Transfer-Encoding: deflate\r\n",
        "Transfer-Encoding: chunked, gzip\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
        "Content-Length: 5\r\nContent-Length: 6\r\n",
        "Content-Length: 5, 6\r\n",
        "Content-Length: abc\r\n",
        "Content-Length: -5\r\n",
    ] {
        let response = answered_and_closed(&server, format!("{head}{framing}\r\nhello"));
        assert_eq!(response.status, 400, "{framing:?}: {response:?}");
        response.assert_status(400);
    }
    let same_twice =
        exchange(&server, format!("{head}Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello"));
    same_twice.assert_status(200);
    assert_eq!(same_twice.text(), "hello", "two equal lengths are one length");
    let request = "POST /echo HTTP/1.1\r\nHost: t\r\n\r\n";
    assert_eq!(exchange(&server, request).status, 411, "POST without a length");
    // /echo never takes PUT: the method is the error, not the length.
    let put = exchange(&server, "PUT /echo HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!((put.status, put.header("Allow")), (405, Some("POST")), "PUT without a length");
    assert_eq!(get(&server, "/page.txt").text(), "page\n");
}

#[test]
fn malformed_requests_are_400_and_other_versions_505() {
    let root = DocRoot::new("parse-malformed");
    let server = server(&root, &[]);
    for request in [
        "GE(T /page.txt HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET /page.txt HTTP/1.1\r\nNo colon here\r\n\r\n",
        "GET /page.txt HTTP/1.1\r\nBad Name: v\r\n\r\n",
        "GET /pa\x01ge.txt HTTP/1.1\r\nHost: t\r\n\r\n",
    ] {
        let response = answered_and_closed(&server, request);
        assert_eq!(response.status, 400, "{request:?}: {response:?}");
        response.assert_status(400);
    }
    for version in ["HTTP/2.0", "HTTP/3.0"] {
        let response = exchange(&server, format!("GET /page.txt {version}\r\nHost: t\r\n\r\n"));
        assert_eq!(response.status, 505, "{version}: {response:?}");
        response.assert_status(505);
    }
    assert_eq!(get(&server, "/page.txt").text(), "page\n");
}

#[test]
fn blank_lines_are_skipped_and_truncated_requests_just_closed() {
    let root = DocRoot::new("parse-truncated");
    let server = server(&root, &[]);
    let response = exchange(&server, "\r\n\r\n\nGET /page.txt HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(response.text(), "page\n", "blank lines before a request are skipped");
    for partial in [
        &b"\r\n\r\n\r\n"[..],
        b"GET /page.txt HTT",
        b"GET /page.txt HTTP/1.1\r\nHost: t\r\n",
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc",
        b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
    ] {
        let mut client = Client::connect(&server);
        client.send(partial);
        client.shutdown_write();
        let rest = client.rest();
        let text = String::from_utf8_lossy(&rest);
        assert!(rest.is_empty(), "{partial:?}: closed, nothing written; got {text:?}");
    }
    assert_eq!(get(&server, "/page.txt").text(), "page\n", "the server goes on");
}

/// Asserts SPEC's headers of every response.
fn assert_common_headers(what: &str, response: &Response, has_body: bool) {
    let date = response.expect_header("Date");
    let secs = parse_imf_fixdate(date).unwrap_or_else(|| panic!("{what}: Date {date:?}"));
    assert!(secs.abs_diff(unix_now()) <= 5, "{what}: Date {date:?} is not now");
    assert_eq!(response.header("Server"), Some("reel"), "{what}");
    let connection = response.expect_header("Connection");
    assert!(["keep-alive", "close"].contains(&connection), "{what}: Connection {connection}");
    if has_body {
        let len = response.expect_header("Content-Length");
        assert_eq!(len, response.body.len().to_string(), "{what}");
        assert!(response.header("Content-Type").is_some(), "{what}: Content-Type");
    }
}

#[test]
fn every_response_carries_date_server_connection_and_length() {
    let root = DocRoot::new("parse-common");
    let server = server(&root, &[]);
    root.mkdir("dir");
    let mut client = Client::connect(&server);
    let mut cases = vec![
        ("static", client.get("/page.txt"), true),
        ("hello", client.get("/"), true),
        ("status", client.get("/status"), true),
        ("time", client.get("/time"), true),
        ("404", client.get("/missing"), true),
        ("301", client.get("/dir"), false),
        (
            "206",
            client.request("GET /page.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=0-1\r\n\r\n"),
            true,
        ),
        (
            "416",
            client.request("GET /page.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=99-\r\n\r\n"),
            true,
        ),
        ("405", client.request("DELETE /page.txt HTTP/1.1\r\nHost: t\r\n\r\n"), true),
        (
            "echo",
            client.request("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi"),
            true,
        ),
        ("HEAD", client.request("HEAD /page.txt HTTP/1.1\r\nHost: t\r\n\r\n"), false),
        ("500", client.get("/panic"), true),
    ];
    cases.push(("400", exchange(&server, "GE(T / HTTP/1.1\r\n\r\n"), true));
    cases.push(("505", exchange(&server, "GET / HTTP/2.0\r\n\r\n"), true));
    cases.push(("1.0", exchange(&server, "GET /page.txt HTTP/1.0\r\n\r\n"), true));
    for (what, response, has_body) in &cases {
        assert_common_headers(what, response, *has_body);
    }
    let head = &cases.iter().find(|(what, ..)| *what == "HEAD").expect("HEAD").1;
    assert_eq!(head.header("Content-Length"), Some("5"), "HEAD: the GET's length");
}

#[test]
fn the_tests_date_helpers_agree_with_rfc_9110s_example() {
    use common::http::date::imf_fixdate;
    assert_eq!(imf_fixdate(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_eq!(parse_imf_fixdate("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
    assert_eq!(parse_imf_fixdate("Mon, 06 Nov 1994 08:49:37 GMT"), None, "wrong day name");
    assert_eq!(parse_imf_fixdate("Sunday, 06-Nov-94 08:49:37 GMT"), None, "RFC 850");
    let now = unix_now();
    assert_eq!(parse_imf_fixdate(&imf_fixdate(now)), Some(now));
}

/// RFC 9112 and 9110, where a lenient parser would differ from a strict
/// one in front of it (each case answered, and the connection closed where
/// the request is refused).
#[test]
fn strict_framing_host_target_and_chunk_sizes() {
    let root = DocRoot::new("parse-strict");
    let server = server(&root, &[]);
    for request in [
        // HTTP/1.1 without Host, or with two (RFC 9112 section 3.2).
        "GET /page.txt HTTP/1.1\r\n\r\n",
        "GET http://t/page.txt HTTP/1.1\r\n\r\n",
        "GET /page.txt HTTP/1.1\r\nHost: t\r\nHost: t\r\n\r\n",
        "GET /page.txt HTTP/1.1\r\nHost: t, u\r\n\r\n",
        // A raw space inside the target: malformed, not another version.
        "GET /page .txt HTTP/1.1\r\nHost: t\r\n\r\n",
        // HTTP/1.0 with a transfer coding: its framing is faulty (6.1).
        "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    ] {
        answered_and_closed(&server, request).assert_status(400);
    }
    let chunked = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
    for body in [
        " 5\r\nhello\r\n0\r\n\r\n",  // leading whitespace (hyper refuses it too)
        "5 \r\nhello\r\n0\r\n\r\n",  // whitespace not before an extension
        "+5\r\nhello\r\n0\r\n\r\n",  // a sign
        "0x5\r\nhello\r\n0\r\n\r\n", // a prefix
        "5\nhello\n0\n\n",           // bare LF line ends
        "5\r\nhelloXX0\r\n\r\n",     // no CRLF after the data
    ] {
        let response = answered_and_closed(&server, format!("{chunked}{body}"));
        assert_eq!(response.status, 400, "{body:?}");
    }
    let spaced = exchange(&server, format!("{chunked}5 ;ext=1\r\nhello\r\n0\r\n\r\n"));
    assert_eq!(spaced.text(), "hello", "whitespace before an extension is allowed");
    // The absolute form with an empty path asks for `/` (RFC 9110 4.2.3).
    let root_page = exchange(&server, "GET http://t HTTP/1.1\r\nHost: t\r\n\r\n");
    root_page.assert_status(200);
    assert!(root_page.text().contains("Hello from reel"), "{root_page:?}");
    let http10 = exchange(&server, "GET /page.txt HTTP/1.0\r\n\r\n");
    assert_eq!(http10.text(), "page\n", "HTTP/1.0 needs no Host");
}
