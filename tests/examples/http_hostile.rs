//! Hostile input costs log lines, not memory (examples/http/SPEC.md,
//! "Memory"): with `RUST_BACKTRACE=1` set, as in many shells, a few seconds
//! of mutated requests from 100 clients, `/panic` among them, leave the
//! server's resident memory under 16 MiB and every panic one log line; the
//! server goes on serving. The figure for 30 s is in README's reliability
//! table.

#[path = "../common/mod.rs"]
mod common;

use std::net::Ipv4Addr;

use common::example::{Server, run_to_exit};
use common::http::{DocRoot, get};
use common::proc_status_kib;

#[test]
fn mutated_requests_and_panics_leave_the_server_small_and_serving() {
    let root = DocRoot::new("hostile");
    root.write("index.html", "<h1>index</h1>\n");
    root.write("big.bin", vec![7u8; 100_000]);
    let dir = root.root.to_str().expect("a UTF-8 temp path");
    let server = Server::start_example_with_env(
        "http",
        &["-r", dir, "--log", "warn"],
        "listening on http://",
        Ipv4Addr::LOCALHOST,
        &[("RUST_BACKTRACE", "1")],
    );
    let port = server.addr.port().to_string();
    let args = ["--port", &port, "--clients", "100", "--duration", "3", "--seed", "9"];
    let (status, report, _) = run_to_exit("http_hostile", &args);
    assert!(status.success(), "{report}");
    let figure = |key: &str| -> u64 {
        let line = report.lines().find_map(|l| l.strip_prefix(key)).unwrap_or("0");
        line.trim().parse().unwrap_or_else(|_| panic!("{key}{line}"))
    };
    assert!(figure("requests:") > 500, "the load ran: {report}");
    assert!(figure("status 500:") > 0, "some requests reached /panic: {report}");
    assert!(figure("status 400:") > 0, "some were malformed: {report}");

    let rss = proc_status_kib(server.child.id(), "VmRSS");
    let peak = proc_status_kib(server.child.id(), "VmHWM");
    eprintln!("server RSS after the hostile run: {rss} KiB (peak {peak} KiB)\n{report}");
    assert!(rss <= 16 * 1024, "RSS {rss} KiB");
    assert!(get(&server, "/").text().contains("index"), "still serving");

    let mut panics = 0;
    while let Ok(line) = server.log_lines.try_recv() {
        assert!(!line.contains("stack backtrace") && !line.starts_with("thread '"), "{line}");
        panics += usize::from(line.contains("handler panicked at examples/http/routes.rs:"));
    }
    assert!(panics > 0, "each panic is logged, with its location");
}
