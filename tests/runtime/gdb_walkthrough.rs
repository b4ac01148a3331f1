//! DESIGN.md's gdb walkthrough, kept true: the breakpoints it lists
//! ("Watch it in gdb") are read from the file itself, gdb runs the debug
//! echo example with each of them printing a marker and continuing, one
//! client makes an echo round trip, and the stops must come in the order
//! DESIGN.md describes, each function hit. `.ci/run` installs gdb.

#[path = "../common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use common::example::example_binary;

/// gdb under this test is slow to start and stops at every tick.
const GDB_DEADLINE: Duration = Duration::from_secs(60);

/// The `(gdb) break FUNCTION` lines of DESIGN.md's "Watch it in gdb", in
/// their order.
fn breakpoints() -> Vec<String> {
    let design = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/DESIGN.md"))
        .expect("DESIGN.md");
    let section = design.split("## Watch it in gdb").nth(1).expect("the gdb section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let list: Vec<String> = section
        .lines()
        .filter_map(|line| line.trim().strip_prefix("(gdb) break "))
        .map(|target| target.trim().to_string())
        .collect();
    for target in &list {
        assert!(target.contains("::"), "a function path: {target}");
        assert!(!target.contains(".rs:"), "a line number, not a function: {target}");
    }
    assert!(list.len() >= 4, "the walkthrough names its breakpoints: {list:?}");
    list
}

fn lines(stream: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        // Read to the end even once nobody listens: a closed pipe would
        // kill gdb with SIGPIPE.
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx
}

/// The first line from `rx` that `pick` accepts, within `GDB_DEADLINE`;
/// every line seen goes into `seen`.
fn wait_for(rx: &Receiver<String>, seen: &mut Vec<String>, pick: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    loop {
        let left = GDB_DEADLINE.checked_sub(started.elapsed()).expect("gdb took too long");
        let line = rx.recv_timeout(left).unwrap_or_else(|_| panic!("no such line in {seen:#?}"));
        seen.push(line.clone());
        if pick(&line) {
            return line;
        }
    }
}

/// The inferior: the process whose parent is gdb.
fn child_of(parent: u32) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.filter_map(Result::ok).find_map(|entry| {
        let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let ppid: u32 = stat.rsplit(')').next()?.split_whitespace().nth(1)?.parse().ok()?;
        (ppid == parent).then_some(pid)
    })
}

struct Gdb(Child);

impl Drop for Gdb {
    fn drop(&mut self) {
        if let Some(inferior) = child_of(self.0.id()) {
            let _ = Command::new("kill").args(["-KILL", &inferior.to_string()]).status();
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// gdb in batch mode on the debug echo example, running `script`; its
/// stdout as lines. The binary's own gdb script (src/gdb/reel.py, embedded
/// by `#![debugger_visualizer]`) loads once the safe path allows it.
fn gdb_on_echo(script: &str, name: &str) -> (Gdb, Receiver<String>, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!("reel-gdb-{}-{name}.gdb", std::process::id()));
    std::fs::write(&path, script).expect("the gdb script");
    let echo = example_binary("echo");
    let spawned = Command::new("gdb")
        .args(["-batch", "-nx", "-iex"])
        .arg(format!("add-auto-load-safe-path {}", echo.display()))
        .arg("-x")
        .arg(&path)
        .arg("--args")
        .arg(&echo)
        .args(["--port", "0"])
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut gdb = Gdb(spawned.expect("gdb is installed (.ci/run installs it)"));
    let out = lines(gdb.0.stdout.take().expect("stdout"));
    let _err = lines(gdb.0.stderr.take().expect("stderr"));
    (gdb, out, path)
}

/// One echo round trip through the server at `addr` (every stop slows it).
fn round_trip(addr: &str) {
    let mut client = TcpStream::connect(addr).expect("connect");
    client.set_read_timeout(Some(GDB_DEADLINE)).expect("timeout");
    client.write_all(b"ping\n").expect("send");
    let mut echo_back = [0u8; 5];
    client.read_exact(&mut echo_back).expect("the echo, through every breakpoint");
    assert_eq!(&echo_back, b"ping\n");
}

#[test]
fn the_walkthrough_s_breakpoints_are_hit_in_the_order_design_md_gives() {
    let targets = breakpoints();
    let mut script = String::from("set pagination off\nset confirm off\n");
    for target in &targets {
        script.push_str(&format!(
            "break {target}\ncommands\nsilent\nprintf \"REEL-STOP {target}\\n\"\ncontinue\nend\n"
        ));
    }
    script.push_str("run\n");
    let (_gdb, out, path) = gdb_on_echo(&script, "order");
    let mut seen = Vec::new();
    let listening = wait_for(&out, &mut seen, |l| l.starts_with("listening on "));
    let addr = listening.trim_start_matches("listening on ").to_string();
    let start = seen.len();
    round_trip(&addr);

    // The stops up to the client's reads and writes (accept, read, write):
    // four `io_attempt`s at least after the listener's line.
    let last = targets.last().expect("a breakpoint").clone();
    for _ in 0..4 {
        wait_for(&out, &mut seen, |l| l == format!("REEL-STOP {last}"));
    }
    let stops: Vec<&str> =
        seen[start..].iter().filter_map(|l| l.strip_prefix("REEL-STOP ")).collect();
    // Every breakpoint is hit, and in DESIGN.md's order: a stop may repeat
    // its function (several tasks, several reads), go back to an earlier
    // one (the next task, the next tick), or go on to the next in the list,
    // never skip one.
    let rank = |stop: &str| targets.iter().position(|t| t == stop).expect("a listed stop");
    for target in &targets {
        assert!(stops.contains(&target.as_str()), "{target} never hit: {stops:?}");
    }
    for pair in stops.windows(2) {
        let (from, to) = (rank(pair[0]), rank(pair[1]));
        assert!(
            to <= from + 1,
            "{} right after {}: not DESIGN.md's order {targets:?}",
            pair[1],
            pair[0]
        );
    }
    let _ = std::fs::remove_file(&path);
}

/// DESIGN.md's printers and `reel-tasks`: at each stop of one echo round
/// trip, the executor, the task polled, the timers and the I/O slot print
/// in reel's words, and the task table comes out of the stopped process.
#[test]
fn the_printers_and_reel_tasks_speak_reel() {
    let script = "set pagination off\nset confirm off\n\
        break reel::event_loop::executor::Executor::poll_task\n\
        commands\nsilent\np task_ref\np *self\ncontinue\nend\n\
        break reel::event_loop::timers::Timers::fire_expired\n\
        commands\nsilent\np *self\ncontinue\nend\n\
        break reel::event_loop::reactor::io_attempt\n\
        commands\nsilent\nup\np *slot\nreel-tasks\ncontinue\nend\nrun\n";
    let (_gdb, out, path) = gdb_on_echo(script, "printers");
    let mut seen = Vec::new();
    let listening = wait_for(&out, &mut seen, |l| l.starts_with("listening on "));
    let addr = listening.trim_start_matches("listening on ").to_string();
    round_trip(&addr);
    // The handler's read: its slot, its timer, the table with its wait.
    let handler = wait_for(&out, &mut seen, |l| l.contains(r#"= task 4 "handler 127.0.0.1:"#));
    assert!(handler.contains("(slab key 3)"), "a TaskRef names its task: {handler}");
    wait_for(&out, &mut seen, |l| l.contains("= readable | writable, peer 127.0.0.1:"));
    let table = wait_for(&out, &mut seen, |l| l.starts_with("  task 4 (handler 127.0.0.1:"));
    assert!(table.contains(" running") || table.contains(" waiting"), "{table}");
    let timer = wait_for(&out, &mut seen, |l| l.contains("1 timers = {due in "));
    assert!(timer.contains(r#" s -> task 4 "handler 127.0.0.1:"#), "{timer}");
    let text = seen.join("\n");
    assert!(text.contains("= readable, listener 127.0.0.1:"), "the listener's slot: {text}");
    assert!(
        text.contains("  task 1 (main) waiting on I/O 0 read (signal pipe SIGINT)"),
        "reel-tasks names the signal pipes: {text}"
    );
    assert!(text.contains(r#"executor: ready ["#), "the executor: {text}");
    assert!(text.contains(r#"[0] = task 1 "main" waiting"#), "a task slot: {text}");
    let _ = std::fs::remove_file(&path);
}
