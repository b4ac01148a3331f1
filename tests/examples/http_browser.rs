//! The http example's demo site (`examples/http/site/`, served when no
//! `--root` is given) in a real browser: headless Chromium loads the page,
//! and the page's JavaScript module (which runs only if the server sends it
//! with a JavaScript content type) fetches each of the page's files and
//! lists the answers in the DOM, which `--dump-dom` prints. The server's
//! access log must show every file answered `200`. A second visit with the
//! same profile and `--max-age 0` revalidates: every file is `304`.
//!
//! Chromium must be installed (`.ci/run` installs it); each run of it is
//! bounded by `timeout`, and by `--virtual-time-budget`.

#[path = "../common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::process::Command;

use common::example::Server;

/// What the page is made of: the page itself, what it loads, what its
/// module fetches (as the access log writes them: percent-encoded).
const FILES: [&str; 10] = [
    "/",
    "/style.css",
    "/js/classic.js",
    "/js/app.mjs",
    "/js/assets.mjs",
    "/reel.png",
    "/fonts/DejaVuSans-Bold-subset.woff2",
    "/guide/",
    "/hello%20world.txt",
    "/%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82.txt",
];

/// A Chromium profile folder of this test's own, removed on drop.
struct Profile(PathBuf);

impl Profile {
    fn new() -> Profile {
        let dir = std::env::temp_dir().join(format!("reel-chromium-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("make the profile folder");
        Profile(dir)
    }

    /// Loads `url` in headless Chromium with this profile; the DOM after
    /// the page's scripts have run.
    fn dump_dom(&self, url: &str) -> String {
        let out = Command::new("timeout")
            .args(["30", "chromium", "--headless", "--no-sandbox", "--disable-gpu"])
            .args(["--no-first-run", "--disable-extensions", "--virtual-time-budget=10000"])
            .arg(format!("--user-data-dir={}", self.0.display()))
            .args(["--dump-dom", url])
            .output()
            .expect("run chromium (.ci/run installs it)");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "chromium {url}: {}\n{stderr}", out.status);
        String::from_utf8(out.stdout).expect("the DOM is UTF-8")
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Collects the server's access log until each of `FILES` has a line with
/// `status`; panics (with the lines) if one does not within the deadline.
fn expect_each_file(server: &Server, status: &str) -> Vec<String> {
    let line_for = |lines: &[String], path: &str| {
        let want = format!(" GET {path} {status} ");
        lines.iter().any(|line| line.contains(&want))
    };
    let lines = server.logs_until(|lines| FILES.iter().all(|path| line_for(lines, path)));
    for path in FILES {
        assert!(line_for(&lines, path), "no `GET {path} {status}` in the log:\n{lines:#?}");
    }
    lines
}

#[test]
fn the_demo_site_loads_in_chromium_and_a_second_visit_is_answered_304() {
    let server = Server::start_example("http", &["--max-age", "0"], "listening on http://");
    let url = format!("http://{}/", server.addr);
    let profile = Profile::new();

    let dom = profile.dump_dom(&url);
    let checks = |dom: &str| dom.matches("<li class=\"ok\">").count();
    assert!(dom.contains("module script: ran"), "the module did not run:\n{dom}");
    assert!(dom.contains("classic script: ran"), "the classic script did not run:\n{dom}");
    assert!(dom.contains("js/classic.js: 200 text/javascript"), "{dom}");
    assert!(dom.contains("fonts/DejaVuSans-Bold-subset.woff2: 200 font/woff2"), "{dom}");
    assert!(dom.contains("привет.txt: 200 text/plain"), "{dom}");
    assert!(dom.contains("web font: loaded"), "{dom}");
    assert!(!dom.contains("class=\"bad\""), "a check failed:\n{dom}");
    assert_eq!(checks(&dom), 9, "the module, seven files and the font:\n{dom}");
    let first = expect_each_file(&server, "200");
    assert!(first.iter().all(|line| !line.contains(" 404 ")), "{first:#?}");

    // The same profile again: its cache holds every file, and max-age=0
    // makes the browser ask whether each is still the same.
    let dom = profile.dump_dom(&url);
    assert_eq!(checks(&dom), 9, "the second visit runs the same checks:\n{dom}");
    expect_each_file(&server, "304");
}
