//! A descriptor's flags, by `fcntl(2)`: the status flags (`O_NONBLOCK`) and
//! the descriptor flag `FD_CLOEXEC`. A libc leaf, so it allows `unsafe`.
//!
//! asyncio counterpart: `os.set_blocking(fd, False)`, `os.set_inheritable`.
//!
//! It also makes pipes, `pipe2` or its portable twin (the signal pipe,
//! `reel::net::pipe`).
//!
//! Who needs it: `io::stdin` turns fd 0 non-blocking and back; and on the
//! portable path (every Unix but Linux, or Linux built with
//! `--cfg reel_portable`) the socket and pipe leaves make their descriptors
//! non-blocking and close-on-exec here, one `fcntl` at a time, because
//! `SOCK_NONBLOCK`, `SOCK_CLOEXEC` and `pipe2` are not everywhere (macOS
//! has none of them). Linux's fast path sets both flags in the call that
//! makes the descriptor, which also leaves no moment in which another
//! thread's `fork` + `exec` could inherit it.

#![allow(unsafe_code)]

use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

use libc::c_int;

/// The file status flags of `fd` (`F_GETFL`).
pub(crate) fn status_flags(fd: RawFd) -> io::Result<c_int> {
    // SAFETY: F_GETFL takes no pointer; a bad fd gives -1 and EBADF.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 { Err(io::Error::last_os_error()) } else { Ok(flags) }
}

/// Sets the file status flags of `fd` (`F_SETFL`).
pub(crate) fn set_status_flags(fd: RawFd, flags: c_int) -> io::Result<()> {
    // SAFETY: F_SETFL takes an int, no pointer.
    if unsafe { libc::fcntl(fd, libc::F_SETFL, flags) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Makes `fd` non-blocking and close-on-exec: the portable spelling of
/// `SOCK_NONBLOCK | SOCK_CLOEXEC` and of `pipe2(O_NONBLOCK | O_CLOEXEC)`.
#[cfg(not(all(target_os = "linux", not(reel_portable))))]
pub(crate) fn set_nonblocking_cloexec(fd: RawFd) -> io::Result<()> {
    set_status_flags(fd, status_flags(fd)? | libc::O_NONBLOCK)?;
    // SAFETY: F_GETFD takes no pointer.
    let descriptor_flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    if descriptor_flags < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: F_SETFD takes an int, no pointer.
    if unsafe { libc::fcntl(fd, libc::F_SETFD, descriptor_flags | libc::FD_CLOEXEC) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// A non-blocking, close-on-exec pipe: (read end, write end), in one call
/// on Linux's fast path.
#[cfg(all(target_os = "linux", not(reel_portable)))]
pub(crate) fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds: [c_int; 2] = [-1; 2];
    // SAFETY: pipe2 writes two fds into `fds`, which has room for both.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both fds were just made by pipe2 and nothing else owns them.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// A non-blocking, close-on-exec pipe: (read end, write end), by `pipe`
/// and then `fcntl` on each end (macOS has no `pipe2`).
#[cfg(not(all(target_os = "linux", not(reel_portable))))]
pub(crate) fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds: [c_int; 2] = [-1; 2];
    // SAFETY: pipe writes two fds into `fds`, which has room for both.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both fds were just made by pipe(2) and nothing else owns them;
    // owned, they close on every path below.
    let ends = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    set_nonblocking_cloexec(fds[0])?;
    set_nonblocking_cloexec(fds[1])?;
    Ok(ends)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn status_flags_round_trip() {
        let (reader, _writer) = std::os::unix::net::UnixStream::pair().unwrap();
        let fd = reader.as_raw_fd();
        let before = status_flags(fd).unwrap();
        set_status_flags(fd, before | libc::O_NONBLOCK).unwrap();
        assert_ne!(status_flags(fd).unwrap() & libc::O_NONBLOCK, 0);
        set_status_flags(fd, before).unwrap();
        assert_eq!(status_flags(fd).unwrap(), before);
    }

    #[cfg(not(all(target_os = "linux", not(reel_portable))))]
    #[test]
    fn set_nonblocking_cloexec_sets_both() {
        let (reader, _writer) = std::os::unix::net::UnixStream::pair().unwrap();
        let fd = reader.as_raw_fd();
        set_nonblocking_cloexec(fd).unwrap();
        assert_ne!(status_flags(fd).unwrap() & libc::O_NONBLOCK, 0);
        // SAFETY: F_GETFD takes no pointer.
        let descriptor_flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
        assert_ne!(descriptor_flags & libc::FD_CLOEXEC, 0);
    }
}
