//! `reel::process`: child processes on the loop, their pipes, their exits.

#[path = "../common/mod.rs"]
mod common;

use std::future::poll_fn;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::Duration;

use common::bounded;
use common::http::pattern;
use reel::io::{AsyncRead, AsyncWrite};
use reel::process::Command;

async fn write_all(pipe: &mut impl AsyncWrite, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        let n = poll_fn(|cx| pipe.poll_write(cx, bytes)).await?;
        bytes = &bytes[n..];
    }
    Ok(())
}

async fn read_to_end(pipe: &mut impl AsyncRead) -> Vec<u8> {
    let (mut all, mut buf) = (Vec::new(), vec![0; 8192]);
    loop {
        match poll_fn(|cx| pipe.poll_read(cx, &mut buf)).await.expect("read") {
            0 => return all,
            n => all.extend_from_slice(&buf[..n]),
        }
    }
}

#[test]
fn output_collects_stdout_stderr_and_the_status() {
    reel::run(bounded(async {
        let out = Command::new("sh")
            .args(["-c", "echo out; echo err >&2; exit 3"])
            .output()
            .await
            .expect("run sh");
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
        assert_eq!(out.status.code(), Some(3));
        let status = Command::new("true").status().await.expect("run true");
        assert!(status.success());
    }));
}

/// 1 MiB into `cat` and the same 1 MiB out, writer and reader in two tasks:
/// the pipes hold 64 KiB, so each side waits for the other (backpressure).
#[test]
fn a_mebibyte_through_cat_both_ways() {
    reel::run(bounded(async {
        let mut cat = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn cat");
        let (mut stdin, mut stdout) =
            (cat.stdin.take().expect("stdin"), cat.stdout.take().expect("stdout"));
        let data = pattern(1 << 20, 5);
        let sent = data.clone();
        let writer = reel::spawn(async move {
            write_all(&mut stdin, &sent).await.expect("write");
            stdin.shutdown().expect("close stdin: cat sees EOF");
        });
        let got = read_to_end(&mut stdout).await;
        writer.await.expect("the writer");
        assert!(got == data, "{} bytes back of {}", got.len(), data.len());
        assert!(cat.wait().await.expect("wait").success());
    }));
}

#[test]
fn kill_ends_a_child_and_wait_reports_the_signal() {
    reel::run(bounded(async {
        let mut child = Command::new("sleep").arg("30").spawn().expect("spawn sleep");
        assert_eq!(child.try_wait().expect("try_wait"), None, "still running");
        child.kill().expect("kill");
        let status = child.wait().await.expect("wait");
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        child.kill().expect("killing a reaped child is a no-op");
    }));
}

/// 200 children exiting together: each status arrives, none is lost or
/// taken by another's wait.
#[test]
fn two_hundred_children_exiting_together_are_each_reaped() {
    reel::run(bounded(async {
        let children: Vec<_> = (0..200)
            .map(|i| {
                let code = (i % 7).to_string();
                Command::new("sh").args(["-c", "exit $0", &code]).spawn().expect("spawn")
            })
            .collect();
        let waits = children.into_iter().map(|mut child| async move { child.wait().await });
        let statuses = reel::sync::join_all(waits).await;
        for (i, status) in statuses.into_iter().enumerate() {
            assert_eq!(status.expect("wait").code(), Some(i as i32 % 7), "child {i}");
        }
    }));
}

/// `head -c 10` exits after 10 bytes: the writer gets `BrokenPipe` (not a
/// SIGPIPE death), the reader the 10 bytes, the wait a success.
#[test]
fn a_child_that_stops_reading_early_gives_broken_pipe() {
    reel::run(bounded(async {
        let mut head = Command::new("head")
            .args(["-c", "10"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn head");
        let mut stdin = head.stdin.take().expect("stdin");
        let mut stdout = head.stdout.take().expect("stdout");
        assert_eq!(read_to_end_after_write(&mut stdin, &mut stdout).await, b"0123456789");
        assert!(head.wait().await.expect("wait").success());
    }));
}

async fn read_to_end_after_write(
    stdin: &mut reel::process::ChildStdin,
    stdout: &mut reel::process::ChildStdout,
) -> Vec<u8> {
    let big: Vec<u8> = b"0123456789".iter().cycle().take(1 << 20).copied().collect();
    let error = write_all(stdin, &big).await.expect_err("the reader went away");
    assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe);
    read_to_end(stdout).await
}

/// A dropped `Child` keeps running, and is reaped when it exits: no zombie.
#[test]
fn a_dropped_child_runs_on_and_is_reaped() {
    reel::run(bounded(async {
        let child = Command::new("sleep").arg("0.1").spawn().expect("spawn");
        let pid = child.id();
        drop(child);
        let stat = format!("/proc/{pid}/stat");
        assert!(std::fs::read_to_string(&stat).is_ok(), "still running after the drop");
        // A zombie keeps its /proc entry until reaped: gone means reaped
        // (a zombie for a moment between its exit and the reaper's tick).
        while std::fs::metadata(&stat).is_ok() {
            reel::sleep(Duration::from_millis(5)).await;
        }
    }));
}
