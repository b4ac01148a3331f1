//! The http example's static files (examples/http/SPEC.md, "Static files"):
//! indexes, 404s and the directory redirect, MIME types, HEAD, 405,
//! conditional requests, ranges and a large download, over a temporary root.

#[path = "../common/mod.rs"]
mod common;

use common::http::date::{imf_fixdate, mtime_secs};
use common::http::{Client, DocRoot, get, pattern, start};

#[test]
fn files_indexes_missing_paths_and_the_directory_redirect() {
    let root = DocRoot::new("static-basics");
    root.write("index.html", "<h1>top index</h1>");
    root.write("sub/index.html", "<p>sub index</p>");
    root.write("sub/page.txt", "a plain page\n");
    root.write("empty.txt", "");
    root.mkdir("noindex");
    let server = start(&root, &[]);

    let page = get(&server, "/sub/page.txt");
    page.assert_status(200);
    assert_eq!(page.text(), "a plain page\n");
    assert_eq!(page.header("Content-Type"), Some("text/plain"));
    assert_eq!(page.header("Content-Length"), Some("13"));

    let index = get(&server, "/index.html");
    index.assert_status(200);
    assert_eq!(index.text(), "<h1>top index</h1>");
    assert_eq!(index.header("Content-Type"), Some("text/html"));

    let dir = get(&server, "/sub/");
    dir.assert_status(200);
    assert_eq!(dir.text(), "<p>sub index</p>", "/sub/ serves sub/index.html");
    assert_eq!(dir.header("Content-Type"), Some("text/html"));

    let query = get(&server, "/sub/page.txt?version=2&x=%41");
    query.assert_status(200);
    assert_eq!(query.text(), "a plain page\n", "the query is ignored");
    for target in ["/sub/page.txt#part-2", "/sub/page.txt?v=1#part-2"] {
        assert_eq!(get(&server, target).text(), "a plain page\n", "{target}: the fragment too");
    }

    get(&server, "/noindex/").assert_status(404);
    get(&server, "/missing.txt").assert_status(404);
    get(&server, "/sub/missing/deeper.txt").assert_status(404);
    get(&server, "/index.html/").assert_status(404);
    get(&server, "/sub/page.txt/").assert_status(404);

    let redirect = get(&server, "/sub");
    redirect.assert_status(301);
    assert_eq!(redirect.header("Location"), Some("/sub/"));
    let redirect = get(&server, "/noindex");
    redirect.assert_status(301);
    assert_eq!(redirect.header("Location"), Some("/noindex/"));

    // An empty file is a 200 with no body, framed so the connection goes on.
    let mut client = Client::connect(&server);
    let empty = client.get("/empty.txt");
    empty.assert_status(200);
    assert!(empty.body.is_empty());
    assert_eq!(client.get("/sub/page.txt").text(), "a plain page\n", "the next response");
}

/// Types from mime_guess's table: what a browser needs to run a module
/// script, use a font or play a video, not `application/octet-stream`.
#[test]
fn each_listed_extension_has_its_registered_type() {
    let root = DocRoot::new("static-mime");
    let types = [
        ("html", "text/html"),
        ("htm", "text/html"),
        ("css", "text/css"),
        ("js", "text/javascript"),
        ("mjs", "application/javascript"),
        ("woff", "application/font-woff"),
        ("woff2", "font/woff2"),
        ("webp", "image/webp"),
        ("avif", "image/avif"),
        ("mp4", "video/mp4"),
        ("webm", "video/webm"),
        ("mp3", "audio/mpeg"),
        ("map", "text/plain"),
        ("webmanifest", "application/manifest+json"),
        ("csv", "text/csv"),
        ("md", "text/markdown"),
        ("zip", "application/zip"),
        ("gz", "application/gzip"),
        ("json", "application/json"),
        ("txt", "text/plain"),
        ("jpg", "image/jpeg"),
        ("jpeg", "image/jpeg"),
        ("png", "image/png"),
        ("gif", "image/gif"),
        ("svg", "image/svg+xml"),
        ("ico", "image/x-icon"),
        ("swf", "application/x-shockwave-flash"),
        ("wasm", "application/wasm"),
        ("pdf", "application/pdf"),
        ("xml", "text/xml"),
        ("bin", "application/octet-stream"),
        ("qqq", "application/octet-stream"),
        ("tar.gz", "application/gzip"),
    ];
    for (ext, _) in types {
        root.write(&format!("file.{ext}"), format!("content of {ext}"));
    }
    root.write("no_extension", "no extension");
    let server = start(&root, &[]);
    let mut client = Client::connect(&server);
    for (ext, mime) in types {
        let response = client.get(&format!("/file.{ext}"));
        response.assert_status(200);
        assert_eq!(response.text(), format!("content of {ext}"));
        assert_eq!(response.header("Content-Type"), Some(mime), ".{ext}");
    }
    let response = client.get("/no_extension");
    assert_eq!(response.header("Content-Type"), Some("application/octet-stream"));
}

#[test]
fn encoded_spaces_and_double_dots_inside_a_name_are_plain_files() {
    let root = DocRoot::new("static-names");
    root.write("my file.txt", "spaced out");
    root.write("a..b.txt", "two dots");
    root.write("dir with space/x..y/inner.txt", "deep");
    let server = start(&root, &[]);

    let spaced = get(&server, "/my%20file.txt");
    spaced.assert_status(200);
    assert_eq!(spaced.text(), "spaced out");
    assert_eq!(get(&server, "/my%20fil%65.txt").text(), "spaced out", "any byte may be encoded");

    let dots = get(&server, "/a..b.txt");
    dots.assert_status(200);
    assert_eq!(dots.text(), "two dots");
    let deep = get(&server, "/dir%20with%20space/x..y/inner.txt");
    deep.assert_status(200);
    assert_eq!(deep.text(), "deep");

    // Invalid escapes are a bad request.
    get(&server, "/my%2file.txt").assert_status(400);
    get(&server, "/my%zzfile.txt").assert_status(400);
    get(&server, "/trailing%").assert_status(400);
}

#[test]
fn head_has_the_get_headers_and_no_body_over_1_1_and_1_0() {
    let root = DocRoot::new("static-head");
    root.write("page.html", "<p>some body bytes</p>");
    let server = start(&root, &[]);

    let mut client = Client::connect(&server);
    let got = client.get("/page.html");
    let head = client.request("HEAD /page.html HTTP/1.1\r\nHost: test\r\n\r\n");
    head.assert_status(200);
    assert_eq!(head.headers_but_date(), got.headers_but_date(), "the same headers");
    assert_eq!(head.header("Content-Length"), Some("22"), "the GET's length");
    // No body was sent: the next bytes are the next response's status line.
    let missing = client.request("HEAD /missing HTTP/1.1\r\nHost: test\r\n\r\n");
    assert_eq!(missing.status, 404);
    assert_eq!(client.get("/page.html").text(), "<p>some body bytes</p>");

    let mut old = Client::connect(&server);
    let head = old.request("HEAD /page.html HTTP/1.0\r\n\r\n");
    head.assert_status(200);
    assert_eq!(head.header("Content-Length"), Some("22"));
    assert_eq!(head.header("Content-Type"), Some("text/html"));
    old.expect_closed();
}

#[test]
fn other_methods_on_static_files_get_405_with_allow() {
    let root = DocRoot::new("static-405");
    root.write("page.txt", "page");
    let server = start(&root, &[]);
    let mut client = Client::connect(&server);
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let response = client.request(format!(
            "{method} /page.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"
        ));
        response.assert_status(405);
        assert_eq!(response.header("Allow"), Some("GET, HEAD"), "{method}");
    }
    let options = client.request("OPTIONS /page.txt HTTP/1.1\r\nHost: t\r\n\r\n");
    options.assert_status(405);
    assert_eq!(client.get("/page.txt").text(), "page", "the file is intact");
    assert_eq!(std::fs::read(root.path("page.txt")).expect("read"), b"page");
}

/// A method a static file never allows is `405`, whatever the body's
/// framing says: not `411` for a POST without a length, not `413` for one
/// too large (RFC 9110 15.5.6: the method is what the target refuses).
#[test]
fn a_refused_method_is_405_before_411_or_413() {
    let root = DocRoot::new("static-405-411");
    root.write("page.txt", "page");
    let server = start(&root, &["--max-body", "10"]);
    let cases = [
        ("POST", "no length", ""),
        ("PUT", "no length", ""),
        ("POST", "too large", "Content-Length: 1000\r\n"),
    ];
    for (method, what, framing) in cases {
        let mut client = Client::connect(&server);
        let response =
            client.request(format!("{method} /page.txt HTTP/1.1\r\nHost: t\r\n{framing}\r\n"));
        assert_eq!(response.status, 405, "{method} with {what}");
        assert_eq!(response.header("Allow"), Some("GET, HEAD"), "{method} with {what}");
        assert_eq!(response.header("Connection"), Some("close"), "{method} with {what}");
    }
    assert_eq!(get(&server, "/page.txt").text(), "page", "the server goes on");
}

#[test]
fn etag_and_last_modified_validate_to_304() {
    let root = DocRoot::new("static-304");
    let path = root.write("page.txt", "version one\n");
    let server = start(&root, &[]);
    let mtime = mtime_secs(&path);
    let etag = format!("\"{mtime:x}-{:x}\"", 12);

    let mut client = Client::connect(&server);
    let first = client.get("/page.txt");
    first.assert_status(200);
    assert_eq!(first.header("ETag"), Some(etag.as_str()));
    assert_eq!(first.header("Last-Modified"), Some(imf_fixdate(mtime).as_str()));

    let conditional = |client: &mut Client, header: &str| {
        client.request(format!("GET /page.txt HTTP/1.1\r\nHost: t\r\n{header}\r\n\r\n"))
    };
    for header in [
        format!("If-None-Match: {etag}"),
        "If-None-Match: *".to_string(),
        format!("If-None-Match: \"nope\", {etag}"),
        format!("If-Modified-Since: {}", imf_fixdate(mtime)),
        format!("If-Modified-Since: {}", imf_fixdate(mtime + 86_400)),
    ] {
        let response = conditional(&mut client, &header);
        assert_eq!(response.status, 304, "{header}: {response:?}");
        assert!(response.header("Content-Length").is_none_or(|l| l == "12"), "{header}");
    }
    // Bodiless: the connection's next response parses.
    for header in [
        "If-None-Match: \"0-0\"".to_string(),
        format!("If-Modified-Since: {}", imf_fixdate(mtime - 1)),
        "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT".to_string(),
    ] {
        let response = conditional(&mut client, &header);
        response.assert_status(200);
        assert_eq!(response.text(), "version one\n", "{header}");
    }
    let head = client
        .request(format!("HEAD /page.txt HTTP/1.1\r\nHost: t\r\nIf-None-Match: {etag}\r\n\r\n"));
    assert_eq!(head.status, 304);
    assert_eq!(client.get("/page.txt").text(), "version one\n");
}

#[test]
fn single_ranges_give_206_with_the_exact_bytes_and_bad_ones_416() {
    let root = DocRoot::new("static-range");
    let content = pattern(1000, 7);
    root.write("data.bin", &content);
    let server = start(&root, &[]);
    let mut client = Client::connect(&server);
    let ranged = |client: &mut Client, range: &str| {
        client.request(format!("GET /data.bin HTTP/1.1\r\nHost: t\r\nRange: {range}\r\n\r\n"))
    };
    for (range, start, end) in [
        ("bytes=0-99", 0, 99),
        ("bytes=100-100", 100, 100),
        ("bytes=990-", 990, 999),
        ("bytes=0-", 0, 999),
        ("bytes=-10", 990, 999),
        ("bytes=-1000", 0, 999),
        ("bytes=500-999", 500, 999),
    ] {
        let response = ranged(&mut client, range);
        assert_eq!(response.status, 206, "{range}: {response:?}");
        let want = format!("bytes {start}-{end}/1000");
        assert_eq!(response.header("Content-Range"), Some(want.as_str()), "{range}");
        assert_eq!(response.header("Content-Length"), Some((end - start + 1).to_string().as_str()));
        assert!(response.body == content[start..=end], "{range}: the exact bytes");
        assert_eq!(response.header("Content-Type"), Some("application/octet-stream"));
    }
    for range in ["bytes=1000-", "bytes=1000-1100", "bytes=5000-6000"] {
        let response = ranged(&mut client, range);
        response.assert_status(416);
        assert_eq!(response.header("Content-Range"), Some("bytes */1000"), "{range}");
    }
    let several = ranged(&mut client, "bytes=0-1,5-6");
    several.assert_status(200);
    assert!(several.body == content, "several ranges: the whole file");
    assert!(several.header("Content-Range").is_none());
}

#[test]
fn a_64_mib_file_arrives_byte_for_byte() {
    let root = DocRoot::new("static-large");
    let len = 64 << 20;
    let content = pattern(len, 0x5eed);
    root.write("large.bin", &content);
    let server = start(&root, &[]);
    let mut client = Client::connect(&server);
    let response = client.get("/large.bin");
    response.assert_status(200);
    assert_eq!(response.header("Content-Length"), Some(len.to_string().as_str()));
    if let Some(at) = response.body.iter().zip(&content).position(|(a, b)| a != b) {
        panic!("the bodies differ first at byte {at}");
    }
    assert_eq!(response.body.len(), len);
    // The connection is still in step after 64 MiB.
    let tail = client.request("GET /large.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=-4\r\n\r\n");
    assert!(tail.body == content[len - 4..]);
}

/// `--max-age SECS` makes files fresh for that long (`Cache-Control:
/// max-age=SECS`, on `200`, `206` and `304` alike); without it there is no
/// `Cache-Control`, as nginx sends none, and routes never get one.
#[test]
fn max_age_gives_files_cache_control_and_none_by_default() {
    let root = DocRoot::new("static-max-age");
    root.write("page.txt", "fresh\n");
    let plain = start(&root, &[]);
    assert_eq!(get(&plain, "/page.txt").header("Cache-Control"), None, "none by default");

    let server = start(&root, &["--max-age", "3600"]);
    let mut client = Client::connect(&server);
    let page = client.get("/page.txt");
    page.assert_status(200);
    assert_eq!(page.header("Cache-Control"), Some("max-age=3600"));
    let etag = page.expect_header("ETag").to_string();
    let again = client
        .request(format!("GET /page.txt HTTP/1.1\r\nHost: t\r\nIf-None-Match: {etag}\r\n\r\n"));
    again.assert_status(304);
    assert_eq!(again.header("Cache-Control"), Some("max-age=3600"), "a 304 carries it too");
    let part = client.request("GET /page.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=0-1\r\n\r\n");
    part.assert_status(206);
    assert_eq!(part.header("Cache-Control"), Some("max-age=3600"));
    assert_eq!(client.get("/status").header("Cache-Control"), None, "routes are not files");
}
