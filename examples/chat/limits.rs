//! What a hostile crowd cannot pass: a time to give a name, a most clients
//! at once, and a most per peer address.
//!
//! `--max-conns` is the server's (`ServerOptions::max_connections`, with
//! the busy line as its refusal); the login timeout and the per-address
//! count are kept here and checked by each session.

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

/// What a client past `--max-conns` or `--max-per-ip` is told before the
/// close (never a silent one).
pub const BUSY: &str = "Server is busy. Try again later.\n";

/// What a client that gave no valid name in time is told.
pub const TIMED_OUT: &str = "Timed out. Goodbye!\n";

/// Descriptors kept back from `--max-conns`'s default for the server's
/// own: the listener, the poller, signal pipes, the accept reserve, and
/// the refusals in flight.
const KEPT_BACK: u64 = 64;

/// `--max-conns` when not given: the open-file limit (after raising it)
/// less what the server keeps for itself, so that clients run out before
/// descriptors do and a refusal can still be written.
pub fn default_max_conns(open_files: u64) -> usize {
    usize::try_from(open_files.saturating_sub(KEPT_BACK).max(1)).unwrap_or(usize::MAX)
}

/// The session-side limits.
pub struct Limits {
    /// How long a client has to give a valid name.
    pub login_timeout: Duration,
    /// The most sessions one peer address may hold (`None`: no limit).
    max_per_ip: Option<usize>,
    /// Sessions per peer address; only kept while `max_per_ip` is set.
    per_ip: RefCell<HashMap<IpAddr, usize>>,
}

impl Limits {
    pub fn new(login_timeout: Duration, max_per_ip: Option<usize>) -> Limits {
        Limits { login_timeout, max_per_ip, per_ip: RefCell::default() }
    }

    /// Counts a session from `ip` until the returned guard drops; `None` if
    /// that address already holds `--max-per-ip` sessions.
    pub fn admit(&self, ip: IpAddr) -> Option<PeerSlot<'_>> {
        let Some(most) = self.max_per_ip else { return Some(PeerSlot(self, None)) };
        let mut per_ip = self.per_ip.borrow_mut();
        let count = per_ip.entry(ip).or_insert(0);
        if *count >= most {
            return None;
        }
        *count += 1;
        Some(PeerSlot(self, Some(ip)))
    }
}

/// One session's place in its address's count.
pub struct PeerSlot<'a>(&'a Limits, Option<IpAddr>);

impl Drop for PeerSlot<'_> {
    fn drop(&mut self) {
        let Some(ip) = self.1 else { return };
        let mut per_ip = self.0.per_ip.borrow_mut();
        if let Some(count) = per_ip.get_mut(&ip) {
            *count -= 1;
            if *count == 0 {
                per_ip.remove(&ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_holds_at_most_its_share_and_gets_it_back() {
        let limits = Limits::new(Duration::from_secs(1), Some(2));
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let (first, second) = (limits.admit(ip), limits.admit(ip));
        assert!(first.is_some() && second.is_some());
        assert!(limits.admit(ip).is_none(), "a third from the same address");
        assert!(limits.admit("127.0.0.2".parse().unwrap()).is_some(), "another address");
        drop(first);
        assert!(limits.admit(ip).is_some(), "a slot came back");
        assert_eq!(default_max_conns(1024), 960);
        assert_eq!(default_max_conns(10), 1);
    }
}
