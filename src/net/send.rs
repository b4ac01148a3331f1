//! The sends std and mio do not expose: `sendfile(2)`, file bytes to a
//! socket without passing through user space, and `send(2)` with
//! `MSG_MORE`, which tells the kernel that more bytes follow at once.
//!
//! This is a leaf that calls libc, so it is one of the few modules that allow
//! `unsafe` (lib.rs lists them). sendfile copies from the page cache into the socket's send
//! buffer: no read buffer in the process and one system call where a
//! read-then-write loop needs two per chunk. On a non-blocking socket both
//! send what fits and return that count, or fail with `WouldBlock` when
//! nothing fits; the caller waits for writability as for any write.
//!
//! Linux only, like the rest of reel's socket leaf.

#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd};

/// The most one call asks for: Linux transfers at most 0x7ffff000 bytes
/// per call anyway, and the count must fit a `size_t` on every target.
const MAX_COUNT: u64 = 0x7fff_f000;

/// Sends up to `count` bytes of `file`, starting at `offset`, to `socket`;
/// returns how many went. `Ok(0)` with `count > 0` means the file ends
/// before `offset + count`. The file's own position is not used or moved.
pub(crate) fn sendfile(
    socket: &impl AsFd,
    file: &File,
    offset: u64,
    count: u64,
) -> io::Result<usize> {
    let mut off = libc::off_t::try_from(offset)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "sendfile offset too large"))?;
    let count = count.min(MAX_COUNT) as usize;
    loop {
        // SAFETY: both descriptors are open for the duration of the call
        // (borrowed from live owners), and `off` is a live off_t the kernel
        // may write through; no other pointer is passed.
        let sent = unsafe {
            libc::sendfile(socket.as_fd().as_raw_fd(), file.as_raw_fd(), &raw mut off, count)
        };
        if sent >= 0 {
            return Ok(sent as usize);
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

/// Sends what fits of `buf` with `MSG_MORE`: the kernel holds a last,
/// partial segment back for the send that follows instead of putting it on
/// the wire alone (as `TCP_CORK` does, for one call). `MSG_NOSIGNAL`: a
/// closed peer is an `EPIPE` error, not a `SIGPIPE`.
pub(crate) fn send_more(socket: &impl AsFd, buf: &[u8]) -> io::Result<usize> {
    let flags = libc::MSG_MORE | libc::MSG_NOSIGNAL;
    loop {
        // SAFETY: the descriptor is open for the call (borrowed from a live
        // owner), and the pointer and length describe `buf`, a live slice
        // the kernel only reads.
        let sent = unsafe {
            libc::send(socket.as_fd().as_raw_fd(), buf.as_ptr().cast(), buf.len(), flags)
        };
        if sent >= 0 {
            return Ok(sent as usize);
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}
