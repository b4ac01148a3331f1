//! The http example never reads outside its root (examples/http/SPEC.md,
//! "Static files"): `..` segments plain and encoded, encoded slashes,
//! absolute paths after decoding, NUL bytes and symlinks leading out. A
//! secret file sits just outside the root; its contents never come back.

#[path = "../common/mod.rs"]
mod common;

use std::os::unix::fs::symlink;

use common::example::Server;
use common::http::{Client, DocRoot, get, start};

/// A root with `public.txt`, `sub/inner.txt`, a secret in the folder above
/// it, and symlinks: `link.txt` and `linkdir` lead out, `inlink.txt` stays in.
struct Fixture {
    root: DocRoot,
    secret: String,
}

impl Fixture {
    fn new(name: &str) -> Fixture {
        let root = DocRoot::new(name);
        let secret = format!("reel-secret-{}-{name}", std::process::id());
        let secret_path = root.write_outside("secret.txt", &secret);
        root.write("public.txt", "public");
        root.write("sub/inner.txt", "inner");
        symlink(&secret_path, root.path("link.txt")).expect("symlink to the secret");
        symlink(&root.base, root.path("linkdir")).expect("symlink to the folder above");
        symlink(root.path("public.txt"), root.path("inlink.txt")).expect("symlink inside");
        Fixture { root, secret }
    }

    fn secret_path(&self) -> String {
        self.root.base.join("secret.txt").to_str().expect("UTF-8 temp path").to_string()
    }
}

/// Sends `GET target` (verbatim) with `Connection: close`, reads to EOF,
/// checks the secret (and /etc/passwd) are nowhere in it; the status.
fn probe(server: &Server, fixture: &Fixture, target: &str) -> u16 {
    let mut client = Client::connect(server);
    client.send(format!("GET {target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
    let raw = client.rest();
    let text = String::from_utf8_lossy(&raw);
    assert!(!text.contains(&fixture.secret), "{target} leaked the secret: {text:?}");
    assert!(!text.contains("root:x:0:0"), "{target} leaked /etc/passwd: {text:?}");
    let status = text.strip_prefix("HTTP/1.1 ").or_else(|| text.strip_prefix("HTTP/1.0 "));
    let status = status.and_then(|rest| rest.get(..3)).and_then(|code| code.parse().ok());
    status.unwrap_or_else(|| panic!("{target}: no status line in {text:?}"))
}

fn assert_refused(server: &Server, fixture: &Fixture, targets: &[&str], allowed: &[u16]) {
    for target in targets {
        let status = probe(server, fixture, target);
        assert!(allowed.contains(&status), "{target}: {status}, want one of {allowed:?}");
    }
    // And the server is still there.
    assert_eq!(get(server, "/public.txt").text(), "public");
}

#[test]
fn dot_dot_segments_plain_and_encoded_stay_inside() {
    let fixture = Fixture::new("sec-dotdot");
    let server = start(&fixture.root, &[]);
    assert_refused(
        &server,
        &fixture,
        &[
            "/../secret.txt",
            "/sub/../../secret.txt",
            "/sub/../../../../../../../../etc/passwd",
            "/./../secret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E/secret.txt",
            "/.%2e/secret.txt",
            "/%2e./secret.txt",
            "/sub/%2e%2e/%2e%2e/secret.txt",
            "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        ],
        &[403, 404],
    );
    // Without the leading slash the target is not a path at all.
    assert_refused(
        &server,
        &fixture,
        &["../secret.txt", "..", "%2e%2e/secret.txt"],
        &[400, 403, 404],
    );
}

#[test]
fn encoded_slashes_are_400_or_404_and_never_a_way_out() {
    let fixture = Fixture::new("sec-slash");
    let server = start(&fixture.root, &[]);
    assert_refused(
        &server,
        &fixture,
        &[
            "/..%2fsecret.txt",
            "/..%2Fsecret.txt",
            "/%2e%2e%2fsecret.txt",
            "/sub%2f..%2f..%2fsecret.txt",
            "/sub%2finner.txt",
            "/%2f..%2fsecret.txt",
        ],
        &[400, 403, 404],
    );
    for target in ["/sub%2finner.txt", "/sub%2Finner.txt"] {
        let status = probe(&server, &fixture, target);
        assert!([400, 404].contains(&status), "{target}: {status}, SPEC says 400 or 404");
    }
}

#[test]
fn absolute_paths_after_decoding_stay_inside() {
    let fixture = Fixture::new("sec-absolute");
    let server = start(&fixture.root, &[]);
    let secret = fixture.secret_path();
    let encoded = secret.replace('/', "%2f");
    let targets = [
        format!("/{secret}"),
        format!("/%2f{}", &secret[1..]),
        format!("/{encoded}"),
        "//etc/passwd".to_string(),
        "/%2fetc/passwd".to_string(),
        "/%2Fetc%2Fpasswd".to_string(),
    ];
    let targets: Vec<&str> = targets.iter().map(String::as_str).collect();
    assert_refused(&server, &fixture, &targets, &[400, 403, 404]);
}

#[test]
fn nul_bytes_are_a_bad_request() {
    let fixture = Fixture::new("sec-nul");
    let server = start(&fixture.root, &[]);
    assert_refused(
        &server,
        &fixture,
        &["/public.txt%00", "/public.txt%00.html", "/%00", "/sub/%00/../inner.txt"],
        &[400],
    );
}

#[test]
fn symlinks_leading_out_of_the_root_are_refused() {
    let fixture = Fixture::new("sec-symlink");
    let server = start(&fixture.root, &[]);
    assert_refused(
        &server,
        &fixture,
        &["/link.txt", "/linkdir/secret.txt", "/linkdir/root/../secret.txt", "/linkdir/"],
        &[403, 404],
    );
    for target in ["/link.txt", "/linkdir/secret.txt"] {
        let mut client = Client::connect(&server);
        let head = client.request(format!("HEAD {target} HTTP/1.1\r\nHost: t\r\n\r\n"));
        assert!([403, 404].contains(&head.status), "HEAD {target}: {head:?}");
    }
}

#[test]
fn a_symlink_that_stays_inside_the_root_is_served() {
    let fixture = Fixture::new("sec-inlink");
    let server = start(&fixture.root, &[]);
    let response = get(&server, "/inlink.txt");
    response.assert_status(200);
    assert_eq!(response.text(), "public");
    // Through the link to the folder above and back into the root: the
    // resolved path is inside, so this may be served; it must be the file.
    let status = probe(&server, &fixture, "/linkdir/root/public.txt");
    assert!([200, 403, 404].contains(&status), "{status}");
}
