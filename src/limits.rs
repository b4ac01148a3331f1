//! The process's limit on open files (`RLIMIT_NOFILE`): reading it, and
//! raising the soft limit to the hard one, as Go's runtime does at start
//! since Go 1.19. A libc leaf: `getrlimit` and `setrlimit`.
//!
//! asyncio counterpart: none; Python programs call `resource.setrlimit`.
//!
//! Why a server wants this: every connection, listener and open file is a
//! descriptor, and the usual soft limit is 1024 although the hard limit is
//! far higher (often 524288 on Linux). The soft limit exists for programs
//! that still use `select(2)`, whose fd sets stop at 1024; reel uses epoll
//! (or kqueue), which has no such ceiling, so the raise is safe here.

#![allow(unsafe_code)]

use std::io;

/// The soft and hard limits on open files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFileLimit {
    /// What `open`, `socket` and `accept` are held to now (EMFILE beyond it).
    pub soft: u64,
    /// How far the soft limit may be raised without privileges.
    pub hard: u64,
}

/// The process's limits on open files (`getrlimit(RLIMIT_NOFILE)`).
pub fn open_file_limit() -> io::Result<OpenFileLimit> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes one rlimit into the struct we own and pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // `rlim_t` is u64 on Linux and macOS but not on every Unix.
    #[allow(clippy::unnecessary_cast)]
    Ok(OpenFileLimit { soft: limit.rlim_cur as u64, hard: limit.rlim_max as u64 })
}

/// Raises the soft limit on open files to the hard limit and returns the
/// limits as they are afterwards; logged at debug with both values.
///
/// Where the hard limit is "unlimited" and the kernel refuses it as a soft
/// limit (macOS caps it at `OPEN_MAX`), the soft limit stays as it was.
pub fn raise_open_file_limit() -> io::Result<OpenFileLimit> {
    let before = open_file_limit()?;
    if before.soft >= before.hard {
        log::debug!(target: "reel", "open-file limit: soft {} = hard {}", before.soft, before.hard);
        return Ok(before);
    }
    let raised = libc::rlimit {
        rlim_cur: before.hard as libc::rlim_t,
        rlim_max: before.hard as libc::rlim_t,
    };
    // SAFETY: setrlimit reads one valid rlimit; raising the soft limit up
    // to the hard one needs no privilege.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
        let e = io::Error::last_os_error();
        log::debug!(target: "reel", "open-file limit: soft {} kept (hard {}): {e}", before.soft, before.hard);
        return Ok(before);
    }
    let after = open_file_limit()?;
    log::debug!(target: "reel", "open-file limit: soft {} raised to {} (hard {})", before.soft, after.soft, after.hard);
    Ok(after)
}
