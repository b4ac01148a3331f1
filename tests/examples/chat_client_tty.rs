//! The `chat_client` example in a real terminal: tmux runs it in a 100x30
//! pane on a private tmux server (its socket in the test's own folder), the
//! test types with `send-keys` and reads the screen with `capture-pane`,
//! against the real chat example and a std client (`Chatter`) in the same
//! room.
//!
//! The client runs under a small shell script that saves `stty -a` before
//! and after it, and its exit status: the terminal is given back when the
//! two are the same. Every wait is a bounded poll (of the screen, or of the
//! script's files) with `DEADLINE`; the tmux server is killed on drop, pass
//! or fail. tmux must be installed (`.ci/run` installs it).

#[path = "../common/mod.rs"]
mod common;

use common::chat::{self, Chatter, left_chat, strip_time};
use common::example::{DEADLINE, Server, example_binary};

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// The tmux session (and so the pane) that runs the client.
const SESSION: &str = "chat";
/// How often a wait looks at the screen or the files again.
const POLL: Duration = Duration::from_millis(20);

/// A tmux server of our own, running the client in its only pane; killed,
/// and its folder removed, on drop.
struct Pane {
    /// This test's folder: the tmux server's socket (`tmux -S`; tmux leaves
    /// it behind when its server exits), the script, and what the script
    /// writes: `before`, `pid`, `status`, `after`, `done`.
    dir: PathBuf,
}

impl Pane {
    /// Starts `chat_client 127.0.0.1 PORT` for `server` in a new pane.
    fn start(server: &Server) -> Pane {
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        let name = format!("reel-chat-tty-{}-{n}", std::process::id());
        let dir = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&dir).expect("create the script's folder");
        let script = format!(
            "cd '{dir}' || exit 1\n\
             stty -a > before\n\
             sh -c 'echo $$ > pid; exec \"$0\" 127.0.0.1 \"$1\"' '{client}' {port}\n\
             echo $? > status\n\
             stty -a > after\n\
             : > done\n",
            dir = dir.display(),
            client = example_binary("chat_client").display(),
            port = server.addr.port(),
        );
        std::fs::write(dir.join("run.sh"), script).expect("write the script");
        let pane = Pane { dir };
        let run = format!("sh '{}'", pane.dir.join("run.sh").display());
        pane.tmux(&["new-session", "-d", "-s", SESSION, "-x", "100", "-y", "30", &run]);
        pane
    }

    /// Runs `tmux -S SOCKET ARGS` without any config file.
    fn try_tmux(&self, args: &[&str]) -> std::io::Result<Output> {
        Command::new("tmux")
            .args(["-f", "/dev/null", "-S"])
            .arg(self.dir.join("tmux.sock"))
            .args(args)
            .env_remove("TMUX") // in case the tests themselves run in tmux
            .output()
    }

    /// [`Pane::try_tmux`], which must succeed; its stdout.
    fn tmux(&self, args: &[&str]) -> String {
        let output = match self.try_tmux(args) {
            Ok(output) => output,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
                "tmux is not installed: this test drives chat_client in a terminal \
                 through tmux (apt-get install tmux; .ci/run installs it)"
            ),
            Err(e) => panic!("run tmux: {e}"),
        };
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "tmux {args:?}: {}: {stderr}", output.status);
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Types `text`, as it is (`send-keys -l`).
    fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", SESSION, "-l", text]);
    }

    /// Presses keys by their tmux names: `Enter`, `BSpace`, `C-u`, `Left`.
    fn press(&self, keys: &[&str]) {
        self.tmux(&[&["send-keys", "-t", SESSION][..], keys].concat());
    }

    /// The screen's lines, trailing spaces and empty lines dropped.
    fn screen(&self) -> Vec<String> {
        let text = self.tmux(&["capture-pane", "-p", "-t", SESSION]);
        let mut lines: Vec<String> = text.lines().map(|l| l.trim_end().to_owned()).collect();
        while lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
        lines
    }

    /// Polls the screen until `ok` holds for it, at most `DEADLINE`.
    fn wait_for(&self, what: &str, ok: impl Fn(&[String]) -> bool) -> Vec<String> {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if started.elapsed() > DEADLINE {
                panic!("no {what} on screen within {DEADLINE:?}:\n{}", screen.join("\n"));
            }
            thread::sleep(POLL);
        }
    }

    /// Waits until the input line (the last one) reads `line`, trailing
    /// spaces dropped.
    fn wait_for_input_line(&self, line: &str) -> Vec<String> {
        let what = format!("input line {line:?}");
        self.wait_for(&what, |screen| screen.last().is_some_and(|last| last == line.trim_end()))
    }

    /// Polls for the script's file `name`, written once complete; its text.
    fn file(&self, name: &str) -> String {
        let started = Instant::now();
        let path = self.dir.join(name);
        while started.elapsed() < DEADLINE {
            if self.dir.join("done").exists() || (name == "pid" && path.exists()) {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    if !text.is_empty() {
                        return text;
                    }
                }
            }
            thread::sleep(POLL);
        }
        panic!("the script wrote no {name} within {DEADLINE:?}");
    }

    /// Waits for the client to exit; its status as the shell saw it, and
    /// the terminal settings that differ from before it ran (`stty -a`'s
    /// words, such as `-icanon`): none once it is restored.
    fn finished(&self) -> (i32, Vec<String>) {
        let status = self.file("status").trim().parse().expect("an exit status");
        let before = self.file("before");
        let after = self.file("after");
        let before: Vec<&str> = before.split_whitespace().collect();
        let changed = after.split_whitespace().filter(|word| !before.contains(word));
        (status, changed.map(str::to_owned).collect())
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        // Gone already if the script ended; either way nothing is left.
        let _ = self.try_tmux(&["kill-server"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A chat server and the client in a pane, logged in as `name`, with its
/// fresh prompt showing.
fn logged_in(name: &str) -> (Server, Pane) {
    let server = chat::start(&[]);
    let pane = Pane::start(&server);
    pane.wait_for_input_line(chat::WELCOME);
    pane.type_text(name);
    pane.wait_for_input_line(&format!("{}{name}", chat::WELCOME));
    pane.press(&["Enter"]);
    let hello = chat::hello(name);
    pane.wait_for("the greeting, then the prompt", |screen| {
        screen.iter().any(|line| *line == hello.trim_end()) && screen.last().unwrap() == ">"
    });
    (server, pane)
}

/// Half a typed line stays whole on the last line while a join notice and
/// a message from someone else appear above it; finished, it is sent whole.
#[test]
fn an_incoming_line_does_not_break_the_half_typed_one() {
    let (server, pane) = logged_in("alice");
    pane.type_text("half a li");
    pane.wait_for_input_line("> half a li");

    let mut bob = Chatter::join(&server, "bob");
    bob.send("hi from bob");
    let screen = pane.wait_for("bob's line above the half-typed one", |screen| {
        let (last, above) = screen.split_last().unwrap();
        last == "> half a li" && above.iter().any(|line| line.ends_with("] bob: hi from bob"))
    });
    let joined = screen.iter().position(|l| l == "*** bob joined the chat ***");
    let said = screen.iter().position(|l| l.ends_with("] bob: hi from bob"));
    assert!(joined.is_some() && joined < said, "the notice, then the line:\n{}", screen.join("\n"));

    pane.type_text("ne");
    pane.press(&["Enter"]);
    assert_eq!(strip_time(&bob.line()), "alice: half a line\n");
    pane.wait_for("the sent line kept, then a fresh prompt", |screen| {
        let (last, above) = screen.split_last().unwrap();
        last == ">" && above.last().is_some_and(|line| line == "> half a line")
    });
}

/// Backspace (^? and ^H) removes whole UTF-8 chars, Ctrl-U clears the line,
/// arrow keys insert nothing: the server gets what the screen shows.
#[test]
fn backspace_ctrl_u_and_arrows_edit_the_line() {
    let (server, pane) = logged_in("alice");
    let mut bob = Chatter::join(&server, "bob");
    pane.wait_for("bob's join", |screen| screen.iter().any(|l| l == "*** bob joined the chat ***"));

    pane.type_text("café");
    pane.press(&["BSpace", "Left", "Up"]);
    pane.type_text("e!");
    pane.wait_for_input_line("> cafe!");
    pane.press(&["Enter"]);
    assert_eq!(strip_time(&bob.line()), "alice: cafe!\n");

    pane.type_text("garbage");
    pane.wait_for_input_line("> garbage");
    pane.press(&["C-u"]);
    pane.wait_for_input_line(">");
    pane.type_text("cleax");
    pane.press(&["C-h"]);
    pane.type_text("n");
    pane.wait_for_input_line("> clean");
    pane.press(&["Enter"]);
    assert_eq!(strip_time(&bob.line()), "alice: clean\n");
}

/// Ctrl-C sends `/quit` (the room hears the leave, and not what was half
/// typed), the client exits 0, and the terminal is as it was.
#[test]
fn ctrl_c_leaves_and_gives_the_terminal_back() {
    let (server, pane) = logged_in("alice");
    let mut bob = Chatter::join(&server, "bob");
    pane.type_text("unsent");
    pane.wait_for_input_line("> unsent");
    pane.press(&["C-c"]);
    assert_eq!(bob.line(), left_chat("alice"));
    server.expect_log(&["(alice) left: quit"]); // by /quit, not by a closed socket
    let (status, changed) = pane.finished();
    assert_eq!(status, 0, "exit status");
    assert_eq!(changed, Vec::<String>::new(), "terminal settings changed by the client");
}

/// SIGTERM from outside leaves the same way: the room hears the leave, the
/// exit status is 128 + 15, and the terminal is as it was.
#[test]
fn sigterm_leaves_and_gives_the_terminal_back() {
    let (server, pane) = logged_in("alice");
    let mut bob = Chatter::join(&server, "bob");
    pane.type_text("unsent");
    pane.wait_for_input_line("> unsent");
    let pid = pane.file("pid");
    let killed = Command::new("kill").args(["-TERM", pid.trim()]).status().expect("run kill");
    assert!(killed.success(), "kill -TERM {pid}");
    assert_eq!(bob.line(), left_chat("alice"));
    server.expect_log(&["(alice) left: quit"]); // by /quit, not by a closed socket
    let (status, changed) = pane.finished();
    assert_eq!(status, 128 + 15, "exit status");
    assert_eq!(changed, Vec::<String>::new(), "terminal settings changed by the client");
}
