//! The http example serves a 1 GiB file with bounded memory
//! (examples/http/SPEC.md, "Static files": "a 1 GiB file is served while the
//! server's RSS grows by < 16 MiB"). The file is sparse, so the disk is not
//! filled: zeros, and a few known marks, one across a 64 KiB chunk boundary.
//! The server's memory comes from /proc/PID/status: VmRSS before the
//! download, VmHWM (the peak) after it. Linux only, like the example.

#[path = "../common/mod.rs"]
mod common;

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::time::Instant;

use common::http::{Client, DocRoot, start};
use common::proc_status_kib;

/// 1 GiB.
const LEN: u64 = 1 << 30;

/// What the server may add to its resident memory while serving the file.
const GROWTH_LIMIT_KIB: u64 = 16 << 10;

/// The file's last bytes.
const LAST: &[u8] = b"reel: the last bytes";

/// Known bytes at known offsets; everything else in the file is a hole.
const MARKS: [(u64, &[u8]); 3] = [
    (0, b"reel: the first bytes"),
    // Straddles the 64 KiB boundary at 512 MiB: a chunking slip shows here.
    ((LEN / 2) - 7, b"reel: the middle bytes"),
    (LEN - LAST.len() as u64, LAST),
];

/// Checks the bytes of `chunk`, which starts at offset `at` of the file:
/// each mark where it overlaps, zeros elsewhere. Overwrites the marks with
/// zeros, so that one slice comparison checks the rest.
fn check_chunk(chunk: &mut [u8], at: u64, zeros: &[u8]) {
    let end = at + chunk.len() as u64;
    for (offset, mark) in MARKS {
        let from = offset.max(at);
        let to = (offset + mark.len() as u64).min(end);
        if from >= to {
            continue;
        }
        let got = &mut chunk[(from - at) as usize..(to - at) as usize];
        let want = &mark[(from - offset) as usize..(to - offset) as usize];
        assert!(got == want, "bytes {from}..{to}: {got:?}, want {want:?}");
        got.fill(0);
    }
    if chunk != &zeros[..chunk.len()] {
        let first = chunk.iter().position(|&b| b != 0).unwrap_or(0) as u64;
        panic!("byte {} is not 0 (a hole of the sparse file)", at + first);
    }
}

#[test]
fn a_1_gib_file_is_served_with_bounded_memory() {
    let root = DocRoot::new("large-file");
    root.write("small.txt", "warm up\n");
    let file = File::create(root.path("huge.bin")).expect("create huge.bin");
    file.set_len(LEN).expect("a sparse 1 GiB file");
    for (offset, mark) in MARKS {
        file.write_all_at(mark, offset).expect("write a mark");
    }
    assert_eq!(file.metadata().expect("stat huge.bin").len(), LEN, "the marks fit inside");
    drop(file);

    let server = start(&root, &[]);
    let pid = server.child.id();
    let mut client = Client::connect(&server);
    // One request first, so the connection's buffers and the loop's first
    // allocations are part of the baseline, not of the growth.
    assert_eq!(client.get("/small.txt").text(), "warm up\n");
    let rss_before = proc_status_kib(pid, "VmRSS");
    let hwm_before = proc_status_kib(pid, "VmHWM");

    let started = Instant::now();
    client.send("GET /huge.bin HTTP/1.1\r\nHost: t\r\n\r\n");
    let head = client.head_response();
    head.assert_status(200);
    assert_eq!(head.header("Content-Length"), Some(LEN.to_string().as_str()));
    assert_eq!(head.header("Content-Type"), Some("application/octet-stream"));
    // The body is counted and checked as it comes, never kept.
    let zeros = vec![0u8; 1 << 20];
    let mut buf = vec![0u8; 1 << 20];
    let mut received: u64 = 0;
    let body = client.body_reader();
    while received < LEN {
        let want = buf.len().min((LEN - received) as usize);
        let n = match body.read(&mut buf[..want]) {
            Ok(0) => panic!("EOF after {received} of {LEN} bytes"),
            Ok(n) => n,
            Err(e) => panic!("the body stalled after {received} bytes: {e}"),
        };
        check_chunk(&mut buf[..n], received, &zeros);
        received += n as u64;
    }
    let took = started.elapsed();
    let hwm_after = proc_status_kib(pid, "VmHWM");
    let rss_after = proc_status_kib(pid, "VmRSS");
    let growth = hwm_after.saturating_sub(rss_before);
    println!(
        "1 GiB in {took:.2?} ({:.0} MiB/s); server VmRSS before {rss_before} KiB, \
         VmHWM before {hwm_before} KiB, VmHWM after {hwm_after} KiB, VmRSS after {rss_after} \
         KiB: peak growth {growth} KiB (limit {GROWTH_LIMIT_KIB} KiB)",
        1024.0 / took.as_secs_f64()
    );
    assert_eq!(received, LEN, "every byte, and no more");
    assert!(
        growth < GROWTH_LIMIT_KIB,
        "the server's peak RSS grew by {growth} KiB (from {rss_before} to {hwm_after}) \
         serving 1 GiB; the limit is {GROWTH_LIMIT_KIB} KiB"
    );
    // The connection is still in step: nothing extra followed the body.
    assert_eq!(client.get("/small.txt").text(), "warm up\n");
}
