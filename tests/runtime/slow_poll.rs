//! The slow-poll warning always shows: with no logger set up it goes to
//! stderr (Python's "last resort" handler), and under a debugger (here
//! strace, which traces through ptrace as gdb does) it says that a stop
//! may be why, once, and then stays quiet. Each case runs this test binary again as a child with no
//! logger, and reads the child's stderr.

use std::process::Command;
use std::time::Duration;

const CHILD: &str = "REEL_SLOW_POLL_CHILD";

/// In the child: two tasks that block a poll each for 150 ms (the default
/// limit is 100 ms). Does nothing in a normal test run.
#[test]
fn child_blocks_one_poll() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    reel::run(async {
        let blocker = reel::spawn_named("blocker", async {
            std::thread::sleep(Duration::from_millis(150));
        });
        let _ = blocker.await;
        let again = reel::spawn_named("blocker again", async {
            std::thread::sleep(Duration::from_millis(150));
        });
        let _ = again.await;
    });
}

/// Runs `child_blocks_one_poll` in a child, under `wrapper` if given;
/// returns its stderr.
fn child_stderr(wrapper: &[&str]) -> String {
    let exe = std::env::current_exe().expect("this test binary");
    let exe = exe.to_str().expect("a UTF-8 path");
    let mut argv: Vec<&str> = wrapper.to_vec();
    argv.extend([exe, "--exact", "child_blocks_one_poll", "--nocapture", "--test-threads=1"]);
    let output = Command::new(argv[0])
        .args(&argv[1..])
        .env(CHILD, "1")
        .env_remove("RUST_LOG")
        .output()
        .unwrap_or_else(|e| panic!("run {argv:?}: {e}"));
    assert!(output.status.success(), "{argv:?}: {output:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn with_no_logger_the_warning_goes_to_stderr() {
    let stderr = child_stderr(&[]);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("reel: WARNING: task 2 (blocker) took"))
        .unwrap_or_else(|| panic!("no warning on stderr:\n{stderr}"));
    assert!(line.contains("in one poll"), "{line}");
    assert!(!line.contains("debugger"), "no debugger here: {line}");
    assert!(stderr.contains("(blocker again) took"), "each slow poll warns: {stderr}");
}

#[test]
fn under_a_debugger_the_warning_says_a_stop_may_be_why() {
    let stderr = child_stderr(&["strace", "-f", "-o", "/dev/null"]);
    let line = stderr
        .lines()
        .find(|l| l.contains("(blocker) took"))
        .unwrap_or_else(|| panic!("no warning on stderr:\n{stderr}"));
    assert!(line.contains("a debugger is attached, TracerPid"), "{line}");
    // Said once: under a debugger every stop would look like a slow poll.
    assert!(!stderr.contains("(blocker again) took"), "quiet after the first: {stderr}");
}
