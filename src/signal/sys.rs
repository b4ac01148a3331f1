//! The unsafe leaf under [`reel::signal`](super): the process-wide table of
//! wake-up pipes, the signal handler, and the libc calls (`sigaction`,
//! `pipe2` or `pipe` + `fcntl`, `read`, `write`).
//!
//! # Ground rules
//!
//! - The handler touches only `ARRIVALS` and `SLOTS`: lock-free atomics (every
//!   Rust atomic is lock-free) and `write(2)`, which POSIX lists as
//!   async-signal-safe. No lock, no allocation, no panic path.
//! - A pipe, once made for a slot, is never closed: the handler may have
//!   loaded a slot's write fd just before the slot was freed, and a closed fd
//!   could have been reused by then for a socket or a file. A late byte in a
//!   free (or re-used) slot's pipe is only a spurious wake-up, because
//!   `ARRIVALS`, not the pipe, says whether a signal came.
//! - Everything else (claiming and freeing slots, installing and restoring
//!   dispositions) happens under the `REGISTRY` lock, outside the handler.

#![allow(unsafe_code)]

use std::io;
use std::mem;
use std::os::fd::{IntoRawFd, RawFd};
use std::ptr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering::SeqCst};

use libc::c_int;

/// Signal numbers are 1..=64 on Linux (`SIGRTMAX`); index 0 is unused.
const NSIG: usize = 65;

/// How many `Signals` may be alive at once in the process (one pipe each).
pub(super) const MAX_LISTENERS: usize = 128;

/// Signals that must not be caught this way: SIGKILL and SIGSTOP cannot be;
/// after SIGSEGV, SIGBUS, SIGFPE or SIGILL returning from a handler re-runs the
/// faulting instruction, so a handler that only writes a byte loops forever.
const FORBIDDEN: [c_int; 6] =
    [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, libc::SIGBUS, libc::SIGFPE, libc::SIGILL];

/// Per signal number: how many times the handler has run. Only the handler
/// writes it; a `Signals` compares it with the count it saw last. Wrapping
/// is harmless, as only inequality matters.
static ARRIVALS: [AtomicUsize; NSIG] = [const { AtomicUsize::new(0) }; NSIG];

/// One wake-up pipe, and the signal its current owner listens for.
struct Slot {
    /// The signal number the owning `Signals` listens for; 0 while the slot
    /// is free. Written only under the `REGISTRY` lock.
    signal: AtomicI32,
    /// The write end of the slot's pipe (non-blocking); -1 until the slot is
    /// first used, then fixed for the life of the process and never closed.
    write_fd: AtomicI32,
}

/// The table the handler walks: no lock, fixed size, so nothing to allocate.
static SLOTS: [Slot; MAX_LISTENERS] =
    [const { Slot { signal: AtomicI32::new(0), write_fd: AtomicI32::new(-1) } }; MAX_LISTENERS];

/// What only ordinary code touches.
struct Registry {
    /// The read end of each slot's pipe (-1 until made); never closed, as
    /// the write end it pairs with is not.
    read_fds: [RawFd; MAX_LISTENERS],
    /// Per signal: the number of listeners. The handler is installed while
    /// this is non-zero.
    listeners: [usize; NSIG],
    /// Per signal: the disposition found when the handler was installed,
    /// restored when the last listener goes. `Some` exactly while installed.
    previous: [Option<libc::sigaction>; NSIG],
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    read_fds: [-1; MAX_LISTENERS],
    listeners: [0; NSIG],
    previous: [None; NSIG],
});

/// A claimed slot: one signal, one pipe to wait on. Dropping it frees the
/// slot and, for the last listener of its signal, restores the disposition.
#[derive(Debug)]
pub(super) struct Listener {
    /// Index into `SLOTS` and `read_fds`; claimed (its `signal` non-zero)
    /// until this drops.
    slot: usize,
    /// The signal number, validated: 1..NSIG and not in `FORBIDDEN`.
    signal: c_int,
    /// The non-blocking read end of the slot's pipe, borrowed from the table.
    read_fd: RawFd,
}

impl Listener {
    /// The pipe to register with the reactor and to [`drain`].
    pub(super) fn read_fd(&self) -> RawFd {
        self.read_fd
    }

    /// How many times `signal` has arrived in this process so far.
    pub(super) fn arrivals(&self) -> usize {
        ARRIVALS[self.signal as usize].load(SeqCst)
    }
}

/// Claims a slot for `signal`, making its pipe if it has none yet, and
/// installs the handler if no one listens for `signal` yet.
pub(super) fn listen(signal: c_int) -> io::Result<Listener> {
    if signal <= 0 || signal as usize >= NSIG || FORBIDDEN.contains(&signal) {
        let msg = format!(
            "reel::signal: signal {signal} cannot be caught this way \
             (valid: 1 to 64, except SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL)"
        );
        return Err(io::Error::new(io::ErrorKind::InvalidInput, msg));
    }
    let mut registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    let Some(slot) = SLOTS.iter().position(|s| s.signal.load(SeqCst) == 0) else {
        let msg = format!("reel::signal: at most {MAX_LISTENERS} Signals may be alive at once");
        return Err(io::Error::other(msg));
    };
    if registry.read_fds[slot] < 0 {
        let (read_end, write_end) = crate::fd::pipe()?;
        // The slot owns both ends from here on, as raw fds the handler can use.
        registry.read_fds[slot] = read_end.into_raw_fd();
        SLOTS[slot].write_fd.store(write_end.into_raw_fd(), SeqCst);
    }
    let index = signal as usize;
    if registry.listeners[index] == 0 {
        registry.previous[index] = Some(install(signal)?);
    }
    registry.listeners[index] += 1;
    // Last: from here on the handler writes to this slot's pipe.
    SLOTS[slot].signal.store(signal, SeqCst);
    Ok(Listener { slot, signal, read_fd: registry.read_fds[slot] })
}

impl Drop for Listener {
    fn drop(&mut self) {
        let mut registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
        SLOTS[self.slot].signal.store(0, SeqCst);
        let index = self.signal as usize;
        registry.listeners[index] -= 1;
        if registry.listeners[index] == 0 {
            if let Some(previous) = registry.previous[index].take() {
                // SAFETY: `previous` is the sigaction the kernel gave us when
                // we installed ours; the old-action pointer may be null.
                let restored = unsafe { libc::sigaction(self.signal, &previous, ptr::null_mut()) };
                if restored < 0 {
                    let e = io::Error::last_os_error();
                    log::error!(target: "reel", "restoring signal {}: {e}", self.signal);
                }
            }
        }
    }
}

/// Reads everything in the pipe. `Ok(n)` with n > 0 if there were bytes,
/// `WouldBlock` if it was empty (so `Registration::poll_io` waits for the
/// next write), EINTR retried.
pub(super) fn drain(fd: RawFd) -> io::Result<usize> {
    let mut total = 0;
    let mut buf = [0u8; 64];
    loop {
        // SAFETY: `buf` is a live, writable buffer of `buf.len()` bytes;
        // `fd` is a pipe read end from the table, which never closes it.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n > 0 {
            total += n as usize;
            continue;
        }
        if n == 0 {
            // Cannot happen while the table holds the write end open.
            return Err(io::Error::other("reel::signal: wake-up pipe closed"));
        }
        let e = io::Error::last_os_error();
        match e.kind() {
            io::ErrorKind::Interrupted => {}
            io::ErrorKind::WouldBlock if total > 0 => return Ok(total),
            _ => return Err(e),
        }
    }
}

/// The handler: count the arrival, then write one byte to the pipe of every
/// slot listening for this signal. Runs on whichever thread the kernel picks,
/// between any two instructions of it.
extern "C" fn on_signal(signal: c_int) {
    // write(2) can fail and set errno; the interrupted code may be about to
    // read errno from its own failed call, so keep it intact.
    let errno = errno_location();
    // SAFETY: `errno` points at this thread's errno, always valid to read.
    let saved_errno = unsafe { *errno };
    // Count first, write second: whoever drains a byte then sees the count.
    if let Some(count) = usize::try_from(signal).ok().and_then(|i| ARRIVALS.get(i)) {
        count.fetch_add(1, SeqCst);
    }
    let byte = 1u8;
    for slot in &SLOTS {
        if slot.signal.load(SeqCst) != signal {
            continue;
        }
        let fd = slot.write_fd.load(SeqCst);
        if fd >= 0 {
            // SAFETY: write(2) is async-signal-safe; the pointer and length
            // describe `byte`, which is live; `fd` is a pipe write end that is
            // never closed. A full pipe gives EAGAIN, which is fine: a byte
            // is already waiting to wake the reader.
            unsafe { libc::write(fd, (&raw const byte).cast(), 1) };
        }
    }
    // SAFETY: `errno` points at this thread's errno, always valid to write.
    unsafe { *errno = saved_errno };
}

/// Installs `on_signal` for `signal` and returns the disposition it replaced.
/// SA_RESTART: system calls the signal interrupts restart instead of failing
/// with EINTR (epoll_wait still returns EINTR; the tick treats it as zero
/// events).
fn install(signal: c_int) -> io::Result<libc::sigaction> {
    // SAFETY: sigaction is plain old data; all-zero bytes are a valid value
    // (SIG_DFL, no flags, an empty mask on Linux).
    let mut action: libc::sigaction = unsafe { mem::zeroed() };
    action.sa_sigaction = on_signal as extern "C" fn(c_int) as libc::sighandler_t;
    action.sa_flags = libc::SA_RESTART;
    // SAFETY: `action.sa_mask` is a live sigset_t we own.
    unsafe { libc::sigemptyset(&mut action.sa_mask) };
    // SAFETY: as above, all-zero is a valid sigaction; the kernel fills it.
    let mut previous: libc::sigaction = unsafe { mem::zeroed() };
    // SAFETY: both pointers are to live sigaction structs.
    if unsafe { libc::sigaction(signal, &action, &mut previous) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(previous)
}

/// This thread's `errno`, which the handler saves and restores. Where it
/// lives is per C library, not per poller, so this is chosen by target.
fn errno_location() -> *mut c_int {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    // SAFETY: __errno_location takes nothing and returns this thread's errno.
    let location = unsafe { libc::__errno_location() };
    #[cfg(any(target_vendor = "apple", target_os = "freebsd", target_os = "dragonfly"))]
    // SAFETY: __error takes nothing and returns this thread's errno.
    let location = unsafe { libc::__error() };
    #[cfg(any(target_os = "netbsd", target_os = "openbsd"))]
    // SAFETY: __errno takes nothing and returns this thread's errno.
    let location = unsafe { libc::__errno() };
    location
}
