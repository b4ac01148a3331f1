//! The sends std and mio do not expose: `sendfile(2)`, file bytes to a
//! socket without passing through user space, and `send(2)` with
//! `MSG_MORE`, which tells the kernel that more bytes follow at once; and
//! how much room the send buffer has (`SO_MEMINFO`), for a writer that
//! should make no more than the socket takes (TLS records).
//!
//! This is a leaf that calls libc, so it is one of the few modules that allow
//! `unsafe` (lib.rs lists them). sendfile copies from the page cache into the socket's send
//! buffer: no read buffer in the process and one system call where a
//! read-then-write loop needs two per chunk. On a non-blocking socket both
//! send what fits and return that count, or fail with `WouldBlock` when
//! nothing fits; the caller waits for writability as for any write.
//!
//! All are Linux's. The portable path (other Unix systems, or Linux built
//! with `--cfg reel_portable`) reads and sends instead of `sendfile`, sends
//! without `MSG_MORE`, and does not know the room; DESIGN.md, "Platforms", lists what differs.

#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd};

/// The most one call asks for: Linux transfers at most 0x7ffff000 bytes
/// per call anyway, and the count must fit a `size_t` on every target.
#[cfg(all(target_os = "linux", not(reel_portable)))]
const MAX_COUNT: u64 = 0x7fff_f000;

/// Sends up to `count` bytes of `file`, starting at `offset`, to `socket`;
/// returns how many went. `Ok(0)` with `count > 0` means the file ends
/// before `offset + count`. The file's own position is not used or moved.
#[cfg(all(target_os = "linux", not(reel_portable)))]
pub(crate) fn sendfile(
    socket: &impl AsFd,
    file: &File,
    offset: u64,
    count: u64,
) -> io::Result<usize> {
    let mut off = libc::off_t::try_from(offset)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "sendfile offset too large"))?;
    let count = count.min(MAX_COUNT) as usize;
    retry(|| {
        // SAFETY: both descriptors are open for the duration of the call
        // (borrowed from live owners), and `off` is a live off_t the kernel
        // may write through; no other pointer is passed.
        unsafe { libc::sendfile(socket.as_fd().as_raw_fd(), file.as_raw_fd(), &raw mut off, count) }
    })
}

/// The portable `sendfile`: a `pread` into a buffer on the stack, then a
/// `send` of what was read, with the same contract as Linux's. macOS and
/// the BSDs have a `sendfile` too, with other signatures (and, on macOS,
/// other semantics for a non-blocking socket), so the portable path copies
/// through user space: two system calls and one copy per chunk. Bytes read
/// but not taken by a full send buffer are simply read again next time.
#[cfg(not(all(target_os = "linux", not(reel_portable))))]
pub(crate) fn sendfile(
    socket: &impl AsFd,
    file: &File,
    offset: u64,
    count: u64,
) -> io::Result<usize> {
    use std::os::unix::fs::FileExt;
    let mut chunk = [0u8; 64 * 1024];
    let want = count.min(chunk.len() as u64) as usize;
    let read = loop {
        match file.read_at(&mut chunk[..want], offset) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            result => break result?,
        }
    };
    if read == 0 {
        return Ok(0);
    }
    send_with(socket, &chunk[..read], NO_SIGPIPE)
}

/// Sends what fits of `buf` with `MSG_MORE`: the kernel holds a last,
/// partial segment back for the send that follows instead of putting it on
/// the wire alone (as `TCP_CORK` does, for one call). `MSG_NOSIGNAL`: a
/// closed peer is an `EPIPE` error, not a `SIGPIPE`.
#[cfg(all(target_os = "linux", not(reel_portable)))]
pub(crate) fn send_more(socket: &impl AsFd, buf: &[u8]) -> io::Result<usize> {
    send_with(socket, buf, libc::MSG_MORE | NO_SIGPIPE)
}

/// The portable `send_more`: a plain `send`, since only Linux has
/// `MSG_MORE`. The bytes are the same; the end of `buf` may go out as a
/// small segment of its own instead of sharing the next write's.
#[cfg(not(all(target_os = "linux", not(reel_portable))))]
pub(crate) fn send_more(socket: &impl AsFd, buf: &[u8]) -> io::Result<usize> {
    send_with(socket, buf, NO_SIGPIPE)
}

/// About how many bytes `socket`'s send buffer takes now without waiting:
/// its size less what it holds, in the kernel's own accounting
/// (`SO_MEMINFO`, which counts a little per packet besides the bytes).
/// `None` if the system does not say.
#[cfg(all(target_os = "linux", not(reel_portable), feature = "tls"))]
pub(crate) fn send_room(socket: &impl AsFd) -> Option<usize> {
    let mut info = [0u32; libc::SK_MEMINFO_DROPS as usize + 1];
    let mut len = std::mem::size_of_val(&info) as libc::socklen_t;
    // SAFETY: the descriptor is open for the call (borrowed from a live
    // owner); the kernel writes at most `len` bytes to `info`, which is that
    // large, and stores the length it wrote in `len`.
    let result = unsafe {
        libc::getsockopt(
            socket.as_fd().as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_MEMINFO,
            info.as_mut_ptr().cast(),
            &mut len,
        )
    };
    if result != 0 {
        return None;
    }
    let size = info[libc::SK_MEMINFO_SNDBUF as usize];
    let held = info[libc::SK_MEMINFO_WMEM_QUEUED as usize];
    Some(size.saturating_sub(held) as usize)
}

/// The portable `send_room`: other systems do not say (macOS's
/// `SO_NWRITE` counts only what is unsent), so the caller sends its usual
/// amount.
#[cfg(all(not(all(target_os = "linux", not(reel_portable))), feature = "tls"))]
pub(crate) fn send_room(_socket: &impl AsFd) -> Option<usize> {
    None
}

/// The flag that makes a send to a closed peer fail with `EPIPE` instead of
/// raising `SIGPIPE`. macOS has no `MSG_NOSIGNAL`; there the Rust runtime's
/// ignoring of SIGPIPE at start (and mio's `SO_NOSIGPIPE` on the sockets it
/// makes) does the same.
#[cfg(not(target_vendor = "apple"))]
const NO_SIGPIPE: libc::c_int = libc::MSG_NOSIGNAL;
#[cfg(target_vendor = "apple")]
const NO_SIGPIPE: libc::c_int = 0;

/// One `send(2)` of `buf` with `flags`, retried on EINTR.
fn send_with(socket: &impl AsFd, buf: &[u8], flags: libc::c_int) -> io::Result<usize> {
    retry(|| {
        // SAFETY: the descriptor is open for the call (borrowed from a live
        // owner), and the pointer and length describe `buf`, a live slice
        // the kernel only reads.
        unsafe { libc::send(socket.as_fd().as_raw_fd(), buf.as_ptr().cast(), buf.len(), flags) }
    })
}

/// Runs `call` until it does not fail with EINTR; a non-negative result is
/// the byte count.
fn retry(mut call: impl FnMut() -> isize) -> io::Result<usize> {
    loop {
        let result = call();
        if result >= 0 {
            return Ok(result as usize);
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}
