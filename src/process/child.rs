//! [`Child`]: a running child process, its pipes, and waiting for it.

use std::future::{Future, poll_fn};
use std::io;
use std::panic::Location;
use std::process::ExitStatus;
use std::task::{Context, Poll};

use super::exit_watch::ExitWatch;
use super::pipe::{ChildStderr, ChildStdin, ChildStdout};
use crate::event_loop::await_site::note;
use crate::event_loop::context::{spawn_named, try_core};

/// A child process started by [`Command::spawn`](super::Command::spawn)
/// (asyncio: `asyncio.subprocess.Process`; std's `Child` with async waits).
///
/// Dropping it leaves the process running, as asyncio and tokio do (kill
/// it first with [`kill`](Self::kill) if it should not outlive its handle);
/// if it has not been waited for, a task named `reap child PID` waits for
/// it, so it never stays a zombie. (Dropped after its loop has ended, it is
/// left to the operating system.)
#[derive(Debug)]
pub struct Child {
    /// The process; `None` only once `Drop` handed it to the reaping task.
    process: Option<Process>,
    /// The child's stdin, if piped (asyncio: `proc.stdin`).
    pub stdin: Option<ChildStdin>,
    /// The child's stdout, if piped (asyncio: `proc.stdout`).
    pub stdout: Option<ChildStdout>,
    /// The child's stderr, if piped (asyncio: `proc.stderr`).
    pub stderr: Option<ChildStderr>,
}

/// The process itself: std's handle, its status once seen, and what a wait
/// parks on.
#[derive(Debug)]
struct Process {
    /// std's handle: the pid, `kill`, and `try_wait` (`waitpid` with
    /// `WNOHANG`), which reaps it.
    inner: std::process::Child,
    /// The exit status, once seen.
    status: Option<ExitStatus>,
    watch: ExitWatch,
}

impl Process {
    fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.status.is_none() {
            self.status = self.inner.try_wait()?;
        }
        Ok(self.status)
    }

    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        loop {
            if let Some(status) = self.try_wait()? {
                return Poll::Ready(Ok(status));
            }
            if self.watch.poll_maybe_exited(cx).is_pending() {
                return Poll::Pending;
            }
        }
    }
}

impl Child {
    pub(super) fn new(mut inner: std::process::Child) -> io::Result<Child> {
        let stdin = inner.stdin.take().map(ChildStdin::new).transpose()?;
        let stdout = inner.stdout.take().map(ChildStdout::new).transpose()?;
        let stderr = inner.stderr.take().map(ChildStderr::new).transpose()?;
        let watch = ExitWatch::new(inner.id());
        let process = Some(Process { inner, status: None, watch });
        Ok(Child { process, stdin, stdout, stderr })
    }

    fn process(&mut self) -> &mut Process {
        // Some until Drop: no method runs after it.
        self.process.as_mut().expect("a Child's process is there until it is dropped")
    }

    /// The process id (asyncio: `proc.pid`).
    pub fn id(&self) -> u32 {
        self.process.as_ref().map_or(0, |p| p.inner.id())
    }

    /// Sends SIGKILL (asyncio: `proc.kill()`); a no-op once its exit has
    /// been seen. Wait for it afterwards to collect the status.
    pub fn kill(&mut self) -> io::Result<()> {
        let process = self.process();
        if process.try_wait()?.is_some() {
            return Ok(());
        }
        process.inner.kill()
    }

    /// The exit status if it has exited, without waiting (asyncio:
    /// `proc.returncode`).
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        self.process().try_wait()
    }

    /// Waits for the child to exit (asyncio: `await proc.wait()`). Its stdin
    /// is closed first, so that a child reading it to the end can finish.
    #[track_caller]
    pub fn wait(&mut self) -> impl Future<Output = io::Result<ExitStatus>> {
        let at = Location::caller();
        drop(self.stdin.take());
        poll_fn(move |cx| note(at, self.poll_wait(cx)))
    }

    /// The poll behind [`wait`](Self::wait).
    pub fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        self.process().poll_wait(cx)
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let Some(mut process) = self.process.take() else { return };
        if try_core().is_none() || !matches!(process.try_wait(), Ok(None)) {
            return; // exited and reaped, or no loop left to wait on
        }
        let pid = process.inner.id();
        drop(spawn_named(&format!("reap child {pid}"), async move {
            let _ = poll_fn(|cx| process.poll_wait(cx)).await;
        }));
    }
}
