//! A std client for the chat example (examples/chat/PROTOCOL.md): the
//! protocol's fixed strings, a deadline on every read, and a way to leave by
//! reset.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;

use super::example::Server;

pub const WELCOME: &str = "Welcome! Enter your name: ";
pub const PROMPT: &str = "Enter your name: ";
pub const INVALID_NAME: &str = "Invalid name: 1-20 letters, digits or _.\n";
pub const NAME_TAKEN: &str = "Name already taken.\n";
pub const TOO_MANY: &str = "Too many attempts. Goodbye!\n";
pub const HISTORY_START: &str = "=== Recent messages ===\n";
pub const HISTORY_END: &str = "=== End of history ===\n";
pub const SLOW_DOWN: &str = "Slow down.\n";
pub const SHUTDOWN: &str = "Server shutting down. Goodbye!\n";

/// Starts the chat example with `--port 0` and `args`.
pub fn start(args: &[&str]) -> Server {
    Server::start_example("chat", args, "listening on ")
}

pub fn hello(name: &str) -> String {
    format!("Hello, {name}! Type /help for commands.\n")
}

pub fn joined_chat(name: &str) -> String {
    format!("*** {name} joined the chat ***\n")
}

pub fn left_chat(name: &str) -> String {
    format!("*** {name} left the chat ***\n")
}

/// The minute of the day now, in the local time of `zone` (an IANA name),
/// or of this process (the servers inherit its `TZ`) when `None`.
pub fn local_minute_now(zone: Option<&str>) -> u64 {
    let now = match zone {
        Some(zone) => jiff::Timestamp::now().in_tz(zone).expect("a known zone"),
        None => jiff::Zoned::now(),
    };
    u64::try_from(now.hour()).unwrap_or(0) * 60 + u64::try_from(now.minute()).unwrap_or(0)
}

/// Strips the `[HH:MM] ` of a chat line, checking that it is the local time
/// of the last two minutes (the line was stamped just before we read it).
pub fn strip_time(line: &str) -> &str {
    strip_time_in(line, None)
}

/// [`strip_time`] for a server whose local time is that of `zone`.
pub fn strip_time_in<'a>(line: &'a str, zone: Option<&str>) -> &'a str {
    let b = line.as_bytes();
    let shape = b.len() > 8
        && b[0] == b'['
        && b[1..3].iter().all(u8::is_ascii_digit)
        && b[3] == b':'
        && b[4..6].iter().all(u8::is_ascii_digit)
        && b[6] == b']'
        && b[7] == b' ';
    assert!(shape, "not a `[HH:MM] NAME: text` line: {line:?}");
    let hours: u64 = line[1..3].parse().expect("HH");
    let minutes: u64 = line[4..6].parse().expect("MM");
    assert!(hours < 24 && minutes < 60, "not a time: {line:?}");
    let stamped = hours * 60 + minutes;
    let now = local_minute_now(zone);
    let age = (now + 1440 - stamped) % 1440;
    assert!(age <= 2, "{line:?} is not the local time (now {:02}:{:02})", now / 60, now % 60);
    &line[8..]
}

/// One client, reading through a buffer; every read has `DEADLINE`.
pub struct Chatter {
    reader: BufReader<TcpStream>,
}

impl Chatter {
    /// Connects and reads the welcome prompt (exactly its bytes: no newline).
    pub fn connect(server: &Server) -> Chatter {
        let mut chatter = Chatter { reader: BufReader::new(server.connect()) };
        chatter.expect_bytes(WELCOME);
        chatter
    }

    /// Connects, gives `name` and reads the greeting. Only for rooms
    /// without history (the lobby of a fresh server, before any chat line).
    pub fn join(server: &Server, name: &str) -> Chatter {
        let mut chatter = Chatter::connect(server);
        chatter.send(name);
        chatter.expect(&hello(name));
        chatter
    }

    /// [`Chatter::join`], then waits until each of `others` (in the lobby)
    /// has read the joined notice, so the join is complete.
    pub fn join_seen_by(server: &Server, name: &str, others: &mut [&mut Chatter]) -> Chatter {
        let chatter = Chatter::join(server, name);
        for other in others {
            other.expect(&joined_chat(name));
        }
        chatter
    }

    /// The socket, for a writer thread's `try_clone`.
    pub fn stream(&self) -> &TcpStream {
        self.reader.get_ref()
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.reader.get_mut().write_all(bytes).expect("send");
    }

    /// Sends `line` and a `\n`.
    pub fn send(&mut self, line: &str) {
        self.send_raw(format!("{line}\n").as_bytes());
    }

    /// The next line, with its `\n`; EOF or the deadline fails the test.
    pub fn line(&mut self) -> String {
        self.line_or_eof().expect("a line, not EOF")
    }

    /// The next line, or `None` at EOF; the deadline fails the test.
    pub fn line_or_eof(&mut self) -> Option<String> {
        let mut line = String::new();
        let n = self.reader.read_line(&mut line).expect("a line within the deadline");
        (n > 0).then_some(line)
    }

    pub fn expect(&mut self, want: &str) {
        assert_eq!(self.line(), want);
    }

    /// Reads exactly `want.len()` bytes (for the prompts, which have no `\n`).
    pub fn expect_bytes(&mut self, want: &str) {
        let mut got = vec![0; want.len()];
        self.reader.read_exact(&mut got).expect("the bytes within the deadline");
        assert_eq!(String::from_utf8_lossy(&got), want);
    }

    /// Sends `command` and returns the next line.
    pub fn ask(&mut self, command: &str) -> String {
        self.send(command);
        self.line()
    }

    /// The next line must be a chat line; returns it without its time.
    pub fn message(&mut self) -> String {
        strip_time(&self.line()).to_string()
    }

    /// The next line must be `[HH:MM] from: text`.
    pub fn expect_message(&mut self, from: &str, text: &str) {
        assert_eq!(self.message(), format!("{from}: {text}\n"));
    }

    /// Asks `/who` and checks the answer is the very next line: nothing
    /// else was queued for this client before it.
    pub fn expect_who(&mut self, room: &str, names: &str) {
        assert_eq!(self.ask("/who"), format!("Users in {room}: {names}\n"));
    }

    /// Reads the history block that must come next; its lines, untimed.
    pub fn history(&mut self) -> Vec<String> {
        self.expect(HISTORY_START);
        let mut lines = Vec::new();
        loop {
            let line = self.line();
            if line == HISTORY_END {
                return lines;
            }
            lines.push(strip_time(&line).to_string());
        }
    }

    /// Everything up to EOF (a reset counts as EOF); the deadline fails.
    pub fn rest(mut self) -> String {
        let mut bytes = Vec::new();
        match self.reader.read_to_end(&mut bytes) {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
            Err(e) => panic!("no EOF within the deadline ({e}); read {bytes:?}"),
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Everything up to EOF, which must be a clean one: a reset (or the
    /// deadline) fails the test.
    pub fn rest_clean(mut self) -> String {
        let mut bytes = Vec::new();
        if let Err(e) = self.reader.read_to_end(&mut bytes) {
            panic!("no clean EOF ({e}) after {:?}", String::from_utf8_lossy(&bytes));
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Splits into the reading side (buffered, with what it has read
    /// ahead) and a clone of the socket for a writer thread.
    pub fn split(self) -> (BufReader<TcpStream>, TcpStream) {
        let writer = self.stream().try_clone().expect("clone the socket");
        (self.reader, writer)
    }

    /// Closes with `SO_LINGER` 0: the kernel sends RST, not FIN.
    pub fn reset(self) {
        reset(self.reader.into_inner());
    }
}

/// Closes `stream` with an RST (`SO_LINGER` on with a zero timeout).
#[allow(unsafe_code)]
pub fn reset(stream: TcpStream) {
    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    let len = std::mem::size_of::<libc::linger>() as libc::socklen_t;
    // SAFETY: the fd is an open socket owned by `stream`, alive for the call;
    // the value points to a live `linger` and `len` is its exact size.
    let rc = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const linger).cast(),
            len,
        )
    };
    assert_eq!(rc, 0, "setsockopt(SO_LINGER): {}", std::io::Error::last_os_error());
    drop(stream);
}
