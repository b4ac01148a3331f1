//! Helpers shared by the integration tests.

#![allow(dead_code)]

pub mod chat;
pub mod example;
pub mod http;
pub mod logs;
pub mod net;
#[cfg(feature = "tls")]
pub mod tls;

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

/// The longest any single wait in a test may take.
pub const LIMIT: Duration = Duration::from_secs(5);

/// Awaits `future` for at most [`LIMIT`]; a hang fails the test.
pub async fn bounded<F: Future>(future: F) -> F::Output {
    reel::timeout(LIMIT, future).await.expect("the test's deadline passed")
}

/// Polls `future` exactly once, from inside a task, and hands it back.
pub async fn poll_once<F: Future + Unpin>(mut future: F) -> (F, Poll<F::Output>) {
    let poll = poll_fn(|cx| Poll::Ready(Pin::new(&mut future).poll(cx))).await;
    (future, poll)
}

/// Polls `future` once, checks that it waits (it queued, say), and hands it
/// back: a wait to drop or finish later.
pub async fn pending<F: Future + Unpin>(future: F) -> F {
    let (future, poll) = poll_once(future).await;
    assert!(poll.is_pending(), "the first poll was expected to wait");
    future
}

/// `field` (`VmRSS`, `VmHWM`) of /proc/PID/status, in KiB.
pub fn proc_status_kib(pid: u32, field: &str) -> u64 {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .unwrap_or_else(|| panic!("no {field} in {path}:\n{status}"));
    let kib = line.trim().strip_suffix("kB").unwrap_or_else(|| panic!("{field}:{line}"));
    kib.trim().parse().unwrap_or_else(|_| panic!("{field}:{line}"))
}

/// Sets this process's soft limit on open files (children inherit it),
/// keeping the hard one; returns the soft limit it replaced.
#[allow(unsafe_code)]
pub fn set_soft_open_file_limit(soft: u64) -> u64 {
    let before = reel::open_file_limit().expect("getrlimit");
    let limit =
        libc::rlimit { rlim_cur: soft as libc::rlim_t, rlim_max: before.hard as libc::rlim_t };
    // SAFETY: setrlimit reads one valid rlimit; a soft limit at or below the
    // hard one is always allowed.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0, "setrlimit");
    before.soft
}

/// Runs `curl --silent --show-error --max-time 10 ARGS`, which must succeed;
/// its stdout and stderr.
pub fn curl(args: &[&str]) -> (String, String) {
    let out = std::process::Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "10"])
        .args(args)
        .output()
        .expect("run curl");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "curl {args:?}: {stderr}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}
