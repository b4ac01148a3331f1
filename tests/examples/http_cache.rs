//! The http example's open-file cache (examples/http/cache.rs): what a path
//! resolved to is kept for a second, so changes on disk show within a
//! bounded time, each response is one whole version of a file, and a flood
//! of distinct paths neither breaks nor grows it.

#[path = "../common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::http::{Client, DocRoot, Response, start};

/// How long a change on disk may take to show: the cache's second, and
/// slack for a loaded machine.
const SHOWS_WITHIN: Duration = Duration::from_secs(5);

/// Asks for `path` on one connection until `done` holds, for at most
/// `SHOWS_WITHIN`; returns the response that satisfied it. Every response
/// on the way must be whole: its body as long as its `Content-Length`.
fn until(client: &mut Client, path: &str, done: impl Fn(&Response) -> bool) -> Response {
    let deadline = Instant::now() + SHOWS_WITHIN;
    loop {
        let response = client.get(path);
        if let Some(len) = response.header("Content-Length") {
            assert_eq!(len, response.body.len().to_string(), "{path}: a torn response");
        }
        if done(&response) {
            return response;
        }
        assert!(
            Instant::now() < deadline,
            "{path}: no change after {SHOWS_WITHIN:?}: {response:?}"
        );
        // Polling is the only way to see when the cache looks again.
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_rewritten_file_is_served_anew_with_a_new_etag() {
    let root = DocRoot::new("cache-rewrite");
    root.write("page.txt", "version one\n");
    root.write("big.bin", common::http::pattern(300_000, 1));
    let server = start(&root, &[]);
    let mut client = Client::connect(&server);
    let first = client.get("/page.txt");
    assert_eq!(first.text(), "version one\n");
    let first_big = client.get("/big.bin");
    assert_eq!(first_big.body, common::http::pattern(300_000, 1));

    root.write("page.txt", "version two, longer\n");
    root.write("big.bin", common::http::pattern(200_000, 2));
    let second = until(&mut client, "/page.txt", |r| r.text() != "version one\n");
    assert_eq!(second.text(), "version two, longer\n");
    assert_ne!(second.header("ETag"), first.header("ETag"));
    let big = until(&mut client, "/big.bin", |r| r.body.len() != 300_000);
    assert!(big.body == common::http::pattern(200_000, 2), "the new large file, whole");
}

#[test]
fn deleted_files_become_404_and_new_ones_appear() {
    let root = DocRoot::new("cache-appear");
    root.write("gone.txt", "here for now");
    let server = start(&root, &[]);
    let mut client = Client::connect(&server);
    client.get("/gone.txt").assert_status(200);
    client.get("/new.txt").assert_status(404);
    assert!(client.get("/").text().contains("Hello from reel"), "no index yet");

    std::fs::remove_file(root.path("gone.txt")).expect("remove");
    root.write("new.txt", "brand new");
    root.write("index.html", "<h1>now an index</h1>");
    until(&mut client, "/gone.txt", |r| r.status == 404);
    assert_eq!(until(&mut client, "/new.txt", |r| r.status == 200).text(), "brand new");
    assert_eq!(
        until(&mut client, "/", |r| r.status == 200 && !r.text().contains("Hello")).text(),
        "<h1>now an index</h1>"
    );
}

#[test]
fn a_flood_of_distinct_paths_leaves_real_files_served() {
    let root = DocRoot::new("cache-flood");
    root.write("real.txt", "real");
    let server = start(&root, &[]);
    let mut client = Client::connect(&server);
    // More missing paths than the cache holds (1,024), each cached as 404.
    for i in 0..3000 {
        client.get(&format!("/missing-{i}")).assert_status(404);
        if i % 500 == 0 {
            assert_eq!(client.get("/real.txt").text(), "real");
        }
    }
    assert_eq!(client.get("/real.txt").text(), "real");
}
