//! Knowing when a child exits, without blocking the loop and without
//! `SIGCHLD`: on Linux a pidfd (`pidfd_open(2)`, Linux 5.3), a descriptor
//! that becomes readable when the process ends, registered with the loop
//! like a socket; elsewhere (the portable path, or a kernel without
//! pidfds) a check every 10 ms. Either way the exit status is then taken by
//! `waitpid` (std's `try_wait`), so every child is reaped exactly once and
//! no status is lost however many exit at once. A libc leaf: `unsafe` for
//! the one system call std does not offer.

#![allow(unsafe_code)]

use std::task::{Context, Poll};
use std::time::Duration;

use crate::time::Sleep;

/// How often the portable path looks for an exit.
const POLL_EVERY: Duration = Duration::from_millis(10);

/// What a waiting child parks on until it may have exited.
#[derive(Debug)]
pub(super) enum ExitWatch {
    /// A pidfd on the loop: readable once the child has exited.
    #[cfg(all(target_os = "linux", not(reel_portable)))]
    Pidfd { fd: std::os::fd::OwnedFd, registration: crate::event_loop::registration::Registration },
    /// No pidfd: a timer, to look again.
    Poll(Option<Sleep>),
}

impl ExitWatch {
    /// Watches process `pid`, with a pidfd where there is one.
    pub(super) fn new(pid: u32) -> ExitWatch {
        #[cfg(all(target_os = "linux", not(reel_portable)))]
        if let Ok(watch) = pidfd(pid) {
            return watch;
        }
        let _ = pid;
        ExitWatch::Poll(None)
    }

    /// `Ready` when the child may have exited (look with `try_wait`);
    /// `Pending` with the waker parked otherwise.
    pub(super) fn poll_maybe_exited(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match self {
            #[cfg(all(target_os = "linux", not(reel_portable)))]
            ExitWatch::Pidfd { registration, .. } => {
                registration.poll_ready(cx, crate::event_loop::reactor::Direction::Read)
            }
            ExitWatch::Poll(timer) => {
                let sleep = timer.get_or_insert_with(|| crate::time::sleep(POLL_EVERY));
                if std::pin::Pin::new(sleep).poll(cx).is_pending() {
                    return Poll::Pending;
                }
                *timer = None;
                Poll::Ready(())
            }
        }
    }
}

#[cfg(all(target_os = "linux", not(reel_portable)))]
fn pidfd(pid: u32) -> std::io::Result<ExitWatch> {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor
    // (or -1); no pointer is passed.
    let raw = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if raw < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: the kernel just returned this descriptor to us; nothing else owns it.
    // (pidfd_open makes it close-on-exec; readiness needs no O_NONBLOCK.)
    let fd = unsafe { OwnedFd::from_raw_fd(raw as i32) };
    let source = &mut mio::unix::SourceFd(&fd.as_raw_fd());
    let registration = crate::event_loop::registration::Registration::new(source, "pidfd")?;
    registration.set_label(&format!("child {pid} (pidfd)"));
    Ok(ExitWatch::Pidfd { fd, registration })
}

impl Drop for ExitWatch {
    fn drop(&mut self) {
        #[cfg(all(target_os = "linux", not(reel_portable)))]
        if let ExitWatch::Pidfd { fd, registration } = self {
            use std::os::fd::AsRawFd;
            registration.deregister(&mut mio::unix::SourceFd(&fd.as_raw_fd()));
        }
    }
}
