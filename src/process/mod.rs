//! Child processes on the loop: [`Command`], [`Child`] and its pipes.
//!
//! asyncio counterpart: `asyncio.create_subprocess_exec(...)` with
//! `stdin=PIPE` and friends, `proc.wait()`, `proc.communicate()`,
//! `proc.kill()`; named as std and tokio name them (`tokio::process`).
//!
//! # Implementation
//!
//! std starts the process (`fork`/`exec`, or `posix_spawn`); reel takes its
//! pipes (pipe.rs: non-blocking, registered with the reactor, so reads and
//! writes park like a socket's) and watches for its exit (exit_watch.rs: a
//! pidfd on Linux, a 10 ms check elsewhere), then reaps it with `waitpid`.
//! No `SIGCHLD` handler is installed, so nothing here touches other
//! children of the process, and any number may exit at once.
//!
//! Ground rules: a `Child` belongs to the loop that spawned it; dropping it
//! does not kill the process (see [`Child`]).

mod child;
mod exit_watch;
mod pipe;

use std::ffi::OsStr;
use std::io;
use std::path::Path;
use std::process::{ExitStatus, Output, Stdio};

pub use child::Child;
pub use pipe::{ChildStderr, ChildStdin, ChildStdout};

use crate::io::AsyncRead;
use crate::sync::join;

/// How to start a child process: std's `Command`, started on the loop
/// (asyncio: the arguments of `create_subprocess_exec`).
///
/// ```no_run
/// use reel::process::Command;
///
/// reel::run(async {
///     let output = Command::new("echo").arg("hello").output().await?;
///     assert_eq!(output.stdout, b"hello\n");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Debug)]
pub struct Command {
    inner: std::process::Command,
}

impl Command {
    /// A command running `program`, found on `PATH` if it has no slash.
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command { inner: std::process::Command::new(program) }
    }

    /// Adds an argument.
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.inner.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.inner.args(args);
        self
    }

    /// Sets an environment variable for the child.
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Command {
        self.inner.env(key, value);
        self
    }

    /// Starts the child in `dir`.
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.inner.current_dir(dir);
        self
    }

    /// The child's stdin: `Stdio::piped()` gives [`Child::stdin`]
    /// (asyncio: `stdin=PIPE`); inherited by default.
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.inner.stdin(cfg);
        self
    }

    /// The child's stdout: `Stdio::piped()` gives [`Child::stdout`].
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.inner.stdout(cfg);
        self
    }

    /// The child's stderr: `Stdio::piped()` gives [`Child::stderr`].
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.inner.stderr(cfg);
        self
    }

    /// Starts the child (asyncio: `await create_subprocess_exec(...)`).
    /// Not async: starting a process does not wait for it. Panics outside
    /// a running loop.
    pub fn spawn(&mut self) -> io::Result<Child> {
        Child::new(self.inner.spawn()?)
    }

    /// Starts the child with its stdin inherited and waits for it (std:
    /// `Command::status`).
    pub async fn status(&mut self) -> io::Result<ExitStatus> {
        self.spawn()?.wait().await
    }

    /// Starts the child with stdout and stderr piped (stdin: none), reads
    /// both to the end while it runs, and waits for it (asyncio:
    /// `await proc.communicate()`; std: `Command::output`).
    pub async fn output(&mut self) -> io::Result<Output> {
        self.inner.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = self.spawn()?;
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        let (stdout, stderr) = join(read_all(stdout), read_all(stderr)).await;
        let status = child.wait().await?;
        Ok(Output { status, stdout: stdout?, stderr: stderr? })
    }
}

/// Everything `pipe` gives until EOF; nothing for no pipe.
async fn read_all(pipe: Option<impl AsyncRead>) -> io::Result<Vec<u8>> {
    let Some(mut pipe) = pipe else { return Ok(Vec::new()) };
    let (mut all, mut buf) = (Vec::new(), vec![0; 16 * 1024]);
    loop {
        match std::future::poll_fn(|cx| pipe.poll_read(cx, &mut buf)).await? {
            0 => return Ok(all),
            n => all.extend_from_slice(&buf[..n]),
        }
    }
}
