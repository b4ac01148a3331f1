//! A client's input: lines out of its read half, many per read (with
//! TCP_QUICKACK after each), and what each line it receives means.

use std::io::{self, ErrorKind};
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use reel::net::OwnedReadHalf;

use crate::run::Run;

/// Lines out of a read half, many per read.
pub(crate) struct Reader {
    pub(crate) read: OwnedReadHalf,
    /// The socket's fd, owned by `read`, for `quick_ack`.
    pub(crate) fd: RawFd,
    pub(crate) buf: Vec<u8>,
    /// Unread bytes are `buf[start..end]`.
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl Reader {
    /// Reads more; 0 at end of stream.
    pub(crate) async fn fill(&mut self) -> io::Result<usize> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            return Err(io::Error::new(ErrorKind::InvalidData, "a line longer than the buffer"));
        }
        let n = self.read.read(&mut self.buf[self.end..]).await?;
        self.end += n;
        quick_ack(self.fd)?;
        Ok(n)
    }

    /// The next complete line, without its `\n`.
    pub(crate) fn next_line(&mut self) -> Option<&[u8]> {
        let unread = &self.buf[self.start..self.end];
        let at = unread.iter().position(|&b| b == b'\n')?;
        let line = &self.buf[self.start..self.start + at];
        self.start += at + 1;
        Some(line)
    }

    /// Reads until the name prompt (which has no newline), and drops it.
    pub(crate) async fn wait_for_prompt(&mut self) -> io::Result<()> {
        while !self.buf[..self.end].ends_with(b"Enter your name: ") {
            if self.fill().await? == 0 {
                return Err(io::Error::new(ErrorKind::UnexpectedEof, "closed before the prompt"));
            }
        }
        (self.start, self.end) = (0, 0);
        Ok(())
    }
}

/// Asks the kernel to acknowledge what arrives at once (TCP_QUICKACK), not
/// up to 40 ms later. The chat servers do not set TCP_NODELAY, so Nagle holds
/// their next small write to a client until the last one is acknowledged; a
/// client waiting for its window would otherwise stall the room for a
/// delayed-ACK timeout per round. Linux may fall back to delayed ACKs, so it
/// is set again after every read.
/// Linux only: elsewhere (macOS, the BSDs) there is no such option, and
/// this does nothing.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[allow(unsafe_code)]
pub(crate) fn quick_ack(fd: RawFd) -> io::Result<()> {
    let on: libc::c_int = 1;
    // SAFETY: `fd` is the open socket of the `Reader` that calls this (its
    // read half owns it); the option value points to a live c_int and the
    // length given is its size.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            (&raw const on).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn quick_ack(_fd: RawFd) -> io::Result<()> {
    Ok(())
}

/// One client's view of the lines it receives.
pub(crate) struct Receiver<'a> {
    pub(crate) run: &'a Run,
    /// The start of this client's `Hello` line.
    pub(crate) hello: String,
    pub(crate) joined: bool,
    pub(crate) in_history: bool,
    /// Chat lines of this run received.
    pub(crate) heard: u64,
}

impl Receiver<'_> {
    pub(crate) fn line(&mut self, line: &[u8], now: Instant) {
        if self.in_history {
            self.in_history = line != b"=== End of history ===";
        } else if line.starts_with(b"[") {
            match parse_chat_line(line) {
                Some((k, nanos)) => {
                    let sent_at = self.run.origin + Duration::from_nanos(nanos);
                    if self.run.delivered(k, sent_at, now) {
                        self.heard += 1;
                    } else {
                        self.run.unexpected(line);
                    }
                }
                None => self.run.unexpected(line),
            }
        } else if line.starts_with(b"*** ") && line.ends_with(b" joined the chat ***") {
            self.run.joined(false);
        } else if !self.joined && line.starts_with(self.hello.as_bytes()) {
            self.joined = true;
            self.run.joined(true);
        } else if line == b"=== Recent messages ===" {
            self.in_history = true;
        } else if !(line.starts_with(b"*** ") || line == b"Goodbye!") {
            self.run.unexpected(line);
        }
    }
}

/// `[HH:MM] NAME: ROUND SENDER NANOS xxx`: the round and the send stamp.
pub(crate) fn parse_chat_line(line: &[u8]) -> Option<(usize, u64)> {
    let line = std::str::from_utf8(line).ok()?;
    let (_, rest) = line.split_once("] ")?;
    let (_, text) = rest.split_once(": ")?;
    let mut fields = text.split(' ');
    let k = fields.next()?.parse().ok()?;
    let _sender: usize = fields.next()?.parse().ok()?;
    let nanos = fields.next()?.parse().ok()?;
    Some((k, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_lines_give_their_round_and_stamp() {
        assert_eq!(parse_chat_line(b"[12:34] load7_3: 42 3 123456789 xxxx"), Some((42, 123456789)));
        assert_eq!(parse_chat_line(b"[12:34] load7_3: 0 0 5 "), Some((0, 5)));
        assert_eq!(parse_chat_line(b"[12:34] alice: hello there"), None);
        assert_eq!(parse_chat_line(b"[12:34] alice"), None);
    }
}
